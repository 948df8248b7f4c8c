/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <sys/socket.h>

#include "jmp-cluster-pb.h"
#include "jmp-cluster-pump.h"

/*
 * One frame in flight each way: the socket is read again only when the
 * last frame was handed to gRPC, and the next frame is received only
 * when the last one is written out, so a slow side slows the other
 * through HTTP/2 flow control and nothing queues up in between.
 *
 * StreamRequest and StreamResponse are the same message on the wire, so
 * one descriptor serves both directions.
 */

#define JMP_CLUSTER_PUMP_CHUNK (64 * 1024)

struct _JmpClusterPump
{
  gint                    ref_count;
  JmpGrpcCall            *call;
  gboolean                server;
  GSocket                *socket;
  gboolean                datagram;

  gboolean                read_done;    /* socket → call finished (GOAWAY sent) */
  gboolean                write_done;   /* call → socket finished (GOAWAY received) */
  gboolean                finishing;
  gboolean                over;         /* the call is over */
  gboolean                notified;

  GSource                *read_source;
  GSource                *write_source;
  Jumpstarter__V1__StreamRequest *frame;  /* being written to the socket */
  gsize                   frame_offset;

  JmpStreamLease         *lease;        /* the stream, in its lease's budget */
  JmpClusterPumpDoneFunc  done;
  gpointer                done_data;
  gchar                  *peer;         /* the router, for its errors */
};

JmpClusterPump *
jmp_cluster_pump_ref (JmpClusterPump *self)
{
  self->ref_count++;
  return self;
}

static void
jmp_cluster_pump_close_socket (JmpClusterPump *self)
{
  if (self->read_source != NULL)
    g_source_destroy (self->read_source);
  g_clear_pointer (&self->read_source, g_source_unref);
  if (self->write_source != NULL)
    g_source_destroy (self->write_source);
  g_clear_pointer (&self->write_source, g_source_unref);
  if (self->socket != NULL)
    g_socket_close (self->socket, NULL);
  g_clear_object (&self->socket);
  g_clear_object (&self->lease);
}

void
jmp_cluster_pump_unref (JmpClusterPump *self)
{
  if (--self->ref_count > 0)
    return;
  jmp_cluster_pump_close_socket (self);
  g_clear_pointer (&self->frame, jmp_pb_free);
  jmp_grpc_call_unref (self->call);
  g_free (self->peer);
  g_free (self);
}

static void
jmp_cluster_pump_notify (JmpClusterPump *self)
{
  if (self->notified)
    return;
  self->notified = TRUE;
  jmp_cluster_pump_close_socket (self);
  if (self->done != NULL)
    self->done (self, self->done_data);
}

/* Both directions ended: a server ends the call; a client waits for the
 * status, which the server sends once it has seen our GOAWAY. */
static void
jmp_cluster_pump_check_done (JmpClusterPump *self)
{
  if (!self->read_done || !self->write_done || self->finishing)
    return;
  self->finishing = TRUE;
  if (self->server)
    jmp_grpc_call_finish (self->call, NULL, GRPC_STATUS_OK, NULL);
}

static void
jmp_cluster_pump_abort_call (JmpClusterPump *self, const gchar *why)
{
  g_debug ("cluster: stream aborted: %s", why);
  self->read_done = self->write_done = TRUE;
  if (self->server && !self->finishing)
    {
      self->finishing = TRUE;
      jmp_grpc_call_finish (self->call, NULL, GRPC_STATUS_UNAVAILABLE, why);
    }
  else
    jmp_grpc_call_cancel (self->call);
  jmp_cluster_pump_close_socket (self);
}

static void
jmp_cluster_pump_finished_cb (JmpGrpcCall *call, gint code, const gchar *details, gpointer user_data)
{
  JmpClusterPump *self = user_data;

  /* a router that refuses or drops us is worth a line; a client that
   * goes away is not */
  if (self->peer != NULL && code != GRPC_STATUS_OK && code != GRPC_STATUS_CANCELLED)
    g_message ("cluster: router %s: %s: %s", self->peer, jmp_grpc_status_name (code), details);
  else if (code != GRPC_STATUS_OK)
    g_debug ("cluster: stream ended: %s: %s", jmp_grpc_status_name (code), details);
  self->over = TRUE;
  jmp_cluster_pump_notify (self);
  jmp_cluster_pump_unref (self);
}

/* socket → call */

static void jmp_cluster_pump_read (JmpClusterPump *self);

static void
jmp_cluster_pump_sent_cb (JmpGrpcCall *call, gboolean ok, gpointer user_data)
{
  g_autoptr(JmpClusterPump) self = user_data;

  if (!ok || self->over || self->socket == NULL)
    return;
  if (self->read_done)
    {
      /* GOAWAY is out: our side is done */
      if (!self->server)
        jmp_grpc_call_close_send (self->call);
      jmp_cluster_pump_check_done (self);
      return;
    }
  jmp_cluster_pump_read (self);
}

