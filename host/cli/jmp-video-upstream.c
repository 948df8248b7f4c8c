/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every opening of the stream is a JmpUpstreamConn of its own: a
 * callback of a connection that was closed since finds itself stale and
 * does nothing, so stop() and start() may follow each other at any time.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "jmp-mjpeg-reader.h"
#include "jmp-video-upstream.h"

#define READ_SIZE (64 * 1024)

typedef struct {
  gint              ref_count;
  JmpVideoUpstream *upstream;      /* NULL once stopped or failed */
  GCancellable     *cancellable;
  GIOStream        *stream;
  JmpMjpegReader   *reader;
  gchar            *request;
  guint8           *buffer;
} JmpUpstreamConn;

struct _JmpVideoUpstream
{
  GObject                parent_instance;

  JmpDriverProxy        *driver;
  gchar                 *host_header;   /* once known */
  JmpUpstreamConn       *conn;          /* the current one, or NULL */
  JmpVideoUpstreamState  state;
  guint64                n_frames;
  guint64                n_opened;
};

enum {
  SIGNAL_FRAME,
  SIGNAL_FAILED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_TYPE (JmpVideoUpstream, jmp_video_upstream, G_TYPE_OBJECT)

static JmpUpstreamConn *
jmp_upstream_conn_ref (JmpUpstreamConn *conn)
{
  conn->ref_count++;
  return conn;
}

static void
jmp_upstream_conn_unref (JmpUpstreamConn *conn)
{
  if (--conn->ref_count > 0)
    return;
  g_object_unref (conn->cancellable);
  g_clear_object (&conn->stream);
  jmp_mjpeg_reader_free (conn->reader);
  g_free (conn->request);
  g_free (conn->buffer);
  g_free (conn);
}

gchar *
jmp_video_upstream_host_header (const gchar *address)
{
  g_autoptr(GUri) uri = NULL;
  const gchar *scheme, *host;
  gint port;

  if (address == NULL)
    return g_strdup ("localhost");
  uri = g_uri_parse (address, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL)
    return g_strdup ("localhost");
  scheme = g_uri_get_scheme (uri);
  host = g_uri_get_host (uri);
  if (host == NULL || *host == '\0' ||
      (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0))
    return g_strdup ("localhost");

  port = g_uri_get_port (uri);
  if (strchr (host, ':') != NULL)
    return port > 0 ? g_strdup_printf ("[%s]:%d", host, port) : g_strdup_printf ("[%s]", host);
  return port > 0 ? g_strdup_printf ("%s:%d", host, port) : g_strdup (host);
}

/* The stream is over for @conn: idle again, and say why, unless @conn
 * was stopped already. */
static void
jmp_video_upstream_conn_failed (JmpUpstreamConn *conn, const GError *error)
{
  JmpVideoUpstream *self = conn->upstream;

  if (self == NULL)
    return;
  g_cancellable_cancel (conn->cancellable);
  conn->upstream = NULL;
  self->conn = NULL;
  self->state = JMP_VIDEO_UPSTREAM_IDLE;
  g_object_ref (self);
  g_signal_emit (self, signals[SIGNAL_FAILED], 0, error);
  g_object_unref (self);
  jmp_upstream_conn_unref (conn);
}

static gboolean
jmp_video_upstream_conn_stale (JmpUpstreamConn *conn)
{
  return conn->upstream == NULL || g_cancellable_is_cancelled (conn->cancellable);
}

static void jmp_video_upstream_read (JmpUpstreamConn *conn);

static void
jmp_video_upstream_read_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  JmpUpstreamConn *conn = user_data;
  JmpVideoUpstream *self = conn->upstream;
  g_autoptr(GError) error = NULL;
  gssize n;
  GBytes *frame;

