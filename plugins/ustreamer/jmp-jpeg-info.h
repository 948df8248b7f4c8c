/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean jmp_jpeg_get_size (const guint8 *data,
                            gsize         size,
                            guint        *width,
                            guint        *height);

G_END_DECLS
