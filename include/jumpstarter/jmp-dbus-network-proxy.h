/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__JUMPSTARTER_H_INSIDE__) && !defined(JUMPSTARTER_COMPILATION)
#error "Only <jumpstarter/jumpstarter.h> can be included directly."
#endif

#include <gio/gio.h>

#include "jmp-network-proxy.h"

G_BEGIN_DECLS

#define JMP_TYPE_DBUS_NETWORK_PROXY (jmp_dbus_network_proxy_get_type ())
G_DECLARE_FINAL_TYPE (JmpDbusNetworkProxy, jmp_dbus_network_proxy, JMP, DBUS_NETWORK_PROXY, GObject)

/* The dev.jumpstarter.DBusNetwork1 side of a driver (DbusNetwork). */
const gchar     *jmp_dbus_network_proxy_get_kind                 (JmpDbusNetworkProxy  *self);
const gchar     *jmp_dbus_network_proxy_get_address_variable     (JmpDbusNetworkProxy  *self);
JmpNetworkProxy *jmp_dbus_network_proxy_get_network              (JmpDbusNetworkProxy  *self);
void             jmp_dbus_network_proxy_open_connection          (JmpDbusNetworkProxy  *self,
                                                                  GCancellable         *cancellable,
                                                                  GAsyncReadyCallback   callback,
                                                                  gpointer              user_data);
GDBusConnection *jmp_dbus_network_proxy_open_connection_finish   (JmpDbusNetworkProxy  *self,
                                                                  GAsyncResult         *result,
                                                                  GError              **error);
GDBusConnection *jmp_dbus_network_proxy_open_connection_sync     (JmpDbusNetworkProxy  *self,
                                                                  GCancellable         *cancellable,
                                                                  GError              **error);

G_END_DECLS
