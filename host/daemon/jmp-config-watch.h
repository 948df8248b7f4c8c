/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "jmp-host.h"

G_BEGIN_DECLS

#define JMP_TYPE_CONFIG_WATCH (jmp_config_watch_get_type ())
G_DECLARE_FINAL_TYPE (JmpConfigWatch, jmp_config_watch, JMP, CONFIG_WATCH, GObject)

JmpConfigWatch *jmp_config_watch_new (JmpHost      *host,
                                      const gchar  *path,
                                      GError      **error);

G_END_DECLS