static void
jmp_cluster_pump_send_frame (JmpClusterPump *self, gint type, const guint8 *data, gsize len)
{
  Jumpstarter__V1__StreamRequest frame = JUMPSTARTER__V1__STREAM_REQUEST__INIT;
  g_autoptr(GBytes) bytes = NULL;

  frame.frame_type = type;
  frame.payload.data = (guint8 *) data;
  frame.payload.len = len;
  bytes = jmp_pb_pack (&frame.base);
  jmp_grpc_call_send (self->call, bytes, jmp_cluster_pump_sent_cb, jmp_cluster_pump_ref (self));
}

static gboolean
jmp_cluster_pump_readable_cb (GSocket *socket, GIOCondition condition, gpointer user_data)
{
  JmpClusterPump *self = user_data;
  g_autoptr(GError) error = NULL;
  guint8 buf[JMP_CLUSTER_PUMP_CHUNK];
  gssize n;

  n = g_socket_receive (socket, (gchar *) buf, sizeof buf, NULL, &error);
  if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    return G_SOURCE_CONTINUE;

  g_clear_pointer (&self->read_source, g_source_unref);
  if (n < 0)
    {
      jmp_cluster_pump_abort_call (self, error->message);
      return G_SOURCE_REMOVE;
    }
  if (n == 0 && !self->datagram)
    {
      self->read_done = TRUE;
      jmp_cluster_pump_send_frame (self, JUMPSTARTER__V1__FRAME_TYPE__FRAME_TYPE_GOAWAY, NULL, 0);
      return G_SOURCE_REMOVE;
    }
  jmp_cluster_pump_send_frame (self, JUMPSTARTER__V1__FRAME_TYPE__FRAME_TYPE_DATA, buf, n);
  return G_SOURCE_REMOVE;
}

static void
jmp_cluster_pump_read (JmpClusterPump *self)
{
  self->read_source = g_socket_create_source (self->socket, G_IO_IN, NULL);
  g_source_set_callback (self->read_source, G_SOURCE_FUNC (jmp_cluster_pump_readable_cb), self, NULL);
  g_source_attach (self->read_source, NULL);
}

/* call → socket */

static void jmp_cluster_pump_recv (JmpClusterPump *self);

static void
jmp_cluster_pump_peer_done (JmpClusterPump *self)
{
  self->write_done = TRUE;
  if (self->socket != NULL && !self->datagram)
    shutdown (g_socket_get_fd (self->socket), SHUT_WR);
  /* a datagram socket has no end of its own: the peer's end is the end */
  if (self->datagram && !self->read_done)
    {
      self->read_done = TRUE;
      if (self->read_source != NULL)
        g_source_destroy (self->read_source);
      g_clear_pointer (&self->read_source, g_source_unref);
      if (!self->server)
        jmp_grpc_call_close_send (self->call);
    }
  jmp_cluster_pump_check_done (self);
}

static gboolean jmp_cluster_pump_writable_cb (GSocket *socket, GIOCondition condition, gpointer user_data);

/* Writes what is left of the frame; TRUE when it is all out. */
static gboolean
jmp_cluster_pump_write (JmpClusterPump *self)
{
  while (self->frame_offset < self->frame->payload.len)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_socket_send (self->socket,
                                (const gchar *) self->frame->payload.data + self->frame_offset,
                                self->frame->payload.len - self->frame_offset, NULL, &error);

      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        {
          self->write_source = g_socket_create_source (self->socket, G_IO_OUT, NULL);
          g_source_set_callback (self->write_source, G_SOURCE_FUNC (jmp_cluster_pump_writable_cb),
                                 self, NULL);
          g_source_attach (self->write_source, NULL);
          return FALSE;
        }
      if (n < 0)
        {
          jmp_cluster_pump_abort_call (self, error->message);
          return FALSE;
        }
      /* a datagram goes whole or not at all */
      self->frame_offset += self->datagram ? self->frame->payload.len : (gsize) n;
    }
  g_clear_pointer (&self->frame, jmp_pb_free);
  return TRUE;
}

static gboolean
jmp_cluster_pump_writable_cb (GSocket *socket, GIOCondition condition, gpointer user_data)
{
  JmpClusterPump *self = user_data;

  g_clear_pointer (&self->write_source, g_source_unref);
  if (jmp_cluster_pump_write (self))
    jmp_cluster_pump_recv (self);
  return G_SOURCE_REMOVE;
}

