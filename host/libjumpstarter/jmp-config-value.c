/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Turns one config value (a JsonNode from YAML or JSON) into the GValue of
 * a driver property. The GParamSpec is the whole schema: its type says what
 * is accepted, its range and enum values say what is valid, and an error
 * names the place of the value and what was wrong with it.
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "jmp-error.h"
#include "jmp-config-private.h"

/* Long strings are cut in messages: the place already says where to look. */
#define JMP_CONFIG_DESCRIBE_MAX_CHARS 40

static gchar *
jmp_config_format_double (gdouble v)
{
  gchar buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (isnan (v))
    return g_strdup (".nan");
  if (isinf (v))
    return g_strdup (v < 0 ? "-.inf" : ".inf");
  /* The shortest form that reads back as @v: 0.1, not 0.10000000000000001. */
  g_ascii_formatd (buf, sizeof buf, "%.15g", v);
  if (g_ascii_strtod (buf, NULL) != v)
    g_ascii_formatd (buf, sizeof buf, "%.17g", v);
  return g_strdup (buf);
}

/**
 * jmp_config_describe_node:
 * @node: (nullable): a value of a config
 *
 * Returns: (transfer full): how an error message shows @node, e.g.
 *   `70000`, `true`, `null`, `string "abc"`, `a mapping`.
 */
gchar *
jmp_config_describe_node (JsonNode *node)
{
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return g_strdup ("null");
  if (JSON_NODE_HOLDS_OBJECT (node))
    return g_strdup (_("a mapping"));
  if (JSON_NODE_HOLDS_ARRAY (node))
    return g_strdup (_("a list"));

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_BOOLEAN:
      return g_strdup (json_node_get_boolean (node) ? "true" : "false");
    case G_TYPE_INT64:
      return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
    case G_TYPE_DOUBLE:
      return jmp_config_format_double (json_node_get_double (node));
    case G_TYPE_STRING:
      {
        const gchar *s = json_node_get_string (node);
        g_autoptr(GString) str = g_string_new (NULL);
        glong n = 0;

        /* Escapes quotes and control characters but keeps UTF-8 text,
         * which g_strescape() would turn into octal. */
        for (const gchar *p = s; *p != '\0'; p = g_utf8_next_char (p), n++)
          {
            if (n == JMP_CONFIG_DESCRIBE_MAX_CHARS)
              {
                g_string_append (str, "…");
                break;
              }
            if (*p == '"' || *p == '\\')
              g_string_append_printf (str, "\\%c", *p);
            else if (*p == '\n')
              g_string_append (str, "\\n");
            else if (*p == '\t')
              g_string_append (str, "\\t");
            else if ((guchar) *p < 0x20 || *p == 0x7f)
              g_string_append_printf (str, "\\x%02x", (guint) (guchar) *p);
            else
              g_string_append_len (str, p, g_utf8_next_char (p) - p);
          }
        /* TRANSLATORS: how a text value is shown in an error, e.g. string "abc" */
        return g_strdup_printf (_("string \"%s\""), str->str);
      }
    default:
      return g_strdup (g_type_name (json_node_get_value_type (node)));
    }
}

/* Edit distance with transpositions ("cofnig" is one edit from "config"),
 * ignoring case, as in GLib's own option suggestions. */
