/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * jmp's MJPEG multipart reader on an arbitrary response body, fed in
 * pieces whose sizes come from the input too, as a socket splits it.
 */
#include "jmp-mjpeg-reader.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autoptr(JmpMjpegReader) reader = NULL;
  g_autoptr(GError) error = NULL;
  gsize step;

  if (size < 1)
    return 0;
  /* the first byte: the piece size; a small frame bound, to reach it */
  step = 1 + data[0];
  reader = jmp_mjpeg_reader_new (4096);
  data++;
  size--;
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
