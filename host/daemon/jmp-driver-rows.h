/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* What the bytes of Host1.ListDrivers() hold: one row per driver. */
#define JMP_DRIVER_ROWS_TYPE "a(ossssssa{ss}a{ss})"

GVariant *jmp_driver_rows_build (GHashTable *objects);

G_END_DECLS
