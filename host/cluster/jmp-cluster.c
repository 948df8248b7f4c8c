/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "jmp-cluster.h"
#include "jmp-cluster-channel.h"
#include "jmp-cluster-pb.h"
#include "jmp-cluster-report.h"
#include "jmp-cluster-session.h"

/**
 * JmpCluster:
 *
 * The host as an exporter of a Jumpstarter cluster, towards its
 * controller: Register with the driver tree, keep the Status stream open,
 * and for each lease open Listen first, then report LEASE_READY, and
 * bridge every router connection that Listen announces into a
 * #JmpClusterSession. A lost controller is retried with a back-off of at
 * most %JMP_CLUSTER_BACKOFF_MAX seconds; at shutdown the host reports
 * OFFLINE and unregisters.
 */

#define JMP_CLUSTER_SERVICE        "/jumpstarter.v1.ControllerService/"
#define JMP_CLUSTER_BACKOFF_MAX    30
#define JMP_CLUSTER_CALL_TIMEOUT   (30 * 1000)
#define JMP_CLUSTER_STOP_TIMEOUT   (5 * 1000)

struct _JmpCluster
{
  GObject            parent_instance;

  JmpHost           *host;
  JmpClusterConfig  *config;
  gchar            **metadata;
  grpc_channel      *channel;
  GCancellable      *cancellable;
  gulong             tree_changed_id;

  gchar             *uuid;
  guint              retry_id;
  guint              backoff;
  gchar             *last_failure;   /* logged once until it changes */
  gboolean           connecting;

  JmpGrpcCall       *status_call;
  gboolean           status_seen;
  gint               status;

  gchar             *lease_name;
  JmpGrpcCall       *listen_call;
  gboolean           lease_ready;
  guint              listen_retry_id;
  JmpClusterSession *session;

  gboolean           stopping;
  GTask             *stop_task;
};

G_DEFINE_FINAL_TYPE (JmpCluster, jmp_cluster, G_TYPE_OBJECT)

static void jmp_cluster_register (JmpCluster *self);
static void jmp_cluster_report_status (JmpCluster *self, gint status, GTask *then);

static void
jmp_cluster_dispose (GObject *object)
{
  JmpCluster *self = JMP_CLUSTER (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->retry_id, g_source_remove);
  g_clear_handle_id (&self->listen_retry_id, g_source_remove);
  if (self->tree_changed_id != 0)
    g_clear_signal_handler (&self->tree_changed_id, self->host);
  if (self->session != NULL)
    jmp_cluster_session_stop (self->session);
  g_clear_object (&self->session);
  g_clear_object (&self->host);
  G_OBJECT_CLASS (jmp_cluster_parent_class)->dispose (object);
}

static void
jmp_cluster_finalize (GObject *object)
{
  JmpCluster *self = JMP_CLUSTER (object);

  g_clear_pointer (&self->status_call, jmp_grpc_call_unref);
  g_clear_pointer (&self->listen_call, jmp_grpc_call_unref);
  g_clear_pointer (&self->channel, grpc_channel_destroy);
  g_clear_pointer (&self->config, jmp_cluster_config_free);
  g_strfreev (self->metadata);
  g_free (self->uuid);
  g_free (self->last_failure);
  g_free (self->lease_name);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (jmp_cluster_parent_class)->finalize (object);
}

static void
jmp_cluster_class_init (JmpClusterClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = jmp_cluster_dispose;
  object_class->finalize = jmp_cluster_finalize;
}

static void
jmp_cluster_init (JmpCluster *self)
{
  self->cancellable = g_cancellable_new ();
  self->status = JUMPSTARTER__V1__EXPORTER_STATUS__EXPORTER_STATUS_AVAILABLE;
}

/* One line when the controller's state changes, not one per attempt;
 * a refused token is a line each time, with the endpoint. */
