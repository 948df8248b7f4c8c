/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "jmp-plugin-info.h"
#include "jmp-registry.h"

G_BEGIN_DECLS

/* The registry fills a JmpPluginInfo while it loads the file; to everyone
 * else the object is read-only. */
JmpPluginInfo *jmp_plugin_info_new            (const gchar   *filename);
void           jmp_plugin_info_set_name       (JmpPluginInfo *self,
                                               const gchar   *name);
void           jmp_plugin_info_set_version    (JmpPluginInfo *self,
                                               const gchar   *version);
void           jmp_plugin_info_set_description (JmpPluginInfo *self,
                                               const gchar   *description);
void           jmp_plugin_info_set_license    (JmpPluginInfo *self,
                                               const gchar   *license);
void           jmp_plugin_info_add_type       (JmpPluginInfo *self,
                                               const gchar   *name);
void           jmp_plugin_info_add_alias      (JmpPluginInfo *self,
                                               const gchar   *alias);
void           jmp_plugin_info_set_error      (JmpPluginInfo *self,
                                               const GError  *error);

/* The plugin that registered @name (a type name or alias): %NULL for a
 * built-in type or a name not known. */
JmpPluginInfo *jmp_registry_get_type_plugin   (JmpRegistry   *self,
                                               const gchar   *name);

G_END_DECLS
