/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <jumpstarter/jumpstarter.h>

G_BEGIN_DECLS

/* Moves bytes between a client's stream (our end of a socketpair) and an
 * upgraded WebSocket connection, until both sides closed or @stop is
 * cancelled; then it closes both, drops @lease and frees itself. */
void jmp_ws_pump_start (GIOStream      *websocket,
                        GSocket        *local,
                        JmpStreamLease *lease,
                        const gchar    *label,
                        guint           keepalive_interval,
                        GCancellable   *stop);

G_END_DECLS
