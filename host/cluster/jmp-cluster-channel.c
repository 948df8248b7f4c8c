/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "jmp-cluster-channel.h"

/*
 * A TLS channel to the controller or a router, trusting what the config
 * says: tls.ca, else with tls.insecure the certificate the endpoint shows
 * first (Jumpstarter's trust on first use: the chain is not verified, the
 * host name still is, by gRPC, against that certificate), else the
 * system's certificate authorities.
 */

#define JMP_CLUSTER_SYSTEM_CA "/etc/ssl/certs/ca-certificates.crt"

typedef struct {
  JmpClusterConfig *config;
  gchar            *endpoint;
} JmpClusterChannelData;

static void
jmp_cluster_channel_data_free (gpointer data)
{
  JmpClusterChannelData *d = data;

  g_free (d->endpoint);
  g_free (d);
}

static void
jmp_cluster_channel_create (GTask *task, const gchar *root_pem)
{
  JmpClusterChannelData *d = g_task_get_task_data (task);
  g_autofree gchar *system_pem = NULL;
  GError *error = NULL;
  grpc_channel *channel;

  if (root_pem == NULL)
    {
      /* gRPC's own default is a bundle Debian does not ship */
      g_file_get_contents (JMP_CLUSTER_SYSTEM_CA, &system_pem, NULL, NULL);
      root_pem = system_pem;
    }
  channel = jmp_grpc_channel_new (d->endpoint, root_pem, d->config->grpc_options, &error);
  if (channel == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, channel, (GDestroyNotify) grpc_channel_destroy);
}

static gboolean
jmp_cluster_channel_accept_cb (GTlsConnection *conn, GTlsCertificate *cert,
                               GTlsCertificateFlags errors, gpointer user_data)
{
  return TRUE;
}

static void
jmp_cluster_channel_event_cb (GSocketClient *client, GSocketClientEvent event,
                              GSocketConnectable *connectable, GIOStream *connection,
                              gpointer user_data)
{
  const gchar *protocols[] = { "h2", NULL };

  if (event != G_SOCKET_CLIENT_TLS_HANDSHAKING)
    return;
  /* servers of gRPC may refuse a handshake without ALPN h2 */
  g_tls_connection_set_advertised_protocols (G_TLS_CONNECTION (connection), protocols);
  g_signal_connect (connection, "accept-certificate",
                    G_CALLBACK (jmp_cluster_channel_accept_cb), NULL);
}

static void
jmp_cluster_channel_tofu_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  JmpClusterChannelData *d = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnection) conn = NULL;
  g_autofree gchar *pem = NULL;
  GTlsCertificate *cert = NULL;
  GIOStream *tls;

  conn = g_socket_client_connect_to_host_finish (G_SOCKET_CLIENT (source), res, &error);
  if (conn == NULL)
    {
      g_task_return_new_error (task, JMP_ERROR, JMP_ERROR_UNREACHABLE,
                               _("%s: cannot fetch its certificate: %s"),
                               d->endpoint, error->message);
      return;
    }
  /* GSocketClient wraps the TLS stream in a GSocketConnection */
  tls = G_IS_TCP_WRAPPER_CONNECTION (conn)
    ? g_tcp_wrapper_connection_get_base_io_stream (G_TCP_WRAPPER_CONNECTION (conn))
    : G_IO_STREAM (conn);
  if (G_IS_TLS_CONNECTION (tls))
    cert = g_tls_connection_get_peer_certificate (G_TLS_CONNECTION (tls));
  if (cert != NULL)
    g_object_get (cert, "certificate-pem", &pem, NULL);
  if (pem == NULL)
    {
      g_task_return_new_error (task, JMP_ERROR, JMP_ERROR_FAILED,
                               _("%s: showed no certificate"), d->endpoint);
      return;
    }
  g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
  g_debug ("%s: trusting the certificate it showed (tls.insecure)", d->endpoint);
  jmp_cluster_channel_create (task, pem);
}

/**
 * jmp_cluster_channel_new_async:
 * @endpoint: "host:port"
 *
 * Makes a channel to @endpoint with the trust @config asks for.
 */
void
jmp_cluster_channel_new_async (JmpClusterConfig    *config,
                               const gchar         *endpoint,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr(GSocketClient) client = NULL;
  JmpClusterChannelData *d = g_new0 (JmpClusterChannelData, 1);

  d->config = config;
  d->endpoint = g_strdup (endpoint);
  g_task_set_task_data (task, d, jmp_cluster_channel_data_free);
  g_task_set_source_tag (task, jmp_cluster_channel_new_async);

  if (config->ca_pem != NULL || !config->insecure)
    {
      jmp_cluster_channel_create (task, config->ca_pem);
      return;
    }
  client = g_socket_client_new ();
  g_socket_client_set_tls (client, TRUE);
  g_socket_client_set_timeout (client, 30);
  g_signal_connect (client, "event", G_CALLBACK (jmp_cluster_channel_event_cb), NULL);
  g_socket_client_connect_to_host_async (client, endpoint, 443, cancellable,
                                         jmp_cluster_channel_tofu_cb, g_steal_pointer (&task));
}

grpc_channel *
jmp_cluster_channel_new_finish (GAsyncResult  *result,
                                GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
