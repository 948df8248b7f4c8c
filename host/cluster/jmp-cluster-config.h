/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <jumpstarter/jumpstarter.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* What an exporter config says about the cluster: the keys a local host
 * ignores. */
typedef struct {
  gchar      *endpoint;       /* host:port of the controller */
  gchar      *token;
  gchar      *namespace;
  gchar      *name;
  gchar      *ca_pem;         /* tls.ca decoded; NULL: the system's CAs */
  gboolean    insecure;       /* tls.insecure: trust the first certificate seen */
  JsonObject *grpc_options;   /* nullable */
} JmpClusterConfig;

JmpClusterConfig *jmp_cluster_config_new  (JmpConfig         *config,
                                           GError           **error);
void              jmp_cluster_config_free (JmpClusterConfig  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (JmpClusterConfig, jmp_cluster_config_free)

G_END_DECLS
