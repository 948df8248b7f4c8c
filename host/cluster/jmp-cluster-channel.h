/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "jmp-cluster-config.h"
#include "jmp-grpc.h"

G_BEGIN_DECLS

void          jmp_cluster_channel_new_async  (JmpClusterConfig    *config,
                                              const gchar         *endpoint,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
grpc_channel *jmp_cluster_channel_new_finish (GAsyncResult        *result,
                                              GError             **error);

G_END_DECLS
