/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Two layers: the HTTP response (status line, headers, then the body as it
 * is or de-chunked) feeds the multipart layer, which cuts the body into
 * parts at its boundary, by Content-Length when a part has one, else by
 * finding the next boundary. Only line fragments and the frame being
 * assembled are ever buffered, and both are capped. A reader for a body
 * alone starts with the HTTP layer done, as if a response without length
 * had just ended its headers.
 */
#include "config.h"

#include <string.h>

#include <gio/gio.h>
/* jmp and the ustreamer plugin both link this: their domain, not the default */
#include <glib/gi18n-lib.h>

#include "jmp-mjpeg-reader.h"

/* As much as Jumpstarter reads of the response headers. */
#define MAX_RESPONSE_HEADERS (16 * 1024)
#define MAX_HEADER_LINES     100
#define MAX_CHUNK_LINE       1024
#define MAX_PART_HEADERS     (8 * 1024)
/* Bytes that are neither part nor boundary (a preamble, padding between
 * parts): a little is tolerated, a stream of it is not MJPEG. */
#define MAX_JUNK             (64 * 1024)
#define MAX_BOUNDARY         200

typedef enum {
  HTTP_STATUS,
  HTTP_HEADERS,
  HTTP_BODY,
  HTTP_CHUNK_SIZE,
  HTTP_CHUNK_DATA,
  HTTP_CHUNK_END,
  HTTP_TRAILERS,
  HTTP_DONE,
} HttpState;

typedef enum {
  PART_PREAMBLE,
  PART_HEADERS,
  PART_DATA_LENGTH,
  PART_DATA_SCAN,
  PART_BETWEEN,
  PART_CLOSED,
} PartState;

struct _JmpMjpegReader
{
  gsize       max_frame;
  GError     *error;            /* once set, every call returns it */

  /* the HTTP layer */
  HttpState   http;
  GString    *line;             /* a line not yet complete */
  gsize       header_bytes;
  guint       n_headers;
  gboolean    informational;    /* a 1xx response: another status follows */
  gboolean    chunked;
  gboolean    have_length;
  guint64     body_remaining;
  guint64     chunk_remaining;
  gchar      *content_type;

  /* the multipart layer */
  gchar      *boundary;
  gchar      *pattern;          /* "\n--boundary": where a part without length ends */
  gsize       pattern_len;
  gboolean    boundary_seen;
  PartState   part;
  GByteArray *buf;
  gsize       pos;              /* bytes of @buf consumed */
  gsize       scan_from;        /* where the boundary search resumes */
  gsize       part_header_bytes;
  gint64      part_length;      /* -1: unknown */
  gsize       junk;

  GQueue      frames;
  guint64     n_skipped;
};

JmpMjpegReader *
jmp_mjpeg_reader_new (gsize max_frame_size)
{
  JmpMjpegReader *self = g_new0 (JmpMjpegReader, 1);

  self->max_frame = max_frame_size > 0 ? max_frame_size : JMP_MJPEG_READER_DEFAULT_MAX_FRAME;
  self->line = g_string_new (NULL);
  self->buf = g_byte_array_new ();
  self->part_length = -1;
  g_queue_init (&self->frames);
  return self;
}

void
jmp_mjpeg_reader_free (JmpMjpegReader *self)
{
  if (self == NULL)
    return;
  g_clear_error (&self->error);
  g_string_free (self->line, TRUE);
  g_byte_array_unref (self->buf);
  g_free (self->content_type);
  g_free (self->boundary);
  g_free (self->pattern);
  g_queue_clear_full (&self->frames, (GDestroyNotify) g_bytes_unref);
  g_free (self);
}

const gchar *
jmp_mjpeg_reader_get_boundary (JmpMjpegReader *self)
{
  return self->boundary;
}

gboolean
jmp_mjpeg_reader_is_chunked (JmpMjpegReader *self)
{
  return self->chunked;
}

guint64
jmp_mjpeg_reader_get_n_skipped (JmpMjpegReader *self)
{
  return self->n_skipped;
}

GBytes *
jmp_mjpeg_reader_pop_frame (JmpMjpegReader *self)
{
  return g_queue_pop_head (&self->frames);
}

static gboolean
jmp_mjpeg_reader_fail (JmpMjpegReader *self, gint code, const gchar *format, ...) G_GNUC_PRINTF (3, 4);

