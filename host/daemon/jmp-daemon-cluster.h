/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "jmp-host.h"

G_BEGIN_DECLS

gboolean jmp_daemon_join_cluster  (JmpHost   *host,
                                   GObject  **cluster,
                                   GError   **error);
void     jmp_daemon_leave_cluster (GObject  **cluster);

G_END_DECLS
