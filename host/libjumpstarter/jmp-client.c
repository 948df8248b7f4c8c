/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "jmp-client.h"
#include "jmp-client-private.h"
#include "jmp-client-object-private.h"
#include "jmp-error.h"
#include "jmp-exporter-names.h"
#include "jmp-host-list-private.h"
#include "jmp-peer-connect-private.h"

/**
 * JmpClient:
 *
 * A connection to a `jumpstarter-host` and the drivers it exports.
 *
 * A client reaches the host peer-to-peer at the D-Bus address in
 * `$JUMPSTARTER_HOST` (as inside `jmp shell`), or as `dev.jumpstarter.Host1`
 * on the session or system bus. It keeps one #JmpDriverProxy per driver and
 * follows the host's tree: #JmpClient::driver-added and
 * #JmpClient::driver-removed tell when it changes, e.g. after a reload.
 * A client made with %JMP_CLIENT_FLAGS_DO_NOT_LOAD_DRIVERS does not: it
 * lists drivers with jmp_client_list_drivers(), one call whatever the
 * size of the tree.
 *
 * Signals are emitted in the thread-default main context of the thread that
 * created the client.
 */

struct _JmpClient
{
  GObject             parent_instance;

  GBusType            bus_type;
  JmpClientFlags      flags;
  gchar              *address;          /* peer-to-peer address, or NULL */
  gchar              *bus_name;         /* on a bus: the host's name */
  gboolean            address_from_env;
  gboolean            initialized;

  GDBusConnection    *connection;
  GDBusObjectManager *manager;          /* NULL without the driver tree */
  JmpDBusHost1       *host;
  GHashTable         *drivers;          /* object path → JmpDriverProxy */
  GHashTable         *looked_up;        /* likewise, without the tree: the ones
                                         * jmp_client_lookup_driver() found */
  guint               added_id;         /* InterfacesAdded, without the tree */
  guint               removed_id;       /* InterfacesRemoved, likewise */

  GVariant           *labels_value;     /* what @labels was built from */
  GHashTable         *labels;
};

enum {
  PROP_0,
  PROP_BUS_TYPE,
  PROP_FLAGS,
  PROP_ADDRESS,
  PROP_BUS_NAME,
  PROP_CONNECTION,
  N_PROPS
};

enum {
  SIGNAL_DRIVER_ADDED,
  SIGNAL_DRIVER_REMOVED,
  N_SIGNALS
};

static GParamSpec *props[N_PROPS];
static guint signals[N_SIGNALS];

static void jmp_client_initable_iface_init       (GInitableIface      *iface);
static void jmp_client_async_initable_iface_init (GAsyncInitableIface *iface);

G_DEFINE_FLAGS_TYPE (JmpClientFlags, jmp_client_flags,
                     G_DEFINE_ENUM_VALUE (JMP_CLIENT_FLAGS_NONE, "none"),
                     G_DEFINE_ENUM_VALUE (JMP_CLIENT_FLAGS_DO_NOT_LOAD_DRIVERS, "do-not-load-drivers"))

G_DEFINE_FINAL_TYPE_WITH_CODE (JmpClient, jmp_client, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE,
                                                      jmp_client_initable_iface_init)
                               G_IMPLEMENT_INTERFACE (G_TYPE_ASYNC_INITABLE,
                                                      jmp_client_async_initable_iface_init))

static const gchar *jmp_client_manager_name (JmpClient *self);
static void on_connection_closed (GDBusConnection *connection,
                                  gboolean         remote_peer_vanished,
                                  GError          *error,
                                  gpointer         user_data);

/* ---- errors and small helpers ------------------------------------------ */

