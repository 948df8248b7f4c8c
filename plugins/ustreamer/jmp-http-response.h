/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* ustreamer's heads are a few hundred bytes */
#define JMP_HTTP_MAX_HEAD_SIZE   (16 * 1024)
#define JMP_HTTP_MAX_HEADERS     64
#define JMP_HTTP_MAX_REASON_SIZE 128

typedef struct {
  guint     status;
  gchar     reason[JMP_HTTP_MAX_REASON_SIZE];  /* valid UTF-8, maybe cut */
  gint64    content_length;                    /* -1: until the server closes */
  gboolean  keep_alive;
} JmpHttpResponse;

gssize   jmp_http_response_parse     (const gchar      *data,
                                      gsize             len,
                                      gsize             max_body,
                                      JmpHttpResponse  *response,
                                      GError          **error);
GError  *jmp_http_response_error_new (guint             status,
                                      const gchar      *reason);

G_END_DECLS
