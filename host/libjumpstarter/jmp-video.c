/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "jmp-video.h"

/**
 * JmpVideo:
 *
 * Capability of drivers that serve video.
 *
 * The host exports a driver implementing #JmpVideo with
 * `dev.jumpstarter.Video1`: `State()` returns the dictionary of
 * @get_state_finish, `Snapshot()` the bytes of @snapshot_finish, and the
 * `StreamPath` property is @get_stream_path.
 */

G_DEFINE_INTERFACE (JmpVideo, jmp_video, G_TYPE_OBJECT)

static void
jmp_video_default_init (JmpVideoInterface *iface)
{
}

/**
 * jmp_video_get_state_async:
 * @self: a #JmpVideo
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the state
 * @user_data: data for @callback
 *
 * Reads the state of the video source.
 */
void
jmp_video_get_state_async (JmpVideo            *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (JMP_IS_VIDEO (self));
  JMP_VIDEO_GET_IFACE (self)->get_state_async (self, cancellable, callback, user_data);
}

/**
 * jmp_video_get_state_finish:
 * @self: a #JmpVideo
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes jmp_video_get_state_async().
 *
 * Returns: (transfer full): an `a{sv}` dictionary, or %NULL with @error set
 */
GVariant *
jmp_video_get_state_finish (JmpVideo      *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (JMP_IS_VIDEO (self), NULL);
  return JMP_VIDEO_GET_IFACE (self)->get_state_finish (self, result, error);
}

/**
 * jmp_video_snapshot_async:
 * @self: a #JmpVideo
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the frame
 * @user_data: data for @callback
 *
 * Takes one frame of the video source.
 */
void
jmp_video_snapshot_async (JmpVideo            *self,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_return_if_fail (JMP_IS_VIDEO (self));
  JMP_VIDEO_GET_IFACE (self)->snapshot_async (self, cancellable, callback, user_data);
}

/**
 * jmp_video_snapshot_finish:
 * @self: a #JmpVideo
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes jmp_video_snapshot_async().
 *
 * Returns: (transfer full): the JPEG bytes, or %NULL with @error set
 */
GBytes *
jmp_video_snapshot_finish (JmpVideo      *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (JMP_IS_VIDEO (self), NULL);
  return JMP_VIDEO_GET_IFACE (self)->snapshot_finish (self, result, error);
}

/**
 * jmp_video_get_stream_path:
 * @self: a #JmpVideo
 *
 * Gets the HTTP path and query of the driver's MJPEG stream.
 *
 * Returns: the HTTP path and query of the MJPEG stream, e.g. "/stream"
 */
const gchar *
jmp_video_get_stream_path (JmpVideo *self)
{
  JmpVideoInterface *iface;

  g_return_val_if_fail (JMP_IS_VIDEO (self), NULL);
  iface = JMP_VIDEO_GET_IFACE (self);
  return iface->get_stream_path != NULL ? iface->get_stream_path (self) : "/stream";
}
