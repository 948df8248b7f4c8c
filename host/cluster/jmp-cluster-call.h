/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <jumpstarter/jumpstarter.h>

#include "jmp-cluster-pb.h"

G_BEGIN_DECLS

JmpDriver *jmp_cluster_find_driver        (JmpDriver                *root,
                                           const gchar              *uuid);
void       jmp_cluster_driver_call_async  (JmpDriver                *driver,
                                           const gchar              *method,
                                           Google__Protobuf__Value **args,
                                           gsize                     n_args,
                                           GCancellable             *cancellable,
                                           GAsyncReadyCallback       callback,
                                           gpointer                  user_data);
GVariant  *jmp_cluster_driver_call_finish (GAsyncResult             *result,
                                           GError                  **error);
gint       jmp_cluster_status_from_error  (GError                   *error);

G_END_DECLS
