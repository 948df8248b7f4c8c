/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* What json-glib 1.6 does not bound or does not notice in a text. */
typedef enum {
  JMP_JSON_TEXT_OK,
  JMP_JSON_TEXT_TOO_DEEP,        /* nested deeper than max_depth */
  JMP_JSON_TEXT_TOO_MANY_VALUES, /* more than max_values */
  JMP_JSON_TEXT_TRAILING,        /* more text after the top-level value */
} JmpJsonTextProblem;

JmpJsonTextProblem jmp_json_scan_text (const gchar *data,
                                       gsize        length,
                                       guint        max_depth,
                                       guint        max_values,
                                       guint       *line);

JsonNode          *jmp_json_parse_one (const gchar *data,
                                       gsize        length,
                                       guint        max_depth,
                                       GError     **error);

G_END_DECLS
