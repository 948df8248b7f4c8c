/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <jumpstarter/jumpstarter.h>

#include "jmp-echo-network.h"

/* Jumpstarter's class paths are kept as aliases so its configs load as they are. */
#define JMP_NETWORK_ALIAS(name) "jumpstarter_driver_network.driver." name

static gboolean
jmp_network_plugin_register (JmpRegistry *registry, GError **error)
{
  const gchar *echo_aliases[] = { JMP_NETWORK_ALIAS ("EchoNetwork"), NULL };

  return jmp_registry_add_type (registry, "EchoNetwork", JMP_TYPE_ECHO_NETWORK,
                                echo_aliases, error);
}

JMP_PLUGIN_DEFINE ("network", PACKAGE_VERSION,
                   "Streams to TCP, UDP, Unix and vsock targets, and an echo stream",
                   jmp_network_plugin_register)
