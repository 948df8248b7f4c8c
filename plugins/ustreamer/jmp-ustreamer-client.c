/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <gio/gunixsocketaddress.h>
#include <jumpstarter/jumpstarter.h>
#include <glib/gi18n-lib.h>

#include "jmp-http-response.h"
#include "jmp-ustreamer-client.h"
#include "jmp-video-http.h"

/*
 * GET on ustreamer's Unix socket, for State() and Snapshot(): a request on
 * a kept-alive connection costs one wait in the main loop for the reply
 * (two if the body comes in pieces), where a general HTTP client takes
 * several rounds of its own per message. The reply is read straight into
 * the buffer whose tail becomes the snapshot: the head is read in one go
 * of at most 16 KiB, then the rest of the body sized by its Content-Length.
 *
 * ustreamer closes idle connections (its --server-timeout): a request that
 * finds its reused connection closed before any byte of the reply is sent
 * again once on a new one, as a GET can be. At most MAX_CONNECTIONS
 * requests run at once, the others wait their turn; each has TIMEOUT_S to
 * complete.
 */

#define MAX_CONNECTIONS  16
#define MAX_IDLE         4
#define TIMEOUT_S        10
#define BACKLOG_RETRY_MS 5

struct _JmpUstreamerClient
{
  GObject         parent_instance;

  GSocketAddress *address;
  GQueue          idle;     /* GSocket, each kept alive after a reply */
  GQueue          active;   /* JmpUstreamerRequest with a connection */
  GQueue          waiting;  /* JmpUstreamerRequest waiting for one */
};

G_DEFINE_FINAL_TYPE (JmpUstreamerClient, jmp_ustreamer_client, G_TYPE_OBJECT)

typedef struct {
  JmpUstreamerClient *client;  /* unowned: the task holds it */
  GTask              *task;
  GList               link;    /* in client->active or client->waiting */
  GQueue             *queue;

  gchar              *request;
  gsize               request_len;
  gsize               sent;

  GSocket            *socket;
  gboolean            reused;
  gboolean            connecting;

  guint8             *data;    /* head and body, as received */
  gsize               size;
  gsize               have;
  gsize               head_len;  /* 0 until the head is whole */
  gboolean            extra;     /* bytes past the body: not reusable */
  JmpHttpResponse     response;

  GSource            *io_source;
  GSource            *timeout_source;
  GSource            *cancel_source;
} JmpUstreamerRequest;

static void jmp_ustreamer_request_run (JmpUstreamerRequest *req);
static void jmp_ustreamer_client_dispatch (JmpUstreamerClient *self);

static void
jmp_ustreamer_clear_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

static void
jmp_ustreamer_close_socket (GSocket **socket)
{
  if (*socket == NULL)
    return;
  g_socket_close (*socket, NULL);
  g_clear_object (socket);
}

static void
jmp_ustreamer_request_move (JmpUstreamerRequest *req, GQueue *queue)
{
  if (req->queue != NULL)
    g_queue_unlink (req->queue, &req->link);
  req->queue = queue;
  if (queue != NULL)
    g_queue_push_tail_link (queue, &req->link);
}

/* Ends @req with @body or @error (one of them), and frees it. */
static void
jmp_ustreamer_request_complete (JmpUstreamerRequest *req, GBytes *body, GError *error)
{
  JmpUstreamerClient *self = req->client;
  GTask *task = req->task;
  gboolean had_connection = req->queue == &self->active;

  jmp_ustreamer_request_move (req, NULL);
  jmp_ustreamer_clear_source (&req->io_source);
  jmp_ustreamer_clear_source (&req->timeout_source);
  jmp_ustreamer_clear_source (&req->cancel_source);
  jmp_ustreamer_close_socket (&req->socket);
  g_free (req->request);
  g_free (req->data);
  g_free (req);

  /* the client lives on in the task until it returns */
  if (had_connection)
    jmp_ustreamer_client_dispatch (self);
  if (body != NULL)
    g_task_return_pointer (task, body, (GDestroyNotify) g_bytes_unref);
  else
    g_task_return_error (task, error);
  g_object_unref (task);
}

static void
jmp_ustreamer_request_fail (JmpUstreamerRequest *req, GError *error)
{
  jmp_ustreamer_request_complete (req, NULL, error);
}

