/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <gio/gunixfdlist.h>

#include "jmp-client-private.h"
#include "jmp-driver-method-private.h"
#include "jmp-error.h"

/*
 * Calls to the methods a driver's type declared, with no client code of
 * its own: the methods, their interfaces and signatures come with the
 * driver's Driver1.Methods property.
 */

static GDBusProxy *
jmp_driver_proxy_driver1 (JmpDriverProxy *self)
{
  GDBusObject *object = jmp_driver_proxy_get_object (self);

  return G_DBUS_PROXY (g_dbus_object_get_interface (object, JMP_DRIVER_INTERFACE));
}

/**
 * jmp_driver_proxy_get_methods:
 * @self: a #JmpDriverProxy
 *
 * The methods the driver's type declared, which jmp_driver_proxy_call()
 * reaches, in the order the type declared them.
 *
 * Returns: (transfer container) (element-type JmpDriverMethod): the methods
 */
GPtrArray *
jmp_driver_proxy_get_methods (JmpDriverProxy *self)
{
  g_autoptr(GDBusProxy) driver1 = NULL;
  g_autoptr(GVariant) value = NULL;

  g_return_val_if_fail (JMP_IS_DRIVER_PROXY (self), NULL);
  driver1 = jmp_driver_proxy_driver1 (self);
  if (driver1 != NULL)
    value = g_dbus_proxy_get_cached_property (driver1, "Methods");
  return jmp_driver_methods_from_variant (value);
}

/**
 * jmp_driver_proxy_lookup_method:
 * @self: a #JmpDriverProxy
 * @name: a method's name as declared ("cycle") or its D-Bus member ("Cycle")
 *
 * Finds one of the methods the driver declared.
 *
 * Returns: (transfer full) (nullable): the method, or %NULL if the driver
 *   has none of that name
 */
JmpDriverMethod *
jmp_driver_proxy_lookup_method (JmpDriverProxy *self, const gchar *name)
{
  g_autoptr(GPtrArray) methods = NULL;

  g_return_val_if_fail (JMP_IS_DRIVER_PROXY (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);
  methods = jmp_driver_proxy_get_methods (self);
  for (guint i = 0; i < methods->len; i++)
    {
      JmpDriverMethod *method = g_ptr_array_index (methods, i);

      if (g_strcmp0 (jmp_driver_method_get_name (method), name) == 0 ||
          g_strcmp0 (jmp_driver_method_get_member (method), name) == 0)
        return g_object_ref (method);
    }
  return NULL;
}

static JmpDriverMethod *
jmp_driver_proxy_find_method (JmpDriverProxy *self, const gchar *name, GError **error)
{
  JmpDriverMethod *method = jmp_driver_proxy_lookup_method (self, name);
  g_autoptr(GPtrArray) methods = NULL;
  g_autoptr(GString) names = NULL;

  if (method != NULL)
    return method;
  methods = jmp_driver_proxy_get_methods (self);
  names = g_string_new (NULL);
  for (guint i = 0; i < methods->len; i++)
    g_string_append_printf (names, "%s%s", i > 0 ? ", " : "",
                            jmp_driver_method_get_name (g_ptr_array_index (methods, i)));
  g_set_error (error, JMP_ERROR, JMP_ERROR_NOT_FOUND,
               _("driver \"%s\" has no method \"%s\"; its methods: %s"),
               jmp_driver_proxy_get_path (self), name,
               names->len > 0 ? names->str : _("none"));
  return NULL;
}

static void
jmp_driver_proxy_call_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  GUnixFDList *fds = NULL;
  GVariant *result;
  GError *error = NULL;

  result = g_dbus_connection_call_with_unix_fd_list_finish (G_DBUS_CONNECTION (source), &fds,
                                                            res, &error);
  if (result == NULL)
    {
      jmp_client_error_from_dbus (&error);
      g_task_return_error (task, error);
      return;
    }
  if (fds != NULL)
    g_task_set_task_data (task, fds, g_object_unref);
  g_task_return_pointer (task, result, (GDestroyNotify) g_variant_unref);
}

/**
 * jmp_driver_proxy_call:
 * @self: a #JmpDriverProxy
 * @method: a declared method's name ("cycle") or D-Bus member ("Cycle")
 * @args: (nullable): a tuple of the method's in signature, e.g.
 *   `g_variant_new ("(d)", 2.0)`; %NULL for no arguments. A floating
 *   reference is consumed.
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the driver answered
 * @user_data: data for @callback
 *
 * Calls a method the driver's type declared. The call has no time limit
 * of its own (a power cycle may take a while): cancel @cancellable to give
 * up. Errors are in %JMP_ERROR: %JMP_ERROR_NOT_FOUND for a method the
 * driver does not have, %JMP_ERROR_INVALID_ARGS for @args of another type,
 * and whatever the driver answered.
 */