static guint
jmp_config_distance (const gchar *a,
                     const gchar *b)
{
  g_autofree gchar *la = g_ascii_strdown (a, -1);
  g_autofree gchar *lb = g_ascii_strdown (b, -1);
  gsize n = strlen (la), m = strlen (lb);
  g_autofree guint *d = NULL;

  if (n > 64 || m > 64)
    return G_MAXUINT;
  d = g_new0 (guint, (n + 1) * (m + 1));
#define D(i, j) d[(i) * (m + 1) + (j)]
  for (gsize i = 0; i <= n; i++)
    D (i, 0) = i;
  for (gsize j = 0; j <= m; j++)
    D (0, j) = j;
  for (gsize i = 1; i <= n; i++)
    for (gsize j = 1; j <= m; j++)
      {
        guint cost = la[i - 1] == lb[j - 1] ? 0 : 1;
        guint v = MIN (MIN (D (i - 1, j) + 1, D (i, j - 1) + 1), D (i - 1, j - 1) + cost);

        if (i > 1 && j > 1 && la[i - 1] == lb[j - 2] && la[i - 2] == lb[j - 1])
          v = MIN (v, D (i - 2, j - 2) + 1);
        D (i, j) = v;
      }
  return D (n, m);
#undef D
}

/**
 * jmp_config_suggest:
 * @word: what the config says
 * @candidates: what it may have meant
 *
 * Returns: (transfer full): `; did you mean "X"?` for the closest of
 *   @candidates if it is close enough to be a typo, else ""
 */
gchar *
jmp_config_suggest (const gchar         *word,
                    const gchar * const *candidates)
{
  const gchar *best = NULL;
  guint best_distance = G_MAXUINT;
  guint limit = MAX (1, (guint) strlen (word) / 3);

  for (guint i = 0; candidates != NULL && candidates[i] != NULL; i++)
    {
      guint distance = jmp_config_distance (word, candidates[i]);

      if (distance < best_distance)
        {
          best = candidates[i];
          best_distance = distance;
        }
    }
  if (best == NULL || best_distance > limit)
    return g_strdup ("");
  return g_strdup_printf (_("; did you mean \"%s\"?"), best);
}

static gchar *
jmp_config_enum_nicks (GEnumClass *klass)
{
  g_autoptr(GString) str = g_string_new (NULL);

  for (guint i = 0; i < klass->n_values; i++)
    {
      if (str->len > 0)
        g_string_append (str, ", ");
      g_string_append (str, klass->values[i].value_nick);
    }
  return g_string_free (g_steal_pointer (&str), FALSE);
}

static gchar *
jmp_config_flags_nicks (GFlagsClass *klass)
{
  g_autoptr(GString) str = g_string_new (NULL);

  for (guint i = 0; i < klass->n_values; i++)
    {
      if (str->len > 0)
        g_string_append (str, ", ");
      g_string_append (str, klass->values[i].value_nick);
    }
  return g_string_free (g_steal_pointer (&str), FALSE);
}

static gboolean
jmp_config_wrong_type (JsonNode     *node,
                       const gchar  *place,
                       const gchar  *expected,
                       gboolean      want_text,
                       GError      **error)
{
  g_autofree gchar *got = jmp_config_describe_node (node);
  const gchar *hint = "";

  /* YAML types unquoted scalars: `host: 10.0` is a number, `name: yes` a
   * boolean. Say how to get the text that was meant. */
  if (want_text && node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
      json_node_get_value_type (node) != G_TYPE_STRING)
    hint = _(" (put the value in quotes to make it a string)");

  g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
               _("%s: expected %s, got %s%s"), place, expected, got, hint);
  return FALSE;
}

static gboolean
jmp_config_is_string (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_STRING;
}

/* JSON integers, and doubles holding a whole number (`22.0`). */
static gboolean
jmp_config_get_integer (JsonNode  *node,
                        gboolean  *is_int,
                        gint64    *i,
                        gdouble   *d)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    {
      *is_int = TRUE;
      *i = json_node_get_int (node);
      *d = (gdouble) *i;
      return TRUE;
    }
  if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
    {
      *d = json_node_get_double (node);
      if (!isfinite (*d) || floor (*d) != *d)
        return FALSE;
      *is_int = *d >= -9223372036854775808.0 && *d < 9223372036854775808.0;
      if (*is_int)
        *i = (gint64) *d;
      return TRUE;
    }
  return FALSE;
}