void
jmp_client_error_from_dbus (GError **error)
{
  GError *e;

  if (error == NULL || *error == NULL)
    return;
  e = *error;

  if (g_dbus_error_is_remote_error (e))
    g_dbus_error_strip_remote_error (e);

  if (e->domain == JMP_ERROR || g_error_matches (e, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (e->domain == G_DBUS_ERROR)
    {
      switch (e->code)
        {
        case G_DBUS_ERROR_SERVICE_UNKNOWN:
        case G_DBUS_ERROR_NAME_HAS_NO_OWNER:
        case G_DBUS_ERROR_DISCONNECTED:
          e->domain = JMP_ERROR;
          e->code = JMP_ERROR_UNAVAILABLE;
          return;
        case G_DBUS_ERROR_NO_REPLY:
        case G_DBUS_ERROR_TIMEOUT:
        case G_DBUS_ERROR_TIMED_OUT:
          e->domain = JMP_ERROR;
          e->code = JMP_ERROR_TIMED_OUT;
          return;
        case G_DBUS_ERROR_UNKNOWN_METHOD:
        case G_DBUS_ERROR_UNKNOWN_INTERFACE:
        case G_DBUS_ERROR_UNKNOWN_PROPERTY:
          e->domain = JMP_ERROR;
          e->code = JMP_ERROR_NOT_SUPPORTED;
          return;
        case G_DBUS_ERROR_UNKNOWN_OBJECT:
          e->domain = JMP_ERROR;
          e->code = JMP_ERROR_NOT_FOUND;
          return;
        case G_DBUS_ERROR_INVALID_ARGS:
          e->domain = JMP_ERROR;
          e->code = JMP_ERROR_INVALID_ARGS;
          return;
        default:
          break;
        }
    }

  /* The host went away under us. */
  if (g_error_matches (e, G_IO_ERROR, G_IO_ERROR_CLOSED))
    {
      e->domain = JMP_ERROR;
      e->code = JMP_ERROR_UNAVAILABLE;
      return;
    }

  jmp_error_convert (error);
}

GHashTable *
jmp_client_hash_from_variant (GVariant *value)
{
  GHashTable *table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  /* by child, not "{&s&s}", which writes each entry of a reply out anew */
  if (value != NULL && g_variant_is_of_type (value, G_VARIANT_TYPE ("a{ss}")))
    {
      gsize n = g_variant_n_children (value);

      for (gsize i = 0; i < n; i++)
        {
          g_autoptr(GVariant) entry = g_variant_get_child_value (value, i);
          g_autoptr(GVariant) key = g_variant_get_child_value (entry, 0);
          g_autoptr(GVariant) val = g_variant_get_child_value (entry, 1);

          g_hash_table_insert (table, g_variant_dup_string (key, NULL),
                               g_variant_dup_string (val, NULL));
        }
    }

  return table;
}

static const gchar *
jmp_client_bus_display_name (GBusType bus_type)
{
  return bus_type == G_BUS_TYPE_SYSTEM ? _("the system bus") : _("the session bus");
}

gchar *
jmp_client_env_address (void)
{
  const gchar *env = g_getenv (JMP_HOST_ENV);
  g_autofree gchar *escaped = NULL;

  if (env == NULL || *env == '\0')
    return NULL;
  /* Jumpstarter sets a plain socket path; accept that as well as a full
   * D-Bus address. */
  if (g_dbus_is_address (env))
    return g_strdup (env);
  escaped = g_dbus_address_escape_value (env);
  return g_strdup_printf ("unix:path=%s", escaped);
}

/* Decides where to connect: an explicit address, a host's name on a bus,
 * $JUMPSTARTER_HOST, or the default host on a bus. */
static gboolean
jmp_client_resolve_target (JmpClient *self, GError **error)
{
  if (self->address != NULL)
    return TRUE;

  if (self->bus_type == G_BUS_TYPE_SYSTEM || self->bus_name != NULL)
    return TRUE;

  self->address = jmp_client_env_address ();
  if (self->address != NULL)
    {
      self->address_from_env = TRUE;
      return TRUE;
    }

  if (self->bus_type == G_BUS_TYPE_NONE)
    {
      g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                   _("no bus was given and %s is not set"), JMP_HOST_ENV);
      return FALSE;
    }

  /* A starter bus is the session bus for our purpose. */
  if (self->bus_type != G_BUS_TYPE_SESSION)
    self->bus_type = G_BUS_TYPE_SESSION;
  return TRUE;
}

static void
jmp_client_connect_error (JmpClient *self, GError **error, GError *cause)
{
  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_propagate_error (error, cause);
      return;
    }

  if (self->address != NULL && self->address_from_env)
    g_set_error (error, JMP_ERROR, JMP_ERROR_UNAVAILABLE,
                 _("cannot connect to jumpstarter-host at %s (from $%s): %s"),
                 self->address, JMP_HOST_ENV, cause->message);
  else if (self->address != NULL)
    g_set_error (error, JMP_ERROR, JMP_ERROR_UNAVAILABLE,
                 _("cannot connect to jumpstarter-host at %s: %s"),
                 self->address, cause->message);
  else
    g_set_error (error, JMP_ERROR, JMP_ERROR_UNAVAILABLE,
                 _("cannot connect to %s: %s"),
                 jmp_client_bus_display_name (self->bus_type), cause->message);
  g_error_free (cause);
}

static void
jmp_client_no_host_error (JmpClient *self, GError **error)
{
  g_set_error (error, JMP_ERROR, JMP_ERROR_UNAVAILABLE,
               _("no jumpstarter-host is running on %s"),
               jmp_client_bus_display_name (self->bus_type));
}

/* Fails when the host's name on a bus has no owner, even after activation,
 * which the first proxy made (the manager's, else Host1's) asked for. */
static gboolean
jmp_client_check_owner (JmpClient *self, GError **error)
{
  g_autofree gchar *owner = NULL;

  if (self->address != NULL)
    return TRUE;

  if (self->manager != NULL)
    owner = g_dbus_object_manager_client_get_name_owner (G_DBUS_OBJECT_MANAGER_CLIENT (self->manager));
  else
    owner = g_dbus_proxy_get_name_owner (G_DBUS_PROXY (self->host));
  if (owner == NULL)
    {
      jmp_client_no_host_error (self, error);
      return FALSE;
    }
  return TRUE;
}

