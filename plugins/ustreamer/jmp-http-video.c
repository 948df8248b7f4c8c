/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <libsoup/soup.h>
#include <glib/gi18n-lib.h>

#include "jmp-http-video.h"
#include "jmp-jpeg-info.h"
#include "jmp-mjpeg-reader.h"
#include "jmp-video-http.h"

/*
 * HttpVideo: an MJPEG source on HTTP (an IP camera, a capture box, a
 * ustreamer elsewhere). Snapshot() is a GET of snapshot_url, or the first
 * part of the MJPEG stream at url; State() fetches a frame and reads its
 * size from the JPEG header, and knows nothing more. Connect() is a TCP
 * stream to the URL's host and port, where the stream path serves MJPEG.
 *
 * An https URL works for Snapshot() and State() (libsoup speaks TLS), but
 * Connect() refuses it: the caller gets a raw socket and would have to
 * speak TLS itself, with a certificate issued for a name it never sees.
 *
 * The stream's parts are cut by jmp's MJPEG reader, not by libsoup's
 * SoupMultipartInputStream: libsoup 3.2.3 leaks the headers of the last
 * part read with every such stream, one per snapshot, for as long as the
 * host runs.
 */

struct _JmpHttpVideo
{
  JmpDriver    parent_instance;

  gchar       *url;
  gchar       *snapshot_url;

  GUri        *uri;          /* url, parsed at start */
  gchar       *stream_path;
  SoupSession *session;
};

