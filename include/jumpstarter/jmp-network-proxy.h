/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__JUMPSTARTER_H_INSIDE__) && !defined(JUMPSTARTER_COMPILATION)
#error "Only <jumpstarter/jumpstarter.h> can be included directly."
#endif

#include <gio/gio.h>

G_BEGIN_DECLS

#define JMP_TYPE_NETWORK_PROXY (jmp_network_proxy_get_type ())
G_DECLARE_FINAL_TYPE (JmpNetworkProxy, jmp_network_proxy, JMP, NETWORK_PROXY, GObject)

/* The dev.jumpstarter.Network1 side of a driver, as a client sees it. */
void       jmp_network_proxy_connect_socket        (JmpNetworkProxy     *self,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
GSocket   *jmp_network_proxy_connect_socket_finish (JmpNetworkProxy     *self,
                                                    GAsyncResult        *result,
                                                    GError             **error);
GSocket   *jmp_network_proxy_connect_socket_sync   (JmpNetworkProxy     *self,
                                                    GCancellable        *cancellable,
                                                    GError             **error);
void       jmp_network_proxy_open                  (JmpNetworkProxy     *self,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
GIOStream *jmp_network_proxy_open_finish           (JmpNetworkProxy     *self,
                                                    GAsyncResult        *result,
                                                    GError             **error);
GIOStream *jmp_network_proxy_open_sync             (JmpNetworkProxy     *self,
                                                    GCancellable        *cancellable,
                                                    GError             **error);
void       jmp_network_proxy_connect               (JmpNetworkProxy     *self,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
GIOStream *jmp_network_proxy_connect_finish        (JmpNetworkProxy     *self,
                                                    GAsyncResult        *result,
                                                    GError             **error);
GIOStream *jmp_network_proxy_connect_sync          (JmpNetworkProxy     *self,
                                                    GCancellable        *cancellable,
                                                    GError             **error);
void       jmp_network_proxy_get_address           (JmpNetworkProxy     *self,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
gchar     *jmp_network_proxy_get_address_finish    (JmpNetworkProxy     *self,
                                                    GAsyncResult        *result,
                                                    GError             **error);
gchar     *jmp_network_proxy_get_address_sync      (JmpNetworkProxy     *self,
                                                    GCancellable        *cancellable,
                                                    GError             **error);
GSocketType jmp_network_proxy_get_socket_type      (JmpNetworkProxy     *self);
gboolean   jmp_network_proxy_has_address           (JmpNetworkProxy     *self);

G_END_DECLS
