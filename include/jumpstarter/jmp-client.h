/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__JUMPSTARTER_H_INSIDE__) && !defined(JUMPSTARTER_COMPILATION)
#error "Only <jumpstarter/jumpstarter.h> can be included directly."
#endif

#include <gio/gio.h>

#include "jmp-driver-info.h"
#include "jmp-driver-proxy.h"
#include "jmp-host-info.h"

G_BEGIN_DECLS

/**
 * JmpClientFlags:
 * @JMP_CLIENT_FLAGS_NONE: the client follows the host's driver tree
 * @JMP_CLIENT_FLAGS_DO_NOT_LOAD_DRIVERS: the client does not load the
 *   driver tree: no #JmpDriverProxy, no #JmpClient::driver-added or
 *   #JmpClient::driver-removed, jmp_client_get_drivers() returns %NULL and
 *   jmp_client_get_driver() fails. For a client that only lists drivers
 *   with jmp_client_list_drivers(), uses the few it looks up with
 *   jmp_client_lookup_driver() (and gets #JmpClient::driver-removed for
 *   those), or only talks to the host itself: connecting then costs the
 *   same whatever the size of the tree.
 *
 * How a #JmpClient connects.
 */
typedef enum /*< flags >*/ {
  JMP_CLIENT_FLAGS_NONE                = 0,
  JMP_CLIENT_FLAGS_DO_NOT_LOAD_DRIVERS = 1 << 0,
} JmpClientFlags;

#define JMP_TYPE_CLIENT_FLAGS (jmp_client_flags_get_type ())
GType jmp_client_flags_get_type (void) G_GNUC_CONST;

#define JMP_TYPE_CLIENT (jmp_client_get_type ())
G_DECLARE_FINAL_TYPE (JmpClient, jmp_client, JMP, CLIENT, GObject)

/**
 * JMP_HOST_ENV:
 *
 * The environment variable naming a host's peer-to-peer D-Bus address,
 * which `jmp shell` sets and jmp_client_new() reads.
 */
#define JMP_HOST_ENV "JUMPSTARTER_HOST"

void            jmp_client_new               (GBusType              bus_type,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
JmpClient      *jmp_client_new_finish        (GAsyncResult         *result,
                                              GError              **error);
JmpClient      *jmp_client_new_sync          (GBusType              bus_type,
                                              GCancellable         *cancellable,
                                              GError              **error);
void            jmp_client_new_for_address   (const gchar          *address,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
JmpClient      *jmp_client_new_for_address_finish (GAsyncResult    *result,
                                              GError              **error);
JmpClient      *jmp_client_new_for_address_sync   (const gchar     *address,
                                              GCancellable         *cancellable,
                                              GError              **error);
void            jmp_client_new_for_exporter  (GBusType              bus_type,
                                              const gchar          *exporter,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
JmpClient      *jmp_client_new_for_exporter_finish (GAsyncResult   *result,
                                              GError              **error);
JmpClient      *jmp_client_new_for_exporter_sync   (GBusType        bus_type,
                                              const gchar          *exporter,
                                              GCancellable         *cancellable,
                                              GError              **error);
void            jmp_client_new_for_exporter_full (GBusType          bus_type,
                                              const gchar          *exporter,
                                              JmpClientFlags        flags,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
JmpClient      *jmp_client_new_for_exporter_full_sync (GBusType     bus_type,
                                              const gchar          *exporter,
                                              JmpClientFlags        flags,
                                              GCancellable         *cancellable,
                                              GError              **error);
void            jmp_client_list_hosts        (GBusType              bus_type,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
GPtrArray      *jmp_client_list_hosts_finish (GAsyncResult         *result,
                                              GError              **error);
GPtrArray      *jmp_client_list_hosts_sync   (GBusType              bus_type,
                                              GCancellable         *cancellable,
                                              GError              **error);

GDBusConnection *jmp_client_get_connection   (JmpClient            *self);
JmpClientFlags  jmp_client_get_flags         (JmpClient            *self);
const gchar    *jmp_client_get_exporter_name (JmpClient            *self);
const gchar    *jmp_client_get_version       (JmpClient            *self);
const gchar    *jmp_client_get_motd          (JmpClient            *self);
GHashTable     *jmp_client_get_labels        (JmpClient            *self);
GList          *jmp_client_get_drivers       (JmpClient            *self);
JmpDriverProxy *jmp_client_get_driver        (JmpClient            *self,
                                              const gchar          *path,
                                              GError              **error);
void            jmp_client_lookup_driver       (JmpClient            *self,
                                                const gchar          *path,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
JmpDriverProxy *jmp_client_lookup_driver_finish (JmpClient           *self,
                                                GAsyncResult         *result,
                                                GError              **error);
JmpDriverProxy *jmp_client_lookup_driver_sync  (JmpClient            *self,
                                                const gchar          *path,
                                                GCancellable         *cancellable,
                                                GError              **error);
void            jmp_client_list_drivers        (JmpClient            *self,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
GPtrArray      *jmp_client_list_drivers_finish (JmpClient            *self,
                                                GAsyncResult         *result,
                                                GError              **error);
GPtrArray      *jmp_client_list_drivers_sync   (JmpClient            *self,
                                                GCancellable         *cancellable,
                                                GError              **error);
void            jmp_client_list_plugins        (JmpClient            *self,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
GPtrArray      *jmp_client_list_plugins_finish (JmpClient            *self,
                                                GAsyncResult         *result,
                                                GError              **error);
GPtrArray      *jmp_client_list_plugins_sync   (JmpClient            *self,
                                                GCancellable         *cancellable,
                                                GError              **error);
void            jmp_client_reload              (JmpClient            *self,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
gboolean        jmp_client_reload_finish       (JmpClient            *self,
                                                GAsyncResult         *result,
                                                GError              **error);
gboolean        jmp_client_reload_sync         (JmpClient            *self,
                                                GCancellable         *cancellable,
                                                GError              **error);

G_END_DECLS
