/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The page `jmp DRIVER stream` serves at "/".
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The HTML page for the driver at @driver_path. */
gchar *jmp_video_page_render (const gchar *driver_path);

G_END_DECLS
