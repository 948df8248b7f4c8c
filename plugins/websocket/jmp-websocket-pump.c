/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>


#include "jmp-websocket-frame.h"
#include "jmp-websocket-pump.h"

/*
 * One connection, two directions, each with at most one read or one write
 * in flight, so memory stays at two buffers whatever the peers do:
 *
 *  up:   read the client's bytes into up_buf, mask them in place behind a
 *        header, write that binary frame; only then read again. A server
 *        that does not read stops the client's bytes in the kernel.
 *  down: read the server's bytes into down_buf, decode frames in place,
 *        write the payloads of text and binary frames to the client with
 *        one writev; only then read again. A client that does not read
 *        stops the server at its TCP window.
 *
 * Control frames (pong, ping, close) are small and go out between data
 * frames. The client's EOF becomes close 1000 after its last byte; the
 * server's close becomes EOF for the client after the payloads before it.
 */

#define JMP_WS_UP_CHUNK   (256 * 1024)
#define JMP_WS_DOWN_CHUNK (256 * 1024)
/* bounds the TLS close_notify to a server that no longer reads */
#define JMP_WS_CLOSE_GRACE_MS 2000

typedef enum {
  JMP_WS_WRITE_DATA,
  JMP_WS_WRITE_CONTROL,
  JMP_WS_WRITE_CLOSE,
} JmpWsWriteKind;

typedef struct {
  gint               ref_count;  /* one per operation in flight, one while running */
  gchar             *label;      /* "NAME (URL)" for the log */
  JmpStreamLease    *lease;      /* the stream, counted against its client */
  gboolean           logged;     /* one line per connection at most */
  GCancellable      *cancellable;
  GCancellable      *stop;
  gulong             stop_id;
  gboolean           torn_down;

  GIOStream         *ws;
  GInputStream      *ws_in;
  GOutputStream     *ws_out;
  gboolean           ws_gone;    /* no close frame can be sent any more */

  GSocketConnection *local;
  GInputStream      *local_in;
  GOutputStream     *local_out;

  /* up */
  guint8            *up_buf;     /* JMP_WS_HEADER_MAX + JMP_WS_UP_CHUNK */
  gsize              up_start;   /* the pending data frame in up_buf */
  gsize              up_len;
  gboolean           up_pending;
  gboolean           up_done;    /* no more data frames */

  /* the writer */
  gboolean           writing;
  JmpWsWriteKind     write_kind;
  guint8             control[JMP_WS_HEADER_MAX + JMP_WS_CONTROL_MAX];
  guint8             pong[JMP_WS_CONTROL_MAX];
  gsize              pong_len;
  gboolean           pong_pending;
  gboolean           ping_pending;
  gboolean           close_pending;
  guint              close_code;  /* 0: a close frame without a code */
  gboolean           close_sent;
  GSource           *keepalive;

  /* down */
  guint8            *down_buf;
  JmpWsDecoder       decoder;
  GArray            *spans;      /* GOutputVector into down_buf */
  gboolean           down_ending;
  gboolean           down_done;
  gboolean           close_received;
} JmpWsPump;

static void jmp_ws_pump_up_read (JmpWsPump *self);
static void jmp_ws_pump_down_read (JmpWsPump *self);
static void jmp_ws_pump_write (JmpWsPump *self);

typedef struct {
  GIOStream    *ws;
  GCancellable *cancellable;
  GSource      *timeout;
} JmpWsClose;

static gboolean
jmp_ws_close_expired_cb (gpointer user_data)
{
  JmpWsClose *close = user_data;

  g_cancellable_cancel (close->cancellable);
  return G_SOURCE_REMOVE;
}

static void
jmp_ws_close_done_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  JmpWsClose *close = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_io_stream_close_finish (G_IO_STREAM (source), res, &error))
    g_debug ("closing a WebSocket connection: %s", error->message);
  g_source_destroy (close->timeout);
  g_source_unref (close->timeout);
  g_object_unref (close->cancellable);
  g_object_unref (close->ws);
  g_free (close);
}

/* A TLS stream says close_notify first; a server that stopped reading
 * must not keep the descriptor open. */