static void jmp_http_video_video_iface_init (JmpVideoInterface *iface);
static void jmp_http_video_network_iface_init (JmpNetworkInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (JmpHttpVideo, jmp_http_video, JMP_TYPE_DRIVER,
                               G_IMPLEMENT_INTERFACE (JMP_TYPE_VIDEO,
                                                      jmp_http_video_video_iface_init)
                               G_IMPLEMENT_INTERFACE (JMP_TYPE_NETWORK,
                                                      jmp_http_video_network_iface_init))

enum {
  PROP_0,
  PROP_URL,
  PROP_SNAPSHOT_URL,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

#define CONNECT_TIMEOUT_S 10
#define IO_TIMEOUT_S      10

static gboolean
jmp_http_video_check_started (JmpHttpVideo *self, GError **error)
{
  if (self->session != NULL)
    return TRUE;
  g_set_error (error, JMP_ERROR, JMP_ERROR_UNAVAILABLE, _("driver %s is stopped"),
               jmp_driver_get_name (JMP_DRIVER (self)));
  return FALSE;
}

/* "cam: GET http://…: cause", with GIO's codes mapped onto ours. */
static GError *
jmp_http_video_request_error (JmpHttpVideo *self, const gchar *url, GError *error)
{
  g_autoptr(GError) cause = error;
  GError *wrapped;

  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_steal_pointer (&cause);
  jmp_error_convert (&cause);
  wrapped = g_error_new (JMP_ERROR, cause->code, "%s: GET %s: %s",
                         jmp_driver_get_name (JMP_DRIVER (self)), url, cause->message);
  return wrapped;
}

/* ------------------------------------------------------------------------ */
/* One frame: snapshot_url, or the first part of the MJPEG stream */

/* what one read of the stream asks for */
#define STREAM_READ_SIZE (64 * 1024)

typedef struct {
  SoupMessage    *message;
  GInputStream   *body;
  JmpMjpegReader *reader;     /* the parts of a multipart body */
  guint8         *buffer;     /* STREAM_READ_SIZE, for the reader */
  gsize           n_read;     /* bytes of the multipart body read */
} JmpHttpVideoFrame;

static void
jmp_http_video_frame_free (JmpHttpVideoFrame *frame)
{
  /* An MJPEG response never ends, and closing it as it is would read it to
   * its end to keep the connection: close with a cancelled cancellable, so
   * the connection is dropped instead. */
  if (frame->body != NULL && !g_input_stream_is_closed (frame->body))
    {
      g_autoptr(GCancellable) cancelled = g_cancellable_new ();

      g_cancellable_cancel (cancelled);
      g_input_stream_close (frame->body, cancelled, NULL);
    }
  g_clear_object (&frame->body);
  g_clear_object (&frame->message);
  g_clear_pointer (&frame->reader, jmp_mjpeg_reader_free);
  g_free (frame->buffer);
  g_free (frame);
}

static const gchar *
jmp_http_video_frame_url (GTask *task)
{
  JmpHttpVideo *self = g_task_get_source_object (task);

  return self->snapshot_url != NULL ? self->snapshot_url : self->url;
}

static void
jmp_http_video_image_read_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  JmpHttpVideo *self = g_task_get_source_object (task);
  GError *error = NULL;
  GBytes *jpeg = jmp_video_read_all_finish (res, &error);

  if (jpeg == NULL)
    g_task_return_error (task, jmp_http_video_request_error (self, jmp_http_video_frame_url (task),
                                                             error));
  else
    g_task_return_pointer (task, jpeg, (GDestroyNotify) g_bytes_unref);
}

/* The reader's verdict on what the source sent: the source is broken
 * (Failed), the caller's arguments are not at fault. */
static GError *
jmp_http_video_stream_error (JmpHttpVideo *self, GError *error)
{
  g_autoptr(GError) cause = error;

  return jmp_http_video_request_error (self, self->url,
                                       g_error_new_literal (JMP_ERROR, JMP_ERROR_FAILED,
                                                            cause->message));
}

static void jmp_http_video_stream_read (GTask *task);

static void
jmp_http_video_stream_read_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  JmpHttpVideo *self = g_task_get_source_object (task);
  JmpHttpVideoFrame *frame = g_task_get_task_data (task);
  GError *error = NULL;
  GBytes *jpeg;
  gssize n;

  n = g_input_stream_read_finish (G_INPUT_STREAM (source), res, &error);
  if (n < 0)
    {
      g_task_return_error (task, jmp_http_video_request_error (self, self->url, error));
      return;
    }
  if (n == 0)
    {
      g_autoptr(GError) reason = NULL;

      if (!jmp_mjpeg_reader_finish (frame->reader, &reason))
        g_debug ("%s: %s", jmp_driver_get_name (JMP_DRIVER (self)), reason->message);
      error = g_error_new (JMP_ERROR, JMP_ERROR_UNAVAILABLE,
                           _("the stream ended before its first frame"));
      g_task_return_error (task, jmp_http_video_request_error (self, self->url, error));
      return;
    }
  if (!jmp_mjpeg_reader_feed (frame->reader, frame->buffer, n, &error))
    {
      g_task_return_error (task, jmp_http_video_stream_error (self, error));
      return;
    }
  /* the first whole JPEG; the reader drops parts that are not */
  jpeg = jmp_mjpeg_reader_pop_frame (frame->reader);
  if (jpeg != NULL)
    {
      g_task_return_pointer (task, jpeg, (GDestroyNotify) g_bytes_unref);
      return;
    }
  /* a frame is bounded by the reader, what comes before it here */
  frame->n_read += n;
  if (frame->n_read >= JMP_VIDEO_MAX_BODY_SIZE)
    {
      error = g_error_new (JMP_ERROR, JMP_ERROR_FAILED, _("the source sent more than %u MiB"),
                           (guint) (JMP_VIDEO_MAX_BODY_SIZE / (1024 * 1024)));
      g_task_return_error (task, jmp_http_video_request_error (self, self->url, error));
      return;
    }
  jmp_http_video_stream_read (g_steal_pointer (&task));
}

static void
jmp_http_video_stream_read (GTask *task)
{
  JmpHttpVideoFrame *frame = g_task_get_task_data (task);

  g_input_stream_read_async (frame->body, frame->buffer, STREAM_READ_SIZE, G_PRIORITY_DEFAULT,
                             g_task_get_cancellable (task), jmp_http_video_stream_read_cb, task);
}

