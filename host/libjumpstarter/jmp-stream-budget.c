/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "jmp-error.h"
#include "jmp-stream-budget-private.h"

/*
 * A driver that pumps a stream keeps fds and buffers in the host for as
 * long as the stream lives, long after the call that opened it was
 * answered. The budget counts those streams per peer; a pump holds a
 * JmpStreamLease, which draws on the budget its call's cancellable
 * carries. Leases end in any thread (a pump may run in its own), hence
 * the lock. A peer with no stream open has no entry, so a bus whose
 * senders come and go leaves nothing behind.
 */

struct _JmpStreamBudget
{
  gatomicrefcount  ref_count;
  GMutex           lock;
  guint            limit;
  GHashTable      *open;  /* peer → streams open */
};

JmpStreamBudget *
jmp_stream_budget_new (guint limit)
{
  JmpStreamBudget *self = g_new0 (JmpStreamBudget, 1);

  g_atomic_ref_count_init (&self->ref_count);
  g_mutex_init (&self->lock);
  self->limit = limit;
  self->open = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return self;
}

JmpStreamBudget *
jmp_stream_budget_ref (JmpStreamBudget *self)
{
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
jmp_stream_budget_unref (JmpStreamBudget *self)
{
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_hash_table_unref (self->open);
  g_mutex_clear (&self->lock);
  g_free (self);
}

guint
jmp_stream_budget_get_limit (JmpStreamBudget *self)
{
  return self->limit;
}

guint
jmp_stream_budget_get_n_open (JmpStreamBudget *self, const gchar *peer)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  return GPOINTER_TO_UINT (g_hash_table_lookup (self->open, peer));
}

/* One more stream for @peer, unless it holds the limit already. */
gboolean
jmp_stream_budget_take (JmpStreamBudget *self, const gchar *peer, GError **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (self->open, peer));

  if (n >= self->limit)
    {
      g_set_error (error, JMP_ERROR, JMP_ERROR_UNAVAILABLE,
                   _("this client has %u streams open, the most the host allows "
                     "a client; close some of them first"), self->limit);
      return FALSE;
    }
  g_hash_table_replace (self->open, g_strdup (peer), GUINT_TO_POINTER (n + 1));
  return TRUE;
}

void
jmp_stream_budget_give_back (JmpStreamBudget *self, const gchar *peer)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (self->open, peer));

  g_return_if_fail (n > 0);
  if (n == 1)
    g_hash_table_remove (self->open, peer);
  else
    g_hash_table_replace (self->open, g_strdup (peer), GUINT_TO_POINTER (n - 1));
}

/* ---- what a call carries ------------------------------------------------ */

typedef struct {
  JmpStreamBudget *budget;
  gchar           *peer;
} JmpStreamBudgetTag;

static void
jmp_stream_budget_tag_free (gpointer data)
{
  JmpStreamBudgetTag *tag = data;

  jmp_stream_budget_unref (tag->budget);
  g_free (tag->peer);
  g_free (tag);
}

static GQuark
jmp_stream_budget_tag_quark (void)
{
  return g_quark_from_static_string ("jmp-stream-budget");
}

void
jmp_stream_budget_attach (JmpStreamBudget *self, GCancellable *call, const gchar *peer)
{
  JmpStreamBudgetTag *tag = g_new0 (JmpStreamBudgetTag, 1);

  tag->budget = jmp_stream_budget_ref (self);
  tag->peer = g_strdup (peer);
  g_object_set_qdata_full (G_OBJECT (call), jmp_stream_budget_tag_quark (), tag,
                           jmp_stream_budget_tag_free);
}

/* The budget @call carries (not a reference), and the peer it charges. */
JmpStreamBudget *
jmp_stream_budget_lookup (GCancellable *call, const gchar **peer)
{
  JmpStreamBudgetTag *tag;

  if (call == NULL)
    return NULL;
  tag = g_object_get_qdata (G_OBJECT (call), jmp_stream_budget_tag_quark ());
  if (tag == NULL)
    return NULL;
  *peer = tag->peer;
  return tag->budget;
}

/* ---- the connections the host serves ------------------------------------ */

typedef struct {
  JmpStreamBudget *budget;
  gboolean         peer_to_peer;
} JmpStreamBudgetInstall;

static void
jmp_stream_budget_install_free (gpointer data)
{
  JmpStreamBudgetInstall *install = data;

  jmp_stream_budget_unref (install->budget);
  g_free (install);
}

static GQuark
jmp_stream_budget_connection_quark (void)
{
  return g_quark_from_static_string ("jmp-stream-budget-connection");
}

void
jmp_stream_budget_install (JmpStreamBudget *self,
                           GDBusConnection *connection,
                           gboolean         peer_to_peer)
{
  JmpStreamBudgetInstall *install = g_new0 (JmpStreamBudgetInstall, 1);

  install->budget = jmp_stream_budget_ref (self);
  install->peer_to_peer = peer_to_peer;
  g_object_set_qdata_full (G_OBJECT (connection), jmp_stream_budget_connection_quark (),
                           install, jmp_stream_budget_install_free);
}

struct _JmpCallScope
{
  GCancellable *scope;
  GCancellable *call;
  gulong        id;
};

static void
jmp_call_scope_cancelled_cb (GCancellable *scope, gpointer user_data)
{
  g_cancellable_cancel (G_CANCELLABLE (user_data));
}

JmpCallScope *
jmp_call_scope_new (GCancellable *scope, GDBusMethodInvocation *invocation)
{
  JmpCallScope *self = g_new0 (JmpCallScope, 1);
  GDBusConnection *connection = g_dbus_method_invocation_get_connection (invocation);
  JmpStreamBudgetInstall *install;

  self->scope = g_object_ref (scope);
  self->call = g_cancellable_new ();
  /* 0 when @scope is cancelled already: then @call is too */
  self->id = g_cancellable_connect (scope, G_CALLBACK (jmp_call_scope_cancelled_cb),
                                    g_object_ref (self->call), g_object_unref);
  install = g_object_get_qdata (G_OBJECT (connection), jmp_stream_budget_connection_quark ());
  if (install != NULL)
    {
      /* a peer-to-peer peer is its connection: the sender it writes in
       * its messages is its own choice */
      const gchar *sender = g_dbus_method_invocation_get_sender (invocation);

      jmp_stream_budget_attach (install->budget, self->call,
                                install->peer_to_peer || sender == NULL ? "" : sender);
    }
  return self;
}

GCancellable *
jmp_call_scope_get_cancellable (JmpCallScope *self)
{
  return self->call;
}

void
jmp_call_scope_free (JmpCallScope *self)
{
  /* a call may complete inside @scope's emission (a driver that returns
   * from its cancelled handler), where disconnecting would wait for
   * itself; a cancelled @scope never emits again, and drops the handler
   * when it goes */
  if (!g_cancellable_is_cancelled (self->scope))
    g_cancellable_disconnect (self->scope, self->id);
  g_object_unref (self->scope);
  g_object_unref (self->call);
  g_free (self);
}
