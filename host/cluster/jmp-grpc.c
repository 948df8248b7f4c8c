/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc_posix.h>
#include <grpc/grpc_security.h>
#include <grpc/slice.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>

#include "jmp-grpc.h"

/*
 * gRPC's C core reports every finished batch on a completion queue. One
 * thread waits on the queue and hands each event to the main context;
 * everything else (starting batches, callbacks, all state) happens on the
 * main thread, so nothing here needs a lock.
 *
 * Each kind of batch has its own tag inside the call, because the core
 * allows one outstanding batch per operation type anyway; a pending tag
 * holds a reference on its call.
 */

typedef struct _JmpGrpcTag JmpGrpcTag;
struct _JmpGrpcTag
{
  void     (*fire) (gpointer owner, gboolean ok);
  gpointer   owner;
  gboolean   ok;
};

static grpc_completion_queue *jmp_grpc_cq;
static GThread               *jmp_grpc_thread;
static GMainContext          *jmp_grpc_context;

struct _JmpGrpcCall
{
  gint                 ref_count;
  grpc_call           *call;
  gboolean             server;
  gboolean             over;
  gboolean             initial_md_sent;

  grpc_metadata       *send_md;
  gsize                n_send_md;

  /* client side */
  grpc_metadata_array  recv_initial_md;
  grpc_metadata_array  trailing_md;
  grpc_status_code     status;
  grpc_slice           status_details;
  const char          *error_string;

  /* server side */
  grpc_call_details    details;
  grpc_metadata_array  request_md;
  int                  cancelled;
  grpc_slice           finish_details;
  grpc_byte_buffer    *finish_bb;

  JmpGrpcTag           start_tag;
  JmpGrpcTag           initial_md_tag;
  JmpGrpcTag           status_tag;
  JmpGrpcTag           recv_tag;
  JmpGrpcTag           send_tag;
  JmpGrpcTag           close_tag;
  JmpGrpcTag           finish_tag;

  grpc_byte_buffer    *start_bb;
  JmpGrpcDoneFunc      started;
  JmpGrpcStatusFunc    finished;
  gpointer             finished_data;

  grpc_byte_buffer    *recv_bb;
  JmpGrpcMessageFunc   recv_func;
  gpointer             recv_data;

  grpc_byte_buffer    *send_bb;
  JmpGrpcDoneFunc      send_done;
  gpointer             send_data;
};

static gboolean
jmp_grpc_dispatch_cb (gpointer user_data)
{
  JmpGrpcTag *tag = user_data;

  tag->fire (tag->owner, tag->ok);
  return G_SOURCE_REMOVE;
}

/* Hands a finished batch to the main context; never runs it here, even
 * when the main context happens to be free. */
static void
jmp_grpc_post (JmpGrpcTag *tag)
{
  GSource *source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, jmp_grpc_dispatch_cb, tag, NULL);
  g_source_attach (source, jmp_grpc_context);
  g_source_unref (source);
}

static gpointer
jmp_grpc_thread_func (gpointer user_data)
{
  for (;;)
    {
      grpc_event ev = grpc_completion_queue_next (jmp_grpc_cq,
                                                  gpr_inf_future (GPR_CLOCK_REALTIME),
                                                  NULL);
      JmpGrpcTag *tag;

      if (ev.type == GRPC_QUEUE_SHUTDOWN)
        break;
      if (ev.type != GRPC_OP_COMPLETE)
        continue;
      tag = ev.tag;
      tag->ok = ev.success;
      jmp_grpc_post (tag);
    }
  return NULL;
}

/**
 * jmp_grpc_init:
 *
 * Starts gRPC and the thread that hands its events to the thread-default
 * main context of the caller. Safe to call more than once.
 */
void
jmp_grpc_init (void)
{
  if (jmp_grpc_cq != NULL)
    return;
  grpc_init ();
  jmp_grpc_context = g_main_context_ref_thread_default ();
  jmp_grpc_cq = grpc_completion_queue_create_for_next (NULL);
  jmp_grpc_thread = g_thread_new ("jmp-grpc", jmp_grpc_thread_func, NULL);
}

/**
 * jmp_grpc_shutdown:
 *
 * Stops the queue thread once every pending batch has finished: call it
 * after the channels are destroyed and the calls cancelled. Events still
 * queued for the main context are dropped.
 */