static gboolean
jmp_config_out_of_range (JsonNode     *node,
                         const gchar  *place,
                         const gchar  *min,
                         const gchar  *max,
                         GError      **error)
{
  g_autofree gchar *got = jmp_config_describe_node (node);

  g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
               /* TRANSLATORS: e.g. export.net.config.port: 70000 is out of range 1–65535 */
               _("%s: %s is out of range %s–%s"), place, got, min, max);
  return FALSE;
}

static gboolean
jmp_config_set_signed (JsonNode     *node,
                       GParamSpec   *pspec,
                       const gchar  *place,
                       gint64        min,
                       gint64        max,
                       GValue       *value,
                       GError      **error)
{
  gboolean is_int = FALSE;
  gint64 i = 0;
  gdouble d = 0;

  if (!jmp_config_get_integer (node, &is_int, &i, &d))
    return jmp_config_wrong_type (node, place, _("an integer"), FALSE, error);
  if (!is_int || i < min || i > max)
    {
      g_autofree gchar *smin = g_strdup_printf ("%" G_GINT64_FORMAT, min);
      g_autofree gchar *smax = g_strdup_printf ("%" G_GINT64_FORMAT, max);
      return jmp_config_out_of_range (node, place, smin, smax, error);
    }

  switch (G_PARAM_SPEC_VALUE_TYPE (pspec))
    {
    case G_TYPE_CHAR:
      g_value_set_schar (value, (gint8) i);
      break;
    case G_TYPE_INT:
      g_value_set_int (value, (gint) i);
      break;
    case G_TYPE_LONG:
      g_value_set_long (value, (glong) i);
      break;
    case G_TYPE_INT64:
    default:
      g_value_set_int64 (value, i);
      break;
    }
  return TRUE;
}

static gboolean
jmp_config_set_unsigned (JsonNode     *node,
                         GParamSpec   *pspec,
                         const gchar  *place,
                         guint64       min,
                         guint64       max,
                         GValue       *value,
                         GError      **error)
{
  gboolean is_int = FALSE;
  gint64 i = 0;
  gdouble d = 0;
  guint64 u = 0;
  gboolean in_range = FALSE;

  if (!jmp_config_get_integer (node, &is_int, &i, &d))
    return jmp_config_wrong_type (node, place, _("an integer"), FALSE, error);

  if (is_int && i >= 0)
    in_range = TRUE, u = (guint64) i;
  else if (!is_int && d >= 0 && d < 18446744073709551616.0)
    in_range = TRUE, u = (guint64) d;
  if (!in_range || u < min || u > max)
    {
      g_autofree gchar *smin = g_strdup_printf ("%" G_GUINT64_FORMAT, min);
      g_autofree gchar *smax = g_strdup_printf ("%" G_GUINT64_FORMAT, max);
      return jmp_config_out_of_range (node, place, smin, smax, error);
    }

  switch (G_PARAM_SPEC_VALUE_TYPE (pspec))
    {
    case G_TYPE_UCHAR:
      g_value_set_uchar (value, (guint8) u);
      break;
    case G_TYPE_UINT:
      g_value_set_uint (value, (guint) u);
      break;
    case G_TYPE_ULONG:
      g_value_set_ulong (value, (gulong) u);
      break;
    case G_TYPE_UINT64:
    default:
      g_value_set_uint64 (value, u);
      break;
    }
  return TRUE;
}

