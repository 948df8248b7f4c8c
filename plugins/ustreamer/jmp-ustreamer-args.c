/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <jumpstarter/jumpstarter.h>
#include <glib/gi18n-lib.h>

#include "jmp-ustreamer-args.h"

/*
 * UStreamer's `args`: a mapping of ustreamer long options to values, as in
 * Jumpstarter, turned into argv. A string or number is `--key value`, true
 * the bare flag `--key`, false or null leaves the option out. Keys may use
 * `_` for `-` (`desired_fps`), as a Python-minded config writes them; no
 * ustreamer option has an underscore.
 */

static const struct {
  const gchar *option;
  const gchar *reason;
} owned_options[] = {
  { "unix", N_("the driver serves ustreamer on a private socket of its own") },
  { "unix-rm", N_("the driver serves ustreamer on a private socket of its own") },
  { "unix-mode", N_("the driver serves ustreamer on a private socket of its own") },
  { "host", N_("ustreamer listens on the driver's private socket only; use the driver's Connect or `jmp DRIVER stream`") },
  { "port", N_("ustreamer listens on the driver's private socket only; use the driver's Connect or `jmp DRIVER stream`") },
  { "exit-on-parent-death", N_("the driver always sets it, so that no ustreamer outlives the host") },
  { "notify-parent", N_("it sends SIGUSR2 to the host, which would end it") },
};

/* Letters, digits, dashes and underscores: anything else (`unix=/x`, a space) could
 * smuggle an owned option or a second argument past the checks. */
static gboolean
jmp_ustreamer_args_is_option_name (const gchar *key)
{
  if (key[0] == '\0' || key[0] == '-' || key[0] == '_')
    return FALSE;
  for (const gchar *p = key; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
      return FALSE;
  return TRUE;
}

static gchar *
jmp_ustreamer_args_format_value (JsonNode *node)
{
  gchar buf[G_ASCII_DTOSTR_BUF_SIZE];

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_STRING:
      return g_strdup (json_node_get_string (node));
    case G_TYPE_INT64:
      return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
    case G_TYPE_DOUBLE:
      return g_strdup (g_ascii_dtostr (buf, sizeof buf, json_node_get_double (node)));
    default:
      return NULL;
    }
}

/**
 * jmp_ustreamer_args_build:
 * @args: (nullable): the `args` mapping of the config
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the options for ustreamer's command line, or
 *   %NULL with %JMP_ERROR_INVALID_ARGS naming the place (`args.KEY`)
 */
GStrv
jmp_ustreamer_args_build (JsonObject *args, GError **error)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(GList) members = NULL;

  if (args == NULL)
    return g_strv_builder_end (builder);

  /* json-glib keeps the order of the file, so ustreamer sees the options
   * as they were written (it matters for --image-default and friends) */
  members = json_object_get_members (args);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const gchar *key = l->data;
      JsonNode *node = json_object_get_member (args, key);
      g_autofree gchar *option = NULL;
      g_autofree gchar *flag = NULL;
      g_autofree gchar *value = NULL;

      if (!jmp_ustreamer_args_is_option_name (key))
        {
          g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                       _("args.%s: not a ustreamer option name (write long options without the leading dashes, e.g. desired-fps)"),
                       key);
          return NULL;
        }
      option = g_strdelimit (g_strdup (key), "_", '-');
      for (gsize i = 0; i < G_N_ELEMENTS (owned_options); i++)
        {
          if (g_str_equal (option, owned_options[i].option))
            {
              g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                           _("args.%s: the driver sets this option itself: %s"),
                           key, _(owned_options[i].reason));
              return NULL;
            }
        }

      flag = g_strconcat ("--", option, NULL);
      if (JSON_NODE_HOLDS_NULL (node))
        continue;
      if (!JSON_NODE_HOLDS_VALUE (node))
        {
          g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                       _("args.%s: expected a string, a number, true, false or null, got %s"),
                       key, JSON_NODE_HOLDS_OBJECT (node) ? _("a mapping") : _("a list"));
          return NULL;
        }
      if (json_node_get_value_type (node) == G_TYPE_BOOLEAN)
        {
          if (json_node_get_boolean (node))
            g_strv_builder_add (builder, flag);
          continue;
        }
      value = jmp_ustreamer_args_format_value (node);
      if (value == NULL)
        {
          g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                       _("args.%s: expected a string, a number, true, false or null"), key);
          return NULL;
        }
      g_strv_builder_add_many (builder, flag, value, NULL);
    }
  return g_strv_builder_end (builder);
}
