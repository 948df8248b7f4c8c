/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The web server of `jmp DRIVER stream`: a page, the MJPEG stream of one
 * upstream shared by every viewer, snapshots and the state as JSON.
 */
#pragma once

#include <json-glib/json-glib.h>
#include <jumpstarter/jumpstarter.h>

G_BEGIN_DECLS

#define JMP_TYPE_VIDEO_SERVER (jmp_video_server_get_type ())
G_DECLARE_FINAL_TYPE (JmpVideoServer, jmp_video_server, JMP, VIDEO_SERVER, GObject)

/* Frames queued for one viewer beyond the one being written: a viewer that
 * is further behind skips frames. */
#define JMP_VIDEO_SERVER_MAX_QUEUED  2
/* How long the upstream stays open after the last viewer left, so that a
 * page reload does not reopen it. */
#define JMP_VIDEO_SERVER_LINGER_MS   3000

JmpVideoServer *jmp_video_server_new     (JmpDriverProxy  *driver);
/* Listens on @address (an IP address or a name; NULL: 127.0.0.1) and
 * @port (0 picks one). */
gboolean        jmp_video_server_listen  (JmpVideoServer  *self,
                                          const gchar     *address,
                                          guint16          port,
                                          GError         **error);
/* The page's URL, e.g. "http://127.0.0.1:8080/". */
gchar          *jmp_video_server_get_url (JmpVideoServer  *self);
/* Ends every response and closes the upstream and the listener. */
void            jmp_video_server_stop    (JmpVideoServer  *self);

/* Adds the entries of a Video1 State() dictionary (a{sv}) as members of
 * the object @builder is in. */
void            jmp_video_state_add_members (JsonBuilder *builder,
                                             GVariant    *state);

G_END_DECLS
