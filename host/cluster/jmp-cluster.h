/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "jmp-host.h"

G_BEGIN_DECLS

#define JMP_TYPE_CLUSTER (jmp_cluster_get_type ())
G_DECLARE_FINAL_TYPE (JmpCluster, jmp_cluster, JMP, CLUSTER, GObject)

JmpCluster *jmp_cluster_new         (JmpHost              *host,
                                     GError              **error);
void        jmp_cluster_start       (JmpCluster           *self);
void        jmp_cluster_stop_async  (JmpCluster           *self,
                                     GAsyncReadyCallback   callback,
                                     gpointer              user_data);
gboolean    jmp_cluster_stop_finish (JmpCluster           *self,
                                     GAsyncResult         *result,
                                     GError              **error);
void        jmp_cluster_stop_sync   (JmpCluster           *self);

G_END_DECLS
