/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <jumpstarter/jumpstarter.h>

G_BEGIN_DECLS

#define JMP_TYPE_USTREAMER (jmp_ustreamer_get_type ())
G_DECLARE_FINAL_TYPE (JmpUstreamer, jmp_ustreamer, JMP, USTREAMER, JmpDriver)

G_END_DECLS