static void
jmp_cluster_log_failure (JmpCluster *self, const gchar *what, gint code, const gchar *details)
{
  g_autofree gchar *line = g_strdup_printf ("%s %s: %s: %s", what, self->config->endpoint,
                                            jmp_grpc_status_name (code), details ?: "");

  if (code != GRPC_STATUS_UNAUTHENTICATED && g_strcmp0 (line, self->last_failure) == 0)
    return;
  g_message ("%s", line);
  jmp_set_str (&self->last_failure, line);
}

static gboolean
jmp_cluster_retry_cb (gpointer user_data)
{
  JmpCluster *self = user_data;

  self->retry_id = 0;
  jmp_cluster_register (self);
  return G_SOURCE_REMOVE;
}

static void
jmp_cluster_schedule_retry (JmpCluster *self)
{
  if (self->stopping || self->retry_id != 0)
    return;
  self->backoff = self->backoff == 0 ? 1 : MIN (self->backoff * 2, JMP_CLUSTER_BACKOFF_MAX);
  g_debug ("cluster: retrying in %u s", self->backoff);
  self->retry_id = g_timeout_add_seconds (self->backoff, jmp_cluster_retry_cb, self);
}

static void
jmp_cluster_unary (JmpCluster             *self,
                   const gchar            *method,
                   const ProtobufCMessage *request,
                   gint64                  timeout_ms,
                   JmpGrpcUnaryFunc        func,
                   gpointer                user_data)
{
  g_autofree gchar *path = g_strconcat (JMP_CLUSTER_SERVICE, method, NULL);
  g_autoptr(GBytes) bytes = jmp_pb_pack (request);

  jmp_grpc_unary (self->channel, path, (const gchar * const *) self->metadata,
                  timeout_ms, bytes, func, user_data);
}

/* Leases */

static void
jmp_cluster_end_lease (JmpCluster *self)
{
  if (self->lease_name == NULL)
    return;
  g_message ("cluster: lease %s ended", self->lease_name);
  g_clear_handle_id (&self->listen_retry_id, g_source_remove);
  if (self->listen_call != NULL)
    jmp_grpc_call_cancel (self->listen_call);
  g_clear_pointer (&self->listen_call, jmp_grpc_call_unref);
  if (self->session != NULL)
    jmp_cluster_session_stop (self->session);
  g_clear_object (&self->session);
  g_clear_pointer (&self->lease_name, g_free);
  self->lease_ready = FALSE;
}

static void jmp_cluster_listen (JmpCluster *self);

static gboolean
jmp_cluster_listen_retry_cb (gpointer user_data)
{
  JmpCluster *self = user_data;

  self->listen_retry_id = 0;
  jmp_cluster_listen (self);
  return G_SOURCE_REMOVE;
}

static void
jmp_cluster_listen_message_cb (JmpGrpcCall *call, GBytes *message, gpointer user_data)
{
  g_autoptr(JmpCluster) self = user_data;
  Jumpstarter__V1__ListenResponse *resp;

  if (message == NULL || call != self->listen_call || self->session == NULL)
    return;
  resp = jmp_pb_unpack (&jumpstarter__v1__listen_response__descriptor, message);
  if (resp == NULL || *resp->router_endpoint == '\0')
    g_message ("cluster: the controller sent a Listen response that is not one; ignored");
  else
    jmp_cluster_session_connect (self->session, resp->router_endpoint, resp->router_token);
  jmp_pb_free (resp);
  jmp_grpc_call_recv (call, jmp_cluster_listen_message_cb, g_object_ref (self));
}

static void
jmp_cluster_listen_started_cb (JmpGrpcCall *call, gboolean ok, gpointer user_data)
{
  JmpCluster *self = user_data;

  /* Jumpstarter's order: the client may dial once LEASE_READY is seen,
   * and the router needs the exporter listening by then. */
  if (ok && call == self->listen_call && !self->lease_ready && !self->stopping)
    {
      self->lease_ready = TRUE;
      jmp_cluster_report_status (self, JUMPSTARTER__V1__EXPORTER_STATUS__EXPORTER_STATUS_LEASE_READY, NULL);
    }
}

