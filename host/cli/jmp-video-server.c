/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One upstream, any number of viewers. Each frame is framed as a part
 * once, and the same GBytes is queued on every viewer's chunked response:
 * no copy per viewer. A viewer whose queue is full (its socket does not
 * drain) skips frames, so it never holds more than a few frames and never
 * slows the others. The upstream opens with the first viewer and closes a
 * little after the last one has gone.
 */
#include "config.h"

#include <gio/gnetworking.h>
#include <libsoup/soup.h>
#include <json-glib/json-glib.h>
#include <glib/gi18n.h>

#include "jmp-cli.h"
#include "jmp-video-page.h"
#include "jmp-video-server.h"
#include "jmp-video-upstream.h"

#define BOUNDARY "jmpframe"

typedef struct {
  JmpVideoServer    *server;
  SoupServerMessage *msg;
  guint              queued;      /* parts appended and not yet written */
  gboolean           streaming;   /* the 200 and its headers are set */
  gulong             wrote_id;
  gulong             finished_id;
} JmpViewer;

struct _JmpVideoServer
{
  GObject           parent_instance;

  JmpDriverProxy   *driver;
  SoupServer       *soup;
  GSocketService   *service;      /* accepts for soup: see jmp_video_server_listen */
  GSocketAddress   *bound;        /* with the port the kernel chose */
  JmpVideoUpstream *upstream;
  GPtrArray        *viewers;      /* of JmpViewer */
  GBytes           *last_part;    /* of the stream now open, for a new viewer */
  guint             linger_id;
  guint64           n_viewers_total;
  guint64           n_frames_sent;
  guint64           n_frames_skipped;
  gchar            *last_error;
};

G_DEFINE_TYPE (JmpVideoServer, jmp_video_server, G_TYPE_OBJECT)

static void
jmp_viewer_free (JmpViewer *viewer)
{
  g_signal_handler_disconnect (viewer->msg, viewer->wrote_id);
  g_signal_handler_disconnect (viewer->msg, viewer->finished_id);
  g_object_unref (viewer->msg);
  g_free (viewer);
}

static void
jmp_video_server_set_no_cache (SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  soup_message_headers_replace (headers, "Cache-Control", "no-cache, no-store, must-revalidate");
  soup_message_headers_replace (headers, "Pragma", "no-cache");
}

static void
jmp_video_server_respond_text (SoupServerMessage *msg, guint status, const gchar *text)
{
  g_autofree gchar *body = g_strconcat (text, "\n", NULL);

  soup_server_message_set_status (msg, status, NULL);
  jmp_video_server_set_no_cache (msg);
  soup_server_message_set_response (msg, "text/plain; charset=utf-8", SOUP_MEMORY_COPY,
                                    body, strlen (body));
}

/* A host's error without its D-Bus name, as a user reads it. */
static gchar *
jmp_video_server_error_text (const GError *error)
{
  g_autoptr(GError) copy = g_error_copy (error);

  if (g_dbus_error_is_remote_error (copy))
    g_dbus_error_strip_remote_error (copy);
  return g_strdup (copy->message);
}

void
jmp_video_state_add_members (JsonBuilder *builder, GVariant *state)
{
  GVariantIter iter;
  const gchar *key;
  GVariant *value;

  g_variant_iter_init (&iter, state);
  while (g_variant_iter_loop (&iter, "{&sv}", &key, &value))
    {
      json_builder_set_member_name (builder, key);
      json_builder_add_value (builder, json_gvariant_serialize (value));
    }
}

/* ---- the upstream ------------------------------------------------------ */

static gboolean
jmp_video_server_linger_cb (gpointer user_data)
{
  JmpVideoServer *self = user_data;

  self->linger_id = 0;
  if (self->viewers->len == 0 &&
      jmp_video_upstream_get_state (self->upstream) != JMP_VIDEO_UPSTREAM_IDLE)
    {
      g_debug ("no viewer for %u ms: closing the video stream", JMP_VIDEO_SERVER_LINGER_MS);
      jmp_video_upstream_stop (self->upstream);
      g_clear_pointer (&self->last_part, g_bytes_unref);
    }
  return G_SOURCE_REMOVE;
}

