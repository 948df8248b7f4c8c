/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The one MJPEG stream `jmp DRIVER stream` reads from a video driver: a
 * Network1.Connect() stream, a GET of the driver's StreamPath on it, and
 * the answer cut into JPEG frames.
 */
#pragma once

#include <jumpstarter/jumpstarter.h>

G_BEGIN_DECLS

#define JMP_TYPE_VIDEO_UPSTREAM (jmp_video_upstream_get_type ())
G_DECLARE_FINAL_TYPE (JmpVideoUpstream, jmp_video_upstream, JMP, VIDEO_UPSTREAM, GObject)

typedef enum {
  JMP_VIDEO_UPSTREAM_IDLE,
  JMP_VIDEO_UPSTREAM_CONNECTING,   /* connected or not, no frame yet */
  JMP_VIDEO_UPSTREAM_STREAMING,
} JmpVideoUpstreamState;

/* Signals: "frame" (GBytes *jpeg) for every whole frame; "failed"
 * (GError *error) when the stream cannot be opened or ends; the upstream
 * is then idle again. */
JmpVideoUpstream     *jmp_video_upstream_new           (JmpDriverProxy   *driver);
/* Opens the stream unless it is open or opening. */
void                  jmp_video_upstream_start         (JmpVideoUpstream *self);
/* Closes it; no signal follows. */
void                  jmp_video_upstream_stop          (JmpVideoUpstream *self);
JmpVideoUpstreamState jmp_video_upstream_get_state     (JmpVideoUpstream *self);
guint64               jmp_video_upstream_get_n_frames  (JmpVideoUpstream *self);
guint64               jmp_video_upstream_get_n_opened  (JmpVideoUpstream *self);

/* The Host header for a driver whose Network1.Address() is @address: the
 * URL's host[:port] for an http(s) URL, else "localhost". */
gchar                *jmp_video_upstream_host_header   (const gchar      *address);

G_END_DECLS
