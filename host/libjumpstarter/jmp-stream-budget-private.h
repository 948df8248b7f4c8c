/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The host's side of JmpStreamLease: how many pumped streams each peer
 * may hold, and which budget a call's cancellable carries.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Pumped streams one peer may hold open when the host is not told
 * otherwise: far above what a port forward of a busy web UI needs (the
 * tests forward 500 connections at once), far below the raised fd
 * limit. */
#define JMP_STREAM_BUDGET_DEFAULT 1024
#define JMP_STREAM_BUDGET_MAX     (1024 * 1024)

typedef struct _JmpStreamBudget JmpStreamBudget;

JmpStreamBudget *jmp_stream_budget_new        (guint            limit);
JmpStreamBudget *jmp_stream_budget_ref        (JmpStreamBudget *self);
void             jmp_stream_budget_unref      (JmpStreamBudget *self);
guint            jmp_stream_budget_get_limit  (JmpStreamBudget *self);
guint            jmp_stream_budget_get_n_open (JmpStreamBudget *self,
                                               const gchar     *peer);
gboolean         jmp_stream_budget_take       (JmpStreamBudget *self,
                                               const gchar     *peer,
                                               GError         **error);
void             jmp_stream_budget_give_back  (JmpStreamBudget *self,
                                               const gchar     *peer);

/* The budget of the peer behind @call: what jmp_stream_lease_acquire()
 * charges. */
void             jmp_stream_budget_attach     (JmpStreamBudget *self,
                                               GCancellable    *call,
                                               const gchar     *peer);
JmpStreamBudget *jmp_stream_budget_lookup     (GCancellable    *call,
                                               const gchar    **peer);

/* Every caller on @connection draws on @self: per sender on a bus, as one
 * peer on a peer-to-peer connection (whatever sender it claims). */
void             jmp_stream_budget_install    (JmpStreamBudget *self,
                                               GDBusConnection *connection,
                                               gboolean         peer_to_peer);

/* A cancellable for one call of @invocation: cancelled with @scope,
 * carrying the caller's budget if its connection has one. */
typedef struct _JmpCallScope JmpCallScope;

JmpCallScope    *jmp_call_scope_new             (GCancellable          *scope,
                                                 GDBusMethodInvocation *invocation);
GCancellable    *jmp_call_scope_get_cancellable (JmpCallScope          *self);
void             jmp_call_scope_free            (JmpCallScope          *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (JmpStreamBudget, jmp_stream_budget_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (JmpCallScope, jmp_call_scope_free)

G_END_DECLS
