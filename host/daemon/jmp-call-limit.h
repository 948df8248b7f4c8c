/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Calls one peer may have in flight: started and not yet answered on the
 * wire. Past it a call fails with dev.jumpstarter.Error.Unavailable. */
#define JMP_CALL_LIMIT_IN_FLIGHT 128

/* Peer-to-peer, a peer owed this many replies reads none of them: it is
 * dropped, so that its replies (and their fds) stop piling up. */
#define JMP_CALL_LIMIT_UNREAD 1024

guint jmp_call_limit_install (GDBusConnection *connection,
                              gboolean         peer_to_peer);

G_END_DECLS