static gboolean
jmp_config_set_double (JsonNode     *node,
                       GParamSpec   *pspec,
                       const gchar  *place,
                       GValue       *value,
                       GError      **error)
{
  gdouble d, min, max;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      (json_node_get_value_type (node) != G_TYPE_DOUBLE &&
       json_node_get_value_type (node) != G_TYPE_INT64))
    return jmp_config_wrong_type (node, place, _("a number"), FALSE, error);

  d = json_node_get_value_type (node) == G_TYPE_INT64 ?
      (gdouble) json_node_get_int (node) : json_node_get_double (node);
  if (isnan (d))
    return jmp_config_wrong_type (node, place, _("a number"), FALSE, error);

  if (G_IS_PARAM_SPEC_FLOAT (pspec))
    {
      min = G_PARAM_SPEC_FLOAT (pspec)->minimum;
      max = G_PARAM_SPEC_FLOAT (pspec)->maximum;
    }
  else
    {
      min = G_PARAM_SPEC_DOUBLE (pspec)->minimum;
      max = G_PARAM_SPEC_DOUBLE (pspec)->maximum;
    }
  if (d < min || d > max)
    {
      g_autofree gchar *smin = jmp_config_format_double (min);
      g_autofree gchar *smax = jmp_config_format_double (max);
      return jmp_config_out_of_range (node, place, smin, smax, error);
    }

  if (G_IS_PARAM_SPEC_FLOAT (pspec))
    g_value_set_float (value, (gfloat) d);
  else
    g_value_set_double (value, d);
  return TRUE;
}

static const GEnumValue *
jmp_config_find_enum_value (GEnumClass  *klass,
                            const gchar *text)
{
  const GEnumValue *ev;
  g_autofree gchar *dashed = NULL;

  ev = g_enum_get_value_by_nick (klass, text);
  if (ev == NULL)
    ev = g_enum_get_value_by_name (klass, text);
  if (ev == NULL)
    {
      /* Nicks use dashes; a Python-minded config writes `very_slow`. */
      dashed = g_strdelimit (g_strdup (text), "_", '-');
      ev = g_enum_get_value_by_nick (klass, dashed);
    }
  return ev;
}

static const GFlagsValue *
jmp_config_find_flags_value (GFlagsClass *klass,
                             const gchar *text)
{
  const GFlagsValue *fv;
  g_autofree gchar *dashed = NULL;

  fv = g_flags_get_value_by_nick (klass, text);
  if (fv == NULL)
    fv = g_flags_get_value_by_name (klass, text);
  if (fv == NULL)
    {
      dashed = g_strdelimit (g_strdup (text), "_", '-');
      fv = g_flags_get_value_by_nick (klass, dashed);
    }
  return fv;
}

static gboolean
jmp_config_set_enum (JsonNode     *node,
                     GParamSpec   *pspec,
                     const gchar  *place,
                     GValue       *value,
                     GError      **error)
{
  GEnumClass *klass = G_PARAM_SPEC_ENUM (pspec)->enum_class;
  g_autofree gchar *nicks = jmp_config_enum_nicks (klass);
  const GEnumValue *ev;

  if (!jmp_config_is_string (node))
    {
      g_autofree gchar *expected = g_strdup_printf (_("one of: %s"), nicks);
      return jmp_config_wrong_type (node, place, expected, TRUE, error);
    }
  ev = jmp_config_find_enum_value (klass, json_node_get_string (node));
  if (ev == NULL)
    {
      g_auto(GStrv) list = g_strsplit (nicks, ", ", -1);
      g_autofree gchar *hint = jmp_config_suggest (json_node_get_string (node),
                                                   (const gchar * const *) list);

      g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                   _("%s: unknown value \"%s\"%s (expected one of: %s)"),
                   place, json_node_get_string (node), hint, nicks);
      return FALSE;
    }
  g_value_set_enum (value, ev->value);
  return TRUE;
}

