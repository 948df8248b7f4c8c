/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define JMP_TYPE_BUS_NAMES (jmp_bus_names_get_type ())
G_DECLARE_FINAL_TYPE (JmpBusNames, jmp_bus_names, JMP, BUS_NAMES, GObject)

JmpBusNames *jmp_bus_names_new (GDBusConnection  *connection,
                                const gchar      *alias,
                                gboolean          is_default,
                                GError          **error);

G_END_DECLS
