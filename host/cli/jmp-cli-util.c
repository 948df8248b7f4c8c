/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Error reporting and option parsing shared by every command: each failure
 * is one line on stderr, "jmp: what went wrong".
 */
#include "config.h"

#include <sys/wait.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "jmp-cli.h"

/* Our messages are one line; a host's or a library's may not be. */
static void
jmp_cli_print_line (const gchar *message)
{
  g_autofree gchar *line = g_strstrip (g_strdup (message));

  g_strdelimit (line, "\r\n", ' ');
  g_printerr ("jmp: %s\n", line);
}

void
jmp_cli_error (const gchar *format, ...)
{
  g_autofree gchar *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  jmp_cli_print_line (message);
}

gint
jmp_cli_fail (const GError *error)
{
  g_autoptr(GError) copy = g_error_copy (error);

  if (g_dbus_error_is_remote_error (copy))
    g_dbus_error_strip_remote_error (copy);
  jmp_cli_print_line (copy->message);
  return JMP_CLI_EXIT_FAILURE;
}

gint
jmp_cli_usage_error (const gchar *format, ...)
{
  g_autofree gchar *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  jmp_cli_print_line (message);
  return JMP_CLI_EXIT_USAGE;
}

GOptionContext *
jmp_cli_option_context_new (const gchar *command,
                            const gchar *parameter_string,
                            const gchar *summary)
{
  GOptionContext *context = g_option_context_new (parameter_string);
  g_autofree gchar *prgname = NULL;

  /* The usage line reads "jmp COMMAND [OPTION…] ARGS". */
  prgname = command != NULL ? g_strdup_printf ("jmp %s", command) : g_strdup ("jmp");
  g_set_prgname (prgname);

  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  if (summary != NULL)
    g_option_context_set_summary (context, summary);
  /* Stop at the first argument that is not an option: what follows belongs
   * to the command (jmp shell -- CMD ARGS…). */
  g_option_context_set_strict_posix (context, TRUE);
  return context;
}

gboolean
jmp_cli_parse (GOptionContext   *context,
               gint             *argc,
               gchar          ***argv,
               gint             *exit_status)
{
  g_autoptr(GError) error = NULL;

  if (!g_option_context_parse (context, argc, argv, &error))
    {
      *exit_status = jmp_cli_usage_error ("%s", error->message);
      return FALSE;
    }

  /* Strict POSIX parsing leaves a "--" in place; drop it. */
  if (*argc > 1 && g_strcmp0 ((*argv)[1], "--") == 0)
    {
      for (gint i = 1; i < *argc - 1; i++)
        (*argv)[i] = (*argv)[i + 1];
      (*argc)--;
      (*argv)[*argc] = NULL;
    }
  return TRUE;
}

/* The exporter picked by --exporter or $JUMPSTARTER_EXPORTER, else the
 * library's choice: $JUMPSTARTER_HOST, the default host, the only one. */
JmpClient *
jmp_cli_connect (const JmpCliOptions  *options,
                 JmpClientFlags        flags,
                 GError              **error)
{
  g_autoptr(GError) local_error = NULL;
  JmpClient *client = jmp_client_new_for_exporter_full_sync (options->bus_type, options->exporter,
                                                             flags, NULL, &local_error);

  if (client != NULL)
    return client;
  /* without JUMPSTARTER_HOST a bus was tried: say how to get a host, not
   * only why the bus failed (GLib's "Cannot autolaunch D-Bus…") */
  if ((g_getenv (JMP_HOST_ENV) == NULL || *g_getenv (JMP_HOST_ENV) == '\0') &&
      g_error_matches (local_error, JMP_ERROR, JMP_ERROR_UNAVAILABLE))
    {
      g_set_error (error, JMP_ERROR, JMP_ERROR_UNAVAILABLE,
                   _("no host to reach (%s); set %s to a host's address, or start a "
                     "private host with “jmp shell --config FILE”"),
                   local_error->message, JMP_HOST_ENV);
      return NULL;
    }
  g_propagate_error (error, g_steal_pointer (&local_error));
  return NULL;
}

/* The first line of a description fits a table cell. */
gchar *
jmp_cli_first_line (const gchar *text)
{
  const gchar *end = text != NULL ? strchr (text, '\n') : NULL;

  if (text == NULL)
    return g_strdup ("");
  return end != NULL ? g_strndup (text, end - text) : g_strdup (text);
}

/* Columns padded to @widths, no trailing blanks. */
static void
jmp_cli_append_row (GString *out, const gchar * const *cells, const glong *widths, guint n_cells)
{
  gsize start = out->len;

  for (guint c = 0; c < n_cells; c++)
    {
      g_string_append (out, cells[c]);
      if (c + 1 < n_cells)
        for (glong i = g_utf8_strlen (cells[c], -1); i < widths[c] + 2; i++)
          g_string_append_c (out, ' ');
    }
  while (out->len > start && out->str[out->len - 1] == ' ')
    g_string_truncate (out, out->len - 1);
  g_string_append_c (out, '\n');
}

/* A table of @rows (each @n_columns strings) under @headers, written at
 * once: g_print() flushes, and a write per line was a thousand system
 * calls for a large tree. */
void
jmp_cli_print_table (const gchar * const *headers, GPtrArray *rows, guint n_columns)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autofree glong *widths = g_new (glong, n_columns);

  for (guint c = 0; c < n_columns; c++)
    widths[c] = g_utf8_strlen (headers[c], -1);
  for (guint r = 0; r < rows->len; r++)
    {
      const gchar * const *row = g_ptr_array_index (rows, r);

      for (guint c = 0; c < n_columns; c++)
        widths[c] = MAX (widths[c], g_utf8_strlen (row[c], -1));
    }

  jmp_cli_append_row (out, headers, widths, n_columns);
  for (guint r = 0; r < rows->len; r++)
    jmp_cli_append_row (out, g_ptr_array_index (rows, r), widths, n_columns);
  g_print ("%s", out->str);
}

/* A shell's convention: the exit status, or 128 + the signal that ended it. */
gint
jmp_cli_status_from_wait (gint wait_status)
{
  if (WIFEXITED (wait_status))
    return WEXITSTATUS (wait_status);
  if (WIFSIGNALED (wait_status))
    return 128 + WTERMSIG (wait_status);
  return JMP_CLI_EXIT_FAILURE;
}

/* What @builder built, pretty, on stdout. */
void
jmp_cli_print_json (JsonBuilder *builder)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autofree gchar *text = NULL;

  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  text = json_generator_to_data (generator, NULL);
  g_print ("%s\n", text);
}
