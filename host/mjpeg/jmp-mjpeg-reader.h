/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * An incremental reader of an HTTP response that carries an MJPEG stream
 * (multipart/x-mixed-replace): feed it bytes as they come, take whole
 * JPEG frames out. The input is untrusted: every line, header block,
 * chunk and frame has a size limit, and anything malformed is an error
 * that sticks. A reader takes a whole HTTP response off a socket, or only
 * its body from a client that has read the head (libsoup).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The largest frame accepted unless told otherwise. */
#define JMP_MJPEG_READER_DEFAULT_MAX_FRAME (16 * 1024 * 1024)

typedef struct _JmpMjpegReader JmpMjpegReader;

JmpMjpegReader *jmp_mjpeg_reader_new          (gsize            max_frame_size);
/* @content_type: the response's, with its boundary parameter; NULL with
 * @error (G_IO_ERROR_INVALID_DATA) if it is not multipart or has no usable
 * boundary. Then feed the body, without transfer encoding, to its end. */
JmpMjpegReader *jmp_mjpeg_reader_new_for_body (const gchar     *content_type,
                                               gsize            max_frame_size,
                                               GError         **error);
void            jmp_mjpeg_reader_free         (JmpMjpegReader  *self);

/* Consumes all of @data. FALSE (with @error, G_IO_ERROR_INVALID_DATA or
 * G_IO_ERROR_MESSAGE_TOO_LARGE) when the input is not an MJPEG stream; the
 * reader then refuses all further input with the same error. */
gboolean        jmp_mjpeg_reader_feed         (JmpMjpegReader  *self,
                                               const guint8    *data,
                                               gsize            size,
                                               GError         **error);
/* The oldest whole frame not yet taken, or NULL. */
GBytes         *jmp_mjpeg_reader_pop_frame    (JmpMjpegReader  *self);
/* The end of the input: TRUE if the stream ended where it may (after its
 * closing boundary or between chunks of a finished chunked body). */
gboolean        jmp_mjpeg_reader_finish       (JmpMjpegReader  *self,
                                               GError         **error);

/* Once the response headers are in: the multipart boundary (without the
 * leading dashes), else NULL. */
const gchar    *jmp_mjpeg_reader_get_boundary (JmpMjpegReader  *self);
gboolean        jmp_mjpeg_reader_is_chunked   (JmpMjpegReader  *self);
/* Parts that were not JPEG images and were dropped. */
guint64         jmp_mjpeg_reader_get_n_skipped (JmpMjpegReader *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (JmpMjpegReader, jmp_mjpeg_reader_free)

G_END_DECLS
