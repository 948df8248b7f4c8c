/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "jmp-inet-network.h"

G_BEGIN_DECLS

#define JMP_TYPE_UDP_NETWORK (jmp_udp_network_get_type ())
G_DECLARE_FINAL_TYPE (JmpUdpNetwork, jmp_udp_network, JMP, UDP_NETWORK, JmpInetNetwork)

G_END_DECLS