static void
jmp_cluster_listen_finished_cb (JmpGrpcCall *call, gint code, const gchar *details, gpointer user_data)
{
  g_autoptr(JmpCluster) self = user_data;

  if (call != self->listen_call || self->stopping)
    return;
  g_message ("cluster: Listen for lease %s ended: %s: %s; listening again",
             self->lease_name, jmp_grpc_status_name (code), details);
  g_clear_pointer (&self->listen_call, jmp_grpc_call_unref);
  self->listen_retry_id = g_timeout_add_seconds (1, jmp_cluster_listen_retry_cb, self);
}

static void
jmp_cluster_listen (JmpCluster *self)
{
  Jumpstarter__V1__ListenRequest req = JUMPSTARTER__V1__LISTEN_REQUEST__INIT;
  g_autoptr(GBytes) bytes = NULL;

  req.lease_name = self->lease_name;
  bytes = jmp_pb_pack (&req.base);
  self->listen_call = jmp_grpc_call_new (self->channel, JMP_CLUSTER_SERVICE "Listen",
                                         (const gchar * const *) self->metadata, -1);
  jmp_grpc_call_start (self->listen_call, bytes, jmp_cluster_listen_started_cb,
                       jmp_cluster_listen_finished_cb, g_object_ref (self));
  jmp_grpc_call_recv (self->listen_call, jmp_cluster_listen_message_cb, g_object_ref (self));
}

static void
jmp_cluster_end_session_cb (JmpClusterSession *session, gpointer user_data)
{
  JmpCluster *self = user_data;

  if (session == self->session && !self->stopping)
    jmp_cluster_report_status (self, JUMPSTARTER__V1__EXPORTER_STATUS__EXPORTER_STATUS_AVAILABLE, NULL);
}

static void
jmp_cluster_begin_lease (JmpCluster *self, const gchar *lease_name, const gchar *client_name)
{
  g_message ("cluster: leased as %s by %s", lease_name, client_name ?: "?");
  self->lease_name = g_strdup (lease_name);
  self->session = jmp_cluster_session_new (self->host, self->config, self->uuid);
  g_signal_connect_object (self->session, "end-session",
                           G_CALLBACK (jmp_cluster_end_session_cb), self, 0);
  jmp_cluster_listen (self);
}

/* Status */

static void jmp_cluster_open_status (JmpCluster *self);

static void
jmp_cluster_status_message_cb (JmpGrpcCall *call, GBytes *message, gpointer user_data)
{
  g_autoptr(JmpCluster) self = user_data;
  Jumpstarter__V1__StatusResponse *resp;
  const gchar *lease;

  if (message == NULL || call != self->status_call || self->stopping)
    return;
  if (!self->status_seen)
    {
      g_message ("cluster: online at %s", self->config->endpoint);
      self->status_seen = TRUE;
      self->backoff = 0;
      g_clear_pointer (&self->last_failure, g_free);
    }
  resp = jmp_pb_unpack (&jumpstarter__v1__status_response__descriptor, message);
  if (resp == NULL)
    {
      g_message ("cluster: the controller sent a status that is not one; ignored");
      jmp_grpc_call_recv (call, jmp_cluster_status_message_cb, g_object_ref (self));
      return;
    }
  lease = resp->_lease_name_case == JUMPSTARTER__V1__STATUS_RESPONSE___LEASE_NAME_LEASE_NAME
    && *resp->lease_name != '\0' ? resp->lease_name : NULL;
  if (resp->leased && lease != NULL && g_strcmp0 (lease, self->lease_name) != 0)
    {
      jmp_cluster_end_lease (self);
      jmp_cluster_begin_lease (self, lease,
                               resp->_client_name_case == JUMPSTARTER__V1__STATUS_RESPONSE___CLIENT_NAME_CLIENT_NAME
                               ? resp->client_name : NULL);
    }
  else if (!resp->leased && self->lease_name != NULL)
    {
      jmp_cluster_end_lease (self);
      jmp_cluster_report_status (self, JUMPSTARTER__V1__EXPORTER_STATUS__EXPORTER_STATUS_AVAILABLE, NULL);
    }
  jmp_pb_free (resp);
  jmp_grpc_call_recv (call, jmp_cluster_status_message_cb, g_object_ref (self));
}

