/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean jmp_host_source_resolve (const gchar  *config,
                                  const gchar  *exporter,
                                  gchar       **path,
                                  gchar       **alias,
                                  GError      **error);

G_END_DECLS
