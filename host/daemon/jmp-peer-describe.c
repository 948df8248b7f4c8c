/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "jmp-peer-describe.h"

/**
 * jmp_peer_describe:
 * @connection: a connection the host serves
 *
 * Names a peer for a log line: its pid and uid where the socket tells
 * them (peer-to-peer), else the connection's address in memory.
 *
 * Returns: (transfer full): e.g. "peer pid 4242 (uid 1000)"
 */
gchar *
jmp_peer_describe (GDBusConnection *connection)
{
  GCredentials *credentials = g_dbus_connection_get_peer_credentials (connection);
  pid_t pid = -1;
  uid_t uid = (uid_t) -1;

  if (credentials != NULL)
    {
      pid = g_credentials_get_unix_pid (credentials, NULL);
      uid = g_credentials_get_unix_user (credentials, NULL);
    }
  if (pid > 0)
    return g_strdup_printf ("peer pid %d (uid %d)", (gint) pid, (gint) uid);
  return g_strdup_printf ("peer %p", connection);
}
