/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

guint jmp_peer_bus_register (GDBusConnection  *connection,
                             const gchar      *bus_name,
                             guint             serial,
                             GError          **error);

G_END_DECLS