static void
jmp_client_manager_error (JmpClient *self, GError **error, GError *cause)
{
  if (g_error_matches (cause, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
      g_error_matches (cause, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER))
    {
      g_error_free (cause);
      jmp_client_no_host_error (self, error);
      return;
    }
  jmp_client_error_from_dbus (&cause);
  g_propagate_error (error, cause);
}

/* ---- the driver table ---------------------------------------------------- */

static void
jmp_client_add_object (JmpClient *self, GDBusObject *object, gboolean emit)
{
  const gchar *object_path = g_dbus_object_get_object_path (object);
  g_autoptr(GDBusInterface) iface = NULL;
  JmpDriverProxy *driver;

  if (g_hash_table_contains (self->drivers, object_path))
    return;

  iface = g_dbus_object_get_interface (object, JMP_DRIVER_INTERFACE);
  if (iface == NULL)
    return;

  driver = jmp_driver_proxy_new_for_object (object);
  g_hash_table_insert (self->drivers, g_strdup (object_path), driver);
  if (emit)
    g_signal_emit (self, signals[SIGNAL_DRIVER_ADDED], 0, driver);
}

static void
jmp_client_remove_object (JmpClient *self, GDBusObject *object)
{
  const gchar *object_path = g_dbus_object_get_object_path (object);
  g_autoptr(JmpDriverProxy) driver = NULL;
  gpointer key = NULL;
  gpointer value = NULL;

  if (!g_hash_table_steal_extended (self->drivers, object_path, &key, &value))
    return;
  g_free (key);
  driver = value;
  g_signal_emit (self, signals[SIGNAL_DRIVER_REMOVED], 0, driver);
}

static void
on_object_added (GDBusObjectManager *manager, GDBusObject *object, gpointer user_data)
{
  jmp_client_add_object (JMP_CLIENT (user_data), object, TRUE);
}

static void
on_object_removed (GDBusObjectManager *manager, GDBusObject *object, gpointer user_data)
{
  jmp_client_remove_object (JMP_CLIENT (user_data), object);
}

static void
on_interface_added (GDBusObjectManager *manager,
                    GDBusObject        *object,
                    GDBusInterface     *iface,
                    gpointer            user_data)
{
  GDBusInterfaceInfo *info = g_dbus_interface_get_info (iface);

  if (g_strcmp0 (info->name, JMP_DRIVER_INTERFACE) == 0)
    jmp_client_add_object (JMP_CLIENT (user_data), object, TRUE);
}

static void
on_interface_removed (GDBusObjectManager *manager,
                      GDBusObject        *object,
                      GDBusInterface     *iface,
                      gpointer            user_data)
{
  GDBusInterfaceInfo *info = g_dbus_interface_get_info (iface);

  if (g_strcmp0 (info->name, JMP_DRIVER_INTERFACE) == 0)
    jmp_client_remove_object (JMP_CLIENT (user_data), object);
}

/* Every driver of either table leaves, in the order of the tree. */
static void
jmp_client_remove_all (JmpClient *self)
{
  g_autolist(JmpDriverProxy) drivers = jmp_client_get_drivers (self);
  g_autoptr(GList) values = g_hash_table_get_values (self->looked_up);

  drivers = g_list_concat (drivers, g_list_copy_deep (values, (GCopyFunc) (void (*) (void)) g_object_ref, NULL));
  g_hash_table_remove_all (self->drivers);
  g_hash_table_remove_all (self->looked_up);
  for (GList *l = drivers; l != NULL; l = l->next)
    g_signal_emit (self, signals[SIGNAL_DRIVER_REMOVED], 0, l->data);
}

/* ---- drivers looked up one by one ---------------------------------------- */

/* A looked-up driver's object path → its object, or NULL. */
static JmpClientObject *
jmp_client_looked_up_object (JmpClient *self, const gchar *object_path)
{
  JmpDriverProxy *driver = g_hash_table_lookup (self->looked_up, object_path);

  return driver != NULL ? JMP_CLIENT_OBJECT (jmp_driver_proxy_get_object (driver)) : NULL;
}

/* What the manager does for its objects, for the few a client looked up:
 * an interface a plugin adds later gets its proxy. */
static void
on_interfaces_added (GDBusConnection *connection,
                     const gchar     *sender_name,
                     const gchar     *object_path,
                     const gchar     *interface_name,
                     const gchar     *signal_name,
                     GVariant        *parameters,
                     gpointer         user_data)
{
  JmpClient *self = JMP_CLIENT (user_data);
  g_autoptr(GVariant) interfaces = NULL;
  const gchar *path = NULL;
  JmpClientObject *object;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(oa{sa{sv}})")))
    return;
  g_variant_get (parameters, "(&o@a{sa{sv}})", &path, &interfaces);
  object = jmp_client_looked_up_object (self, path);
  if (object != NULL)
    jmp_client_object_add_interfaces (object, interfaces);
}

/* A looked-up driver that loses Driver1 (a reload removed it) leaves, as
 * with the manager; another interface only loses its proxy. */
static void
on_interfaces_removed (GDBusConnection *connection,
                       const gchar     *sender_name,
                       const gchar     *object_path,
                       const gchar     *interface_name,
                       const gchar     *signal_name,
                       GVariant        *parameters,
                       gpointer         user_data)
{
  JmpClient *self = JMP_CLIENT (user_data);
  g_autofree const gchar **interfaces = NULL;
  const gchar *path = NULL;
  JmpClientObject *object;
  gpointer key = NULL;
  gpointer value = NULL;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(oas)")))
    return;
  g_variant_get (parameters, "(&o^a&s)", &path, &interfaces);
  object = jmp_client_looked_up_object (self, path);
  if (object == NULL)
    return;
  if (!g_strv_contains (interfaces, JMP_DRIVER_INTERFACE))
    {
      jmp_client_object_remove_interfaces (object, interfaces);
      return;
    }
  if (g_hash_table_steal_extended (self->looked_up, path, &key, &value))
    {
      g_autoptr(JmpDriverProxy) driver = value;

      g_free (key);
      g_signal_emit (self, signals[SIGNAL_DRIVER_REMOVED], 0, driver);
    }
}

/* On a bus, the host's name lost its owner: it exited. */
static void
on_host_owner_changed (GObject *proxy, GParamSpec *pspec, gpointer user_data)
{
  JmpClient *self = JMP_CLIENT (user_data);
  g_autofree gchar *owner = g_dbus_proxy_get_name_owner (G_DBUS_PROXY (proxy));

  if (owner == NULL)
    jmp_client_remove_all (self);
}

/* Without the tree, the client follows only the drivers it looked up:
 * the ObjectManager's two signals (the InterfacesRemoved of a reload;
 * no reply to wait for) and the host going away. */
static void
jmp_client_follow_looked_up (JmpClient *self)
{
  const gchar *sender = jmp_client_manager_name (self);

  self->added_id =
    g_dbus_connection_signal_subscribe (self->connection, sender,
                                        "org.freedesktop.DBus.ObjectManager", "InterfacesAdded",
                                        JMP_HOST_OBJECT_PATH, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                        on_interfaces_added, self, NULL);
  self->removed_id =
    g_dbus_connection_signal_subscribe (self->connection, sender,
                                        "org.freedesktop.DBus.ObjectManager", "InterfacesRemoved",
                                        JMP_HOST_OBJECT_PATH, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                        on_interfaces_removed, self, NULL);
  g_signal_connect_object (self->host, "notify::g-name-owner",
                           G_CALLBACK (on_host_owner_changed), self, 0);
  g_signal_connect_object (self->connection, "closed",
                           G_CALLBACK (on_connection_closed), self, 0);
}

/* The driver @object stands for, the one the client already follows if
 * it looked it up before. */
JmpDriverProxy *
jmp_client_add_looked_up (JmpClient *self, JmpClientObject *object)
{
  const gchar *object_path = g_dbus_object_get_object_path (G_DBUS_OBJECT (object));
  JmpDriverProxy *driver = g_hash_table_lookup (self->looked_up, object_path);

  if (driver == NULL)
    {
      driver = jmp_driver_proxy_new_for_object (G_DBUS_OBJECT (object));
      g_hash_table_insert (self->looked_up, g_strdup (object_path), driver);
    }
  return g_object_ref (driver);
}

/* A driver looked up before, by dotted path or object path, or NULL. */
JmpDriverProxy *
jmp_client_find_looked_up (JmpClient *self, const gchar *path)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->looked_up);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      if (g_strcmp0 (jmp_driver_proxy_get_object_path (value), path) == 0 ||
          g_strcmp0 (jmp_driver_proxy_get_path (value), path) == 0)
        return g_object_ref (value);
    }
  return NULL;
}

