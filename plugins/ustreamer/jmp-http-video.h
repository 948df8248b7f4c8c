/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <jumpstarter/jumpstarter.h>

G_BEGIN_DECLS

#define JMP_TYPE_HTTP_VIDEO (jmp_http_video_get_type ())
G_DECLARE_FINAL_TYPE (JmpHttpVideo, jmp_http_video, JMP, HTTP_VIDEO, JmpDriver)

G_END_DECLS
