/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Reads one YAML document into a JsonNode tree with libyaml's event API,
 * so the rest of the config code handles YAML and JSON files alike.
 *
 * Plain scalars are typed the way Jumpstarter's Python loader (PyYAML,
 * YAML 1.1) types them, so a file means the same thing to both hosts:
 * null/~/empty are null; true/false/yes/no/on/off in any case are booleans;
 * decimal, 0x, 0o, 0b and leading-zero octal numbers are integers; numbers
 * with a dot or an exponent are doubles. Quoted and block scalars are
 * always strings. Aliases are expanded by copying the anchored node, with
 * the total number of nodes and of bytes in keys and scalars bounded (a
 * megabyte string aliased a few hundred times is small in the file and
 * huge in memory); `<<` merge keys are honoured.
 */

#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>
#include <yaml.h>

#include <glib/gi18n-lib.h>

#include "jmp-error.h"
#include "jmp-config-private.h"

#define YAML_TAG_PREFIX "tag:yaml.org,2002:"

typedef struct {
  JsonNode *node;
  guint     count;  /* nodes in the subtree, to charge each expansion */
  guint64   bytes;  /* bytes of its keys and scalars, likewise */
} JmpYamlAnchor;

typedef struct {
  JsonNode    *node;         /* an object or an array */
  gchar       *anchor;
  gchar       *key;          /* pending key of a mapping */
  gboolean     key_is_merge;
  yaml_mark_t  key_mark;
  GHashTable  *merged;       /* keys that came from `<<`: later keys win */
  guint        count;
  guint64      bytes;
} JmpYamlFrame;

typedef struct {
  const gchar *origin;
  GHashTable  *anchors;      /* name → JmpYamlAnchor */
  GPtrArray   *stack;        /* of JmpYamlFrame */
  JsonNode    *root;
  guint        documents;
  guint        total;
  guint64      total_bytes;
} JmpYamlContext;

static void
jmp_yaml_anchor_free (gpointer data)
{
  JmpYamlAnchor *anchor = data;

  json_node_unref (anchor->node);
  g_free (anchor);
}

static void
jmp_yaml_frame_free (gpointer data)
{
  JmpYamlFrame *frame = data;

  g_clear_pointer (&frame->node, json_node_unref);
  g_clear_pointer (&frame->merged, g_hash_table_unref);
  g_free (frame->anchor);
  g_free (frame->key);
  g_free (frame);
}

static void jmp_yaml_set_error (JmpYamlContext *ctx,
                                GError        **error,
                                yaml_mark_t     mark,
                                const gchar    *format,
                                ...) G_GNUC_PRINTF (4, 5);

static void
jmp_yaml_set_error (JmpYamlContext *ctx,
                    GError        **error,
                    yaml_mark_t     mark,
                    const gchar    *format,
                    ...)
{
  va_list args;
  g_autofree gchar *msg = NULL;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS, "%s:%zu:%zu: %s",
               ctx->origin, mark.line + 1, mark.column + 1, msg);
}

static void
jmp_yaml_set_parser_error (JmpYamlContext *ctx,
                           yaml_parser_t  *parser,
                           GError        **error)
{
  const gchar *problem = parser->problem != NULL ? parser->problem : _("invalid YAML");

  switch (parser->error)
    {
    case YAML_MEMORY_ERROR:
      g_set_error (error, JMP_ERROR, JMP_ERROR_FAILED,
                   _("%s: out of memory while reading YAML"), ctx->origin);
      break;
    case YAML_READER_ERROR:
      /* The reader only knows a byte offset: bad UTF-8 or control bytes. */
      if (parser->problem_value != -1)
        g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                     _("%s: byte %zu: %s (#%X); the file must be UTF-8 text"),
                     ctx->origin, parser->problem_offset, problem,
                     (guint) parser->problem_value);
      else
        g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                     _("%s: byte %zu: %s; the file must be UTF-8 text"),
                     ctx->origin, parser->problem_offset, problem);
      break;
    default:
      if (parser->context != NULL)
        jmp_yaml_set_error (ctx, error, parser->problem_mark,
                            _("%s (%s at line %zu)"), problem, parser->context,
                            parser->context_mark.line + 1);
      else
        jmp_yaml_set_error (ctx, error, parser->problem_mark, "%s", problem);
      break;
    }
}

