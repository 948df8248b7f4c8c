/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The RFC 6455 codec alone: frames split anywhere, fragmented messages,
 * control frames in between, and what a server must never send.
 */
#include <string.h>

#include <gio/gio.h>

#include "jmp-websocket-frame.h"

/* Decodes @len bytes fed @step at a time; data payloads are appended to
 * @out, control frames to @controls as "OPCODE:PAYLOAD". */
static gboolean
decode (const guint8 *data, gsize len, gsize step, GByteArray *out, GString *controls,
        GError **error)
{
  JmpWsDecoder decoder;

  jmp_ws_decoder_init (&decoder);
  for (gsize at = 0; at < len; at += step)
    {
      const guint8 *p = data + at;
      gsize n = MIN (step, len - at);

      while (n > 0)
        {
          JmpWsChunk chunk;
          gssize used = jmp_ws_decoder_feed (&decoder, p, n, &chunk, error);

          if (used < 0)
            return FALSE;
          g_assert_cmpint (used, >, 0);
          p += used;
          n -= used;
          if (chunk.kind == JMP_WS_CHUNK_DATA)
            g_byte_array_append (out, chunk.data, chunk.len);
          else if (chunk.kind == JMP_WS_CHUNK_CONTROL)
            {
              g_string_append_printf (controls, "%u:", chunk.opcode);
              g_string_append_len (controls, (const gchar *) chunk.data, chunk.len);
              g_string_append_c (controls, ';');
            }
        }
    }
  return TRUE;
}

/* An unmasked server frame. */
static void
server_frame (GByteArray *stream, guint8 first, const void *payload, guint64 len)
{
  guint8 header[10];
  gsize n = 0;

  header[n++] = first;
  if (len < 126)
    header[n++] = (guint8) len;
  else if (len <= G_MAXUINT16)
    {
      header[n++] = 126;
      header[n++] = (guint8) (len >> 8);
      header[n++] = (guint8) len;
    }
  else
    {
      header[n++] = 127;
      for (gint shift = 56; shift >= 0; shift -= 8)
        header[n++] = (guint8) (len >> shift);
    }
  g_byte_array_append (stream, header, n);
  if (payload != NULL)
    g_byte_array_append (stream, payload, len);
}

static void
test_stream (void)
{
  g_autoptr(GByteArray) stream = g_byte_array_new ();
  g_autofree guint8 *big = g_malloc (70000);
  g_autoptr(GByteArray) expected = g_byte_array_new ();
  const gsize steps[] = { 1, 2, 3, 7, 64, 4096, 1 << 20 };

  for (gsize i = 0; i < 70000; i++)
    big[i] = (guint8) (i * 7);
  server_frame (stream, 0x81, "text ", 5);
  server_frame (stream, 0x02, "frag", 4);                  /* binary, not FIN */
  server_frame (stream, 0x89, "p1", 2);                     /* ping in between */
  server_frame (stream, 0x00, "mented ", 7);                /* continuation */
  server_frame (stream, 0x80, big, 200);                    /* last fragment, 16-bit length */
  server_frame (stream, 0x82, big, 70000);                  /* 64-bit length */
  server_frame (stream, 0x82, NULL, 0);                     /* empty */
  server_frame (stream, 0x8a, NULL, 0);                     /* pong */
  server_frame (stream, 0x88, "\x0f\xa0" "bye", 5);         /* close 4000 */
  g_byte_array_append (expected, (const guint8 *) "text fragmented ", 16);
  g_byte_array_append (expected, big, 200);
  g_byte_array_append (expected, big, 70000);

  for (gsize s = 0; s < G_N_ELEMENTS (steps); s++)
    {
      g_autoptr(GByteArray) out = g_byte_array_new ();
      g_autoptr(GString) controls = g_string_new (NULL);
      g_autoptr(GError) error = NULL;

      g_assert_true (decode (stream->data, stream->len, steps[s], out, controls, &error));
      g_assert_no_error (error);
      g_assert_cmpmem (out->data, out->len, expected->data, expected->len);
      g_assert_cmpmem (controls->str, controls->len, "9:p1;10:;8:\x0f\xa0" "bye;", 17);
    }
}

