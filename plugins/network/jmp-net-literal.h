/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* One non-blocking connect() to an address literal, bounded by @seconds;
 * finish() says whether the bound passed, for the caller to word it with
 * its target. */
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