static void
jmp_video_server_viewer_push (JmpViewer *viewer, GBytes *part)
{
  JmpVideoServer *self = viewer->server;

  if (!viewer->streaming)
    {
      SoupMessageHeaders *headers = soup_server_message_get_response_headers (viewer->msg);

      soup_server_message_set_status (viewer->msg, SOUP_STATUS_OK, NULL);
      soup_message_headers_set_content_type (headers, "multipart/x-mixed-replace;boundary=" BOUNDARY, NULL);
      soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
      jmp_video_server_set_no_cache (viewer->msg);
      /* written chunks are dropped, not kept for a body nobody reads */
      soup_message_body_set_accumulate (soup_server_message_get_response_body (viewer->msg), FALSE);
      viewer->streaming = TRUE;
    }
  else if (viewer->queued >= JMP_VIDEO_SERVER_MAX_QUEUED)
    {
      self->n_frames_skipped++;
      return;
    }

  soup_message_body_append_bytes (soup_server_message_get_response_body (viewer->msg), part);
  viewer->queued++;
  self->n_frames_sent++;
  soup_server_message_unpause (viewer->msg);
}

static GBytes *
jmp_video_server_make_part (GBytes *jpeg)
{
  gsize size = 0;
  const guint8 *data = g_bytes_get_data (jpeg, &size);
  g_autofree gchar *head = g_strdup_printf ("--" BOUNDARY "\r\n"
                                            "Content-Type: image/jpeg\r\n"
                                            "Content-Length: %" G_GSIZE_FORMAT "\r\n"
                                            "\r\n", size);
  GByteArray *part = g_byte_array_sized_new (strlen (head) + size + 2);

  g_byte_array_append (part, (const guint8 *) head, strlen (head));
  g_byte_array_append (part, data, size);
  g_byte_array_append (part, (const guint8 *) "\r\n", 2);
  return g_byte_array_free_to_bytes (part);
}

static void
jmp_video_server_frame_cb (JmpVideoUpstream *upstream, GBytes *jpeg, gpointer user_data)
{
  JmpVideoServer *self = user_data;

  g_clear_pointer (&self->last_part, g_bytes_unref);
  self->last_part = jmp_video_server_make_part (jpeg);
  for (guint i = 0; i < self->viewers->len; i++)
    jmp_video_server_viewer_push (g_ptr_array_index (self->viewers, i), self->last_part);
}

static void
jmp_video_server_failed_cb (JmpVideoUpstream *upstream, const GError *error, gpointer user_data)
{
  JmpVideoServer *self = user_data;
  g_autofree gchar *message = NULL;

  g_clear_pointer (&self->last_part, g_bytes_unref);
  g_free (self->last_error);
  self->last_error = jmp_video_server_error_text (error);

  jmp_cli_error (_("%s: the video stream failed: %s; it is opened again for the next viewer"),
                 jmp_driver_proxy_get_path (self->driver), self->last_error);

  message = g_strdup_printf (_("the video source failed: %s"), self->last_error);
  for (guint i = 0; i < self->viewers->len; i++)
    {
      JmpViewer *viewer = g_ptr_array_index (self->viewers, i);

      if (viewer->streaming)
        soup_message_body_complete (soup_server_message_get_response_body (viewer->msg));
      else
        jmp_video_server_respond_text (viewer->msg, SOUP_STATUS_BAD_GATEWAY, message);
      soup_server_message_unpause (viewer->msg);
    }
}

/* ---- /stream ----------------------------------------------------------- */

static void
jmp_video_server_viewer_wrote_cb (SoupServerMessage *msg, gpointer user_data)
{
  JmpViewer *viewer = user_data;

  if (viewer->queued > 0)
    viewer->queued--;
}

static void
jmp_video_server_viewer_finished_cb (SoupServerMessage *msg, gpointer user_data)
{
  JmpViewer *viewer = user_data;
  JmpVideoServer *self = viewer->server;

  g_debug ("a viewer left");
  g_ptr_array_remove_fast (self->viewers, viewer);
  if (self->viewers->len == 0 && self->linger_id == 0 &&
      jmp_video_upstream_get_state (self->upstream) != JMP_VIDEO_UPSTREAM_IDLE)
    self->linger_id = g_timeout_add (JMP_VIDEO_SERVER_LINGER_MS, jmp_video_server_linger_cb, self);
}