static gboolean
jmp_mjpeg_reader_fail (JmpMjpegReader *self, gint code, const gchar *format, ...)
{
  va_list args;

  if (self->error != NULL)
    return FALSE;
  va_start (args, format);
  self->error = g_error_new_valist (G_IO_ERROR, code, format, args);
  va_end (args);
  return FALSE;
}

/* Text from the wire, fit for an error message: printable ASCII, short. */
static gchar *
jmp_mjpeg_reader_quote (const gchar *text, gsize len)
{
  GString *out = g_string_new (NULL);

  for (gsize i = 0; i < len && out->len < 60; i++)
    g_string_append_c (out, g_ascii_isprint (text[i]) ? text[i] : '?');
  if (len > 60)
    g_string_append (out, "…");
  return g_string_free (out, FALSE);
}

/* ---- the multipart layer --------------------------------------------- */

static void
jmp_mjpeg_reader_emit (JmpMjpegReader *self, const guint8 *data, gsize size)
{
  /* a JPEG starts with SOI; anything else (an empty part, a text part)
   * would only break a viewer's decoder */
  if (size < 3 || data[0] != 0xff || data[1] != 0xd8)
    {
      self->n_skipped++;
      return;
    }
  g_queue_push_tail (&self->frames, g_bytes_new (data, size));
}

static gboolean
jmp_mjpeg_reader_is_delimiter (JmpMjpegReader *self, const gchar *line, gsize len, gboolean *close)
{
  const gchar *delimiter = self->pattern + 1;
  gsize dlen = self->pattern_len - 1;

  /* trailing white space is allowed after a boundary (RFC 2046) */
  while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t'))
    len--;
  *close = FALSE;
  if (len == dlen + 2 && memcmp (line, delimiter, dlen) == 0 && memcmp (line + dlen, "--", 2) == 0)
    {
      *close = TRUE;
      return TRUE;
    }
  return len == dlen && memcmp (line, delimiter, dlen) == 0;
}

/* Some servers put the dashes into the parameter (boundary=--frame) and
 * then write "--frame" as the delimiter; the first delimiter line tells. */
static void
jmp_mjpeg_reader_adopt_boundary (JmpMjpegReader *self, const gchar *line, gsize len)
{
  gsize blen = strlen (self->boundary);

  if (self->boundary_seen || blen < 3 || !g_str_has_prefix (self->boundary, "--"))
    return;
  if (len == blen && memcmp (line, self->boundary, blen) == 0)
    {
      g_free (self->pattern);
      self->pattern = g_strconcat ("\n", self->boundary, NULL);
      self->pattern_len = strlen (self->pattern);
    }
}

static gboolean
jmp_mjpeg_reader_part_header (JmpMjpegReader *self, const gchar *line, gsize len)
{
  const gchar *colon = memchr (line, ':', len);
  g_autofree gchar *value = NULL;
  guint64 length = 0;

  if (colon == NULL)
    return TRUE;   /* not a header: ignored, as browsers do */
  if ((gsize) (colon - line) != strlen ("Content-Length") ||
      g_ascii_strncasecmp (line, "Content-Length", colon - line) != 0)
    return TRUE;

  value = g_strstrip (g_strndup (colon + 1, len - (colon + 1 - line)));
  if (!g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT64, &length, NULL))
    {
      g_autofree gchar *quoted = jmp_mjpeg_reader_quote (value, strlen (value));
      return jmp_mjpeg_reader_fail (self, G_IO_ERROR_INVALID_DATA,
                                    _("a part of the MJPEG stream has an invalid Content-Length \"%s\""),
                                    quoted);
    }
  if (length > self->max_frame)
    return jmp_mjpeg_reader_fail (self, G_IO_ERROR_MESSAGE_TOO_LARGE,
                                  _("a frame of the MJPEG stream is %llu bytes, over the limit of %zu"),
                                  (unsigned long long) length, self->max_frame);
  self->part_length = (gint64) length;
  return TRUE;
}

