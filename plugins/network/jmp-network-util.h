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

#define JMP_NETWORK_CONNECT_TIMEOUT_MIN     0.1
#define JMP_NETWORK_CONNECT_TIMEOUT_MAX     3600.0
#define JMP_NETWORK_CONNECT_TIMEOUT_DEFAULT 10.0

gchar        *jmp_network_format_host_port   (const gchar        *host,
                                              guint               port);
gchar        *jmp_network_format_uri         (const gchar        *scheme,
                                              GInetAddress       *address,
                                              guint               port);
gchar        *jmp_network_format_seconds     (gdouble             seconds);

GSocket      *jmp_network_socket_from_connection (GSocketConnection *connection,
                                                  GError           **error);

GError       *jmp_network_connect_error      (const GError       *error,
                                              const gchar        *target);
GError       *jmp_network_timed_out_error    (const gchar        *target,
                                              gdouble             seconds);
GError       *jmp_network_resolve_error      (const GError       *error,
                                              const gchar        *host);

gboolean      jmp_network_check_started      (JmpDriver          *driver,
                                              GError            **error);
gboolean      jmp_network_check_required     (gboolean            is_set,
                                              const gchar        *key,
                                              GError            **error);

/*
 * A bound on one operation: its cancellable is cancelled when @seconds pass,
 * or when the caller's cancellable is, whichever comes first. The timer runs
 * on the thread-default main context of the caller.
 */
typedef struct _JmpNetworkDeadline JmpNetworkDeadline;

JmpNetworkDeadline *jmp_network_deadline_new          (gdouble             seconds,
                                                       GCancellable       *cancellable);
GCancellable       *jmp_network_deadline_get_cancellable (JmpNetworkDeadline *self);
gboolean            jmp_network_deadline_expired      (JmpNetworkDeadline *self);
gdouble             jmp_network_deadline_get_seconds  (JmpNetworkDeadline *self);
void                jmp_network_deadline_free         (JmpNetworkDeadline *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (JmpNetworkDeadline, jmp_network_deadline_free)

G_END_DECLS
