/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "jmp-cluster-call.h"
#include "jmp-cluster-channel.h"
#include "jmp-cluster-pb.h"
#include "jmp-cluster-pump.h"
#include "jmp-cluster-report.h"
#include "jmp-cluster-session.h"
#include "jmp-cluster-value.h"
#include "jmp-json-private.h"
#include "jmp-stream-budget-private.h"

/**
 * JmpClusterSession:
 *
 * One lease. Every connection the router pairs for it carries the bytes
 * of one plaintext HTTP/2 connection from the client: the session opens
 * a RouterService.Stream to the router, bridges it to one end of a
 * socketpair and hands the other end to its own gRPC server, which
 * serves ExporterService and, for byte streams to the drivers,
 * RouterService.Stream. The end of the lease stops the server, which
 * ends every call and connection of the lease.
 */

#define JMP_EXPORTER_SERVICE "/jumpstarter.v1.ExporterService/"
#define JMP_ROUTER_STREAM    "/jumpstarter.v1.RouterService/Stream"
/* the request header is one flat object */
#define REQUEST_MAX_DEPTH    8

struct _JmpClusterSession
{
  GObject           parent_instance;

  JmpHost          *host;
  JmpClusterConfig *config;
  gchar            *exporter_uuid;
  JmpGrpcServer    *server;
  GCancellable     *cancellable;
  GCancellable     *budget;     /* carries the lease's stream budget, never cancelled */
  GHashTable       *channels;   /* router endpoint → grpc_channel */
  GPtrArray        *pumps;
  gboolean          stopped;

  gint              status;
  gint              previous_status;
  guint64           status_version;
};

G_DEFINE_FINAL_TYPE (JmpClusterSession, jmp_cluster_session, G_TYPE_OBJECT)

enum { SIGNAL_END_SESSION, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
jmp_cluster_session_finalize (GObject *object)
{
  JmpClusterSession *self = JMP_CLUSTER_SESSION (object);

  jmp_cluster_session_stop (self);
  g_hash_table_unref (self->channels);
  g_ptr_array_unref (self->pumps);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->budget);
  g_clear_object (&self->host);
  g_free (self->exporter_uuid);
  G_OBJECT_CLASS (jmp_cluster_session_parent_class)->finalize (object);
}

static void
jmp_cluster_session_class_init (JmpClusterSessionClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = jmp_cluster_session_finalize;

  /**
   * JmpClusterSession::end-session:
   *
   * The client is done with the lease (EndSession): with no afterLease
   * hook to run, the exporter is available again, as Jumpstarter's.
   */
  signals[SIGNAL_END_SESSION] =
    g_signal_new ("end-session", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
jmp_cluster_session_init (JmpClusterSession *self)
{
  self->cancellable = g_cancellable_new ();
  self->budget = g_cancellable_new ();
  self->channels = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) grpc_channel_destroy);
  self->pumps = g_ptr_array_new_with_free_func ((GDestroyNotify) jmp_cluster_pump_unref);
}

static void
jmp_cluster_session_pump_done (JmpClusterPump *pump, gpointer user_data)
{
  JmpClusterSession *self = user_data;

  g_ptr_array_remove_fast (self->pumps, pump);
}

/* Unary calls of ExporterService */

typedef void (*JmpClusterUnaryHandler) (JmpClusterSession *self,
                                        JmpGrpcCall       *call,
                                        GBytes            *request);

typedef struct {
  JmpClusterSession      *self;
  JmpClusterUnaryHandler  handler;
} JmpClusterUnaryData;

static void
jmp_cluster_session_unary_finished_cb (JmpGrpcCall *call, gint code, const gchar *details, gpointer user_data)
{
}

static void
jmp_cluster_session_unary_cb (JmpGrpcCall *call, GBytes *message, gpointer user_data)
{
  JmpClusterUnaryData *data = user_data;

  if (message == NULL)
    jmp_grpc_call_finish (call, NULL, GRPC_STATUS_INVALID_ARGUMENT, "no request message");
  else if (!data->self->stopped)
    data->handler (data->self, call, message);
  g_object_unref (data->self);
  g_free (data);
}

