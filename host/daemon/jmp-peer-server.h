/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "jmp-host.h"

G_BEGIN_DECLS

#define JMP_TYPE_PEER_SERVER (jmp_peer_server_get_type ())
G_DECLARE_FINAL_TYPE (JmpPeerServer, jmp_peer_server, JMP, PEER_SERVER, GObject)

JmpPeerServer *jmp_peer_server_new                (JmpHost        *host,
                                                   const gchar    *address,
                                                   GError        **error);
const gchar   *jmp_peer_server_get_client_address (JmpPeerServer  *self);
guint          jmp_peer_server_get_n_peers        (JmpPeerServer  *self);
void           jmp_peer_server_stop               (JmpPeerServer  *self);

G_END_DECLS
