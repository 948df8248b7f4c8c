/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * jmp: the command line client of jumpstarter-host. Parses the global
 * options and hands the rest to one command.
 */
#include "config.h"

#include <locale.h>
#include <sys/resource.h>

#include <glib/gi18n.h>

#include "jmp-cli.h"

typedef struct {
  const gchar *name;
  gint       (*run) (const JmpCliOptions *options, gint argc, gchar **argv);
} JmpCommand;

static const JmpCommand commands[] = {
  { "list",    jmp_cmd_list },
  { "exporters", jmp_cmd_exporters },
  { "inspect", jmp_cmd_inspect },
  { "shell",   jmp_cmd_shell },
};

static struct rlimit jmp_main_fd_limit;
static gboolean jmp_main_fd_limit_raised;

/* A port forward holds six fds per connection (the accepted socket, the
 * stream, two pipes), so the usual soft limit of 1024 would cap it at about
 * 170. As systemd does, take the hard limit: everything here uses poll(),
 * never select(). */
static void
jmp_main_raise_fd_limit (void)
{
  struct rlimit raised;

  if (getrlimit (RLIMIT_NOFILE, &jmp_main_fd_limit) < 0 ||
      jmp_main_fd_limit.rlim_cur >= jmp_main_fd_limit.rlim_max)
    return;
  raised = jmp_main_fd_limit;
  raised.rlim_cur = raised.rlim_max;
  if (setrlimit (RLIMIT_NOFILE, &raised) == 0)
    jmp_main_fd_limit_raised = TRUE;
}

/* Async-signal-safe: called between fork() and exec(). */
void
jmp_cli_restore_fd_limit (void)
{
  if (jmp_main_fd_limit_raised)
    setrlimit (RLIMIT_NOFILE, &jmp_main_fd_limit);
}

static gchar *
jmp_main_description (void)
{
  GString *text = g_string_new (_("Commands:"));

  g_string_append_c (text, '\n');
  g_string_append_printf (text, "  %-22s %s\n", "list", _("List the drivers of the host"));
  g_string_append_printf (text, "  %-22s %s\n", "exporters",
                          _("List the hosts running, one per exporter"));
  g_string_append_printf (text, "  %-22s %s\n", _("inspect [TYPE]"),
                          _("List plugins and driver types, or describe one type"));
  g_string_append_printf (text, "  %-22s %s\n", _("shell --config FILE"),
                          _("Run a private host and a shell (or -- CMD) that uses it"));
  g_string_append_printf (text, "  %-22s %s\n", _("DRIVER COMMAND"),
                          _("Use a driver, e.g. “jmp ssh forward-tcp 2222”"));
  g_string_append_printf (text, "  %-22s %s\n", _("DRIVER --help"),
                          _("List the commands of a driver"));
  g_string_append_c (text, '\n');
  g_string_append_printf (text,
                          _("jmp talks to the host of the exporter named by --exporter or $%s; "
                            "without one, to the host at $%s when it is set (inside “jmp shell”), "
                            "else to the default exporter's host on the session bus, "
                            "else to the only host running."),
                          JMP_EXPORTER_ENV, JMP_HOST_ENV);
  return g_string_free (text, FALSE);
}

int
main (int argc, char **argv)
{
  JmpCliOptions options = { .bus_type = G_BUS_TYPE_SESSION };
  gboolean system_bus = FALSE;
  g_autofree gchar *exporter = NULL;
  gboolean version = FALSE;
  gboolean verbose = FALSE;
  g_autoptr(GOptionContext) context = NULL;
  g_autofree gchar *description = NULL;
  gint status = JMP_CLI_EXIT_OK;
  const GOptionEntry entries[] = {
    { "system", 0, 0, G_OPTION_ARG_NONE, &system_bus,
      N_("Use the host on the system bus"), NULL },
    { "exporter", 'e', 0, G_OPTION_ARG_STRING, &exporter,
      N_("Use the host of the exporter NAME (default: $JUMPSTARTER_EXPORTER)"), N_("NAME") },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose,
      N_("Show debug messages, e.g. each forwarded connection"), NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version,
      N_("Show the version and exit"), NULL },
    G_OPTION_ENTRY_NULL
  };

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  /* stdout carries data (connect) or an address a script reads (forward-*):
   * every message, debug included, goes to stderr */
  g_log_writer_default_set_use_stderr (TRUE);
  jmp_main_raise_fd_limit ();

  context = jmp_cli_option_context_new (NULL, _("COMMAND [ARG…]"),
                                        _("Use the drivers of a Jumpstarter exporter."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  description = jmp_main_description ();
  g_option_context_set_description (context, description);
  if (!jmp_cli_parse (context, &argc, &argv, &status))
    return status;

  if (verbose)
    g_log_set_debug_enabled (TRUE);

  if (version)
    {
      g_print ("jmp %s\n", PACKAGE_VERSION);
      return JMP_CLI_EXIT_OK;
    }

  if (argc < 2)
    {
      g_autofree gchar *help = g_option_context_get_help (context, TRUE, NULL);
      g_printerr ("%s", help);
      return JMP_CLI_EXIT_USAGE;
    }

  if (system_bus)
    options.bus_type = G_BUS_TYPE_SYSTEM;
  options.exporter = exporter;
  if (options.exporter == NULL && g_getenv (JMP_EXPORTER_ENV) != NULL &&
      *g_getenv (JMP_EXPORTER_ENV) != '\0')
    options.exporter = g_getenv (JMP_EXPORTER_ENV);

  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      if (g_strcmp0 (argv[1], commands[i].name) == 0)
        return commands[i].run (&options, argc - 1, argv + 1);
    }

  /* Anything else names a driver. */
  return jmp_cmd_driver (&options, argc - 1, argv + 1);
}