static void
jmp_http_video_stream_sent_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  JmpHttpVideo *self = g_task_get_source_object (task);
  JmpHttpVideoFrame *frame = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  SoupMessageHeaders *headers;
  const gchar *content_type;
  GError *error = NULL;
  guint status;

  frame->body = soup_session_send_finish (SOUP_SESSION (source), res, &error);
  if (frame->body == NULL)
    {
      g_task_return_error (task, jmp_http_video_request_error (self, self->url, error));
      return;
    }
  status = soup_message_get_status (frame->message);
  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      error = g_error_new (JMP_ERROR, status >= 500 ? JMP_ERROR_UNAVAILABLE : JMP_ERROR_FAILED,
                           _("HTTP %u"), status);
      g_task_return_error (task, jmp_http_video_request_error (self, self->url, error));
      return;
    }

  headers = soup_message_get_response_headers (frame->message);
  content_type = soup_message_headers_get_content_type (headers, NULL);
  if (content_type != NULL && g_ascii_strncasecmp (content_type, "multipart/", 10) == 0)
    {
      /* the header as sent: the reader takes the boundary from it */
      frame->reader = jmp_mjpeg_reader_new_for_body (soup_message_headers_get_one (headers,
                                                                                    "Content-Type"),
                                                     JMP_VIDEO_MAX_BODY_SIZE, &error);
      if (frame->reader == NULL)
        {
          g_task_return_error (task, jmp_http_video_stream_error (self, error));
          return;
        }
      frame->buffer = g_malloc (STREAM_READ_SIZE);
      jmp_http_video_stream_read (g_steal_pointer (&task));
      return;
    }
  if (content_type != NULL && g_ascii_strncasecmp (content_type, "image/", 6) == 0)
    {
      /* a URL that serves single images is a source too */
      goffset length = soup_message_headers_get_content_length (headers);

      jmp_video_read_all_async (frame->body, length > 0 ? (gsize) length : 0,
                                cancellable, jmp_http_video_image_read_cb,
                                g_steal_pointer (&task));
      return;
    }
  error = g_error_new (JMP_ERROR, JMP_ERROR_FAILED,
                       _("expected a multipart MJPEG stream or an image, got Content-Type %s"),
                       content_type != NULL && g_utf8_validate (content_type, -1, NULL) ?
                       content_type : _("(none)"));
  g_task_return_error (task, jmp_http_video_request_error (self, self->url, error));
}

static void
jmp_http_video_snapshot_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  JmpHttpVideo *self = g_task_get_source_object (task);
  GError *error = NULL;
  GBytes *jpeg = jmp_video_http_get_finish (res, &error);

  if (jpeg == NULL)
    g_task_return_error (task, jmp_http_video_request_error (self, self->snapshot_url, error));
  else
    g_task_return_pointer (task, jpeg, (GDestroyNotify) g_bytes_unref);
}

