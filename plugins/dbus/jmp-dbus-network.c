/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <unistd.h>

#include <glib/gi18n-lib.h>

#include "jmp-dbus-address.h"
#include "jmp-dbus-network.h"
#include "jmp-network-util.h"

/*
 * DbusNetwork: the system or session bus of the exporter, for busctl, gdbus
 * or any D-Bus client on an engineer's desk. Connect() hands over a socket
 * connected to the bus and says nothing on it: the client authenticates
 * through it as on any bus connection, and the host is out of the data path.
 *
 * The bus address is read from the host's environment when the driver
 * starts, as Jumpstarter does, and checked there: an address no socket can
 * be connected to fails the config, not the first client.
 */

#define JMP_DBUS_SYSTEM_BUS_DEFAULT "unix:path=/run/dbus/system_bus_socket"

struct _JmpDbusNetwork
{
  JmpDriver  parent_instance;
  gchar     *kind;
  gdouble    connect_timeout;
  gchar     *address;   /* the bus address, as configured */
  GPtrArray *entries;   /* JmpDbusEntry, what it connects to */
};

static void jmp_dbus_network_iface_init (JmpNetworkInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (JmpDbusNetwork, jmp_dbus_network, JMP_TYPE_DRIVER,
                               G_IMPLEMENT_INTERFACE (JMP_TYPE_NETWORK,
                                                      jmp_dbus_network_iface_init))

enum {
  PROP_0,
  PROP_KIND,
  PROP_CONNECT_TIMEOUT,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

static void
jmp_dbus_network_connected_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  GSocket *socket;

  socket = jmp_dbus_address_connect_finish (res, &error);
  if (socket == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, socket, g_object_unref);
}

static void
jmp_dbus_network_connect_async (JmpNetwork          *network,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  JmpDbusNetwork *self = JMP_DBUS_NETWORK (network);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  GError *error = NULL;

  g_task_set_source_tag (task, jmp_dbus_network_connect_async);
  if (!jmp_net_check_started (JMP_DRIVER (self), &error))
    {
      g_task_return_error (task, error);
      return;
    }
  jmp_dbus_address_connect_async (self->entries, self->kind, self->connect_timeout,
                                  cancellable, jmp_dbus_network_connected_cb,
                                  g_steal_pointer (&task));
}

static GSocket *
jmp_dbus_network_connect_finish (JmpNetwork    *network,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, network), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
jmp_dbus_network_get_address_async (JmpNetwork          *network,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  JmpDbusNetwork *self = JMP_DBUS_NETWORK (network);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  GError *error = NULL;

  g_task_set_source_tag (task, jmp_dbus_network_get_address_async);
  if (!jmp_net_check_started (JMP_DRIVER (self), &error))
    {
      g_task_return_error (task, error);
      return;
    }
  /* what the host connects to, as DBUS_*_BUS_ADDRESS would say it */
  g_task_return_pointer (task, g_strdup (self->address), g_free);
}

static gchar *
jmp_dbus_network_get_address_finish (JmpNetwork    *network,
                                     GAsyncResult  *result,
                                     GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, network), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
jmp_dbus_network_iface_init (JmpNetworkInterface *iface)
{
  iface->connect_async = jmp_dbus_network_connect_async;
  iface->connect_finish = jmp_dbus_network_connect_finish;
  iface->get_address_async = jmp_dbus_network_get_address_async;
  iface->get_address_finish = jmp_dbus_network_get_address_finish;
}

/* The default of the session bus, as libdbus and systemd place it. */
static gchar *
jmp_dbus_network_default_session_address (void)
{
  const gchar *runtime_dir = g_getenv ("XDG_RUNTIME_DIR");
  g_autofree gchar *path = NULL;
  g_autofree gchar *escaped = NULL;

  /* not g_get_user_runtime_dir(): its fallback, the cache directory,
   * never holds a bus */
  if (runtime_dir != NULL && *runtime_dir != '\0')
    path = g_build_filename (runtime_dir, "bus", NULL);
  else
    path = g_strdup_printf ("/run/user/%u/bus", (guint) getuid ());
  escaped = g_dbus_address_escape_value (path);
  return g_strconcat ("unix:path=", escaped, NULL);
}

static gboolean
jmp_dbus_network_start (JmpDriver *driver, GError **error)
{
  JmpDbusNetwork *self = JMP_DBUS_NETWORK (driver);
  g_autofree gchar *address = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  const gchar *variable;
  const gchar *value;

  if (self->kind == NULL || *self->kind == '\0')
    {
      g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                   _("config key kind is required: system or session"));
      return FALSE;
    }
  if (g_strcmp0 (self->kind, "system") == 0)
    variable = "DBUS_SYSTEM_BUS_ADDRESS";
  else if (g_strcmp0 (self->kind, "session") == 0)
    variable = "DBUS_SESSION_BUS_ADDRESS";
  else
    {
      g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                   _("config key kind: \"%s\" is neither system nor session"), self->kind);
      return FALSE;
    }

  value = g_getenv (variable);
  if (value != NULL && *value != '\0')
    address = g_strdup (value);
  else if (g_strcmp0 (self->kind, "system") == 0)
    address = g_strdup (JMP_DBUS_SYSTEM_BUS_DEFAULT);
  else
    address = jmp_dbus_network_default_session_address ();

  entries = jmp_dbus_address_parse (address, error);
  if (entries == NULL)
    {
      /* where the address came from: the host's environment */
      if (value != NULL && *value != '\0')
        g_prefix_error (error, "%s: ", variable);
      return FALSE;
    }

  g_free (self->address);
  self->address = g_steal_pointer (&address);
  g_clear_pointer (&self->entries, g_ptr_array_unref);
  self->entries = g_steal_pointer (&entries);
  jmp_driver_set_label (driver, JMP_DBUS_NETWORK_KIND_LABEL, self->kind);
  g_debug ("%s: the %s bus at %s", jmp_driver_get_name (driver), self->kind, self->address);
  return TRUE;
}

