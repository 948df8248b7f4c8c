/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <jumpstarter/jumpstarter.h>

#include "jmp-grpc.h"

G_BEGIN_DECLS

/* Moves bytes between a socket and a RouterService.Stream call, as
 * Jumpstarter frames: DATA carries bytes (one datagram each on a datagram
 * socket), GOAWAY is the end of one direction, which becomes a half-close
 * of the socket. */

typedef struct _JmpClusterPump JmpClusterPump;

typedef void (*JmpClusterPumpDoneFunc) (JmpClusterPump *pump,
                                        gpointer        user_data);

JmpClusterPump *jmp_cluster_pump_new_client (JmpGrpcCall            *call,
                                             const gchar            *peer,
                                             JmpClusterPumpDoneFunc  done,
                                             gpointer                user_data);
JmpClusterPump *jmp_cluster_pump_new_server (JmpGrpcCall            *call,
                                             JmpClusterPumpDoneFunc  done,
                                             gpointer                user_data);
void            jmp_cluster_pump_attach     (JmpClusterPump         *self,
                                             GSocket                *socket);
void            jmp_cluster_pump_hold       (JmpClusterPump         *self,
                                             JmpStreamLease         *lease);
void            jmp_cluster_pump_fail       (JmpClusterPump         *self,
                                             gint                    code,
                                             const gchar            *details);
void            jmp_cluster_pump_abort      (JmpClusterPump         *self);
JmpClusterPump *jmp_cluster_pump_ref        (JmpClusterPump         *self);
void            jmp_cluster_pump_unref      (JmpClusterPump         *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (JmpClusterPump, jmp_cluster_pump_unref)

G_END_DECLS