static void
jmp_http_video_fetch_frame (JmpHttpVideo *self, GTask *task)
{
  JmpHttpVideoFrame *frame = g_new0 (JmpHttpVideoFrame, 1);
  GError *error = NULL;

  g_task_set_task_data (task, frame, (GDestroyNotify) jmp_http_video_frame_free);
  if (!jmp_http_video_check_started (self, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  if (self->snapshot_url != NULL)
    {
      frame->message = soup_message_new (SOUP_METHOD_GET, self->snapshot_url);
      jmp_video_http_get_async (self->session, frame->message, g_task_get_cancellable (task),
                                jmp_http_video_snapshot_cb, task);
      return;
    }
  frame->message = soup_message_new (SOUP_METHOD_GET, self->url);
  soup_session_send_async (self->session, frame->message, G_PRIORITY_DEFAULT,
                           g_task_get_cancellable (task), jmp_http_video_stream_sent_cb, task);
}

static void
jmp_http_video_snapshot_async (JmpVideo            *video,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  GTask *task = g_task_new (video, cancellable, callback, user_data);

  g_task_set_source_tag (task, jmp_http_video_snapshot_async);
  jmp_http_video_fetch_frame (JMP_HTTP_VIDEO (video), task);
}

static GBytes *
jmp_http_video_snapshot_finish (JmpVideo *video, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, video), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ------------------------------------------------------------------------ */
/* State: what one frame tells */

static void
jmp_http_video_state_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  JmpHttpVideo *self = JMP_HTTP_VIDEO (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) jpeg = NULL;
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  guint width, height;

  jpeg = jmp_http_video_snapshot_finish (JMP_VIDEO (self), res, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  /* a source that gives no frame is offline, as in Jumpstarter: not an error */
  if (jpeg == NULL)
    g_debug ("%s: offline: %s", jmp_driver_get_name (JMP_DRIVER (self)), error->message);
  g_variant_builder_add (&builder, "{sv}", "online", g_variant_new_boolean (jpeg != NULL));
  if (jpeg != NULL &&
      jmp_jpeg_get_size (g_bytes_get_data (jpeg, NULL), g_bytes_get_size (jpeg), &width, &height))
    {
      g_variant_builder_add (&builder, "{sv}", "width", g_variant_new_uint32 (width));
      g_variant_builder_add (&builder, "{sv}", "height", g_variant_new_uint32 (height));
    }
  g_task_return_pointer (task, g_variant_ref_sink (g_variant_builder_end (&builder)),
                         (GDestroyNotify) g_variant_unref);
}

static void
jmp_http_video_get_state_async (JmpVideo            *video,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  GTask *task = g_task_new (video, cancellable, callback, user_data);
  GError *error = NULL;

  g_task_set_source_tag (task, jmp_http_video_get_state_async);
  if (!jmp_http_video_check_started (JMP_HTTP_VIDEO (video), &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  jmp_http_video_snapshot_async (video, cancellable, jmp_http_video_state_cb, task);
}

static GVariant *
jmp_http_video_get_state_finish (JmpVideo *video, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, video), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static const gchar *
jmp_http_video_get_stream_path (JmpVideo *video)
{
  JmpHttpVideo *self = JMP_HTTP_VIDEO (video);

  return self->stream_path != NULL ? self->stream_path : "/";
}

static void
jmp_http_video_video_iface_init (JmpVideoInterface *iface)
{
  iface->get_state_async = jmp_http_video_get_state_async;
  iface->get_state_finish = jmp_http_video_get_state_finish;
  iface->snapshot_async = jmp_http_video_snapshot_async;
  iface->snapshot_finish = jmp_http_video_snapshot_finish;
  iface->get_stream_path = jmp_http_video_get_stream_path;
}

/* ------------------------------------------------------------------------ */
/* Network: TCP to the URL's host and port */

static guint16
jmp_http_video_get_port (JmpHttpVideo *self)
{
  gint port = g_uri_get_port (self->uri);

  if (port > 0)
    return (guint16) port;
  return g_ascii_strcasecmp (g_uri_get_scheme (self->uri), "https") == 0 ? 443 : 80;
}

static void
jmp_http_video_connected_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  JmpHttpVideo *self = g_task_get_source_object (task);
  g_autoptr(GSocketConnection) connection = NULL;
  GError *error = NULL;
  GSocket *socket;

  connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), res, &error);
  if (connection == NULL)
    {
      jmp_error_convert (&error);
      g_prefix_error (&error, "%s: %s:%u: ", jmp_driver_get_name (JMP_DRIVER (self)),
                      g_uri_get_host (self->uri), jmp_http_video_get_port (self));
      g_task_return_error (task, error);
      return;
    }
  socket = jmp_video_socket_dup (g_socket_connection_get_socket (connection), &error);
  if (socket == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, socket, g_object_unref);
}

static void
jmp_http_video_connect_async (JmpNetwork          *network,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  JmpHttpVideo *self = JMP_HTTP_VIDEO (network);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GSocketClient) client = NULL;
  g_autoptr(GSocketConnectable) address = NULL;
  GError *error = NULL;

  g_task_set_source_tag (task, jmp_http_video_connect_async);
  if (!jmp_http_video_check_started (self, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (g_ascii_strcasecmp (g_uri_get_scheme (self->uri), "https") == 0)
    {
      g_task_return_new_error (task, JMP_ERROR, JMP_ERROR_NOT_SUPPORTED,
                               _("%s: the url is https, and a raw stream to it would need the caller to speak TLS; snapshot and state work, connect does not"),
                               jmp_driver_get_name (JMP_DRIVER (self)));
      return;
    }
  client = g_socket_client_new ();
  /* a lab camera is reached directly, never through $http_proxy */
  g_socket_client_set_enable_proxy (client, FALSE);
  g_socket_client_set_timeout (client, CONNECT_TIMEOUT_S);
  address = g_network_address_new (g_uri_get_host (self->uri), jmp_http_video_get_port (self));
  g_socket_client_connect_async (client, address, cancellable, jmp_http_video_connected_cb,
                                 g_steal_pointer (&task));
}

static GSocket *
jmp_http_video_connect_finish (JmpNetwork *network, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, network), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
jmp_http_video_get_address_async (JmpNetwork          *network,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  JmpHttpVideo *self = JMP_HTTP_VIDEO (network);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  GError *error = NULL;

  g_task_set_source_tag (task, jmp_http_video_get_address_async);
  if (!jmp_http_video_check_started (self, &error))
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_strdup (self->url), g_free);
}

static gchar *
jmp_http_video_get_address_finish (JmpNetwork *network, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, network), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
jmp_http_video_network_iface_init (JmpNetworkInterface *iface)
{
  iface->connect_async = jmp_http_video_connect_async;
  iface->connect_finish = jmp_http_video_connect_finish;
  iface->get_address_async = jmp_http_video_get_address_async;
  iface->get_address_finish = jmp_http_video_get_address_finish;
}

/* ------------------------------------------------------------------------ */

/* http or https, with a host: what Jumpstarter's HttpVideo accepts */
static GUri *
jmp_http_video_parse_url (const gchar *key, const gchar *url, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autoptr(SoupMessage) probe = NULL;
  const gchar *scheme;

  if (url == NULL || *url == '\0')
    {
      g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                   _("config key %s is required"), key);
      return NULL;
    }
  uri = g_uri_parse (url, G_URI_FLAGS_ENCODED | G_URI_FLAGS_SCHEME_NORMALIZE, &local_error);
  if (uri == NULL)
    {
      g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                   _("%s: \"%s\" is not a URL: %s"), key, url, local_error->message);
      return NULL;
    }
  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0)
    {
      g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                   _("%s: \"%s\" is not an http or https URL"), key, url);
      return NULL;
    }
  if (g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                   _("%s: \"%s\" has no host"), key, url);
      return NULL;
    }
  /* libsoup parses on its own: what it refuses must fail here, not in a call */
  probe = soup_message_new (SOUP_METHOD_GET, url);
  if (probe == NULL)
    {
      g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                   _("%s: \"%s\" is not a URL libsoup can fetch"), key, url);
      return NULL;
    }
  return g_steal_pointer (&uri);
}

