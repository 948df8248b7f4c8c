/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "jmp-ustreamer-client.h"

G_BEGIN_DECLS

#define JMP_TYPE_USTREAMER_PROCESS (jmp_ustreamer_process_get_type ())
G_DECLARE_FINAL_TYPE (JmpUstreamerProcess, jmp_ustreamer_process, JMP, USTREAMER_PROCESS, GObject)

JmpUstreamerProcess *jmp_ustreamer_process_new             (const gchar          *name,
                                                            const gchar          *executable,
                                                            const gchar * const  *options,
                                                            gdouble               start_timeout);
gboolean             jmp_ustreamer_process_start           (JmpUstreamerProcess  *self,
                                                            GError              **error);
void                 jmp_ustreamer_process_start_async     (JmpUstreamerProcess  *self,
                                                            GCancellable         *cancellable,
                                                            GAsyncReadyCallback   callback,
                                                            gpointer              user_data);
gboolean             jmp_ustreamer_process_start_finish    (JmpUstreamerProcess  *self,
                                                            GAsyncResult         *result,
                                                            GError              **error);
void                 jmp_ustreamer_process_stop            (JmpUstreamerProcess  *self);
void                 jmp_ustreamer_process_stop_async      (JmpUstreamerProcess  *self,
                                                            GCancellable         *cancellable,
                                                            GAsyncReadyCallback   callback,
                                                            gpointer              user_data);
void                 jmp_ustreamer_process_stop_finish     (JmpUstreamerProcess  *self,
                                                            GAsyncResult         *result);
JmpUstreamerClient  *jmp_ustreamer_process_get_client      (JmpUstreamerProcess  *self,
                                                            GError              **error);
const gchar         *jmp_ustreamer_process_get_socket_path (JmpUstreamerProcess  *self);
guint                jmp_ustreamer_process_get_restarts    (JmpUstreamerProcess  *self);

G_END_DECLS
