/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "jmp-inet-network.h"

G_BEGIN_DECLS

#define JMP_TYPE_TCP_NETWORK (jmp_tcp_network_get_type ())
G_DECLARE_FINAL_TYPE (JmpTcpNetwork, jmp_tcp_network, JMP, TCP_NETWORK, JmpInetNetwork)

G_END_DECLS
