/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Error of jmp_net_connect_literal_finish() when @seconds passed: the
 * caller words it with its target. */
#define JMP_NET_LITERAL_TIMED_OUT G_IO_ERROR_TIMED_OUT

void     jmp_net_connect_literal_async  (GSocketAddress       *address,
                                         GSocketType           type,
                                         GSocketProtocol       protocol,
                                         gdouble               seconds,
                                         GCancellable         *cancellable,
                                         GAsyncReadyCallback   callback,
                                         gpointer              user_data);
GSocket *jmp_net_connect_literal_finish (GAsyncResult         *result,
                                         gboolean             *timed_out,
                                         GError              **error);

G_END_DECLS