static GHashTable *
jmp_dbus_network_get_methods_description (JmpDriver *driver)
{
  GHashTable *methods = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  g_hash_table_insert (methods, g_strdup ("connect"),
                       g_strdup (_("Open a raw stream to the bus (the client authenticates on it)")));
  g_hash_table_insert (methods, g_strdup ("address"),
                       g_strdup (_("Print the bus address the exporter uses")));
  g_hash_table_insert (methods, g_strdup ("run"),
                       g_strdup (_("Run a command that sees the exporter's bus as its own")));
  return methods;
}

static void
jmp_dbus_network_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  JmpDbusNetwork *self = JMP_DBUS_NETWORK (object);

  switch (prop_id)
    {
    case PROP_KIND:
      g_value_set_string (value, self->kind);
      break;
    case PROP_CONNECT_TIMEOUT:
      g_value_set_double (value, self->connect_timeout);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
jmp_dbus_network_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  JmpDbusNetwork *self = JMP_DBUS_NETWORK (object);

  switch (prop_id)
    {
    case PROP_KIND:
      if (g_strcmp0 (self->kind, g_value_get_string (value)) == 0)
        return;
      g_free (self->kind);
      self->kind = g_value_dup_string (value);
      g_object_notify_by_pspec (object, pspec);
      break;
    case PROP_CONNECT_TIMEOUT:
      if (self->connect_timeout == g_value_get_double (value))
        return;
      self->connect_timeout = g_value_get_double (value);
      g_object_notify_by_pspec (object, pspec);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
jmp_dbus_network_finalize (GObject *object)
{
  JmpDbusNetwork *self = JMP_DBUS_NETWORK (object);

  g_free (self->kind);
  g_free (self->address);
  g_clear_pointer (&self->entries, g_ptr_array_unref);
  G_OBJECT_CLASS (jmp_dbus_network_parent_class)->finalize (object);
}

static void
jmp_dbus_network_class_init (JmpDbusNetworkClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  JmpDriverClass *driver_class = JMP_DRIVER_CLASS (klass);

  object_class->get_property = jmp_dbus_network_get_property;
  object_class->set_property = jmp_dbus_network_set_property;
  object_class->finalize = jmp_dbus_network_finalize;
  driver_class->start = jmp_dbus_network_start;
  driver_class->get_methods_description = jmp_dbus_network_get_methods_description;

  /**
   * JmpDbusNetwork:kind:
   *
   * Which bus of the exporter: "system" (DBUS_SYSTEM_BUS_ADDRESS, by
   * default unix:path=/run/dbus/system_bus_socket) or "session"
   * (DBUS_SESSION_BUS_ADDRESS, by default unix:path=$XDG_RUNTIME_DIR/bus).
   * Required.
   */
  props[PROP_KIND] =
    g_param_spec_string ("kind", "Kind",
                         _("Which bus of the exporter: system or session (required); its address "
                           "comes from DBUS_SYSTEM_BUS_ADDRESS or DBUS_SESSION_BUS_ADDRESS"),
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * JmpDbusNetwork:connect-timeout:
   *
   * Seconds each address of the bus may take to connect (a tcp: bus on a
   * board that is off).
   */
  props[PROP_CONNECT_TIMEOUT] =
    g_param_spec_double ("connect-timeout", "Connect timeout",
                         _("Seconds each address of the bus may take to connect"),
                         JMP_NET_CONNECT_TIMEOUT_MIN, JMP_NET_CONNECT_TIMEOUT_MAX,
                         JMP_NET_CONNECT_TIMEOUT_DEFAULT,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, props);

  /* dev.jumpstarter.DBusNetwork1.Kind, through the SDK like any plugin's state */
  jmp_driver_class_set_interface_name (driver_class, "dev.jumpstarter.DBusNetwork1");
  jmp_driver_class_export_property (driver_class, "kind");
}

static void
jmp_dbus_network_init (JmpDbusNetwork *self)
{
  self->connect_timeout = JMP_NET_CONNECT_TIMEOUT_DEFAULT;
}
