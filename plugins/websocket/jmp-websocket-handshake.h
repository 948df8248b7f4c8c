/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* The opening handshake through libsoup (HTTP/1.1, TLS, the Sec-WebSocket-*
 * checks), ending with the upgraded connection as a plain GIOStream that
 * no one else reads. */
void       jmp_ws_handshake_async  (SoupSession          *session,
                                    const gchar          *url,
                                    GHashTable           *headers,
                                    const gchar          *origin,
                                    const gchar * const  *subprotocols,
                                    gdouble               timeout,
                                    GCancellable         *cancellable,
                                    GAsyncReadyCallback   callback,
                                    gpointer              user_data);
GIOStream *jmp_ws_handshake_finish (GAsyncResult         *result,
                                    GError              **error);

G_END_DECLS