static void
jmp_ustreamer_request_done (JmpUstreamerRequest *req)
{
  JmpUstreamerClient *self = req->client;
  g_autoptr(GBytes) all = NULL;
  GBytes *body;

  if (req->response.keep_alive && !req->extra && self->idle.length < MAX_IDLE)
    g_queue_push_head (&self->idle, g_steal_pointer (&req->socket));
  if (req->response.status < 200 || req->response.status > 299)
    {
      jmp_ustreamer_request_fail (req, jmp_http_response_error_new (req->response.status,
                                                                    req->response.reason));
      return;
    }
  /* the body is the tail of the buffer: no copy */
  all = g_bytes_new_take (g_steal_pointer (&req->data), req->have);
  body = g_bytes_new_from_bytes (all, req->head_len, req->have - req->head_len);
  jmp_ustreamer_request_complete (req, body, NULL);
}

static gboolean
jmp_ustreamer_request_ready_cb (GSocket *socket, GIOCondition condition, gpointer user_data)
{
  JmpUstreamerRequest *req = user_data;
  GError *error = NULL;

  g_clear_pointer (&req->io_source, g_source_unref);
  if (req->connecting)
    {
      req->connecting = FALSE;
      if (!g_socket_check_connect_result (req->socket, &error))
        {
          jmp_ustreamer_request_fail (req, error);
          return G_SOURCE_REMOVE;
        }
    }
  jmp_ustreamer_request_run (req);
  return G_SOURCE_REMOVE;
}

static void
jmp_ustreamer_request_wait (JmpUstreamerRequest *req, GIOCondition condition)
{
  req->io_source = g_socket_create_source (req->socket, condition, NULL);
  g_source_set_callback (req->io_source, G_SOURCE_FUNC (jmp_ustreamer_request_ready_cb), req, NULL);
  g_source_attach (req->io_source, g_task_get_context (req->task));
}

static void jmp_ustreamer_request_open (JmpUstreamerRequest *req);

static gboolean
jmp_ustreamer_request_backlog_cb (gpointer user_data)
{
  JmpUstreamerRequest *req = user_data;

  g_clear_pointer (&req->io_source, g_source_unref);
  jmp_ustreamer_request_open (req);
  return G_SOURCE_REMOVE;
}

/* Takes a connection kept alive, or opens one, and runs @req on it. */
static void
jmp_ustreamer_request_open (JmpUstreamerRequest *req)
{
  JmpUstreamerClient *self = req->client;
  GError *error = NULL;

  req->socket = g_queue_pop_head (&self->idle);
  req->reused = req->socket != NULL;
  if (req->reused)
    {
      jmp_ustreamer_request_run (req);
      return;
    }
  req->socket = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM,
                              G_SOCKET_PROTOCOL_DEFAULT, &error);
  if (req->socket == NULL)
    {
      jmp_ustreamer_request_fail (req, error);
      return;
    }
  g_socket_set_blocking (req->socket, FALSE);
  if (g_socket_connect (req->socket, self->address, NULL, &error))
    {
      jmp_ustreamer_request_run (req);
      return;
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PENDING))
    {
      g_clear_error (&error);
      req->connecting = TRUE;
      jmp_ustreamer_request_wait (req, G_IO_OUT);
      return;
    }
  /* ustreamer's backlog is full: a non-blocking connect() to a Unix
   * socket does not wait for room, so it is tried again a little later,
   * within the request's time */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    {
      g_clear_error (&error);
      jmp_ustreamer_close_socket (&req->socket);
      req->io_source = g_timeout_source_new (BACKLOG_RETRY_MS);
      g_source_set_callback (req->io_source, jmp_ustreamer_request_backlog_cb, req, NULL);
      g_source_attach (req->io_source, g_task_get_context (req->task));
      return;
    }
  jmp_ustreamer_request_fail (req, error);
}

static void
jmp_ustreamer_request_start (JmpUstreamerRequest *req)
{
  jmp_ustreamer_request_move (req, &req->client->active);
  jmp_ustreamer_request_open (req);
}

/* The reused connection was closed by ustreamer before it answered: the
 * same request on a new one. */
static void
jmp_ustreamer_request_retry (JmpUstreamerRequest *req, GError *error)
{
  g_debug ("ustreamer closed a kept-alive connection (%s); sending again on a new one",
           error != NULL ? error->message : "end of stream");
  g_clear_error (&error);
  jmp_ustreamer_close_socket (&req->socket);
  req->sent = 0;
  req->have = 0;
  /* no other connection is kept alive: the reply comes on a new one */
  while (req->client->idle.length > 0)
    {
      GSocket *socket = g_queue_pop_head (&req->client->idle);

      jmp_ustreamer_close_socket (&socket);
    }
  jmp_ustreamer_request_open (req);
}

