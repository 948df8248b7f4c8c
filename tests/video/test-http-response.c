/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The ustreamer plugin's HTTP response head reader on hostile input: the
 * bytes come from a child process that may be broken. Every buffer is an
 * exact-size copy, so that a read past its end is seen by MALLOC_CHECK_ or
 * a sanitizer.
 */
#include <string.h>

#include <jumpstarter/jumpstarter.h>

#include "jmp-http-response.h"

#define MAX_BODY 1000000

static gssize
parse (const gchar *data, gsize len, JmpHttpResponse *response, GError **error)
{
  g_autofree gchar *copy = g_memdup2 (data, len);

  return jmp_http_response_parse (copy, len, MAX_BODY, response, error);
}

static gssize
parse_str (const gchar *data, JmpHttpResponse *response, GError **error)
{
  return parse (data, strlen (data), response, error);
}

static void
test_good (void)
{
  static const gchar reply[] =
    "HTTP/1.1 200 OK\r\n"
    "Cache-Control: no-store\r\n"
    "content-length:  5 \r\n"
    "Content-Type: image/jpeg\r\n"
    "\r\n"
    "hello";
  JmpHttpResponse response;
  g_autoptr(GError) error = NULL;
  gssize head = parse_str (reply, &response, &error);

  g_assert_no_error (error);
  g_assert_cmpint (head, ==, strlen (reply) - 5);
  g_assert_cmpuint (response.status, ==, 200);
  g_assert_cmpstr (response.reason, ==, "OK");
  g_assert_cmpint (response.content_length, ==, 5);
  g_assert_true (response.keep_alive);

  /* every prefix of the head asks for more */
  for (gsize n = 0; n < (gsize) head; n++)
    {
      g_assert_cmpint (parse (reply, n, &response, &error), ==, 0);
      g_assert_no_error (error);
    }
}

