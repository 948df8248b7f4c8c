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

#define JMP_TYPE_VIDEO_PROXY (jmp_video_proxy_get_type ())
G_DECLARE_FINAL_TYPE (JmpVideoProxy, jmp_video_proxy, JMP, VIDEO_PROXY, GObject)

/* The dev.jumpstarter.Video1 side of a driver, as a client sees it. */
void         jmp_video_proxy_get_state          (JmpVideoProxy       *self,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
GVariant    *jmp_video_proxy_get_state_finish   (JmpVideoProxy       *self,
                                                 GAsyncResult        *result,
                                                 GError             **error);
GVariant    *jmp_video_proxy_get_state_sync     (JmpVideoProxy       *self,
                                                 GCancellable        *cancellable,
                                                 GError             **error);
void         jmp_video_proxy_snapshot           (JmpVideoProxy       *self,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
GBytes      *jmp_video_proxy_snapshot_finish    (JmpVideoProxy       *self,
                                                 GAsyncResult        *result,
                                                 GError             **error);
GBytes      *jmp_video_proxy_snapshot_sync      (JmpVideoProxy       *self,
                                                 GCancellable        *cancellable,
                                                 GError             **error);
const gchar *jmp_video_proxy_get_stream_path    (JmpVideoProxy       *self);

G_END_DECLS
