/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "jmp-jpeg-info.h"

/*
 * The size of a JPEG image, from its frame header (SOFn), without decoding
 * anything. The bytes come from a camera or a web server: every length is
 * checked against the buffer before it is used.
 */

static inline guint
jmp_jpeg_be16 (const guint8 *p)
{
  return ((guint) p[0] << 8) | p[1];
}

/* SOF0–SOF15, except DHT (C4), JPG (C8) and DAC (CC), which share the range */
static gboolean
jmp_jpeg_is_sof (guint8 marker)
{
  return marker >= 0xc0 && marker <= 0xcf &&
         marker != 0xc4 && marker != 0xc8 && marker != 0xcc;
}

/**
 * jmp_jpeg_get_size:
 * @data: (array length=size): bytes that should be a JPEG image
 * @size: their number
 * @width: (out): the image's width
 * @height: (out): the image's height
 *
 * Returns: %TRUE if @data starts like a JPEG image and has a frame header
 *   with a non-zero size before its scan data
 */
gboolean
jmp_jpeg_get_size (const guint8 *data,
                   gsize         size,
                   guint        *width,
                   guint        *height)
{
  gsize pos = 2;

  if (size < 4 || data[0] != 0xff || data[1] != 0xd8)
    return FALSE;

  while (pos + 1 < size)
    {
      guint8 marker;
      guint length;

      if (data[pos] != 0xff)
        return FALSE;
      /* any number of 0xFF fill bytes may come before a marker */
      while (pos < size && data[pos] == 0xff)
        pos++;
      if (pos >= size)
        return FALSE;
      marker = data[pos++];

      /* markers without a segment */
      if (marker == 0x01 || (marker >= 0xd0 && marker <= 0xd7))
        continue;
      /* the end, or scan data, before any frame header */
      if (marker == 0xd9 || marker == 0xda || marker == 0x00)
        return FALSE;

      if (pos + 2 > size)
        return FALSE;
      length = jmp_jpeg_be16 (data + pos);
      if (length < 2 || length > size - pos)
        return FALSE;

      if (jmp_jpeg_is_sof (marker))
        {
          guint h, w;

          /* length (2), precision (1), height (2), width (2) */
          if (length < 7)
            return FALSE;
          h = jmp_jpeg_be16 (data + pos + 3);
          w = jmp_jpeg_be16 (data + pos + 5);
          /* a height of 0 is given later by a DNL marker: unknown here */
          if (w == 0 || h == 0)
            return FALSE;
          *width = w;
          *height = h;
          return TRUE;
        }
      pos += length;
    }
  return FALSE;
}