static gboolean
jmp_config_set_flags (JsonNode     *node,
                      GParamSpec   *pspec,
                      const gchar  *place,
                      GValue       *value,
                      GError      **error)
{
  GFlagsClass *klass = G_PARAM_SPEC_FLAGS (pspec)->flags_class;
  g_autofree gchar *nicks = jmp_config_flags_nicks (klass);
  g_autofree gchar *expected = g_strdup_printf (_("a list of: %s"), nicks);
  g_autoptr(GPtrArray) items = g_ptr_array_new ();
  guint flags = 0;

  /* A single flag may be written without the list around it. */
  if (jmp_config_is_string (node))
    g_ptr_array_add (items, node);
  else if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        g_ptr_array_add (items, json_array_get_element (array, i));
    }
  else
    return jmp_config_wrong_type (node, place, expected, FALSE, error);

  for (guint i = 0; i < items->len; i++)
    {
      JsonNode *item = g_ptr_array_index (items, i);
      g_autofree gchar *item_place = JSON_NODE_HOLDS_ARRAY (node) ?
          g_strdup_printf ("%s[%u]", place, i) : g_strdup (place);
      const GFlagsValue *fv;

      if (!jmp_config_is_string (item))
        {
          g_autofree gchar *one = g_strdup_printf (_("one of: %s"), nicks);
          return jmp_config_wrong_type (item, item_place, one, TRUE, error);
        }
      fv = jmp_config_find_flags_value (klass, json_node_get_string (item));
      if (fv == NULL)
        {
          g_auto(GStrv) list = g_strsplit (nicks, ", ", -1);
          g_autofree gchar *hint = jmp_config_suggest (json_node_get_string (item),
                                                       (const gchar * const *) list);

          g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                       _("%s: unknown value \"%s\"%s (expected one of: %s)"),
                       item_place, json_node_get_string (item), hint, nicks);
          return FALSE;
        }
      flags |= fv->value;
    }
  g_value_set_flags (value, flags);
  return TRUE;
}

static gboolean
jmp_config_set_strv (JsonNode     *node,
                     const gchar  *place,
                     GValue       *value,
                     GError      **error)
{
  JsonArray *array;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return jmp_config_wrong_type (node, place, _("a list of strings"), FALSE, error);

  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *item = json_array_get_element (array, i);

      if (!jmp_config_is_string (item))
        {
          g_autofree gchar *item_place = g_strdup_printf ("%s[%u]", place, i);
          return jmp_config_wrong_type (item, item_place, _("a string"), TRUE, error);
        }
      g_strv_builder_add (builder, json_node_get_string (item));
    }
  g_value_take_boxed (value, g_strv_builder_end (builder));
  return TRUE;
}

static gboolean
jmp_config_set_hash_table (JsonNode     *node,
                           const gchar  *place,
                           GValue       *value,
                           GError      **error)
{
  JsonObject *object;
  g_autoptr(GList) members = NULL;
  g_autoptr(GHashTable) table = NULL;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return jmp_config_wrong_type (node, place, _("a mapping of strings"), FALSE, error);

  table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  object = json_node_get_object (node);
  members = json_object_get_members (object);
  for (GList *l = members; l != NULL; l = l->next)
    {
      JsonNode *item = json_object_get_member (object, l->data);

      if (!jmp_config_is_string (item))
        {
          g_autofree gchar *item_place = g_strdup_printf ("%s.%s", place, (const gchar *) l->data);
          return jmp_config_wrong_type (item, item_place, _("a string"), TRUE, error);
        }
      g_hash_table_insert (table, g_strdup (l->data), g_strdup (json_node_get_string (item)));
    }
  g_value_set_boxed (value, table);
  return TRUE;
}

static gboolean
jmp_config_set_variant (JsonNode     *node,
                        GParamSpec   *pspec,
                        const gchar  *place,
                        GValue       *value,
                        GError      **error)
{
  const GVariantType *type = G_PARAM_SPEC_VARIANT (pspec)->type;
  const gchar *signature = NULL;
  GVariant *variant;
  g_autoptr(GError) local_error = NULL;
  g_autofree gchar *type_string = g_variant_type_dup_string (type);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      g_autofree gchar *expected = g_strdup_printf (_("a value of type %s"), type_string);
      return jmp_config_wrong_type (node, place, expected, FALSE, error);
    }
  if (g_variant_type_is_definite (type))
    signature = type_string;

  variant = json_gvariant_deserialize (node, signature, &local_error);
  if (variant == NULL)
    {
      g_autofree gchar *got = jmp_config_describe_node (node);

      g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                   _("%s: expected a value of type %s, got %s: %s"),
                   place, type_string, got, local_error->message);
      return FALSE;
    }
  g_value_take_variant (value, g_steal_pointer (&variant));
  return TRUE;
}

