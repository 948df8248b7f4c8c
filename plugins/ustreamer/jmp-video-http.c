/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <jumpstarter/jumpstarter.h>
#include <glib/gi18n-lib.h>

#include "jmp-http-response.h"
#include "jmp-video-http.h"

/*
 * HTTP bodies read whole, with a bound on their size, straight into the
 * buffer that becomes the result: a snapshot is copied once, from the
 * socket into the GBytes the host sends.
 */

#define JMP_VIDEO_READ_CHUNK (64 * 1024)
/* the read after a body of the announced size, which should see its end */
#define JMP_VIDEO_EOF_ROOM   4096

typedef struct {
  GInputStream *stream;
  GByteArray   *buffer;
  gsize         size_hint;
  gsize         room;  /* the spare room at the end of the array being read into */
} JmpVideoRead;

static void
jmp_video_read_free (JmpVideoRead *read)
{
  g_object_unref (read->stream);
  g_byte_array_unref (read->buffer);
  g_free (read);
}

static void jmp_video_read_next (GTask *task);

static void
jmp_video_read_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  JmpVideoRead *read = g_task_get_task_data (task);
  GError *error = NULL;
  gssize n;

  n = g_input_stream_read_finish (G_INPUT_STREAM (source), res, &error);
  if (n < 0)
    {
      g_task_return_error (task, error);
      return;
    }
  g_byte_array_set_size (read->buffer, read->buffer->len - read->room + n);
  if (n == 0)
    {
      g_task_return_pointer (task, g_byte_array_free_to_bytes (g_byte_array_ref (read->buffer)),
                             (GDestroyNotify) g_bytes_unref);
      return;
    }
  jmp_video_read_next (g_steal_pointer (&task));
}

/* With a size hint, the first read asks for the whole body, which comes
 * in as few rounds of the main loop as the source sends it in; then a
 * small read sees the end. Without one, or past it, 64 KiB at a time. */
static void
jmp_video_read_next (GTask *task)
{
  JmpVideoRead *read = g_task_get_task_data (task);
  guint len = read->buffer->len;

  if (len >= JMP_VIDEO_MAX_BODY_SIZE)
    {
      g_task_return_new_error (task, JMP_ERROR, JMP_ERROR_FAILED,
                               _("the source sent more than %u MiB"),
                               (guint) (JMP_VIDEO_MAX_BODY_SIZE / (1024 * 1024)));
      g_object_unref (task);
      return;
    }
  if (read->size_hint > len)
    read->room = read->size_hint - len;
  else if (read->size_hint > 0 && read->size_hint == len)
    read->room = JMP_VIDEO_EOF_ROOM;
  else
    read->room = JMP_VIDEO_READ_CHUNK;
  g_byte_array_set_size (read->buffer, len + read->room);
  g_input_stream_read_async (read->stream, read->buffer->data + len, read->room,
                             G_PRIORITY_DEFAULT, g_task_get_cancellable (task),
                             jmp_video_read_cb, task);
}

/**
 * jmp_video_read_all_async:
 * @stream: a stream to read to its end
 * @size_hint: the expected size (a Content-Length), 0 if unknown; sizes
 *   the buffer and the first read, a body may still be shorter or longer
 *
 * Reads @stream to its end, failing past %JMP_VIDEO_MAX_BODY_SIZE.
 */
void
jmp_video_read_all_async (GInputStream        *stream,
                          gsize                size_hint,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  GTask *task = g_task_new (stream, cancellable, callback, user_data);
  JmpVideoRead *read = g_new0 (JmpVideoRead, 1);

  g_task_set_source_tag (task, jmp_video_read_all_async);
  read->stream = g_object_ref (stream);
  read->size_hint = MIN (size_hint, JMP_VIDEO_MAX_BODY_SIZE);
  /* room for the whole body and the read that sees its end */
  read->buffer = g_byte_array_sized_new (read->size_hint > 0 ?
                                         read->size_hint + JMP_VIDEO_EOF_ROOM :
                                         JMP_VIDEO_READ_CHUNK);
  g_task_set_task_data (task, read, (GDestroyNotify) jmp_video_read_free);
  jmp_video_read_next (task);
}

GBytes *
jmp_video_read_all_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
jmp_video_http_read_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  GBytes *body = jmp_video_read_all_finish (res, &error);

  /* the body is whole: closing gives the connection back to the pool */
  g_input_stream_close (G_INPUT_STREAM (source), NULL, NULL);
  if (body == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, body, (GDestroyNotify) g_bytes_unref);
}

static void
jmp_video_http_sent_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  SoupMessage *message = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  g_autoptr(GInputStream) stream = NULL;
  GError *error = NULL;
  guint status;
  goffset length;

  stream = soup_session_send_finish (SOUP_SESSION (source), res, &error);
  if (stream == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  status = soup_message_get_status (message);
  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      g_task_return_error (task, jmp_http_response_error_new (status,
                                                              soup_message_get_reason_phrase (message)));
      return;
    }
  length = soup_message_headers_get_content_length (soup_message_get_response_headers (message));
  /* the cancellable is held by the task, which lives on in the read */
  jmp_video_read_all_async (stream, length > 0 ? (gsize) length : 0,
                            cancellable, jmp_video_http_read_cb,
                            g_steal_pointer (&task));
}

/**
 * jmp_video_http_get_async:
 * @session: the session to send @message with
 * @message: a GET
 *
 * Sends @message and reads its whole body; a status other than 2xx is an
 * error.
 */
void
jmp_video_http_get_async (SoupSession         *session,
                          SoupMessage         *message,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  GTask *task = g_task_new (session, cancellable, callback, user_data);

  g_task_set_source_tag (task, jmp_video_http_get_async);
  g_task_set_task_data (task, g_object_ref (message), g_object_unref);
  soup_session_send_async (session, message, G_PRIORITY_DEFAULT, cancellable,
                           jmp_video_http_sent_cb, task);
}

GBytes *
jmp_video_http_get_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * jmp_video_socket_dup:
 * @socket: a connected socket owned by a #GSocketConnection
 *
 * A #GSocketConnection closes its socket when it goes, so the socket the
 * host hands out gets a descriptor of its own.
 *
 * Returns: (transfer full): a new #GSocket on a dup of @socket's fd
 */
GSocket *
jmp_video_socket_dup (GSocket *socket, GError **error)
{
  GSocket *ours;
  gint fd;

  fd = fcntl (g_socket_get_fd (socket), F_DUPFD_CLOEXEC, 3);
  if (fd < 0)
    {
      int errsv = errno;
      g_set_error (error, JMP_ERROR, JMP_ERROR_UNAVAILABLE,
                   _("cannot duplicate a socket: %s"), g_strerror (errsv));
      return NULL;
    }
  ours = g_socket_new_from_fd (fd, error);
  if (ours == NULL)
    close (fd);
  return ours;
}
