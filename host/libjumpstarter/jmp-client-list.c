/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What the host lists in one call: its drivers (Host1.ListDrivers(),
 * without the object manager's proxy per interface: what `jmp list`
 * needs, at a cost that grows with the size of the reply only) and its
 * plugins (Host1.ListPlugins()).
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "jmp-client.h"
#include "jmp-client-private.h"
#include "jmp-error.h"
#include "jmp-plugin-info.h"

typedef GVariant *(*JmpClientUnpack) (GVariant *value, GError **error);

/* A Host1 method without arguments whose reply is one array. */
typedef struct {
  const gchar            *method;
  JmpClientUnpack         unpack;        /* the array from the reply's value, or NULL */
  JmpClientNewForElement  new_for_element;
  const gchar            *error_prefix;  /* N_(), or NULL */
} JmpClientList;

static const JmpClientList jmp_client_drivers = {
  "ListDrivers", jmp_client_unpack_rows,
  (JmpClientNewForElement) jmp_driver_info_new_from_row,
  /* a bare "The connection is closed" says nothing of the host */
  N_("cannot list the drivers of the host: "),
};

static const JmpClientList jmp_client_plugins = {
  "ListPlugins", NULL, (JmpClientNewForElement) jmp_plugin_info_new_from_variant, NULL,
};

/* ListDrivers() answers the rows serialized, little-endian, in an `ay`:
 * read in place, once checked. Bytes from the host are input like any
 * other: GVariant reads untrusted data safely, and a value not in normal
 * form is refused rather than read as defaults. */
GVariant *
jmp_client_unpack_rows (GVariant *value, GError **error)
{
  g_autoptr(GBytes) bytes = g_variant_get_data_as_bytes (value);
  g_autoptr(GVariant) rows = NULL;

  rows = g_variant_ref_sink (g_variant_new_from_bytes (G_VARIANT_TYPE ("a" JMP_DRIVER_INFO_ROW_TYPE),
                                                       bytes, FALSE));
  if (G_BYTE_ORDER == G_BIG_ENDIAN)
    {
      GVariant *swapped = g_variant_byteswap (rows);

      g_variant_unref (rows);
      rows = swapped;
    }
  /* also marks it trusted, so that reading it checks nothing twice */
  if (!g_variant_is_normal_form (rows))
    {
      g_set_error (error, JMP_ERROR, JMP_ERROR_FAILED,
                   _("the host's list of drivers is malformed"));
      return NULL;
    }
  return g_steal_pointer (&rows);
}

/* One object per element of @array, made by @new_for_element. */
GPtrArray *
jmp_client_objects_from_array (GVariant               *array,
                               JmpClientNewForElement  new_for_element)
{
  GPtrArray *objects = g_ptr_array_new_full (g_variant_n_children (array), g_object_unref);
  GVariantIter iter;
  GVariant *element;

  g_variant_iter_init (&iter, array);
  while ((element = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_ptr_array_add (objects, new_for_element (element));
      g_variant_unref (element);
    }
  return objects;
}

/* The reply's array as objects, or NULL with @error set. The proxy has
 * already checked the reply's type against the interface. */
static GPtrArray *
jmp_client_list_reply (const JmpClientList *list, GVariant *reply, GError **error)
{
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GVariant) array = NULL;

  if (reply != NULL)
    {
      value = g_variant_get_child_value (reply, 0);
      array = list->unpack != NULL ? list->unpack (value, error) : g_variant_ref (value);
      if (array != NULL)
        return jmp_client_objects_from_array (array, list->new_for_element);
    }
  else
    jmp_client_error_from_dbus (error);
  if (list->error_prefix != NULL && !g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_prefix_error (error, "%s", _(list->error_prefix));
  return NULL;
}

static void
on_list_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GVariant) reply = NULL;
  GError *error = NULL;
  GPtrArray *objects;

  reply = g_dbus_proxy_call_finish (G_DBUS_PROXY (source), result, &error);
  objects = jmp_client_list_reply (g_task_get_task_data (task), reply, &error);
  if (objects == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, objects, (GDestroyNotify) g_ptr_array_unref);
}

static void
jmp_client_list_async (JmpClient           *self,
                       const JmpClientList *list,
                       gpointer             source_tag,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, (gpointer) list, NULL);
  g_dbus_proxy_call (G_DBUS_PROXY (jmp_client_get_host_proxy (self)), list->method, NULL,
                     G_DBUS_CALL_FLAGS_NONE, -1, cancellable, on_list_reply, task);
}