static void
test_protocol_errors (void)
{
  static const struct {
    const gchar *bytes;
    gsize        len;
  } cases[] = {
    { "\xc2\x00", 2 },                 /* RSV1 without an extension */
    { "\x83\x00", 2 },                 /* reserved opcode */
    { "\x82\x81" "abcd" "x", 7 },      /* masked by the server */
    { "\x00\x01" "x", 3 },             /* continuation of nothing */
    { "\x02\x01" "x" "\x82\x00", 5 },  /* new message inside a fragmented one */
    { "\x09\x00", 2 },                 /* fragmented ping */
    { "\x89\x7e\x00\x7e", 4 },         /* ping of 126 bytes */
    { "\x82\x7f\x80\0\0\0\0\0\0\0", 10 },  /* length with the top bit set */
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GByteArray) out = g_byte_array_new ();
      g_autoptr(GString) controls = g_string_new (NULL);
      g_autoptr(GError) error = NULL;

      g_assert_false (decode ((const guint8 *) cases[i].bytes, cases[i].len, 1, out, controls,
                              &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
    }
}

static void
test_close_payload (void)
{
  JmpWsChunk chunk = { JMP_WS_CHUNK_CONTROL, JMP_WS_OPCODE_CLOSE, NULL, 0 };
  g_autoptr(GError) error = NULL;
  g_autofree gchar *reason = NULL;
  guint code;

  g_assert_true (jmp_ws_decoder_parse_close (&chunk, &code, &reason, &error));
  g_assert_cmpuint (code, ==, JMP_WS_CLOSE_NO_STATUS);
  g_clear_pointer (&reason, g_free);

  chunk.data = (const guint8 *) "\x03\xe9" "going \xff";
  chunk.len = 9;
  g_assert_true (jmp_ws_decoder_parse_close (&chunk, &code, &reason, &error));
  g_assert_cmpuint (code, ==, 1001);
  g_assert_true (g_utf8_validate (reason, -1, NULL));
  g_assert_true (g_str_has_prefix (reason, "going "));
  g_clear_pointer (&reason, g_free);

  chunk.data = (const guint8 *) "\x03\xed";  /* 1005 may not be sent */
  chunk.len = 2;
  g_assert_false (jmp_ws_decoder_parse_close (&chunk, &code, &reason, &error));
  g_clear_error (&error);
  chunk.len = 1;
  g_assert_false (jmp_ws_decoder_parse_close (&chunk, &code, &reason, &error));
}

/* What we send: masked, whole, and the mask undoes itself. */
static void
test_encode (void)
{
  const guint64 lengths[] = { 0, 125, 126, 65535, 65536, 1 << 20 };
  const guint8 mask[4] = { 0x12, 0x34, 0x56, 0x78 };
  guint8 control[JMP_WS_HEADER_MAX + JMP_WS_CONTROL_MAX];
  g_autofree gchar *long_reason = g_strnfill (200, 'x');
  gsize n;

  for (gsize i = 0; i < G_N_ELEMENTS (lengths); i++)
    {
      guint8 header[JMP_WS_HEADER_MAX];
      gsize hlen = jmp_ws_frame_write_header (header, JMP_WS_OPCODE_BINARY, lengths[i], mask);

      g_assert_cmpuint (header[0], ==, 0x82);
      g_assert_cmpuint (header[1] & 0x80, ==, 0x80);
      g_assert_cmpuint (hlen, ==, lengths[i] < 126 ? 6 : lengths[i] <= 65535 ? 8 : 14);
      g_assert_cmpmem (header + hlen - 4, 4, mask, 4);
    }
  {
    guint8 data[37];
    guint8 copy[37];

    for (gsize i = 0; i < sizeof data; i++)
      data[i] = (guint8) i;
    memcpy (copy, data, sizeof data);
    jmp_ws_frame_mask (data, sizeof data, mask);
    for (gsize i = 0; i < sizeof data; i++)
      g_assert_cmpuint (data[i], ==, copy[i] ^ mask[i % 4]);
    jmp_ws_frame_mask (data, sizeof data, mask);
    g_assert_cmpmem (data, sizeof data, copy, sizeof copy);
  }
  /* a close frame's reason is cut to fit a control frame */
  n = jmp_ws_frame_build_close (control, 1000, long_reason);
  g_assert_cmpuint (n, ==, 2 + 4 + JMP_WS_CONTROL_MAX);
  g_assert_cmpuint (control[0], ==, 0x88);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/websocket-frame/stream", test_stream);
  g_test_add_func ("/websocket-frame/protocol-errors", test_protocol_errors);
  g_test_add_func ("/websocket-frame/close-payload", test_close_payload);
  g_test_add_func ("/websocket-frame/encode", test_encode);
  return g_test_run ();
}
