/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <grpc/grpc.h>
#include <grpc/status.h>

G_BEGIN_DECLS

/* The one adapter between gRPC's C core and the GLib main loop: every
 * other file of host/cluster sees calls, messages as GBytes and
 * callbacks on the main context, never a completion queue. */

typedef struct _JmpGrpcCall   JmpGrpcCall;
typedef struct _JmpGrpcServer JmpGrpcServer;

/* A message arrived; @message is %NULL at the end of the peer's stream. */
typedef void (*JmpGrpcMessageFunc) (JmpGrpcCall *call,
                                    GBytes      *message,
                                    gpointer     user_data);
/* The call is over: the status the server gave (client side), or
 * %GRPC_STATUS_CANCELLED when the client went away (server side). */
typedef void (*JmpGrpcStatusFunc)  (JmpGrpcCall *call,
                                    gint         code,
                                    const gchar *details,
                                    gpointer     user_data);
/* A send finished; @ok is %FALSE when the call is gone. */
typedef void (*JmpGrpcDoneFunc)    (JmpGrpcCall *call,
                                    gboolean     ok,
                                    gpointer     user_data);
/* A call reached a server; @method is its path, e.g.
 * "/jumpstarter.v1.ExporterService/DriverCall". */
typedef void (*JmpGrpcServeFunc)   (JmpGrpcServer *server,
                                    JmpGrpcCall   *call,
                                    const gchar   *method,
                                    gpointer       user_data);

void           jmp_grpc_init             (void);
void           jmp_grpc_shutdown         (void);

grpc_channel  *jmp_grpc_channel_new      (const gchar        *target,
                                          const gchar        *root_pem,
                                          JsonObject         *options,
                                          GError            **error);

JmpGrpcCall   *jmp_grpc_call_new         (grpc_channel       *channel,
                                          const gchar        *method,
                                          const gchar * const *metadata,
                                          gint64              timeout_ms);
JmpGrpcCall   *jmp_grpc_call_ref         (JmpGrpcCall        *call);
void           jmp_grpc_call_unref       (JmpGrpcCall        *call);
void           jmp_grpc_call_start       (JmpGrpcCall        *call,
                                          GBytes             *request,
                                          JmpGrpcDoneFunc     started,
                                          JmpGrpcStatusFunc   finished,
                                          gpointer            user_data);
void           jmp_grpc_call_recv        (JmpGrpcCall        *call,
                                          JmpGrpcMessageFunc  func,
                                          gpointer            user_data);
void           jmp_grpc_call_send        (JmpGrpcCall        *call,
                                          GBytes             *message,
                                          JmpGrpcDoneFunc     done,
                                          gpointer            user_data);
void           jmp_grpc_call_close_send  (JmpGrpcCall        *call);
void           jmp_grpc_call_cancel      (JmpGrpcCall        *call);

gchar         *jmp_grpc_call_dup_metadata (JmpGrpcCall       *call,
                                          const gchar        *key);
void           jmp_grpc_call_accept      (JmpGrpcCall        *call,
                                          JmpGrpcStatusFunc   finished,
                                          gpointer            user_data);
void           jmp_grpc_call_finish      (JmpGrpcCall        *call,
                                          GBytes             *message,
                                          gint                code,
                                          const gchar        *details);

JmpGrpcServer *jmp_grpc_server_new       (JmpGrpcServeFunc    func,
                                          gpointer            user_data);
void           jmp_grpc_server_add_fd    (JmpGrpcServer      *self,
                                          int                 fd);
void           jmp_grpc_server_stop      (JmpGrpcServer      *self);

/* A unary call: @response is %NULL unless @code is %GRPC_STATUS_OK. */
typedef void (*JmpGrpcUnaryFunc)   (GBytes      *response,
                                    gint         code,
                                    const gchar *details,
                                    gpointer     user_data);

void           jmp_grpc_unary            (grpc_channel       *channel,
                                          const gchar        *method,
                                          const gchar * const *metadata,
                                          gint64              timeout_ms,
                                          GBytes             *request,
                                          JmpGrpcUnaryFunc    func,
                                          gpointer            user_data);

const gchar   *jmp_grpc_status_name      (gint                code);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (JmpGrpcCall, jmp_grpc_call_unref)

/* g_set_str() arrives in GLib 2.76 */
static inline void
jmp_set_str (gchar **str, const gchar *value)
{
  gchar *copy = g_strdup (value);

  g_free (*str);
  *str = copy;
}

G_END_DECLS