static GPtrArray *
jmp_client_list_sync (JmpClient           *self,
                      const JmpClientList *list,
                      GCancellable        *cancellable,
                      GError             **error)
{
  g_autoptr(GVariant) reply = NULL;
  GError *local_error = NULL;
  GPtrArray *objects;

  reply = g_dbus_proxy_call_sync (G_DBUS_PROXY (jmp_client_get_host_proxy (self)), list->method,
                                  NULL, G_DBUS_CALL_FLAGS_NONE, -1, cancellable, &local_error);
  objects = jmp_client_list_reply (list, reply, &local_error);
  if (objects == NULL)
    g_propagate_error (error, local_error);
  return objects;
}

/**
 * jmp_client_list_drivers:
 * @self: a #JmpClient
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the answer
 * @user_data: data for @callback
 *
 * Asks the host for its drivers in one call, as `jmp list` shows them.
 * Unlike jmp_client_get_drivers(), this needs no driver tree: a client
 * made with %JMP_CLIENT_FLAGS_DO_NOT_LOAD_DRIVERS lists a host of a
 * thousand drivers without a proxy for each. Finish with
 * jmp_client_list_drivers_finish().
 */
void
jmp_client_list_drivers (JmpClient           *self,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_return_if_fail (JMP_IS_CLIENT (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  jmp_client_list_async (self, &jmp_client_drivers, jmp_client_list_drivers,
                         cancellable, callback, user_data);
}

/**
 * jmp_client_list_drivers_finish:
 * @self: a #JmpClient
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes jmp_client_list_drivers().
 *
 * Returns: (transfer container) (element-type JmpDriverInfo): one
 *   #JmpDriverInfo per driver, nested ones included, depth first in the
 *   order of the config file; or %NULL with @error set
 *   (%JMP_ERROR_UNAVAILABLE when the host went away)
 */
GPtrArray *
jmp_client_list_drivers_finish (JmpClient     *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (JMP_IS_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * jmp_client_list_drivers_sync:
 * @self: a #JmpClient
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Asks the host for its drivers in one call, as jmp_client_list_drivers()
 * does, blocking the calling thread.
 *
 * Returns: (transfer container) (element-type JmpDriverInfo): one
 *   #JmpDriverInfo per driver, depth first in the order of the config
 *   file, or %NULL with @error set
 */
GPtrArray *
jmp_client_list_drivers_sync (JmpClient     *self,
                              GCancellable  *cancellable,
                              GError       **error)
{
  g_return_val_if_fail (JMP_IS_CLIENT (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return jmp_client_list_sync (self, &jmp_client_drivers, cancellable, error);
}

/**
 * jmp_client_list_plugins:
 * @self: a #JmpClient
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the answer
 * @user_data: data for @callback
 *
 * Asks the host which plugin files it found, loaded or skipped. Finish
 * with jmp_client_list_plugins_finish().
 */
void
jmp_client_list_plugins (JmpClient           *self,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_return_if_fail (JMP_IS_CLIENT (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  jmp_client_list_async (self, &jmp_client_plugins, jmp_client_list_plugins,
                         cancellable, callback, user_data);
}

/**
 * jmp_client_list_plugins_finish:
 * @self: a #JmpClient
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes jmp_client_list_plugins().
 *
 * Returns: (transfer container) (element-type JmpPluginInfo): one
 *   #JmpPluginInfo per plugin file, a skipped one with its error, or %NULL
 *   with @error set
 */
GPtrArray *
jmp_client_list_plugins_finish (JmpClient     *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (JMP_IS_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * jmp_client_list_plugins_sync:
 * @self: a #JmpClient
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Asks the host which plugin files it found, blocking the calling thread.
 *
 * Returns: (transfer container) (element-type JmpPluginInfo): one
 *   #JmpPluginInfo per plugin file, or %NULL with @error set
 */
GPtrArray *
jmp_client_list_plugins_sync (JmpClient     *self,
                              GCancellable  *cancellable,
                              GError       **error)
{
  g_return_val_if_fail (JMP_IS_CLIENT (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return jmp_client_list_sync (self, &jmp_client_plugins, cancellable, error);
}
