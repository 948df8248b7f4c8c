/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define JMP_TYPE_CLIENT_OBJECT (jmp_client_object_get_type ())
G_DECLARE_FINAL_TYPE (JmpClientObject, jmp_client_object, JMP, CLIENT_OBJECT, GObject)

JmpClientObject *jmp_client_object_new              (GDBusConnection *connection,
                                                     const gchar     *name_owner,
                                                     const gchar     *object_path);
void             jmp_client_object_add_interfaces   (JmpClientObject *self,
                                                     GVariant        *interfaces_and_properties);
void             jmp_client_object_remove_interfaces (JmpClientObject *self,
                                                     const gchar    **interfaces);

G_END_DECLS