static gboolean
jmp_ustreamer_request_send (JmpUstreamerRequest *req)
{
  while (req->sent < req->request_len)
    {
      GError *error = NULL;
      gssize n = g_socket_send (req->socket, req->request + req->sent,
                                req->request_len - req->sent, NULL, &error);

      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        {
          g_error_free (error);
          jmp_ustreamer_request_wait (req, G_IO_OUT);
        }
      else if (n < 0 && req->reused)
        jmp_ustreamer_request_retry (req, error);
      else if (n < 0)
        jmp_ustreamer_request_fail (req, error);
      if (n < 0)
        return FALSE;
      req->sent += n;
    }
  return TRUE;
}

/* Room for the next read: the head's bound until the head is whole, then
 * the body's exact rest, or doubling up to the bound when the body runs
 * until the server closes. */
static gsize
jmp_ustreamer_request_room (JmpUstreamerRequest *req)
{
  gsize want;

  if (req->head_len == 0)
    want = JMP_HTTP_MAX_HEAD_SIZE;
  else if (req->response.content_length >= 0)
    want = req->head_len + (gsize) req->response.content_length;
  else if (req->have < req->size)
    want = req->size;
  else
    want = MIN (req->size * 2, req->head_len + JMP_VIDEO_MAX_BODY_SIZE + 1);
  if (want != req->size)
    {
      req->data = g_realloc (req->data, want);
      req->size = want;
    }
  return req->size - req->have;
}

/* The head is whole in the first @have bytes: size the rest. Returns
 * FALSE if @req failed. */
static gboolean
jmp_ustreamer_request_parse_head (JmpUstreamerRequest *req)
{
  GError *error = NULL;
  gssize head_len = jmp_http_response_parse ((const gchar *) req->data, req->have,
                                             JMP_VIDEO_MAX_BODY_SIZE, &req->response, &error);

  if (head_len < 0)
    {
      jmp_ustreamer_request_fail (req, error);
      return FALSE;
    }
  req->head_len = (gsize) head_len;
  if (req->head_len > 0 && req->response.content_length >= 0 &&
      req->have > req->head_len + (gsize) req->response.content_length)
    {
      /* nothing was asked for after this reply */
      req->extra = TRUE;
      req->have = req->head_len + (gsize) req->response.content_length;
    }
  return TRUE;
}

static void
jmp_ustreamer_request_run (JmpUstreamerRequest *req)
{
  if (!jmp_ustreamer_request_send (req))
    return;
  for (;;)
    {
      GError *error = NULL;
      gsize room;
      gssize n;

      if (req->head_len > 0 && req->response.content_length >= 0 &&
          req->have == req->head_len + (gsize) req->response.content_length)
        {
          jmp_ustreamer_request_done (req);
          return;
        }
      room = jmp_ustreamer_request_room (req);
      if (room == 0)
        {
          jmp_ustreamer_request_fail (req, g_error_new (JMP_ERROR, JMP_ERROR_FAILED,
                                                        _("the reply is more than %u MiB"),
                                                        (guint) (JMP_VIDEO_MAX_BODY_SIZE / (1024 * 1024))));
          return;
        }
      n = g_socket_receive (req->socket, (gchar *) req->data + req->have, room, NULL, &error);
      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        {
          g_error_free (error);
          jmp_ustreamer_request_wait (req, G_IO_IN);
          return;
        }
      if (n <= 0 && req->reused && req->have == 0)
        {
          jmp_ustreamer_request_retry (req, error);
          return;
        }
      if (n < 0)
        {
          jmp_ustreamer_request_fail (req, error);
          return;
        }
      if (n == 0)
        {
          /* a body without Content-Length ends here */
          if (req->head_len > 0 && req->response.content_length < 0)
            jmp_ustreamer_request_done (req);
          else
            jmp_ustreamer_request_fail (req, g_error_new (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                                                          _("ustreamer closed the connection before the end of its reply")));
          return;
        }
      req->have += (gsize) n;
      if (req->head_len == 0 && !jmp_ustreamer_request_parse_head (req))
        return;
    }
}

static gboolean
jmp_ustreamer_request_timeout_cb (gpointer user_data)
{
  JmpUstreamerRequest *req = user_data;

  g_clear_pointer (&req->timeout_source, g_source_unref);
  jmp_ustreamer_request_fail (req, g_error_new (JMP_ERROR, JMP_ERROR_TIMED_OUT,
                                                _("no reply within %u s"), (guint) TIMEOUT_S));
  return G_SOURCE_REMOVE;
}

