/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <jumpstarter/jumpstarter.h>

G_BEGIN_DECLS

#define JMP_TYPE_VSOCK_NETWORK (jmp_vsock_network_get_type ())
G_DECLARE_FINAL_TYPE (JmpVsockNetwork, jmp_vsock_network, JMP, VSOCK_NETWORK, JmpDriver)

G_END_DECLS
