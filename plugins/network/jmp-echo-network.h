/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <jumpstarter/jumpstarter.h>

G_BEGIN_DECLS

#define JMP_TYPE_ECHO_NETWORK (jmp_echo_network_get_type ())
G_DECLARE_FINAL_TYPE (JmpEchoNetwork, jmp_echo_network, JMP, ECHO_NETWORK, JmpDriver)

G_END_DECLS
