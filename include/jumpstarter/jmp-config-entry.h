/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__JUMPSTARTER_H_INSIDE__) && !defined(JUMPSTARTER_COMPILATION)
#error "Only <jumpstarter/jumpstarter.h> can be included directly."
#endif

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define JMP_TYPE_CONFIG_ENTRY (jmp_config_entry_get_type ())
G_DECLARE_FINAL_TYPE (JmpConfigEntry, jmp_config_entry, JMP, CONFIG_ENTRY, GObject)

/* One node of `export:`: a driver, a Composite (children, no type) or a ref. */
const gchar     *jmp_config_entry_get_key                 (JmpConfigEntry *self);
const gchar     *jmp_config_entry_get_place               (JmpConfigEntry *self);
const gchar     *jmp_config_entry_get_type_name           (JmpConfigEntry *self);
const gchar     *jmp_config_entry_get_ref                 (JmpConfigEntry *self);
const gchar     *jmp_config_entry_get_description         (JmpConfigEntry *self);
GHashTable      *jmp_config_entry_get_methods_description (JmpConfigEntry *self);
JsonObject      *jmp_config_entry_get_config              (JmpConfigEntry *self);
GPtrArray       *jmp_config_entry_get_children            (JmpConfigEntry *self);
gboolean         jmp_config_entry_equal                   (JmpConfigEntry *self,
                                                           JmpConfigEntry *other);

G_END_DECLS