static void
test_connection (void)
{
  static const struct {
    const gchar *reply;
    gint64       content_length;
    gboolean     keep_alive;
  } cases[] = {
    { "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0, TRUE },
    { "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", 0, TRUE },
    { "HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\n", 3, FALSE },
    { "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 3\r\n\r\n", 3, TRUE },
    { "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 3\r\n\r\n", 3, FALSE },
    { "HTTP/1.1 200 OK\r\nConnection: x-foo ,\tClose\r\nContent-Length: 3\r\n\r\n", 3, FALSE },
    { "HTTP/1.1 200 OK\r\nConnection: closed\r\nContent-Length: 3\r\n\r\n", 3, TRUE },
    /* the body runs until the server closes: the connection is spent */
    { "HTTP/1.1 200 OK\r\n\r\n", -1, FALSE },
    { "HTTP/1.1 204 No Content\r\n\r\n", 0, TRUE },
    { "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n", 0, TRUE },
    /* the same length twice is no conflict */
    { "HTTP/1.1 404 Not Found\r\nContent-Length: 7\r\nContent-Length: 7\r\n\r\n", 7, TRUE },
    { "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 1000000\r\n\r\n", 1000000, TRUE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      JmpHttpResponse response;
      g_autoptr(GError) error = NULL;
      g_autofree gchar *escaped = g_strescape (cases[i].reply, NULL);

      g_test_message ("%s", escaped);
      g_assert_cmpint (parse_str (cases[i].reply, &response, &error), ==, strlen (cases[i].reply));
      g_assert_no_error (error);
      g_assert_cmpint (response.content_length, ==, cases[i].content_length);
      g_assert_cmpint (response.keep_alive, ==, cases[i].keep_alive);
    }
}

static void
test_bad (void)
{
  static const struct {
    const gchar *reply;
    const gchar *message;
  } cases[] = {
    { "hello", "bad status line" },
    { "GET", "bad status line" },
    { "\r\n\r\n", "bad status line" },
    { "HTTP/2 200 OK\r\n\r\n", "bad status line" },
    { "HTTP/1.2 200 OK\r\n\r\n", "bad status line" },
    { "HTTP/1.1 20 OK\r\n\r\n", "bad status line" },
    { "HTTP/1.1 2000 OK\r\n\r\n", "bad status line" },
    { "HTTP/1.1 200OK\r\n\r\n", "bad status line" },
    { "HTTP/1.1  200 OK\r\n\r\n", "bad status line" },
    { "HTTP/1.1 099 Low\r\n\r\n", "bad status code" },
    { "HTTP/1.1 600 High\r\n\r\n", "bad status code" },
    { "HTTP/1.1 100 Continue\r\n\r\n", "unexpected interim reply" },
    { "HTTP/1.1 200 O\x01K\r\n\r\n", "control character in the status line" },
    { "HTTP/1.1 200 OK\nContent-Length: 1\r\n\r\n", "a line not ended by CRLF" },
    { "HTTP/1.1 200 OK\r\nA: b\nC: d\r\n\r\n", "a line not ended by CRLF" },
    { "HTTP/1.1 200 OK\r\nA: b\rC: d\r\n\r\n", "control character in a header" },
    { "HTTP/1.1 200 OK\r\nNo colon\r\n\r\n", "bad header line" },
    { "HTTP/1.1 200 OK\r\n: empty name\r\n\r\n", "bad header line" },
    { "HTTP/1.1 200 OK\r\nContent-Length : 5\r\n\r\n", "bad header line" },
    { "HTTP/1.1 200 OK\r\nA: b\r\n folded\r\n\r\n", "bad header line" },
    { "HTTP/1.1 200 OK\r\nA\x80: b\r\n\r\n", "bad header line" },
    { "HTTP/1.1 200 OK\r\nA: b\x7f\r\n\r\n", "control character in a header" },
    { "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", "bad Content-Length" },
    { "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "bad Content-Length" },
    { "HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\n", "bad Content-Length" },
    { "HTTP/1.1 200 OK\r\nContent-Length: 1e3\r\n\r\n", "bad Content-Length" },
    { "HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n", "bad Content-Length" },
    { "HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\n", "bad Content-Length" },
    { "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n", "bad Content-Length" },
    { "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
      "conflicting Content-Length headers" },
    { "HTTP/1.1 200 OK\r\nContent-Length: 1000001\r\n\r\n", "more than the 1000000 accepted" },
    { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "Transfer-Encoding" },
    { "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: identity\r\n\r\n",
      "Transfer-Encoding" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      JmpHttpResponse response;
      g_autoptr(GError) error = NULL;
      g_autofree gchar *escaped = g_strescape (cases[i].reply, NULL);

      g_test_message ("%s", escaped);
      g_assert_cmpint (parse_str (cases[i].reply, &response, &error), ==, -1);
      g_assert_error (error, JMP_ERROR, JMP_ERROR_FAILED);
      if (strstr (error->message, cases[i].message) == NULL)
        g_error ("\"%s\" does not say \"%s\"", error->message, cases[i].message);
    }
}

/* A NUL is a control character, wherever it is. */
static void
test_nul (void)
{
  static const gchar status[] = "HTTP/1.1 200 O\0K\r\n\r\n";
  static const gchar header[] = "HTTP/1.1 200 OK\r\nA: \0b\r\n\r\n";
  static const gchar name[] = "HTTP/1.1 200 OK\r\nA\0: b\r\n\r\n";
  JmpHttpResponse response;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (parse (status, sizeof status - 1, &response, &error), ==, -1);
  g_assert_error (error, JMP_ERROR, JMP_ERROR_FAILED);
  g_clear_error (&error);
  g_assert_cmpint (parse (header, sizeof header - 1, &response, &error), ==, -1);
  g_assert_error (error, JMP_ERROR, JMP_ERROR_FAILED);
  g_clear_error (&error);
  g_assert_cmpint (parse (name, sizeof name - 1, &response, &error), ==, -1);
  g_assert_error (error, JMP_ERROR, JMP_ERROR_FAILED);
}

/* A head that never ends is refused at the bound, not read forever. */
static void
test_bounds (void)
{
  g_autoptr(GString) head = g_string_new ("HTTP/1.1 200 OK\r\n");
  JmpHttpResponse response;
  g_autoptr(GError) error = NULL;

  while (head->len < JMP_HTTP_MAX_HEAD_SIZE + 100)
    g_string_append (head, "X-Filler: 0123456789\r\n");
  g_assert_cmpint (parse (head->str, JMP_HTTP_MAX_HEAD_SIZE - 1, &response, &error), ==, 0);
  g_assert_no_error (error);
  g_assert_cmpint (parse (head->str, JMP_HTTP_MAX_HEAD_SIZE, &response, &error), ==, -1);
  g_assert_error (error, JMP_ERROR, JMP_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "a head longer than"));
  g_clear_error (&error);

  /* an end past the bound does not count either */
  g_string_append (head, "\r\n");
  g_assert_cmpint (parse (head->str, head->len, &response, &error), ==, -1);
  g_assert_error (error, JMP_ERROR, JMP_ERROR_FAILED);
  g_clear_error (&error);

  /* many small headers */
  g_string_assign (head, "HTTP/1.1 200 OK\r\n");
  for (guint i = 0; i < JMP_HTTP_MAX_HEADERS; i++)
    g_string_append (head, "A: b\r\n");
  g_string_append (head, "\r\n");
  g_assert_cmpint (parse (head->str, head->len, &response, &error), ==, head->len);
  g_assert_no_error (error);
  g_string_insert (head, 17, "A: b\r\n");
  g_assert_cmpint (parse (head->str, head->len, &response, &error), ==, -1);
  g_assert_error (error, JMP_ERROR, JMP_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "more than"));
}

/* The reason phrase is kept short and valid UTF-8, cut at a whole
 * character. */
static void
test_reason (void)
{
  g_autoptr(GString) reply = g_string_new ("HTTP/1.1 500 ");
  JmpHttpResponse response;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) status_error = NULL;

  for (guint i = 0; i < 200; i++)
    g_string_append (reply, "\xc3\xa9");  /* é */
  g_string_append (reply, "\r\n\r\n");
  g_assert_cmpint (parse (reply->str, reply->len, &response, &error), ==, reply->len);
  g_assert_no_error (error);
  g_assert_cmpuint (strlen (response.reason), ==, JMP_HTTP_MAX_REASON_SIZE - 2);
  g_assert_true (g_utf8_validate (response.reason, -1, NULL));

  g_string_assign (reply, "HTTP/1.1 502 Bad \xff\xfe Gateway\r\n\r\n");
  g_assert_cmpint (parse (reply->str, reply->len, &response, &error), ==, reply->len);
  g_assert_cmpstr (response.reason, ==, "Bad ");

  status_error = jmp_http_response_error_new (response.status, response.reason);
  g_assert_error (status_error, JMP_ERROR, JMP_ERROR_UNAVAILABLE);
  g_assert_cmpstr (status_error->message, ==, "HTTP 502 Bad ");
  g_clear_error (&status_error);
  status_error = jmp_http_response_error_new (404, "Not \xff");
  g_assert_error (status_error, JMP_ERROR, JMP_ERROR_FAILED);
  g_assert_cmpstr (status_error->message, ==, "HTTP 404 ");
}

/* Random bytes after a plausible start: no crash, no read past the end. */
static void
test_noise (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  static const gchar alphabet[] = "HTP/1. 20\r\n:Content-Length0123456789ck-a\t\x01\x80";

  for (guint round = 0; round < 50000; round++)
    {
      gsize size = g_rand_int_range (rand, 0, 80);
      g_autofree gchar *data = g_malloc (size + 1);
      JmpHttpResponse response;
      g_autoptr(GError) error = NULL;
      gssize head;

      memcpy (data, "HTTP/1.1 200 OK\r\n", MIN (size, 17));
      for (gsize i = MIN (size, 17); i < size; i++)
        data[i] = alphabet[g_rand_int_range (rand, 0, sizeof alphabet - 1)];
      head = jmp_http_response_parse (data, size, MAX_BODY, &response, &error);
      g_assert_cmpint (head, <=, (gssize) size);
      g_assert_true ((head < 0) == (error != NULL));
      if (head > 0)
        {
          g_assert_cmpuint (response.status, >=, 200);
          g_assert_cmpint (response.content_length, <=, MAX_BODY);
          g_assert_true (g_utf8_validate (response.reason, -1, NULL));
        }
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/http-response/good", test_good);
  g_test_add_func ("/http-response/connection", test_connection);
  g_test_add_func ("/http-response/bad", test_bad);
  g_test_add_func ("/http-response/nul", test_nul);
  g_test_add_func ("/http-response/bounds", test_bounds);
  g_test_add_func ("/http-response/reason", test_reason);
  g_test_add_func ("/http-response/noise", test_noise);
  return g_test_run ();
}
