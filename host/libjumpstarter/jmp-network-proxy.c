/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <gio/gunixfdlist.h>

#include "jmp-network-proxy.h"
#include "jmp-client-private.h"
#include "jmp-error.h"

/**
 * JmpNetworkProxy:
 *
 * The `dev.jumpstarter.Network1` side of a driver.
 *
 * jmp_network_proxy_open() opens a stream to the driver's target. The
 * host passes a file descriptor: for socket targets its own connection to
 * the target, so the bytes never pass through the host; for drivers that
 * translate a protocol, one end of a socketpair. Half-close works end to
 * end: g_socket_shutdown() for writing arrives at the target as EOF and the
 * other direction keeps flowing.
 */

struct _JmpNetworkProxy
{
  GObject          parent_instance;

  JmpDBusNetwork1 *proxy;
};

enum {
  PROP_0,
  PROP_PROXY,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

G_DEFINE_FINAL_TYPE (JmpNetworkProxy, jmp_network_proxy, G_TYPE_OBJECT)

static void
jmp_network_proxy_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  JmpNetworkProxy *self = JMP_NETWORK_PROXY (object);

  switch (prop_id)
    {
    case PROP_PROXY:
      g_value_set_object (value, self->proxy);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
jmp_network_proxy_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  JmpNetworkProxy *self = JMP_NETWORK_PROXY (object);

  switch (prop_id)
    {
    case PROP_PROXY:
      g_assert (self->proxy == NULL);
      self->proxy = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
jmp_network_proxy_dispose (GObject *object)
{
  JmpNetworkProxy *self = JMP_NETWORK_PROXY (object);

  g_clear_object (&self->proxy);

  G_OBJECT_CLASS (jmp_network_proxy_parent_class)->dispose (object);
}

static void
jmp_network_proxy_class_init (JmpNetworkProxyClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = jmp_network_proxy_get_property;
  object_class->set_property = jmp_network_proxy_set_property;
  object_class->dispose = jmp_network_proxy_dispose;

  (void) jmp_error_quark ();

  /**
   * JmpNetworkProxy:proxy:
   *
   * The D-Bus proxy for `dev.jumpstarter.Network1` on the driver's object.
   */
  props[PROP_PROXY] =
    g_param_spec_object ("proxy", NULL, NULL,
                         G_TYPE_DBUS_PROXY,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
jmp_network_proxy_init (JmpNetworkProxy *self)
{
}

JmpNetworkProxy *
jmp_network_proxy_new_for_proxy (JmpDBusNetwork1 *proxy)
{
  return g_object_new (JMP_TYPE_NETWORK_PROXY, "proxy", proxy, NULL);
}

static const gchar *
jmp_network_proxy_get_driver_path (JmpNetworkProxy *self)
{
  return g_dbus_proxy_get_object_path (G_DBUS_PROXY (self->proxy));
}

/* The kernel drops the fds of a message when the receiver has no room
 * for them: then the reply seems to come without one. TRUE if this
 * process is (about) out of fds, with its limit. */
static gboolean
jmp_network_proxy_out_of_fds (guint64 *limit)
{
  struct rlimit rl;
  gint fd = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  gint errsv = errno;

  if (getrlimit (RLIMIT_NOFILE, &rl) < 0)
    return FALSE;
  *limit = rl.rlim_cur;
  if (fd >= 0)
    {
      close (fd);
      /* fds are handed out lowest first: one this high means few are left */
      return rl.rlim_cur != RLIM_INFINITY && (rlim_t) fd + 16 >= rl.rlim_cur;
    }
  return errsv == EMFILE || errsv == ENFILE;
}

/* Makes a GSocket of the fd the reply to Connect() carries. */
static GSocket *
jmp_network_proxy_socket_from_reply (JmpNetworkProxy  *self,
                                     GVariant         *handle,
                                     GUnixFDList      *fd_list,
                                     GError          **error)
{
  g_autoptr(GError) local_error = NULL;
  GSocket *socket;
  guint64 limit = 0;
  gint index;
  gint fd;

  index = g_variant_get_handle (handle);
  if (fd_list == NULL && jmp_network_proxy_out_of_fds (&limit))
    {
      g_set_error (error, JMP_ERROR, JMP_ERROR_UNAVAILABLE,
                   _("this program is out of file descriptors (its limit is %llu), "
                     "so the stream jumpstarter-host opened on %s was lost"),
                   (unsigned long long) limit, jmp_network_proxy_get_driver_path (self));
      return NULL;
    }
  if (fd_list == NULL)
    {
      g_set_error (error, JMP_ERROR, JMP_ERROR_FAILED,
                   _("jumpstarter-host answered Connect() on %s without a file descriptor"),
                   jmp_network_proxy_get_driver_path (self));
      return NULL;
    }

  fd = g_unix_fd_list_get (fd_list, index, &local_error);
  if (fd < 0)
    {
      g_set_error (error, JMP_ERROR, JMP_ERROR_FAILED,
                   _("jumpstarter-host answered Connect() on %s with a bad file descriptor: %s"),
                   jmp_network_proxy_get_driver_path (self), local_error->message);
      return NULL;
    }

  socket = g_socket_new_from_fd (fd, &local_error);
  if (socket == NULL)
    {
      close (fd);
      g_set_error (error, JMP_ERROR, JMP_ERROR_FAILED,
                   _("jumpstarter-host answered Connect() on %s with a file descriptor that is not a socket: %s"),
                   jmp_network_proxy_get_driver_path (self), local_error->message);
      return NULL;
    }
  return socket;
}

static void
on_connect_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  JmpNetworkProxy *self = g_task_get_source_object (task);
  g_autoptr(GVariant) handle = NULL;
  g_autoptr(GUnixFDList) fd_list = NULL;
  GError *error = NULL;
  GSocket *socket;

  if (!jmp_dbus_network1_call_connect_finish (JMP_DBUS_NETWORK1 (source),
                                              &handle, &fd_list, result, &error))
    {
      jmp_client_error_from_dbus (&error);
      g_task_return_error (task, error);
      return;
    }

  socket = jmp_network_proxy_socket_from_reply (self, handle, fd_list, &error);
  if (socket == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, socket, g_object_unref);
}

/**
 * jmp_network_proxy_connect_socket:
 * @self: a #JmpNetworkProxy
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the socket is connected
 * @user_data: data for @callback
 *
 * Opens a connection to the driver's target as a #GSocket, e.g. to use a
 * UdpNetwork's datagram socket. Finish with
 * jmp_network_proxy_connect_socket_finish().
 */
void
jmp_network_proxy_connect_socket (JmpNetworkProxy     *self,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (JMP_IS_NETWORK_PROXY (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, jmp_network_proxy_connect_socket);

  jmp_dbus_network1_call_connect (self->proxy, NULL, cancellable,
                                  on_connect_reply, g_steal_pointer (&task));
}

/**
 * jmp_network_proxy_connect_socket_finish:
 * @self: a #JmpNetworkProxy
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes jmp_network_proxy_connect_socket().
 *
 * Returns: (transfer full): the connected socket, or %NULL with @error set
 *   (%JMP_ERROR_CONNECTION_REFUSED, %JMP_ERROR_UNREACHABLE, ...)
 */
GSocket *
jmp_network_proxy_connect_socket_finish (JmpNetworkProxy  *self,
                                         GAsyncResult     *result,
                                         GError          **error)
{
  g_return_val_if_fail (JMP_IS_NETWORK_PROXY (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * jmp_network_proxy_connect_socket_sync:
 * @self: a #JmpNetworkProxy
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Opens a connection to the driver's target as a #GSocket, blocking the
 * calling thread (but not running any main context).
 *
 * Returns: (transfer full): the connected socket, or %NULL with @error set
 */
GSocket *
jmp_network_proxy_connect_socket_sync (JmpNetworkProxy  *self,
                                       GCancellable     *cancellable,
                                       GError          **error)
{
  g_autoptr(GVariant) handle = NULL;
  g_autoptr(GUnixFDList) fd_list = NULL;

  g_return_val_if_fail (JMP_IS_NETWORK_PROXY (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!jmp_dbus_network1_call_connect_sync (self->proxy, NULL, &handle, &fd_list,
                                            cancellable, error))
    {
      jmp_client_error_from_dbus (error);
      return NULL;
    }
  return jmp_network_proxy_socket_from_reply (self, handle, fd_list, error);
}

static GIOStream *
jmp_network_proxy_stream_for_socket (GSocket *socket)
{
  return G_IO_STREAM (g_socket_connection_factory_create_connection (socket));
}

static void
on_connect_socket_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GSocket) socket = NULL;
  GError *error = NULL;

  socket = jmp_network_proxy_connect_socket_finish (JMP_NETWORK_PROXY (source), result, &error);
  if (socket == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, jmp_network_proxy_stream_for_socket (socket), g_object_unref);
}

/**
 * jmp_network_proxy_open:
 * @self: a #JmpNetworkProxy
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the stream is open
 * @user_data: data for @callback
 *
 * Opens a byte stream to the driver's target (`Network1.Connect()`).
 * Finish with jmp_network_proxy_open_finish(). Named so that it does not
 * hide GObject's `connect()` in bindings; C code may call it
 * jmp_network_proxy_connect().
 */
void
jmp_network_proxy_open (JmpNetworkProxy     *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (JMP_IS_NETWORK_PROXY (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, jmp_network_proxy_open);

  jmp_network_proxy_connect_socket (self, cancellable, on_connect_socket_ready,
                                    g_steal_pointer (&task));
}

/**
 * jmp_network_proxy_open_finish:
 * @self: a #JmpNetworkProxy
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes jmp_network_proxy_open().
 *
 * Returns: (transfer full): the stream, a #GSocketConnection, or %NULL with
 *   @error set
 */
GIOStream *
jmp_network_proxy_open_finish (JmpNetworkProxy  *self,
                                  GAsyncResult     *result,
                                  GError          **error)
{
  g_return_val_if_fail (JMP_IS_NETWORK_PROXY (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * jmp_network_proxy_open_sync:
 * @self: a #JmpNetworkProxy
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Opens a byte stream to the driver's target, blocking the calling thread
 * (but not running any main context).
 *
 * Returns: (transfer full): the stream, a #GSocketConnection, or %NULL with
 *   @error set
 */
GIOStream *
jmp_network_proxy_open_sync (JmpNetworkProxy  *self,
                                GCancellable     *cancellable,
                                GError          **error)
{
  g_autoptr(GSocket) socket = NULL;

  g_return_val_if_fail (JMP_IS_NETWORK_PROXY (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  socket = jmp_network_proxy_connect_socket_sync (self, cancellable, error);
  if (socket == NULL)
    return NULL;
  return jmp_network_proxy_stream_for_socket (socket);
}

/**
 * jmp_network_proxy_connect: (skip)
 * @self: a #JmpNetworkProxy
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the stream is open
 * @user_data: data for @callback
 *
 * The same as jmp_network_proxy_open(), for C callers.
 */
void
jmp_network_proxy_connect (JmpNetworkProxy     *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  jmp_network_proxy_open (self, cancellable, callback, user_data);
}

/**
 * jmp_network_proxy_connect_finish: (skip)
 * @self: a #JmpNetworkProxy
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * The same as jmp_network_proxy_open_finish(), for C callers.
 *
 * Returns: (transfer full): the stream, or %NULL with @error set
 */
GIOStream *
jmp_network_proxy_connect_finish (JmpNetworkProxy  *self,
                                  GAsyncResult     *result,
                                  GError          **error)
{
  return jmp_network_proxy_open_finish (self, result, error);
}

/**
 * jmp_network_proxy_connect_sync: (skip)
 * @self: a #JmpNetworkProxy
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * The same as jmp_network_proxy_open_sync(), for C callers.
 *
 * Returns: (transfer full): the stream, or %NULL with @error set
 */
GIOStream *
jmp_network_proxy_connect_sync (JmpNetworkProxy  *self,
                                GCancellable     *cancellable,
                                GError          **error)
{
  return jmp_network_proxy_open_sync (self, cancellable, error);
}

static void
on_address_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  gchar *address = NULL;
  GError *error = NULL;

  if (!jmp_dbus_network1_call_address_finish (JMP_DBUS_NETWORK1 (source), &address, result, &error))
    {
      jmp_client_error_from_dbus (&error);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, address, g_free);
}

/**
 * jmp_network_proxy_get_address:
 * @self: a #JmpNetworkProxy
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the address
 * @user_data: data for @callback
 *
 * Asks for an address the client may use directly instead of a stream, e.g.
 * `tcp://192.0.2.1:22`. Finish with jmp_network_proxy_get_address_finish().
 */
void
jmp_network_proxy_get_address (JmpNetworkProxy     *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (JMP_IS_NETWORK_PROXY (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, jmp_network_proxy_get_address);

  jmp_dbus_network1_call_address (self->proxy, cancellable, on_address_reply,
                                  g_steal_pointer (&task));
}

/**
 * jmp_network_proxy_get_address_finish:
 * @self: a #JmpNetworkProxy
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes jmp_network_proxy_get_address().
 *
 * Returns: (transfer full): the address URI, or %NULL with @error set:
 *   %JMP_ERROR_ADDRESS_DISABLED when the driver's `enable_address` is false,
 *   %JMP_ERROR_NOT_SUPPORTED when it has no address
 */
gchar *
jmp_network_proxy_get_address_finish (JmpNetworkProxy  *self,
                                      GAsyncResult     *result,
                                      GError          **error)
{
  g_return_val_if_fail (JMP_IS_NETWORK_PROXY (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * jmp_network_proxy_get_address_sync:
 * @self: a #JmpNetworkProxy
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Asks for the driver's address, blocking the calling thread.
 *
 * Returns: (transfer full): the address URI, or %NULL with @error set
 */
gchar *
jmp_network_proxy_get_address_sync (JmpNetworkProxy  *self,
                                    GCancellable     *cancellable,
                                    GError          **error)
{
  gchar *address = NULL;

  g_return_val_if_fail (JMP_IS_NETWORK_PROXY (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!jmp_dbus_network1_call_address_sync (self->proxy, &address, cancellable, error))
    {
      jmp_client_error_from_dbus (error);
      return NULL;
    }
  return address;
}

/**
 * jmp_network_proxy_get_socket_type:
 * @self: a #JmpNetworkProxy
 *
 * What the driver's streams carry: %G_SOCKET_TYPE_DATAGRAM for a
 * UdpNetwork, %G_SOCKET_TYPE_STREAM for byte streams (also from a host
 * too old to say).
 *
 * Returns: %G_SOCKET_TYPE_STREAM or %G_SOCKET_TYPE_DATAGRAM
 */
GSocketType
jmp_network_proxy_get_socket_type (JmpNetworkProxy *self)
{
  g_return_val_if_fail (JMP_IS_NETWORK_PROXY (self), G_SOCKET_TYPE_STREAM);

  return g_strcmp0 (jmp_dbus_network1_get_socket_type (self->proxy), "datagram") == 0 ?
         G_SOCKET_TYPE_DATAGRAM : G_SOCKET_TYPE_STREAM;
}

/**
 * jmp_network_proxy_has_address:
 * @self: a #JmpNetworkProxy
 *
 * Whether the driver has an address to give (`Network1.HasAddress`):
 * %FALSE for EchoNetwork or UnixNetwork, whose Address() always fails.
 * A host too old to say is taken to have one.
 *
 * Returns: %TRUE if jmp_network_proxy_get_address() can succeed
 */
gboolean
jmp_network_proxy_has_address (JmpNetworkProxy *self)
{
  g_autoptr(GVariant) value = NULL;

  g_return_val_if_fail (JMP_IS_NETWORK_PROXY (self), FALSE);

  value = g_dbus_proxy_get_cached_property (G_DBUS_PROXY (self->proxy), "HasAddress");
  return value == NULL || !g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN) ||
         g_variant_get_boolean (value);
}
