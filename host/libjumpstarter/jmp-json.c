/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * JSON from outside (configs, ustreamer's state, a cluster client's
 * request header) read with json-glib 1.6, which recurses without a
 * bound on nesting, and reads `{…} {…}` as its first value, dropping
 * (and leaking) every later one without a word (fixed in json-glib 1.10,
 * GNOME/json-glib#74). Every such text is scanned first.
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "jmp-json-private.h"

/**
 * jmp_json_scan_text:
 * @data: the text
 * @length: its length in bytes
 * @max_depth: the deepest nesting of objects and arrays allowed
 * @max_values: the most values allowed (counted by their separators)
 * @line: (out): the line of the problem, from 1
 *
 * Checks the bounds json-glib does not keep, without parsing: strings
 * are skipped, so brackets in them count for nothing.
 *
 * Returns: the first problem found, or %JMP_JSON_TEXT_OK
 */
JmpJsonTextProblem
jmp_json_scan_text (const gchar *data,
                    gsize        length,
                    guint        max_depth,
                    guint        max_values,
                    guint       *line)
{
  guint depth = 0;
  guint values = 1;
  gboolean in_string = FALSE;
  gboolean in_scalar = FALSE;  /* a number or literal at the top level */
  gboolean ended = FALSE;      /* the top-level value is complete */

  *line = 1;
  for (gsize i = 0; i < length; i++)
    {
      gchar c = data[i];

      if (c == '\n')
        (*line)++;
      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            {
              in_string = FALSE;
              ended = depth == 0;
            }
          continue;
        }
      if (in_scalar && (g_ascii_isspace (c) || strchr ("{[\"", c) != NULL))
        {
          in_scalar = FALSE;
          ended = TRUE;
        }
      if (ended && !g_ascii_isspace (c))
        return JMP_JSON_TEXT_TRAILING;
      if (c == '"')
        in_string = TRUE;
      else if (c == ',' && ++values > max_values)
        return JMP_JSON_TEXT_TOO_MANY_VALUES;
      else if ((c == '{' || c == '[') && ++depth > max_depth)
        return JMP_JSON_TEXT_TOO_DEEP;
      else if ((c == '}' || c == ']') && depth > 0)
        ended = --depth == 0;
      else if (depth == 0 && !g_ascii_isspace (c))
        in_scalar = TRUE;
    }
  return JMP_JSON_TEXT_OK;
}

/**
 * jmp_json_parse_one:
 * @data: the text, not necessarily nul-terminated
 * @length: its length in bytes
 * @max_depth: the deepest nesting of objects and arrays allowed
 * @error: return location for a #GError (%G_IO_ERROR_INVALID_DATA)
 *
 * Parses one JSON value, refusing a text json-glib would read only in
 * part or recurse into without a bound, and a blank one.
 *
 * Returns: (transfer full): the value, or %NULL with @error set
 */
JsonNode *
jmp_json_parse_one (const gchar *data,
                    gsize        length,
                    guint        max_depth,
                    GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  JsonNode *root;
  guint line;

  if (length > G_MAXSSIZE)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("too large"));
      return NULL;
    }
  switch (jmp_json_scan_text (data, length, max_depth, G_MAXUINT, &line))
    {
    case JMP_JSON_TEXT_TOO_DEEP:
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("line %u: values are nested more than %u levels deep"), line, max_depth);
      return NULL;
    case JMP_JSON_TEXT_TRAILING:
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("line %u: more text after the end of the document"), line);
      return NULL;
    case JMP_JSON_TEXT_TOO_MANY_VALUES:
    case JMP_JSON_TEXT_OK:
      break;
    }

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, (gssize) length, error))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("empty"));
      return NULL;
    }
  return json_node_ref (root);
}
