/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The MJPEG reader of `jmp DRIVER stream` and of HttpVideo's snapshot:
 * whole frames out of every form of stream a source may send, whatever the
 * input is cut into, and a clear error for anything that is not an MJPEG
 * stream; from a whole response or from its body alone.
 */
#include <string.h>

#include <gio/gio.h>

#include "jmp-mjpeg-reader.h"

typedef struct {
  gboolean     chunked;
  gboolean     part_length;     /* parts carry Content-Length */
  const gchar *boundary;        /* as in the Content-Type parameter */
  const gchar *delimiter;       /* as written in the body; NULL: "--" boundary */
  gboolean     closing;         /* a closing delimiter at the end */
} StreamForm;

/* A fake JPEG: SOI, bytes that look like line ends and near-boundaries,
 * EOI. */
static GBytes *
make_frame (guint index, gsize size)
{
  GByteArray *frame = g_byte_array_new ();
  const gchar *tricky[] = { "\r\n", "\n--", "\r\n--frame", "\r\n--frameX", "--", "\n--fram" };
  GRand *rand = g_rand_new_with_seed (index + 1);

  g_byte_array_append (frame, (const guint8 *) "\xff\xd8\xff\xe0", 4);
  while (frame->len + 2 < size)
    {
      if (g_rand_int_range (rand, 0, 16) == 0)
        {
          const gchar *t = tricky[g_rand_int_range (rand, 0, G_N_ELEMENTS (tricky))];
          g_byte_array_append (frame, (const guint8 *) t, MIN (strlen (t), size - 2 - frame->len));
          /* never a real boundary: those end in a line end, "--" or a blank */
          g_byte_array_append (frame, (const guint8 *) "X", 1);
        }
      else
        {
          guint8 b = g_rand_int_range (rand, 0, 256);
          g_byte_array_append (frame, &b, 1);
        }
    }
  g_byte_array_append (frame, (const guint8 *) "\xff\xd9", 2);
  g_rand_free (rand);
  return g_byte_array_free_to_bytes (frame);
}

static GPtrArray *
make_frames (guint n)
{
  GPtrArray *frames = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (frames, make_frame (i, 40 + i * 97 % 700));
  return frames;
}

/* Cuts @body into chunks of pseudo-random sizes, with an extension now and
 * then, and the last chunk. */
static void
append_chunked (GByteArray *out, GByteArray *body, guint seed)
{
  GRand *rand = g_rand_new_with_seed (seed);
  gsize at = 0;

  while (at < body->len)
    {
      gsize piece = g_rand_int_range (rand, 1, 300);   /* MIN() evaluates twice */
      gsize n = MIN (piece, body->len - at);
      g_autofree gchar *head = g_strdup_printf (g_rand_boolean (rand) ? "%zx\r\n" : "%zX;ext=1\r\n", n);

      g_byte_array_append (out, (const guint8 *) head, strlen (head));
      g_byte_array_append (out, body->data + at, n);
      g_byte_array_append (out, (const guint8 *) "\r\n", 2);
      at += n;
    }
  g_byte_array_append (out, (const guint8 *) "0\r\nX-Trailer: 1\r\n\r\n", 20);
  g_rand_free (rand);
}