/* One line of the multipart body, without its line end. */
static gboolean
jmp_mjpeg_reader_part_line (JmpMjpegReader *self, const gchar *line, gsize len)
{
  gboolean close = FALSE;

  switch (self->part)
    {
    case PART_PREAMBLE:
    case PART_BETWEEN:
      if (self->part == PART_PREAMBLE)
        jmp_mjpeg_reader_adopt_boundary (self, line, len);
      if (jmp_mjpeg_reader_is_delimiter (self, line, len, &close))
        {
          self->boundary_seen = TRUE;
          self->junk = 0;
          self->part_header_bytes = 0;
          self->part_length = -1;
          self->part = close ? PART_CLOSED : PART_HEADERS;
          return TRUE;
        }
      self->junk += len + 1;
      if (self->junk > MAX_JUNK)
        return jmp_mjpeg_reader_fail (self, G_IO_ERROR_INVALID_DATA,
                                      _("the MJPEG stream has no boundary \"--%s\" in %u bytes"),
                                      self->boundary, MAX_JUNK);
      return TRUE;

    case PART_HEADERS:
      if (len == 0)
        {
          self->part = self->part_length >= 0 ? PART_DATA_LENGTH : PART_DATA_SCAN;
          self->scan_from = self->pos;
          return TRUE;
        }
      self->part_header_bytes += len + 1;
      if (self->part_header_bytes > MAX_PART_HEADERS)
        return jmp_mjpeg_reader_fail (self, G_IO_ERROR_INVALID_DATA,
                                      _("the headers of a part of the MJPEG stream are over %u bytes"),
                                      MAX_PART_HEADERS);
      return jmp_mjpeg_reader_part_header (self, line, len);

    case PART_DATA_LENGTH:
    case PART_DATA_SCAN:
    case PART_CLOSED:
    default:
      g_assert_not_reached ();
    }
  return TRUE;
}

/* Where the part that started at @pos ends: at the "\n--boundary" that is
 * followed by a line end, "--" or white space. FALSE if that is not in
 * @buf yet; @self->scan_from then says where to look again. On TRUE,
 * @data_end is the end of the part's data and @next the start of the
 * boundary line. */
static gboolean
jmp_mjpeg_reader_find_end (JmpMjpegReader *self, gsize *data_end, gsize *next)
{
  const guint8 *data = self->buf->data;
  gsize len = self->buf->len;
  gsize from = MAX (self->scan_from, self->pos);

  /* an empty part: the boundary right after the blank line */
  if (from == self->pos && len - self->pos >= self->pattern_len - 1 &&
      memcmp (data + self->pos, self->pattern + 1, self->pattern_len - 1) == 0)
    {
      gsize after = self->pos + self->pattern_len - 1;

      if (after == len)
        return FALSE;
      if (strchr ("\r\n- \t", data[after]) != NULL && data[after] != '\0')
        {
          *data_end = *next = self->pos;
          return TRUE;
        }
    }

  while (from + self->pattern_len <= len)
    {
      const guint8 *hit = memmem (data + from, len - from, self->pattern, self->pattern_len);
      gsize at, after;

      if (hit == NULL)
        break;
      at = hit - data;
      after = at + self->pattern_len;
      if (after == len)
        {
          self->scan_from = at;
          return FALSE;
        }
      if (data[after] != '\0' && strchr ("\r\n- \t", data[after]) != NULL)
        {
          *data_end = at > self->pos && data[at - 1] == '\r' ? at - 1 : at;
          *next = at + 1;
          return TRUE;
        }
      from = at + 1;
    }
  self->scan_from = len >= self->pattern_len ? MAX (self->pos, len - self->pattern_len + 1) : self->pos;
  return FALSE;
}

