/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <jumpstarter/jumpstarter.h>

G_BEGIN_DECLS

#define JMP_TYPE_UNIX_NETWORK (jmp_unix_network_get_type ())
G_DECLARE_FINAL_TYPE (JmpUnixNetwork, jmp_unix_network, JMP, UNIX_NETWORK, JmpDriver)

G_END_DECLS