static GBytes *
make_stream (const StreamForm *form, GPtrArray *frames)
{
  GByteArray *out = g_byte_array_new ();
  GByteArray *body = g_byte_array_new ();
  g_autofree gchar *delimiter = form->delimiter != NULL ? g_strdup (form->delimiter)
                                                        : g_strconcat ("--", form->boundary, NULL);
  g_autofree gchar *head = g_strdup_printf ("HTTP/1.1 200 OK\r\n"
                                            "Server: test\r\n"
                                            "Content-Type: multipart/x-mixed-replace; boundary=%s\r\n"
                                            "%s"
                                            "Cache-Control: no-store\r\n"
                                            "\r\n",
                                            form->boundary,
                                            form->chunked ? "Transfer-Encoding: chunked\r\n" : "");

  g_byte_array_append (out, (const guint8 *) head, strlen (head));
  for (guint i = 0; i < frames->len; i++)
    {
      GBytes *frame = frames->pdata[i];
      g_autofree gchar *part = NULL;

      if (form->part_length)
        part = g_strdup_printf ("%s\r\nContent-Type: image/jpeg\r\nContent-Length: %zu\r\n"
                                "X-Timestamp: %u.000\r\n\r\n",
                                delimiter, g_bytes_get_size (frame), i);
      else
        part = g_strdup_printf ("%s\r\nContent-Type: image/jpeg\r\n\r\n", delimiter);
      g_byte_array_append (body, (const guint8 *) part, strlen (part));
      g_byte_array_append (body, g_bytes_get_data (frame, NULL), g_bytes_get_size (frame));
      g_byte_array_append (body, (const guint8 *) "\r\n", 2);
    }
  if (form->closing)
    {
      g_byte_array_append (body, (const guint8 *) delimiter, strlen (delimiter));
      g_byte_array_append (body, (const guint8 *) "--\r\n", 4);
    }
  else if (!form->part_length)
    {
      /* the last part ends at the next boundary, as in a live stream */
      g_byte_array_append (body, (const guint8 *) delimiter, strlen (delimiter));
      g_byte_array_append (body, (const guint8 *) "\r\n", 2);
    }

  if (form->chunked)
    append_chunked (out, body, frames->len);
  else
    g_byte_array_append (out, body->data, body->len);
  g_byte_array_unref (body);
  return g_byte_array_free_to_bytes (out);
}

/* Feeds @size bytes of @data cut at @cuts (ascending offsets), returns the
 * frames. */
static GPtrArray *
feed_frames (JmpMjpegReader *reader, const guint8 *data, gsize size,
             const gsize *cuts, guint n_cuts, GError **error)
{
  GPtrArray *frames = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  gsize at = 0;

  for (guint i = 0; i <= n_cuts; i++)
    {
      gsize end = i < n_cuts ? cuts[i] : size;
      GBytes *frame;

      if (!jmp_mjpeg_reader_feed (reader, data + at, end - at, error))
        return frames;
      while ((frame = jmp_mjpeg_reader_pop_frame (reader)) != NULL)
        g_ptr_array_add (frames, frame);
      at = end;
    }
  return frames;
}

static GPtrArray *
read_frames (GBytes *stream, const gsize *cuts, guint n_cuts, GError **error)
{
  g_autoptr(JmpMjpegReader) reader = jmp_mjpeg_reader_new (0);
  gsize size = 0;
  const guint8 *data = g_bytes_get_data (stream, &size);

  return feed_frames (reader, data, size, cuts, n_cuts, error);
}

static void
assert_frames_equal (GPtrArray *got, GPtrArray *expected)
{
  g_assert_cmpuint (got->len, ==, expected->len);
  for (guint i = 0; i < got->len; i++)
    {
      gsize a_size = 0, b_size = 0;
      const guint8 *a = g_bytes_get_data (got->pdata[i], &a_size);
      const guint8 *b = g_bytes_get_data (expected->pdata[i], &b_size);

      g_assert_cmpmem (a, a_size, b, b_size);
    }
}

static const StreamForm forms[] = {
  { .chunked = FALSE, .part_length = TRUE,  .boundary = "boundarydonotcross" },  /* ustreamer */
  { .chunked = FALSE, .part_length = FALSE, .boundary = "frame" },
  { .chunked = TRUE,  .part_length = TRUE,  .boundary = "frame" },
  { .chunked = TRUE,  .part_length = FALSE, .boundary = "frame", .closing = TRUE },
  { .chunked = FALSE, .part_length = FALSE, .boundary = "\"quoted frame\"", .delimiter = "--quoted frame" },
  { .chunked = TRUE,  .part_length = FALSE, .boundary = "--frame", .delimiter = "--frame" },
};