static gboolean
jmp_mjpeg_reader_parts (JmpMjpegReader *self)
{
  for (;;)
    {
      const guint8 *data = self->buf->data + self->pos;
      gsize avail = self->buf->len - self->pos;

      switch (self->part)
        {
        case PART_PREAMBLE:
        case PART_HEADERS:
        case PART_BETWEEN:
          {
            const guint8 *nl = memchr (data, '\n', avail);
            gsize len;

            if (nl == NULL)
              {
                if (avail > MAX_PART_HEADERS)
                  return jmp_mjpeg_reader_fail (self, G_IO_ERROR_INVALID_DATA,
                                                _("the MJPEG stream has a line over %u bytes "
                                                  "where a boundary or a part header belongs"),
                                                MAX_PART_HEADERS);
                return TRUE;
              }
            len = nl - data;
            self->pos += len + 1;
            if (len > 0 && data[len - 1] == '\r')
              len--;
            if (!jmp_mjpeg_reader_part_line (self, (const gchar *) data, len))
              return FALSE;
          }
          break;

        case PART_DATA_LENGTH:
          if (avail < (guint64) self->part_length)
            return TRUE;
          jmp_mjpeg_reader_emit (self, data, self->part_length);
          self->pos += self->part_length;
          self->part = PART_BETWEEN;
          break;

        case PART_DATA_SCAN:
          {
            gsize data_end = 0, next = 0, size;

            if (!jmp_mjpeg_reader_find_end (self, &data_end, &next))
              {
                if (self->buf->len - self->pos > self->max_frame)
                  return jmp_mjpeg_reader_fail (self, G_IO_ERROR_MESSAGE_TOO_LARGE,
                                                _("a frame of the MJPEG stream has no end within "
                                                  "the limit of %zu bytes"),
                                                self->max_frame);
                return TRUE;
              }
            size = data_end - self->pos;
            if (size > self->max_frame)
              return jmp_mjpeg_reader_fail (self, G_IO_ERROR_MESSAGE_TOO_LARGE,
                                            _("a frame of the MJPEG stream has no end within "
                                              "the limit of %zu bytes"),
                                            self->max_frame);
            jmp_mjpeg_reader_emit (self, data, size);
            /* the boundary line is read as a line */
            self->pos = next;
            self->part = PART_BETWEEN;
          }
          break;

        case PART_CLOSED:
          /* an epilogue means nothing to us */
          self->pos = self->buf->len;
          return TRUE;
        }
    }
}

static gboolean
jmp_mjpeg_reader_body (JmpMjpegReader *self, const guint8 *data, gsize size)
{
  gboolean ok;

  if (self->part == PART_CLOSED || size == 0)
    return TRUE;

  g_byte_array_append (self->buf, data, size);
  ok = jmp_mjpeg_reader_parts (self);

  /* keep only what is not consumed; a frame being assembled stays */
  if (self->pos > 0)
    {
      g_byte_array_remove_range (self->buf, 0, self->pos);
      self->scan_from = self->scan_from > self->pos ? self->scan_from - self->pos : 0;
      self->pos = 0;
    }
  return ok;
}

/* ---- the HTTP layer ---------------------------------------------------- */

/* The boundary parameter of a multipart Content-Type, unquoted. */
static gchar *
jmp_mjpeg_reader_parse_boundary (const gchar *content_type)
{
  g_auto(GStrv) params = g_strsplit (content_type, ";", -1);

  for (guint i = 1; params[i] != NULL; i++)
    {
      gchar *param = g_strstrip (params[i]);
      gchar *value;
      gsize len;

      if (g_ascii_strncasecmp (param, "boundary", 8) != 0)
        continue;
      value = param + 8;
      while (*value == ' ' || *value == '\t')
        value++;
      if (*value != '=')
        continue;
      value = g_strstrip (value + 1);
      len = strlen (value);
      if (len >= 2 && value[0] == '"' && value[len - 1] == '"')
        return g_strndup (value + 1, len - 2);
      return g_strdup (value);
    }
  return NULL;
}

/* The multipart type and its boundary, from @self->content_type. */
static gboolean
jmp_mjpeg_reader_set_content_type (JmpMjpegReader *self)
{
  g_autofree gchar *type = NULL;

  if (self->content_type == NULL)
    return jmp_mjpeg_reader_fail (self, G_IO_ERROR_INVALID_DATA,
                                  _("the video source's answer has no Content-Type; "
                                    "an MJPEG stream is multipart/x-mixed-replace"));
  type = g_strstrip (g_strndup (self->content_type, strcspn (self->content_type, ";")));
  if (g_ascii_strncasecmp (type, "multipart/", 10) != 0)
    {
      g_autofree gchar *quoted = jmp_mjpeg_reader_quote (type, strlen (type));
      return jmp_mjpeg_reader_fail (self, G_IO_ERROR_INVALID_DATA,
                                    _("the video source answered with %s, not an MJPEG stream "
                                      "(multipart/x-mixed-replace)"), quoted);
    }
  self->boundary = jmp_mjpeg_reader_parse_boundary (self->content_type);
  if (self->boundary == NULL || *self->boundary == '\0' || strlen (self->boundary) > MAX_BOUNDARY ||
      strpbrk (self->boundary, "\r\n") != NULL)
    {
      g_clear_pointer (&self->boundary, g_free);
      return jmp_mjpeg_reader_fail (self, G_IO_ERROR_INVALID_DATA,
                                    _("the MJPEG stream's Content-Type has no usable boundary"));
    }
  self->pattern = g_strconcat ("\n--", self->boundary, NULL);
  self->pattern_len = strlen (self->pattern);
  return TRUE;
}

