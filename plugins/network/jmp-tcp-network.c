/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <glib/gi18n-lib.h>

#include "jmp-tcp-network.h"

/*
 * TcpNetwork: Connect() hands over the connected TCP socket itself, so the
 * host is out of the data path; Address() gives `tcp://HOST:PORT`.
 */

struct _JmpTcpNetwork
{
  JmpInetNetwork parent_instance;
};

G_DEFINE_FINAL_TYPE (JmpTcpNetwork, jmp_tcp_network, JMP_TYPE_INET_NETWORK)

/* Set here, they travel with the fd to the client: interactive protocols
 * (a shell, a console) are not held back by Nagle, and a target that
 * powers off does not leave the stream open forever. */
static gboolean
jmp_tcp_network_prepare_socket (JmpInetNetwork *network, GSocket *socket, GError **error)
{
  if (!g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, 1, error))
    return FALSE;
  g_socket_set_keepalive (socket, TRUE);
  return TRUE;
}

static GHashTable *
jmp_tcp_network_get_methods_description (JmpDriver *driver)
{
  GHashTable *methods = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  g_hash_table_insert (methods, g_strdup ("connect"),
                       g_strdup (_("Open a TCP stream to the target")));
  g_hash_table_insert (methods, g_strdup ("address"),
                       g_strdup (_("The target's address, tcp://HOST:PORT")));
  return methods;
}

static void
jmp_tcp_network_class_init (JmpTcpNetworkClass *klass)
{
  JmpDriverClass *driver_class = JMP_DRIVER_CLASS (klass);
  JmpInetNetworkClass *inet_class = JMP_INET_NETWORK_CLASS (klass);

  driver_class->get_methods_description = jmp_tcp_network_get_methods_description;
  inet_class->scheme = "tcp";
  inet_class->socket_type = G_SOCKET_TYPE_STREAM;
  inet_class->protocol = G_SOCKET_PROTOCOL_TCP;
  inet_class->prepare_socket = jmp_tcp_network_prepare_socket;
}

static void
jmp_tcp_network_init (JmpTcpNetwork *self)
{
}
