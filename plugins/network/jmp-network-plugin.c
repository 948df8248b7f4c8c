/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <jumpstarter/jumpstarter.h>

#include "jmp-echo-network.h"
#include "jmp-tcp-network.h"
#include "jmp-udp-network.h"
#include "jmp-unix-network.h"
#include "jmp-vsock-network.h"

/* Jumpstarter's class paths are kept as aliases so its configs load as they are. */
#define JMP_NETWORK_ALIAS(name) "jumpstarter_driver_network.driver." name

static gboolean
jmp_network_plugin_register (JmpRegistry *registry, GError **error)
{
  const struct {
    const gchar *name;
    GType        type;
    const gchar *alias;
  } types[] = {
    { "TcpNetwork", JMP_TYPE_TCP_NETWORK, JMP_NETWORK_ALIAS ("TcpNetwork") },
    { "UdpNetwork", JMP_TYPE_UDP_NETWORK, JMP_NETWORK_ALIAS ("UdpNetwork") },
    { "UnixNetwork", JMP_TYPE_UNIX_NETWORK, JMP_NETWORK_ALIAS ("UnixNetwork") },
    { "VsockNetwork", JMP_TYPE_VSOCK_NETWORK, JMP_NETWORK_ALIAS ("VsockNetwork") },
    { "EchoNetwork", JMP_TYPE_ECHO_NETWORK, JMP_NETWORK_ALIAS ("EchoNetwork") },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (types); i++)
    {
      const gchar *aliases[] = { types[i].alias, NULL };

      if (!jmp_registry_add_type (registry, types[i].name, types[i].type, aliases, error))
        return FALSE;
    }
  return TRUE;
}

JMP_PLUGIN_DEFINE ("network", PACKAGE_VERSION,
                   N_("Streams to TCP, UDP, Unix and vsock targets, and an echo stream"),
                   jmp_network_plugin_register)