/* A peer-to-peer host that exits closes the connection; its drivers are gone. */
static void
on_connection_closed (GDBusConnection *connection,
                      gboolean         remote_peer_vanished,
                      GError          *error,
                      gpointer         user_data)
{
  JmpClient *self = JMP_CLIENT (user_data);

  if (self->address == NULL)
    return;
  jmp_client_remove_all (self);
}

static void
jmp_client_populate (JmpClient *self)
{
  g_autolist(GDBusObject) objects = NULL;

  self->initialized = TRUE;
  if (self->manager == NULL)
    {
      jmp_client_follow_looked_up (self);
      return;
    }

  objects = g_dbus_object_manager_get_objects (self->manager);
  for (GList *l = objects; l != NULL; l = l->next)
    jmp_client_add_object (self, l->data, FALSE);

  g_signal_connect_object (self->manager, "object-added",
                           G_CALLBACK (on_object_added), self, 0);
  g_signal_connect_object (self->manager, "object-removed",
                           G_CALLBACK (on_object_removed), self, 0);
  g_signal_connect_object (self->manager, "interface-added",
                           G_CALLBACK (on_interface_added), self, 0);
  g_signal_connect_object (self->manager, "interface-removed",
                           G_CALLBACK (on_interface_removed), self, 0);
  g_signal_connect_object (self->connection, "closed",
                           G_CALLBACK (on_connection_closed), self, 0);
}

static const gchar *
jmp_client_manager_name (JmpClient *self)
{
  if (self->address != NULL)
    return NULL;
  return self->bus_name != NULL ? self->bus_name : JMP_HOST_BUS_NAME;
}

static gboolean
jmp_client_loads_drivers (JmpClient *self)
{
  return !(self->flags & JMP_CLIENT_FLAGS_DO_NOT_LOAD_DRIVERS);
}

/* The manager's first call starts the host by D-Bus activation; without a
 * manager, Host1's proxy does. */
static GDBusProxyFlags
jmp_client_host_proxy_flags (JmpClient *self)
{
  return self->manager != NULL ? G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START : G_DBUS_PROXY_FLAGS_NONE;
}

/* ---- GInitable ----------------------------------------------------------- */

static gboolean
jmp_client_initable_init (GInitable     *initable,
                          GCancellable  *cancellable,
                          GError       **error)
{
  JmpClient *self = JMP_CLIENT (initable);
  GError *local_error = NULL;

  if (self->initialized)
    return TRUE;

  if (!jmp_client_resolve_target (self, error))
    return FALSE;

  if (self->address != NULL)
    self->connection = jmp_peer_connect_sync (self->address, cancellable, &local_error);
  else
    self->connection = g_bus_get_sync (self->bus_type, cancellable, &local_error);
  if (self->connection == NULL)
    {
      jmp_client_connect_error (self, error, local_error);
      return FALSE;
    }

  if (jmp_client_loads_drivers (self))
    {
      self->manager = jmp_dbus_object_manager_client_new_sync (self->connection,
                                                               G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_NONE,
                                                               jmp_client_manager_name (self),
                                                               JMP_HOST_OBJECT_PATH,
                                                               cancellable, &local_error);
      if (self->manager == NULL)
        {
          jmp_client_manager_error (self, error, local_error);
          return FALSE;
        }
      if (!jmp_client_check_owner (self, error))
        return FALSE;
    }

  self->host = jmp_dbus_host1_proxy_new_sync (self->connection,
                                              jmp_client_host_proxy_flags (self),
                                              jmp_client_manager_name (self),
                                              JMP_HOST_OBJECT_PATH,
                                              cancellable, &local_error);
  if (self->host == NULL)
    {
      jmp_client_manager_error (self, error, local_error);
      return FALSE;
    }
  if (self->manager == NULL && !jmp_client_check_owner (self, error))
    return FALSE;

  jmp_client_populate (self);
  return TRUE;
}