  n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);
  if (jmp_video_upstream_conn_stale (conn))
    goto out;

  if (n < 0)
    {
      g_autoptr(GError) wrapped = g_error_new (error->domain, error->code,
                                               _("reading the video stream failed: %s"),
                                               error->message);
      jmp_video_upstream_conn_failed (conn, wrapped);
      goto out;
    }
  if (n == 0)
    {
      g_autoptr(GError) ended = NULL;

      if (!jmp_mjpeg_reader_finish (conn->reader, &ended))
        jmp_video_upstream_conn_failed (conn, ended);
      else
        {
          ended = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CLOSED,
                                       _("the video source ended the stream"));
          jmp_video_upstream_conn_failed (conn, ended);
        }
      goto out;
    }

  if (!jmp_mjpeg_reader_feed (conn->reader, conn->buffer, n, &error))
    {
      jmp_video_upstream_conn_failed (conn, error);
      goto out;
    }

  g_object_ref (self);
  while ((frame = jmp_mjpeg_reader_pop_frame (conn->reader)) != NULL)
    {
      self->n_frames++;
      self->state = JMP_VIDEO_UPSTREAM_STREAMING;
      g_signal_emit (self, signals[SIGNAL_FRAME], 0, frame);
      g_bytes_unref (frame);
      /* a handler may have stopped us */
      if (jmp_video_upstream_conn_stale (conn))
        break;
    }
  g_object_unref (self);

  if (!jmp_video_upstream_conn_stale (conn))
    jmp_video_upstream_read (conn);

out:
  jmp_upstream_conn_unref (conn);
}

static void
jmp_video_upstream_read (JmpUpstreamConn *conn)
{
  g_input_stream_read_async (g_io_stream_get_input_stream (conn->stream),
                             conn->buffer, READ_SIZE, G_PRIORITY_DEFAULT,
                             conn->cancellable, jmp_video_upstream_read_cb,
                             jmp_upstream_conn_ref (conn));
}

static void
jmp_video_upstream_wrote_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  JmpUpstreamConn *conn = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    {
      if (!jmp_video_upstream_conn_stale (conn))
        {
          g_autoptr(GError) wrapped = g_error_new (error->domain, error->code,
                                                   _("sending the request to the video source failed: %s"),
                                                   error->message);
          jmp_video_upstream_conn_failed (conn, wrapped);
        }
    }
  else if (!jmp_video_upstream_conn_stale (conn))
    jmp_video_upstream_read (conn);
  jmp_upstream_conn_unref (conn);
}

static void
jmp_video_upstream_connected_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  JmpUpstreamConn *conn = user_data;
  JmpVideoUpstream *self = conn->upstream;
  g_autoptr(GError) error = NULL;
  g_autoptr(GIOStream) stream = NULL;
  JmpVideoProxy *video;
  const gchar *path;

  stream = jmp_network_proxy_connect_finish (JMP_NETWORK_PROXY (source), result, &error);
  if (jmp_video_upstream_conn_stale (conn))
    goto out;
  if (stream == NULL)
    {
      jmp_video_upstream_conn_failed (conn, error);
      goto out;
    }

  video = jmp_driver_proxy_get_video (self->driver);
  path = video != NULL ? jmp_video_proxy_get_stream_path (video) : NULL;
  if (path == NULL || *path == '\0')
    path = "/stream";
  conn->stream = g_steal_pointer (&stream);
  /* Connection: close, so that the end of the stream is the end of the
   * connection, and nothing after it is ours to read */
  conn->request = g_strdup_printf ("GET %s HTTP/1.1\r\n"
                                   "Host: %s\r\n"
                                   "User-Agent: jmp/" PACKAGE_VERSION "\r\n"
                                   "Accept: multipart/x-mixed-replace, */*\r\n"
                                   "Connection: close\r\n"
                                   "\r\n",
                                   path, self->host_header);
  g_output_stream_write_all_async (g_io_stream_get_output_stream (conn->stream),
                                   conn->request, strlen (conn->request),
                                   G_PRIORITY_DEFAULT, conn->cancellable,
                                   jmp_video_upstream_wrote_cb, jmp_upstream_conn_ref (conn));
out:
  jmp_upstream_conn_unref (conn);
}

static void
jmp_video_upstream_connect (JmpUpstreamConn *conn)
{
  JmpNetworkProxy *network = jmp_driver_proxy_get_network (conn->upstream->driver);

  jmp_network_proxy_connect (network, conn->cancellable,
                             jmp_video_upstream_connected_cb, jmp_upstream_conn_ref (conn));
}