static gboolean
jmp_config_set_boxed (JsonNode     *node,
                      GParamSpec   *pspec,
                      const gchar  *place,
                      const gchar  *type_name,
                      GValue       *value,
                      GError      **error)
{
  GType vtype = G_PARAM_SPEC_VALUE_TYPE (pspec);

  if (vtype == G_TYPE_STRV)
    return jmp_config_set_strv (node, place, value, error);
  if (vtype == G_TYPE_HASH_TABLE)
    return jmp_config_set_hash_table (node, place, value, error);
  if (vtype == JSON_TYPE_NODE)
    {
      /* A free-form value the driver reads itself (ustreamer's `args`).
       * It gets its own copy so nothing it does can change the config. */
      g_value_take_boxed (value, jmp_config_node_deep_copy (node));
      return TRUE;
    }
  if (vtype == JSON_TYPE_OBJECT)
    {
      g_autoptr(JsonNode) copy = NULL;

      if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
        return jmp_config_wrong_type (node, place, _("a mapping"), FALSE, error);
      copy = jmp_config_node_deep_copy (node);
      g_value_set_boxed (value, json_node_get_object (copy));
      return TRUE;
    }
  if (vtype == JSON_TYPE_ARRAY)
    {
      g_autoptr(JsonNode) copy = NULL;

      if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
        return jmp_config_wrong_type (node, place, _("a list"), FALSE, error);
      copy = jmp_config_node_deep_copy (node);
      g_value_set_boxed (value, json_node_get_array (copy));
      return TRUE;
    }

  g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
               _("%s: %s cannot take this key from a config file (its type is %s)"),
               place, type_name, g_type_name (vtype));
  return FALSE;
}

/**
 * jmp_config_value_from_node:
 * @node: (nullable): the value in the config
 * @pspec: the property it sets
 * @place: where the value is, e.g. `export.net.config.port`
 * @type_name: the driver type's registry name, e.g. `TcpNetwork`
 * @value: an unset #GValue, initialised here to the type of @pspec
 * @error: return location for a #GError
 *
 * Checks @node against @pspec and converts it. Integers must be JSON
 * integers (or whole doubles) within the spec's range; doubles accept
 * integers; strings only strings; enums a nick or name; flags a list of
 * them; #GStrv a list of strings; #GHashTable a mapping of strings;
 * #JsonNode, #JsonObject and #JsonArray take the value as it is; #GVariant
 * goes through json_gvariant_deserialize(). A null is never accepted, except
 * by #JsonNode.
 *
 * Returns: %TRUE with @value set, or %FALSE with %JMP_ERROR_INVALID_ARGS
 *   and @value unset
 */
