/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* No frame or state document of a lab camera comes near this; a source
 * that sends more is broken or hostile, and must not fill the host's memory. */
#define JMP_VIDEO_MAX_BODY_SIZE (64 * 1024 * 1024)

void     jmp_video_read_all_async  (GInputStream         *stream,
                                    gsize                 size_hint,
                                    GCancellable         *cancellable,
                                    GAsyncReadyCallback   callback,
                                    gpointer              user_data);
GBytes  *jmp_video_read_all_finish (GAsyncResult         *result,
                                    GError              **error);

void     jmp_video_http_get_async  (SoupSession          *session,
                                    SoupMessage          *message,
                                    GCancellable         *cancellable,
                                    GAsyncReadyCallback   callback,
                                    gpointer              user_data);
GBytes  *jmp_video_http_get_finish (GAsyncResult         *result,
                                    GError              **error);

GSocket *jmp_video_socket_dup      (GSocket              *socket,
                                    GError              **error);

G_END_DECLS
