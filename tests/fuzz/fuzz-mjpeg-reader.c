/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The MJPEG multipart reader on arbitrary input, fed in pieces whose sizes
 * come from the input too, as a socket splits it. The first byte: the
 * piece size (low 7 bits) and the mode (high bit). Clear: the rest is a
 * whole HTTP response, as `jmp stream` reads it. Set: the rest is a
 * Content-Type line and then a body, as HttpVideo has them from libsoup.
 */
#include <string.h>

#include "jmp-mjpeg-reader.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

/* a small frame bound, to reach it */
#define FUZZ_MAX_FRAME 4096

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autoptr(JmpMjpegReader) reader = NULL;
  g_autoptr(GError) error = NULL;
  gsize step;

  if (size < 1)
    return 0;
  step = 1 + (data[0] & 0x7f);
  if (data[0] & 0x80)
    {
      const guint8 *nl = memchr (data + 1, '\n', size - 1);
      g_autofree gchar *content_type = NULL;

      if (nl == NULL)
        return 0;
      content_type = g_strndup ((const gchar *) data + 1, nl - (data + 1));
      reader = jmp_mjpeg_reader_new_for_body (content_type, FUZZ_MAX_FRAME, &error);
      if (reader == NULL)
        return 0;
      size -= nl + 1 - data;
      data = nl + 1;
    }
  else
    {
      reader = jmp_mjpeg_reader_new (FUZZ_MAX_FRAME);
      data++;
      size--;
    }
  while (size > 0)
    {
      gsize n = MIN (step, size);

      if (!jmp_mjpeg_reader_feed (reader, data, n, &error))
        return 0;
      for (GBytes *frame; (frame = jmp_mjpeg_reader_pop_frame (reader)) != NULL;)
        g_bytes_unref (frame);
      data += n;
      size -= n;
    }
  jmp_mjpeg_reader_finish (reader, NULL);
  return 0;
}