static void
jmp_cluster_status_finished_cb (JmpGrpcCall *call, gint code, const gchar *details, gpointer user_data)
{
  g_autoptr(JmpCluster) self = user_data;

  if (call != self->status_call)
    return;
  g_clear_pointer (&self->status_call, jmp_grpc_call_unref);
  if (self->stopping)
    return;
  if (self->status_seen)
    {
      g_message ("cluster: status stream to %s lost: %s: %s; reconnecting",
                 self->config->endpoint, jmp_grpc_status_name (code), details);
      self->status_seen = FALSE;
      g_clear_pointer (&self->last_failure, g_free);
    }
  else
    jmp_cluster_log_failure (self, "cluster: no status stream from", code, details);
  /* a controller that restarted may have lost us: register again */
  jmp_cluster_schedule_retry (self);
}

static void
jmp_cluster_open_status (JmpCluster *self)
{
  Jumpstarter__V1__StatusRequest req = JUMPSTARTER__V1__STATUS_REQUEST__INIT;
  g_autoptr(GBytes) bytes = jmp_pb_pack (&req.base);

  self->status_call = jmp_grpc_call_new (self->channel, JMP_CLUSTER_SERVICE "Status",
                                         (const gchar * const *) self->metadata, -1);
  jmp_grpc_call_start (self->status_call, bytes, NULL,
                       jmp_cluster_status_finished_cb, g_object_ref (self));
  jmp_grpc_call_recv (self->status_call, jmp_cluster_status_message_cb, g_object_ref (self));
}

/* ReportStatus */

typedef struct {
  JmpCluster *self;
  gint        status;
  GTask      *then;
} JmpClusterReportData;

static void
jmp_cluster_report_status_cb (GBytes *response, gint code, const gchar *details, gpointer user_data)
{
  JmpClusterReportData *data = user_data;

  if (code != GRPC_STATUS_OK)
    g_message ("cluster: ReportStatus(%s) at %s failed: %s: %s",
               protobuf_c_enum_descriptor_get_value (&jumpstarter__v1__exporter_status__descriptor,
                                                     data->status)->name,
               data->self->config->endpoint, jmp_grpc_status_name (code), details);
  if (data->then != NULL)
    {
      g_task_return_boolean (data->then, code == GRPC_STATUS_OK);
      g_object_unref (data->then);
    }
  g_object_unref (data->self);
  g_free (data);
}

/* @then: (nullable): a task to return when the controller answered */
static void
jmp_cluster_report_status (JmpCluster *self, gint status, GTask *then)
{
  Jumpstarter__V1__ReportStatusRequest req = JUMPSTARTER__V1__REPORT_STATUS_REQUEST__INIT;
  JmpClusterReportData *data = g_new0 (JmpClusterReportData, 1);

  self->status = status;
  if (self->session != NULL)
    jmp_cluster_session_set_status (self->session, status);
  req.status = status;
  data->self = g_object_ref (self);
  data->status = status;
  data->then = then != NULL ? g_object_ref (then) : NULL;
  g_debug ("cluster: status %s",
           protobuf_c_enum_descriptor_get_value (&jumpstarter__v1__exporter_status__descriptor,
                                                 status)->name);
  jmp_cluster_unary (self, "ReportStatus", &req.base,
                     self->stopping ? JMP_CLUSTER_STOP_TIMEOUT : JMP_CLUSTER_CALL_TIMEOUT,
                     jmp_cluster_report_status_cb, data);
}

/* Register */

