/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean jmp_ustreamer_state_parse (GBytes           *json,
                                    GVariantBuilder  *builder,
                                    GError          **error);

G_END_DECLS
