/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean jmp_listen_backlog_raise (const gchar  *socket_path,
                                   GError      **error);

G_END_DECLS