static void
jmp_cluster_register_cb (GBytes *response, gint code, const gchar *details, gpointer user_data)
{
  g_autoptr(JmpCluster) self = user_data;
  Jumpstarter__V1__RegisterResponse *resp = NULL;

  self->connecting = FALSE;
  if (self->stopping)
    return;
  if (code == GRPC_STATUS_OK)
    resp = jmp_pb_unpack (&jumpstarter__v1__register_response__descriptor, response);
  if (resp == NULL)
    {
      jmp_cluster_log_failure (self, "cluster: cannot register with",
                               code != GRPC_STATUS_OK ? code : GRPC_STATUS_INTERNAL,
                               code != GRPC_STATUS_OK ? details : "the response is not a RegisterResponse");
      jmp_cluster_schedule_retry (self);
      return;
    }
  if (g_strcmp0 (self->uuid, resp->uuid) != 0)
    g_message ("cluster: registered with %s as %s/%s (%s)", self->config->endpoint,
               self->config->namespace, self->config->name, resp->uuid);
  jmp_set_str (&self->uuid, resp->uuid);
  jmp_pb_free (resp);

  /* again what it was: a controller that restarted learns it anew */
  jmp_cluster_report_status (self, self->status, NULL);
  if (self->status_call == NULL)
    jmp_cluster_open_status (self);
}

static void
jmp_cluster_send_register (JmpCluster *self)
{
  g_autoptr(JmpPbArena) arena = jmp_pb_arena_new ();
  g_autoptr(GHashTable) labels = g_hash_table_new (g_str_hash, g_str_equal);
  Jumpstarter__V1__RegisterRequest req = JUMPSTARTER__V1__REGISTER_REQUEST__INIT;
  JmpConfig *config = jmp_host_get_config (self->host);
  GHashTableIter iter;
  gpointer key, value;

  if (config != NULL)
    {
      g_hash_table_iter_init (&iter, jmp_config_get_labels (config));
      while (g_hash_table_iter_next (&iter, &key, &value))
        g_hash_table_insert (labels, key, value);
    }
  g_hash_table_insert (labels, JMP_CLUSTER_LABEL_NAME, self->config->name);
  req.labels = (Jumpstarter__V1__RegisterRequest__LabelsEntry **)
    jmp_pb_string_map (arena, &jumpstarter__v1__register_request__labels_entry__descriptor,
                       labels, &req.n_labels);
  if (jmp_host_get_root (self->host) != NULL)
    req.reports = jmp_cluster_reports_new (arena, jmp_host_get_root (self->host), &req.n_reports);

  self->connecting = TRUE;
  jmp_cluster_unary (self, "Register", &req.base, JMP_CLUSTER_CALL_TIMEOUT,
                     jmp_cluster_register_cb, g_object_ref (self));
}

static void
jmp_cluster_channel_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(JmpCluster) self = user_data;
  g_autoptr(GError) error = NULL;
  grpc_channel *channel = jmp_cluster_channel_new_finish (res, &error);

  self->connecting = FALSE;
  if (channel == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      jmp_cluster_log_failure (self, "cluster: cannot reach", GRPC_STATUS_UNAVAILABLE, error->message);
      jmp_cluster_schedule_retry (self);
      return;
    }
  self->channel = channel;
  jmp_cluster_send_register (self);
}

static void
jmp_cluster_register (JmpCluster *self)
{
  if (self->stopping || self->connecting)
    return;
  if (self->channel != NULL)
    {
      jmp_cluster_send_register (self);
      return;
    }
  self->connecting = TRUE;
  jmp_cluster_channel_new_async (self->config, self->config->endpoint, self->cancellable,
                                 jmp_cluster_channel_cb, g_object_ref (self));
}

static void
jmp_cluster_tree_changed_cb (JmpHost *host, gpointer user_data)
{
  JmpCluster *self = user_data;

  /* a reload changes the reports: tell the controller */
  if (self->uuid != NULL && self->retry_id == 0)
    jmp_cluster_register (self);
}

/**
 * jmp_cluster_new:
 * @host: the host whose tree to export
 *
 * Returns: (nullable): the cluster client, or %NULL without @error set
 *   when the host's config has no `endpoint`
 */