void
jmp_grpc_shutdown (void)
{
  if (jmp_grpc_cq == NULL)
    return;
  grpc_completion_queue_shutdown (jmp_grpc_cq);
  g_thread_join (g_steal_pointer (&jmp_grpc_thread));
  grpc_completion_queue_destroy (g_steal_pointer (&jmp_grpc_cq));
  g_clear_pointer (&jmp_grpc_context, g_main_context_unref);
  grpc_shutdown ();
}

/* Bytes and byte buffers */

static grpc_byte_buffer *
jmp_grpc_buffer_new (GBytes *bytes)
{
  gsize len;
  gconstpointer data = g_bytes_get_data (bytes, &len);
  grpc_slice slice = grpc_slice_from_copied_buffer (data, len);
  grpc_byte_buffer *bb = grpc_raw_byte_buffer_create (&slice, 1);

  grpc_slice_unref (slice);
  return bb;
}

static void
jmp_grpc_slice_free (gpointer data)
{
  grpc_slice *slice = data;

  grpc_slice_unref (*slice);
  g_free (slice);
}

/* Takes @bb; the result shares its memory, no copy. */
static GBytes *
jmp_grpc_buffer_steal (grpc_byte_buffer *bb)
{
  grpc_byte_buffer_reader reader;
  grpc_slice *slice = g_new (grpc_slice, 1);

  if (!grpc_byte_buffer_reader_init (&reader, bb))
    {
      g_free (slice);
      grpc_byte_buffer_destroy (bb);
      return g_bytes_new (NULL, 0);
    }
  *slice = grpc_byte_buffer_reader_readall (&reader);
  grpc_byte_buffer_reader_destroy (&reader);
  grpc_byte_buffer_destroy (bb);
  return g_bytes_new_with_free_func (GRPC_SLICE_START_PTR (*slice),
                                     GRPC_SLICE_LENGTH (*slice),
                                     jmp_grpc_slice_free, slice);
}

static gchar *
jmp_grpc_slice_dup (grpc_slice slice)
{
  return g_strndup ((const gchar *) GRPC_SLICE_START_PTR (slice), GRPC_SLICE_LENGTH (slice));
}

/* Calls */

static JmpGrpcCall *
jmp_grpc_call_alloc (gboolean server)
{
  JmpGrpcCall *self = g_new0 (JmpGrpcCall, 1);

  self->ref_count = 1;
  self->server = server;
  self->status_details = grpc_empty_slice ();
  self->finish_details = grpc_empty_slice ();
  grpc_metadata_array_init (&self->recv_initial_md);
  grpc_metadata_array_init (&self->trailing_md);
  grpc_metadata_array_init (&self->request_md);
  grpc_call_details_init (&self->details);
  return self;
}

/**
 * jmp_grpc_call_new:
 * @channel: the channel
 * @method: the method's path, e.g. "/jumpstarter.v1.ControllerService/Status"
 * @metadata: (nullable): key, value, key, value…, %NULL-terminated
 * @timeout_ms: a deadline from now, or -1 for none (streams)
 *
 * Returns: a client call, not started yet
 */
JmpGrpcCall *
jmp_grpc_call_new (grpc_channel        *channel,
                   const gchar         *method,
                   const gchar * const *metadata,
                   gint64               timeout_ms)
{
  JmpGrpcCall *self = jmp_grpc_call_alloc (FALSE);
  grpc_slice path = grpc_slice_from_copied_string (method);
  gpr_timespec deadline = timeout_ms < 0
    ? gpr_inf_future (GPR_CLOCK_REALTIME)
    : gpr_time_add (gpr_now (GPR_CLOCK_REALTIME),
                    gpr_time_from_millis (timeout_ms, GPR_TIMESPAN));

  self->call = grpc_channel_create_call (channel, NULL, GRPC_PROPAGATE_DEFAULTS,
                                         jmp_grpc_cq, path, NULL, deadline, NULL);
  grpc_slice_unref (path);

  self->n_send_md = metadata != NULL ? g_strv_length ((gchar **) metadata) / 2 : 0;
  self->send_md = g_new0 (grpc_metadata, MAX (self->n_send_md, 1));
  for (gsize i = 0; i < self->n_send_md; i++)
    {
      self->send_md[i].key = grpc_slice_from_copied_string (metadata[2 * i]);
      self->send_md[i].value = grpc_slice_from_copied_string (metadata[2 * i + 1]);
    }
  return self;
}

