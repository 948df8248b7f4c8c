/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The WebSocket frame decoder on arbitrary bytes from a server, fed in
 * pieces whose sizes come from the input too.
 */
#include "jmp-websocket-frame.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  JmpWsDecoder decoder;
  gsize step;

  if (size < 1)
    return 0;
  step = 1 + data[0];
  data++;
  size--;
  jmp_ws_decoder_init (&decoder);
  while (size > 0)
    {
      gsize n = MIN (step, size);
      const guint8 *p = data;
      gsize left = n;

      while (left > 0)
        {
          g_autoptr(GError) error = NULL;
          JmpWsChunk chunk;
          gssize used = jmp_ws_decoder_feed (&decoder, p, left, &chunk, &error);

          if (used < 0)
            return 0;
          g_assert (used > 0 && (gsize) used <= left);
          if (chunk.kind == JMP_WS_CHUNK_CONTROL && chunk.opcode == JMP_WS_OPCODE_CLOSE)
            {
              g_autoptr(GError) close_error = NULL;
              g_autofree gchar *reason = NULL;
              guint code;

              jmp_ws_decoder_parse_close (&chunk, &code, &reason, &close_error);
            }
          p += used;
          left -= used;
        }
      data += n;
      size -= n;
    }
  return 0;
}