static void
test_forms_whole (void)
{
  g_autoptr(GPtrArray) frames = make_frames (12);

  for (guint f = 0; f < G_N_ELEMENTS (forms); f++)
    {
      g_autoptr(GBytes) stream = make_stream (&forms[f], frames);
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) got = read_frames (stream, NULL, 0, &error);

      g_test_message ("form %u", f);
      g_assert_no_error (error);
      assert_frames_equal (got, frames);
    }
}

/* Whatever two pieces the stream comes in, the frames are the same. */
static void
test_forms_every_split (void)
{
  g_autoptr(GPtrArray) frames = make_frames (4);

  for (guint f = 0; f < G_N_ELEMENTS (forms); f++)
    {
      g_autoptr(GBytes) stream = make_stream (&forms[f], frames);
      gsize size = g_bytes_get_size (stream);

      for (gsize cut = 0; cut <= size; cut++)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(GPtrArray) got = read_frames (stream, &cut, 1, &error);

          g_assert_no_error (error);
          assert_frames_equal (got, frames);
        }
    }
}

static void
test_forms_byte_by_byte (void)
{
  g_autoptr(GPtrArray) frames = make_frames (6);

  for (guint f = 0; f < G_N_ELEMENTS (forms); f++)
    {
      g_autoptr(GBytes) stream = make_stream (&forms[f], frames);
      gsize size = g_bytes_get_size (stream);
      g_autofree gsize *cuts = g_new (gsize, size);
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) got = NULL;

      for (gsize i = 0; i < size; i++)
        cuts[i] = i;
      got = read_frames (stream, cuts, size, &error);
      g_assert_no_error (error);
      assert_frames_equal (got, frames);
    }
}

