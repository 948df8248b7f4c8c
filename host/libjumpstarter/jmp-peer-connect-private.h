/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

GDBusConnection *jmp_peer_connect_sync   (const gchar          *address,
                                          GCancellable         *cancellable,
                                          GError              **error);
void             jmp_peer_connect_async  (const gchar          *address,
                                          GCancellable         *cancellable,
                                          GAsyncReadyCallback   callback,
                                          gpointer              user_data);
GDBusConnection *jmp_peer_connect_finish (GAsyncResult         *result,
                                          GError              **error);

G_END_DECLS