JmpGrpcCall *
jmp_grpc_call_ref (JmpGrpcCall *self)
{
  self->ref_count++;
  return self;
}

void
jmp_grpc_call_unref (JmpGrpcCall *self)
{
  if (--self->ref_count > 0)
    return;
  for (gsize i = 0; i < self->n_send_md; i++)
    {
      grpc_slice_unref (self->send_md[i].key);
      grpc_slice_unref (self->send_md[i].value);
    }
  g_free (self->send_md);
  grpc_metadata_array_destroy (&self->recv_initial_md);
  grpc_metadata_array_destroy (&self->trailing_md);
  grpc_metadata_array_destroy (&self->request_md);
  grpc_call_details_destroy (&self->details);
  grpc_slice_unref (self->status_details);
  grpc_slice_unref (self->finish_details);
  if (self->error_string != NULL)
    gpr_free ((void *) self->error_string);
  if (self->call != NULL)
    grpc_call_unref (self->call);
  g_free (self);
}

/* Starts a batch; a batch the core refuses completes as failed, later,
 * so that callers see one path. */
static void
jmp_grpc_call_batch (JmpGrpcCall *self,
                     JmpGrpcTag  *tag,
                     void       (*fire) (gpointer, gboolean),
                     grpc_op     *ops,
                     gsize        n_ops)
{
  grpc_call_error err;

  tag->fire = fire;
  tag->owner = jmp_grpc_call_ref (self);
  err = grpc_call_start_batch (self->call, ops, n_ops, tag, NULL);
  if (err != GRPC_CALL_OK)
    {
      g_debug ("gRPC batch refused: %d", err);
      tag->ok = FALSE;
      jmp_grpc_post (tag);
    }
}

static void
jmp_grpc_call_start_fired (gpointer owner, gboolean ok)
{
  JmpGrpcCall *self = owner;

  g_clear_pointer (&self->start_bb, grpc_byte_buffer_destroy);
  if (self->started != NULL)
    self->started (self, ok, self->finished_data);
  jmp_grpc_call_unref (self);
}

static void
jmp_grpc_call_nothing_fired (gpointer owner, gboolean ok)
{
  jmp_grpc_call_unref (owner);
}

static void
jmp_grpc_call_status_fired (gpointer owner, gboolean ok)
{
  JmpGrpcCall *self = owner;
  g_autofree gchar *details = NULL;
  gint code;

  self->over = TRUE;
  if (self->server)
    {
      code = self->cancelled ? GRPC_STATUS_CANCELLED : GRPC_STATUS_OK;
      details = g_strdup (self->cancelled ? "cancelled" : "");
    }
  else
    {
      code = ok ? (gint) self->status : GRPC_STATUS_UNKNOWN;
      details = jmp_grpc_slice_dup (self->status_details);
      if (*details == '\0' && self->error_string != NULL)
        jmp_set_str (&details, self->error_string);
    }
  if (self->finished != NULL)
    self->finished (self, code, details, self->finished_data);
  jmp_grpc_call_unref (self);
}

/**
 * jmp_grpc_call_start:
 * @request: (nullable): the one request of a unary or server-streaming
 *   call, sent with the client's half-close; %NULL for a bidirectional one
 * @started: (nullable): called once the headers (and @request) are sent
 * @finished: called once with the call's status
 *
 * Starts a client call. Messages are read with jmp_grpc_call_recv().
 */
void
jmp_grpc_call_start (JmpGrpcCall       *self,
                     GBytes            *request,
                     JmpGrpcDoneFunc    started,
                     JmpGrpcStatusFunc  finished,
                     gpointer           user_data)
{
  grpc_op ops[3] = { 0 };
  gsize n = 0;

  g_return_if_fail (!self->server);

  self->started = started;
  self->finished = finished;
  self->finished_data = user_data;

  ops[n].op = GRPC_OP_SEND_INITIAL_METADATA;
  ops[n].data.send_initial_metadata.count = self->n_send_md;
  ops[n].data.send_initial_metadata.metadata = self->send_md;
  n++;
  if (request != NULL)
    {
      self->start_bb = jmp_grpc_buffer_new (request);
      ops[n].op = GRPC_OP_SEND_MESSAGE;
      ops[n].data.send_message.send_message = self->start_bb;
      n++;
      ops[n].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
      n++;
    }
  jmp_grpc_call_batch (self, &self->start_tag, jmp_grpc_call_start_fired, ops, n);

  memset (ops, 0, sizeof ops);
  ops[0].op = GRPC_OP_RECV_INITIAL_METADATA;
  ops[0].data.recv_initial_metadata.recv_initial_metadata = &self->recv_initial_md;
  jmp_grpc_call_batch (self, &self->initial_md_tag, jmp_grpc_call_nothing_fired, ops, 1);

  memset (ops, 0, sizeof ops);
  ops[0].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
  ops[0].data.recv_status_on_client.trailing_metadata = &self->trailing_md;
  ops[0].data.recv_status_on_client.status = &self->status;
  ops[0].data.recv_status_on_client.status_details = &self->status_details;
  ops[0].data.recv_status_on_client.error_string = &self->error_string;
  jmp_grpc_call_batch (self, &self->status_tag, jmp_grpc_call_status_fired, ops, 1);
}

