/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "jmp-udp-network.h"

/*
 * UdpNetwork: Connect() hands over a connected UDP socket, so each write is
 * one datagram to the target and each read one datagram from it; Address()
 * gives `udp://HOST:PORT`.
 */

struct _JmpUdpNetwork
{
  JmpInetNetwork parent_instance;
};

G_DEFINE_FINAL_TYPE (JmpUdpNetwork, jmp_udp_network, JMP_TYPE_INET_NETWORK)

static GHashTable *
jmp_udp_network_get_methods_description (JmpDriver *driver)
{
  GHashTable *methods = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  g_hash_table_insert (methods, g_strdup ("connect"),
                       g_strdup (_("Open a UDP socket connected to the target: one write, one datagram")));
  g_hash_table_insert (methods, g_strdup ("address"),
                       g_strdup (_("The target's address, udp://HOST:PORT")));
  return methods;
}

static void
jmp_udp_network_class_init (JmpUdpNetworkClass *klass)
{
  JmpDriverClass *driver_class = JMP_DRIVER_CLASS (klass);
  JmpInetNetworkClass *inet_class = JMP_INET_NETWORK_CLASS (klass);

  driver_class->get_methods_description = jmp_udp_network_get_methods_description;
  inet_class->scheme = "udp";
  inet_class->socket_type = G_SOCKET_TYPE_DATAGRAM;
  inet_class->protocol = G_SOCKET_PROTOCOL_UDP;
}

static void
jmp_udp_network_init (JmpUdpNetwork *self)
{
}
