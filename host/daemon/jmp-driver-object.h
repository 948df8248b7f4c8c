/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <jumpstarter/jumpstarter.h>

#include "jmp-dbus-generated.h"

G_BEGIN_DECLS

#define JMP_TYPE_DRIVER_OBJECT (jmp_driver_object_get_type ())
G_DECLARE_FINAL_TYPE (JmpDriverObject, jmp_driver_object, JMP, DRIVER_OBJECT, GDBusObjectSkeleton)

JmpDriverObject *jmp_driver_object_new        (JmpDriver   *driver,
                                               const gchar *object_path,
                                               const gchar *key,
                                               const gchar *dotted_path,
                                               const gchar *parent_uuid);
JmpDriver       *jmp_driver_object_get_driver (JmpDriverObject *self);
void             jmp_driver_object_set_index  (JmpDriverObject *self,
                                               guint            index);
gboolean         jmp_driver_object_matches    (JmpDriverObject *self,
                                               JmpDriver       *driver,
                                               const gchar     *parent_uuid);

G_END_DECLS