static void
jmp_grpc_call_recv_fired (gpointer owner, gboolean ok)
{
  JmpGrpcCall *self = owner;
  grpc_byte_buffer *bb = g_steal_pointer (&self->recv_bb);
  g_autoptr(GBytes) message = NULL;

  if (ok && bb != NULL)
    message = jmp_grpc_buffer_steal (bb);
  else if (bb != NULL)
    grpc_byte_buffer_destroy (bb);
  self->recv_func (self, message, self->recv_data);
  jmp_grpc_call_unref (self);
}

/**
 * jmp_grpc_call_recv:
 * @func: called once with the next message, or %NULL at the end
 *
 * Reads one message. Call again from @func for the next: the peer is held
 * back by HTTP/2 flow control meanwhile, which is how a slow consumer
 * slows the producer.
 */
void
jmp_grpc_call_recv (JmpGrpcCall        *self,
                    JmpGrpcMessageFunc  func,
                    gpointer            user_data)
{
  grpc_op op = { 0 };

  self->recv_func = func;
  self->recv_data = user_data;
  op.op = GRPC_OP_RECV_MESSAGE;
  op.data.recv_message.recv_message = &self->recv_bb;
  jmp_grpc_call_batch (self, &self->recv_tag, jmp_grpc_call_recv_fired, &op, 1);
}

static void
jmp_grpc_call_send_fired (gpointer owner, gboolean ok)
{
  JmpGrpcCall *self = owner;

  g_clear_pointer (&self->send_bb, grpc_byte_buffer_destroy);
  if (self->send_done != NULL)
    self->send_done (self, ok, self->send_data);
  jmp_grpc_call_unref (self);
}

/**
 * jmp_grpc_call_send:
 * @done: (nullable): called when the message is handed to the transport
 *
 * Sends one message; the next may be sent from @done.
 */
void
jmp_grpc_call_send (JmpGrpcCall     *self,
                    GBytes          *message,
                    JmpGrpcDoneFunc  done,
                    gpointer         user_data)
{
  grpc_op ops[2] = { 0 };
  gsize n = 0;

  if (self->server && !self->initial_md_sent)
    {
      ops[n++].op = GRPC_OP_SEND_INITIAL_METADATA;
      self->initial_md_sent = TRUE;
    }
  self->send_bb = jmp_grpc_buffer_new (message);
  self->send_done = done;
  self->send_data = user_data;
  ops[n].op = GRPC_OP_SEND_MESSAGE;
  ops[n].data.send_message.send_message = self->send_bb;
  n++;
  jmp_grpc_call_batch (self, &self->send_tag, jmp_grpc_call_send_fired, ops, n);
}

/**
 * jmp_grpc_call_close_send:
 *
 * Half-closes a client call: the server sees the end of its stream.
 */
void
jmp_grpc_call_close_send (JmpGrpcCall *self)
{
  grpc_op op = { 0 };

  g_return_if_fail (!self->server);
  op.op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
  jmp_grpc_call_batch (self, &self->close_tag, jmp_grpc_call_nothing_fired, &op, 1);
}

void
jmp_grpc_call_cancel (JmpGrpcCall *self)
{
  if (self->call != NULL && !self->over)
    grpc_call_cancel (self->call, NULL);
}

/**
 * jmp_grpc_call_dup_metadata:
 * @key: a header's name, in lower case
 *
 * Returns: (nullable): the value of a request header of a server call
 */
