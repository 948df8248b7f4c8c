/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <jumpstarter/jumpstarter.h>

G_BEGIN_DECLS

/* What the socket drivers of this plugin share: naming a target, turning a
 * connection into the socket the host hands out, and one place that turns
 * GIO and resolver errors into JMP_ERROR with the target in the message. */

#define JMP_NET_CONNECT_TIMEOUT_MIN     0.1
#define JMP_NET_CONNECT_TIMEOUT_MAX     3600.0
#define JMP_NET_CONNECT_TIMEOUT_DEFAULT 10.0

gchar          *jmp_net_format_host_port       (const gchar        *host,
                                                guint               port);
gchar          *jmp_net_format_uri             (const gchar        *scheme,
                                                GInetAddress       *address,
                                                guint               port);
gchar          *jmp_net_format_seconds         (gdouble             seconds);

GSocket        *jmp_net_socket_from_connection (GSocketConnection  *connection,
                                                GError            **error);

GError         *jmp_net_connect_error          (const GError       *error,
                                                const gchar        *target);
GError         *jmp_net_timed_out_error        (const gchar        *target,
                                                gdouble             seconds);
GError         *jmp_net_resolve_error          (const GError       *error,
                                                const gchar        *host);

gboolean        jmp_net_check_started          (JmpDriver          *driver,
                                                GError            **error);
gboolean        jmp_net_check_required         (gboolean            is_set,
                                                const gchar        *key,
                                                GError            **error);

/*
 * A bound on one operation: its cancellable is cancelled when @seconds pass,
 * or when the caller's cancellable is, whichever comes first. The timer runs
 * on the thread-default main context of the caller.
 */
typedef struct _JmpNetDeadline JmpNetDeadline;

JmpNetDeadline *jmp_net_deadline_new            (gdouble             seconds,
                                                 GCancellable       *cancellable);
GCancellable   *jmp_net_deadline_get_cancellable (JmpNetDeadline    *self);
gboolean        jmp_net_deadline_expired        (JmpNetDeadline     *self);
gdouble         jmp_net_deadline_get_seconds    (JmpNetDeadline     *self);
void            jmp_net_deadline_free           (JmpNetDeadline     *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (JmpNetDeadline, jmp_net_deadline_free)

G_END_DECLS
