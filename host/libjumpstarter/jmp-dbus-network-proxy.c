/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "jmp-dbus-network-proxy-private.h"
#include "jmp-error.h"

/**
 * JmpDbusNetworkProxy:
 *
 * The `dev.jumpstarter.DBusNetwork1` side of a DbusNetwork driver: the
 * system or session bus of the exporter.
 *
 * jmp_dbus_network_proxy_open_connection() gives a #GDBusConnection to that
 * bus, ready for calls, signals and name watching, from C as from Python:
 *
 * ```python
 * bus = client.get_driver("bus").get_dbus_network().open_connection_sync(None)
 * reply = bus.call_sync("org.freedesktop.DBus", "/org/freedesktop/DBus",
 *                       "org.freedesktop.DBus", "ListNames", None, None,
 *                       Gio.DBusCallFlags.NONE, -1, None)
 * ```
 *
 * The connection runs over the socket the host connected to the bus
 * (`Network1.Connect()`), so the bus authenticates this process's peer
 * credentials as the host's: see docs/decisions.md. Programs that read
 * `DBUS_SYSTEM_BUS_ADDRESS` or `DBUS_SESSION_BUS_ADDRESS` use a Unix socket
 * forward instead (`jmp DRIVER run -- CMD`).
 *
 * Get one from jmp_driver_proxy_get_dbus_network().
 */

struct _JmpDbusNetworkProxy
{
  GObject              parent_instance;

  JmpDBusDBusNetwork1 *proxy;
  JmpNetworkProxy     *network;
  gchar               *driver_path;
};

enum {
  PROP_0,
  PROP_PROXY,
  PROP_NETWORK,
  PROP_DRIVER_PATH,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

G_DEFINE_FINAL_TYPE (JmpDbusNetworkProxy, jmp_dbus_network_proxy, G_TYPE_OBJECT)

static void
jmp_dbus_network_proxy_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  JmpDbusNetworkProxy *self = JMP_DBUS_NETWORK_PROXY (object);