static gboolean
jmp_ustreamer_request_cancelled_cb (GCancellable *cancellable, gpointer user_data)
{
  JmpUstreamerRequest *req = user_data;
  GError *error = NULL;

  g_clear_pointer (&req->cancel_source, g_source_unref);
  g_cancellable_set_error_if_cancelled (cancellable, &error);
  jmp_ustreamer_request_fail (req, error);
  return G_SOURCE_REMOVE;
}

/* Starts waiting requests while connections are free. */
static void
jmp_ustreamer_client_dispatch (JmpUstreamerClient *self)
{
  while (self->active.length < MAX_CONNECTIONS && self->waiting.length > 0)
    jmp_ustreamer_request_start (g_queue_peek_head_link (&self->waiting)->data);
}

/**
 * jmp_ustreamer_client_get_async:
 * @path: an absolute path on ustreamer's server, e.g. "/snapshot"
 *
 * GET @path. A status other than 2xx is an error.
 */
void
jmp_ustreamer_client_get_async (JmpUstreamerClient  *self,
                                const gchar         *path,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  JmpUstreamerRequest *req;
  GTask *task;

  g_return_if_fail (JMP_IS_USTREAMER_CLIENT (self));
  g_return_if_fail (path != NULL && path[0] == '/');

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, jmp_ustreamer_client_get_async);
  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }
  req = g_new0 (JmpUstreamerRequest, 1);
  req->client = self;
  req->task = task;
  req->link.data = req;
  req->request = g_strdup_printf ("GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n", path);
  req->request_len = strlen (req->request);

  req->timeout_source = g_timeout_source_new_seconds (TIMEOUT_S);
  g_source_set_callback (req->timeout_source, jmp_ustreamer_request_timeout_cb, req, NULL);
  g_source_attach (req->timeout_source, g_task_get_context (task));
  if (cancellable != NULL)
    {
      req->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (req->cancel_source, G_SOURCE_FUNC (jmp_ustreamer_request_cancelled_cb),
                             req, NULL);
      g_source_attach (req->cancel_source, g_task_get_context (task));
    }

  jmp_ustreamer_request_move (req, &self->waiting);
  jmp_ustreamer_client_dispatch (self);
}

/**
 * jmp_ustreamer_client_get_finish:
 *
 * Returns: (transfer full): the body
 */
GBytes *
jmp_ustreamer_client_get_finish (JmpUstreamerClient *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * jmp_ustreamer_client_abort:
 *
 * Fails every request in flight and closes every connection: ustreamer
 * exited, or is being stopped.
 */
void
jmp_ustreamer_client_abort (JmpUstreamerClient *self)
{
  GSocket *socket;

  g_return_if_fail (JMP_IS_USTREAMER_CLIENT (self));

  while ((socket = g_queue_pop_head (&self->idle)) != NULL)
    jmp_ustreamer_close_socket (&socket);
  /* waiting ones first, so that none starts when an active one ends */
  while (self->waiting.length > 0 || self->active.length > 0)
    {
      GQueue *queue = self->waiting.length > 0 ? &self->waiting : &self->active;

      jmp_ustreamer_request_fail (g_queue_peek_head_link (queue)->data,
                                  g_error_new (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                                               _("the connection to ustreamer was closed")));
    }
}

JmpUstreamerClient *
jmp_ustreamer_client_new (const gchar *socket_path)
{
  JmpUstreamerClient *self = g_object_new (JMP_TYPE_USTREAMER_CLIENT, NULL);

  self->address = g_unix_socket_address_new (socket_path);
  return self;
}

static void
jmp_ustreamer_client_finalize (GObject *object)
{
  JmpUstreamerClient *self = JMP_USTREAMER_CLIENT (object);

  /* every request holds the client: none is left */
  g_assert (self->active.length == 0 && self->waiting.length == 0);
  jmp_ustreamer_client_abort (self);
  g_clear_object (&self->address);
  G_OBJECT_CLASS (jmp_ustreamer_client_parent_class)->finalize (object);
}

static void
jmp_ustreamer_client_class_init (JmpUstreamerClientClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = jmp_ustreamer_client_finalize;
}

static void
jmp_ustreamer_client_init (JmpUstreamerClient *self)
{
  g_queue_init (&self->idle);
  g_queue_init (&self->active);
  g_queue_init (&self->waiting);
}
