/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

void             jmp_peer_auth_async  (GSocketConnection   *stream,
                                       const gchar         *guid,
                                       GDBusAuthObserver   *observer,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data);
GDBusConnection *jmp_peer_auth_finish (GAsyncResult        *result,
                                       GError             **error);

G_END_DECLS