static void
jmp_video_server_stream_cb (SoupServer        *soup,
                            SoupServerMessage *msg,
                            const char        *path,
                            GHashTable        *query,
                            gpointer           user_data)
{
  JmpVideoServer *self = user_data;
  JmpViewer *viewer;

  if (soup_server_message_get_method (msg) != SOUP_METHOD_GET)
    {
      jmp_video_server_respond_text (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, _("only GET is allowed"));
      return;
    }

  viewer = g_new0 (JmpViewer, 1);
  viewer->server = self;
  viewer->msg = g_object_ref (msg);
  viewer->wrote_id = g_signal_connect (msg, "wrote-chunk",
                                       G_CALLBACK (jmp_video_server_viewer_wrote_cb), viewer);
  viewer->finished_id = g_signal_connect (msg, "finished",
                                          G_CALLBACK (jmp_video_server_viewer_finished_cb), viewer);
  g_ptr_array_add (self->viewers, viewer);
  self->n_viewers_total++;
  g_clear_handle_id (&self->linger_id, g_source_remove);

  if (jmp_video_upstream_get_state (self->upstream) == JMP_VIDEO_UPSTREAM_STREAMING &&
      self->last_part != NULL)
    {
      /* the latest frame at once: at 1 fps a viewer would wait otherwise */
      jmp_video_server_viewer_push (viewer, self->last_part);
      return;
    }

  /* the answer waits for the first frame, or the upstream's failure */
  soup_server_message_pause (msg);
  jmp_video_upstream_start (self->upstream);
}

/* ---- /snapshot and /state ---------------------------------------------- */

typedef struct {
  JmpVideoServer    *server;
  SoupServerMessage *msg;
} JmpVideoRequest;

static JmpVideoRequest *
jmp_video_request_new (JmpVideoServer *self, SoupServerMessage *msg)
{
  JmpVideoRequest *request = g_new0 (JmpVideoRequest, 1);

  request->server = g_object_ref (self);
  request->msg = g_object_ref (msg);
  soup_server_message_pause (msg);
  return request;
}

static void
jmp_video_request_done (JmpVideoRequest *request)
{
  soup_server_message_unpause (request->msg);
  g_object_unref (request->msg);
  g_object_unref (request->server);
  g_free (request);
}

static void
jmp_video_server_respond_error (SoupServerMessage *msg, const GError *error)
{
  g_autofree gchar *message = jmp_video_server_error_text (error);

  jmp_video_server_respond_text (msg, SOUP_STATUS_BAD_GATEWAY, message);
}

static void
jmp_video_server_snapshot_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  JmpVideoRequest *request = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) jpeg = jmp_video_proxy_snapshot_finish (JMP_VIDEO_PROXY (source), result, &error);

  if (jpeg == NULL)
    jmp_video_server_respond_error (request->msg, error);
  else
    {
      SoupMessageHeaders *headers = soup_server_message_get_response_headers (request->msg);

      soup_server_message_set_status (request->msg, SOUP_STATUS_OK, NULL);
      jmp_video_server_set_no_cache (request->msg);
      soup_message_headers_replace (headers, "Content-Disposition", "inline; filename=\"snapshot.jpg\"");
      soup_message_headers_set_content_type (headers, "image/jpeg", NULL);
      soup_message_body_append_bytes (soup_server_message_get_response_body (request->msg), jpeg);
    }
  jmp_video_request_done (request);
}

static void
jmp_video_server_snapshot_cb (SoupServer        *soup,
                              SoupServerMessage *msg,
                              const char        *path,
                              GHashTable        *query,
                              gpointer           user_data)
{
  JmpVideoServer *self = user_data;
  JmpVideoRequest *request = jmp_video_request_new (self, msg);

  jmp_video_proxy_snapshot (jmp_driver_proxy_get_video (self->driver), NULL,
                            jmp_video_server_snapshot_done_cb, request);
}

/* The relay's own figures, next to what the source says. */
static void
jmp_video_server_add_stream_state (JmpVideoServer *self, JsonBuilder *builder)
{
  static const gchar * const states[] = { "idle", "connecting", "streaming" };

  json_builder_set_member_name (builder, "stream");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "upstream");
  json_builder_add_string_value (builder, states[jmp_video_upstream_get_state (self->upstream)]);
  json_builder_set_member_name (builder, "upstream_opened");
  json_builder_add_int_value (builder, jmp_video_upstream_get_n_opened (self->upstream));
  json_builder_set_member_name (builder, "viewers");
  json_builder_add_int_value (builder, self->viewers->len);
  json_builder_set_member_name (builder, "viewers_total");
  json_builder_add_int_value (builder, self->n_viewers_total);
  json_builder_set_member_name (builder, "frames_received");
  json_builder_add_int_value (builder, jmp_video_upstream_get_n_frames (self->upstream));
  json_builder_set_member_name (builder, "frames_sent");
  json_builder_add_int_value (builder, self->n_frames_sent);
  json_builder_set_member_name (builder, "frames_skipped");
  json_builder_add_int_value (builder, self->n_frames_skipped);
  if (self->last_error != NULL)
    {
      json_builder_set_member_name (builder, "last_error");
      json_builder_add_string_value (builder, self->last_error);
    }
  json_builder_end_object (builder);
}

