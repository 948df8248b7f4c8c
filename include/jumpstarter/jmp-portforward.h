/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__JUMPSTARTER_H_INSIDE__) && !defined(JUMPSTARTER_COMPILATION)
#error "Only <jumpstarter/jumpstarter.h> can be included directly."
#endif

#include <gio/gio.h>

#include "jmp-network-proxy.h"

G_BEGIN_DECLS

#define JMP_TYPE_PORTFORWARD (jmp_portforward_get_type ())
G_DECLARE_FINAL_TYPE (JmpPortforward, jmp_portforward, JMP, PORTFORWARD, GObject)

/**
 * JmpPortforwardKind:
 * @JMP_PORTFORWARD_TCP: a TCP listener; each connection gets its own stream
 * @JMP_PORTFORWARD_UNIX: a Unix stream socket listener, likewise
 * @JMP_PORTFORWARD_UDP: a UDP socket; each local peer gets its own stream
 *   (a connected datagram socket) and the replies come back to it
 *
 * What a #JmpPortforward listens on.
 */
typedef enum {
  JMP_PORTFORWARD_TCP,
  JMP_PORTFORWARD_UNIX,
  JMP_PORTFORWARD_UDP,
} JmpPortforwardKind;

JmpPortforward *jmp_portforward_new_tcp          (JmpNetworkProxy  *network,
                                                  const gchar      *local_host,
                                                  guint16           local_port,
                                                  GError          **error);
JmpPortforward *jmp_portforward_new_unix         (JmpNetworkProxy  *network,
                                                  const gchar      *path,
                                                  GError          **error);
JmpPortforward *jmp_portforward_new_udp          (JmpNetworkProxy  *network,
                                                  const gchar      *local_host,
                                                  guint16           local_port,
                                                  GError          **error);

JmpPortforwardKind jmp_portforward_get_kind      (JmpPortforward   *self);
GSocketAddress *jmp_portforward_get_local_address (JmpPortforward  *self);
gchar          *jmp_portforward_get_display_address (JmpPortforward *self);
guint16         jmp_portforward_get_port         (JmpPortforward   *self);
const gchar    *jmp_portforward_get_path         (JmpPortforward   *self);
guint           jmp_portforward_get_n_active     (JmpPortforward   *self);
guint64         jmp_portforward_get_n_accepted   (JmpPortforward   *self);
guint64         jmp_portforward_get_n_failed     (JmpPortforward   *self);
gboolean        jmp_portforward_start_thread     (JmpPortforward   *self,
                                                  GError          **error);
void            jmp_portforward_close            (JmpPortforward   *self);

G_END_DECLS
