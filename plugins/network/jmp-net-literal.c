/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n-lib.h>

#include "jmp-net-literal.h"

/*
 * Connecting to an address literal needs no resolver, no address
 * enumerator and no happy-eyeballs timer: one non-blocking connect(), one
 * fd source whose ready time is the deadline, and the socket itself as the
 * result. GSocketClient costs about 15 times the kernel's connect() here.
 */

typedef struct {
  GSocket  *socket;
  GSource  *source;
  gboolean  timed_out;
} JmpNetLiteral;

static void
jmp_net_literal_free (JmpNetLiteral *literal)
{
  g_clear_object (&literal->socket);
  g_free (literal);
}

static gboolean
jmp_net_literal_ready_cb (gint fd, GIOCondition condition, gpointer user_data)
{
  GTask *task = user_data;
  JmpNetLiteral *literal = g_task_get_task_data (task);
  GError *error = NULL;

  /* one outcome: a cancellation (the child source) ends the fd watch too */
  g_source_destroy (literal->source);
  if (g_task_return_error_if_cancelled (task))
    return G_SOURCE_REMOVE;
  if (condition == 0)
    {
      /* the ready time came first */
      literal->timed_out = TRUE;
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, _("timed out"));
      return G_SOURCE_REMOVE;
    }
  if (!g_socket_check_connect_result (literal->socket, &error))
    {
      g_task_return_error (task, error);
      return G_SOURCE_REMOVE;
    }
  g_task_return_pointer (task, g_steal_pointer (&literal->socket), g_object_unref);
  return G_SOURCE_REMOVE;
}

/* The caller's cancellable wakes the fd source's task: a child source. */
static gboolean
jmp_net_literal_cancelled_cb (GCancellable *cancellable, gpointer user_data)
{
  return jmp_net_literal_ready_cb (-1, G_IO_OUT, user_data);
}

/**
 * jmp_net_connect_literal_async:
 * @address: where to connect
 * @type: the socket type
 * @protocol: the protocol
 * @seconds: the bound on the whole attempt
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the result
 * @user_data: data for @callback
 *
 * Connects a new non-blocking socket to @address.
 */
void
jmp_net_connect_literal_async (GSocketAddress      *address,
                               GSocketType          type,
                               GSocketProtocol      protocol,
                               gdouble              seconds,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr(GSource) source = NULL;
  JmpNetLiteral *literal = g_new0 (JmpNetLiteral, 1);
  GError *error = NULL;
  gboolean connected;

  g_task_set_source_tag (task, jmp_net_connect_literal_async);
  g_task_set_task_data (task, literal, (GDestroyNotify) jmp_net_literal_free);
  literal->socket = g_socket_new (g_socket_address_get_family (address), type, protocol, &error);
  if (literal->socket == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  /* GSocket is non-blocking underneath: this gives PENDING for TCP and
   * returns at once for UDP */
  g_socket_set_blocking (literal->socket, FALSE);
  connected = g_socket_connect (literal->socket, address, NULL, &error);
  g_socket_set_blocking (literal->socket, TRUE);
  if (connected)
    {
      g_task_return_pointer (task, g_steal_pointer (&literal->socket), g_object_unref);
      return;
    }
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PENDING))
    {
      g_task_return_error (task, error);
      return;
    }
  g_clear_error (&error);

  source = g_unix_fd_source_new (g_socket_get_fd (literal->socket), G_IO_OUT);
  literal->source = source;
  g_source_set_static_name (source, "[jmp-network] connect");
  g_source_set_ready_time (source, g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC));
  if (cancellable != NULL)
    {
      g_autoptr(GSource) cancelled = g_cancellable_source_new (cancellable);

      g_source_set_callback (cancelled, G_SOURCE_FUNC (jmp_net_literal_cancelled_cb),
                             task, NULL);
      g_source_add_child_source (source, cancelled);
    }
  g_task_attach_source (task, source, G_SOURCE_FUNC (jmp_net_literal_ready_cb));
}

/**
 * jmp_net_connect_literal_finish:
 * @result: the result
 * @timed_out: (out): set to whether the bound passed
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the connected socket, or %NULL with @error set
 */
GSocket *
jmp_net_connect_literal_finish (GAsyncResult  *result,
                                gboolean      *timed_out,
                                GError       **error)
{
  JmpNetLiteral *literal = g_task_get_task_data (G_TASK (result));

  *timed_out = literal->timed_out;
  return g_task_propagate_pointer (G_TASK (result), error);
}
