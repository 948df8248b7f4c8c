/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__JUMPSTARTER_H_INSIDE__) && !defined(JUMPSTARTER_COMPILATION)
#error "Only <jumpstarter/jumpstarter.h> can be included directly."
#endif

#include <gio/gio.h>

G_BEGIN_DECLS

#define JMP_TYPE_DRIVER_INFO (jmp_driver_info_get_type ())
G_DECLARE_FINAL_TYPE (JmpDriverInfo, jmp_driver_info, JMP, DRIVER_INFO, GObject)

const gchar *jmp_driver_info_get_object_path         (JmpDriverInfo *self);
const gchar *jmp_driver_info_get_name                (JmpDriverInfo *self);
const gchar *jmp_driver_info_get_path                (JmpDriverInfo *self);
const gchar *jmp_driver_info_get_type_name           (JmpDriverInfo *self);
const gchar *jmp_driver_info_get_uuid                (JmpDriverInfo *self);
const gchar *jmp_driver_info_get_parent_uuid         (JmpDriverInfo *self);
const gchar *jmp_driver_info_get_description         (JmpDriverInfo *self);
GHashTable  *jmp_driver_info_get_labels              (JmpDriverInfo *self);
GHashTable  *jmp_driver_info_get_methods_description (JmpDriverInfo *self);

G_END_DECLS