gboolean
jmp_config_value_from_node (JsonNode     *node,
                            GParamSpec   *pspec,
                            const gchar  *place,
                            const gchar  *type_name,
                            GValue       *value,
                            GError      **error)
{
  GType vtype;
  gboolean ok;

  g_return_val_if_fail (G_IS_PARAM_SPEC (pspec), FALSE);
  g_return_val_if_fail (place != NULL, FALSE);
  g_return_val_if_fail (value != NULL && !G_IS_VALUE (value), FALSE);

  vtype = G_PARAM_SPEC_VALUE_TYPE (pspec);
  g_value_init (value, vtype);

  switch (G_TYPE_FUNDAMENTAL (vtype))
    {
    case G_TYPE_BOOLEAN:
      ok = node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
           json_node_get_value_type (node) == G_TYPE_BOOLEAN;
      if (ok)
        g_value_set_boolean (value, json_node_get_boolean (node));
      else
        jmp_config_wrong_type (node, place, _("true or false"), FALSE, error);
      break;
    case G_TYPE_CHAR:
      ok = jmp_config_set_signed (node, pspec, place, G_PARAM_SPEC_CHAR (pspec)->minimum,
                                  G_PARAM_SPEC_CHAR (pspec)->maximum, value, error);
      break;
    case G_TYPE_INT:
      ok = jmp_config_set_signed (node, pspec, place, G_PARAM_SPEC_INT (pspec)->minimum,
                                  G_PARAM_SPEC_INT (pspec)->maximum, value, error);
      break;
    case G_TYPE_LONG:
      ok = jmp_config_set_signed (node, pspec, place, G_PARAM_SPEC_LONG (pspec)->minimum,
                                  G_PARAM_SPEC_LONG (pspec)->maximum, value, error);
      break;
    case G_TYPE_INT64:
      ok = jmp_config_set_signed (node, pspec, place, G_PARAM_SPEC_INT64 (pspec)->minimum,
                                  G_PARAM_SPEC_INT64 (pspec)->maximum, value, error);
      break;
    case G_TYPE_UCHAR:
      ok = jmp_config_set_unsigned (node, pspec, place, G_PARAM_SPEC_UCHAR (pspec)->minimum,
                                    G_PARAM_SPEC_UCHAR (pspec)->maximum, value, error);
      break;
    case G_TYPE_UINT:
      ok = jmp_config_set_unsigned (node, pspec, place, G_PARAM_SPEC_UINT (pspec)->minimum,
                                    G_PARAM_SPEC_UINT (pspec)->maximum, value, error);
      break;
    case G_TYPE_ULONG:
      ok = jmp_config_set_unsigned (node, pspec, place, G_PARAM_SPEC_ULONG (pspec)->minimum,
                                    G_PARAM_SPEC_ULONG (pspec)->maximum, value, error);
      break;
    case G_TYPE_UINT64:
      ok = jmp_config_set_unsigned (node, pspec, place, G_PARAM_SPEC_UINT64 (pspec)->minimum,
                                    G_PARAM_SPEC_UINT64 (pspec)->maximum, value, error);
      break;
    case G_TYPE_FLOAT:
    case G_TYPE_DOUBLE:
      ok = jmp_config_set_double (node, pspec, place, value, error);
      break;
    case G_TYPE_STRING:
      ok = jmp_config_is_string (node);
      if (ok)
        g_value_set_string (value, json_node_get_string (node));
      else
        jmp_config_wrong_type (node, place, _("a string"), TRUE, error);
      break;
    case G_TYPE_ENUM:
      ok = jmp_config_set_enum (node, pspec, place, value, error);
      break;
    case G_TYPE_FLAGS:
      ok = jmp_config_set_flags (node, pspec, place, value, error);
      break;
    case G_TYPE_BOXED:
      ok = jmp_config_set_boxed (node, pspec, place, type_name, value, error);
      break;
    case G_TYPE_VARIANT:
      ok = jmp_config_set_variant (node, pspec, place, value, error);
      break;
    default:
      g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                   _("%s: %s cannot take this key from a config file (its type is %s)"),
                   place, type_name, g_type_name (vtype));
      ok = FALSE;
      break;
    }

  /* A last check with the spec's own rules, for what the code above does
   * not know about (a string spec's allowed characters, subclassed specs). */
  if (ok)
    {
      g_auto(GValue) check = G_VALUE_INIT;

      g_value_init (&check, vtype);
      g_value_copy (value, &check);
      if (g_param_value_validate (pspec, &check))
        {
          g_autofree gchar *got = jmp_config_describe_node (node);

          g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                       _("%s: %s is not a valid value"), place, got);
          ok = FALSE;
        }
    }

  if (!ok)
    g_value_unset (value);
  return ok;
}
