/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The commands of network drivers (dev.jumpstarter.Network1).
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gi18n.h>

#include "jmp-cli.h"

static GOptionContext *
jmp_cmd_network_context (JmpDriverContext *ctx,
                         const gchar      *command,
                         const gchar      *parameter_string,
                         const gchar      *summary)
{
  g_autofree gchar *name = g_strdup_printf ("%s %s", jmp_driver_proxy_get_path (ctx->driver), command);

  return jmp_cli_option_context_new (name, parameter_string, summary);
}

gint
jmp_cmd_network_connect (JmpDriverContext *ctx, gint argc, gchar **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = NULL;
  JmpNetworkProxy *network;
  gint status = JMP_CLI_EXIT_OK;
  gboolean fdpass = FALSE;
  const GOptionEntry entries[] = {
    { "fdpass", 0, 0, G_OPTION_ARG_NONE, &fdpass,
      N_("Pass the connected socket to the parent over stdout, a Unix socket, and exit "
         "(ssh -o ProxyUseFdpass=yes)"), NULL },
    G_OPTION_ENTRY_NULL
  };

  context = jmp_cmd_network_context (ctx, "connect", NULL,
                                     _("Copy stdin to a new stream to the target and the stream to "
                                       "stdout. The end of stdin closes the stream for writing; "
                                       "the command ends when the target closes the stream."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!jmp_cli_parse (context, &argc, &argv, &status))
    return status;
  if (argc > 1)
    return jmp_cli_usage_error (_("connect takes no arguments, got \"%s\""), argv[1]);

  network = jmp_driver_proxy_get_network (ctx->driver);
  socket = jmp_network_proxy_connect_socket_sync (network, NULL, &error);
  if (socket == NULL)
    return jmp_cli_fail (error);

  /* nothing to relay: the parent holds the socket itself */
  if (fdpass)
    {
      if (!jmp_cli_fdpass_send (STDOUT_FILENO, g_socket_get_fd (socket), &error))
        return jmp_cli_fail (error);
      return JMP_CLI_EXIT_OK;
    }
  if (!jmp_cli_relay_stdio (socket, &error))
    return jmp_cli_fail (error);
  /* a stream the host pumps ends with it: that is no success */
  if (jmp_cli_host_gone (ctx->client))
    {
      jmp_cli_report_host_gone ();
      return JMP_CLI_EXIT_FAILURE;
    }
  return JMP_CLI_EXIT_OK;
}

/* Jumpstarter's forms: the address without its scheme, as host:port (IPv6
 * in brackets), or the host alone (no brackets) or the port alone. */
static gchar *
jmp_cmd_network_format_address (const gchar  *address,
                                gboolean      want_host,
                                gboolean      want_port,
                                GError      **error)
{
  g_autoptr(GUri) uri = g_uri_parse (address, G_URI_FLAGS_NON_DNS, NULL);
  const gchar *host = uri != NULL ? g_uri_get_host (uri) : NULL;
  gint port = uri != NULL ? g_uri_get_port (uri) : -1;

  if (want_host && want_port)
    want_host = want_port = FALSE;

  /* a bus address (DbusNetwork) is no URI: as it is, as DBUS_*_BUS_ADDRESS takes it */
  if (!want_host && !want_port && g_dbus_is_address (address))
    return g_strdup (address);

  if (want_host)
    {
      if (host == NULL || *host == '\0')
        {
          g_set_error (error, JMP_ERROR, JMP_ERROR_NOT_SUPPORTED,
                       _("address \"%s\" has no host"), address);
          return NULL;
        }
      return g_strdup (host);
    }

  if (want_port)
    {
      if (port < 0)
        {
          g_set_error (error, JMP_ERROR, JMP_ERROR_NOT_SUPPORTED,
                       _("address \"%s\" has no port"), address);
          return NULL;
        }
      return g_strdup_printf ("%d", port);
    }

  if (host != NULL && *host != '\0')
    {
      gboolean ipv6 = strchr (host, ':') != NULL;

      if (port < 0)
        return ipv6 ? g_strdup_printf ("[%s]", host) : g_strdup (host);
      return ipv6 ? g_strdup_printf ("[%s]:%d", host, port) : g_strdup_printf ("%s:%d", host, port);
    }

  /* No host (unix:///run/x.sock): what follows the scheme. */
  if (uri != NULL && g_uri_get_path (uri) != NULL && *g_uri_get_path (uri) != '\0')
    return g_strdup (g_uri_get_path (uri));
  {
    const gchar *rest = strstr (address, "://");
    return g_strdup (rest != NULL ? rest + 3 : address);
  }
}

gint
jmp_cmd_network_address (JmpDriverContext *ctx, gint argc, gchar **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *address = NULL;
  g_autofree gchar *text = NULL;
  gboolean want_host = FALSE;
  gboolean want_port = FALSE;
  JmpNetworkProxy *network;
  gint status = JMP_CLI_EXIT_OK;
  const GOptionEntry entries[] = {
    { "host", 0, 0, G_OPTION_ARG_NONE, &want_host, N_("Print the host alone"), NULL },
    { "port", 0, 0, G_OPTION_ARG_NONE, &want_port, N_("Print the port alone"), NULL },
    G_OPTION_ENTRY_NULL
  };

  context = jmp_cmd_network_context (ctx, "address", NULL,
                                     _("Print the address of the target without its scheme: "
                                       "host:port, or the host or the port alone."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!jmp_cli_parse (context, &argc, &argv, &status))
    return status;
  if (argc > 1)
    return jmp_cli_usage_error (_("address takes no arguments, got \"%s\""), argv[1]);

  network = jmp_driver_proxy_get_network (ctx->driver);
  address = jmp_network_proxy_get_address_sync (network, NULL, &error);
  if (address == NULL)
    return jmp_cli_fail (error);

  text = jmp_cmd_network_format_address (address, want_host, want_port, &error);
  if (text == NULL)
    return jmp_cli_fail (error);
  g_print ("%s\n", text);
  return JMP_CLI_EXIT_OK;
}

/* forward-tcp, forward-unix, forward-udp --------------------------------- */

typedef struct {
  JmpDriverContext *ctx;
  GMainLoop        *loop;
  gint              status;
} JmpForwardRun;

static gboolean
jmp_cmd_network_forward_signal_cb (gpointer user_data)
{
  JmpForwardRun *run = user_data;

  g_debug ("stopping on a signal");
  g_main_loop_quit (run->loop);
  return G_SOURCE_CONTINUE;
}

/* One line per connection that could not be forwarded; the others and the
 * listener go on. */
static void
jmp_cmd_network_forward_failed_cb (JmpPortforward *forward,
                                   const gchar    *message,
                                   gpointer        user_data)
{
  JmpForwardRun *run = user_data;

  jmp_cli_error (_("%s: a forwarded connection failed: %s"),
                 jmp_driver_proxy_get_path (run->ctx->driver), message);
}

/* Without the host no connection can be forwarded any more: stop, rather
 * than refuse every connection from now on. */
static void
jmp_cmd_network_forward_host_gone_cb (gpointer user_data)
{
  JmpForwardRun *run = user_data;

  run->status = JMP_CLI_EXIT_FAILURE;
  g_main_loop_quit (run->loop);
}

/* Prints where it listens (the one line a script waits for), then serves
 * until SIGINT, SIGTERM or SIGHUP; a Unix socket is removed at the end. */
static gint
jmp_cmd_network_serve (JmpDriverContext *ctx, JmpPortforward *forward)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autofree gchar *display = jmp_portforward_get_display_address (forward);
  GDBusConnection *connection = jmp_client_get_connection (ctx->client);
  g_autoptr(JmpCliHostWatch) watch = NULL;
  JmpForwardRun run = { .ctx = ctx, .loop = loop, .status = JMP_CLI_EXIT_OK };
  const gint signals[] = { SIGINT, SIGTERM, SIGHUP };
  guint signal_ids[G_N_ELEMENTS (signals)];
  gulong failed_id;

  /* handlers first: a script may signal as soon as it has read the line */
  for (gsize i = 0; i < G_N_ELEMENTS (signals); i++)
    signal_ids[i] = g_unix_signal_add (signals[i], jmp_cmd_network_forward_signal_cb, &run);
  failed_id = g_signal_connect (forward, "connection-failed",
                                G_CALLBACK (jmp_cmd_network_forward_failed_cb), &run);
  watch = jmp_cli_host_watch_new (ctx->client, jmp_cmd_network_forward_host_gone_cb, &run);

  g_print ("%s\n", display);
  fflush (stdout);
  g_debug ("forwarding %s to %s", display, jmp_driver_proxy_get_path (ctx->driver));

  if (!g_dbus_connection_is_closed (connection))
    g_main_loop_run (loop);
  else
    {
      jmp_cli_report_host_gone ();
      run.status = JMP_CLI_EXIT_FAILURE;
    }

  g_debug ("%" G_GUINT64_FORMAT " connections forwarded, %" G_GUINT64_FORMAT " failed",
           jmp_portforward_get_n_accepted (forward), jmp_portforward_get_n_failed (forward));
  g_signal_handler_disconnect (forward, failed_id);
  for (gsize i = 0; i < G_N_ELEMENTS (signals); i++)
    g_source_remove (signal_ids[i]);
  jmp_portforward_close (forward);
  return run.status;
}

static gboolean
jmp_cmd_network_parse_port (const gchar *text, guint16 *port)
{
  guint64 value = 0;

  if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT16, &value, NULL))
    return FALSE;
  *port = (guint16) value;
  return TRUE;
}

