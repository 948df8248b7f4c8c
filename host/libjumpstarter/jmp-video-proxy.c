/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "jmp-video-proxy.h"
#include "jmp-client-private.h"
#include "jmp-error.h"

/**
 * JmpVideoProxy:
 *
 * The `dev.jumpstarter.Video1` side of a driver: UStreamer, HttpVideo.
 *
 * jmp_video_proxy_snapshot() returns one JPEG frame as the source served
 * it, never decoded or re-encoded; jmp_video_proxy_get_state() what the
 * source knows of itself. The MJPEG stream is an HTTP GET of
 * jmp_video_proxy_get_stream_path() on a stream of the driver's
 * #JmpNetworkProxy (jmp_driver_proxy_get_network()).
 */

struct _JmpVideoProxy
{
  GObject        parent_instance;

  JmpDBusVideo1 *proxy;
};

G_DEFINE_FINAL_TYPE (JmpVideoProxy, jmp_video_proxy, G_TYPE_OBJECT)

static void
jmp_video_proxy_dispose (GObject *object)
{
  JmpVideoProxy *self = JMP_VIDEO_PROXY (object);

  g_clear_object (&self->proxy);
  G_OBJECT_CLASS (jmp_video_proxy_parent_class)->dispose (object);
}

static void
jmp_video_proxy_class_init (JmpVideoProxyClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = jmp_video_proxy_dispose;
  (void) jmp_error_quark ();
}

static void
jmp_video_proxy_init (JmpVideoProxy *self)
{
}

JmpVideoProxy *
jmp_video_proxy_new_for_proxy (JmpDBusVideo1 *proxy)
{
  JmpVideoProxy *self = g_object_new (JMP_TYPE_VIDEO_PROXY, NULL);

  self->proxy = g_object_ref (proxy);
  return self;
}

static void
on_state_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  GVariant *state = NULL;
  GError *error = NULL;

  if (!jmp_dbus_video1_call_state_finish (JMP_DBUS_VIDEO1 (source), &state, result, &error))
    {
      jmp_client_error_from_dbus (&error);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, state, (GDestroyNotify) g_variant_unref);
}

/**
 * jmp_video_proxy_get_state:
 * @self: a #JmpVideoProxy
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the state
 * @user_data: data for @callback
 *
 * Reads the state of the video source. Finish with
 * jmp_video_proxy_get_state_finish().
 */
void
jmp_video_proxy_get_state (JmpVideoProxy       *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (JMP_IS_VIDEO_PROXY (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, jmp_video_proxy_get_state);
  jmp_dbus_video1_call_state (self->proxy, cancellable, on_state_reply, g_steal_pointer (&task));
}

/**
 * jmp_video_proxy_get_state_finish:
 * @self: a #JmpVideoProxy
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes jmp_video_proxy_get_state().
 *
 * Returns: (transfer full): an `a{sv}` dictionary: `online` (b) always;
 *   `width`, `height`, `desired_fps`, `captured_fps`, `quality`, `clients`,
 *   `restarts` (u) and `encoder` (s) where the source knows them. %NULL with
 *   @error set (%JMP_ERROR_UNAVAILABLE while the source is down)
 */
GVariant *
jmp_video_proxy_get_state_finish (JmpVideoProxy  *self,
                                  GAsyncResult   *result,
                                  GError        **error)
{
  g_return_val_if_fail (JMP_IS_VIDEO_PROXY (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * jmp_video_proxy_get_state_sync:
 * @self: a #JmpVideoProxy
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Reads the state of the video source, blocking the calling thread.
 *
 * Returns: (transfer full): an `a{sv}` dictionary, or %NULL with @error set
 */
GVariant *
jmp_video_proxy_get_state_sync (JmpVideoProxy  *self,
                                GCancellable   *cancellable,
                                GError        **error)
{
  GVariant *state = NULL;

  g_return_val_if_fail (JMP_IS_VIDEO_PROXY (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!jmp_dbus_video1_call_state_sync (self->proxy, &state, cancellable, error))
    {
      jmp_client_error_from_dbus (error);
      return NULL;
    }
  return state;
}

static void
on_snapshot_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GVariant) jpeg = NULL;
  GError *error = NULL;

  if (!jmp_dbus_video1_call_snapshot_finish (JMP_DBUS_VIDEO1 (source), &jpeg, result, &error))
    {
      jmp_client_error_from_dbus (&error);
      g_task_return_error (task, error);
      return;
    }
  /* the message's own buffer, not a copy */
  g_task_return_pointer (task, g_variant_get_data_as_bytes (jpeg), (GDestroyNotify) g_bytes_unref);
}

/**
 * jmp_video_proxy_snapshot:
 * @self: a #JmpVideoProxy
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the frame
 * @user_data: data for @callback
 *
 * Takes one frame. Finish with jmp_video_proxy_snapshot_finish().
 */
void
jmp_video_proxy_snapshot (JmpVideoProxy       *self,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (JMP_IS_VIDEO_PROXY (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, jmp_video_proxy_snapshot);
  jmp_dbus_video1_call_snapshot (self->proxy, cancellable, on_snapshot_reply,
                                 g_steal_pointer (&task));
}

/**
 * jmp_video_proxy_snapshot_finish:
 * @self: a #JmpVideoProxy
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes jmp_video_proxy_snapshot().
 *
 * Returns: (transfer full): the JPEG bytes exactly as the source served
 *   them, or %NULL with @error set
 */
GBytes *
jmp_video_proxy_snapshot_finish (JmpVideoProxy  *self,
                                 GAsyncResult   *result,
                                 GError        **error)
{
  g_return_val_if_fail (JMP_IS_VIDEO_PROXY (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * jmp_video_proxy_snapshot_sync:
 * @self: a #JmpVideoProxy
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Takes one frame, blocking the calling thread.
 *
 * Returns: (transfer full): the JPEG bytes, or %NULL with @error set
 */
GBytes *
jmp_video_proxy_snapshot_sync (JmpVideoProxy  *self,
                               GCancellable   *cancellable,
                               GError        **error)
{
  g_autoptr(GVariant) jpeg = NULL;

  g_return_val_if_fail (JMP_IS_VIDEO_PROXY (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!jmp_dbus_video1_call_snapshot_sync (self->proxy, &jpeg, cancellable, error))
    {
      jmp_client_error_from_dbus (error);
      return NULL;
    }
  return g_variant_get_data_as_bytes (jpeg);
}

/**
 * jmp_video_proxy_get_stream_path:
 * @self: a #JmpVideoProxy
 *
 * Gets where the driver's streams serve the MJPEG stream, its
 * `Video1.StreamPath` property.
 *
 * Returns: the HTTP path and query that serves the MJPEG stream on a
 *   stream of the driver, e.g. "/stream"
 */
const gchar *
jmp_video_proxy_get_stream_path (JmpVideoProxy *self)
{
  const gchar *path;

  g_return_val_if_fail (JMP_IS_VIDEO_PROXY (self), NULL);
  path = jmp_dbus_video1_get_stream_path (self->proxy);
  return path != NULL && *path != '\0' ? path : "/";
}