static void
jmp_cluster_session_reply (JmpGrpcCall *call, const ProtobufCMessage *message)
{
  g_autoptr(GBytes) bytes = jmp_pb_pack (message);

  jmp_grpc_call_finish (call, bytes, GRPC_STATUS_OK, NULL);
}

static void
jmp_cluster_session_get_report (JmpClusterSession *self, JmpGrpcCall *call, GBytes *request)
{
  g_autoptr(JmpPbArena) arena = jmp_pb_arena_new ();
  g_autoptr(GHashTable) labels = g_hash_table_new (g_str_hash, g_str_equal);
  Jumpstarter__V1__GetReportResponse resp = JUMPSTARTER__V1__GET_REPORT_RESPONSE__INIT;
  JmpDriver *root = jmp_host_get_root (self->host);
  JmpConfig *config = jmp_host_get_config (self->host);

  resp.uuid = self->exporter_uuid != NULL ? self->exporter_uuid : (char *) "";
  g_hash_table_insert (labels, JMP_CLUSTER_LABEL_NAME, self->config->name);
  resp.labels = (Jumpstarter__V1__GetReportResponse__LabelsEntry **)
    jmp_pb_string_map (arena, &jumpstarter__v1__get_report_response__labels_entry__descriptor,
                       labels, &resp.n_labels);
  if (root != NULL)
    resp.reports = jmp_cluster_reports_new (arena, root, &resp.n_reports);
  if (config != NULL && jmp_config_get_motd (config) != NULL)
    resp.motd = (char *) jmp_config_get_motd (config);
  jmp_cluster_session_reply (call, &resp.base);
}

static void
jmp_cluster_session_get_status (JmpClusterSession *self, JmpGrpcCall *call, GBytes *request)
{
  Jumpstarter__V1__GetStatusResponse resp = JUMPSTARTER__V1__GET_STATUS_RESPONSE__INIT;

  resp.status = self->status;
  resp.status_version = self->status_version;
  if (self->previous_status != JUMPSTARTER__V1__EXPORTER_STATUS__EXPORTER_STATUS_UNSPECIFIED)
    {
      resp._previous_status_case = JUMPSTARTER__V1__GET_STATUS_RESPONSE___PREVIOUS_STATUS_PREVIOUS_STATUS;
      resp.previous_status = self->previous_status;
    }
  jmp_cluster_session_reply (call, &resp.base);
}

static void
jmp_cluster_session_end_session (JmpClusterSession *self, JmpGrpcCall *call, GBytes *request)
{
  Jumpstarter__V1__EndSessionResponse resp = JUMPSTARTER__V1__END_SESSION_RESPONSE__INIT;

  /* no hooks to run: available at once; the client, which polls
   * GetStatus for AVAILABLE, then releases the lease */
  resp.success = TRUE;
  jmp_cluster_session_reply (call, &resp.base);
  g_signal_emit (self, signals[SIGNAL_END_SESSION], 0);
}

typedef struct {
  JmpGrpcCall *call;
  gchar       *uuid;
} JmpClusterCallData;

static void
jmp_cluster_session_driver_call_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  JmpClusterCallData *data = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = jmp_cluster_driver_call_finish (res, &error);

  if (result == NULL)
    {
      g_debug ("cluster: DriverCall failed: %s", error->message);
      jmp_grpc_call_finish (data->call, NULL, jmp_cluster_status_from_error (error), error->message);
    }
  else
    {
      g_autoptr(JmpPbArena) arena = jmp_pb_arena_new ();
      Jumpstarter__V1__DriverCallResponse resp = JUMPSTARTER__V1__DRIVER_CALL_RESPONSE__INIT;

      resp.uuid = data->uuid;
      resp.result = jmp_cluster_result_new (arena, result);
      jmp_cluster_session_reply (data->call, &resp.base);
    }
  jmp_grpc_call_unref (data->call);
  g_free (data->uuid);
  g_free (data);
}

