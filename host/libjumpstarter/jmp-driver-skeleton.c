/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib-unix.h>

#include "jmp-driver-skeleton.h"
#include "jmp-error.h"
#include "jmp-stream-budget-private.h"

/*
 * One declared interface of a driver on one D-Bus connection: calls go to
 * the handlers its class declared, exported properties are read from the
 * driver and their notify becomes PropertiesChanged. Hand-written, so it
 * needs nothing gdbus-codegen would generate.
 */

struct _JmpDriverSkeleton
{
  GDBusInterfaceSkeleton  parent_instance;
  JmpDriver              *driver;
  JmpDriverInterface     *iface;        /* owned by the driver's type */
  GCancellable           *cancellable;  /* calls in flight, cancelled at dispose */
  gulong                  notify_id;
};

G_DEFINE_FINAL_TYPE (JmpDriverSkeleton, jmp_driver_skeleton, G_TYPE_DBUS_INTERFACE_SKELETON)

typedef struct {
  JmpDriverMethod       *method;
  GDBusMethodInvocation *invocation;
  JmpCallScope          *scope;  /* the caller's stream budget */
} JmpDriverCall;

static void
jmp_driver_call_free (JmpDriverCall *call)
{
  g_object_unref (call->method);
  g_object_unref (call->invocation);
  jmp_call_scope_free (call->scope);
  g_free (call);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (JmpDriverCall, jmp_driver_call_free)

static void
jmp_driver_skeleton_call_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(JmpDriverCall) call = user_data;
  g_autoptr(GUnixFDList) fds = NULL;
  g_autoptr(GVariant) result = NULL;
  GError *error = NULL;

  result = jmp_driver_method_invoke_finish (call->method, res, &fds, &error);
  if (result == NULL)
    {
      jmp_error_convert (&error);
      g_dbus_method_invocation_take_error (call->invocation, error);
      return;
    }
  /* fds go out in blocking mode, as connect() gives them; a dup shares
   * the flag with the driver's own copy */
  for (gint i = 0; fds != NULL && i < g_unix_fd_list_get_length (fds); i++)
    {
      const gint *list = g_unix_fd_list_peek_fds (fds, NULL);

      if (!g_unix_set_fd_nonblocking (list[i], FALSE, &error))
        {
          jmp_error_convert (&error);
          g_dbus_method_invocation_take_error (call->invocation, error);
          return;
        }
    }
  g_dbus_method_invocation_return_value_with_unix_fd_list (call->invocation, result, fds);
}

static void
jmp_driver_skeleton_method_call (GDBusConnection       *connection,
                                 const gchar           *sender,
                                 const gchar           *object_path,
                                 const gchar           *interface_name,
                                 const gchar           *method_name,
                                 GVariant              *parameters,
                                 GDBusMethodInvocation *invocation,
                                 gpointer               user_data)
{
  JmpDriverSkeleton *self = JMP_DRIVER_SKELETON (user_data);
  JmpDriverMethod *method = jmp_driver_interface_lookup (self->iface, method_name);
  JmpDriverCall *call;

  /* GDBus checked the name and the argument types against the info */
  g_return_if_fail (method != NULL);
  if (jmp_driver_method_returns_fds (method) &&
      !(g_dbus_connection_get_capabilities (connection) &
        G_DBUS_CAPABILITY_FLAGS_UNIX_FD_PASSING))
    {
      g_dbus_method_invocation_return_error (invocation, JMP_ERROR, JMP_ERROR_NOT_SUPPORTED,
                                             _("this connection cannot pass file descriptors"));
      return;
    }
  call = g_new0 (JmpDriverCall, 1);
  call->method = g_object_ref (method);
  call->invocation = g_object_ref (invocation);
  /* a handler that pumps a stream it hands over charges it to this caller */
  call->scope = jmp_call_scope_new (self->cancellable, invocation);
  jmp_driver_method_invoke (method, self->driver, parameters,
                            jmp_call_scope_get_cancellable (call->scope),
                            jmp_driver_skeleton_call_cb, call);
}

static GParamSpec *
jmp_driver_skeleton_find_property (JmpDriverSkeleton *self, const gchar *dbus_name)
{
  for (guint i = 0; i < self->iface->properties->len; i++)
    {
      GParamSpec *pspec = g_ptr_array_index (self->iface->properties, i);
      g_autofree gchar *name = jmp_driver_dbus_name (pspec->name);

      if (g_strcmp0 (name, dbus_name) == 0)
        return pspec;
    }
  return NULL;
}

static GVariant *
jmp_driver_skeleton_get_property (GDBusConnection  *connection,
                                  const gchar      *sender,
                                  const gchar      *object_path,
                                  const gchar      *interface_name,
                                  const gchar      *property_name,
                                  GError          **error,
                                  gpointer          user_data)
{
  JmpDriverSkeleton *self = JMP_DRIVER_SKELETON (user_data);
  GParamSpec *pspec = jmp_driver_skeleton_find_property (self, property_name);

  if (pspec == NULL)
    {
      g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_PROPERTY,
                   _("no property %s"), property_name);
      return NULL;
    }
  return jmp_driver_property_get_variant (G_OBJECT (self->driver), pspec);
}