static void
test_finish (void)
{
  g_autoptr(GPtrArray) frames = make_frames (3);
  StreamForm closed = { .chunked = TRUE, .part_length = FALSE, .boundary = "frame", .closing = TRUE };
  StreamForm live = { .chunked = FALSE, .part_length = TRUE, .boundary = "frame" };
  g_autoptr(GBytes) closed_stream = make_stream (&closed, frames);
  g_autoptr(GBytes) live_stream = make_stream (&live, frames);
  gsize size = 0;
  const guint8 *data = g_bytes_get_data (live_stream, &size);
  g_autoptr(GError) error = NULL;

  {
    g_autoptr(JmpMjpegReader) reader = jmp_mjpeg_reader_new (0);
    g_assert_true (jmp_mjpeg_reader_feed (reader, g_bytes_get_data (closed_stream, NULL),
                                          g_bytes_get_size (closed_stream), &error));
    g_assert_true (jmp_mjpeg_reader_is_chunked (reader));
    g_assert_cmpstr (jmp_mjpeg_reader_get_boundary (reader), ==, "frame");
    g_assert_true (jmp_mjpeg_reader_finish (reader, &error));
    g_assert_no_error (error);
  }
  {
    /* a live stream that stops between frames has not lost anything */
    g_autoptr(JmpMjpegReader) reader = jmp_mjpeg_reader_new (0);
    g_assert_true (jmp_mjpeg_reader_feed (reader, data, size, &error));
    g_assert_true (jmp_mjpeg_reader_finish (reader, &error));
  }
  {
    /* one that stops inside a frame has */
    g_autoptr(JmpMjpegReader) reader = jmp_mjpeg_reader_new (0);
    g_assert_true (jmp_mjpeg_reader_feed (reader, data, size - 10, &error));
    g_assert_false (jmp_mjpeg_reader_finish (reader, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT);
    g_test_message ("%s", error->message);
    g_clear_error (&error);
  }
  {
    g_autoptr(JmpMjpegReader) reader = jmp_mjpeg_reader_new (0);
    g_assert_true (jmp_mjpeg_reader_feed (reader, (const guint8 *) "HTTP/1.1 200 OK\r\n", 17, &error));
    g_assert_false (jmp_mjpeg_reader_finish (reader, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT);
  }
}

/* Parts that are no JPEG are dropped, the others come through. */
static void
test_skip_non_jpeg (void)
{
  static const gchar text[] =
    "HTTP/1.0 200 OK\r\n"
    "Content-Type: multipart/x-mixed-replace;boundary=b\r\n"
    "\r\n"
    "preamble text\r\n"
    "--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
    "--b\r\n\r\n\r\n"
    "--b\r\nContent-Length: 5\r\n\r\n\xff\xd8\xff\xd9\x00\r\n"
    "--b--\r\nepilogue";
  g_autoptr(JmpMjpegReader) reader = jmp_mjpeg_reader_new (0);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) frame = NULL;

  g_assert_true (jmp_mjpeg_reader_feed (reader, (const guint8 *) text, sizeof text - 1, &error));
  g_assert_no_error (error);
  frame = jmp_mjpeg_reader_pop_frame (reader);
  g_assert_nonnull (frame);
  g_assert_cmpmem (g_bytes_get_data (frame, NULL), g_bytes_get_size (frame), "\xff\xd8\xff\xd9\x00", 5);
  g_assert_null (jmp_mjpeg_reader_pop_frame (reader));
  g_assert_cmpuint (jmp_mjpeg_reader_get_n_skipped (reader), ==, 2);
  g_assert_true (jmp_mjpeg_reader_finish (reader, &error));
}

typedef struct {
  const gchar *name;
  const gchar *input;
  gint         code;
  const gchar *fragment;     /* in the message */
} BadCase;

static void
test_bad_input (void)
{
  g_autofree gchar *long_header = g_strdup_printf ("HTTP/1.1 200 OK\r\nX-Long: %0*d\r\n\r\n", 20000, 0);
  g_autofree gchar *many_headers = NULL;
  g_autofree gchar *long_part_header = g_strdup_printf (
    "HTTP/1.1 200 OK\r\nContent-Type: multipart/x-mixed-replace;boundary=b\r\n\r\n"
    "--b\r\nX: %0*d", 9000, 0);
  g_autofree gchar *long_chunk_line = g_strdup_printf (
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
    "Content-Type: multipart/x-mixed-replace;boundary=b\r\n\r\n"
    "10;%0*d", 2000, 0);
  GString *headers = g_string_new ("HTTP/1.1 200 OK\r\n");
  const BadCase cases[] = {
    { "not http", "SSH-2.0-OpenSSH_9.2\r\n", G_IO_ERROR_INVALID_DATA, "HTTP/1" },
    { "binary", "\x16\x03\x01\x02\x01\x01\x03\x01\xfc\x03\x03", G_IO_ERROR_INVALID_DATA, "HTTP/1" },
    { "404", "HTTP/1.1 404 Not Found\r\n\r\n", G_IO_ERROR_INVALID_DATA, "404 Not Found" },
    { "bad status", "HTTP/1.1 2x0 OK\r\n", G_IO_ERROR_INVALID_DATA, "status line" },
    { "html", "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html>", G_IO_ERROR_INVALID_DATA, "text/html" },
    { "no type", "HTTP/1.1 200 OK\r\n\r\n", G_IO_ERROR_INVALID_DATA, "Content-Type" },
    { "no boundary", "HTTP/1.1 200 OK\r\nContent-Type: multipart/x-mixed-replace\r\n\r\n",
      G_IO_ERROR_INVALID_DATA, "boundary" },
    { "empty boundary", "HTTP/1.1 200 OK\r\nContent-Type: multipart/x-mixed-replace; boundary=\"\"\r\n\r\n",
      G_IO_ERROR_INVALID_DATA, "boundary" },
    { "gzip", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n", G_IO_ERROR_INVALID_DATA, "gzip" },
    { "header line", "HTTP/1.1 200 OK\r\nno colon here\r\n", G_IO_ERROR_INVALID_DATA, "header line" },
    { "nul", "HTTP/1.1 200 OK\r\nX: a\0b\r\n", G_IO_ERROR_INVALID_DATA, "NUL" },
    { "long header", long_header, G_IO_ERROR_INVALID_DATA, "16384" },
    { "chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
      "Content-Type: multipart/x-mixed-replace;boundary=b\r\n\r\nzz\r\n",
      G_IO_ERROR_INVALID_DATA, "chunk size" },
    { "huge chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
      "Content-Type: multipart/x-mixed-replace;boundary=b\r\n\r\nffffffffffffffffff\r\n",
      G_IO_ERROR_INVALID_DATA, "too large" },
    { "chunk overrun", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
      "Content-Type: multipart/x-mixed-replace;boundary=b\r\n\r\n2\r\nabc\r\n",
      G_IO_ERROR_INVALID_DATA, "longer than its size" },
    { "long chunk line", long_chunk_line, G_IO_ERROR_INVALID_DATA, "chunk line" },
    { "part length", "HTTP/1.1 200 OK\r\nContent-Type: multipart/x-mixed-replace;boundary=b\r\n\r\n"
      "--b\r\nContent-Length: -1\r\n\r\n", G_IO_ERROR_INVALID_DATA, "Content-Length" },
    { "oversize part", "HTTP/1.1 200 OK\r\nContent-Type: multipart/x-mixed-replace;boundary=b\r\n\r\n"
      "--b\r\nContent-Length: 16777217\r\n\r\n", G_IO_ERROR_MESSAGE_TOO_LARGE, "16777217" },
    { "long part header", long_part_header, G_IO_ERROR_INVALID_DATA, "8192" },
  };

  for (guint i = 0; i < 120; i++)
    g_string_append_printf (headers, "X-%u: y\r\n", i);
  many_headers = g_string_free (headers, FALSE);

  for (guint i = 0; i <= G_N_ELEMENTS (cases); i++)
    {
      const BadCase many = { "many headers", many_headers, G_IO_ERROR_INVALID_DATA, "header lines" };
      const BadCase *c = i < G_N_ELEMENTS (cases) ? &cases[i] : &many;
      g_autoptr(JmpMjpegReader) reader = jmp_mjpeg_reader_new (0);
      g_autoptr(GError) error = NULL;
      g_autoptr(GError) again = NULL;
      /* "nul" has a NUL inside: feed up to its known end */
      gsize len = g_str_equal (c->name, "nul") ? 25 : strlen (c->input);
      gboolean ok;

      g_test_message ("case %s", c->name);
      ok = jmp_mjpeg_reader_feed (reader, (const guint8 *) c->input, len, &error);
      g_assert_false (ok);
      g_assert_error (error, G_IO_ERROR, c->code);
      g_test_message ("  %s", error->message);
      g_assert_nonnull (strstr (error->message, c->fragment));
      /* the error sticks */
      g_assert_false (jmp_mjpeg_reader_feed (reader, (const guint8 *) "x", 1, &again));
      g_assert_error (again, G_IO_ERROR, c->code);
      g_assert_null (jmp_mjpeg_reader_pop_frame (reader));
    }
}

/* A part with no Content-Length and no boundary in sight ends in an error
 * at the frame limit, not in memory growing without end. */
static void
test_oversize_scan (void)
{
  g_autoptr(JmpMjpegReader) reader = jmp_mjpeg_reader_new (100000);
  const gchar *head = "HTTP/1.1 200 OK\r\nContent-Type: multipart/x-mixed-replace;boundary=b\r\n\r\n"
                      "--b\r\n\r\n\xff\xd8";
  guint8 block[4096];
  g_autoptr(GError) error = NULL;
  gsize fed = 0;

  memset (block, 'A', sizeof block);
  g_assert_true (jmp_mjpeg_reader_feed (reader, (const guint8 *) head, strlen (head), &error));
  while (jmp_mjpeg_reader_feed (reader, block, sizeof block, &error))
    {
      fed += sizeof block;
      g_assert_cmpuint (fed, <, 200000);
    }
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE);
  g_assert_cmpuint (fed, >=, 100000 - sizeof block);
}

/* No boundary in a stream of junk lines: an error, not an endless skip. */
static void
test_junk (void)
{
  g_autoptr(JmpMjpegReader) reader = jmp_mjpeg_reader_new (0);
  const gchar *head = "HTTP/1.1 200 OK\r\nContent-Type: multipart/x-mixed-replace;boundary=b\r\n\r\n";
  g_autoptr(GError) error = NULL;
  guint lines = 0;

  g_assert_true (jmp_mjpeg_reader_feed (reader, (const guint8 *) head, strlen (head), &error));
  while (jmp_mjpeg_reader_feed (reader, (const guint8 *) "junk junk junk\r\n", 16, &error))
    g_assert_cmpuint (++lines, <, 10000);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
}

/* Random damage to valid streams: whatever happens, no crash, no frame
 * that is not a JPEG start, nothing over the limit. */
static void
test_mutations (void)
{
  g_autoptr(GPtrArray) frames = make_frames (5);
  GRand *rand = g_rand_new_with_seed (42);

  for (guint round = 0; round < 3000; round++)
    {
      const StreamForm *form = &forms[round % G_N_ELEMENTS (forms)];
      g_autoptr(GBytes) stream = make_stream (form, frames);
      gsize size = 0;
      guint8 *data = g_bytes_unref_to_data (g_bytes_ref (stream), &size);
      g_autoptr(JmpMjpegReader) reader = jmp_mjpeg_reader_new (4096);
      guint n = g_rand_int_range (rand, 1, 8);
      gsize at = 0;
      GBytes *frame;

      for (guint i = 0; i < n; i++)
        data[g_rand_int_range (rand, 0, size)] = g_rand_int_range (rand, 0, 256);
      while (at < size)
        {
          gsize piece = g_rand_int_range (rand, 1, 512);   /* MIN() evaluates twice */
          gsize take = MIN (piece, size - at);

          if (!jmp_mjpeg_reader_feed (reader, data + at, take, NULL))
            break;
          at += take;
        }
      jmp_mjpeg_reader_finish (reader, NULL);
      while ((frame = jmp_mjpeg_reader_pop_frame (reader)) != NULL)
        {
          const guint8 *bytes = g_bytes_get_data (frame, NULL);

          g_assert_cmpuint (g_bytes_get_size (frame), <=, 4096);
          g_assert_cmpuint (bytes[0], ==, 0xff);
          g_assert_cmpuint (bytes[1], ==, 0xd8);
          g_bytes_unref (frame);
        }
      g_free (data);
    }
  g_rand_free (rand);
}

/* The Content-Type and the body of a response without transfer encoding,
 * as libsoup hands them over. */
static gchar *
split_response (GBytes *stream, const guint8 **body, gsize *body_size)
{
  gsize size = 0;
  const gchar *data = g_bytes_get_data (stream, &size);
  const gchar *end = memmem (data, size, "\r\n\r\n", 4);
  const gchar *type = strstr (data, "Content-Type: ");

  g_assert_nonnull (end);
  g_assert_true (type != NULL && type < end);
  type += strlen ("Content-Type: ");
  *body = (const guint8 *) end + 4;
  *body_size = size - (end + 4 - data);
  return g_strndup (type, strstr (type, "\r\n") - type);
}

/* The body alone, from its Content-Type: the same frames from every form,
 * whatever two pieces the body comes in. */
static void
test_body_forms (void)
{
  g_autoptr(GPtrArray) frames = make_frames (4);

  for (guint f = 0; f < G_N_ELEMENTS (forms); f++)
    {
      StreamForm form = forms[f];
      g_autoptr(GBytes) stream = NULL;
      g_autofree gchar *content_type = NULL;
      const guint8 *body = NULL;
      gsize size = 0;

      /* libsoup has undone the chunking */
      form.chunked = FALSE;
      stream = make_stream (&form, frames);
      content_type = split_response (stream, &body, &size);
      g_test_message ("form %u: %s", f, content_type);
      for (gsize cut = 0; cut <= size; cut++)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(JmpMjpegReader) reader = jmp_mjpeg_reader_new_for_body (content_type, 0, &error);
          g_autoptr(GPtrArray) got = NULL;

          g_assert_no_error (error);
          got = feed_frames (reader, body, size, &cut, 1, &error);
          g_assert_no_error (error);
          assert_frames_equal (got, frames);
        }
    }
}

