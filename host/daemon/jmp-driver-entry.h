/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

gchar    *jmp_driver_entry_object_path (const gchar *driver);
GVariant *jmp_driver_entry_build       (GDBusObject *object);

G_END_DECLS
