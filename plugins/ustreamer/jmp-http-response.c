/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include <jumpstarter/jumpstarter.h>
#include <glib/gi18n-lib.h>

#include "jmp-http-response.h"

/*
 * The head of an HTTP/1.x response, as ustreamer sends it: a status line,
 * headers, a body sized by Content-Length. The bytes come from a child
 * process that may be broken: the head is bounded, every line is checked,
 * and whatever this reader does not need to understand (chunked bodies,
 * interim 1xx replies, folded headers) is refused rather than guessed.
 */

static GError *
jmp_http_response_invalid (const gchar *what)
{
  return g_error_new (JMP_ERROR, JMP_ERROR_FAILED, _("not a valid HTTP reply: %s"), what);
}

static gboolean
jmp_http_is_tchar (gchar c)
{
  return g_ascii_isalnum (c) || (c != '\0' && strchr ("!#$%&'*+-.^_`|~", c) != NULL);
}

/* A field value: visible ASCII, spaces, tabs and bytes ≥ 0x80; no control
 * character, so no NUL and no bare CR or LF. */
static gboolean
jmp_http_is_value (const gchar *value, gsize len)
{
  for (gsize i = 0; i < len; i++)
    {
      guchar c = (guchar) value[i];

      if ((c < 0x20 && c != '\t') || c == 0x7f)
        return FALSE;
    }
  return TRUE;
}

/* Whether the comma-separated list @value has the token @token. */
static gboolean
jmp_http_has_token (const gchar *value, gsize len, const gchar *token)
{
  gsize token_len = strlen (token);
  gsize i = 0;

  while (i < len)
    {
      gsize start, end;

      while (i < len && (value[i] == ' ' || value[i] == '\t' || value[i] == ','))
        i++;
      start = i;
      while (i < len && value[i] != ',')
        i++;
      end = i;
      while (end > start && (value[end - 1] == ' ' || value[end - 1] == '\t'))
        end--;
      if (end - start == token_len && g_ascii_strncasecmp (value + start, token, token_len) == 0)
        return TRUE;
    }
  return FALSE;
}

static gboolean
jmp_http_parse_status_line (const gchar     *line,
                            gsize            len,
                            guint           *minor,
                            JmpHttpResponse *response,
                            GError         **error)
{
  const gchar *reason;
  gsize reason_len;
  const gchar *valid_end;

  /* "HTTP/1.1 200" at least */
  if (len < 12 || memcmp (line, "HTTP/1.", 7) != 0 ||
      (line[7] != '0' && line[7] != '1') || line[8] != ' ' ||
      !g_ascii_isdigit (line[9]) || !g_ascii_isdigit (line[10]) || !g_ascii_isdigit (line[11]) ||
      (len > 12 && line[12] != ' '))
    {
      g_propagate_error (error, jmp_http_response_invalid (_("bad status line")));
      return FALSE;
    }
  *minor = line[7] - '0';
  response->status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
  if (response->status < 100 || response->status > 599)
    {
      g_propagate_error (error, jmp_http_response_invalid (_("bad status code")));
      return FALSE;
    }
  /* no request asks for one (no Expect, no Upgrade) */
  if (response->status < 200)
    {
      g_propagate_error (error, jmp_http_response_invalid (_("unexpected interim reply")));
      return FALSE;
    }
  reason = len > 12 ? line + 13 : line + len;
  reason_len = MIN ((gsize) (line + len - reason), sizeof response->reason - 1);
  if (!jmp_http_is_value (reason, line + len - reason))
    {
      g_propagate_error (error, jmp_http_response_invalid (_("control character in the status line")));
      return FALSE;
    }
  /* cut at the last whole character */
  g_utf8_validate_len (reason, reason_len, &valid_end);
  reason_len = valid_end - reason;
  memcpy (response->reason, reason, reason_len);
  response->reason[reason_len] = '\0';
  return TRUE;
}

static gboolean
jmp_http_parse_content_length (const gchar *value,
                               gsize        len,
                               gsize        max_body,
                               gint64      *length,
                               GError     **error)
{
  guint64 n = 0;

  /* 18 digits cannot overflow; any more is past every bound anyway */
  if (len == 0 || len > 18)
    {
      g_propagate_error (error, jmp_http_response_invalid (_("bad Content-Length")));
      return FALSE;
    }
  for (gsize i = 0; i < len; i++)
    {
      if (!g_ascii_isdigit (value[i]))
        {
          g_propagate_error (error, jmp_http_response_invalid (_("bad Content-Length")));
          return FALSE;
        }
      n = n * 10 + (guint64) (value[i] - '0');
    }
  if (*length >= 0 && (guint64) *length != n)
    {
      g_propagate_error (error, jmp_http_response_invalid (_("conflicting Content-Length headers")));
      return FALSE;
    }
  if (n > max_body)
    {
      g_set_error (error, JMP_ERROR, JMP_ERROR_FAILED,
                   _("the reply is %llu bytes, more than the %zu accepted"),
                   (unsigned long long) n, max_body);
      return FALSE;
    }
  *length = (gint64) n;
  return TRUE;
}

