/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <jumpstarter/jumpstarter.h>

G_BEGIN_DECLS

#define JMP_TYPE_HOST (jmp_host_get_type ())
G_DECLARE_FINAL_TYPE (JmpHost, jmp_host, JMP, HOST, GObject)

JmpHost     *jmp_host_new          (JmpRegistry         *registry,
                                    const gchar         *config_path);
gboolean     jmp_host_load         (JmpHost             *self,
                                    GError             **error);
void         jmp_host_reload_async (JmpHost             *self,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data);
gboolean     jmp_host_reload_finish (JmpHost            *self,
                                    GAsyncResult        *result,
                                    GError             **error);
void         jmp_host_shutdown     (JmpHost             *self);

void         jmp_host_set_alias    (JmpHost             *self,
                                    const gchar         *alias);
const gchar *jmp_host_get_alias    (JmpHost             *self);
void         jmp_host_set_stream_limit (JmpHost         *self,
                                    guint                limit);
guint        jmp_host_get_stream_limit (JmpHost         *self);
void         jmp_host_serve_streams (JmpHost            *self,
                                    GDBusConnection     *connection,
                                    gboolean             peer_to_peer);
const gchar *jmp_host_get_config_path (JmpHost          *self);
JmpRegistry *jmp_host_get_registry (JmpHost             *self);
JmpConfig   *jmp_host_get_config   (JmpHost             *self);
JmpDriver   *jmp_host_get_root     (JmpHost             *self);

G_END_DECLS
