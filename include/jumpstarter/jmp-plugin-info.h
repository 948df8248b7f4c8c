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

#define JMP_TYPE_PLUGIN_INFO (jmp_plugin_info_get_type ())
G_DECLARE_FINAL_TYPE (JmpPluginInfo, jmp_plugin_info, JMP, PLUGIN_INFO, GObject)

/* One plugin file as the registry saw it: loaded, or skipped with an error. */
JmpPluginInfo      *jmp_plugin_info_new_from_variant (GVariant    *info);
const gchar        *jmp_plugin_info_get_filename    (JmpPluginInfo *self);
const gchar        *jmp_plugin_info_get_name        (JmpPluginInfo *self);
const gchar        *jmp_plugin_info_get_version     (JmpPluginInfo *self);
const gchar        *jmp_plugin_info_get_description (JmpPluginInfo *self);
const gchar        *jmp_plugin_info_get_license     (JmpPluginInfo *self);
const gchar * const *jmp_plugin_info_get_types      (JmpPluginInfo *self);
const gchar * const *jmp_plugin_info_get_aliases    (JmpPluginInfo *self);
const GError       *jmp_plugin_info_get_error       (JmpPluginInfo *self);
GVariant           *jmp_plugin_info_to_variant      (JmpPluginInfo *self);

G_END_DECLS