JmpCluster *
jmp_cluster_new (JmpHost  *host,
                 GError  **error)
{
  GError *local_error = NULL;
  JmpClusterConfig *config = jmp_cluster_config_new (jmp_host_get_config (host), &local_error);
  JmpCluster *self;
  g_autofree gchar *bearer = NULL;

  if (config == NULL)
    {
      if (local_error != NULL)
        g_propagate_error (error, local_error);
      return NULL;
    }
  self = g_object_new (JMP_TYPE_CLUSTER, NULL);
  self->host = g_object_ref (host);
  self->config = config;
  bearer = g_strconcat ("Bearer ", config->token, NULL);
  self->metadata = g_strdupv ((gchar *[]) {
    "authorization", bearer,
    "jumpstarter-kind", "Exporter",
    "jumpstarter-namespace", config->namespace,
    "jumpstarter-name", config->name,
    NULL });
  return self;
}

/**
 * jmp_cluster_start:
 *
 * Registers with the controller, retrying until it answers.
 */
void
jmp_cluster_start (JmpCluster *self)
{
  jmp_grpc_init ();
  g_message ("cluster: joining %s as %s/%s", self->config->endpoint,
             self->config->namespace, self->config->name);
  self->tree_changed_id = g_signal_connect (self->host, "tree-changed",
                                            G_CALLBACK (jmp_cluster_tree_changed_cb), self);
  jmp_cluster_register (self);
}

/* Stop: OFFLINE, then Unregister */

static void
jmp_cluster_unregister_cb (GBytes *response, gint code, const gchar *details, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  JmpCluster *self = g_task_get_source_object (task);

  if (code != GRPC_STATUS_OK)
    g_message ("cluster: Unregister at %s failed: %s: %s", self->config->endpoint,
               jmp_grpc_status_name (code), details);
  else
    g_message ("cluster: unregistered from %s", self->config->endpoint);
  g_task_return_boolean (task, TRUE);
}

static void
jmp_cluster_offline_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  JmpCluster *self = g_task_get_source_object (task);
  Jumpstarter__V1__UnregisterRequest req = JUMPSTARTER__V1__UNREGISTER_REQUEST__INIT;

  req.reason = (char *) "the host is stopping";
  jmp_cluster_unary (self, "Unregister", &req.base, JMP_CLUSTER_STOP_TIMEOUT,
                     jmp_cluster_unregister_cb, g_steal_pointer (&task));
}

/**
 * jmp_cluster_stop_async:
 *
 * Ends the lease, if any, reports OFFLINE and unregisters, each with a
 * short deadline: a host that stops does not wait for a controller that
 * is gone.
 */
void
jmp_cluster_stop_async (JmpCluster          *self,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, NULL, callback, user_data);
  g_autoptr(GTask) offline = NULL;

  g_task_set_source_tag (task, jmp_cluster_stop_async);
  if (self->stopping)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  self->stopping = TRUE;
  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->retry_id, g_source_remove);
  if (self->tree_changed_id != 0)
    g_clear_signal_handler (&self->tree_changed_id, self->host);
  jmp_cluster_end_lease (self);
  if (self->status_call != NULL)
    jmp_grpc_call_cancel (self->status_call);
  if (self->uuid == NULL || self->channel == NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  offline = g_task_new (self, NULL, jmp_cluster_offline_cb, g_steal_pointer (&task));
  jmp_cluster_report_status (self, JUMPSTARTER__V1__EXPORTER_STATUS__EXPORTER_STATUS_OFFLINE, offline);
}

gboolean
jmp_cluster_stop_finish (JmpCluster    *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
jmp_cluster_stop_sync_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  gboolean *done = user_data;

  jmp_cluster_stop_finish (JMP_CLUSTER (source), res, NULL);
  *done = TRUE;
}

/**
 * jmp_cluster_stop_sync:
 *
 * jmp_cluster_stop_async() for the end of main(), after the main loop.
 */
void
jmp_cluster_stop_sync (JmpCluster *self)
{
  gboolean done = FALSE;

  jmp_cluster_stop_async (self, jmp_cluster_stop_sync_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}