void
jmp_driver_proxy_call (JmpDriverProxy      *self,
                       const gchar         *method,
                       GVariant            *args,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(JmpDriverMethod) info = NULL;
  g_autoptr(GDBusProxy) driver1 = NULL;
  g_autoptr(GVariant) owned = NULL;
  GError *error = NULL;

  g_return_if_fail (JMP_IS_DRIVER_PROXY (self));
  g_return_if_fail (method != NULL);

  owned = args != NULL ? g_variant_ref_sink (args) : g_variant_ref_sink (g_variant_new ("()"));
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, jmp_driver_proxy_call);

  info = jmp_driver_proxy_find_method (self, method, &error);
  if (info == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (!g_variant_is_of_type (owned, G_VARIANT_TYPE (jmp_driver_method_get_in_signature (info))))
    {
      g_task_return_new_error (task, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                               _("%s takes %s, not %s"), jmp_driver_method_get_name (info),
                               jmp_driver_method_get_in_signature (info),
                               g_variant_get_type_string (owned));
      return;
    }
  driver1 = jmp_driver_proxy_driver1 (self);
  if (driver1 == NULL)
    {
      g_task_return_new_error (task, JMP_ERROR, JMP_ERROR_UNAVAILABLE,
                               _("driver \"%s\" is gone"), jmp_driver_proxy_get_path (self));
      return;
    }
  g_dbus_connection_call_with_unix_fd_list (g_dbus_proxy_get_connection (driver1),
                                            g_dbus_proxy_get_name (driver1),
                                            jmp_driver_proxy_get_object_path (self),
                                            jmp_driver_method_get_interface_name (info),
                                            jmp_driver_method_get_member (info),
                                            owned,
                                            G_VARIANT_TYPE (jmp_driver_method_get_out_signature (info)),
                                            G_DBUS_CALL_FLAGS_NONE, G_MAXINT, NULL,
                                            cancellable, jmp_driver_proxy_call_cb,
                                            g_steal_pointer (&task));
}

/**
 * jmp_driver_proxy_call_with_unix_fd_list_finish:
 * @self: a #JmpDriverProxy
 * @out_fd_list: (out) (optional) (nullable): the file descriptors the
 *   driver handed over, for a method whose results hold handles (`h`)
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes jmp_driver_proxy_call_with_unix_fd_list().
 *
 * Returns: (transfer full): the results, a tuple of the method's out
 *   signature, or %NULL with @error set
 */
GVariant *
jmp_driver_proxy_call_with_unix_fd_list_finish (JmpDriverProxy  *self,
                                                GUnixFDList    **out_fd_list,
                                                GAsyncResult    *result,
                                                GError         **error)
{
  GVariant *value;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  value = g_task_propagate_pointer (G_TASK (result), error);
  if (value != NULL && out_fd_list != NULL)
    *out_fd_list = g_task_get_task_data (G_TASK (result)) != NULL ?
      g_object_ref (g_task_get_task_data (G_TASK (result))) : NULL;
  return value;
}

/**
 * jmp_driver_proxy_call_finish:
 * @self: a #JmpDriverProxy
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes jmp_driver_proxy_call().
 *
 * Returns: (transfer full): the results, a tuple of the method's out
 *   signature, or %NULL with @error set
 */
GVariant *
jmp_driver_proxy_call_finish (JmpDriverProxy  *self,
                              GAsyncResult    *result,
                              GError         **error)
{
  return jmp_driver_proxy_call_with_unix_fd_list_finish (self, NULL, result, error);
}

typedef struct {
  GMainLoop    *loop;
  GAsyncResult *result;
} JmpSyncCall;

static void
jmp_driver_proxy_sync_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  JmpSyncCall *sync = user_data;

  sync->result = g_object_ref (res);
  g_main_loop_quit (sync->loop);
}

/**
 * jmp_driver_proxy_call_with_unix_fd_list_sync:
 * @self: a #JmpDriverProxy
 * @method: a declared method's name or D-Bus member
 * @args: (nullable): a tuple of the method's in signature, or %NULL
 * @out_fd_list: (out) (optional) (nullable): the file descriptors the
 *   driver handed over
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * The blocking form of jmp_driver_proxy_call(), for methods that hand over
 * streams; it runs no main loop of the caller's.
 *
 * Returns: (transfer full): the results, or %NULL with @error set
 */
GVariant *
jmp_driver_proxy_call_with_unix_fd_list_sync (JmpDriverProxy  *self,
                                              const gchar     *method,
                                              GVariant        *args,
                                              GUnixFDList    **out_fd_list,
                                              GCancellable    *cancellable,
                                              GError         **error)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GMainLoop) loop = g_main_loop_new (context, FALSE);
  JmpSyncCall sync = { loop, NULL };
  GVariant *value;

  g_return_val_if_fail (JMP_IS_DRIVER_PROXY (self), NULL);
  g_main_context_push_thread_default (context);
  jmp_driver_proxy_call (self, method, args, cancellable, jmp_driver_proxy_sync_cb, &sync);
  g_main_loop_run (loop);
  g_main_context_pop_thread_default (context);
  value = jmp_driver_proxy_call_with_unix_fd_list_finish (self, out_fd_list, sync.result, error);
  g_object_unref (sync.result);
  return value;
}

/**
 * jmp_driver_proxy_call_sync:
 * @self: a #JmpDriverProxy
 * @method: a declared method's name ("cycle") or D-Bus member ("Cycle")
 * @args: (nullable): a tuple of the method's in signature, or %NULL
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * The blocking form of jmp_driver_proxy_call(). From Python:
 * `driver.call_sync("cycle", GLib.Variant("(d)", (2.0,)), None)`.
 *
 * Returns: (transfer full): the results, a tuple of the method's out
 *   signature, or %NULL with @error set
 */
GVariant *
jmp_driver_proxy_call_sync (JmpDriverProxy  *self,
                            const gchar     *method,
                            GVariant        *args,
                            GCancellable    *cancellable,
                            GError         **error)
{
  return jmp_driver_proxy_call_with_unix_fd_list_sync (self, method, args, NULL,
                                                       cancellable, error);
}