static void
jmp_cluster_session_driver_call (JmpClusterSession *self, JmpGrpcCall *call, GBytes *request)
{
  Jumpstarter__V1__DriverCallRequest *req =
    jmp_pb_unpack (&jumpstarter__v1__driver_call_request__descriptor, request);
  JmpClusterCallData *data;
  JmpDriver *driver;

  if (req == NULL)
    {
      jmp_grpc_call_finish (call, NULL, GRPC_STATUS_INVALID_ARGUMENT, "not a DriverCallRequest");
      return;
    }
  driver = jmp_cluster_find_driver (jmp_host_get_root (self->host), req->uuid);
  if (driver == NULL)
    {
      g_autofree gchar *details = g_strdup_printf (_("no driver with uuid %s"), req->uuid);

      jmp_grpc_call_finish (call, NULL, GRPC_STATUS_NOT_FOUND, details);
      jmp_pb_free (req);
      return;
    }
  data = g_new0 (JmpClusterCallData, 1);
  data->call = jmp_grpc_call_ref (call);
  data->uuid = g_strdup (req->uuid);
  jmp_cluster_driver_call_async (driver, req->method, req->args, req->n_args, self->cancellable,
                                 jmp_cluster_session_driver_call_cb, data);
  jmp_pb_free (req);
}

static void
jmp_cluster_session_unary (JmpClusterSession      *self,
                           JmpGrpcCall            *call,
                           JmpClusterUnaryHandler  handler)
{
  JmpClusterUnaryData *data = g_new0 (JmpClusterUnaryData, 1);

  data->self = g_object_ref (self);
  data->handler = handler;
  jmp_grpc_call_accept (call, jmp_cluster_session_unary_finished_cb, NULL);
  jmp_grpc_call_recv (call, jmp_cluster_session_unary_cb, data);
}

/* Byte streams: RouterService.Stream with a `request` header */

typedef struct {
  JmpClusterSession *self;
  JmpClusterPump    *pump;
} JmpClusterConnectData;

static void
jmp_cluster_session_connected_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  JmpClusterConnectData *data = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = jmp_network_connect_finish (JMP_NETWORK (source), res, &error);

  if (socket == NULL)
    {
      jmp_error_convert (&error);
      g_debug ("cluster: connect to %s failed: %s",
               jmp_driver_get_name (JMP_DRIVER (source)), error->message);
      jmp_cluster_pump_fail (data->pump, jmp_cluster_status_from_error (error), error->message);
    }
  else
    jmp_cluster_pump_attach (data->pump, socket);
  jmp_cluster_pump_unref (data->pump);
  g_object_unref (data->self);
  g_free (data);
}

/* The `request` header: {"kind": "driver", "uuid": …, "method": "connect"} */
static JmpDriver *
jmp_cluster_session_stream_target (JmpClusterSession *self, const gchar *header,
                                   gint *code, gchar **details)
{
  g_autoptr(JsonNode) root = NULL;
  JsonObject *object;
  const gchar *kind, *uuid, *method;
  JmpDriver *driver;

  *code = GRPC_STATUS_INVALID_ARGUMENT;
  if (header != NULL)
    root = jmp_json_parse_one (header, strlen (header), REQUEST_MAX_DEPTH, NULL);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      *details = g_strdup (_("a stream needs a request header with a JSON object"));
      return NULL;
    }
  object = json_node_get_object (root);
  kind = json_object_get_string_member_with_default (object, "kind", "");
  uuid = json_object_get_string_member_with_default (object, "uuid", "");
  method = json_object_get_string_member_with_default (object, "method", "");
  if (g_strcmp0 (kind, "driver") != 0)
    {
      *code = GRPC_STATUS_UNIMPLEMENTED;
      *details = g_strdup_printf (_("streams of kind “%s” are not supported"), kind);
      return NULL;
    }
  driver = jmp_cluster_find_driver (jmp_host_get_root (self->host), uuid);
  if (driver == NULL)
    {
      *code = GRPC_STATUS_NOT_FOUND;
      *details = g_strdup_printf (_("no driver with uuid %s"), uuid);
      return NULL;
    }
  if (g_strcmp0 (method, "connect") != 0 || !JMP_IS_NETWORK (driver))
    {
      *code = GRPC_STATUS_NOT_FOUND;
      *details = g_strdup_printf (_("%s has no stream method %s"), jmp_driver_get_name (driver), method);
      return NULL;
    }
  return driver;
}