static gboolean
jmp_http_video_start (JmpDriver *driver, GError **error)
{
  JmpHttpVideo *self = JMP_HTTP_VIDEO (driver);
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GUri) snapshot_uri = NULL;

  uri = jmp_http_video_parse_url ("url", self->url, error);
  if (uri == NULL)
    return FALSE;
  if (self->snapshot_url != NULL &&
      (snapshot_uri = jmp_http_video_parse_url ("snapshot_url", self->snapshot_url, error)) == NULL)
    return FALSE;

  g_clear_pointer (&self->uri, g_uri_unref);
  self->uri = g_steal_pointer (&uri);

  self->session = soup_session_new_with_options ("timeout", IO_TIMEOUT_S,
                                                 "max-conns-per-host", 16,
                                                 "user-agent", "jumpstarter-glib/" PACKAGE_VERSION,
                                                 NULL);
  soup_session_set_proxy_resolver (self->session, NULL);
  return TRUE;
}

static void
jmp_http_video_stop (JmpDriver *driver)
{
  JmpHttpVideo *self = JMP_HTTP_VIDEO (driver);

  if (self->session != NULL)
    soup_session_abort (self->session);
  g_clear_object (&self->session);
}

static GHashTable *
jmp_http_video_get_methods_description (JmpDriver *driver)
{
  GHashTable *methods = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  g_hash_table_insert (methods, g_strdup ("state"),
                       g_strdup (_("Whether a frame can be fetched, and its size")));
  g_hash_table_insert (methods, g_strdup ("snapshot"),
                       g_strdup (_("One JPEG frame, as the source served it")));
  g_hash_table_insert (methods, g_strdup ("connect"),
                       g_strdup (_("A TCP stream to the source's HTTP server (http URLs only)")));
  g_hash_table_insert (methods, g_strdup ("address"), g_strdup (_("The source's URL")));
  return methods;
}

