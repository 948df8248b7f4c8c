/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One driver's D-Bus object as a client that looked it up alone sees it:
 * the proxies a GDBusObjectManagerClient would make for it (the generated
 * types for our interfaces, a plain GDBusProxy for a plugin's own), filled
 * from one entry of GetManagedObjects() (Host1.GetDriver()'s answer). As
 * the manager does, the object subscribes to the signals of its path and
 * hands them to its proxies: a proxy made without loading its properties
 * ignores PropertiesChanged itself.
 */
#include "config.h"

#include "jmp-client-object-private.h"
#include "jmp-dbus-generated.h"

struct _JmpClientObject
{
  GObject          parent_instance;

  GDBusConnection *connection;
  gchar           *name_owner;     /* NULL peer-to-peer */
  gchar           *object_path;
  GHashTable      *interfaces;     /* interface name → GDBusProxy */
  guint            signals_id;
};

static void jmp_client_object_iface_init (GDBusObjectIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (JmpClientObject, jmp_client_object, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_DBUS_OBJECT,
                                                      jmp_client_object_iface_init))

static const gchar *
jmp_client_object_get_object_path (GDBusObject *object)
{
  return JMP_CLIENT_OBJECT (object)->object_path;
}

static GList *
jmp_client_object_get_interfaces (GDBusObject *object)
{
  GList *interfaces = g_hash_table_get_values (JMP_CLIENT_OBJECT (object)->interfaces);

  g_list_foreach (interfaces, (GFunc) (void (*) (void)) g_object_ref, NULL);
  return interfaces;
}

static GDBusInterface *
jmp_client_object_get_interface (GDBusObject *object, const gchar *interface_name)
{
  GDBusInterface *iface = g_hash_table_lookup (JMP_CLIENT_OBJECT (object)->interfaces,
                                               interface_name);

  return iface != NULL ? g_object_ref (iface) : NULL;
}

static void
jmp_client_object_iface_init (GDBusObjectIface *iface)
{
  iface->get_object_path = jmp_client_object_get_object_path;
  iface->get_interfaces = jmp_client_object_get_interfaces;
  iface->get_interface = jmp_client_object_get_interface;
}

static void
jmp_client_object_dispose (GObject *object)
{
  JmpClientObject *self = JMP_CLIENT_OBJECT (object);

  if (self->signals_id != 0)
    {
      g_dbus_connection_signal_unsubscribe (self->connection, self->signals_id);
      self->signals_id = 0;
    }

  if (self->interfaces != NULL)
    {
      GHashTableIter iter;
      gpointer value;

      g_hash_table_iter_init (&iter, self->interfaces);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        g_dbus_interface_set_object (value, NULL);
      g_hash_table_remove_all (self->interfaces);
    }
  g_clear_object (&self->connection);

  G_OBJECT_CLASS (jmp_client_object_parent_class)->dispose (object);
}

static void
jmp_client_object_finalize (GObject *object)
{
  JmpClientObject *self = JMP_CLIENT_OBJECT (object);

  g_hash_table_unref (self->interfaces);
  g_free (self->name_owner);
  g_free (self->object_path);

  G_OBJECT_CLASS (jmp_client_object_parent_class)->finalize (object);
}

static void
jmp_client_object_class_init (JmpClientObjectClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = jmp_client_object_dispose;
  object_class->finalize = jmp_client_object_finalize;
}

static void
jmp_client_object_init (JmpClientObject *self)
{
  self->interfaces = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
}

static void jmp_client_object_set_properties (GDBusProxy *proxy, GVariant *properties);

static void
jmp_client_object_properties_changed (JmpClientObject *self, GVariant *parameters)
{
  g_autoptr(GVariant) changed = NULL;
  g_autofree const gchar **invalidated = NULL;
  const gchar *interface_name = NULL;
  GDBusProxy *proxy;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(sa{sv}as)")))
    return;
  g_variant_get (parameters, "(&s@a{sv}^a&s)", &interface_name, &changed, &invalidated);
  proxy = g_hash_table_lookup (self->interfaces, interface_name);
  if (proxy == NULL)
    return;
  jmp_client_object_set_properties (proxy, changed);
  for (guint i = 0; invalidated[i] != NULL; i++)
    g_dbus_proxy_set_cached_property (proxy, invalidated[i], NULL);
  g_signal_emit_by_name (proxy, "g-properties-changed", changed, invalidated);
}

static void
on_object_signal (GDBusConnection *connection,
                  const gchar     *sender_name,
                  const gchar     *object_path,
                  const gchar     *interface_name,
                  const gchar     *signal_name,
                  GVariant        *parameters,
                  gpointer         user_data)
{
  g_autoptr(JmpClientObject) self = g_weak_ref_get (user_data);
  GDBusProxy *proxy;

  if (self == NULL)
    return;
  if (g_strcmp0 (interface_name, "org.freedesktop.DBus.Properties") == 0)
    {
      if (g_strcmp0 (signal_name, "PropertiesChanged") == 0)
        jmp_client_object_properties_changed (self, parameters);
      return;
    }
  proxy = g_hash_table_lookup (self->interfaces, interface_name);
  if (proxy != NULL)
    g_signal_emit_by_name (proxy, "g-signal", sender_name, signal_name, parameters);
}

static void
jmp_client_object_weak_ref_free (gpointer data)
{
  g_weak_ref_clear (data);
  g_free (data);
}

/* Its signals come in the thread-default main context of the caller. */
JmpClientObject *
jmp_client_object_new (GDBusConnection *connection,
                       const gchar     *name_owner,
                       const gchar     *object_path)
{
  JmpClientObject *self = g_object_new (JMP_TYPE_CLIENT_OBJECT, NULL);
  GWeakRef *ref = g_new0 (GWeakRef, 1);

  self->connection = g_object_ref (connection);
  self->name_owner = g_strdup (name_owner);
  self->object_path = g_strdup (object_path);
  g_weak_ref_init (ref, self);
  self->signals_id = g_dbus_connection_signal_subscribe (connection, name_owner, NULL, NULL,
                                                         object_path, NULL,
                                                         G_DBUS_SIGNAL_FLAGS_NONE,
                                                         on_object_signal, ref,
                                                         jmp_client_object_weak_ref_free);
  return self;
}

/* As g_dbus_proxy_set_cached_property(), but a value of another type than
 * the interface says is dropped rather than warned about: it comes from
 * the host. */
static void
jmp_client_object_set_properties (GDBusProxy *proxy, GVariant *properties)
{
  GDBusInterfaceInfo *info = g_dbus_proxy_get_interface_info (proxy);
  GVariantIter iter;
  const gchar *name;
  GVariant *value;

  g_variant_iter_init (&iter, properties);
  while (g_variant_iter_next (&iter, "{&sv}", &name, &value))
    {
      GDBusPropertyInfo *property = info != NULL ? g_dbus_interface_info_lookup_property (info, name) : NULL;

      if (info == NULL ||
          (property != NULL && g_strcmp0 (property->signature, g_variant_get_type_string (value)) == 0))
        g_dbus_proxy_set_cached_property (proxy, name, value);
      else
        g_debug ("ignoring property %s of %s: not of the interface's type",
                 name, g_dbus_proxy_get_interface_name (proxy));
      g_variant_unref (value);
    }
}

/* One proxy, made as GDBusObjectManagerClient makes it: the type the
 * generated proxy-type function gives, no property load and no signal
 * subscription of its own, the host's unique name so that it asks the bus
 * nothing. */
static GDBusProxy *
jmp_client_object_new_proxy (JmpClientObject *self,
                             const gchar     *interface_name,
                             GVariant        *properties)
{
  GType type = jmp_dbus_object_manager_client_get_proxy_type (NULL, self->object_path,
                                                              interface_name, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusProxy) proxy = NULL;

  proxy = g_initable_new (type, NULL, &error,
                          "g-connection", self->connection,
                          "g-name", self->name_owner,
                          "g-object-path", self->object_path,
                          "g-interface-name", interface_name,
                          "g-flags", G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES |
                                     G_DBUS_PROXY_FLAGS_DO_NOT_CONNECT_SIGNALS |
                                     G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START,
                          NULL);
  if (proxy == NULL)
    {
      /* only for names that are no D-Bus names: from the host */
      g_debug ("no proxy for %s on %s: %s", interface_name, self->object_path, error->message);
      return NULL;
    }
  jmp_client_object_set_properties (proxy, properties);
  return g_steal_pointer (&proxy);
}

/* Adds a proxy per interface of @interfaces_and_properties (`a{sa{sv}}`:
 * one entry of GetManagedObjects(), or InterfacesAdded's second argument)
 * that the object does not have yet. */
void
jmp_client_object_add_interfaces (JmpClientObject *self,
                                  GVariant        *interfaces_and_properties)
{
  GVariantIter iter;
  const gchar *interface_name;
  GVariant *properties;

  g_variant_iter_init (&iter, interfaces_and_properties);
  while (g_variant_iter_next (&iter, "{&s@a{sv}}", &interface_name, &properties))
    {
      GDBusProxy *proxy = NULL;

      if (!g_hash_table_contains (self->interfaces, interface_name) &&
          g_dbus_is_interface_name (interface_name))
        proxy = jmp_client_object_new_proxy (self, interface_name, properties);
      if (proxy != NULL)
        {
          g_dbus_interface_set_object (G_DBUS_INTERFACE (proxy), G_DBUS_OBJECT (self));
          g_hash_table_insert (self->interfaces, g_strdup (interface_name), proxy);
          g_signal_emit_by_name (self, "interface-added", proxy);
        }
      g_variant_unref (properties);
    }
}

/* Drops the proxies of @interfaces, as InterfacesRemoved names them. */
void
jmp_client_object_remove_interfaces (JmpClientObject *self,
                                     const gchar    **interfaces)
{
  for (guint i = 0; interfaces[i] != NULL; i++)
    {
      g_autoptr(GDBusInterface) proxy = NULL;
      gpointer key = NULL;
      gpointer value = NULL;

      if (!g_hash_table_steal_extended (self->interfaces, interfaces[i], &key, &value))
        continue;
      g_free (key);
      proxy = value;
      g_dbus_interface_set_object (proxy, NULL);
      g_signal_emit_by_name (self, "interface-removed", proxy);
    }
}
