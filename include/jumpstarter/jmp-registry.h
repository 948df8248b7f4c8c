/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__JUMPSTARTER_H_INSIDE__) && !defined(JUMPSTARTER_COMPILATION)
#error "Only <jumpstarter/jumpstarter.h> can be included directly."
#endif

#include <gio/gio.h>

#include "jmp-plugin-info.h"

G_BEGIN_DECLS

#define JMP_TYPE_REGISTRY (jmp_registry_get_type ())
G_DECLARE_FINAL_TYPE (JmpRegistry, jmp_registry, JMP, REGISTRY, GObject)

JmpRegistry  *jmp_registry_new                (void);

gboolean      jmp_registry_add_type           (JmpRegistry        *self,
                                               const gchar        *name,
                                               GType               type,
                                               const gchar * const *aliases,
                                               GError            **error);
GType         jmp_registry_lookup             (JmpRegistry        *self,
                                               const gchar        *name);
const gchar  *jmp_registry_get_type_name      (JmpRegistry        *self,
                                               GType               type);
GStrv         jmp_registry_list_types         (JmpRegistry        *self);
GStrv         jmp_registry_get_aliases        (JmpRegistry        *self,
                                               const gchar        *name);

gboolean      jmp_registry_load_file          (JmpRegistry        *self,
                                               const gchar        *filename,
                                               GError            **error);
void          jmp_registry_load_dir           (JmpRegistry        *self,
                                               const gchar        *dirname);
void          jmp_registry_load_default       (JmpRegistry        *self);
GPtrArray    *jmp_registry_get_plugins        (JmpRegistry        *self);

gchar        *jmp_registry_describe           (JmpRegistry        *self,
                                               const gchar        *type_name,
                                               GError            **error);

G_END_DECLS
