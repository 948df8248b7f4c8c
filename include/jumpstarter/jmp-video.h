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

#define JMP_TYPE_VIDEO (jmp_video_get_type ())
G_DECLARE_INTERFACE (JmpVideo, jmp_video, JMP, VIDEO, GObject)

/**
 * JmpVideoInterface:
 * @get_state_async: read the source's state
 * @get_state_finish: finish @get_state_async; an `a{sv}` dictionary with at
 *   least `online` (b)
 * @snapshot_async: take one frame
 * @snapshot_finish: finish @snapshot_async; the JPEG bytes as the source
 *   served them
 * @get_stream_path: the HTTP path and query of the MJPEG stream on a
 *   #JmpNetwork stream of the driver, e.g. "/stream"
 *
 * A driver that serves video. It also implements #JmpNetwork, whose
 * streams reach the source's HTTP server, where @get_stream_path serves
 * multipart/x-mixed-replace MJPEG.
 */
struct _JmpVideoInterface
{
  GTypeInterface g_iface;

  void         (*get_state_async)  (JmpVideo            *self,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data);
  GVariant    *(*get_state_finish) (JmpVideo            *self,
                                    GAsyncResult        *result,
                                    GError             **error);
  void         (*snapshot_async)   (JmpVideo            *self,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data);
  GBytes      *(*snapshot_finish)  (JmpVideo            *self,
                                    GAsyncResult        *result,
                                    GError             **error);
  const gchar *(*get_stream_path)  (JmpVideo            *self);

  /*< private >*/
  gpointer padding[8];
};

void         jmp_video_get_state_async  (JmpVideo            *self,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
GVariant    *jmp_video_get_state_finish (JmpVideo            *self,
                                         GAsyncResult        *result,
                                         GError             **error);
void         jmp_video_snapshot_async   (JmpVideo            *self,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
GBytes      *jmp_video_snapshot_finish  (JmpVideo            *self,
                                         GAsyncResult        *result,
                                         GError             **error);
const gchar *jmp_video_get_stream_path  (JmpVideo            *self);

G_END_DECLS