/**
 * jmp_config_node_deep_copy:
 * @node: a node
 *
 * Copies every object and array under @node, unlike json_node_copy(), so
 * two places of a config never share one JsonObject and a driver given a
 * value cannot change the config it came from.
 *
 * Returns: (transfer full): the copy
 */
JsonNode *
jmp_config_node_deep_copy (JsonNode *node)
{
  JsonNode *copy;

  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObject *object = json_node_get_object (node);
        g_autoptr(JsonObject) dest = json_object_new ();
        g_autoptr(GList) members = json_object_get_members (object);

        for (GList *l = members; l != NULL; l = l->next)
          json_object_set_member (dest, l->data,
                                  jmp_config_node_deep_copy (json_object_get_member (object, l->data)));
        copy = json_node_new (JSON_NODE_OBJECT);
        json_node_set_object (copy, dest);
        return copy;
      }
    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);
        g_autoptr(JsonArray) dest = json_array_sized_new (json_array_get_length (array));

        for (guint i = 0; i < json_array_get_length (array); i++)
          json_array_add_element (dest, jmp_config_node_deep_copy (json_array_get_element (array, i)));
        copy = json_node_new (JSON_NODE_ARRAY);
        json_node_set_array (copy, dest);
        return copy;
      }
    case JSON_NODE_VALUE:
    case JSON_NODE_NULL:
    default:
      return json_node_copy (node);
    }
}

static gboolean
jmp_yaml_is_null (const gchar *s)
{
  return *s == '\0' || g_str_equal (s, "~") || g_str_equal (s, "null") ||
         g_str_equal (s, "Null") || g_str_equal (s, "NULL");
}

static gboolean
jmp_yaml_parse_bool (const gchar *s, gboolean *out)
{
  static const gchar *trues[] = { "true", "yes", "on" };
  static const gchar *falses[] = { "false", "no", "off" };

  for (guint i = 0; i < G_N_ELEMENTS (trues); i++)
    {
      if (g_ascii_strcasecmp (s, trues[i]) == 0)
        {
          *out = TRUE;
          return TRUE;
        }
      if (g_ascii_strcasecmp (s, falses[i]) == 0)
        {
          *out = FALSE;
          return TRUE;
        }
    }
  return FALSE;
}

static gint
jmp_yaml_digit_value (gchar c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return 99;
}

/* Returns 0 if @s is not an integer, 1 if it is and fits in @out, 2 if it
 * is a decimal integer too large for gint64 (the caller makes a double). */
static gint
jmp_yaml_parse_int (const gchar *s, gint64 *out)
{
  gboolean negative = FALSE;
  guint base = 10;
  guint64 value = 0;
  guint digits = 0;
  gboolean overflow = FALSE;

  if (*s == '-' || *s == '+')
    negative = (*s++ == '-');

  if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
    base = 16, s += 2;
  else if (s[0] == '0' && (s[1] == 'o' || s[1] == 'O'))
    base = 8, s += 2;
  else if (s[0] == '0' && (s[1] == 'b' || s[1] == 'B'))
    base = 2, s += 2;
  else if (s[0] == '0' && s[1] != '\0')
    base = 8, s += 1;        /* YAML 1.1 octal: 0644 */

  for (; *s != '\0'; s++)
    {
      gint d;

      if (*s == '_' && digits > 0)
        continue;
      d = jmp_yaml_digit_value (*s);
      if (d >= (gint) base)
        return 0;
      if (value > (G_MAXUINT64 - (guint64) d) / base)
        overflow = TRUE;
      else
        value = value * base + (guint64) d;
      digits++;
    }
  if (digits == 0)
    return 0;

  if (overflow ||
      (!negative && value > (guint64) G_MAXINT64) ||
      (negative && value > (guint64) G_MAXINT64 + 1))
    return base == 10 ? 2 : 0;

  if (negative)
    *out = value == (guint64) G_MAXINT64 + 1 ? G_MININT64 : -(gint64) value;
  else
    *out = (gint64) value;
  return 1;
}

