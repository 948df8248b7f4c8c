/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "jmp-host-info.h"

G_BEGIN_DECLS

JmpHostInfo *jmp_host_info_new        (GVariant            *props,
                                       const gchar         *bus_name,
                                       const gchar         *address,
                                       gboolean             is_default,
                                       gint                 n_drivers);

/* jmp-host-list.c: lists the hosts; @count_drivers asks each for its
 * tree, which costs it in proportion to its size, so only for a listing. */
void         jmp_host_list_async      (GBusType             bus_type,
                                       gboolean             count_drivers,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data);
GPtrArray   *jmp_host_list_finish     (GAsyncResult        *result,
                                       GError             **error);
GPtrArray   *jmp_host_list_sync       (GBusType             bus_type,
                                       gboolean             count_drivers,
                                       GCancellable        *cancellable,
                                       GError             **error);

/* jmp-client.c: $JUMPSTARTER_HOST as a D-Bus address, or NULL */
gchar       *jmp_client_env_address   (void);

G_END_DECLS
