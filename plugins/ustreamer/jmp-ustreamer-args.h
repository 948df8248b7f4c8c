/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

GStrv jmp_ustreamer_args_build (JsonObject  *args,
                                GError     **error);

G_END_DECLS
