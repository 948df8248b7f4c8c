/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <glib-unix.h>
#include <glib/gi18n.h>

#include "jmp-authority.h"
#include "jmp-call-limit.h"
#include "jmp-bus-names.h"
#include "jmp-config-watch.h"
#include "jmp-daemon-cluster.h"
#include "jmp-export.h"
#include "jmp-host.h"
#include "jmp-host-source.h"
#include "jmp-peer-server.h"
#include "jmp-stream-budget-private.h"

typedef struct {
  GMainLoop     *loop;
  JmpHost       *host;
  JmpAuthority  *authority;  /* the system bus's rule, NULL elsewhere */
  JmpExport     *bus_export;
  JmpBusNames   *bus_names;
  JmpPeerServer *peer_server;
  JmpConfigWatch *watch;
  GObject       *cluster;    /* NULL: local only */
  gboolean       print_address;
  gint           exit_status;
} JmpDaemon;

static gchar **opt_plugin_dirs = NULL;
static gchar *opt_config = NULL;
static gchar *opt_exporter = NULL;
static gchar *opt_listen = NULL;
static gboolean opt_system = FALSE;
static gboolean opt_allow_root = FALSE;
static gchar *opt_allow_group = NULL;
static gboolean opt_print_address = FALSE;
static gboolean opt_local = FALSE;
static gboolean opt_verbose = FALSE;
static gboolean opt_version = FALSE;
static gboolean opt_inspect = FALSE;
static gchar *opt_inspect_type = NULL;
static gint opt_max_streams = JMP_STREAM_BUDGET_DEFAULT;

static gboolean
jmp_daemon_inspect_cb (const gchar *option_name,
                       const gchar *value,
                       gpointer     data,
                       GError     **error)
{
  opt_inspect = TRUE;
  g_free (opt_inspect_type);
  opt_inspect_type = g_strdup (value);
  return TRUE;
}

static const GOptionEntry jmp_daemon_options[] = {
  { "config", 'c', 0, G_OPTION_ARG_FILENAME, &opt_config,
    N_("Exporter config to serve (YAML or JSON)"), N_("FILE") },
  { "exporter", 'e', 0, G_OPTION_ARG_STRING, &opt_exporter,
    N_("Serve the exporter NAME from ~/.config/jumpstarter/exporters or "
       "/etc/jumpstarter/exporters (default: “default” if there is one, else a demo)"),
    N_("NAME") },
  { "system", 0, 0, G_OPTION_ARG_NONE, &opt_system,
    N_("Serve on the system bus instead of the session bus"), NULL },
  { "allow-group", 0, 0, G_OPTION_ARG_STRING, &opt_allow_group,
    N_("On the system bus, let members of GROUP open streams and reload (default: jumpstarter)"),
    N_("GROUP") },
  { "allow-root", 0, 0, G_OPTION_ARG_NONE, &opt_allow_root,
    N_("Serve the system bus even as root, handing root's reach to every allowed client"), NULL },
  { "listen", 'l', 0, G_OPTION_ARG_STRING, &opt_listen,
    N_("Serve peer-to-peer on a socket instead of a bus"), N_("unix:path=PATH") },
  { "max-streams-per-peer", 0, 0, G_OPTION_ARG_INT, &opt_max_streams,
    N_("Let one client hold at most N streams that the host pumps (EchoNetwork, "
       "WebsocketNetwork…) open at once (default: 1024)"), N_("N") },
  { "plugin-dir", 'p', 0, G_OPTION_ARG_FILENAME_ARRAY, &opt_plugin_dirs,
    N_("Also load plugins from DIR (before the default directories)"), N_("DIR") },
  { "inspect", 'i', G_OPTION_FLAG_OPTIONAL_ARG, G_OPTION_ARG_CALLBACK, jmp_daemon_inspect_cb,
    N_("List plugins and driver types, or the config keys of TYPE, and exit"), N_("TYPE") },
  { "local", 0, 0, G_OPTION_ARG_NONE, &opt_local,
    N_("Serve here only, even if the config names a cluster endpoint"), NULL },
  { "print-address", 0, 0, G_OPTION_ARG_NONE, &opt_print_address,
    N_("Print the address clients connect to once the drivers are up"), NULL },
  { "verbose", 'v', 0, G_OPTION_ARG_NONE, &opt_verbose,
    N_("Show debug messages"), NULL },
  { "version", 0, 0, G_OPTION_ARG_NONE, &opt_version,
    N_("Show the version and exit"), NULL },
  { NULL }
};

static void
jmp_daemon_fail (JmpDaemon *daemon, const gchar *message)
{
  g_printerr ("jumpstarter-host: %s\n", message);
  daemon->exit_status = EXIT_FAILURE;
  g_main_loop_quit (daemon->loop);
}

static void
jmp_daemon_ready (JmpDaemon *daemon, const gchar *address)
{
  g_info ("serving %s at %s", jmp_config_get_name (jmp_host_get_config (daemon->host)) ?: "",
          address);
  if (daemon->print_address)
    {
      g_print ("%s\n", address);
      fflush (stdout);
    }
}