static void
jmp_ws_close_stream (GIOStream *ws)
{
  JmpWsClose *close = g_new0 (JmpWsClose, 1);

  close->ws = g_object_ref (ws);
  close->cancellable = g_cancellable_new ();
  close->timeout = g_timeout_source_new (JMP_WS_CLOSE_GRACE_MS);
  g_source_set_static_name (close->timeout, "[jmp-websocket] close grace");
  g_source_set_callback (close->timeout, jmp_ws_close_expired_cb, close, NULL);
  g_source_attach (close->timeout, g_main_context_get_thread_default ());
  g_io_stream_close_async (ws, G_PRIORITY_DEFAULT, close->cancellable,
                           jmp_ws_close_done_cb, close);
}

static JmpWsPump *
jmp_ws_pump_ref (JmpWsPump *self)
{
  self->ref_count++;
  return self;
}

static void
jmp_ws_pump_unref (JmpWsPump *self)
{
  if (--self->ref_count > 0)
    return;
  if (self->stop_id != 0)
    g_cancellable_disconnect (self->stop, self->stop_id);
  g_clear_object (&self->stop);
  if (self->keepalive != NULL)
    {
      g_source_destroy (self->keepalive);
      g_source_unref (self->keepalive);
    }
  g_io_stream_close (G_IO_STREAM (self->local), NULL, NULL);
  g_object_unref (self->local);
  jmp_ws_close_stream (self->ws);
  g_object_unref (self->ws);
  g_object_unref (self->cancellable);
  g_array_unref (self->spans);
  g_free (self->up_buf);
  g_free (self->down_buf);
  g_free (self->label);
  g_object_unref (self->lease);
  g_free (self);
}

/* What happened to the connection, once: the operator learns why a
 * console went away without a line per frame. */
G_GNUC_PRINTF (2, 3) static void
jmp_ws_pump_log (JmpWsPump *self, const gchar *format, ...)
{
  g_autofree gchar *text = NULL;
  va_list ap;

  if (self->logged)
    return;
  self->logged = TRUE;
  va_start (ap, format);
  text = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_message ("%s: %s", self->label, text);
}

/* Torn down, or the driver stopped (which cancels from outside). */
static gboolean
jmp_ws_pump_is_over (JmpWsPump *self)
{
  return self->torn_down || g_cancellable_is_cancelled (self->cancellable);
}

static void
jmp_ws_pump_tear_down (JmpWsPump *self)
{
  if (self->torn_down)
    return;
  self->torn_down = TRUE;
  /* the operations in flight end with G_IO_ERROR_CANCELLED and drop
   * their references; the last one closes everything */
  g_cancellable_cancel (self->cancellable);
}

static void
jmp_ws_pump_check_finished (JmpWsPump *self)
{
  if (self->down_done && (self->close_sent || self->ws_gone))
    jmp_ws_pump_tear_down (self);
}

static gboolean
jmp_ws_pump_is_cancelled (JmpWsPump *self, const GError *error)
{
  return jmp_ws_pump_is_over (self) || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* The server's connection broke: nothing more can be said on it. */
static void
jmp_ws_pump_lost (JmpWsPump *self, const GError *error)
{
  jmp_ws_pump_log (self, "connection lost: %s", error->message);
  self->ws_gone = TRUE;
  jmp_ws_pump_tear_down (self);
}

static void
jmp_ws_pump_queue_close (JmpWsPump *self, guint code)
{
  if (self->close_pending || self->close_sent)
    return;
  self->close_pending = TRUE;
  self->close_code = code;
  /* nothing may follow a close frame; a frame being written completes */
  self->up_done = TRUE;
  if (!self->writing || self->write_kind != JMP_WS_WRITE_DATA)
    self->up_pending = FALSE;
  jmp_ws_pump_write (self);
}

/* ---- the writer ---------------------------------------------------------- */

static void
jmp_ws_pump_written_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  JmpWsPump *self = user_data;
  g_autoptr(GError) error = NULL;

  self->writing = FALSE;
  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), res, NULL, &error))
    {
      if (!jmp_ws_pump_is_cancelled (self, error))
        jmp_ws_pump_lost (self, error);
      jmp_ws_pump_unref (self);
      return;
    }
  switch (self->write_kind)
    {
    case JMP_WS_WRITE_DATA:
      self->up_pending = FALSE;
      jmp_ws_pump_up_read (self);
      break;
    case JMP_WS_WRITE_CLOSE:
      self->close_sent = TRUE;
      jmp_ws_pump_check_finished (self);
      break;
    case JMP_WS_WRITE_CONTROL:
      break;
    }
  jmp_ws_pump_write (self);
  jmp_ws_pump_unref (self);
}