static void
jmp_cluster_pump_message_cb (JmpGrpcCall *call, GBytes *message, gpointer user_data)
{
  g_autoptr(JmpClusterPump) self = user_data;
  Jumpstarter__V1__StreamRequest *frame;

  if (self->socket == NULL || self->write_done)
    return;
  if (message == NULL)
    {
      jmp_cluster_pump_peer_done (self);
      return;
    }
  frame = jmp_pb_unpack (&jumpstarter__v1__stream_request__descriptor, message);
  if (frame == NULL)
    {
      jmp_cluster_pump_abort_call (self, "a frame that is not one");
      return;
    }
  switch ((gint) frame->frame_type)
    {
    case JUMPSTARTER__V1__FRAME_TYPE__FRAME_TYPE_DATA:
      if (frame->payload.len == 0 && !self->datagram)
        break;
      self->frame = frame;
      self->frame_offset = 0;
      if (jmp_cluster_pump_write (self))
        jmp_cluster_pump_recv (self);
      return;
    case JUMPSTARTER__V1__FRAME_TYPE__FRAME_TYPE_GOAWAY:
      jmp_pb_free (frame);
      jmp_cluster_pump_peer_done (self);
      return;
    default:
      /* PING and RST_STREAM carry nothing for us, as in Jumpstarter */
      break;
    }
  jmp_pb_free (frame);
  jmp_cluster_pump_recv (self);
}

static void
jmp_cluster_pump_recv (JmpClusterPump *self)
{
  if (self->over || self->socket == NULL)
    return;
  jmp_grpc_call_recv (self->call, jmp_cluster_pump_message_cb, jmp_cluster_pump_ref (self));
}

static JmpClusterPump *
jmp_cluster_pump_new (JmpGrpcCall *call, gboolean server, JmpClusterPumpDoneFunc done, gpointer user_data)
{
  JmpClusterPump *self = g_new0 (JmpClusterPump, 1);

  self->ref_count = 2;  /* the caller's, and the call's until it is over */
  self->call = jmp_grpc_call_ref (call);
  self->server = server;
  self->done = done;
  self->done_data = user_data;
  return self;
}

/**
 * jmp_cluster_pump_new_client:
 * @call: a RouterService.Stream call, not started
 * @peer: the router's endpoint, for messages
 * @done: called once when the call is over and the socket closed
 */
JmpClusterPump *
jmp_cluster_pump_new_client (JmpGrpcCall            *call,
                             const gchar            *peer,
                             JmpClusterPumpDoneFunc  done,
                             gpointer                user_data)
{
  JmpClusterPump *self = jmp_cluster_pump_new (call, FALSE, done, user_data);

  self->peer = g_strdup (peer);

  jmp_grpc_call_start (call, NULL, NULL, jmp_cluster_pump_finished_cb, self);
  return self;
}

/**
 * jmp_cluster_pump_new_server:
 * @call: a RouterService.Stream call that reached our server
 *
 * Accepts the call at once: a client waits for the response headers
 * before it sends, and the driver's stream may take a while to open.
 */
JmpClusterPump *
jmp_cluster_pump_new_server (JmpGrpcCall            *call,
                             JmpClusterPumpDoneFunc  done,
                             gpointer                user_data)
{
  JmpClusterPump *self = jmp_cluster_pump_new (call, TRUE, done, user_data);

  jmp_grpc_call_accept (call, jmp_cluster_pump_finished_cb, self);
  return self;
}

/**
 * jmp_cluster_pump_attach:
 * @socket: the other end; made non-blocking, closed when the pump is done
 */
void
jmp_cluster_pump_attach (JmpClusterPump *self,
                         GSocket        *socket)
{
  if (self->over)
    {
      g_socket_close (socket, NULL);
      return;
    }
  self->socket = g_object_ref (socket);
  self->datagram = g_socket_get_socket_type (socket) == G_SOCKET_TYPE_DATAGRAM;
  g_socket_set_blocking (socket, FALSE);
  jmp_cluster_pump_read (self);
  jmp_cluster_pump_recv (self);
}

/**
 * jmp_cluster_pump_hold:
 * @lease: (transfer none): dropped when the pump closes its socket
 */
void
jmp_cluster_pump_hold (JmpClusterPump *self,
                       JmpStreamLease *lease)
{
  g_set_object (&self->lease, lease);
}

/**
 * jmp_cluster_pump_fail:
 *
 * Ends a server call that got no socket, with an error status.
 */
void
jmp_cluster_pump_fail (JmpClusterPump *self,
                       gint            code,
                       const gchar    *details)
{
  g_return_if_fail (self->server);
  if (self->finishing)
    return;
  self->finishing = TRUE;
  jmp_grpc_call_finish (self->call, NULL, code, details);
}

/**
 * jmp_cluster_pump_abort:
 *
 * Ends the call and closes the socket, at once: the lease is over. The
 * done function is not called.
 */
void
jmp_cluster_pump_abort (JmpClusterPump *self)
{
  self->done = NULL;
  jmp_grpc_call_cancel (self->call);
  jmp_cluster_pump_close_socket (self);
}
