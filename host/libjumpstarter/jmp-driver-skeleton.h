/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "jmp-driver-method-private.h"

G_BEGIN_DECLS

#define JMP_TYPE_DRIVER_SKELETON (jmp_driver_skeleton_get_type ())
G_DECLARE_FINAL_TYPE (JmpDriverSkeleton, jmp_driver_skeleton, JMP, DRIVER_SKELETON,
                      GDBusInterfaceSkeleton)

GPtrArray *jmp_driver_skeleton_new_for_driver (JmpDriver *driver);

G_END_DECLS