/* YAML 1.2 core schema floats, plus .inf and .nan. */
static gboolean
jmp_yaml_parse_float (const gchar *s, gdouble *out)
{
  const gchar *p = s;
  guint int_digits = 0, frac_digits = 0;
  gboolean dot = FALSE, exponent = FALSE;
  gchar *end = NULL;

  if (*p == '-' || *p == '+')
    p++;
  if (g_str_equal (p, ".inf") || g_str_equal (p, ".Inf") || g_str_equal (p, ".INF"))
    {
      *out = *s == '-' ? -INFINITY : INFINITY;
      return TRUE;
    }
  if (p == s && (g_str_equal (p, ".nan") || g_str_equal (p, ".NaN") || g_str_equal (p, ".NAN")))
    {
      *out = NAN;
      return TRUE;
    }

  for (; g_ascii_isdigit (*p); p++)
    int_digits++;
  if (*p == '.')
    {
      dot = TRUE;
      for (p++; g_ascii_isdigit (*p); p++)
        frac_digits++;
    }
  if (int_digits + frac_digits == 0)
    return FALSE;
  if (*p == 'e' || *p == 'E')
    {
      guint exp_digits = 0;

      exponent = TRUE;
      p++;
      if (*p == '-' || *p == '+')
        p++;
      for (; g_ascii_isdigit (*p); p++)
        exp_digits++;
      if (exp_digits == 0)
        return FALSE;
    }
  if (*p != '\0' || (!dot && !exponent))
    return FALSE;

  *out = g_ascii_strtod (s, &end);
  return end != NULL && *end == '\0';
}

static JsonNode *
jmp_yaml_node_new_int (gint64 v)
{
  JsonNode *node = json_node_new (JSON_NODE_VALUE);
  json_node_set_int (node, v);
  return node;
}

static JsonNode *
jmp_yaml_node_new_double (gdouble v)
{
  JsonNode *node = json_node_new (JSON_NODE_VALUE);
  json_node_set_double (node, v);
  return node;
}

static JsonNode *
jmp_yaml_node_new_bool (gboolean v)
{
  JsonNode *node = json_node_new (JSON_NODE_VALUE);
  json_node_set_boolean (node, v);
  return node;
}

static JsonNode *
jmp_yaml_node_new_string (const gchar *v)
{
  JsonNode *node = json_node_new (JSON_NODE_VALUE);
  json_node_set_string (node, v);
  return node;
}

static JsonNode *
jmp_yaml_resolve_plain (const gchar *s)
{
  gboolean b;
  gint64 i;
  gdouble d;

  if (jmp_yaml_is_null (s))
    return json_node_new (JSON_NODE_NULL);
  if (jmp_yaml_parse_bool (s, &b))
    return jmp_yaml_node_new_bool (b);
  switch (jmp_yaml_parse_int (s, &i))
    {
    case 1:
      return jmp_yaml_node_new_int (i);
    case 2:
      return jmp_yaml_node_new_double (g_ascii_strtod (s, NULL));
    default:
      break;
    }
  if (jmp_yaml_parse_float (s, &d))
    return jmp_yaml_node_new_double (d);
  return jmp_yaml_node_new_string (s);
}

/* A scalar with an explicit standard tag: `!!str 22` is a string and
 * `!!int "22"` an integer; anything else is refused rather than guessed. */
static JsonNode *
jmp_yaml_resolve_tagged (JmpYamlContext *ctx,
                         yaml_event_t   *event,
                         const gchar    *value,
                         GError        **error)
{
  const gchar *tag = (const gchar *) event->data.scalar.tag;
  const gchar *name;
  g_autoptr(JsonNode) node = NULL;
  gboolean ok;

  if (g_str_equal (tag, "!"))
    return jmp_yaml_node_new_string (value);
  if (!g_str_has_prefix (tag, YAML_TAG_PREFIX))
    {
      jmp_yaml_set_error (ctx, error, event->start_mark,
                          _("unsupported tag \"%s\""), tag);
      return NULL;
    }
  name = tag + strlen (YAML_TAG_PREFIX);
  if (g_str_equal (name, "str"))
    return jmp_yaml_node_new_string (value);

  node = jmp_yaml_resolve_plain (value);
  if (g_str_equal (name, "null"))
    ok = JSON_NODE_HOLDS_NULL (node);
  else if (g_str_equal (name, "bool"))
    ok = JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_BOOLEAN;
  else if (g_str_equal (name, "int"))
    ok = JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64;
  else if (g_str_equal (name, "float"))
    {
      ok = JSON_NODE_HOLDS_VALUE (node) &&
           (json_node_get_value_type (node) == G_TYPE_DOUBLE ||
            json_node_get_value_type (node) == G_TYPE_INT64);
      if (ok && json_node_get_value_type (node) == G_TYPE_INT64)
        {
          gdouble d = (gdouble) json_node_get_int (node);
          g_clear_pointer (&node, json_node_unref);
          node = jmp_yaml_node_new_double (d);
        }
    }
  else
    {
      jmp_yaml_set_error (ctx, error, event->start_mark,
                          _("unsupported tag \"!!%s\""), name);
      return NULL;
    }
  if (!ok)
    {
      jmp_yaml_set_error (ctx, error, event->start_mark,
                          _("\"%s\" is not a valid !!%s"), value, name);
      return NULL;
    }
  return g_steal_pointer (&node);
}