static gboolean
jmp_mjpeg_reader_headers_done (JmpMjpegReader *self)
{
  if (!jmp_mjpeg_reader_set_content_type (self))
    return FALSE;
  if (self->chunked)
    self->http = HTTP_CHUNK_SIZE;
  else if (self->have_length && self->body_remaining == 0)
    self->http = HTTP_DONE;
  else
    self->http = HTTP_BODY;
  return TRUE;
}

JmpMjpegReader *
jmp_mjpeg_reader_new_for_body (const gchar  *content_type,
                               gsize         max_frame_size,
                               GError      **error)
{
  g_autoptr(JmpMjpegReader) self = jmp_mjpeg_reader_new (max_frame_size);

  self->content_type = g_strdup (content_type);
  if (!jmp_mjpeg_reader_set_content_type (self))
    {
      g_propagate_error (error, g_steal_pointer (&self->error));
      return NULL;
    }
  self->http = HTTP_BODY;
  return g_steal_pointer (&self);
}

static gboolean
jmp_mjpeg_reader_status_line (JmpMjpegReader *self, const gchar *line)
{
  guint64 code = 0;
  const gchar *reason;
  g_autofree gchar *code_text = NULL;

  if (!g_str_has_prefix (line, "HTTP/1.") || strlen (line) < 12 || line[8] != ' ')
    {
      g_autofree gchar *quoted = jmp_mjpeg_reader_quote (line, strlen (line));
      return jmp_mjpeg_reader_fail (self, G_IO_ERROR_INVALID_DATA,
                                    _("the video source did not answer in HTTP/1: \"%s\""), quoted);
    }
  code_text = g_strndup (line + 9, 3);
  if (!g_ascii_string_to_unsigned (code_text, 10, 100, 599, &code, NULL) ||
      (line[12] != '\0' && line[12] != ' '))
    {
      g_autofree gchar *quoted = jmp_mjpeg_reader_quote (line, strlen (line));
      return jmp_mjpeg_reader_fail (self, G_IO_ERROR_INVALID_DATA,
                                    _("the video source sent an invalid status line \"%s\""), quoted);
    }
  reason = line[12] == ' ' ? line + 13 : "";
  self->informational = code < 200;
  if (!self->informational && code != 200)
    {
      g_autofree gchar *quoted = jmp_mjpeg_reader_quote (reason, strlen (reason));
      return jmp_mjpeg_reader_fail (self, G_IO_ERROR_INVALID_DATA,
                                    _("the video source answered %u %s"), (guint) code, quoted);
    }
  self->http = HTTP_HEADERS;
  return TRUE;
}

static gboolean
jmp_mjpeg_reader_header_line (JmpMjpegReader *self, const gchar *line)
{
  const gchar *colon;
  g_autofree gchar *name = NULL;
  g_autofree gchar *value = NULL;

  if (*line == '\0')
    {
      if (self->informational)
        {
          /* "100 Continue" and the like: the real answer follows */
          self->http = HTTP_STATUS;
          return TRUE;
        }
      return jmp_mjpeg_reader_headers_done (self);
    }
  if (++self->n_headers > MAX_HEADER_LINES)
    return jmp_mjpeg_reader_fail (self, G_IO_ERROR_INVALID_DATA,
                                  _("the video source sent more than %u header lines"),
                                  MAX_HEADER_LINES);
  if (*line == ' ' || *line == '\t')
    return TRUE;   /* an obsolete folded line: nothing we use is folded */
  colon = strchr (line, ':');
  if (colon == NULL || colon == line)
    {
      g_autofree gchar *quoted = jmp_mjpeg_reader_quote (line, strlen (line));
      return jmp_mjpeg_reader_fail (self, G_IO_ERROR_INVALID_DATA,
                                    _("the video source sent an invalid header line \"%s\""), quoted);
    }
  if (self->informational)
    return TRUE;

  name = g_strndup (line, colon - line);
  value = g_strstrip (g_strdup (colon + 1));
  if (g_ascii_strcasecmp (name, "Content-Type") == 0)
    {
      g_free (self->content_type);
      self->content_type = g_steal_pointer (&value);
    }
  else if (g_ascii_strcasecmp (name, "Transfer-Encoding") == 0)
    {
      if (g_ascii_strcasecmp (value, "chunked") == 0)
        self->chunked = TRUE;
      else if (g_ascii_strcasecmp (value, "identity") != 0)
        {
          g_autofree gchar *quoted = jmp_mjpeg_reader_quote (value, strlen (value));
          return jmp_mjpeg_reader_fail (self, G_IO_ERROR_INVALID_DATA,
                                        _("the video source uses the transfer encoding \"%s\", "
                                          "which is not supported"), quoted);
        }
    }
  else if (g_ascii_strcasecmp (name, "Content-Length") == 0)
    {
      if (!g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT64, &self->body_remaining, NULL))
        {
          g_autofree gchar *quoted = jmp_mjpeg_reader_quote (value, strlen (value));
          return jmp_mjpeg_reader_fail (self, G_IO_ERROR_INVALID_DATA,
                                        _("the video source sent an invalid Content-Length \"%s\""),
                                        quoted);
        }
      self->have_length = TRUE;
    }
  return TRUE;
}