gchar *
jmp_grpc_call_dup_metadata (JmpGrpcCall *self,
                            const gchar *key)
{
  for (gsize i = 0; i < self->request_md.count; i++)
    {
      grpc_metadata *md = &self->request_md.metadata[i];

      if (GRPC_SLICE_LENGTH (md->key) == strlen (key) &&
          memcmp (GRPC_SLICE_START_PTR (md->key), key, strlen (key)) == 0)
        return jmp_grpc_slice_dup (md->value);
    }
  return NULL;
}

/**
 * jmp_grpc_call_accept:
 * @finished: called once when the call is over, from either side
 *
 * Takes a server call: sends the response headers at once (a client of a
 * byte stream waits for them) and watches for the client going away.
 */
void
jmp_grpc_call_accept (JmpGrpcCall       *self,
                      JmpGrpcStatusFunc  finished,
                      gpointer           user_data)
{
  grpc_op op = { 0 };

  g_return_if_fail (self->server);
  self->finished = finished;
  self->finished_data = user_data;

  op.op = GRPC_OP_SEND_INITIAL_METADATA;
  self->initial_md_sent = TRUE;
  jmp_grpc_call_batch (self, &self->start_tag, jmp_grpc_call_start_fired, &op, 1);

  memset (&op, 0, sizeof op);
  op.op = GRPC_OP_RECV_CLOSE_ON_SERVER;
  op.data.recv_close_on_server.cancelled = &self->cancelled;
  jmp_grpc_call_batch (self, &self->status_tag, jmp_grpc_call_status_fired, &op, 1);
}

static void
jmp_grpc_call_finish_fired (gpointer owner, gboolean ok)
{
  JmpGrpcCall *self = owner;

  g_clear_pointer (&self->finish_bb, grpc_byte_buffer_destroy);
  jmp_grpc_call_unref (self);
}

/**
 * jmp_grpc_call_finish:
 * @message: (nullable): a last message, sent with the status
 * @code: a `grpc_status_code`
 * @details: (nullable): the status message
 *
 * Ends a server call. Only one message may be in flight: call it from
 * the last send's callback, not next to it.
 */
void
jmp_grpc_call_finish (JmpGrpcCall *self,
                      GBytes      *message,
                      gint         code,
                      const gchar *details)
{
  grpc_op ops[3] = { 0 };
  gsize n = 0;

  g_return_if_fail (self->server);
  if (self->over)
    return;
  if (!self->initial_md_sent)
    {
      ops[n++].op = GRPC_OP_SEND_INITIAL_METADATA;
      self->initial_md_sent = TRUE;
    }
  if (message != NULL)
    {
      self->finish_bb = jmp_grpc_buffer_new (message);
      ops[n].op = GRPC_OP_SEND_MESSAGE;
      ops[n].data.send_message.send_message = self->finish_bb;
      n++;
    }
  grpc_slice_unref (self->finish_details);
  self->finish_details = grpc_slice_from_copied_string (details ?: "");
  ops[n].op = GRPC_OP_SEND_STATUS_FROM_SERVER;
  ops[n].data.send_status_from_server.status = code;
  ops[n].data.send_status_from_server.status_details = code != GRPC_STATUS_OK ? &self->finish_details : NULL;
  n++;
  jmp_grpc_call_batch (self, &self->finish_tag, jmp_grpc_call_finish_fired, ops, n);
}

/* Unary calls */

typedef struct {
  JmpGrpcUnaryFunc  func;
  gpointer          user_data;
  GBytes           *response;
  gint              pending;
  gint              code;
  gchar            *details;
} JmpGrpcUnary;

static void
jmp_grpc_unary_complete (JmpGrpcUnary *unary)
{
  if (--unary->pending > 0)
    return;
  if (unary->code == GRPC_STATUS_OK && unary->response == NULL)
    {
      unary->code = GRPC_STATUS_INTERNAL;
      jmp_set_str (&unary->details, "no response message");
    }
  unary->func (unary->code == GRPC_STATUS_OK ? unary->response : NULL,
               unary->code, unary->details, unary->user_data);
  g_clear_pointer (&unary->response, g_bytes_unref);
  g_free (unary->details);
  g_free (unary);
}

static void
jmp_grpc_unary_message_cb (JmpGrpcCall *call, GBytes *message, gpointer user_data)
{
  JmpGrpcUnary *unary = user_data;

  if (message != NULL)
    unary->response = g_bytes_ref (message);
  jmp_grpc_unary_complete (unary);
}