/* A body is only a body: what looks like a status line is a preamble, and
 * it ends where the connection does. */
static void
test_body_only (void)
{
  static const gchar body[] =
    "HTTP/1.1 200 OK\r\n"
    "--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
    "--b\r\n\r\n\xff\xd8x\xff\xd9\r\n"
    "--b\r\nContent-Length: 10\r\n\r\n\xff\xd8";
  g_autoptr(GError) error = NULL;
  g_autoptr(JmpMjpegReader) reader = jmp_mjpeg_reader_new_for_body ("multipart/x-mixed-replace;boundary=b",
                                                                    0, &error);
  g_autoptr(GBytes) frame = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (jmp_mjpeg_reader_get_boundary (reader), ==, "b");
  g_assert_false (jmp_mjpeg_reader_is_chunked (reader));
  g_assert_true (jmp_mjpeg_reader_feed (reader, (const guint8 *) body, sizeof body - 1, &error));
  frame = jmp_mjpeg_reader_pop_frame (reader);
  g_assert_cmpmem (g_bytes_get_data (frame, NULL), g_bytes_get_size (frame), "\xff\xd8x\xff\xd9", 5);
  g_assert_null (jmp_mjpeg_reader_pop_frame (reader));
  g_assert_cmpuint (jmp_mjpeg_reader_get_n_skipped (reader), ==, 1);
  /* the connection closed inside the last part */
  g_assert_false (jmp_mjpeg_reader_finish (reader, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT);
}

static void
test_body_bad_content_type (void)
{
  g_autofree gchar *long_boundary = g_strdup_printf ("multipart/x-mixed-replace; boundary=%0*d", 201, 0);
  const struct {
    const gchar *content_type;
    const gchar *fragment;
  } cases[] = {
    { NULL, "no Content-Type" },
    { "image/jpeg", "answered with image/jpeg" },
    { "multipart/x-mixed-replace", "boundary" },
    { "multipart/x-mixed-replace; boundary=\"\"", "boundary" },
    { long_boundary, "boundary" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JmpMjpegReader) reader = jmp_mjpeg_reader_new_for_body (cases[i].content_type, 0, &error);

      g_assert_null (reader);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
      g_test_message ("%s", error->message);
      g_assert_nonnull (strstr (error->message, cases[i].fragment));
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/mjpeg-reader/forms/whole", test_forms_whole);
  g_test_add_func ("/mjpeg-reader/forms/every-split", test_forms_every_split);
  g_test_add_func ("/mjpeg-reader/forms/byte-by-byte", test_forms_byte_by_byte);
  g_test_add_func ("/mjpeg-reader/finish", test_finish);
  g_test_add_func ("/mjpeg-reader/skip-non-jpeg", test_skip_non_jpeg);
  g_test_add_func ("/mjpeg-reader/bad-input", test_bad_input);
  g_test_add_func ("/mjpeg-reader/oversize-scan", test_oversize_scan);
  g_test_add_func ("/mjpeg-reader/junk", test_junk);
  g_test_add_func ("/mjpeg-reader/mutations", test_mutations);
  g_test_add_func ("/mjpeg-reader/body/forms", test_body_forms);
  g_test_add_func ("/mjpeg-reader/body/only", test_body_only);
  g_test_add_func ("/mjpeg-reader/body/bad-content-type", test_body_bad_content_type);
  return g_test_run ();
}
