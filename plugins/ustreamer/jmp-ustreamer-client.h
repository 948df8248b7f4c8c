/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define JMP_TYPE_USTREAMER_CLIENT (jmp_ustreamer_client_get_type ())
G_DECLARE_FINAL_TYPE (JmpUstreamerClient, jmp_ustreamer_client, JMP, USTREAMER_CLIENT, GObject)

JmpUstreamerClient *jmp_ustreamer_client_new        (const gchar          *socket_path);
void                jmp_ustreamer_client_get_async  (JmpUstreamerClient   *self,
                                                     const gchar          *path,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
GBytes             *jmp_ustreamer_client_get_finish (JmpUstreamerClient   *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);
void                jmp_ustreamer_client_abort      (JmpUstreamerClient   *self);

G_END_DECLS
