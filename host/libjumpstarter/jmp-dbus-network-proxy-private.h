/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "jmp-dbus-network-proxy.h"
#include "jmp-dbus-generated.h"

G_BEGIN_DECLS

#define JMP_DBUS_NETWORK_INTERFACE "dev.jumpstarter.DBusNetwork1"

JmpDbusNetworkProxy *jmp_dbus_network_proxy_new (JmpDBusDBusNetwork1 *proxy,
                                                 JmpNetworkProxy     *network,
                                                 const gchar         *driver_path);

G_END_DECLS
