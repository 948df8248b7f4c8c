/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "jmp-stream-budget-private.h"
#include "jmp-stream-lease.h"

/**
 * JmpStreamLease:
 *
 * One pumped stream, counted against the budget of the client that
 * opened it.
 *
 * A driver that hands the caller one end of a socketpair and keeps
 * pumping the other end (a protocol translated, a stream echoed) costs
 * the host fds and buffers for as long as the stream lives. The host
 * bounds how many such streams one client holds: the driver acquires a
 * lease with the cancellable its `connect_async` (or its declared
 * method) was given, before it opens anything, and its pump drops the
 * lease when the stream ends, in whatever thread that happens. Past the
 * client's budget jmp_stream_lease_acquire() fails with
 * %JMP_ERROR_UNAVAILABLE, which the driver returns as it is.
 *
 * A driver that hands over the connected socket itself and keeps nothing
 * takes no lease.
 */

struct _JmpStreamLease
{
  GObject          parent_instance;
  JmpStreamBudget *budget;  /* NULL: the call carried none */
  gchar           *peer;
};

G_DEFINE_FINAL_TYPE (JmpStreamLease, jmp_stream_lease, G_TYPE_OBJECT)

static void
jmp_stream_lease_finalize (GObject *object)
{
  JmpStreamLease *self = JMP_STREAM_LEASE (object);

  if (self->budget != NULL)
    {
      jmp_stream_budget_give_back (self->budget, self->peer);
      jmp_stream_budget_unref (self->budget);
    }
  g_free (self->peer);
  G_OBJECT_CLASS (jmp_stream_lease_parent_class)->finalize (object);
}

static void
jmp_stream_lease_class_init (JmpStreamLeaseClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = jmp_stream_lease_finalize;
}

static void
jmp_stream_lease_init (JmpStreamLease *self)
{
}

/**
 * jmp_stream_lease_acquire:
 * @call: (nullable): the cancellable the host passed with the call that
 *   opens the stream
 * @error: return location for a #GError
 *
 * Counts one more stream against the budget of the client behind @call.
 * Hold the lease for as long as the stream is pumped, and unref it when
 * the pump ends (the client closed, the target closed, the driver
 * stopped): that gives the stream back to the client's budget.
 *
 * A @call that carries no budget (%NULL, or a driver used in-process)
 * always gets a lease.
 *
 * Returns: (transfer full): the lease, or %NULL with
 *   %JMP_ERROR_UNAVAILABLE when the client holds as many streams as the
 *   host allows one client
 */
JmpStreamLease *
jmp_stream_lease_acquire (GCancellable *call, GError **error)
{
  g_autoptr(JmpStreamLease) self = NULL;
  JmpStreamBudget *budget;
  const gchar *peer = NULL;

  g_return_val_if_fail (call == NULL || G_IS_CANCELLABLE (call), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  budget = jmp_stream_budget_lookup (call, &peer);
  if (budget != NULL && !jmp_stream_budget_take (budget, peer, error))
    return NULL;
  self = g_object_new (JMP_TYPE_STREAM_LEASE, NULL);
  if (budget != NULL)
    {
      self->budget = jmp_stream_budget_ref (budget);
      self->peer = g_strdup (peer);
    }
  return g_steal_pointer (&self);
}
