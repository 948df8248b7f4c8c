/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One driver without the tree: Host1.GetDriver() answers that object's
 * interfaces and properties (one entry of GetManagedObjects()), and the
 * client makes the proxies for it alone, so what `jmp DRIVER COMMAND`
 * costs does not depend on the number of drivers. Only a driver that is
 * not there costs a listing (Host1.ListDrivers()), for the error to name
 * the drivers there are.
 */
#include "config.h"

#include "jmp-client.h"
#include "jmp-client-private.h"
#include "jmp-client-object-private.h"
#include "jmp-error.h"

/* The driver of a GetDriver() reply, or NULL when the object is no driver. */
static JmpDriverProxy *
jmp_client_lookup_build (JmpClient *self, GVariant *reply)
{
  GDBusProxy *host = G_DBUS_PROXY (jmp_client_get_host_proxy (self));
  g_autofree gchar *owner = g_dbus_proxy_get_name_owner (host);
  g_autoptr(GVariant) interfaces = NULL;
  g_autoptr(GVariant) driver1 = NULL;
  g_autoptr(JmpClientObject) object = NULL;
  const gchar *object_path = NULL;

  g_variant_get (reply, "(&o@a{sa{sv}})", &object_path, &interfaces);
  driver1 = g_variant_lookup_value (interfaces, JMP_DRIVER_INTERFACE, NULL);
  if (driver1 == NULL)
    return NULL;

  /* peer-to-peer both are NULL; on a bus the unique name, as the
   * manager's proxies have it, so that no proxy asks the bus for it */
  object = jmp_client_object_new (g_dbus_proxy_get_connection (host),
                                  owner != NULL ? owner : g_dbus_proxy_get_name (host),
                                  object_path);
  jmp_client_object_add_interfaces (object, interfaces);
  return jmp_client_add_looked_up (self, object);
}

/* The error for a driver that is not there, naming those that are. */
static void
jmp_client_lookup_not_found (JmpClient *self, const gchar *path, GPtrArray *infos, GError **error)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new ();

  for (guint i = 0; i < infos->len; i++)
    g_ptr_array_add (names, (gpointer) jmp_driver_info_get_path (g_ptr_array_index (infos, i)));
  jmp_client_set_not_found (self, path, names, error);
}

/* Whether a GetDriver() error means "no such driver", which a listing
 * then explains; anything else (the host gone, cancelled) is the answer. */
static gboolean
jmp_client_lookup_is_missing (GError *error)
{
  return g_error_matches (error, JMP_ERROR, JMP_ERROR_NOT_FOUND);
}

static GVariant *
jmp_client_lookup_args (const gchar *path)
{
  /* a D-Bus string is UTF-8; any other name is simply not there */
  return g_utf8_validate (path, -1, NULL) ? g_variant_new ("(s)", path) : NULL;
}

static void
on_lookup_list_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  JmpClient *self = JMP_CLIENT (source);
  g_autoptr(GPtrArray) infos = NULL;
  GError *error = NULL;

  infos = jmp_client_list_drivers_finish (self, result, &error);
  if (infos != NULL)
    jmp_client_lookup_not_found (self, g_task_get_task_data (task), infos, &error);
  g_task_return_error (task, error);
}

static void
jmp_client_lookup_list (JmpClient *self, GTask *task)
{
  jmp_client_list_drivers (self, g_task_get_cancellable (task), on_lookup_list_reply, task);
}