/* Starts the next frame, if any: control frames first, the close last. */
static void
jmp_ws_pump_write (JmpWsPump *self)
{
  JmpWsWriteKind kind;
  const guint8 *data;
  gsize len;

  if (self->writing || jmp_ws_pump_is_over (self) || self->close_sent)
    return;
  if (self->pong_pending)
    {
      self->pong_pending = FALSE;
      kind = JMP_WS_WRITE_CONTROL;
      len = jmp_ws_frame_build_control (self->control, JMP_WS_OPCODE_PONG,
                                        self->pong, self->pong_len);
      data = self->control;
    }
  else if (self->ping_pending)
    {
      self->ping_pending = FALSE;
      kind = JMP_WS_WRITE_CONTROL;
      len = jmp_ws_frame_build_control (self->control, JMP_WS_OPCODE_PING, NULL, 0);
      data = self->control;
    }
  else if (self->up_pending)
    {
      kind = JMP_WS_WRITE_DATA;
      data = self->up_buf + self->up_start;
      len = self->up_len;
    }
  else if (self->close_pending)
    {
      kind = JMP_WS_WRITE_CLOSE;
      len = jmp_ws_frame_build_close (self->control, self->close_code, NULL);
      data = self->control;
    }
  else
    return;

  self->writing = TRUE;
  self->write_kind = kind;
  g_output_stream_write_all_async (self->ws_out, data, len, G_PRIORITY_DEFAULT,
                                   self->cancellable, jmp_ws_pump_written_cb,
                                   jmp_ws_pump_ref (self));
}

/* ---- up: the client's bytes -------------------------------------------- */

static void
jmp_ws_pump_up_read_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  JmpWsPump *self = user_data;
  g_autoptr(GError) error = NULL;
  guint8 mask[4];
  guint8 header[JMP_WS_HEADER_MAX];
  gsize header_len;
  gssize n;

  n = g_input_stream_read_finish (G_INPUT_STREAM (source), res, &error);
  if (jmp_ws_pump_is_over (self) || self->up_done)
    {
      /* torn down, or the server closed meanwhile: these bytes have nowhere to go */
      jmp_ws_pump_unref (self);
      return;
    }
  if (n <= 0)
    {
      if (n < 0)
        g_debug ("%s: client stream: %s", self->label, error->message);
      /* EOF, or a client that vanished: after its last byte, close 1000 */
      self->up_done = TRUE;
      jmp_ws_pump_queue_close (self, JMP_WS_CLOSE_NORMAL);
      jmp_ws_pump_unref (self);
      return;
    }

  jmp_ws_frame_new_mask (mask);
  jmp_ws_frame_mask (self->up_buf + JMP_WS_HEADER_MAX, n, mask);
  header_len = jmp_ws_frame_write_header (header, JMP_WS_OPCODE_BINARY, n, mask);
  /* the header goes right in front of the payload: one write per frame */
  self->up_start = JMP_WS_HEADER_MAX - header_len;
  memcpy (self->up_buf + self->up_start, header, header_len);
  self->up_len = header_len + n;
  self->up_pending = TRUE;
  jmp_ws_pump_write (self);
  jmp_ws_pump_unref (self);
}

static void
jmp_ws_pump_up_read (JmpWsPump *self)
{
  if (jmp_ws_pump_is_over (self) || self->up_done || self->up_pending)
    return;
  g_input_stream_read_async (self->local_in, self->up_buf + JMP_WS_HEADER_MAX,
                             JMP_WS_UP_CHUNK, G_PRIORITY_DEFAULT, self->cancellable,
                             jmp_ws_pump_up_read_cb, jmp_ws_pump_ref (self));
}

/* ---- down: the server's frames ----------------------------------------- */

/* Every byte before the server's close (or its EOF) is with the client:
 * now the client reads EOF, and may still write until we close. */
static void
jmp_ws_pump_down_finish (JmpWsPump *self)
{
  self->down_done = TRUE;
  g_socket_shutdown (g_socket_connection_get_socket (self->local), FALSE, TRUE, NULL);
  jmp_ws_pump_check_finished (self);
}

static void
jmp_ws_pump_down_continue (JmpWsPump *self)
{
  if (self->close_received || self->down_ending)
    jmp_ws_pump_down_finish (self);
  else
    jmp_ws_pump_down_read (self);
}