static gboolean
jmp_mjpeg_reader_chunk_size_line (JmpMjpegReader *self, const gchar *line)
{
  guint64 size = 0;
  gsize digits = 0;
  const gchar *p;

  /* hex digits, then optional white space and ";extensions" */
  for (p = line; g_ascii_isxdigit (*p); p++, digits++)
    {
      if (digits >= 15)
        return jmp_mjpeg_reader_fail (self, G_IO_ERROR_INVALID_DATA,
                                      _("the video source sent a chunk size that is too large"));
      size = size * 16 + g_ascii_xdigit_value (*p);
    }
  while (*p == ' ' || *p == '\t')
    p++;
  if (digits == 0 || (*p != '\0' && *p != ';'))
    {
      g_autofree gchar *quoted = jmp_mjpeg_reader_quote (line, strlen (line));
      return jmp_mjpeg_reader_fail (self, G_IO_ERROR_INVALID_DATA,
                                    _("the video source sent an invalid chunk size \"%s\""), quoted);
    }
  self->chunk_remaining = size;
  self->http = size == 0 ? HTTP_TRAILERS : HTTP_CHUNK_DATA;
  self->header_bytes = 0;
  return TRUE;
}

static gboolean
jmp_mjpeg_reader_line (JmpMjpegReader *self, const gchar *line)
{
  switch (self->http)
    {
    case HTTP_STATUS:
      return jmp_mjpeg_reader_status_line (self, line);
    case HTTP_HEADERS:
      return jmp_mjpeg_reader_header_line (self, line);
    case HTTP_CHUNK_SIZE:
      return jmp_mjpeg_reader_chunk_size_line (self, line);
    case HTTP_CHUNK_END:
      if (*line != '\0')
        return jmp_mjpeg_reader_fail (self, G_IO_ERROR_INVALID_DATA,
                                      _("a chunk from the video source is longer than its size"));
      self->http = HTTP_CHUNK_SIZE;
      return TRUE;
    case HTTP_TRAILERS:
      if (*line == '\0')
        self->http = HTTP_DONE;
      return TRUE;
    case HTTP_BODY:
    case HTTP_CHUNK_DATA:
    case HTTP_DONE:
    default:
      g_assert_not_reached ();
    }
  return FALSE;
}

/* The most a line of the current state may be, line end included. */
static gsize
jmp_mjpeg_reader_line_limit (JmpMjpegReader *self)
{
  switch (self->http)
    {
    case HTTP_STATUS:
    case HTTP_HEADERS:
    case HTTP_TRAILERS:
      return MAX_RESPONSE_HEADERS - MIN (self->header_bytes, MAX_RESPONSE_HEADERS);
    case HTTP_CHUNK_SIZE:
    case HTTP_CHUNK_END:
    default:
      return MAX_CHUNK_LINE;
    }
}

