/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <jumpstarter/jumpstarter.h>

#include "jmp-websocket-network.h"

static gboolean
jmp_websocket_plugin_register (JmpRegistry *registry, GError **error)
{
  /* Jumpstarter's class path, so its configs load as they are */
  const gchar *aliases[] = { "jumpstarter_driver_network.driver.WebsocketNetwork", NULL };

  return jmp_registry_add_type (registry, "WebsocketNetwork", JMP_TYPE_WEBSOCKET_NETWORK,
                                aliases, error);
}

JMP_PLUGIN_DEFINE ("websocket", PACKAGE_VERSION,
                   N_("A WebSocket endpoint as a byte stream (libsoup)"),
                   jmp_websocket_plugin_register)