static const GDBusInterfaceVTable jmp_driver_skeleton_vtable = {
  .method_call = jmp_driver_skeleton_method_call,
  .get_property = jmp_driver_skeleton_get_property,
};

static GDBusInterfaceInfo *
jmp_driver_skeleton_dbus_get_info (GDBusInterfaceSkeleton *skeleton)
{
  return JMP_DRIVER_SKELETON (skeleton)->iface->info;
}

static GDBusInterfaceVTable *
jmp_driver_skeleton_dbus_get_vtable (GDBusInterfaceSkeleton *skeleton)
{
  return (GDBusInterfaceVTable *) &jmp_driver_skeleton_vtable;
}

static GVariant *
jmp_driver_skeleton_dbus_get_properties (GDBusInterfaceSkeleton *skeleton)
{
  JmpDriverSkeleton *self = JMP_DRIVER_SKELETON (skeleton);
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  for (guint i = 0; i < self->iface->properties->len; i++)
    {
      GParamSpec *pspec = g_ptr_array_index (self->iface->properties, i);
      g_autofree gchar *name = jmp_driver_dbus_name (pspec->name);
      g_autoptr(GVariant) value = jmp_driver_property_get_variant (G_OBJECT (self->driver), pspec);

      g_variant_builder_add (&builder, "{sv}", name, value);
    }
  return g_variant_builder_end (&builder);
}

static void
jmp_driver_skeleton_dbus_flush (GDBusInterfaceSkeleton *skeleton)
{
  /* changes are sent as they happen */
}

static void
jmp_driver_skeleton_notify_cb (GObject *driver, GParamSpec *pspec, gpointer user_data)
{
  JmpDriverSkeleton *self = JMP_DRIVER_SKELETON (user_data);
  GDBusInterfaceSkeleton *skeleton = G_DBUS_INTERFACE_SKELETON (self);
  g_autolist(GDBusConnection) connections = NULL;
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GVariant) signal = NULL;
  g_autofree gchar *name = NULL;
  GVariantBuilder changed;
  const gchar *path = g_dbus_interface_skeleton_get_object_path (skeleton);

  pspec = jmp_driver_skeleton_find_property (self, (name = jmp_driver_dbus_name (pspec->name)));
  if (pspec == NULL || path == NULL)
    return;

  value = jmp_driver_property_get_variant (driver, pspec);
  g_variant_builder_init (&changed, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&changed, "{sv}", name, value);
  signal = g_variant_ref_sink (g_variant_new ("(sa{sv}as)", self->iface->name, &changed, NULL));
  connections = g_dbus_interface_skeleton_get_connections (skeleton);
  for (GList *l = connections; l != NULL; l = l->next)
    g_dbus_connection_emit_signal (l->data, NULL, path, "org.freedesktop.DBus.Properties",
                                   "PropertiesChanged", signal, NULL);
}

static void
jmp_driver_skeleton_dispose (GObject *object)
{
  JmpDriverSkeleton *self = JMP_DRIVER_SKELETON (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_signal_handler (&self->notify_id, self->driver);
  g_clear_object (&self->driver);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (jmp_driver_skeleton_parent_class)->dispose (object);
}

static void
jmp_driver_skeleton_class_init (JmpDriverSkeletonClass *klass)
{
  GDBusInterfaceSkeletonClass *skeleton_class = G_DBUS_INTERFACE_SKELETON_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = jmp_driver_skeleton_dispose;
  skeleton_class->get_info = jmp_driver_skeleton_dbus_get_info;
  skeleton_class->get_vtable = jmp_driver_skeleton_dbus_get_vtable;
  skeleton_class->get_properties = jmp_driver_skeleton_dbus_get_properties;
  skeleton_class->flush = jmp_driver_skeleton_dbus_flush;
}

static void
jmp_driver_skeleton_init (JmpDriverSkeleton *self)
{
  self->cancellable = g_cancellable_new ();
}

/* One skeleton per interface the driver's type declared, for one
 * connection. */
GPtrArray *
jmp_driver_skeleton_new_for_driver (JmpDriver *driver)
{
  GPtrArray *ifaces = jmp_driver_type_get_interfaces (G_OBJECT_TYPE (driver));
  GPtrArray *skeletons = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < ifaces->len; i++)
    {
      JmpDriverSkeleton *self = g_object_new (JMP_TYPE_DRIVER_SKELETON, NULL);

      self->driver = g_object_ref (driver);
      self->iface = g_ptr_array_index (ifaces, i);
      if (self->iface->properties->len > 0)
        self->notify_id = g_signal_connect (driver, "notify",
                                            G_CALLBACK (jmp_driver_skeleton_notify_cb), self);
      g_ptr_array_add (skeletons, self);
    }
  return skeletons;
}
