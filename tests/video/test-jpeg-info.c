/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The JPEG header reader of the ustreamer plugin on hostile input: it reads
 * bytes from any camera or web server, so no input may make it read out of
 * bounds. Every buffer here is an exact-size copy, so that MALLOC_CHECK_
 * and any sanitizer see a read past its end.
 */
#include <string.h>

#include <glib.h>

#include "jmp-jpeg-info.h"

static gboolean
size_of (const guint8 *data, gsize size, guint *width, guint *height)
{
  g_autofree guint8 *copy = g_memdup2 (data, size);

  return jmp_jpeg_get_size (copy, size, width, height);
}

/* SOI, APP0 (JFIF), DQT-ish filler, SOF0 of 640x480, SOS, EOI */
static const guint8 good[] = {
  0xff, 0xd8,
  0xff, 0xe0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00,
  0xff, 0xfe, 0x00, 0x05, 'h', 'i', '!',
  0xff, 0xff, 0xff,  /* fill bytes before a marker */
  0xff, 0xc0, 0x00, 0x0b, 0x08, 0x01, 0xe0, 0x02, 0x80, 0x01, 0x01, 0x11, 0x00,
  0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00,
  0x00, 0xff, 0xd9,
};

static void
test_good (void)
{
  guint width = 0, height = 0;

  g_assert_true (size_of (good, sizeof good, &width, &height));
  g_assert_cmpuint (width, ==, 640);
  g_assert_cmpuint (height, ==, 480);
}

static void
test_progressive (void)
{
  g_autofree guint8 *data = g_memdup2 (good, sizeof good);
  guint width = 0, height = 0;

  data[31] = 0xc2;  /* SOF2 */
  g_assert_cmpuint (data[30], ==, 0xff);
  g_assert_true (size_of (data, sizeof good, &width, &height));
  g_assert_cmpuint (width, ==, 640);
  data[31] = 0xc4;  /* DHT is in the SOF range but is no frame header */
  g_assert_false (size_of (data, sizeof good, &width, &height));
}

static void
test_bad (void)
{
  static const struct {
    const gchar *what;
    const guint8 data[16];
    gsize size;
  } cases[] = {
    { "empty", { 0 }, 0 },
    { "no SOI", { 0x89, 'P', 'N', 'G' }, 4 },
    { "SOI only", { 0xff, 0xd8 }, 2 },
    { "EOI first", { 0xff, 0xd8, 0xff, 0xd9 }, 4 },
    { "scan first", { 0xff, 0xd8, 0xff, 0xda, 0x00, 0x02 }, 6 },
    { "cut length", { 0xff, 0xd8, 0xff, 0xe0, 0x00 }, 5 },
    { "length past end", { 0xff, 0xd8, 0xff, 0xe0, 0xff, 0xff, 0x00 }, 7 },
    { "length 0", { 0xff, 0xd8, 0xff, 0xe0, 0x00, 0x00, 0xff, 0xc0 }, 8 },
    { "length 1", { 0xff, 0xd8, 0xff, 0xe0, 0x00, 0x01, 0xff, 0xc0 }, 8 },
    { "short SOF", { 0xff, 0xd8, 0xff, 0xc0, 0x00, 0x06, 0x08, 0x01, 0xe0, 0x02 }, 10 },
    { "SOF cut", { 0xff, 0xd8, 0xff, 0xc0, 0x00, 0x0b, 0x08, 0x01, 0xe0 }, 9 },
    { "zero height", { 0xff, 0xd8, 0xff, 0xc0, 0x00, 0x07, 0x08, 0x00, 0x00, 0x02, 0x80 }, 11 },
    { "no marker", { 0xff, 0xd8, 0x12, 0x34, 0x56 }, 5 },
    { "fill to the end", { 0xff, 0xd8, 0xff, 0xff, 0xff }, 5 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      guint width = 0, height = 0;

      if (size_of (cases[i].data, cases[i].size, &width, &height))
        g_error ("%s: read as %ux%u", cases[i].what, width, height);
    }
}

/* Every prefix of a good header, and random bytes after a SOI: no crash,
 * no read past the end, and a size only when the SOF is whole. */
static void
test_prefixes_and_noise (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);

  for (gsize n = 0; n < sizeof good; n++)
    {
      guint width = 0, height = 0;
      gboolean found = size_of (good, n, &width, &height);

      g_assert_true (found == (n >= 43));
    }
  for (guint round = 0; round < 20000; round++)
    {
      gsize size = g_rand_int_range (rand, 2, 64);
      g_autofree guint8 *data = g_malloc (size);
      guint width, height;

      data[0] = 0xff;
      data[1] = 0xd8;
      for (gsize i = 2; i < size; i++)
        {
          /* plenty of markers and small lengths, or nothing interesting happens */
          guint r = g_rand_int_range (rand, 0, 8);
          data[i] = r < 3 ? 0xff : r < 5 ? (guint8) g_rand_int_range (rand, 0xc0, 0xe0) :
                    r < 7 ? (guint8) g_rand_int_range (rand, 0, 12) : (guint8) g_rand_int (rand);
        }
      if (jmp_jpeg_get_size (data, size, &width, &height))
        g_assert_true (width > 0 && height > 0);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/video/jpeg-info/good", test_good);
  g_test_add_func ("/video/jpeg-info/progressive", test_progressive);
  g_test_add_func ("/video/jpeg-info/bad", test_bad);
  g_test_add_func ("/video/jpeg-info/prefixes-and-noise", test_prefixes_and_noise);
  return g_test_run ();
}