static gboolean
jmp_yaml_check_collection_tag (JmpYamlContext *ctx,
                               const yaml_char_t *tag,
                               const gchar    *expected,
                               yaml_mark_t     mark,
                               GError        **error)
{
  if (tag == NULL || g_str_equal ((const gchar *) tag, "!"))
    return TRUE;
  if (g_str_has_prefix ((const gchar *) tag, YAML_TAG_PREFIX) &&
      g_str_equal ((const gchar *) tag + strlen (YAML_TAG_PREFIX), expected))
    return TRUE;
  jmp_yaml_set_error (ctx, error, mark, _("unsupported tag \"%s\""), (const gchar *) tag);
  return FALSE;
}

static JmpYamlFrame *
jmp_yaml_top (JmpYamlContext *ctx)
{
  if (ctx->stack->len == 0)
    return NULL;
  return g_ptr_array_index (ctx->stack, ctx->stack->len - 1);
}

static gboolean
jmp_yaml_register_anchor (JmpYamlContext *ctx,
                          const gchar    *name,
                          JsonNode       *node,
                          guint           count,
                          guint64         bytes)
{
  JmpYamlAnchor *anchor;

  if (name == NULL)
    return TRUE;
  anchor = g_new0 (JmpYamlAnchor, 1);
  anchor->node = json_node_ref (node);
  anchor->count = count;
  anchor->bytes = bytes;
  /* YAML lets a later anchor of the same name replace an earlier one. */
  g_hash_table_replace (ctx->anchors, g_strdup (name), anchor);
  return TRUE;
}

static gboolean
jmp_yaml_charge (JmpYamlContext *ctx,
                 guint           count,
                 guint64         bytes,
                 yaml_mark_t     mark,
                 GError        **error)
{
  if (bytes > JMP_CONFIG_MAX_BYTES - ctx->total_bytes)
    {
      jmp_yaml_set_error (ctx, error, mark,
                          _("the document is larger than %u MiB once its aliases are expanded"),
                          (guint) (JMP_CONFIG_MAX_BYTES / (1024 * 1024)));
      return FALSE;
    }
  if (count > JMP_CONFIG_MAX_NODES - ctx->total)
    {
      jmp_yaml_set_error (ctx, error, mark,
                          _("the document has more than %u values once its aliases are expanded"),
                          (guint) JMP_CONFIG_MAX_NODES);
      return FALSE;
    }
  ctx->total += count;
  ctx->total_bytes += bytes;
  return TRUE;
}

/* `<<: *base` or `<<: [*a, *b]`: copies the keys this mapping does not set
 * itself; the first source given wins, as in YAML 1.1. */