static void
jmp_ws_pump_down_written_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  JmpWsPump *self = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_output_stream_writev_all_finish (G_OUTPUT_STREAM (source), res, NULL, &error))
    {
      if (!jmp_ws_pump_is_cancelled (self, error))
        {
          /* the client hung up: tell the server, do not wait for it */
          g_debug ("%s: client stream: %s", self->label, error->message);
          self->down_done = TRUE;
          jmp_ws_pump_queue_close (self, JMP_WS_CLOSE_NORMAL);
          jmp_ws_pump_check_finished (self);
        }
      jmp_ws_pump_unref (self);
      return;
    }
  if (!jmp_ws_pump_is_over (self))
    jmp_ws_pump_down_continue (self);
  jmp_ws_pump_unref (self);
}

static void
jmp_ws_pump_on_close (JmpWsPump *self, const JmpWsChunk *chunk)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *reason = NULL;
  guint code;

  self->close_received = TRUE;
  if (!jmp_ws_decoder_parse_close (chunk, &code, &reason, &error))
    {
      jmp_ws_pump_log (self, "%s", error->message);
      jmp_ws_pump_queue_close (self, JMP_WS_CLOSE_PROTOCOL);
      return;
    }
  if (code != JMP_WS_CLOSE_NORMAL && code != JMP_WS_CLOSE_GOING_AWAY &&
      code != JMP_WS_CLOSE_NO_STATUS)
    jmp_ws_pump_log (self, "server closed with code %u%s%s", code,
                     *reason != '\0' ? ": " : "", reason);
  else
    g_debug ("%s: server closed with code %u", self->label, code);
  /* the usual answer echoes the code */
  jmp_ws_pump_queue_close (self, code == JMP_WS_CLOSE_NO_STATUS ? 0 : code);
}

/* Decodes @n bytes of down_buf: data payloads become spans to write, a
 * ping is answered, a close ends this direction. */
static void
jmp_ws_pump_decode (JmpWsPump *self, gsize n)
{
  const guint8 *data = self->down_buf;

  g_array_set_size (self->spans, 0);
  while (n > 0 && !self->close_received && !self->down_ending)
    {
      g_autoptr(GError) error = NULL;
      JmpWsChunk chunk;
      gssize used = jmp_ws_decoder_feed (&self->decoder, data, n, &chunk, &error);

      if (used < 0)
        {
          jmp_ws_pump_log (self, "%s", error->message);
          self->down_ending = TRUE;
          jmp_ws_pump_queue_close (self, JMP_WS_CLOSE_PROTOCOL);
          break;
        }
      data += used;
      n -= used;
      if (chunk.kind == JMP_WS_CHUNK_DATA && chunk.len > 0)
        {
          GOutputVector *last = self->spans->len > 0 ?
              &g_array_index (self->spans, GOutputVector, self->spans->len - 1) : NULL;

          /* a frame split over reads, or frames back to back, join up */
          if (last != NULL && (const guint8 *) last->buffer + last->size == chunk.data)
            last->size += chunk.len;
          else
            {
              GOutputVector span = { chunk.data, chunk.len };
              g_array_append_val (self->spans, span);
            }
        }
      else if (chunk.kind == JMP_WS_CHUNK_CONTROL)
        {
          switch (chunk.opcode)
            {
            case JMP_WS_OPCODE_PING:
              /* only the latest ping needs its pong (RFC 6455 §5.5.3) */
              memcpy (self->pong, chunk.data, chunk.len);
              self->pong_len = chunk.len;
              self->pong_pending = TRUE;
              jmp_ws_pump_write (self);
              break;
            case JMP_WS_OPCODE_CLOSE:
              jmp_ws_pump_on_close (self, &chunk);
              break;
            default:
              break;
            }
        }
    }
}

