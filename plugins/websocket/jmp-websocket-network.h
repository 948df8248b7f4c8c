/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <jumpstarter/jumpstarter.h>

G_BEGIN_DECLS

#define JMP_TYPE_WEBSOCKET_NETWORK (jmp_websocket_network_get_type ())
G_DECLARE_FINAL_TYPE (JmpWebsocketNetwork, jmp_websocket_network, JMP, WEBSOCKET_NETWORK, JmpDriver)

G_END_DECLS
