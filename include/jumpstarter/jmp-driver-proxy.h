/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__JUMPSTARTER_H_INSIDE__) && !defined(JUMPSTARTER_COMPILATION)
#error "Only <jumpstarter/jumpstarter.h> can be included directly."
#endif

#include <gio/gio.h>
#include <gio/gunixfdlist.h>

#include "jmp-driver-method.h"

#include "jmp-network-proxy.h"
#include "jmp-dbus-network-proxy.h"
#include "jmp-video-proxy.h"

G_BEGIN_DECLS

#define JMP_TYPE_DRIVER_PROXY (jmp_driver_proxy_get_type ())
G_DECLARE_FINAL_TYPE (JmpDriverProxy, jmp_driver_proxy, JMP, DRIVER_PROXY, GObject)

/* A driver of a host, as a client sees it. */
GDBusObject     *jmp_driver_proxy_get_object              (JmpDriverProxy *self);
const gchar     *jmp_driver_proxy_get_object_path         (JmpDriverProxy *self);
const gchar     *jmp_driver_proxy_get_name                (JmpDriverProxy *self);
const gchar     *jmp_driver_proxy_get_path                (JmpDriverProxy *self);
guint            jmp_driver_proxy_get_index               (JmpDriverProxy *self);
const gchar     *jmp_driver_proxy_get_type_name           (JmpDriverProxy *self);
const gchar     *jmp_driver_proxy_get_uuid                (JmpDriverProxy *self);
const gchar     *jmp_driver_proxy_get_parent_uuid         (JmpDriverProxy *self);
const gchar     *jmp_driver_proxy_get_description         (JmpDriverProxy *self);
GHashTable      *jmp_driver_proxy_get_labels              (JmpDriverProxy *self);
GHashTable      *jmp_driver_proxy_get_methods_description (JmpDriverProxy *self);
gboolean         jmp_driver_proxy_has_interface           (JmpDriverProxy *self,
                                                           const gchar    *interface_name);
JmpNetworkProxy *jmp_driver_proxy_get_network             (JmpDriverProxy *self);
JmpDbusNetworkProxy *jmp_driver_proxy_get_dbus_network    (JmpDriverProxy *self);
JmpVideoProxy   *jmp_driver_proxy_get_video               (JmpDriverProxy *self);

GPtrArray       *jmp_driver_proxy_get_methods             (JmpDriverProxy *self);
JmpDriverMethod *jmp_driver_proxy_lookup_method           (JmpDriverProxy *self,
                                                           const gchar    *name);
void             jmp_driver_proxy_call                    (JmpDriverProxy      *self,
                                                           const gchar         *method,
                                                           GVariant            *args,
                                                           GCancellable        *cancellable,
                                                           GAsyncReadyCallback  callback,
                                                           gpointer             user_data);
GVariant        *jmp_driver_proxy_call_finish             (JmpDriverProxy      *self,
                                                           GAsyncResult        *result,
                                                           GError             **error);
GVariant        *jmp_driver_proxy_call_sync               (JmpDriverProxy      *self,
                                                           const gchar         *method,
                                                           GVariant            *args,
                                                           GCancellable        *cancellable,
                                                           GError             **error);
GVariant        *jmp_driver_proxy_call_with_unix_fd_list_finish (JmpDriverProxy  *self,
                                                           GUnixFDList        **out_fd_list,
                                                           GAsyncResult        *result,
                                                           GError             **error);
GVariant        *jmp_driver_proxy_call_with_unix_fd_list_sync   (JmpDriverProxy  *self,
                                                           const gchar         *method,
                                                           GVariant            *args,
                                                           GUnixFDList        **out_fd_list,
                                                           GCancellable        *cancellable,
                                                           GError             **error);

G_END_DECLS