static void
jmp_ws_pump_down_read_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  JmpWsPump *self = user_data;
  g_autoptr(GError) error = NULL;
  gssize n;

  n = g_input_stream_read_finish (G_INPUT_STREAM (source), res, &error);
  if (jmp_ws_pump_is_over (self))
    {
      jmp_ws_pump_unref (self);
      return;
    }
  if (n < 0)
    {
      if (!jmp_ws_pump_is_cancelled (self, error))
        {
          jmp_ws_pump_log (self, "connection lost: %s", error->message);
          self->ws_gone = TRUE;
          jmp_ws_pump_down_finish (self);
          jmp_ws_pump_tear_down (self);
        }
      jmp_ws_pump_unref (self);
      return;
    }
  if (n == 0)
    {
      jmp_ws_pump_log (self, "server closed the connection without a close frame");
      self->ws_gone = TRUE;
      jmp_ws_pump_down_finish (self);
      jmp_ws_pump_unref (self);
      return;
    }

  jmp_ws_pump_decode (self, n);
  if (self->spans->len > 0)
    g_output_stream_writev_all_async (self->local_out,
                                      (GOutputVector *) self->spans->data, self->spans->len,
                                      G_PRIORITY_DEFAULT, self->cancellable,
                                      jmp_ws_pump_down_written_cb, jmp_ws_pump_ref (self));
  else if (!jmp_ws_pump_is_over (self))
    jmp_ws_pump_down_continue (self);
  jmp_ws_pump_unref (self);
}

static void
jmp_ws_pump_down_read (JmpWsPump *self)
{
  if (jmp_ws_pump_is_over (self) || self->down_done)
    return;
  g_input_stream_read_async (self->ws_in, self->down_buf, JMP_WS_DOWN_CHUNK,
                             G_PRIORITY_DEFAULT, self->cancellable,
                             jmp_ws_pump_down_read_cb, jmp_ws_pump_ref (self));
}

/* ---- the connection ---------------------------------------------------- */

static gboolean
jmp_ws_pump_keepalive_cb (gpointer user_data)
{
  JmpWsPump *self = user_data;

  self->ping_pending = TRUE;
  jmp_ws_pump_write (self);
  return G_SOURCE_CONTINUE;
}

static void
jmp_ws_pump_stop_cb (GCancellable *stop, gpointer user_data)
{
  /* the driver stops: every operation in flight ends */
  g_cancellable_cancel (G_CANCELLABLE (user_data));
}

/**
 * jmp_ws_pump_start:
 * @websocket: the upgraded connection, after the handshake
 * @local: our end of the client's socketpair
 * @lease: the stream's place in its client's budget, held until the end
 * @label: names the connection in the log, e.g. `NAME (URL)`
 * @keepalive_interval: seconds between pings, 0 for none
 * @stop: cancelled when the driver stops
 */
void
jmp_ws_pump_start (GIOStream      *websocket,
                   GSocket        *local,
                   JmpStreamLease *lease,
                   const gchar    *label,
                   guint           keepalive_interval,
                   GCancellable   *stop)
{
  JmpWsPump *self = g_new0 (JmpWsPump, 1);

  self->ref_count = 1;
  self->label = g_strdup (label);
  self->lease = g_object_ref (lease);
  self->cancellable = g_cancellable_new ();
  self->ws = g_object_ref (websocket);
  self->ws_in = g_io_stream_get_input_stream (websocket);
  self->ws_out = g_io_stream_get_output_stream (websocket);
  self->local = g_socket_connection_factory_create_connection (local);
  self->local_in = g_io_stream_get_input_stream (G_IO_STREAM (self->local));
  self->local_out = g_io_stream_get_output_stream (G_IO_STREAM (self->local));
  self->up_buf = g_malloc (JMP_WS_HEADER_MAX + JMP_WS_UP_CHUNK);
  self->down_buf = g_malloc (JMP_WS_DOWN_CHUNK);
  self->spans = g_array_new (FALSE, FALSE, sizeof (GOutputVector));
  jmp_ws_decoder_init (&self->decoder);

  if (stop != NULL)
    {
      self->stop = g_object_ref (stop);
      self->stop_id = g_cancellable_connect (stop, G_CALLBACK (jmp_ws_pump_stop_cb),
                                             g_object_ref (self->cancellable),
                                             g_object_unref);
    }
  if (keepalive_interval > 0)
    {
      self->keepalive = g_timeout_source_new_seconds (keepalive_interval);
      g_source_set_static_name (self->keepalive, "[jmp-websocket] keepalive");
      g_source_set_callback (self->keepalive, jmp_ws_pump_keepalive_cb, self, NULL);
      g_source_attach (self->keepalive, g_main_context_get_thread_default ());
    }

  jmp_ws_pump_up_read (self);
  jmp_ws_pump_down_read (self);
  /* from here on, the operations in flight keep it */
  jmp_ws_pump_unref (self);
}