/**
 * jmp_http_response_parse:
 * @data: (array length=len): the bytes received so far
 * @len: their number
 * @max_body: the largest body accepted
 * @response: (out caller-allocates): the head, once whole
 *
 * Parses the head of an HTTP/1.0 or 1.1 response: lines ended by CRLF, at
 * most %JMP_HTTP_MAX_HEAD_SIZE bytes and %JMP_HTTP_MAX_HEADERS headers.
 * Without Content-Length the body runs until the server closes. A
 * Transfer-Encoding is refused.
 *
 * Returns: the size of the head, the empty line included, once @data holds
 *   all of it; 0 while it needs more; -1 with @error set if the head is
 *   not acceptable
 */
gssize
jmp_http_response_parse (const gchar      *data,
                         gsize             len,
                         gsize             max_body,
                         JmpHttpResponse  *response,
                         GError          **error)
{
  const gchar *end, *line, *head_end;
  gboolean close = FALSE, keep_alive = FALSE;
  guint minor = 0, headers = 0;

  memset (response, 0, sizeof *response);
  response->content_length = -1;

  /* garbage fails at once, not after 16 KiB */
  if (len == 0)
    return 0;  /* nothing yet: wait for more */
  if (memcmp (data, "HTTP/", MIN (len, 5)) != 0)
    {
      g_propagate_error (error, jmp_http_response_invalid (_("bad status line")));
      return -1;
    }
  end = memmem (data, MIN (len, JMP_HTTP_MAX_HEAD_SIZE), "\r\n\r\n", 4);
  if (end == NULL)
    {
      if (len < JMP_HTTP_MAX_HEAD_SIZE)
        return 0;
      g_set_error (error, JMP_ERROR, JMP_ERROR_FAILED,
                   _("not a valid HTTP reply: a head longer than %u bytes"),
                   (guint) JMP_HTTP_MAX_HEAD_SIZE);
      return -1;
    }
  head_end = end + 2;  /* the end of the last header line */

  for (line = data; line < head_end; )
    {
      const gchar *eol = memchr (line, '\n', head_end - line);
      const gchar *colon, *value, *value_end;
      gsize line_len;

      /* the head ends with CRLF CRLF, so every line has its LF; a bare
       * LF or CR inside a line is refused */
      g_assert (eol != NULL);
      if (eol == line || eol[-1] != '\r')
        {
          g_propagate_error (error, jmp_http_response_invalid (_("a line not ended by CRLF")));
          return -1;
        }
      line_len = eol - 1 - line;

      if (line == data)
        {
          if (!jmp_http_parse_status_line (line, line_len, &minor, response, error))
            return -1;
          line = eol + 1;
          continue;
        }

      if (++headers > JMP_HTTP_MAX_HEADERS)
        {
          g_set_error (error, JMP_ERROR, JMP_ERROR_FAILED,
                       _("not a valid HTTP reply: more than %u headers"),
                       (guint) JMP_HTTP_MAX_HEADERS);
          return -1;
        }
      /* the name is a token right before the colon: no folding, no
       * space before the colon */
      colon = line;
      while (colon < eol - 1 && jmp_http_is_tchar (*colon))
        colon++;
      if (colon == line || colon == eol - 1 || *colon != ':')
        {
          g_propagate_error (error, jmp_http_response_invalid (_("bad header line")));
          return -1;
        }
      value = colon + 1;
      value_end = eol - 1;
      if (!jmp_http_is_value (value, value_end - value))
        {
          g_propagate_error (error, jmp_http_response_invalid (_("control character in a header")));
          return -1;
        }
      while (value < value_end && (*value == ' ' || *value == '\t'))
        value++;
      while (value_end > value && (value_end[-1] == ' ' || value_end[-1] == '\t'))
        value_end--;

#define NAME_IS(n) ((gsize) (colon - line) == sizeof n - 1 && \
                    g_ascii_strncasecmp (line, n, sizeof n - 1) == 0)
      if (NAME_IS ("Content-Length"))
        {
          if (!jmp_http_parse_content_length (value, value_end - value, max_body,
                                              &response->content_length, error))
            return -1;
        }
      else if (NAME_IS ("Transfer-Encoding"))
        {
          g_propagate_error (error, jmp_http_response_invalid (_("a Transfer-Encoding, which is not supported")));
          return -1;
        }
      else if (NAME_IS ("Connection"))
        {
          close |= jmp_http_has_token (value, value_end - value, "close");
          keep_alive |= jmp_http_has_token (value, value_end - value, "keep-alive");
        }
#undef NAME_IS
      line = eol + 1;
    }

  /* no body, whatever the headers say */
  if (response->status == 204 || response->status == 304)
    response->content_length = 0;
  response->keep_alive = !close && (minor == 1 || keep_alive) && response->content_length >= 0;
  return end + 4 - data;
}

/**
 * jmp_http_response_error_new:
 * @status: a status code other than 2xx
 * @reason: (nullable): its reason phrase
 *
 * Returns: (transfer full): the error of a request answered with @status:
 *   %JMP_ERROR_UNAVAILABLE for 5xx, %JMP_ERROR_FAILED otherwise
 */
GError *
jmp_http_response_error_new (guint status, const gchar *reason)
{
  return g_error_new (JMP_ERROR, status >= 500 ? JMP_ERROR_UNAVAILABLE : JMP_ERROR_FAILED,
                      _("HTTP %u %s"), status,
                      reason != NULL && g_utf8_validate (reason, -1, NULL) ? reason : "");
}