/* The path and query of the URL, which a client asks for on a Connect()
 * stream; known from the config on, as the host exports it. */
static gchar *
jmp_http_video_make_stream_path (const gchar *url)
{
  g_autoptr(GUri) uri = url != NULL ? g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL) : NULL;
  const gchar *path, *query;

  if (uri == NULL)
    return NULL;
  path = g_uri_get_path (uri);
  query = g_uri_get_query (uri);
  return g_strconcat (*path != '\0' ? path : "/", query != NULL ? "?" : "",
                      query != NULL ? query : "", NULL);
}

static void
jmp_http_video_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  JmpHttpVideo *self = JMP_HTTP_VIDEO (object);

  switch (prop_id)
    {
    case PROP_URL:
      g_value_set_string (value, self->url);
      break;
    case PROP_SNAPSHOT_URL:
      g_value_set_string (value, self->snapshot_url);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
jmp_http_video_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  JmpHttpVideo *self = JMP_HTTP_VIDEO (object);

  switch (prop_id)
    {
    case PROP_URL:
      g_free (self->url);
      self->url = g_value_dup_string (value);
      g_free (self->stream_path);
      self->stream_path = jmp_http_video_make_stream_path (self->url);
      break;
    case PROP_SNAPSHOT_URL:
      g_free (self->snapshot_url);
      self->snapshot_url = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
jmp_http_video_finalize (GObject *object)
{
  JmpHttpVideo *self = JMP_HTTP_VIDEO (object);

  g_clear_object (&self->session);
  g_clear_pointer (&self->uri, g_uri_unref);
  g_free (self->stream_path);
  g_free (self->url);
  g_free (self->snapshot_url);
  G_OBJECT_CLASS (jmp_http_video_parent_class)->finalize (object);
}

static void
jmp_http_video_class_init (JmpHttpVideoClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  JmpDriverClass *driver_class = JMP_DRIVER_CLASS (klass);

  object_class->get_property = jmp_http_video_get_property;
  object_class->set_property = jmp_http_video_set_property;
  object_class->finalize = jmp_http_video_finalize;
  driver_class->start = jmp_http_video_start;
  driver_class->stop = jmp_http_video_stop;
  driver_class->get_methods_description = jmp_http_video_get_methods_description;

  props[PROP_URL] =
    g_param_spec_string ("url", NULL,
                         _("The MJPEG stream, an http or https URL (required)"),
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS);
  props[PROP_SNAPSHOT_URL] =
    g_param_spec_string ("snapshot-url", NULL,
                         _("A URL that serves one JPEG frame; without it, a snapshot is the first frame of the stream"),
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
jmp_http_video_init (JmpHttpVideo *self)
{
}
