/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The commands of D-Bus network drivers (dev.jumpstarter.DBusNetwork1):
 * run -- CMD, which gives CMD the exporter's bus as its own.
 */
#include "config.h"

#include <signal.h>

#include <glib-unix.h>
#include <glib/gi18n.h>

#include "jmp-cli.h"

typedef struct {
  JmpDriverContext *ctx;
  GMainLoop        *loop;
  GSubprocess      *child;
  JmpCliHostWatch  *watch;
  gboolean          running;
  gint              status;
} JmpDbusRun;

static void
jmp_cmd_dbus_child_setup (gpointer user_data)
{
  /* jmp ignores SIGQUIT while CMD runs; CMD must not */
  signal (SIGQUIT, SIG_DFL);
  jmp_cli_restore_fd_limit ();
}

static void
jmp_cmd_dbus_child_exited_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  JmpDbusRun *run = user_data;

  /* cannot fail without a cancellable */
  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  run->running = FALSE;
  run->status = jmp_cli_status_from_wait (g_subprocess_get_status (G_SUBPROCESS (source)));
  g_main_loop_quit (run->loop);
}

/* A Ctrl-C reaches CMD from the terminal by itself: jmp waits for CMD to
 * end, as a shell does. */
static gboolean
jmp_cmd_dbus_sigint_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* SIGTERM and SIGHUP are meant for the whole command: passed on. */
static gboolean
jmp_cmd_dbus_sigterm_cb (gpointer user_data)
{
  JmpDbusRun *run = user_data;

  if (run->running)
    g_subprocess_send_signal (run->child, SIGTERM);
  return G_SOURCE_CONTINUE;
}

static gboolean
jmp_cmd_dbus_sighup_cb (gpointer user_data)
{
  JmpDbusRun *run = user_data;

  if (run->running)
    g_subprocess_send_signal (run->child, SIGHUP);
  return G_SOURCE_CONTINUE;
}

/* CMD only sees its connection to the bus close: say why. */
static void
jmp_cmd_dbus_forward_failed_cb (JmpPortforward *forward,
                                const gchar    *message,
                                gpointer        user_data)
{
  JmpDbusRun *run = user_data;

  /* after the host went away, that one line says it all */
  if (run->watch != NULL && jmp_cli_host_watch_is_gone (run->watch))
    return;
  jmp_cli_error (_("%s: a connection to the bus failed: %s"),
                 jmp_driver_proxy_get_path (run->ctx->driver), message);
}

gint
jmp_cmd_dbus_run (JmpDriverContext *ctx, gint argc, gchar **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JmpPortforward) forward = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GSubprocess) child = NULL;
  g_autofree gchar *name = NULL;
  g_autofree gchar *escaped = NULL;
  g_autofree gchar *address = NULL;
  JmpDbusNetworkProxy *dbus;
  JmpDbusRun run = { .ctx = ctx, .status = JMP_CLI_EXIT_FAILURE };
  const gchar *variable;
  const gchar *path = jmp_driver_proxy_get_path (ctx->driver);
  gint status = JMP_CLI_EXIT_OK;
  guint signal_ids[3];
  gulong failed_id;

  name = g_strdup_printf ("%s run", path);
  context = jmp_cli_option_context_new (name, _("-- COMMAND [ARG…]"),
                                        _("Run COMMAND with the exporter's bus as its system or "
                                          "session bus: DBUS_SYSTEM_BUS_ADDRESS or "
                                          "DBUS_SESSION_BUS_ADDRESS, as the driver's kind says, "
                                          "points at a Unix socket forwarded to it. Exits with "
                                          "COMMAND's status."));
  if (!jmp_cli_parse (context, &argc, &argv, &status))
    return status;
  if (argc < 2)
    return jmp_cli_usage_error (_("run needs a COMMAND: jmp %s run -- COMMAND [ARG…]"), path);

  dbus = jmp_driver_proxy_get_dbus_network (ctx->driver);
  if (dbus == NULL)
    {
      jmp_cli_error (_("driver \"%s\" has no dev.jumpstarter.Network1 interface to reach its bus"),
                     path);
      return JMP_CLI_EXIT_FAILURE;
    }
  variable = jmp_dbus_network_proxy_get_address_variable (dbus);
  if (variable == NULL)
    {
      jmp_cli_error (_("driver \"%s\" reaches a bus of kind \"%s\", neither system nor session"),
                     path, jmp_dbus_network_proxy_get_kind (dbus));
      return JMP_CLI_EXIT_FAILURE;
    }

  /* a fresh socket under $XDG_RUNTIME_DIR, mode 0600, removed at the end */
  forward = jmp_portforward_new_unix (jmp_dbus_network_proxy_get_network (dbus), NULL, &error);
  if (forward == NULL)
    return jmp_cli_fail (error);
  escaped = g_dbus_address_escape_value (jmp_portforward_get_path (forward));
  address = g_strconcat ("unix:path=", escaped, NULL);
  g_debug ("%s=%s forwards to the %s bus of %s", variable, address,
           jmp_dbus_network_proxy_get_kind (dbus), path);

  /* only CMD's environment changes; jmp's own stays as it was */
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_INHERIT);
  g_subprocess_launcher_setenv (launcher, variable, address, TRUE);
  g_subprocess_launcher_set_child_setup (launcher, jmp_cmd_dbus_child_setup, NULL, NULL);

  loop = g_main_loop_new (NULL, FALSE);
  run.loop = loop;
  signal_ids[0] = g_unix_signal_add (SIGINT, jmp_cmd_dbus_sigint_cb, &run);
  signal_ids[1] = g_unix_signal_add (SIGTERM, jmp_cmd_dbus_sigterm_cb, &run);
  signal_ids[2] = g_unix_signal_add (SIGHUP, jmp_cmd_dbus_sighup_cb, &run);
  signal (SIGQUIT, SIG_IGN);

  child = g_subprocess_launcher_spawnv (launcher, (const gchar * const *) argv + 1, &error);
  if (child == NULL)
    {
      /* as a shell says it: 127 for a command not found, 126 for one
       * that cannot run */
      run.status = g_error_matches (error, G_SPAWN_ERROR, G_SPAWN_ERROR_NOENT) ? 127 : 126;
      jmp_cli_error (_("cannot run \"%s\": %s"), argv[1], error->message);
    }
  else
    {
      run.child = child;
      run.running = TRUE;
      failed_id = g_signal_connect (forward, "connection-failed",
                                    G_CALLBACK (jmp_cmd_dbus_forward_failed_cb), &run);
      /* the streams already open go on (they are the host's sockets to
       * the bus); new ones cannot be made, and jmp fails whatever CMD does */
      run.watch = jmp_cli_host_watch_new (ctx->client, NULL, NULL);
      g_subprocess_wait_async (child, NULL, jmp_cmd_dbus_child_exited_cb, &run);
      g_main_loop_run (loop);
      if (jmp_cli_host_watch_is_gone (run.watch) && run.status == JMP_CLI_EXIT_OK)
        run.status = JMP_CLI_EXIT_FAILURE;
      g_clear_pointer (&run.watch, jmp_cli_host_watch_free);
      g_signal_handler_disconnect (forward, failed_id);
      g_debug ("%" G_GUINT64_FORMAT " connections to the bus, %" G_GUINT64_FORMAT " failed",
               jmp_portforward_get_n_accepted (forward), jmp_portforward_get_n_failed (forward));
    }

  for (gsize i = 0; i < G_N_ELEMENTS (signal_ids); i++)
    g_source_remove (signal_ids[i]);
  signal (SIGQUIT, SIG_DFL);
  jmp_portforward_close (forward);
  return run.status;
}