static void
jmp_client_initable_iface_init (GInitableIface *iface)
{
  iface->init = jmp_client_initable_init;
}

/* ---- GAsyncInitable ------------------------------------------------------ */

static void
on_host_proxy_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  JmpClient *self = g_task_get_source_object (task);
  GError *error = NULL;
  g_autoptr(GError) outer = NULL;

  self->host = jmp_dbus_host1_proxy_new_finish (result, &error);
  if (self->host == NULL)
    {
      jmp_client_manager_error (self, &outer, error);
      g_task_return_error (task, g_steal_pointer (&outer));
      return;
    }
  if (self->manager == NULL && !jmp_client_check_owner (self, &outer))
    {
      g_task_return_error (task, g_steal_pointer (&outer));
      return;
    }

  jmp_client_populate (self);
  g_task_return_boolean (task, TRUE);
}

static void
jmp_client_host_proxy_new (JmpClient *self, GTask *task)
{
  jmp_dbus_host1_proxy_new (self->connection,
                            jmp_client_host_proxy_flags (self),
                            jmp_client_manager_name (self),
                            JMP_HOST_OBJECT_PATH,
                            g_task_get_cancellable (task),
                            on_host_proxy_ready,
                            g_object_ref (task));
}

static void
on_manager_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  JmpClient *self = g_task_get_source_object (task);
  GError *error = NULL;
  g_autoptr(GError) outer = NULL;

  self->manager = jmp_dbus_object_manager_client_new_finish (result, &error);
  if (self->manager == NULL)
    {
      jmp_client_manager_error (self, &outer, error);
      g_task_return_error (task, g_steal_pointer (&outer));
      return;
    }
  if (!jmp_client_check_owner (self, &outer))
    {
      g_task_return_error (task, g_steal_pointer (&outer));
      return;
    }

  jmp_client_host_proxy_new (self, task);
}

static void
on_connection_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  JmpClient *self = g_task_get_source_object (task);
  GError *error = NULL;
  g_autoptr(GError) outer = NULL;

  if (self->address != NULL)
    self->connection = jmp_peer_connect_finish (result, &error);
  else
    self->connection = g_bus_get_finish (result, &error);
  if (self->connection == NULL)
    {
      jmp_client_connect_error (self, &outer, error);
      g_task_return_error (task, g_steal_pointer (&outer));
      return;
    }

  if (!jmp_client_loads_drivers (self))
    {
      jmp_client_host_proxy_new (self, task);
      return;
    }
  jmp_dbus_object_manager_client_new (self->connection,
                                      G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_NONE,
                                      jmp_client_manager_name (self),
                                      JMP_HOST_OBJECT_PATH,
                                      g_task_get_cancellable (task),
                                      on_manager_ready,
                                      g_object_ref (task));
}