static gint
jmp_cmd_network_forward_inet (JmpDriverContext   *ctx,
                              JmpPortforwardKind  kind,
                              gint                argc,
                              gchar             **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JmpPortforward) forward = NULL;
  g_autofree gchar *address = NULL;
  const gchar *command = kind == JMP_PORTFORWARD_UDP ? "forward-udp" : "forward-tcp";
  JmpNetworkProxy *network;
  guint16 port = 0;
  gint status = JMP_CLI_EXIT_OK;
  const GOptionEntry entries[] = {
    { "address", 'a', 0, G_OPTION_ARG_STRING, &address,
      N_("Listen on this address or name (default 127.0.0.1)"), N_("ADDRESS") },
    G_OPTION_ENTRY_NULL
  };

  if (kind == JMP_PORTFORWARD_UDP)
    context = jmp_cmd_network_context (ctx, command, _("PORT"),
                                       _("Receive datagrams on a local UDP port and send them to the "
                                         "target; each local sender gets its own stream, and the "
                                         "target's replies go back to it. PORT 0 picks a free port. "
                                         "Prints HOST:PORT, then runs until interrupted."));
  else
    context = jmp_cmd_network_context (ctx, command, _("PORT"),
                                       _("Listen on a local TCP port and forward every connection "
                                         "to a new stream to the target. PORT 0 picks a free port. "
                                         "Prints HOST:PORT, then runs until interrupted."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!jmp_cli_parse (context, &argc, &argv, &status))
    return status;
  if (argc < 2)
    return jmp_cli_usage_error (_("%s needs a PORT (0 picks a free one)"), command);
  if (argc > 2)
    return jmp_cli_usage_error (_("%s takes one PORT, got also \"%s\""), command, argv[2]);
  if (!jmp_cmd_network_parse_port (argv[1], &port))
    return jmp_cli_usage_error (_("PORT \"%s\" is not a number from 0 to 65535"), argv[1]);

  network = jmp_driver_proxy_get_network (ctx->driver);
  if (kind == JMP_PORTFORWARD_UDP)
    forward = jmp_portforward_new_udp (network, address, port, &error);
  else
    forward = jmp_portforward_new_tcp (network, address, port, &error);
  if (forward == NULL)
    return jmp_cli_fail (error);
  return jmp_cmd_network_serve (ctx, forward);
}

