/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "jmp-daemon-cluster.h"

#if HAVE_CLUSTER
#include "jmp-cluster.h"
#include "jmp-grpc.h"
#else
#include "jmp-config-private.h"
#endif

/*
 * The daemon's two hooks for host/cluster, which a build may leave out
 * (-Dcluster=disabled): then a config with an endpoint is served locally,
 * and says so.
 */

/**
 * jmp_daemon_join_cluster:
 * @cluster: (out): the cluster client, %NULL when the config names none
 *
 * Returns: %FALSE with @error set for a config whose cluster keys are wrong
 */
gboolean
jmp_daemon_join_cluster (JmpHost  *host,
                         GObject **cluster,
                         GError  **error)
{
#if HAVE_CLUSTER
  GError *local_error = NULL;
  JmpCluster *self = jmp_cluster_new (host, &local_error);

  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  if (self != NULL)
    jmp_cluster_start (self);
  *cluster = (GObject *) self;
#else
  JsonNode *root = jmp_config_get_node (jmp_host_get_config (host));

  if (root != NULL && JSON_NODE_HOLDS_OBJECT (root) &&
      json_object_has_member (json_node_get_object (root), "endpoint"))
    g_message ("this host was built without cluster support: endpoint ignored, serving locally");
  *cluster = NULL;
#endif
  return TRUE;
}

/**
 * jmp_daemon_leave_cluster:
 *
 * Reports OFFLINE and unregisters, then frees the client.
 */
void
jmp_daemon_leave_cluster (GObject **cluster)
{
#if HAVE_CLUSTER
  if (*cluster == NULL)
    return;
  jmp_cluster_stop_sync (JMP_CLUSTER (*cluster));
  g_clear_object (cluster);
  jmp_grpc_shutdown ();
#endif
}