static void
on_get_driver_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  JmpClient *self = g_task_get_source_object (task);
  g_autoptr(GVariant) reply = NULL;
  JmpDriverProxy *driver = NULL;
  GError *error = NULL;

  reply = g_dbus_proxy_call_finish (G_DBUS_PROXY (source), result, &error);
  if (reply != NULL)
    driver = jmp_client_lookup_build (self, reply);
  if (driver != NULL)
    {
      g_task_return_pointer (task, driver, g_object_unref);
      return;
    }
  jmp_client_error_from_dbus (&error);
  if (error != NULL && !jmp_client_lookup_is_missing (error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_clear_error (&error);
  jmp_client_lookup_list (self, g_steal_pointer (&task));
}

/**
 * jmp_client_lookup_driver:
 * @self: a #JmpClient
 * @path: the dotted path of a driver from the root of the export, e.g.
 *   `"harness.power"`, or its D-Bus object path
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the driver
 * @user_data: data for @callback
 *
 * Looks one driver up and makes its #JmpDriverProxy, as
 * jmp_client_get_driver() finds one in the tree. A client made with
 * %JMP_CLIENT_FLAGS_DO_NOT_LOAD_DRIVERS asks the host for that driver
 * alone (`Host1.GetDriver()`), so what it costs does not depend on the
 * number of drivers; it then follows that driver: its properties change
 * as the host says, and #JmpClient::driver-removed tells when a reload
 * removes it or the host goes away. A second lookup of the same driver
 * returns the same proxy. A client with the tree finds the driver there.
 * Finish with jmp_client_lookup_driver_finish().
 */
void
jmp_client_lookup_driver (JmpClient           *self,
                          const gchar         *path,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  JmpDriverProxy *driver;
  GVariant *args;
  GError *error = NULL;

  g_return_if_fail (JMP_IS_CLIENT (self));
  g_return_if_fail (path != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, jmp_client_lookup_driver);
  g_task_set_task_data (task, g_strdup (path), g_free);

  if (!(jmp_client_get_flags (self) & JMP_CLIENT_FLAGS_DO_NOT_LOAD_DRIVERS))
    {
      driver = jmp_client_get_driver (self, path, &error);
      if (driver != NULL)
        g_task_return_pointer (task, driver, g_object_unref);
      else
        g_task_return_error (task, error);
      return;
    }
  driver = jmp_client_find_looked_up (self, path);
  if (driver != NULL)
    {
      g_task_return_pointer (task, driver, g_object_unref);
      return;
    }
  args = jmp_client_lookup_args (path);
  if (args == NULL)
    {
      jmp_client_lookup_list (self, g_steal_pointer (&task));
      return;
    }
  g_dbus_proxy_call (G_DBUS_PROXY (jmp_client_get_host_proxy (self)), "GetDriver", args,
                     G_DBUS_CALL_FLAGS_NONE, -1, cancellable, on_get_driver_reply,
                     g_steal_pointer (&task));
}

/**
 * jmp_client_lookup_driver_finish:
 * @self: a #JmpClient
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes jmp_client_lookup_driver().
 *
 * Returns: (transfer full): the driver, or %NULL with @error set:
 *   %JMP_ERROR_NOT_FOUND, whose message lists the drivers there are, or
 *   %JMP_ERROR_UNAVAILABLE when the host went away
 */
JmpDriverProxy *
jmp_client_lookup_driver_finish (JmpClient     *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (JMP_IS_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * jmp_client_lookup_driver_sync:
 * @self: a #JmpClient
 * @path: the dotted path of a driver from the root of the export, e.g.
 *   `"harness.power"`, or its D-Bus object path
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Looks one driver up as jmp_client_lookup_driver() does, blocking the
 * calling thread. The driver's signals and property changes come in the
 * main context the client was made in.
 *
 * Returns: (transfer full): the driver, or %NULL with @error set
 */
JmpDriverProxy *
jmp_client_lookup_driver_sync (JmpClient     *self,
                               const gchar   *path,
                               GCancellable  *cancellable,
                               GError       **error)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GPtrArray) infos = NULL;
  JmpDriverProxy *driver;
  GVariant *args;
  GError *local_error = NULL;

  g_return_val_if_fail (JMP_IS_CLIENT (self), NULL);
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!(jmp_client_get_flags (self) & JMP_CLIENT_FLAGS_DO_NOT_LOAD_DRIVERS))
    return jmp_client_get_driver (self, path, error);
  driver = jmp_client_find_looked_up (self, path);
  if (driver != NULL)
    return driver;

  args = jmp_client_lookup_args (path);
  if (args != NULL)
    reply = g_dbus_proxy_call_sync (G_DBUS_PROXY (jmp_client_get_host_proxy (self)), "GetDriver",
                                    args, G_DBUS_CALL_FLAGS_NONE, -1, cancellable, &local_error);
  if (reply != NULL)
    {
      driver = jmp_client_lookup_build (self, reply);
      if (driver != NULL)
        return driver;
    }
  jmp_client_error_from_dbus (&local_error);
  if (local_error != NULL && !jmp_client_lookup_is_missing (local_error))
    {
      g_propagate_error (error, local_error);
      return NULL;
    }
  g_clear_error (&local_error);

  infos = jmp_client_list_drivers_sync (self, cancellable, error);
  if (infos != NULL)
    jmp_client_lookup_not_found (self, path, infos, error);
  return NULL;
}