static gboolean
jmp_daemon_quit_cb (gpointer user_data)
{
  JmpDaemon *daemon = user_data;

  g_info ("stopping");
  g_main_loop_quit (daemon->loop);
  return G_SOURCE_CONTINUE;
}

static void
jmp_daemon_reloaded_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  if (!jmp_host_reload_finish (JMP_HOST (source), res, &error))
    g_message ("reload failed, the running tree stays: %s", error->message);
  else
    g_info ("config reloaded");
}

static gboolean
jmp_daemon_reload_cb (gpointer user_data)
{
  JmpDaemon *daemon = user_data;

  jmp_host_reload_async (daemon->host, NULL, jmp_daemon_reloaded_cb, daemon);
  return G_SOURCE_CONTINUE;
}

static void
jmp_daemon_names_acquired_cb (JmpBusNames *names, gpointer user_data)
{
  JmpDaemon *daemon = user_data;
  GDBusConnection *connection = jmp_export_get_connection (daemon->bus_export);

  jmp_daemon_ready (daemon, g_dbus_connection_get_unique_name (connection));
}

static void
jmp_daemon_names_lost_cb (JmpBusNames *names, const gchar *message, gpointer user_data)
{
  jmp_daemon_fail (user_data, message);
}

/* Every stream costs fds; the soft limit (often 1024) is for select()
 * users, which the host is not. The hard limit is the real bound. */
static void
jmp_daemon_raise_fd_limit (void)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NOFILE, &limit) < 0 || limit.rlim_cur >= limit.rlim_max)
    return;
  limit.rlim_cur = limit.rlim_max;
  if (setrlimit (RLIMIT_NOFILE, &limit) < 0)
    g_debug ("cannot raise the fd limit: %s", g_strerror (errno));
}

static gboolean
jmp_daemon_serve_bus (JmpDaemon *daemon, GError **error)
{
  g_autoptr(GDBusConnection) connection = NULL;
  const gchar *alias;

  connection = g_bus_get_sync (opt_system ? G_BUS_TYPE_SYSTEM : G_BUS_TYPE_SESSION,
                               NULL, error);
  if (connection == NULL)
    return FALSE;
  g_dbus_connection_set_exit_on_close (connection, FALSE);
  jmp_call_limit_install (connection, FALSE);
  jmp_host_serve_streams (daemon->host, connection, FALSE);
  daemon->bus_export = jmp_export_new (daemon->host, connection, daemon->authority, error);
  if (daemon->bus_export == NULL)
    return FALSE;
  alias = jmp_host_get_alias (daemon->host);
  daemon->bus_names = jmp_bus_names_new (connection, alias,
                                         g_strcmp0 (alias, JMP_DEFAULT_EXPORTER) == 0, error);
  if (daemon->bus_names == NULL)
    return FALSE;
  g_signal_connect (daemon->bus_names, "acquired",
                    G_CALLBACK (jmp_daemon_names_acquired_cb), daemon);
  g_signal_connect (daemon->bus_names, "lost", G_CALLBACK (jmp_daemon_names_lost_cb), daemon);
  return TRUE;
}

static gboolean
jmp_daemon_serve_peers (JmpDaemon *daemon, GError **error)
{
  daemon->peer_server = jmp_peer_server_new (daemon->host, opt_listen, error);
  if (daemon->peer_server == NULL)
    return FALSE;
  jmp_daemon_ready (daemon, jmp_peer_server_get_client_address (daemon->peer_server));
  return TRUE;
}

static JmpRegistry *
jmp_daemon_load_plugins (void)
{
  JmpRegistry *registry = jmp_registry_new ();

  for (guint i = 0; opt_plugin_dirs != NULL && opt_plugin_dirs[i] != NULL; i++)
    jmp_registry_load_dir (registry, opt_plugin_dirs[i]);
  jmp_registry_load_default (registry);
  return registry;
}

static gint
jmp_daemon_inspect (JmpRegistry *registry)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *text = jmp_registry_describe (registry, opt_inspect_type, &error);

  if (text == NULL)
    {
      g_printerr ("jumpstarter-host: %s\n", error->message);
      return EXIT_FAILURE;
    }
  g_print ("%s", text);
  return EXIT_SUCCESS;
}