static gboolean
jmp_yaml_merge (JmpYamlContext *ctx,
                JmpYamlFrame   *frame,
                JsonNode       *value,
                yaml_mark_t     mark,
                GError        **error)
{
  JsonObject *dest = json_node_get_object (frame->node);
  g_autoptr(GPtrArray) sources = g_ptr_array_new ();

  if (JSON_NODE_HOLDS_OBJECT (value))
    g_ptr_array_add (sources, json_node_get_object (value));
  else if (JSON_NODE_HOLDS_ARRAY (value))
    {
      JsonArray *array = json_node_get_array (value);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);

          if (!JSON_NODE_HOLDS_OBJECT (element))
            {
              jmp_yaml_set_error (ctx, error, mark,
                                  _("the value of the merge key \"<<\" must be a mapping or a list of mappings"));
              return FALSE;
            }
          g_ptr_array_add (sources, json_node_get_object (element));
        }
    }
  else
    {
      jmp_yaml_set_error (ctx, error, mark,
                          _("the value of the merge key \"<<\" must be a mapping or a list of mappings"));
      return FALSE;
    }

  if (frame->merged == NULL)
    frame->merged = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < sources->len; i++)
    {
      JsonObject *source = g_ptr_array_index (sources, i);
      g_autoptr(GList) members = json_object_get_members (source);

      for (GList *l = members; l != NULL; l = l->next)
        {
          if (json_object_has_member (dest, l->data))
            continue;
          json_object_set_member (dest, l->data,
                                  json_node_ref (json_object_get_member (source, l->data)));
          g_hash_table_add (frame->merged, g_strdup (l->data));
        }
    }
  return TRUE;
}

/* A complete value arrived: hang it under its parent or make it the root. */
static gboolean
jmp_yaml_add_value (JmpYamlContext *ctx,
                    JsonNode       *node,
                    guint           count,
                    guint64         bytes,
                    yaml_mark_t     mark,
                    GError        **error)
{
  JmpYamlFrame *frame = jmp_yaml_top (ctx);

  if (frame == NULL)
    {
      g_clear_pointer (&ctx->root, json_node_unref);
      ctx->root = json_node_ref (node);
      return TRUE;
    }

  frame->count += count;
  frame->bytes += bytes;
  if (JSON_NODE_HOLDS_ARRAY (frame->node))
    {
      json_array_add_element (json_node_get_array (frame->node), json_node_ref (node));
      return TRUE;
    }

  if (frame->key == NULL)
    {
      jmp_yaml_set_error (ctx, error, mark,
                          _("a key must be a plain value, not a mapping, a list or an alias"));
      return FALSE;
    }
  if (frame->key_is_merge)
    {
      if (!jmp_yaml_merge (ctx, frame, node, frame->key_mark, error))
        return FALSE;
    }
  else
    {
      json_object_set_member (json_node_get_object (frame->node), frame->key,
                              json_node_ref (node));
    }
  g_clear_pointer (&frame->key, g_free);
  frame->key_is_merge = FALSE;
  return TRUE;
}

static gboolean
jmp_yaml_set_key (JmpYamlContext *ctx,
                  JmpYamlFrame   *frame,
                  yaml_event_t   *event,
                  const gchar    *key,
                  GError        **error)
{
  JsonObject *object = json_node_get_object (frame->node);

  if (event->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
      event->data.scalar.tag == NULL && g_str_equal (key, "<<"))
    {
      frame->key = g_strdup (key);
      frame->key_is_merge = TRUE;
      frame->key_mark = event->start_mark;
      return TRUE;
    }

  if (json_object_has_member (object, key))
    {
      if (frame->merged == NULL || !g_hash_table_remove (frame->merged, key))
        {
          jmp_yaml_set_error (ctx, error, event->start_mark,
                              _("duplicate key \"%s\""), key);
          return FALSE;
        }
      /* The mapping's own value overrides the merged one. */
      json_object_remove_member (object, key);
    }
  if (!jmp_yaml_charge (ctx, 0, event->data.scalar.length, event->start_mark, error))
    return FALSE;
  frame->bytes += event->data.scalar.length;
  frame->key = g_strdup (key);
  frame->key_is_merge = FALSE;
  frame->key_mark = event->start_mark;
  return TRUE;
}

