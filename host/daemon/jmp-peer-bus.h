/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The unique name a peer-to-peer host answers as, and stamps on what it
 * sends */
#define JMP_PEER_BUS_HOST_UNIQUE ":0.0"

guint jmp_peer_bus_register (GDBusConnection  *connection,
                             const gchar      *bus_name,
                             guint             serial,
                             GError          **error);

G_END_DECLS
