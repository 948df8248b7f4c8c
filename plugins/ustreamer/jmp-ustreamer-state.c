/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <math.h>

#include <json-glib/json-glib.h>
#include <jumpstarter/jumpstarter.h>
#include <glib/gi18n-lib.h>

#include "jmp-json-private.h"
#include "jmp-ustreamer-state.h"

/* ustreamer's /state nests 4 levels; room for what later versions add */
#define STATE_MAX_DEPTH 32

/*
 * ustreamer's GET /state, e.g.
 *   {"ok": true, "result": {"encoder": {"type": "CPU", "quality": 80},
 *    "source": {"resolution": {"width": 640, "height": 480}, "online": false,
 *               "desired_fps": 3, "captured_fps": 0},
 *    "stream": {"queued_fps": 0, "clients": 0, "clients_stat": {}}}}
 * read as untrusted input: every field is looked up and type-checked, and
 * anything missing or wrong is an error naming the field.
 */

/* Walks @path ("result.source.online") from @root; every step but the last
 * must be an object. */
static JsonNode *
jmp_ustreamer_state_lookup (JsonNode *root, const gchar *path, GError **error)
{
  g_auto(GStrv) steps = g_strsplit (path, ".", -1);
  g_autoptr(GString) walked = g_string_new (NULL);
  JsonNode *node = root;

  for (guint i = 0; steps[i] != NULL; i++)
    {
      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          g_set_error (error, JMP_ERROR, JMP_ERROR_FAILED,
                       _("%s is not an object"), walked->str);
          return NULL;
        }
      if (i > 0)
        g_string_append_c (walked, '.');
      g_string_append (walked, steps[i]);
      node = json_object_get_member (json_node_get_object (node), steps[i]);
      if (node == NULL)
        {
          g_set_error (error, JMP_ERROR, JMP_ERROR_FAILED,
                       _("no field %s"), walked->str);
          return NULL;
        }
    }
  return node;
}

static gboolean
jmp_ustreamer_state_wrong_type (const gchar *path, const gchar *expected, GError **error)
{
  g_set_error (error, JMP_ERROR, JMP_ERROR_FAILED,
               _("%s is not %s"), path, expected);
  return FALSE;
}

static gboolean
jmp_ustreamer_state_get_boolean (JsonNode *root, const gchar *path, gboolean *out,
                                 GError **error)
{
  JsonNode *node = jmp_ustreamer_state_lookup (root, path, error);

  if (node == NULL)
    return FALSE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return jmp_ustreamer_state_wrong_type (path, _("a boolean"), error);
  *out = json_node_get_boolean (node);
  return TRUE;
}

/* An integer in 0..G_MAXUINT32; a whole double (`30.0`) is taken too. */
static gboolean
jmp_ustreamer_state_get_uint (JsonNode *root, const gchar *path, guint32 *out,
                              GError **error)
{
  JsonNode *node = jmp_ustreamer_state_lookup (root, path, error);
  gdouble d;

  if (node == NULL)
    return FALSE;
  if (!JSON_NODE_HOLDS_VALUE (node))
    return jmp_ustreamer_state_wrong_type (path, _("a number"), error);
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    d = (gdouble) json_node_get_int (node);
  else if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
    d = json_node_get_double (node);
  else
    return jmp_ustreamer_state_wrong_type (path, _("a number"), error);
  if (!isfinite (d) || d < 0 || d > G_MAXUINT32 || floor (d) != d)
    return jmp_ustreamer_state_wrong_type (path, _("a whole number in 0–4294967295"), error);
  *out = (guint32) d;
  return TRUE;
}

static gboolean
jmp_ustreamer_state_get_string (JsonNode *root, const gchar *path, const gchar **out,
                                GError **error)
{
  JsonNode *node = jmp_ustreamer_state_lookup (root, path, error);

  if (node == NULL)
    return FALSE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING ||
      !g_utf8_validate (json_node_get_string (node), -1, NULL))
    return jmp_ustreamer_state_wrong_type (path, _("a string"), error);
  *out = json_node_get_string (node);
  return TRUE;
}

/**
 * jmp_ustreamer_state_parse:
 * @json: the body of ustreamer's GET /state
 * @builder: an `a{sv}` builder the fields are added to
 * @error: return location for a #GError
 *
 * Adds `online` (b), `width`, `height`, `desired_fps`, `captured_fps`
 * (u), `encoder` (s), `quality` and `clients` (u). Nothing is added unless
 * every field is there with its type.
 *
 * Returns: %TRUE on success
 */
gboolean
jmp_ustreamer_state_parse (GBytes *json, GVariantBuilder *builder, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  gsize size = 0;
  const gchar *data = g_bytes_get_data (json, &size);
  g_autoptr(JsonNode) root = NULL;
  gboolean ok = FALSE, online = FALSE;
  guint32 width, height, desired_fps, captured_fps, quality, clients;
  const gchar *encoder;

  root = jmp_json_parse_one (data != NULL ? data : "", size, STATE_MAX_DEPTH, &local_error);
  if (root == NULL)
    {
      g_set_error (error, JMP_ERROR, JMP_ERROR_FAILED,
                   _("not JSON: %s"), local_error->message);
      return FALSE;
    }
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, JMP_ERROR, JMP_ERROR_FAILED, _("not a JSON object"));
      return FALSE;
    }
  if (!jmp_ustreamer_state_get_boolean (root, "ok", &ok, error))
    return FALSE;
  if (!ok)
    {
      g_set_error (error, JMP_ERROR, JMP_ERROR_FAILED,
                   _("\"ok\" is false"));
      return FALSE;
    }
  if (!jmp_ustreamer_state_get_boolean (root, "result.source.online", &online, error) ||
      !jmp_ustreamer_state_get_uint (root, "result.source.resolution.width", &width, error) ||
      !jmp_ustreamer_state_get_uint (root, "result.source.resolution.height", &height, error) ||
      !jmp_ustreamer_state_get_uint (root, "result.source.desired_fps", &desired_fps, error) ||
      !jmp_ustreamer_state_get_uint (root, "result.source.captured_fps", &captured_fps, error) ||
      !jmp_ustreamer_state_get_string (root, "result.encoder.type", &encoder, error) ||
      !jmp_ustreamer_state_get_uint (root, "result.encoder.quality", &quality, error) ||
      !jmp_ustreamer_state_get_uint (root, "result.stream.clients", &clients, error))
    return FALSE;

  g_variant_builder_add (builder, "{sv}", "online", g_variant_new_boolean (online));
  g_variant_builder_add (builder, "{sv}", "width", g_variant_new_uint32 (width));
  g_variant_builder_add (builder, "{sv}", "height", g_variant_new_uint32 (height));
  g_variant_builder_add (builder, "{sv}", "desired_fps", g_variant_new_uint32 (desired_fps));
  g_variant_builder_add (builder, "{sv}", "captured_fps", g_variant_new_uint32 (captured_fps));
  g_variant_builder_add (builder, "{sv}", "encoder", g_variant_new_string (encoder));
  g_variant_builder_add (builder, "{sv}", "quality", g_variant_new_uint32 (quality));
  g_variant_builder_add (builder, "{sv}", "clients", g_variant_new_uint32 (clients));
  return TRUE;
}