static void
jmp_cluster_session_stream (JmpClusterSession *self, JmpGrpcCall *call)
{
  g_autofree gchar *header = jmp_grpc_call_dup_metadata (call, "request");
  g_autofree gchar *details = NULL;
  g_autoptr(JmpStreamLease) lease = NULL;
  g_autoptr(GError) error = NULL;
  JmpClusterPump *pump;
  JmpClusterConnectData *data;
  JmpDriver *driver;
  gint code;

  pump = jmp_cluster_pump_new_server (call, jmp_cluster_session_pump_done, self);
  g_ptr_array_add (self->pumps, pump);
  lease = jmp_stream_lease_acquire (self->budget, &error);
  if (lease == NULL)
    {
      g_debug ("cluster: stream refused: %s", error->message);
      jmp_cluster_pump_fail (pump, GRPC_STATUS_RESOURCE_EXHAUSTED, error->message);
      return;
    }
  jmp_cluster_pump_hold (pump, lease);
  driver = jmp_cluster_session_stream_target (self, header, &code, &details);
  if (driver == NULL)
    {
      g_debug ("cluster: stream refused: %s", details);
      jmp_cluster_pump_fail (pump, code, details);
      return;
    }
  data = g_new0 (JmpClusterConnectData, 1);
  data->self = g_object_ref (self);
  data->pump = jmp_cluster_pump_ref (pump);
  /* the pump's lease counts the stream: the driver's own pump, if it has
   * one, is the same stream and charges no one */
  jmp_network_connect_async (JMP_NETWORK (driver), self->cancellable,
                             jmp_cluster_session_connected_cb, data);
}

/* LogStream: held open, empty: this host has no driver logs to forward */
static void
jmp_cluster_session_log_stream (JmpClusterSession *self, JmpGrpcCall *call)
{
  jmp_grpc_call_accept (call, jmp_cluster_session_unary_finished_cb, NULL);
}

static void
jmp_cluster_session_serve (JmpGrpcServer *server, JmpGrpcCall *call, const gchar *method,
                           gpointer user_data)
{
  JmpClusterSession *self = user_data;
  static const struct {
    const gchar            *name;
    JmpClusterUnaryHandler  handler;
  } unary[] = {
    { JMP_EXPORTER_SERVICE "GetReport", jmp_cluster_session_get_report },
    { JMP_EXPORTER_SERVICE "GetStatus", jmp_cluster_session_get_status },
    { JMP_EXPORTER_SERVICE "DriverCall", jmp_cluster_session_driver_call },
    { JMP_EXPORTER_SERVICE "EndSession", jmp_cluster_session_end_session },
  };

  g_debug ("cluster: %s", method);
  for (gsize i = 0; i < G_N_ELEMENTS (unary); i++)
    if (g_strcmp0 (method, unary[i].name) == 0)
      {
        jmp_cluster_session_unary (self, call, unary[i].handler);
        return;
      }
  if (g_strcmp0 (method, JMP_ROUTER_STREAM) == 0)
    jmp_cluster_session_stream (self, call);
  else if (g_strcmp0 (method, JMP_EXPORTER_SERVICE "LogStream") == 0)
    jmp_cluster_session_log_stream (self, call);
  else
    {
      g_autofree gchar *details = g_strdup_printf (_("%s is not implemented"), method);

      jmp_grpc_call_finish (call, NULL, GRPC_STATUS_UNIMPLEMENTED, details);
    }
}

/* Router connections */

static void
jmp_cluster_session_bridge (JmpClusterSession *self, grpc_channel *channel,
                            const gchar *endpoint, const gchar *token)
{
  g_autofree gchar *bearer = g_strconcat ("Bearer ", token, NULL);
  const gchar *metadata[] = { "authorization", bearer, NULL };
  g_autoptr(JmpGrpcCall) call = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(JmpStreamLease) lease = NULL;
  g_autoptr(GError) error = NULL;
  JmpClusterPump *pump;
  int sv[2];

  lease = jmp_stream_lease_acquire (self->budget, &error);
  if (lease == NULL)
    {
      g_message ("cluster: not bridging another connection of the lease: %s", error->message);
      return;
    }
  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) < 0)
    {
      g_message ("cluster: cannot bridge a router connection: %s", g_strerror (errno));
      return;
    }
  socket = g_socket_new_from_fd (sv[0], &error);
  if (socket == NULL)
    {
      g_message ("cluster: cannot bridge a router connection: %s", error->message);
      close (sv[0]);
      close (sv[1]);
      return;
    }
  jmp_grpc_server_add_fd (self->server, sv[1]);
  call = jmp_grpc_call_new (channel, JMP_ROUTER_STREAM, metadata, -1);
  pump = jmp_cluster_pump_new_client (call, endpoint, jmp_cluster_session_pump_done, self);
  g_ptr_array_add (self->pumps, pump);
  jmp_cluster_pump_hold (pump, lease);
  jmp_cluster_pump_attach (pump, socket);
}