static void
jmp_video_server_state_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  JmpVideoRequest *request = user_data;
  JmpVideoServer *self = request->server;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) state = jmp_video_proxy_get_state_finish (JMP_VIDEO_PROXY (source), result, &error);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree gchar *text = NULL;

  json_builder_begin_object (builder);
  if (state != NULL)
    jmp_video_state_add_members (builder, state);
  else
    {
      g_autofree gchar *message = jmp_video_server_error_text (error);

      json_builder_set_member_name (builder, "error");
      json_builder_add_string_value (builder, message);
    }
  jmp_video_server_add_stream_state (self, builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);

  soup_server_message_set_status (request->msg, state != NULL ? SOUP_STATUS_OK : SOUP_STATUS_BAD_GATEWAY, NULL);
  jmp_video_server_set_no_cache (request->msg);
  soup_server_message_set_response (request->msg, "application/json", SOUP_MEMORY_COPY,
                                    text, strlen (text));
  jmp_video_request_done (request);
}

static void
jmp_video_server_state_cb (SoupServer        *soup,
                           SoupServerMessage *msg,
                           const char        *path,
                           GHashTable        *query,
                           gpointer           user_data)
{
  JmpVideoServer *self = user_data;
  JmpVideoRequest *request = jmp_video_request_new (self, msg);

  jmp_video_proxy_get_state (jmp_driver_proxy_get_video (self->driver), NULL,
                             jmp_video_server_state_done_cb, request);
}

/* ---- / ------------------------------------------------------------------ */

static void
jmp_video_server_page_cb (SoupServer        *soup,
                          SoupServerMessage *msg,
                          const char        *path,
                          GHashTable        *query,
                          gpointer           user_data)
{
  JmpVideoServer *self = user_data;
  g_autofree gchar *page = NULL;
  gsize length;

  if (g_strcmp0 (path, "/") != 0)
    {
      jmp_video_server_respond_text (msg, SOUP_STATUS_NOT_FOUND, _("not found"));
      return;
    }
  page = jmp_video_page_render (jmp_driver_proxy_get_path (self->driver));
  /* the length first: arguments are evaluated in no set order */
  length = strlen (page);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  jmp_video_server_set_no_cache (msg);
  soup_server_message_set_response (msg, "text/html; charset=utf-8", SOUP_MEMORY_TAKE,
                                    g_steal_pointer (&page), length);
}

/* ------------------------------------------------------------------------ */

static gboolean
jmp_video_server_incoming_cb (GSocketService    *service,
                              GSocketConnection *connection,
                              GObject           *source_object,
                              gpointer           user_data)
{
  JmpVideoServer *self = user_data;
  g_autoptr(GSocketAddress) local = g_socket_connection_get_local_address (connection, NULL);
  g_autoptr(GSocketAddress) remote = g_socket_connection_get_remote_address (connection, NULL);

  /* a viewer already gone: the connection closes with its last reference */
  if (local == NULL || remote == NULL)
    return TRUE;
  /* as soup's own listener does: a frame leaves as soon as it is written */
  g_socket_set_option (g_socket_connection_get_socket (connection),
                       IPPROTO_TCP, TCP_NODELAY, TRUE, NULL);
  soup_server_accept_iostream (self->soup, G_IO_STREAM (connection), local, remote, NULL);
  return TRUE;
}