static gboolean
jmp_yaml_on_scalar (JmpYamlContext *ctx,
                    yaml_event_t   *event,
                    GError        **error)
{
  const gchar *value = (const gchar *) event->data.scalar.value;
  JmpYamlFrame *frame = jmp_yaml_top (ctx);
  g_autoptr(JsonNode) node = NULL;

  if (strlen (value) != event->data.scalar.length)
    {
      jmp_yaml_set_error (ctx, error, event->start_mark,
                          _("a value cannot contain a NUL character"));
      return FALSE;
    }

  if (frame != NULL && JSON_NODE_HOLDS_OBJECT (frame->node) && frame->key == NULL)
    {
      if (event->data.scalar.anchor != NULL)
        {
          jmp_yaml_set_error (ctx, error, event->start_mark,
                              _("an anchor on a key is not supported"));
          return FALSE;
        }
      return jmp_yaml_set_key (ctx, frame, event, value, error);
    }

  if (!jmp_yaml_charge (ctx, 1, event->data.scalar.length, event->start_mark, error))
    return FALSE;

  if (event->data.scalar.tag != NULL)
    {
      node = jmp_yaml_resolve_tagged (ctx, event, value, error);
      if (node == NULL)
        return FALSE;
    }
  else if (event->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
    node = jmp_yaml_resolve_plain (value);
  else
    node = jmp_yaml_node_new_string (value);

  jmp_yaml_register_anchor (ctx, (const gchar *) event->data.scalar.anchor, node, 1,
                            event->data.scalar.length);
  return jmp_yaml_add_value (ctx, node, 1, event->data.scalar.length, event->start_mark, error);
}

static gboolean
jmp_yaml_on_alias (JmpYamlContext *ctx,
                   yaml_event_t   *event,
                   GError        **error)
{
  const gchar *name = (const gchar *) event->data.alias.anchor;
  JmpYamlAnchor *anchor = g_hash_table_lookup (ctx->anchors, name);
  g_autoptr(JsonNode) copy = NULL;

  if (anchor == NULL)
    {
      /* Also what an alias inside its own anchor's node gets: the anchor
       * is defined only once its node is complete, so no cycle is possible. */
      jmp_yaml_set_error (ctx, error, event->start_mark,
                          _("unknown anchor \"%s\" in alias \"*%s\""), name, name);
      return FALSE;
    }
  if (!jmp_yaml_charge (ctx, anchor->count, anchor->bytes, event->start_mark, error))
    return FALSE;
  copy = jmp_config_node_deep_copy (anchor->node);
  return jmp_yaml_add_value (ctx, copy, anchor->count, anchor->bytes, event->start_mark, error);
}

static gboolean
jmp_yaml_on_start (JmpYamlContext *ctx,
                   yaml_event_t   *event,
                   gboolean        mapping,
                   GError        **error)
{
  JmpYamlFrame *parent = jmp_yaml_top (ctx);
  JmpYamlFrame *frame;
  const yaml_char_t *anchor, *tag;

  if (parent != NULL && JSON_NODE_HOLDS_OBJECT (parent->node) && parent->key == NULL)
    {
      jmp_yaml_set_error (ctx, error, event->start_mark,
                          _("a key must be a plain value, not a mapping, a list or an alias"));
      return FALSE;
    }
  if (ctx->stack->len >= JMP_CONFIG_MAX_DEPTH)
    {
      jmp_yaml_set_error (ctx, error, event->start_mark,
                          _("values are nested more than %u levels deep"),
                          (guint) JMP_CONFIG_MAX_DEPTH);
      return FALSE;
    }
  if (!jmp_yaml_charge (ctx, 1, 0, event->start_mark, error))
    return FALSE;

  if (mapping)
    {
      anchor = event->data.mapping_start.anchor;
      tag = event->data.mapping_start.tag;
    }
  else
    {
      anchor = event->data.sequence_start.anchor;
      tag = event->data.sequence_start.tag;
    }
  if (!jmp_yaml_check_collection_tag (ctx, tag, mapping ? "map" : "seq",
                                      event->start_mark, error))
    return FALSE;

  frame = g_new0 (JmpYamlFrame, 1);
  frame->count = 1;
  frame->anchor = g_strdup ((const gchar *) anchor);
  if (mapping)
    {
      g_autoptr(JsonObject) object = json_object_new ();
      frame->node = json_node_new (JSON_NODE_OBJECT);
      json_node_set_object (frame->node, object);
    }
  else
    {
      g_autoptr(JsonArray) array = json_array_new ();
      frame->node = json_node_new (JSON_NODE_ARRAY);
      json_node_set_array (frame->node, array);
    }
  g_ptr_array_add (ctx->stack, frame);
  return TRUE;
}

static gboolean
jmp_yaml_on_end (JmpYamlContext *ctx,
                 yaml_event_t   *event,
                 GError        **error)
{
  JmpYamlFrame *frame = jmp_yaml_top (ctx);
  g_autoptr(JsonNode) node = NULL;
  g_autofree gchar *anchor = NULL;
  guint count;
  guint64 bytes;

  g_return_val_if_fail (frame != NULL, FALSE);

  node = g_steal_pointer (&frame->node);
  anchor = g_steal_pointer (&frame->anchor);
  count = frame->count;
  bytes = frame->bytes;
  g_ptr_array_remove_index (ctx->stack, ctx->stack->len - 1);

  jmp_yaml_register_anchor (ctx, anchor, node, count, bytes);
  return jmp_yaml_add_value (ctx, node, count, bytes, event->start_mark, error);
}

static gboolean
jmp_yaml_on_event (JmpYamlContext *ctx,
                   yaml_event_t   *event,
                   GError        **error)
{
  switch (event->type)
    {
    case YAML_DOCUMENT_START_EVENT:
      if (++ctx->documents > 1)
        {
          jmp_yaml_set_error (ctx, error, event->start_mark,
                              _("a second document starts here; an exporter config is one YAML document"));
          return FALSE;
        }
      return TRUE;
    case YAML_SCALAR_EVENT:
      return jmp_yaml_on_scalar (ctx, event, error);
    case YAML_ALIAS_EVENT:
      return jmp_yaml_on_alias (ctx, event, error);
    case YAML_MAPPING_START_EVENT:
      return jmp_yaml_on_start (ctx, event, TRUE, error);
    case YAML_SEQUENCE_START_EVENT:
      return jmp_yaml_on_start (ctx, event, FALSE, error);
    case YAML_MAPPING_END_EVENT:
    case YAML_SEQUENCE_END_EVENT:
      return jmp_yaml_on_end (ctx, event, error);
    case YAML_STREAM_START_EVENT:
    case YAML_STREAM_END_EVENT:
    case YAML_DOCUMENT_END_EVENT:
    case YAML_NO_EVENT:
    default:
      return TRUE;
    }
}

/**
 * jmp_config_yaml_parse:
 * @data: the YAML text
 * @length: its length in bytes
 * @origin: file name used in error messages
 * @error: return location for a #GError
 *
 * Reads a single YAML document. A stream with no document at all gives a
 * %JSON_NODE_NULL node, like a document that is only `~`, so the caller
 * reports both as an empty file.
 *
 * Returns: (transfer full): the document's root node, or %NULL with
 *   @error set to %JMP_ERROR_INVALID_ARGS and a message that starts with
 *   "ORIGIN:LINE:COLUMN: ".
 */
JsonNode *
jmp_config_yaml_parse (const gchar  *data,
                       gsize         length,
                       const gchar  *origin,
                       GError      **error)
{
  yaml_parser_t parser;
  JmpYamlContext ctx = { 0 };
  gboolean done = FALSE;
  gboolean ok = TRUE;
  JsonNode *root = NULL;

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (origin != NULL, NULL);

  if (!yaml_parser_initialize (&parser))
    {
      g_set_error (error, JMP_ERROR, JMP_ERROR_FAILED,
                   _("%s: out of memory while reading YAML"), origin);
      return NULL;
    }
  yaml_parser_set_input_string (&parser, (const unsigned char *) (data != NULL ? data : ""), length);

  ctx.origin = origin;
  ctx.anchors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, jmp_yaml_anchor_free);
  ctx.stack = g_ptr_array_new_with_free_func (jmp_yaml_frame_free);

  while (!done)
    {
      yaml_event_t event;

      if (!yaml_parser_parse (&parser, &event))
        {
          jmp_yaml_set_parser_error (&ctx, &parser, error);
          ok = FALSE;
          break;
        }
      done = event.type == YAML_STREAM_END_EVENT;
      ok = jmp_yaml_on_event (&ctx, &event, error);
      yaml_event_delete (&event);
      if (!ok)
        break;
    }

  if (ok)
    {
      root = ctx.root != NULL ? g_steal_pointer (&ctx.root) : json_node_new (JSON_NODE_NULL);
      g_debug ("%s: read %u YAML values", origin, ctx.total);
    }

  g_clear_pointer (&ctx.root, json_node_unref);
  g_ptr_array_unref (ctx.stack);
  g_hash_table_unref (ctx.anchors);
  yaml_parser_delete (&parser);
  return root;
}
