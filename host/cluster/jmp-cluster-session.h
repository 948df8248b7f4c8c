/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "jmp-host.h"
#include "jmp-cluster-config.h"

G_BEGIN_DECLS

#define JMP_TYPE_CLUSTER_SESSION (jmp_cluster_session_get_type ())
G_DECLARE_FINAL_TYPE (JmpClusterSession, jmp_cluster_session, JMP, CLUSTER_SESSION, GObject)

JmpClusterSession *jmp_cluster_session_new        (JmpHost           *host,
                                                   JmpClusterConfig  *config,
                                                   const gchar       *exporter_uuid);
void               jmp_cluster_session_set_status (JmpClusterSession *self,
                                                   gint               status);
void               jmp_cluster_session_connect    (JmpClusterSession *self,
                                                   const gchar       *router_endpoint,
                                                   const gchar       *router_token);
void               jmp_cluster_session_stop       (JmpClusterSession *self);

G_END_DECLS