  switch (prop_id)
    {
    case PROP_PROXY:
      g_value_set_object (value, self->proxy);
      break;
    case PROP_NETWORK:
      g_value_set_object (value, self->network);
      break;
    case PROP_DRIVER_PATH:
      g_value_set_string (value, self->driver_path);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
jmp_dbus_network_proxy_set_property (GObject      *object,
                                     guint         prop_id,
                                     const GValue *value,
                                     GParamSpec   *pspec)
{
  JmpDbusNetworkProxy *self = JMP_DBUS_NETWORK_PROXY (object);

  switch (prop_id)
    {
    case PROP_PROXY:
      g_assert (self->proxy == NULL);
      self->proxy = g_value_dup_object (value);
      break;
    case PROP_NETWORK:
      g_assert (self->network == NULL);
      self->network = g_value_dup_object (value);
      break;
    case PROP_DRIVER_PATH:
      g_assert (self->driver_path == NULL);
      self->driver_path = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
jmp_dbus_network_proxy_dispose (GObject *object)
{
  JmpDbusNetworkProxy *self = JMP_DBUS_NETWORK_PROXY (object);

  g_clear_object (&self->proxy);
  g_clear_object (&self->network);

  G_OBJECT_CLASS (jmp_dbus_network_proxy_parent_class)->dispose (object);
}

static void
jmp_dbus_network_proxy_finalize (GObject *object)
{
  JmpDbusNetworkProxy *self = JMP_DBUS_NETWORK_PROXY (object);

  g_free (self->driver_path);

  G_OBJECT_CLASS (jmp_dbus_network_proxy_parent_class)->finalize (object);
}

static void
jmp_dbus_network_proxy_class_init (JmpDbusNetworkProxyClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = jmp_dbus_network_proxy_get_property;
  object_class->set_property = jmp_dbus_network_proxy_set_property;
  object_class->dispose = jmp_dbus_network_proxy_dispose;
  object_class->finalize = jmp_dbus_network_proxy_finalize;

  (void) jmp_error_quark ();

  /**
   * JmpDbusNetworkProxy:proxy:
   *
   * The D-Bus proxy for `dev.jumpstarter.DBusNetwork1` on the driver's
   * object.
   */
  props[PROP_PROXY] =
    g_param_spec_object ("proxy", NULL, NULL,
                         G_TYPE_DBUS_PROXY,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * JmpDbusNetworkProxy:network:
   *
   * The `dev.jumpstarter.Network1` side of the same driver, whose
   * `Connect()` gives the socket to the bus.
   */
  props[PROP_NETWORK] =
    g_param_spec_object ("network", NULL, NULL,
                         JMP_TYPE_NETWORK_PROXY,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * JmpDbusNetworkProxy:driver-path:
   *
   * The dotted path of the driver, for messages.
   */
  props[PROP_DRIVER_PATH] =
    g_param_spec_string ("driver-path", NULL, NULL,
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
jmp_dbus_network_proxy_init (JmpDbusNetworkProxy *self)
{
}

JmpDbusNetworkProxy *
jmp_dbus_network_proxy_new (JmpDBusDBusNetwork1 *proxy,
                            JmpNetworkProxy     *network,
                            const gchar         *driver_path)
{
  return g_object_new (JMP_TYPE_DBUS_NETWORK_PROXY,
                       "proxy", proxy,
                       "network", network,
                       "driver-path", driver_path,
                       NULL);
}

/**
 * jmp_dbus_network_proxy_get_kind:
 * @self: a #JmpDbusNetworkProxy
 *
 * Gets which bus the driver reaches, its `DBusNetwork1.Kind` property.
 *
 * Returns: which bus of the exporter the driver reaches: `"system"` or
 *   `"session"`
 */
const gchar *
jmp_dbus_network_proxy_get_kind (JmpDbusNetworkProxy *self)
{
  const gchar *kind;

  g_return_val_if_fail (JMP_IS_DBUS_NETWORK_PROXY (self), NULL);

  kind = jmp_dbus_dbus_network1_get_kind (self->proxy);
  return kind != NULL ? kind : "";
}

/**
 * jmp_dbus_network_proxy_get_address_variable:
 * @self: a #JmpDbusNetworkProxy
 *
 * The environment variable through which a D-Bus client finds this kind of
 * bus, to point it at a forward of the driver.
 *
 * Returns: (nullable): `"DBUS_SYSTEM_BUS_ADDRESS"` or
 *   `"DBUS_SESSION_BUS_ADDRESS"`; %NULL if the host announced another kind
 */
const gchar *
jmp_dbus_network_proxy_get_address_variable (JmpDbusNetworkProxy *self)
{
  const gchar *kind;

  g_return_val_if_fail (JMP_IS_DBUS_NETWORK_PROXY (self), NULL);

  kind = jmp_dbus_network_proxy_get_kind (self);
  if (g_strcmp0 (kind, "system") == 0)
    return "DBUS_SYSTEM_BUS_ADDRESS";
  if (g_strcmp0 (kind, "session") == 0)
    return "DBUS_SESSION_BUS_ADDRESS";
  return NULL;
}

/**
 * jmp_dbus_network_proxy_get_network:
 * @self: a #JmpDbusNetworkProxy
 *
 * The driver as a plain network driver: for a raw stream to the bus, its
 * address (jmp_network_proxy_get_address() gives the bus address the host
 * uses) or a #JmpPortforward.
 *
 * Returns: (transfer none): the network proxy of the same driver
 */
JmpNetworkProxy *
jmp_dbus_network_proxy_get_network (JmpDbusNetworkProxy *self)
{
  g_return_val_if_fail (JMP_IS_DBUS_NETWORK_PROXY (self), NULL);
  return self->network;
}

/* A stream's socket is a real Unix or TCP socket connected to the bus, so
 * GDBus authenticates on it as on its own (Unix fd passing included). */
static const GDBusConnectionFlags jmp_dbus_network_proxy_flags =
  G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
  G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION;

/* Names the bus and the driver; a cancellation stays as it is. */
static void
jmp_dbus_network_proxy_prefix_error (JmpDbusNetworkProxy  *self,
                                     GError              **error)
{
  if (error == NULL || *error == NULL ||
      g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  jmp_error_convert (error);
  g_prefix_error (error, _("cannot open a D-Bus connection to the %s bus of %s: "),
                  jmp_dbus_network_proxy_get_kind (self), self->driver_path);
}

static void
on_connection_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  JmpDbusNetworkProxy *self = g_task_get_source_object (task);
  GDBusConnection *connection;
  GError *error = NULL;

  connection = g_dbus_connection_new_finish (result, &error);
  if (connection == NULL)
    {
      jmp_dbus_network_proxy_prefix_error (self, &error);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, connection, g_object_unref);
}

static void
on_socket_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketConnection) stream = NULL;
  GError *error = NULL;

  socket = jmp_network_proxy_connect_socket_finish (JMP_NETWORK_PROXY (source), result, &error);
  if (socket == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  stream = g_socket_connection_factory_create_connection (socket);
  g_dbus_connection_new (G_IO_STREAM (stream), NULL, jmp_dbus_network_proxy_flags, NULL,
                         g_task_get_cancellable (task), on_connection_ready,
                         g_object_ref (task));
}

/**
 * jmp_dbus_network_proxy_open_connection:
 * @self: a #JmpDbusNetworkProxy
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the connection is ready
 * @user_data: data for @callback
 *
 * Opens a new connection to the driver's bus: a stream from the host, the
 * authentication, and the `Hello()` of a bus client. Finish with
 * jmp_dbus_network_proxy_open_connection_finish().
 */
void
jmp_dbus_network_proxy_open_connection (JmpDbusNetworkProxy *self,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (JMP_IS_DBUS_NETWORK_PROXY (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, jmp_dbus_network_proxy_open_connection);

  jmp_network_proxy_connect_socket (self->network, cancellable, on_socket_ready,
                                    g_steal_pointer (&task));
}

/**
 * jmp_dbus_network_proxy_open_connection_finish:
 * @self: a #JmpDbusNetworkProxy
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes jmp_dbus_network_proxy_open_connection().
 *
 * Returns: (transfer full): a connection to the bus, with a unique name;
 *   or %NULL with @error set: the host's error if it could not reach the
 *   bus, %JMP_ERROR_FAILED if the bus refused the authentication
 */
GDBusConnection *
jmp_dbus_network_proxy_open_connection_finish (JmpDbusNetworkProxy  *self,
                                               GAsyncResult         *result,
                                               GError              **error)
{
  g_return_val_if_fail (JMP_IS_DBUS_NETWORK_PROXY (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * jmp_dbus_network_proxy_open_connection_sync:
 * @self: a #JmpDbusNetworkProxy
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Opens a new connection to the driver's bus, blocking the calling thread.
 *
 * Returns: (transfer full): a connection to the bus, or %NULL with @error set
 */
GDBusConnection *
jmp_dbus_network_proxy_open_connection_sync (JmpDbusNetworkProxy  *self,
                                             GCancellable         *cancellable,
                                             GError              **error)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketConnection) stream = NULL;
  GDBusConnection *connection;

  g_return_val_if_fail (JMP_IS_DBUS_NETWORK_PROXY (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  socket = jmp_network_proxy_connect_socket_sync (self->network, cancellable, error);
  if (socket == NULL)
    return NULL;
  stream = g_socket_connection_factory_create_connection (socket);
  connection = g_dbus_connection_new_sync (G_IO_STREAM (stream), NULL,
                                           jmp_dbus_network_proxy_flags, NULL,
                                           cancellable, error);
  if (connection == NULL)
    jmp_dbus_network_proxy_prefix_error (self, error);
  return connection;
}