int
main (int argc, char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JmpRegistry) registry = NULL;
  g_autofree gchar *config_path = NULL;
  g_autofree gchar *alias = NULL;
  JmpDaemon daemon = { NULL, };

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  /* streams are sockets written with MSG_NOSIGNAL; a closed stdout must
   * not kill the host either */
  signal (SIGPIPE, SIG_IGN);
  jmp_daemon_raise_fd_limit ();
  /* stdout carries --print-address's line, which scripts read: every
   * message, --verbose's included, goes to stderr */
  g_log_writer_default_set_use_stderr (TRUE);

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context,
                                _("Serve the drivers of an exporter config on D-Bus."));
  g_option_context_add_main_entries (context, jmp_daemon_options, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("jumpstarter-host: %s\n", error->message);
      return 2;
    }
  if (argc > 1)
    {
      g_printerr ("jumpstarter-host: %s\n", _("unexpected arguments; see --help"));
      return 2;
    }
  if (opt_version)
    {
      g_print ("jumpstarter-host %s\n", PACKAGE_VERSION);
      return EXIT_SUCCESS;
    }
  if (opt_verbose)
    g_log_set_debug_enabled (TRUE);
  if (opt_listen != NULL && opt_system)
    {
      g_printerr ("jumpstarter-host: %s\n", _("--listen and --system exclude each other"));
      return 2;
    }
  if (opt_config != NULL && opt_exporter != NULL)
    {
      g_printerr ("jumpstarter-host: %s\n", _("--config and --exporter exclude each other"));
      return 2;
    }
  if (!opt_system && (opt_allow_root || opt_allow_group != NULL))
    {
      g_printerr ("jumpstarter-host: %s\n", _("--allow-root and --allow-group go with --system"));
      return 2;
    }

  if (opt_max_streams < 1 || opt_max_streams > JMP_STREAM_BUDGET_MAX)
    {
      g_autofree gchar *range = g_strdup_printf (_("%d is out of range %u–%u"), opt_max_streams,
                                                 1u, (guint) JMP_STREAM_BUDGET_MAX);

      g_printerr ("jumpstarter-host: --max-streams-per-peer: %s\n", range);
      return 2;
    }

  registry = jmp_daemon_load_plugins ();
  if (opt_inspect)
    return jmp_daemon_inspect (registry);

  if (opt_system)
    {
      if (!jmp_authority_check_host_user (opt_allow_root, &error))
        {
          g_printerr ("jumpstarter-host: %s\n", error->message);
          return 2;
        }
      daemon.authority = jmp_authority_new (opt_allow_group ?: JMP_AUTHORITY_DEFAULT_GROUP,
                                            opt_allow_group != NULL, &error);
      if (daemon.authority == NULL)
        {
          g_printerr ("jumpstarter-host: --allow-group: %s\n", error->message);
          return 2;
        }
    }

  if (!jmp_host_source_resolve (opt_config, opt_exporter, &config_path, &alias, &error))
    {
      g_printerr ("jumpstarter-host: %s\n", error->message);
      g_clear_object (&daemon.authority);
      return EXIT_FAILURE;
    }

  daemon.loop = g_main_loop_new (NULL, FALSE);
  daemon.print_address = opt_print_address;
  daemon.host = jmp_host_new (registry, config_path);
  jmp_host_set_alias (daemon.host, alias);
  jmp_host_set_stream_limit (daemon.host, opt_max_streams);
  if (!jmp_host_load (daemon.host, &error) ||
      (!opt_local && !jmp_daemon_join_cluster (daemon.host, &daemon.cluster, &error)))
    {
      g_printerr ("jumpstarter-host: %s\n", error->message);
      g_clear_object (&daemon.host);
      g_clear_object (&daemon.authority);
      g_main_loop_unref (daemon.loop);
      return EXIT_FAILURE;
    }

  g_unix_signal_add (SIGTERM, jmp_daemon_quit_cb, &daemon);
  g_unix_signal_add (SIGINT, jmp_daemon_quit_cb, &daemon);
  g_unix_signal_add (SIGHUP, jmp_daemon_reload_cb, &daemon);
  if (config_path != NULL)
    {
      g_autoptr(GError) watch_error = NULL;

      daemon.watch = jmp_config_watch_new (daemon.host, config_path, &watch_error);
      if (daemon.watch == NULL)
        g_message ("edits of %s need a reload: %s", config_path, watch_error->message);
    }

  if (!(opt_listen != NULL ? jmp_daemon_serve_peers (&daemon, &error)
                           : jmp_daemon_serve_bus (&daemon, &error)))
    {
      g_printerr ("jumpstarter-host: %s\n", error->message);
      jmp_daemon_leave_cluster (&daemon.cluster);
      g_clear_object (&daemon.watch);
      g_clear_object (&daemon.peer_server);
      g_clear_object (&daemon.bus_names);
      g_clear_object (&daemon.bus_export);
      jmp_host_shutdown (daemon.host);
      g_clear_object (&daemon.host);
      g_clear_object (&daemon.authority);
      g_main_loop_unref (daemon.loop);
      return EXIT_FAILURE;
    }

  g_main_loop_run (daemon.loop);
  jmp_daemon_leave_cluster (&daemon.cluster);

  if (daemon.peer_server != NULL)
    jmp_peer_server_stop (daemon.peer_server);
  g_clear_object (&daemon.watch);
  g_clear_object (&daemon.peer_server);
  g_clear_object (&daemon.bus_names);
  g_clear_object (&daemon.bus_export);
  jmp_host_shutdown (daemon.host);
  g_clear_object (&daemon.host);
  g_clear_object (&daemon.authority);
  g_main_loop_unref (daemon.loop);
  return daemon.exit_status;
}