static void
jmp_video_upstream_address_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  JmpUpstreamConn *conn = user_data;
  JmpVideoUpstream *self = conn->upstream;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *address = NULL;

  address = jmp_network_proxy_get_address_finish (JMP_NETWORK_PROXY (source), result, &error);
  if (!jmp_video_upstream_conn_stale (conn))
    {
      /* no address (a Unix socket, an address turned off): any Host will do */
      if (address == NULL)
        g_debug ("no address for the Host header: %s", error->message);
      if (self->host_header == NULL)
        self->host_header = jmp_video_upstream_host_header (address);
      jmp_video_upstream_connect (conn);
    }
  jmp_upstream_conn_unref (conn);
}

void
jmp_video_upstream_start (JmpVideoUpstream *self)
{
  JmpUpstreamConn *conn;
  JmpNetworkProxy *network;

  g_return_if_fail (JMP_IS_VIDEO_UPSTREAM (self));

  if (self->conn != NULL)
    return;

  conn = g_new0 (JmpUpstreamConn, 1);
  conn->ref_count = 1;
  conn->upstream = self;
  conn->cancellable = g_cancellable_new ();
  conn->reader = jmp_mjpeg_reader_new (JMP_MJPEG_READER_DEFAULT_MAX_FRAME);
  conn->buffer = g_malloc (READ_SIZE);
  self->conn = conn;   /* holds the first reference */
  self->state = JMP_VIDEO_UPSTREAM_CONNECTING;
  self->n_opened++;

  network = jmp_driver_proxy_get_network (self->driver);
  if (network == NULL)
    {
      g_autoptr(GError) error = g_error_new (JMP_ERROR, JMP_ERROR_NOT_SUPPORTED,
                                             _("driver \"%s\" has no stream to its video source"),
                                             jmp_driver_proxy_get_path (self->driver));
      jmp_video_upstream_conn_failed (conn, error);
      return;
    }
  if (self->host_header != NULL)
    jmp_video_upstream_connect (conn);
  else
    jmp_network_proxy_get_address (network, conn->cancellable,
                                   jmp_video_upstream_address_cb, jmp_upstream_conn_ref (conn));
}

void
jmp_video_upstream_stop (JmpVideoUpstream *self)
{
  JmpUpstreamConn *conn;

  g_return_if_fail (JMP_IS_VIDEO_UPSTREAM (self));

  conn = g_steal_pointer (&self->conn);
  self->state = JMP_VIDEO_UPSTREAM_IDLE;
  if (conn == NULL)
    return;
  conn->upstream = NULL;
  g_cancellable_cancel (conn->cancellable);
  /* the socket closes now, not when the last pending callback has run */
  if (conn->stream != NULL)
    g_io_stream_close (conn->stream, NULL, NULL);
  jmp_upstream_conn_unref (conn);
}

JmpVideoUpstreamState
jmp_video_upstream_get_state (JmpVideoUpstream *self)
{
  return self->state;
}

guint64
jmp_video_upstream_get_n_frames (JmpVideoUpstream *self)
{
  return self->n_frames;
}

guint64
jmp_video_upstream_get_n_opened (JmpVideoUpstream *self)
{
  return self->n_opened;
}

static void
jmp_video_upstream_dispose (GObject *object)
{
  JmpVideoUpstream *self = JMP_VIDEO_UPSTREAM (object);

  jmp_video_upstream_stop (self);
  g_clear_object (&self->driver);
  G_OBJECT_CLASS (jmp_video_upstream_parent_class)->dispose (object);
}

static void
jmp_video_upstream_finalize (GObject *object)
{
  JmpVideoUpstream *self = JMP_VIDEO_UPSTREAM (object);

  g_free (self->host_header);
  G_OBJECT_CLASS (jmp_video_upstream_parent_class)->finalize (object);
}

static void
jmp_video_upstream_class_init (JmpVideoUpstreamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = jmp_video_upstream_dispose;
  object_class->finalize = jmp_video_upstream_finalize;

  signals[SIGNAL_FRAME] = g_signal_new ("frame", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_BYTES);
  signals[SIGNAL_FAILED] = g_signal_new ("failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
jmp_video_upstream_init (JmpVideoUpstream *self)
{
}

JmpVideoUpstream *
jmp_video_upstream_new (JmpDriverProxy *driver)
{
  JmpVideoUpstream *self = g_object_new (JMP_TYPE_VIDEO_UPSTREAM, NULL);

  self->driver = g_object_ref (driver);
  return self;
}
