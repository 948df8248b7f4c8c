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

#define JMP_TYPE_NETWORK (jmp_network_get_type ())
G_DECLARE_INTERFACE (JmpNetwork, jmp_network, JMP, NETWORK, GObject)

/**
 * JmpNetworkInterface:
 * @connect_async: open a stream to the target; the result is a connected
 *   #GSocket the host hands to the caller as it is. A driver that keeps
 *   pumping the stream (one end of a socketpair) holds a #JmpStreamLease,
 *   acquired with the cancellable it is given, for as long as it pumps
 * @connect_finish: finish @connect_async
 * @get_address_async: (nullable): compute the address a client may use
 *   directly; %NULL means the driver has none (%JMP_ERROR_NOT_SUPPORTED)
 * @get_address_finish: finish @get_address_async
 * @get_socket_type: (nullable): %G_SOCKET_TYPE_DATAGRAM for a driver whose
 *   streams carry datagrams (UdpNetwork); %NULL means %G_SOCKET_TYPE_STREAM
 *
 * A driver that reaches a target over a byte stream or datagram socket.
 */
struct _JmpNetworkInterface
{
  GTypeInterface g_iface;

  void     (*connect_async)      (JmpNetwork          *self,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data);
  GSocket *(*connect_finish)     (JmpNetwork          *self,
                                  GAsyncResult        *result,
                                  GError             **error);
  void     (*get_address_async)  (JmpNetwork          *self,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data);
  gchar   *(*get_address_finish) (JmpNetwork          *self,
                                  GAsyncResult        *result,
                                  GError             **error);
  GSocketType (*get_socket_type) (JmpNetwork          *self);

  /*< private >*/
  gpointer padding[7];
};

void      jmp_network_connect_async      (JmpNetwork          *self,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
GSocket  *jmp_network_connect_finish     (JmpNetwork          *self,
                                          GAsyncResult        *result,
                                          GError             **error);
void      jmp_network_get_address_async  (JmpNetwork          *self,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
gchar    *jmp_network_get_address_finish (JmpNetwork          *self,
                                          GAsyncResult        *result,
                                          GError             **error);
GSocketType jmp_network_get_socket_type  (JmpNetwork          *self);
gboolean  jmp_network_has_address        (JmpNetwork          *self);

G_END_DECLS
