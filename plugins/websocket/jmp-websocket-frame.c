/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>
#include <sys/random.h>

#include <gio/gio.h>
#include <glib/gi18n-lib.h>

#include "jmp-websocket-frame.h"

/*
 * Only what a client needs: no extensions are offered in the handshake, so
 * a frame with a reserved bit set is a protocol error. Text frames are not
 * checked for UTF-8: their bytes go to a byte stream as they are.
 */

#define FIN  0x80
#define RSV  0x70
#define MASK 0x80

/**
 * jmp_ws_frame_write_header:
 * @out: room for %JMP_WS_HEADER_MAX bytes
 * @opcode: the frame's opcode
 * @payload_len: its payload's length
 * @mask: the masking key, also written
 *
 * Returns: the header's length
 */
gsize
jmp_ws_frame_write_header (guint8 *out, guint opcode, guint64 payload_len, const guint8 mask[4])
{
  gsize n = 0;

  out[n++] = FIN | (opcode & 0x0f);
  if (payload_len < 126)
    out[n++] = MASK | (guint8) payload_len;
  else if (payload_len <= G_MAXUINT16)
    {
      out[n++] = MASK | 126;
      out[n++] = (guint8) (payload_len >> 8);
      out[n++] = (guint8) payload_len;
    }
  else
    {
      out[n++] = MASK | 127;
      for (gint shift = 56; shift >= 0; shift -= 8)
        out[n++] = (guint8) (payload_len >> shift);
    }
  memcpy (out + n, mask, 4);
  return n + 4;
}

/* XORs @data with @mask from the key's first byte, eight bytes at a time. */
void
jmp_ws_frame_mask (guint8 *data, gsize len, const guint8 mask[4])
{
  guint64 wide;
  gsize i = 0;

  memcpy (&wide, mask, 4);
  memcpy ((guint8 *) &wide + 4, mask, 4);
  for (; i + 8 <= len; i += 8)
    {
      guint64 word;

      memcpy (&word, data + i, 8);
      word ^= wide;
      memcpy (data + i, &word, 8);
    }
  for (; i < len; i++)
    data[i] ^= mask[i % 4];
}

/* The key must be unpredictable to whoever supplies the payload
 * (RFC 6455 §10.3), so it comes from the kernel's generator. */
void
jmp_ws_frame_new_mask (guint8 mask[4])
{
  guint32 value;

  if (getrandom (&value, sizeof value, GRND_NONBLOCK) != sizeof value)
    value = g_random_int ();
  memcpy (mask, &value, 4);
}

/**
 * jmp_ws_frame_build_control:
 * @out: room for %JMP_WS_HEADER_MAX + %JMP_WS_CONTROL_MAX bytes
 * @opcode: ping, pong or close
 * @payload: (array length=len) (nullable): at most %JMP_WS_CONTROL_MAX bytes
 * @len: their length
 *
 * Returns: the length of the whole masked frame in @out
 */
gsize
jmp_ws_frame_build_control (guint8 *out, guint opcode, const guint8 *payload, gsize len)
{
  guint8 mask[4];
  gsize n;

  g_return_val_if_fail (len <= JMP_WS_CONTROL_MAX, 0);
  jmp_ws_frame_new_mask (mask);
  n = jmp_ws_frame_write_header (out, opcode, len, mask);
  if (len > 0)
    memcpy (out + n, payload, len);
  jmp_ws_frame_mask (out + n, len, mask);
  return n + len;
}

/* A close frame with @code (0: none) and a reason cut to fit. */
gsize
jmp_ws_frame_build_close (guint8 *out, guint code, const gchar *reason)
{
  guint8 payload[JMP_WS_CONTROL_MAX];
  gsize len = 0;

  if (code != 0)
    {
      payload[len++] = (guint8) (code >> 8);
      payload[len++] = (guint8) code;
      if (reason != NULL)
        {
          const gchar *end = reason;

          /* whole characters only, so the reason stays valid UTF-8 */
          while (*end != '\0' && (gsize) (g_utf8_next_char (end) - reason) <= sizeof payload - 2)
            end = g_utf8_next_char (end);
          memcpy (payload + len, reason, end - reason);
          len += end - reason;
        }
    }
  return jmp_ws_frame_build_control (out, JMP_WS_OPCODE_CLOSE, payload, len);
}

/* The codes a peer may send (RFC 6455 §7.4, and the IANA registry). */
gboolean
jmp_ws_close_code_is_valid (guint code)
{
  if (code >= 3000 && code <= 4999)
    return TRUE;
  return code >= 1000 && code <= 1014 && code != 1004 && code != 1005 && code != 1006;
}

void
jmp_ws_decoder_init (JmpWsDecoder *self)
{
  memset (self, 0, sizeof *self);
}

static gssize
jmp_ws_decoder_fail (GError **error, const gchar *what)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
               _("WebSocket protocol error: %s"), what);
  return -1;
}

static gboolean
jmp_ws_opcode_is_control (guint opcode)
{
  return (opcode & 0x08) != 0;
}

/* How long the header is, once its first two bytes are in. */
static gsize
jmp_ws_decoder_header_size (const JmpWsDecoder *self)
{
  guint8 len7 = self->header[1] & 0x7f;
  gsize size = 2 + ((self->header[1] & MASK) ? 4 : 0);

  if (len7 == 126)
    size += 2;
  else if (len7 == 127)
    size += 8;
  return size;
}