static void
jmp_grpc_unary_status_cb (JmpGrpcCall *call, gint code, const gchar *details, gpointer user_data)
{
  JmpGrpcUnary *unary = user_data;

  unary->code = code;
  unary->details = g_strdup (details);
  jmp_grpc_unary_complete (unary);
}

/**
 * jmp_grpc_unary:
 *
 * Makes a unary call; @func is called once, on the main context.
 */
void
jmp_grpc_unary (grpc_channel        *channel,
                const gchar         *method,
                const gchar * const *metadata,
                gint64               timeout_ms,
                GBytes              *request,
                JmpGrpcUnaryFunc     func,
                gpointer             user_data)
{
  g_autoptr(JmpGrpcCall) call = jmp_grpc_call_new (channel, method, metadata, timeout_ms);
  JmpGrpcUnary *unary = g_new0 (JmpGrpcUnary, 1);

  unary->func = func;
  unary->user_data = user_data;
  unary->pending = 2;
  jmp_grpc_call_start (call, request, NULL, jmp_grpc_unary_status_cb, unary);
  jmp_grpc_call_recv (call, jmp_grpc_unary_message_cb, unary);
}

/* Channels */

static gboolean
jmp_grpc_arg_from_node (grpc_arg    *arg,
                        const gchar *name,
                        JsonNode    *node,
                        GError     **error)
{
  GType type = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node) : G_TYPE_INVALID;

  arg->key = (char *) name;
  if (type == G_TYPE_INT64 || type == G_TYPE_BOOLEAN)
    {
      gint64 v = type == G_TYPE_BOOLEAN ? json_node_get_boolean (node) : json_node_get_int (node);

      if (v < G_MININT || v > G_MAXINT)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "grpcOptions.%s: %" G_GINT64_FORMAT " does not fit a channel argument",
                       name, v);
          return FALSE;
        }
      arg->type = GRPC_ARG_INTEGER;
      arg->value.integer = (int) v;
      return TRUE;
    }
  if (type == G_TYPE_STRING)
    {
      arg->type = GRPC_ARG_STRING;
      arg->value.string = (char *) json_node_get_string (node);
      return TRUE;
    }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               "grpcOptions.%s: must be a number, a boolean or a string", name);
  return FALSE;
}

/**
 * jmp_grpc_channel_new:
 * @target: "host:port"
 * @root_pem: (nullable): certificates to trust, %NULL for the system's
 * @options: (nullable): channel arguments by their C-core names
 *
 * Returns: a TLS channel; it connects lazily, on the first call
 */
grpc_channel *
jmp_grpc_channel_new (const gchar  *target,
                      const gchar  *root_pem,
                      JsonObject   *options,
                      GError      **error)
{
  /* Jumpstarter's own defaults: keep idle streams (Status, Listen) alive
   * through NATs and ingresses without waking a server too often; and
   * reconnect no slower than our own back-off, not gRPC's two minutes;
   * and a channel of its own connections, closed with it: a lease's
   * router connection goes when the lease does. */
  static const struct { const gchar *key; int value; } defaults[] = {
    { GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 30000 },
    { GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1 },
    { GRPC_ARG_KEEPALIVE_TIME_MS, 20000 },
    { GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 180000 },
    { GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0 },
    { GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1 },
  };
  g_autofree grpc_arg *args = NULL;
  g_autoptr(GList) names = options != NULL ? json_object_get_members (options) : NULL;
  grpc_channel_credentials *creds;
  grpc_channel_args channel_args;
  grpc_channel *channel;
  gsize n = 0;

  args = g_new0 (grpc_arg, G_N_ELEMENTS (defaults) + g_list_length (names));
  for (gsize i = 0; i < G_N_ELEMENTS (defaults); i++)
    {
      if (options != NULL && json_object_has_member (options, defaults[i].key))
        continue;
      args[n].type = GRPC_ARG_INTEGER;
      args[n].key = (char *) defaults[i].key;
      args[n].value.integer = defaults[i].value;
      n++;
    }
  for (GList *l = names; l != NULL; l = l->next)
    {
      if (!jmp_grpc_arg_from_node (&args[n], l->data,
                                   json_object_get_member (options, l->data), error))
        return NULL;
      n++;
    }
  channel_args.num_args = n;
  channel_args.args = args;

  creds = grpc_ssl_credentials_create (root_pem, NULL, NULL, NULL);
  channel = grpc_channel_create (target, creds, &channel_args);
  grpc_channel_credentials_release (creds);
  return channel;
}

/* Servers */