typedef struct {
  JmpClusterSession *self;
  gchar             *endpoint;
  gchar             *token;
} JmpClusterDialData;

static void
jmp_cluster_session_channel_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  JmpClusterDialData *data = user_data;
  JmpClusterSession *self = data->self;
  g_autoptr(GError) error = NULL;
  grpc_channel *channel = jmp_cluster_channel_new_finish (res, &error);

  if (channel == NULL)
    g_message ("cluster: cannot reach router %s: %s", data->endpoint, error->message);
  else if (self->stopped)
    grpc_channel_destroy (channel);
  else
    {
      g_hash_table_insert (self->channels, g_strdup (data->endpoint), channel);
      jmp_cluster_session_bridge (self, channel, data->endpoint, data->token);
    }
  g_object_unref (data->self);
  g_free (data->endpoint);
  g_free (data->token);
  g_free (data);
}

/**
 * jmp_cluster_session_connect:
 *
 * Bridges one router connection, as the controller's Listen announced it.
 */
void
jmp_cluster_session_connect (JmpClusterSession *self,
                             const gchar       *router_endpoint,
                             const gchar       *router_token)
{
  grpc_channel *channel;
  JmpClusterDialData *data;

  if (self->stopped)
    return;
  channel = g_hash_table_lookup (self->channels, router_endpoint);
  if (channel != NULL)
    {
      jmp_cluster_session_bridge (self, channel, router_endpoint, router_token);
      return;
    }
  data = g_new0 (JmpClusterDialData, 1);
  data->self = g_object_ref (self);
  data->endpoint = g_strdup (router_endpoint);
  data->token = g_strdup (router_token);
  jmp_cluster_channel_new_async (self->config, router_endpoint, self->cancellable,
                                 jmp_cluster_session_channel_cb, data);
}

void
jmp_cluster_session_set_status (JmpClusterSession *self,
                                gint               status)
{
  if (status == self->status)
    return;
  self->previous_status = self->status;
  self->status = status;
  self->status_version++;
}

/**
 * jmp_cluster_session_stop:
 *
 * Ends the lease's calls and connections. Idempotent.
 */
void
jmp_cluster_session_stop (JmpClusterSession *self)
{
  if (self->stopped)
    return;
  self->stopped = TRUE;
  g_cancellable_cancel (self->cancellable);
  for (guint i = 0; i < self->pumps->len; i++)
    jmp_cluster_pump_abort (g_ptr_array_index (self->pumps, i));
  g_ptr_array_set_size (self->pumps, 0);
  jmp_grpc_server_stop (g_steal_pointer (&self->server));
  g_hash_table_remove_all (self->channels);
}

/**
 * jmp_cluster_session_new:
 * @config: (transfer none): kept by the caller for the session's life
 */
JmpClusterSession *
jmp_cluster_session_new (JmpHost          *host,
                         JmpClusterConfig *config,
                         const gchar      *exporter_uuid)
{
  JmpClusterSession *self = g_object_new (JMP_TYPE_CLUSTER_SESSION, NULL);
  g_autoptr(JmpStreamBudget) budget = jmp_stream_budget_new (jmp_host_get_stream_limit (host));

  /* the lease's client is one peer: every pump of the session, its
   * router connections and its byte streams, draws on one budget */
  jmp_stream_budget_attach (budget, self->budget, "");
  self->host = g_object_ref (host);
  self->config = config;
  self->exporter_uuid = g_strdup (exporter_uuid);
  self->status = JUMPSTARTER__V1__EXPORTER_STATUS__EXPORTER_STATUS_AVAILABLE;
  self->server = jmp_grpc_server_new (jmp_cluster_session_serve, self);
  return self;
}
