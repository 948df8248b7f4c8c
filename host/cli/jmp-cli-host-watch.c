/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Noticing that the host went away under a command: on a bus its name
 * loses its owner (the connection to the bus stays); peer-to-peer the
 * connection closes. Either way the user gets one line of our own, not
 * GLib's words for a closed socket.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "jmp-cli.h"

#define JMP_CLI_HOST_BUS_NAME    "dev.jumpstarter.Host1"
#define JMP_CLI_HOST_OBJECT_PATH "/dev/jumpstarter/Host1"

struct _JmpCliHostWatch
{
  GDBusConnection   *connection;
  JmpCliHostGoneFunc func;
  gpointer           user_data;
  guint              name_watch_id;
  gulong             closed_id;
  gboolean           gone;
};

static gboolean
jmp_cli_is_peer_to_peer (GDBusConnection *connection)
{
  return g_dbus_connection_get_unique_name (connection) == NULL;
}

void
jmp_cli_report_host_gone (void)
{
  jmp_cli_error (_("the host went away (it exited or closed the connection)"));
}

static void
jmp_cli_host_watch_notify (JmpCliHostWatch *watch)
{
  if (watch->gone)
    return;
  watch->gone = TRUE;
  jmp_cli_report_host_gone ();
  if (watch->func != NULL)
    watch->func (watch->user_data);
}

static void
jmp_cli_host_watch_vanished_cb (GDBusConnection *connection,
                                const gchar     *name,
                                gpointer         user_data)
{
  jmp_cli_host_watch_notify (user_data);
}

static void
jmp_cli_host_watch_closed_cb (GDBusConnection *connection,
                              gboolean         remote_peer_vanished,
                              GError          *error,
                              gpointer         user_data)
{
  jmp_cli_host_watch_notify (user_data);
}

/* Calls @func (if any) once, after one line on stderr, when the host of @client
 * goes away while the main loop runs. */
JmpCliHostWatch *
jmp_cli_host_watch_new (JmpClient         *client,
                        JmpCliHostGoneFunc func,
                        gpointer           user_data)
{
  JmpCliHostWatch *watch = g_new0 (JmpCliHostWatch, 1);

  watch->connection = g_object_ref (jmp_client_get_connection (client));
  watch->func = func;
  watch->user_data = user_data;
  if (jmp_cli_is_peer_to_peer (watch->connection))
    watch->closed_id = g_signal_connect (watch->connection, "closed",
                                         G_CALLBACK (jmp_cli_host_watch_closed_cb), watch);
  else
    watch->name_watch_id = g_bus_watch_name_on_connection (watch->connection, JMP_CLI_HOST_BUS_NAME,
                                                           G_BUS_NAME_WATCHER_FLAGS_NONE, NULL,
                                                           jmp_cli_host_watch_vanished_cb,
                                                           watch, NULL);
  return watch;
}

gboolean
jmp_cli_host_watch_is_gone (JmpCliHostWatch *watch)
{
  return watch->gone;
}

void
jmp_cli_host_watch_free (JmpCliHostWatch *watch)
{
  if (watch->name_watch_id != 0)
    g_bus_unwatch_name (watch->name_watch_id);
  if (watch->closed_id != 0)
    g_signal_handler_disconnect (watch->connection, watch->closed_id);
  g_object_unref (watch->connection);
  g_free (watch);
}

/* For a command without a main loop: asks the host whether it is still
 * there. A stream that a host pumps (EchoNetwork, WebSocket) ends with
 * the host; this tells that from the target closing it. */
gboolean
jmp_cli_host_gone (JmpClient *client)
{
  GDBusConnection *connection = jmp_client_get_connection (client);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  if (g_dbus_connection_is_closed (connection))
    return TRUE;
  reply = g_dbus_connection_call_sync (connection,
                                       jmp_cli_is_peer_to_peer (connection) ? NULL : JMP_CLI_HOST_BUS_NAME,
                                       JMP_CLI_HOST_OBJECT_PATH, "org.freedesktop.DBus.Peer", "Ping",
                                       NULL, NULL, G_DBUS_CALL_FLAGS_NO_AUTO_START, 5000,
                                       NULL, &error);
  /* a host that is only slow is still there */
  return reply == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
}