struct _JmpGrpcServer
{
  gint              ref_count;
  grpc_server      *server;
  JmpGrpcServeFunc  func;
  gpointer          user_data;
  gboolean          stopping;
  JmpGrpcCall      *pending;
  JmpGrpcTag        request_tag;
  JmpGrpcTag        shutdown_tag;
};

static void
jmp_grpc_server_unref (JmpGrpcServer *self)
{
  if (--self->ref_count > 0)
    return;
  g_free (self);
}

static void jmp_grpc_server_request (JmpGrpcServer *self);

static void
jmp_grpc_server_request_fired (gpointer owner, gboolean ok)
{
  JmpGrpcServer *self = owner;
  g_autoptr(JmpGrpcCall) call = g_steal_pointer (&self->pending);

  if (ok && !self->stopping)
    {
      g_autofree gchar *method = jmp_grpc_slice_dup (call->details.method);

      jmp_grpc_server_request (self);
      self->func (self, call, method, self->user_data);
    }
  jmp_grpc_server_unref (self);
}

static void
jmp_grpc_server_request (JmpGrpcServer *self)
{
  grpc_call_error err;

  self->pending = jmp_grpc_call_alloc (TRUE);
  self->request_tag.fire = jmp_grpc_server_request_fired;
  self->request_tag.owner = self;
  self->ref_count++;
  err = grpc_server_request_call (self->server, &self->pending->call,
                                  &self->pending->details, &self->pending->request_md,
                                  jmp_grpc_cq, jmp_grpc_cq, &self->request_tag);
  if (err != GRPC_CALL_OK)
    {
      g_debug ("gRPC server refused a request: %d", err);
      self->request_tag.ok = FALSE;
      jmp_grpc_post (&self->request_tag);
    }
}

/**
 * jmp_grpc_server_new:
 * @func: called for every call that arrives
 *
 * Returns: a plaintext (h2c) server without a listening socket: its
 *   connections come from jmp_grpc_server_add_fd()
 */
JmpGrpcServer *
jmp_grpc_server_new (JmpGrpcServeFunc func,
                     gpointer         user_data)
{
  JmpGrpcServer *self = g_new0 (JmpGrpcServer, 1);
  grpc_arg args[] = {
    /* snapshots and reports may be larger than the default 4 MiB */
    { .type = GRPC_ARG_INTEGER, .key = (char *) GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH,
      .value.integer = 64 * 1024 * 1024 },
  };
  grpc_channel_args channel_args = { G_N_ELEMENTS (args), args };

  self->ref_count = 1;
  self->func = func;
  self->user_data = user_data;
  self->server = grpc_server_create (&channel_args, NULL);
  grpc_server_register_completion_queue (self->server, jmp_grpc_cq, NULL);
  grpc_server_start (self->server);
  jmp_grpc_server_request (self);
  return self;
}

/**
 * jmp_grpc_server_add_fd:
 * @fd: (transfer full): a connected stream socket carrying h2c, in
 *   non-blocking mode: the core reads it from its polling thread and
 *   does not set the mode itself
 */
void
jmp_grpc_server_add_fd (JmpGrpcServer *self,
                        int            fd)
{
  grpc_server_credentials *creds = grpc_insecure_server_credentials_create ();

  grpc_server_add_channel_from_fd (self->server, fd, creds);
  grpc_server_credentials_release (creds);
}

static void
jmp_grpc_server_shutdown_fired (gpointer owner, gboolean ok)
{
  JmpGrpcServer *self = owner;

  grpc_server_destroy (self->server);
  jmp_grpc_server_unref (self);
}

/**
 * jmp_grpc_server_stop:
 *
 * Cancels every call and drops every connection; frees the server once
 * the core is done with it. The serve function is not called again.
 */
void
jmp_grpc_server_stop (JmpGrpcServer *self)
{
  self->stopping = TRUE;
  self->shutdown_tag.fire = jmp_grpc_server_shutdown_fired;
  self->shutdown_tag.owner = self;
  grpc_server_shutdown_and_notify (self->server, jmp_grpc_cq, &self->shutdown_tag);
  grpc_server_cancel_all_calls (self->server);
}

const gchar *
jmp_grpc_status_name (gint code)
{
  static const gchar *names[] = {
    "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED",
    "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED",
    "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
  };

  return code >= 0 && code < (gint) G_N_ELEMENTS (names) ? names[code] : "UNKNOWN";
}
