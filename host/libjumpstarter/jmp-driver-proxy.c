/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "jmp-driver-proxy.h"
#include "jmp-client-private.h"
#include "jmp-dbus-network-proxy-private.h"
#include "jmp-error.h"

/**
 * JmpDriverProxy:
 *
 * One driver of a host as a client sees it: the `dev.jumpstarter.Driver1`
 * properties of its D-Bus object, and typed proxies for its capabilities
 * (jmp_driver_proxy_get_network()).
 *
 * Get one from jmp_client_get_drivers() or jmp_client_get_driver().
 */

struct _JmpDriverProxy
{
  GObject          parent_instance;

  GDBusObject     *object;
  JmpDBusDriver1  *driver;      /* NULL only if the object lost Driver1 */
  JmpNetworkProxy *network;     /* made on first use */
  JmpDbusNetworkProxy *dbus_network; /* likewise */
  JmpVideoProxy *video;         /* likewise */
  gchar           *fallback_path;

  GVariant        *labels_value;
  GHashTable      *labels;
  GVariant        *methods_value;
  GHashTable      *methods;
};

enum {
  PROP_0,
  PROP_OBJECT,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

G_DEFINE_FINAL_TYPE (JmpDriverProxy, jmp_driver_proxy, G_TYPE_OBJECT)

/* The dotted path from the object path, for a host that does not set Path:
 * /dev/jumpstarter/Host1/driver/a/b → "a.b". */
static gchar *
jmp_driver_proxy_path_from_object_path (const gchar *object_path)
{
  g_auto(GStrv) parts = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

  if (!g_str_has_prefix (object_path, JMP_DRIVER_OBJECT_PATH "/"))
    return g_strdup (object_path);

  parts = g_strsplit (object_path + strlen (JMP_DRIVER_OBJECT_PATH "/"), "/", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      guint8 *name = g_dbus_unescape_object_path (parts[i]);
      g_ptr_array_add (names, name != NULL ? (gchar *) name : g_strdup (parts[i]));
    }
  g_ptr_array_add (names, NULL);
  return g_strjoinv (".", (gchar **) names->pdata);
}

static void
jmp_driver_proxy_constructed (GObject *object)
{
  JmpDriverProxy *self = JMP_DRIVER_PROXY (object);

  G_OBJECT_CLASS (jmp_driver_proxy_parent_class)->constructed (object);

  g_return_if_fail (G_IS_DBUS_OBJECT (self->object));

  self->driver = (JmpDBusDriver1 *) g_dbus_object_get_interface (self->object, JMP_DRIVER_INTERFACE);
  self->fallback_path =
    jmp_driver_proxy_path_from_object_path (g_dbus_object_get_object_path (self->object));
}

static void
jmp_driver_proxy_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  JmpDriverProxy *self = JMP_DRIVER_PROXY (object);

