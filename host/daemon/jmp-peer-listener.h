/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define JMP_TYPE_PEER_LISTENER (jmp_peer_listener_get_type ())
G_DECLARE_FINAL_TYPE (JmpPeerListener, jmp_peer_listener, JMP, PEER_LISTENER, GObject)

JmpPeerListener *jmp_peer_listener_new                (const gchar       *socket_path,
                                                       GDBusAuthObserver *observer,
                                                       GError           **error);
const gchar     *jmp_peer_listener_get_client_address (JmpPeerListener   *self);
void             jmp_peer_listener_start              (JmpPeerListener   *self);
void             jmp_peer_listener_stop               (JmpPeerListener   *self);

G_END_DECLS