gboolean
jmp_mjpeg_reader_feed (JmpMjpegReader  *self,
                       const guint8    *data,
                       gsize            size,
                       GError         **error)
{
  while (size > 0 && self->error == NULL)
    {
      switch (self->http)
        {
        case HTTP_STATUS:
        case HTTP_HEADERS:
        case HTTP_CHUNK_SIZE:
        case HTTP_CHUNK_END:
        case HTTP_TRAILERS:
          {
            const guint8 *nl = memchr (data, '\n', size);
            gsize take = nl != NULL ? (gsize) (nl - data) + 1 : size;
            gsize limit = jmp_mjpeg_reader_line_limit (self);

            if (self->line->len + take > limit)
              {
                if (self->http == HTTP_CHUNK_SIZE || self->http == HTTP_CHUNK_END)
                  jmp_mjpeg_reader_fail (self, G_IO_ERROR_INVALID_DATA,
                                         _("the video source sent a chunk line over %u bytes"),
                                         MAX_CHUNK_LINE);
                else
                  jmp_mjpeg_reader_fail (self, G_IO_ERROR_INVALID_DATA,
                                         _("the video source's headers are over %u bytes"),
                                         MAX_RESPONSE_HEADERS);
                break;
              }
            g_string_append_len (self->line, (const gchar *) data, take);
            data += take;
            size -= take;
            /* whatever answered is no HTTP server: say so now, not 16 KiB later */
            if (self->http == HTTP_STATUS && self->line->len >= 7 &&
                memcmp (self->line->str, "HTTP/1.", 7) != 0)
              {
                g_autofree gchar *quoted = jmp_mjpeg_reader_quote (self->line->str,
                                                                   strcspn (self->line->str, "\r\n"));
                jmp_mjpeg_reader_fail (self, G_IO_ERROR_INVALID_DATA,
                                       _("the video source did not answer in HTTP/1: \"%s\""), quoted);
                break;
              }
            if (nl == NULL)
              break;

            if (self->http != HTTP_CHUNK_SIZE && self->http != HTTP_CHUNK_END)
              self->header_bytes += self->line->len;
            g_string_truncate (self->line, self->line->len - 1);
            if (self->line->len > 0 && self->line->str[self->line->len - 1] == '\r')
              g_string_truncate (self->line, self->line->len - 1);
            if (memchr (self->line->str, '\0', self->line->len) != NULL)
              {
                jmp_mjpeg_reader_fail (self, G_IO_ERROR_INVALID_DATA,
                                       _("the video source sent a NUL byte in its headers"));
                break;
              }
            jmp_mjpeg_reader_line (self, self->line->str);
            g_string_truncate (self->line, 0);
          }
          break;

        case HTTP_BODY:
          {
            gsize take = size;

            if (self->have_length)
              {
                take = MIN (size, self->body_remaining);
                self->body_remaining -= take;
                if (self->body_remaining == 0)
                  self->http = HTTP_DONE;
              }
            jmp_mjpeg_reader_body (self, data, take);
            data += take;
            size -= take;
          }
          break;

        case HTTP_CHUNK_DATA:
          {
            gsize take = MIN (size, self->chunk_remaining);

            jmp_mjpeg_reader_body (self, data, take);
            self->chunk_remaining -= take;
            data += take;
            size -= take;
            if (self->chunk_remaining == 0)
              self->http = HTTP_CHUNK_END;
          }
          break;

        case HTTP_DONE:
          /* the response is complete; what follows is not ours */
          size = 0;
          break;
        }
    }

  if (self->error != NULL)
    {
      if (error != NULL)
        *error = g_error_copy (self->error);
      return FALSE;
    }
  return TRUE;
}

gboolean
jmp_mjpeg_reader_finish (JmpMjpegReader *self, GError **error)
{
  if (self->error == NULL)
    {
      switch (self->http)
        {
        case HTTP_STATUS:
        case HTTP_HEADERS:
          jmp_mjpeg_reader_fail (self, G_IO_ERROR_PARTIAL_INPUT,
                                 _("the video source closed the connection before its answer"));
          break;
        case HTTP_CHUNK_SIZE:
        case HTTP_CHUNK_DATA:
        case HTTP_CHUNK_END:
        case HTTP_TRAILERS:
          if (self->part != PART_CLOSED)
            jmp_mjpeg_reader_fail (self, G_IO_ERROR_PARTIAL_INPUT,
                                   _("the MJPEG stream ended in the middle of a chunk"));
          break;
        case HTTP_BODY:
        case HTTP_DONE:
          if (self->part == PART_HEADERS || self->part == PART_DATA_LENGTH ||
              self->part == PART_DATA_SCAN)
            jmp_mjpeg_reader_fail (self, G_IO_ERROR_PARTIAL_INPUT,
                                   _("the MJPEG stream ended in the middle of a frame"));
          break;
        }
    }

  if (self->error != NULL)
    {
      if (error != NULL)
        *error = g_error_copy (self->error);
      return FALSE;
    }
  return TRUE;
}