gint
jmp_cmd_network_forward_tcp (JmpDriverContext *ctx, gint argc, gchar **argv)
{
  return jmp_cmd_network_forward_inet (ctx, JMP_PORTFORWARD_TCP, argc, argv);
}

gint
jmp_cmd_network_forward_udp (JmpDriverContext *ctx, gint argc, gchar **argv)
{
  return jmp_cmd_network_forward_inet (ctx, JMP_PORTFORWARD_UDP, argc, argv);
}

gint
jmp_cmd_network_forward_unix (JmpDriverContext *ctx, gint argc, gchar **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JmpPortforward) forward = NULL;
  gint status = JMP_CLI_EXIT_OK;

  context = jmp_cmd_network_context (ctx, "forward-unix", _("[PATH]"),
                                     _("Listen on a Unix socket (mode 0600) and forward every "
                                       "connection to a new stream to the target. Without PATH, "
                                       "a new socket under $XDG_RUNTIME_DIR. Prints the path, "
                                       "then runs until interrupted, and removes the socket."));
  if (!jmp_cli_parse (context, &argc, &argv, &status))
    return status;
  if (argc > 2)
    return jmp_cli_usage_error (_("forward-unix takes one PATH at most, got also \"%s\""), argv[2]);
  if (argc == 2 && *argv[1] == '\0')
    return jmp_cli_usage_error (_("forward-unix: PATH is empty"));

  forward = jmp_portforward_new_unix (jmp_driver_proxy_get_network (ctx->driver),
                                      argc == 2 ? argv[1] : NULL, &error);
  if (forward == NULL)
    return jmp_cli_fail (error);
  return jmp_cmd_network_serve (ctx, forward);
}
