/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "jmp-driver.h"
#include "jmp-error.h"
#include "jmp-network.h"

/**
 * JmpNetwork:
 *
 * Capability of drivers that open streams to a target.
 *
 * The host exports a driver implementing #JmpNetwork with
 * `dev.jumpstarter.Network1`: `Connect()` hands the caller the #GSocket that
 * @connect_finish returns, and `Address()` the string of
 * @get_address_finish.
 */

G_DEFINE_INTERFACE (JmpNetwork, jmp_network, G_TYPE_OBJECT)

static void
jmp_network_default_init (JmpNetworkInterface *iface)
{
}

/**
 * jmp_network_connect_async:
 * @self: a #JmpNetwork
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the stream is open
 * @user_data: data for @callback
 *
 * Opens a new stream to the driver's target.
 */
void
jmp_network_connect_async (JmpNetwork          *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (JMP_IS_NETWORK (self));
  g_return_if_fail (JMP_NETWORK_GET_IFACE (self)->connect_async != NULL);
  JMP_NETWORK_GET_IFACE (self)->connect_async (self, cancellable, callback, user_data);
}

/**
 * jmp_network_connect_finish:
 * @self: a #JmpNetwork
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes jmp_network_connect_async().
 *
 * Returns: (transfer full): a connected socket, or %NULL with @error set
 */
GSocket *
jmp_network_connect_finish (JmpNetwork    *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (JMP_IS_NETWORK (self), NULL);
  return JMP_NETWORK_GET_IFACE (self)->connect_finish (self, result, error);
}

/**
 * jmp_network_get_address_async:
 * @self: a #JmpNetwork
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the address
 * @user_data: data for @callback
 *
 * Computes the address a client may use to reach the target directly,
 * e.g. `tcp://192.0.2.1:22`. Fails with %JMP_ERROR_NOT_SUPPORTED for a
 * driver that has none.
 */
void
jmp_network_get_address_async (JmpNetwork          *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  JmpNetworkInterface *iface;
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (JMP_IS_NETWORK (self));
  iface = JMP_NETWORK_GET_IFACE (self);
  if (iface->get_address_async != NULL)
    {
      iface->get_address_async (self, cancellable, callback, user_data);
      return;
    }
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, jmp_network_get_address_async);
  g_task_return_new_error (task, JMP_ERROR, JMP_ERROR_NOT_SUPPORTED,
                           _("%s has no address: it can only be reached through Connect()"),
                           JMP_IS_DRIVER (self) ?
                             jmp_driver_get_type_name (JMP_DRIVER (self)) :
                             G_OBJECT_TYPE_NAME (self));
}

/**
 * jmp_network_get_address_finish:
 * @self: a #JmpNetwork
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes jmp_network_get_address_async().
 *
 * Returns: (transfer full): the address, or %NULL with @error set
 */
gchar *
jmp_network_get_address_finish (JmpNetwork    *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (JMP_IS_NETWORK (self), NULL);
  if (g_task_is_valid (result, self) &&
      g_task_get_source_tag (G_TASK (result)) == jmp_network_get_address_async)
    return g_task_propagate_pointer (G_TASK (result), error);
  return JMP_NETWORK_GET_IFACE (self)->get_address_finish (self, result, error);
}

/**
 * jmp_network_get_socket_type:
 * @self: a #JmpNetwork
 *
 * What the driver's streams carry, so that a client offers the forwards
 * that make sense for it (a UDP forward for datagrams, TCP and Unix ones
 * for byte streams).
 *
 * Returns: %G_SOCKET_TYPE_STREAM or %G_SOCKET_TYPE_DATAGRAM
 */
GSocketType
jmp_network_get_socket_type (JmpNetwork *self)
{
  JmpNetworkInterface *iface;

  g_return_val_if_fail (JMP_IS_NETWORK (self), G_SOCKET_TYPE_STREAM);
  iface = JMP_NETWORK_GET_IFACE (self);
  return iface->get_socket_type != NULL ? iface->get_socket_type (self) : G_SOCKET_TYPE_STREAM;
}

/**
 * jmp_network_has_address:
 * @self: a #JmpNetwork
 *
 * Whether the driver has an address to give at all, so that a client
 * offers `address` only where it can answer. A driver with an address may
 * still refuse it (`enable_address: false`).
 *
 * Returns: %TRUE if the driver implements @get_address_async
 */
gboolean
jmp_network_has_address (JmpNetwork *self)
{
  g_return_val_if_fail (JMP_IS_NETWORK (self), FALSE);
  return JMP_NETWORK_GET_IFACE (self)->get_address_async != NULL;
}
