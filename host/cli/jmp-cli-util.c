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

JmpClient *
jmp_cli_connect (const JmpCliOptions  *options,
                 GError              **error)
{
  g_autoptr(GError) local_error = NULL;
  JmpClient *client = jmp_client_new_sync (options->bus_type, NULL, &local_error);

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
