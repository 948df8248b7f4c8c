/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <jumpstarter/jumpstarter.h>

G_BEGIN_DECLS

#define JMP_TYPE_INET_NETWORK (jmp_inet_network_get_type ())
G_DECLARE_DERIVABLE_TYPE (JmpInetNetwork, jmp_inet_network, JMP, INET_NETWORK, JmpDriver)

/**
 * JmpInetNetworkClass:
 * @parent_class: the parent class
 * @scheme: the scheme of Address(), e.g. "tcp"
 * @socket_type: the type of socket Connect() opens
 * @protocol: its protocol
 * @prepare_socket: (nullable): set options on the connected socket before
 *   it is handed out; they travel with the fd
 *
 * The part TcpNetwork and UdpNetwork share: a target named by `host` and
 * `port`, resolved and connected without blocking, and its address.
 */
struct _JmpInetNetworkClass
{
  JmpDriverClass    parent_class;

  const gchar      *scheme;
  GSocketType       socket_type;
  GSocketProtocol   protocol;
  gboolean        (*prepare_socket) (JmpInetNetwork  *self,
                                     GSocket         *socket,
                                     GError         **error);
};

const gchar *jmp_inet_network_get_host            (JmpInetNetwork *self);
guint        jmp_inet_network_get_port            (JmpInetNetwork *self);
gboolean     jmp_inet_network_get_enable_address  (JmpInetNetwork *self);
gdouble      jmp_inet_network_get_connect_timeout (JmpInetNetwork *self);

G_END_DECLS
