/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__JUMPSTARTER_H_INSIDE__) && !defined(JUMPSTARTER_COMPILATION)
#error "Only <jumpstarter/jumpstarter.h> can be included directly."
#endif

#include <gio/gio.h>

G_BEGIN_DECLS

#define JMP_TYPE_STREAM_LEASE (jmp_stream_lease_get_type ())
G_DECLARE_FINAL_TYPE (JmpStreamLease, jmp_stream_lease, JMP, STREAM_LEASE, GObject)

JmpStreamLease *jmp_stream_lease_acquire (GCancellable  *call,
                                          GError       **error);

G_END_DECLS