static gssize
jmp_ws_decoder_start_frame (JmpWsDecoder *self, JmpWsChunk *chunk, GError **error)
{
  guint8 b0 = self->header[0];
  guint8 len7 = self->header[1] & 0x7f;
  guint opcode = b0 & 0x0f;
  guint64 len = len7;

  if (b0 & RSV)
    return jmp_ws_decoder_fail (error, _("reserved bits set"));
  /* a server never masks (RFC 6455 §5.1) */
  if (self->header[1] & MASK)
    return jmp_ws_decoder_fail (error, _("masked frame from the server"));
  if (len7 == 126)
    len = ((guint64) self->header[2] << 8) | self->header[3];
  else if (len7 == 127)
    {
      len = 0;
      for (gint i = 2; i < 10; i++)
        len = (len << 8) | self->header[i];
      if (len >> 63)
        return jmp_ws_decoder_fail (error, _("frame length out of range"));
    }

  switch (opcode)
    {
    case JMP_WS_OPCODE_CONTINUATION:
      if (!self->in_message)
        return jmp_ws_decoder_fail (error, _("continuation without a message"));
      self->in_message = !(b0 & FIN);
      break;
    case JMP_WS_OPCODE_TEXT:
    case JMP_WS_OPCODE_BINARY:
      if (self->in_message)
        return jmp_ws_decoder_fail (error, _("new message inside a fragmented one"));
      self->in_message = !(b0 & FIN);
      break;
    case JMP_WS_OPCODE_CLOSE:
    case JMP_WS_OPCODE_PING:
    case JMP_WS_OPCODE_PONG:
      if (!(b0 & FIN) || len > JMP_WS_CONTROL_MAX)
        return jmp_ws_decoder_fail (error, _("fragmented or oversized control frame"));
      break;
    default:
      return jmp_ws_decoder_fail (error, _("unknown opcode"));
    }

  self->opcode = opcode;
  self->remaining = len;
  self->in_payload = TRUE;
  self->header_len = 0;
  self->control_len = 0;
  if (len == 0 && jmp_ws_opcode_is_control (opcode))
    {
      self->in_payload = FALSE;
      chunk->kind = JMP_WS_CHUNK_CONTROL;
      chunk->opcode = opcode;
      chunk->data = self->control;
      chunk->len = 0;
    }
  else if (len == 0)
    self->in_payload = FALSE;
  return 0;
}

/**
 * jmp_ws_decoder_feed:
 * @self: a decoder
 * @data: (array length=len): bytes from the server
 * @len: how many, more than zero
 * @chunk: (out caller-allocates): what the consumed bytes gave
 * @error: return location for a #GError
 *
 * Consumes a prefix of @data: header bytes, payload bytes of a data frame
 * (@chunk is %JMP_WS_CHUNK_DATA, pointing into @data) or the end of a
 * control frame (%JMP_WS_CHUNK_CONTROL). Call again with the rest.
 *
 * Returns: the number of bytes consumed, or -1 on a protocol error
 */
gssize
jmp_ws_decoder_feed (JmpWsDecoder  *self,
                     const guint8  *data,
                     gsize          len,
                     JmpWsChunk    *chunk,
                     GError       **error)
{
  gsize n;

  chunk->kind = JMP_WS_CHUNK_NONE;
  chunk->data = NULL;
  chunk->len = 0;
  if (len == 0)
    return 0;

  if (!self->in_payload)
    {
      gsize want = self->header_len < 2 ? 2 : jmp_ws_decoder_header_size (self);

      n = MIN (len, want - self->header_len);
      memcpy (self->header + self->header_len, data, n);
      self->header_len += n;
      if (self->header_len == 2)
        {
          want = jmp_ws_decoder_header_size (self);
          if (want > 2)
            return n;
        }
      if (self->header_len < want)
        return n;
      if (jmp_ws_decoder_start_frame (self, chunk, error) < 0)
        return -1;
      return n;
    }

  n = (gsize) MIN ((guint64) len, self->remaining);
  self->remaining -= n;
  if (self->remaining == 0)
    self->in_payload = FALSE;
  if (!jmp_ws_opcode_is_control (self->opcode))
    {
      chunk->kind = JMP_WS_CHUNK_DATA;
      chunk->data = data;
      chunk->len = n;
      return n;
    }
  memcpy (self->control + self->control_len, data, n);
  self->control_len += n;
  if (self->remaining == 0)
    {
      chunk->kind = JMP_WS_CHUNK_CONTROL;
      chunk->opcode = self->opcode;
      chunk->data = self->control;
      chunk->len = self->control_len;
    }
  return n;
}

/**
 * jmp_ws_decoder_parse_close:
 * @chunk: a close frame
 * @code: (out): its status code, %JMP_WS_CLOSE_NO_STATUS if it has none
 * @reason: (out) (transfer full): its reason, valid UTF-8, maybe empty
 * @error: return location for a #GError
 *
 * Returns: %FALSE if the payload breaks RFC 6455 §5.5.1
 */
gboolean
jmp_ws_decoder_parse_close (const JmpWsChunk  *chunk,
                            guint             *code,
                            gchar            **reason,
                            GError           **error)
{
  *code = JMP_WS_CLOSE_NO_STATUS;
  *reason = NULL;
  if (chunk->len == 0)
    {
      *reason = g_strdup ("");
      return TRUE;
    }
  if (chunk->len == 1)
    {
      jmp_ws_decoder_fail (error, _("close frame of one byte"));
      return FALSE;
    }
  *code = ((guint) chunk->data[0] << 8) | chunk->data[1];
  if (!jmp_ws_close_code_is_valid (*code))
    {
      jmp_ws_decoder_fail (error, _("invalid close code"));
      return FALSE;
    }
  /* the reason ends up in a log line: never let bytes through as they are */
  *reason = g_utf8_make_valid ((const gchar *) chunk->data + 2, chunk->len - 2);
  return TRUE;
}