gboolean
jmp_video_server_listen (JmpVideoServer  *self,
                         const gchar     *address,
                         guint16          port,
                         GError         **error)
{
  g_autoptr(GInetAddress) inet = NULL;
  g_autoptr(GSocketAddress) socket_address = NULL;
  g_autoptr(GError) local_error = NULL;

  if (address == NULL)
    address = "127.0.0.1";
  inet = g_inet_address_new_from_string (address);
  if (inet == NULL)
    {
      g_autoptr(GResolver) resolver = g_resolver_get_default ();
      GList *addresses = g_resolver_lookup_by_name (resolver, address, NULL, &local_error);

      if (addresses == NULL)
        {
          g_set_error (error, JMP_ERROR, JMP_ERROR_HOST_NOT_FOUND,
                       _("cannot listen on \"%s\": %s"), address, local_error->message);
          return FALSE;
        }
      inet = g_object_ref (addresses->data);
      g_resolver_free_addresses (addresses);
    }
  socket_address = g_inet_socket_address_new (inet, port);
  /* Accepted here, not by soup_server_listen(): libsoup 3.2's listener
   * keeps a reference to every socket it accepts (listen_watch() in
   * soup-listener.c), and its address for good. */
  g_return_val_if_fail (self->service == NULL, FALSE);
  self->service = g_socket_service_new ();
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (self->service), socket_address,
                                      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                      NULL, &self->bound, &local_error))
    {
      g_clear_object (&self->service);
      g_set_error (error, JMP_ERROR, JMP_ERROR_FAILED,
                   _("cannot listen on %s port %u: %s"), address, port, local_error->message);
      return FALSE;
    }
  g_signal_connect (self->service, "incoming", G_CALLBACK (jmp_video_server_incoming_cb), self);
  return TRUE;
}

gchar *
jmp_video_server_get_url (JmpVideoServer *self)
{
  GInetSocketAddress *bound = G_INET_SOCKET_ADDRESS (self->bound);
  g_autofree gchar *host = NULL;

  g_return_val_if_fail (bound != NULL, NULL);
  host = g_inet_address_to_string (g_inet_socket_address_get_address (bound));
  /* g_uri_join() puts an IPv6 address in brackets */
  return g_uri_join (G_URI_FLAGS_NONE, "http", NULL, host,
                     g_inet_socket_address_get_port (bound), "/", NULL, NULL);
}

void
jmp_video_server_stop (JmpVideoServer *self)
{
  g_clear_handle_id (&self->linger_id, g_source_remove);
  if (self->service != NULL)
    {
      g_socket_service_stop (self->service);
      g_socket_listener_close (G_SOCKET_LISTENER (self->service));
    }
  if (self->upstream != NULL)
    jmp_video_upstream_stop (self->upstream);
  /* the finished handlers of the viewers run from here */
  if (self->soup != NULL)
    soup_server_disconnect (self->soup);
  g_ptr_array_set_size (self->viewers, 0);
}

static void
jmp_video_server_dispose (GObject *object)
{
  JmpVideoServer *self = JMP_VIDEO_SERVER (object);

  jmp_video_server_stop (self);
  if (self->upstream != NULL)
    g_signal_handlers_disconnect_by_data (self->upstream, self);
  g_clear_object (&self->upstream);
  g_clear_object (&self->soup);
  if (self->service != NULL)
    g_signal_handlers_disconnect_by_data (self->service, self);
  g_clear_object (&self->service);
  g_clear_object (&self->bound);
  g_clear_object (&self->driver);
  g_clear_pointer (&self->last_part, g_bytes_unref);
  G_OBJECT_CLASS (jmp_video_server_parent_class)->dispose (object);
}

static void
jmp_video_server_finalize (GObject *object)
{
  JmpVideoServer *self = JMP_VIDEO_SERVER (object);

  g_ptr_array_unref (self->viewers);
  g_free (self->last_error);
  G_OBJECT_CLASS (jmp_video_server_parent_class)->finalize (object);
}

static void
jmp_video_server_class_init (JmpVideoServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = jmp_video_server_dispose;
  object_class->finalize = jmp_video_server_finalize;
}

static void
jmp_video_server_init (JmpVideoServer *self)
{
  self->viewers = g_ptr_array_new_with_free_func ((GDestroyNotify) jmp_viewer_free);
}

JmpVideoServer *
jmp_video_server_new (JmpDriverProxy *driver)
{
  JmpVideoServer *self = g_object_new (JMP_TYPE_VIDEO_SERVER, NULL);

  self->driver = g_object_ref (driver);
  self->upstream = jmp_video_upstream_new (driver);
  g_signal_connect (self->upstream, "frame", G_CALLBACK (jmp_video_server_frame_cb), self);
  g_signal_connect (self->upstream, "failed", G_CALLBACK (jmp_video_server_failed_cb), self);

  self->soup = soup_server_new ("server-header", "jmp/" PACKAGE_VERSION " ", NULL);
  soup_server_add_handler (self->soup, "/", jmp_video_server_page_cb, self, NULL);
  soup_server_add_handler (self->soup, "/stream", jmp_video_server_stream_cb, self, NULL);
  soup_server_add_handler (self->soup, "/snapshot", jmp_video_server_snapshot_cb, self, NULL);
  soup_server_add_handler (self->soup, "/state", jmp_video_server_state_cb, self, NULL);
  return self;
}
