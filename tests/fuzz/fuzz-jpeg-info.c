/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The JPEG header reader on an arbitrary snapshot.
 */
#include "jmp-jpeg-info.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  guint width = 0, height = 0;

  if (jmp_jpeg_get_size (data, size, &width, &height))
    g_assert (width > 0 && height > 0);
  return 0;
}