static void
jmp_client_init_async (GAsyncInitable      *initable,
                       int                  io_priority,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  JmpClient *self = JMP_CLIENT (initable);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  GError *error = NULL;

  g_task_set_source_tag (task, jmp_client_init_async);
  g_task_set_priority (task, io_priority);

  if (self->initialized)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  if (!jmp_client_resolve_target (self, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  if (self->address != NULL)
    jmp_peer_connect_async (self->address, cancellable,
                            on_connection_ready, g_object_ref (task));
  else
    g_bus_get (self->bus_type, cancellable, on_connection_ready, g_object_ref (task));
}

static gboolean
jmp_client_init_finish (GAsyncInitable  *initable,
                        GAsyncResult    *result,
                        GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, initable), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
jmp_client_async_initable_iface_init (GAsyncInitableIface *iface)
{
  iface->init_async = jmp_client_init_async;
  iface->init_finish = jmp_client_init_finish;
}

/* ---- GObject ------------------------------------------------------------- */

static void
jmp_client_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  JmpClient *self = JMP_CLIENT (object);

  switch (prop_id)
    {
    case PROP_BUS_TYPE:
      g_value_set_enum (value, self->bus_type);
      break;
    case PROP_FLAGS:
      g_value_set_flags (value, self->flags);
      break;
    case PROP_ADDRESS:
      g_value_set_string (value, self->address);
      break;
    case PROP_BUS_NAME:
      g_value_set_string (value, self->bus_name);
      break;
    case PROP_CONNECTION:
      g_value_set_object (value, self->connection);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
jmp_client_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  JmpClient *self = JMP_CLIENT (object);

  switch (prop_id)
    {
    case PROP_BUS_TYPE:
      self->bus_type = g_value_get_enum (value);
      break;
    case PROP_FLAGS:
      self->flags = g_value_get_flags (value);
      break;
    case PROP_ADDRESS:
      g_free (self->address);
      self->address = g_value_dup_string (value);
      break;
    case PROP_BUS_NAME:
      g_free (self->bus_name);
      self->bus_name = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
jmp_client_dispose (GObject *object)
{
  JmpClient *self = JMP_CLIENT (object);

  g_hash_table_remove_all (self->drivers);
  g_hash_table_remove_all (self->looked_up);
  if (self->added_id != 0)
    g_dbus_connection_signal_unsubscribe (self->connection, self->added_id);
  if (self->removed_id != 0)
    g_dbus_connection_signal_unsubscribe (self->connection, self->removed_id);
  self->added_id = self->removed_id = 0;
  g_clear_object (&self->host);
  g_clear_object (&self->manager);
  g_clear_object (&self->connection);

  G_OBJECT_CLASS (jmp_client_parent_class)->dispose (object);
}

static void
jmp_client_finalize (GObject *object)
{
  JmpClient *self = JMP_CLIENT (object);

  g_hash_table_unref (self->drivers);
  g_hash_table_unref (self->looked_up);
  g_clear_pointer (&self->labels, g_hash_table_unref);
  g_clear_pointer (&self->labels_value, g_variant_unref);
  g_free (self->address);
  g_free (self->bus_name);

  G_OBJECT_CLASS (jmp_client_parent_class)->finalize (object);
}

static void
jmp_client_class_init (JmpClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = jmp_client_get_property;
  object_class->set_property = jmp_client_set_property;
  object_class->dispose = jmp_client_dispose;
  object_class->finalize = jmp_client_finalize;

  /* Registers dev.jumpstarter.Error.* so that replies come back as JMP_ERROR. */
  (void) jmp_error_quark ();

  /**
   * JmpClient:bus-type:
   *
   * The bus to find the host on when #JmpClient:address is not set.
   * %G_BUS_TYPE_SESSION and %G_BUS_TYPE_STARTER prefer `$JUMPSTARTER_HOST`
   * when it is set; %G_BUS_TYPE_SYSTEM always uses the system bus.
   */
  props[PROP_BUS_TYPE] =
    g_param_spec_enum ("bus-type", NULL, NULL,
                       G_TYPE_BUS_TYPE, G_BUS_TYPE_SESSION,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * JmpClient:flags:
   *
   * How the client connects: with %JMP_CLIENT_FLAGS_DO_NOT_LOAD_DRIVERS
   * it does not load the driver tree.
   */
  props[PROP_FLAGS] =
    g_param_spec_flags ("flags", NULL, NULL,
                        JMP_TYPE_CLIENT_FLAGS, JMP_CLIENT_FLAGS_NONE,
                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * JmpClient:address:
   *
   * The peer-to-peer D-Bus address of the host, e.g.
   * `unix:path=/run/user/1000/jumpstarter-ab12cd/host.sock`, or %NULL to
   * find it on a bus.
   */
  props[PROP_ADDRESS] =
    g_param_spec_string ("address", NULL, NULL,
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * JmpClient:bus-name:
   *
   * The well-known name of the host on the bus, e.g.
   * `dev.jumpstarter.Host1.bench-7` (see jmp_exporter_bus_name()), or
   * %NULL for the default host, `dev.jumpstarter.Host1`. A name given
   * here wins over `$JUMPSTARTER_HOST`.
   */
  props[PROP_BUS_NAME] =
    g_param_spec_string ("bus-name", NULL, NULL,
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * JmpClient:connection:
   *
   * The D-Bus connection to the host, once the client is initialized.
   */
  props[PROP_CONNECTION] =
    g_param_spec_object ("connection", NULL, NULL,
                         G_TYPE_DBUS_CONNECTION,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, props);

  /**
   * JmpClient::driver-added:
   * @self: the client
   * @driver: the new driver
   *
   * A driver appeared on the host, e.g. after a reload.
   */
  signals[SIGNAL_DRIVER_ADDED] =
    g_signal_new ("driver-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, JMP_TYPE_DRIVER_PROXY);

  /**
   * JmpClient::driver-removed:
   * @self: the client
   * @driver: the driver that went away
   *
   * A driver left the host, or the host itself went away.
   */
  signals[SIGNAL_DRIVER_REMOVED] =
    g_signal_new ("driver-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, JMP_TYPE_DRIVER_PROXY);
}

static void
jmp_client_init (JmpClient *self)
{
  self->bus_type = G_BUS_TYPE_SESSION;
  self->drivers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->looked_up = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
}

/* ---- public API ---------------------------------------------------------- */

/**
 * jmp_client_new:
 * @bus_type: the bus to use when `$JUMPSTARTER_HOST` is not set, usually
 *   %G_BUS_TYPE_SESSION; %G_BUS_TYPE_SYSTEM ignores `$JUMPSTARTER_HOST`
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the client is ready
 * @user_data: data for @callback
 *
 * Connects to a host: peer-to-peer at the address in `$JUMPSTARTER_HOST` (a
 * D-Bus address; a plain path means `unix:path=PATH`) when it is set and
 * @bus_type allows it, else to `dev.jumpstarter.Host1` on the bus.
 * Finish with jmp_client_new_finish().
 */
void
jmp_client_new (GBusType             bus_type,
                GCancellable        *cancellable,
                GAsyncReadyCallback  callback,
                gpointer             user_data)
{
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  g_async_initable_new_async (JMP_TYPE_CLIENT, G_PRIORITY_DEFAULT, cancellable,
                              callback, user_data,
                              "bus-type", bus_type,
                              NULL);
}

/**
 * jmp_client_new_finish:
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes jmp_client_new() or jmp_client_new_for_address().
 *
 * Returns: (transfer full): the client, or %NULL with @error set: in
 *   %JMP_ERROR, %JMP_ERROR_UNAVAILABLE when no host can be reached
 */
JmpClient *
jmp_client_new_finish (GAsyncResult  *result,
                       GError       **error)
{
  g_autoptr(GObject) source = NULL;
  GObject *object;

  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  source = g_async_result_get_source_object (result);
  object = g_async_initable_new_finish (G_ASYNC_INITABLE (source), result, error);
  return object != NULL ? JMP_CLIENT (object) : NULL;
}

/**
 * jmp_client_new_sync:
 * @bus_type: the bus to use when `$JUMPSTARTER_HOST` is not set, usually
 *   %G_BUS_TYPE_SESSION; %G_BUS_TYPE_SYSTEM ignores `$JUMPSTARTER_HOST`
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Connects to a host as jmp_client_new() does, blocking the calling thread
 * (but not running any main context).
 *
 * Returns: (transfer full): the client, or %NULL with @error set
 */
JmpClient *
jmp_client_new_sync (GBusType       bus_type,
                     GCancellable  *cancellable,
                     GError       **error)
{
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return g_initable_new (JMP_TYPE_CLIENT, cancellable, error,
                         "bus-type", bus_type,
                         NULL);
}

/**
 * jmp_client_new_for_address:
 * @address: a D-Bus address such as `unix:path=/run/jumpstarter/host.sock`
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the client is ready
 * @user_data: data for @callback
 *
 * Connects peer-to-peer to the host listening at @address (what
 * `jumpstarter-host --listen ADDRESS --print-address` prints).
 * Finish with jmp_client_new_for_address_finish().
 */
void
jmp_client_new_for_address (const gchar         *address,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (address != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  g_async_initable_new_async (JMP_TYPE_CLIENT, G_PRIORITY_DEFAULT, cancellable,
                              callback, user_data,
                              "address", address,
                              NULL);
}

/**
 * jmp_client_new_for_address_finish:
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes jmp_client_new_for_address().
 *
 * Returns: (transfer full): the client, or %NULL with @error set
 */
JmpClient *
jmp_client_new_for_address_finish (GAsyncResult  *result,
                                   GError       **error)
{
  return jmp_client_new_finish (result, error);
}

/**
 * jmp_client_new_for_address_sync:
 * @address: a D-Bus address such as `unix:path=/run/jumpstarter/host.sock`
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Connects peer-to-peer to the host listening at @address, blocking the
 * calling thread.
 *
 * Returns: (transfer full): the client, or %NULL with @error set
 */
JmpClient *
jmp_client_new_for_address_sync (const gchar   *address,
                                 GCancellable  *cancellable,
                                 GError       **error)
{
  g_return_val_if_fail (address != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return g_initable_new (JMP_TYPE_CLIENT, cancellable, error,
                         "address", address,
                         NULL);
}

/**
 * jmp_client_get_connection:
 * @self: a #JmpClient
 *
 * Gets the connection the client talks to the host on, for calls the
 * library does not wrap.
 *
 * Returns: (transfer none): the D-Bus connection to the host
 */
GDBusConnection *
jmp_client_get_connection (JmpClient *self)
{
  g_return_val_if_fail (JMP_IS_CLIENT (self), NULL);
  return self->connection;
}

/* The Host1 proxy, for the calls of jmp-client-list.c. */
JmpDBusHost1 *
jmp_client_get_host_proxy (JmpClient *self)
{
  return self->host;
}

/**
 * jmp_client_get_flags:
 * @self: a #JmpClient
 *
 * Gets the flags the client was made with.
 *
 * Returns: the flags
 */
JmpClientFlags
jmp_client_get_flags (JmpClient *self)
{
  g_return_val_if_fail (JMP_IS_CLIENT (self), JMP_CLIENT_FLAGS_NONE);
  return self->flags;
}

/**
 * jmp_client_get_exporter_name:
 * @self: a #JmpClient
 *
 * Gets the name of the exporter the host serves.
 *
 * Returns: (nullable): `metadata.name` of the host's exporter config
 */
const gchar *
jmp_client_get_exporter_name (JmpClient *self)
{
  g_return_val_if_fail (JMP_IS_CLIENT (self), NULL);
  return self->host != NULL ? jmp_dbus_host1_get_exporter_name (self->host) : NULL;
}

/**
 * jmp_client_get_version:
 * @self: a #JmpClient
 *
 * Gets the version of the host, its `Host1.Version` property.
 *
 * Returns: (nullable): the version of the `jumpstarter-host` serving this client
 */
const gchar *
jmp_client_get_version (JmpClient *self)
{
  g_return_val_if_fail (JMP_IS_CLIENT (self), NULL);
  return self->host != NULL ? jmp_dbus_host1_get_version (self->host) : NULL;
}

/**
 * jmp_client_get_motd:
 * @self: a #JmpClient
 *
 * Gets the message of the day of the host's exporter config, which
 * `jmp shell` shows when it starts a shell.
 *
 * Returns: (nullable): the message of the day of the exporter config
 */
const gchar *
jmp_client_get_motd (JmpClient *self)
{
  g_return_val_if_fail (JMP_IS_CLIENT (self), NULL);
  return self->host != NULL ? jmp_dbus_host1_get_motd (self->host) : NULL;
}

/**
 * jmp_client_get_labels:
 * @self: a #JmpClient
 *
 * The labels of the exporter. The table stays valid until the host changes
 * them and this function is called again.
 *
 * Returns: (transfer none) (element-type utf8 utf8): the labels
 */
GHashTable *
jmp_client_get_labels (JmpClient *self)
{
  GVariant *value;

  g_return_val_if_fail (JMP_IS_CLIENT (self), NULL);

  value = self->host != NULL ? jmp_dbus_host1_get_labels (self->host) : NULL;
  if (self->labels == NULL || self->labels_value != value)
    {
      g_clear_pointer (&self->labels, g_hash_table_unref);
      g_clear_pointer (&self->labels_value, g_variant_unref);
      self->labels = jmp_client_hash_from_variant (value);
      self->labels_value = value != NULL ? g_variant_ref (value) : NULL;
    }
  return self->labels;
}

/* The host numbers its drivers depth first in the order of the config
 * file. Between equal numbers (a host that has none), object paths: they
 * escape every component to [A-Za-z0-9_], all of which sort after '/', so
 * strcmp() still puts a driver's children right after it. */
static gint
compare_drivers (gconstpointer a, gconstpointer b)
{
  guint ia = jmp_driver_proxy_get_index ((JmpDriverProxy *) a);
  guint ib = jmp_driver_proxy_get_index ((JmpDriverProxy *) b);

  if (ia != ib)
    return ia < ib ? -1 : 1;
  return strcmp (jmp_driver_proxy_get_object_path ((JmpDriverProxy *) a),
                 jmp_driver_proxy_get_object_path ((JmpDriverProxy *) b));
}

/**
 * jmp_client_get_drivers:
 * @self: a #JmpClient
 *
 * Lists every driver of the host, nested ones included, depth first in
 * the order of the config file: a driver comes right before its children.
 * A client made with %JMP_CLIENT_FLAGS_DO_NOT_LOAD_DRIVERS has none: see
 * jmp_client_list_drivers().
 *
 * Returns: (transfer full) (element-type JmpDriverProxy): the drivers
 */
GList *
jmp_client_get_drivers (JmpClient *self)
{
  GList *drivers;
  g_autoptr(GList) values = NULL;

  g_return_val_if_fail (JMP_IS_CLIENT (self), NULL);

  values = g_hash_table_get_values (self->drivers);
  drivers = g_list_copy_deep (values, (GCopyFunc) (void (*) (void)) g_object_ref, NULL);
  return g_list_sort (drivers, compare_drivers);
}

/**
 * jmp_client_get_driver:
 * @self: a #JmpClient
 * @path: the dotted path of a driver from the root of the export, e.g.
 *   `"harness.power"`, or its D-Bus object path
 * @error: return location for a #GError
 *
 * Looks a driver up.
 *
 * Returns: (transfer full): the driver, or %NULL with @error set to
 *   %JMP_ERROR_NOT_FOUND, whose message lists the drivers there are
 */
JmpDriverProxy *
jmp_client_get_driver (JmpClient    *self,
                       const gchar  *path,
                       GError      **error)
{
  g_autolist(JmpDriverProxy) drivers = NULL;
  g_autoptr(GPtrArray) names = NULL;

  g_return_val_if_fail (JMP_IS_CLIENT (self), NULL);
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!jmp_client_loads_drivers (self))
    {
      g_set_error (error, JMP_ERROR, JMP_ERROR_NOT_SUPPORTED,
                   _("cannot look up driver \"%s\": the client was made without the "
                     "host's drivers"), path);
      return NULL;
    }

  if (path[0] == '/')
    {
      JmpDriverProxy *driver = g_hash_table_lookup (self->drivers, path);
      if (driver != NULL)
        return g_object_ref (driver);
    }

  drivers = jmp_client_get_drivers (self);
  for (GList *l = drivers; l != NULL; l = l->next)
    {
      if (g_strcmp0 (jmp_driver_proxy_get_path (l->data), path) == 0)
        return g_object_ref (l->data);
    }

  names = g_ptr_array_new ();
  for (GList *l = drivers; l != NULL; l = l->next)
    g_ptr_array_add (names, (gpointer) jmp_driver_proxy_get_path (l->data));
  jmp_client_set_not_found (self, path, names, error);
  return NULL;
}

/* @path is none of @names (the drivers' dotted paths, in tree order): the
 * error says which there are. */
void
jmp_client_set_not_found (JmpClient    *self,
                          const gchar  *path,
                          GPtrArray    *names,
                          GError      **error)
{
  g_autoptr(GString) list = g_string_new (NULL);
  const gchar *exporter = jmp_client_get_exporter_name (self);

  if (exporter == NULL || *exporter == '\0')
    exporter = "?";

  for (guint i = 0; i < names->len; i++)
    g_string_append_printf (list, "%s%s", i > 0 ? ", " : "",
                            (const gchar *) g_ptr_array_index (names, i));
  if (names->len == 0)
    g_set_error (error, JMP_ERROR, JMP_ERROR_NOT_FOUND,
                 _("no driver \"%s\" on exporter %s; it has no drivers"),
                 path, exporter);
  else
    g_set_error (error, JMP_ERROR, JMP_ERROR_NOT_FOUND,
                 _("no driver \"%s\" on exporter %s; drivers: %s"),
                 path, exporter, list->str);
}

static void
on_reload_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!jmp_dbus_host1_call_reload_finish (JMP_DBUS_HOST1 (source), result, &error))
    {
      jmp_client_error_from_dbus (&error);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

/**
 * jmp_client_reload:
 * @self: a #JmpClient
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the host has re-read its config
 * @user_data: data for @callback
 *
 * Makes the host re-read its config; see jmp_client_reload_sync(). Finish
 * with jmp_client_reload_finish().
 */
void
jmp_client_reload (JmpClient           *self,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (JMP_IS_CLIENT (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, jmp_client_reload);
  jmp_dbus_host1_call_reload (self->host, cancellable, on_reload_reply, g_steal_pointer (&task));
}

/**
 * jmp_client_reload_finish:
 * @self: a #JmpClient
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes jmp_client_reload().
 *
 * Returns: %TRUE on success; %FALSE with @error set when the config is
 *   broken (the running tree is left as it was)
 */
gboolean
jmp_client_reload_finish (JmpClient     *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (JMP_IS_CLIENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * jmp_client_reload_sync:
 * @self: a #JmpClient
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Makes the host re-read its config. Drivers that changed leave and come
 * back (#JmpClient::driver-removed, #JmpClient::driver-added, once the main
 * context runs); a broken file fails and leaves the tree as it was.
 *
 * Returns: %TRUE on success
 */
gboolean
jmp_client_reload_sync (JmpClient     *self,
                        GCancellable  *cancellable,
                        GError       **error)
{
  g_return_val_if_fail (JMP_IS_CLIENT (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!jmp_dbus_host1_call_reload_sync (self->host, cancellable, error))
    {
      jmp_client_error_from_dbus (error);
      return FALSE;
    }
  return TRUE;
}