  switch (prop_id)
    {
    case PROP_OBJECT:
      g_value_set_object (value, self->object);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
jmp_driver_proxy_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  JmpDriverProxy *self = JMP_DRIVER_PROXY (object);

  switch (prop_id)
    {
    case PROP_OBJECT:
      g_assert (self->object == NULL);
      self->object = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
jmp_driver_proxy_dispose (GObject *object)
{
  JmpDriverProxy *self = JMP_DRIVER_PROXY (object);

  g_clear_object (&self->dbus_network);
  g_clear_object (&self->video);
  g_clear_object (&self->network);
  g_clear_object (&self->driver);
  g_clear_object (&self->object);

  G_OBJECT_CLASS (jmp_driver_proxy_parent_class)->dispose (object);
}

static void
jmp_driver_proxy_finalize (GObject *object)
{
  JmpDriverProxy *self = JMP_DRIVER_PROXY (object);

  g_clear_pointer (&self->labels, g_hash_table_unref);
  g_clear_pointer (&self->labels_value, g_variant_unref);
  g_clear_pointer (&self->methods, g_hash_table_unref);
  g_clear_pointer (&self->methods_value, g_variant_unref);
  g_free (self->fallback_path);

  G_OBJECT_CLASS (jmp_driver_proxy_parent_class)->finalize (object);
}

static void
jmp_driver_proxy_class_init (JmpDriverProxyClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = jmp_driver_proxy_constructed;
  object_class->get_property = jmp_driver_proxy_get_property;
  object_class->set_property = jmp_driver_proxy_set_property;
  object_class->dispose = jmp_driver_proxy_dispose;
  object_class->finalize = jmp_driver_proxy_finalize;

  (void) jmp_error_quark ();

  /**
   * JmpDriverProxy:object:
   *
   * The D-Bus object of the driver, with `dev.jumpstarter.Driver1` and one
   * interface per capability.
   */
  props[PROP_OBJECT] =
    g_param_spec_object ("object", NULL, NULL,
                         G_TYPE_DBUS_OBJECT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
jmp_driver_proxy_init (JmpDriverProxy *self)
{
}

JmpDriverProxy *
jmp_driver_proxy_new_for_object (GDBusObject *object)
{
  return g_object_new (JMP_TYPE_DRIVER_PROXY, "object", object, NULL);
}

/**
 * jmp_driver_proxy_get_object:
 * @self: a #JmpDriverProxy
 *
 * The driver's D-Bus object, to reach interfaces this library does not
 * wrap (a third-party plugin's own).
 *
 * Returns: (transfer none): the object
 */
GDBusObject *
jmp_driver_proxy_get_object (JmpDriverProxy *self)
{
  g_return_val_if_fail (JMP_IS_DRIVER_PROXY (self), NULL);
  return self->object;
}

/**
 * jmp_driver_proxy_get_object_path:
 * @self: a #JmpDriverProxy
 *
 * Gets the driver's D-Bus object path.
 *
 * Returns: the D-Bus object path, e.g. `/dev/jumpstarter/Host1/driver/harness/power`
 */
const gchar *
jmp_driver_proxy_get_object_path (JmpDriverProxy *self)
{
  g_return_val_if_fail (JMP_IS_DRIVER_PROXY (self), NULL);
  return g_dbus_object_get_object_path (self->object);
}

static const gchar *
nonnull (const gchar *s)
{
  return s != NULL ? s : "";
}

/**
 * jmp_driver_proxy_get_name:
 * @self: a #JmpDriverProxy
 *
 * Gets the driver's name.
 *
 * Returns: the key of the driver in its parent's `export` or `children`
 *   map, e.g. `"power"`
 */
const gchar *
jmp_driver_proxy_get_name (JmpDriverProxy *self)
{
  const gchar *name = NULL;

  g_return_val_if_fail (JMP_IS_DRIVER_PROXY (self), NULL);

  if (self->driver != NULL)
    name = jmp_dbus_driver1_get_name (self->driver);
  if (name == NULL || *name == '\0')
    {
      const gchar *dot = strrchr (self->fallback_path, '.');
      name = dot != NULL ? dot + 1 : self->fallback_path;
    }
  return name;
}

/**
 * jmp_driver_proxy_get_path:
 * @self: a #JmpDriverProxy
 *
 * Gets the driver's path from the root of the export.
 *
 * Returns: the dotted path from the root of the export, e.g.
 *   `"harness.power"`: what `jmp` takes as DRIVER
 */
const gchar *
jmp_driver_proxy_get_path (JmpDriverProxy *self)
{
  const gchar *path = NULL;

  g_return_val_if_fail (JMP_IS_DRIVER_PROXY (self), NULL);

  if (self->driver != NULL)
    path = jmp_dbus_driver1_get_path (self->driver);
  return path != NULL && *path != '\0' ? path : self->fallback_path;
}

/**
 * jmp_driver_proxy_get_type_name:
 * @self: a #JmpDriverProxy
 *
 * Gets the driver's type.
 *
 * Returns: the registered type of the driver, e.g. `"TcpNetwork"`
 */
const gchar *
jmp_driver_proxy_get_type_name (JmpDriverProxy *self)
{
  g_return_val_if_fail (JMP_IS_DRIVER_PROXY (self), NULL);
  return nonnull (self->driver != NULL ? jmp_dbus_driver1_get_type_ (self->driver) : NULL);
}

/**
 * jmp_driver_proxy_get_index:
 * @self: a #JmpDriverProxy
 *
 * Gets the driver's position in the export.
 *
 * Returns: the driver's position in the export, depth first in the order
 *   of the config file
 */
guint
jmp_driver_proxy_get_index (JmpDriverProxy *self)
{
  g_return_val_if_fail (JMP_IS_DRIVER_PROXY (self), 0);
  return self->driver != NULL ? jmp_dbus_driver1_get_index (self->driver) : 0;
}

/**
 * jmp_driver_proxy_get_uuid:
 * @self: a #JmpDriverProxy
 *
 * Gets the driver's UUID.
 *
 * Returns: the UUID of the driver
 */
const gchar *
jmp_driver_proxy_get_uuid (JmpDriverProxy *self)
{
  g_return_val_if_fail (JMP_IS_DRIVER_PROXY (self), NULL);
  return nonnull (self->driver != NULL ? jmp_dbus_driver1_get_uuid (self->driver) : NULL);
}

/**
 * jmp_driver_proxy_get_parent_uuid:
 * @self: a #JmpDriverProxy
 *
 * Gets the UUID of the driver's parent.
 *
 * Returns: the UUID of the parent driver; empty for the drivers at the top
 *   of the export
 */
const gchar *
jmp_driver_proxy_get_parent_uuid (JmpDriverProxy *self)
{
  g_return_val_if_fail (JMP_IS_DRIVER_PROXY (self), NULL);
  return nonnull (self->driver != NULL ? jmp_dbus_driver1_get_parent_uuid (self->driver) : NULL);
}

/**
 * jmp_driver_proxy_get_description:
 * @self: a #JmpDriverProxy
 *
 * Gets the driver's description.
 *
 * Returns: the description from the config, or the driver's own; may be empty
 */
const gchar *
jmp_driver_proxy_get_description (JmpDriverProxy *self)
{
  g_return_val_if_fail (JMP_IS_DRIVER_PROXY (self), NULL);
  return nonnull (self->driver != NULL ? jmp_dbus_driver1_get_description (self->driver) : NULL);
}

/* Rebuilds @table when the cached property is no longer what it came from. */
static GHashTable *
jmp_driver_proxy_cached_table (GVariant    *value,
                               GVariant   **value_slot,
                               GHashTable **table_slot)
{
  if (*table_slot == NULL || *value_slot != value)
    {
      g_clear_pointer (table_slot, g_hash_table_unref);
      g_clear_pointer (value_slot, g_variant_unref);
      *table_slot = jmp_client_hash_from_variant (value);
      *value_slot = value != NULL ? g_variant_ref (value) : NULL;
    }
  return *table_slot;
}

/**
 * jmp_driver_proxy_get_labels:
 * @self: a #JmpDriverProxy
 *
 * The driver's labels. The table stays valid until the host changes them and
 * this function is called again.
 *
 * Returns: (transfer none) (element-type utf8 utf8): the labels
 */
GHashTable *
jmp_driver_proxy_get_labels (JmpDriverProxy *self)
{
  g_return_val_if_fail (JMP_IS_DRIVER_PROXY (self), NULL);
  return jmp_driver_proxy_cached_table (self->driver != NULL ? jmp_dbus_driver1_get_labels (self->driver) : NULL,
                                        &self->labels_value, &self->labels);
}

/**
 * jmp_driver_proxy_get_methods_description:
 * @self: a #JmpDriverProxy
 *
 * Help text per client command (`"connect"`, `"forward-tcp"`, ...), from the
 * config's `methods_description` and the driver itself.
 *
 * Returns: (transfer none) (element-type utf8 utf8): command → text
 */
GHashTable *
jmp_driver_proxy_get_methods_description (JmpDriverProxy *self)
{
  g_return_val_if_fail (JMP_IS_DRIVER_PROXY (self), NULL);
  return jmp_driver_proxy_cached_table (self->driver != NULL ? jmp_dbus_driver1_get_methods_description (self->driver) : NULL,
                                        &self->methods_value, &self->methods);
}

/**
 * jmp_driver_proxy_has_interface:
 * @self: a #JmpDriverProxy
 * @interface_name: a D-Bus interface name, e.g. `"dev.jumpstarter.Network1"`
 *
 * Whether the driver has a capability.
 *
 * Returns: %TRUE if the driver's object has @interface_name
 */
gboolean
jmp_driver_proxy_has_interface (JmpDriverProxy *self,
                                const gchar    *interface_name)
{
  g_autoptr(GDBusInterface) iface = NULL;

  g_return_val_if_fail (JMP_IS_DRIVER_PROXY (self), FALSE);
  g_return_val_if_fail (interface_name != NULL, FALSE);

  iface = g_dbus_object_get_interface (self->object, interface_name);
  return iface != NULL;
}

/**
 * jmp_driver_proxy_get_network:
 * @self: a #JmpDriverProxy
 *
 * The `dev.jumpstarter.Network1` side of the driver: TcpNetwork,
 * UdpNetwork, UnixNetwork, EchoNetwork and the like.
 *
 * Returns: (transfer none) (nullable): the proxy, or %NULL if the driver is
 *   not a network driver
 */
JmpNetworkProxy *
jmp_driver_proxy_get_network (JmpDriverProxy *self)
{
  g_return_val_if_fail (JMP_IS_DRIVER_PROXY (self), NULL);

  if (self->network == NULL)
    {
      g_autoptr(GDBusInterface) iface = g_dbus_object_get_interface (self->object, JMP_NETWORK_INTERFACE);

      if (iface == NULL || !JMP_DBUS_IS_NETWORK1 (iface))
        return NULL;
      self->network = jmp_network_proxy_new_for_proxy (JMP_DBUS_NETWORK1 (iface));
    }
  return self->network;
}

/**
 * jmp_driver_proxy_get_dbus_network:
 * @self: a #JmpDriverProxy
 *
 * The `dev.jumpstarter.DBusNetwork1` side of the driver: a DbusNetwork,
 * the system or session bus of the exporter.
 *
 * Returns: (transfer none) (nullable): the proxy, or %NULL if the driver is
 *   not a D-Bus network driver
 */
JmpDbusNetworkProxy *
jmp_driver_proxy_get_dbus_network (JmpDriverProxy *self)
{
  g_return_val_if_fail (JMP_IS_DRIVER_PROXY (self), NULL);

  if (self->dbus_network == NULL)
    {
      g_autoptr(GDBusInterface) iface = g_dbus_object_get_interface (self->object, JMP_DBUS_NETWORK_INTERFACE);
      JmpNetworkProxy *network = jmp_driver_proxy_get_network (self);

      /* it is reached through Network1.Connect() */
      if (iface == NULL || !JMP_DBUS_IS_DBUS_NETWORK1 (iface) || network == NULL)
        return NULL;
      self->dbus_network = jmp_dbus_network_proxy_new (JMP_DBUS_DBUS_NETWORK1 (iface), network,
                                                       jmp_driver_proxy_get_path (self));
    }
  return self->dbus_network;
}

/**
 * jmp_driver_proxy_get_video:
 * @self: a #JmpDriverProxy
 *
 * The `dev.jumpstarter.Video1` side of the driver: UStreamer, HttpVideo.
 *
 * Returns: (transfer none) (nullable): the proxy, or %NULL if the driver is
 *   not a video driver
 */
JmpVideoProxy *
jmp_driver_proxy_get_video (JmpDriverProxy *self)
{
  g_return_val_if_fail (JMP_IS_DRIVER_PROXY (self), NULL);

  if (self->video == NULL)
    {
      g_autoptr(GDBusInterface) iface = g_dbus_object_get_interface (self->object, JMP_VIDEO_INTERFACE);

      if (iface == NULL || !JMP_DBUS_IS_VIDEO1 (iface))
        return NULL;
      self->video = jmp_video_proxy_new_for_proxy (JMP_DBUS_VIDEO1 (iface));
    }
  return self->video;
}
