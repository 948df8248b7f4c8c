/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Internal API of the exporter config loader: the YAML reader, the
 * constructors of JmpConfigEntry and the JSON → GValue conversion that
 * validates a config key against a driver's GParamSpec.
 */
#pragma once

#include <json-glib/json-glib.h>

#include "jmp-config-entry.h"
#include "jmp-config.h"

G_BEGIN_DECLS

/* Upper bound on the nodes of one config, aliases expanded: a "billion
 * laughs" file must fail with an error, not eat the host's memory. */
#define JMP_CONFIG_MAX_NODES 100000

/* And on its bytes (keys and scalars), aliases expanded: a few aliases of
 * one long string are as costly as many nodes. Four times the largest
 * file read, so any file without aliases fits. */
#define JMP_CONFIG_MAX_BYTES ((guint64) 16 * 1024 * 1024)

/* Nesting deeper than this is refused: every walk of the tree recurses. */
#define JMP_CONFIG_MAX_DEPTH 256

/* jmp-config.c: the whole document, for the keys only a cluster exporter
 * reads (endpoint, token, tls, grpcOptions) */
JsonNode       *jmp_config_get_node               (JmpConfig    *self);

/* jmp-config-yaml.c */
JsonNode       *jmp_config_yaml_parse             (const gchar  *data,
                                                   gsize         length,
                                                   const gchar  *origin,
                                                   GError      **error);
JsonNode       *jmp_config_node_deep_copy         (JsonNode     *node);

/* jmp-config-entry.c */
JmpConfigEntry *jmp_config_entry_new_root         (JsonObject   *export,
                                                   const gchar  *description,
                                                   GError      **error);
JmpConfigEntry *jmp_config_entry_get_child        (JmpConfigEntry *self,
                                                   const gchar    *key);
gboolean        jmp_config_entry_is_composite     (JmpConfigEntry *self);
gboolean        jmp_config_entry_is_root          (JmpConfigEntry *self);

/* jmp-config-value.c */
gchar          *jmp_config_describe_node          (JsonNode     *node);
gchar          *jmp_config_suggest                (const gchar         *word,
                                                   const gchar * const *candidates);
gboolean        jmp_config_value_from_node        (JsonNode     *node,
                                                   GParamSpec   *pspec,
                                                   const gchar  *place,
                                                   const gchar  *type_name,
                                                   GValue       *value,
                                                   GError      **error);

G_END_DECLS
