/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>
#include <sys/un.h>

#include <gio/gunixsocketaddress.h>
#include <glib/gi18n-lib.h>

#include "jmp-network-util.h"
#include "jmp-unix-network.h"

/*
 * UnixNetwork: a stream socket on the host's file system (a serial server,
 * a QEMU monitor). Connect() hands over the connected socket; there is no
 * address a remote client could use, so Address() is not implemented.
 */

struct _JmpUnixNetwork
{
  JmpDriver  parent_instance;
  gchar     *path;
};

static void jmp_unix_network_iface_init (JmpNetworkInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (JmpUnixNetwork, jmp_unix_network, JMP_TYPE_DRIVER,
                               G_IMPLEMENT_INTERFACE (JMP_TYPE_NETWORK,
                                                      jmp_unix_network_iface_init))

enum {
  PROP_0,
  PROP_PATH,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

static void
jmp_unix_network_connected_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  JmpUnixNetwork *self = g_task_get_source_object (task);
  g_autoptr(GSocketConnection) connection = NULL;
  g_autofree gchar *target = NULL;
  GSocket *socket;
  GError *error = NULL;

  connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), res, &error);
  if (connection == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_task_return_error (task, error);
          return;
        }
      target = g_filename_display_name (self->path);
      g_task_return_error (task, jmp_net_connect_error (error, target));
      g_error_free (error);
      return;
    }
  socket = jmp_net_socket_from_connection (connection, &error);
  if (socket == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, socket, g_object_unref);
}

static void
jmp_unix_network_connect_async (JmpNetwork          *network,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  JmpUnixNetwork *self = JMP_UNIX_NETWORK (network);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GSocketClient) client = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  GError *error = NULL;

  g_task_set_source_tag (task, jmp_unix_network_connect_async);
  if (!jmp_net_check_started (JMP_DRIVER (self), &error))
    {
      g_task_return_error (task, error);
      return;
    }

  /* a connect() to a Unix socket completes or fails at once (a full
   * backlog fails with EAGAIN), so it needs no deadline */
  client = g_socket_client_new ();
  g_socket_client_set_enable_proxy (client, FALSE);
  address = g_unix_socket_address_new (self->path);
  g_socket_client_connect_async (client, G_SOCKET_CONNECTABLE (address), cancellable,
                                 jmp_unix_network_connected_cb, g_steal_pointer (&task));
}

static GSocket *
jmp_unix_network_connect_finish (JmpNetwork    *network,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, network), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
jmp_unix_network_iface_init (JmpNetworkInterface *iface)
{
  iface->connect_async = jmp_unix_network_connect_async;
  iface->connect_finish = jmp_unix_network_connect_finish;
  /* no get_address_async: the interface answers NotSupported */
}

static gboolean
jmp_unix_network_start (JmpDriver *driver, GError **error)
{
  JmpUnixNetwork *self = JMP_UNIX_NETWORK (driver);
  struct sockaddr_un sun;

  if (!jmp_net_check_required (self->path != NULL && *self->path != '\0', "path", error))
    return FALSE;
  if (strlen (self->path) >= sizeof sun.sun_path)
    {
      g_autofree gchar *display = g_filename_display_name (self->path);

      g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                   _("config key path: %s is too long for a Unix socket (at most %u bytes)"),
                   display, (guint) sizeof sun.sun_path - 1);
      return FALSE;
    }
  return TRUE;
}

static GHashTable *
jmp_unix_network_get_methods_description (JmpDriver *driver)
{
  GHashTable *methods = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  g_hash_table_insert (methods, g_strdup ("connect"),
                       g_strdup (_("Open a stream to the Unix socket")));
  return methods;
}

static void
jmp_unix_network_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  JmpUnixNetwork *self = JMP_UNIX_NETWORK (object);

  switch (prop_id)
    {
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
jmp_unix_network_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  JmpUnixNetwork *self = JMP_UNIX_NETWORK (object);

  switch (prop_id)
    {
    case PROP_PATH:
      if (g_strcmp0 (self->path, g_value_get_string (value)) == 0)
        return;
      g_free (self->path);
      self->path = g_value_dup_string (value);
      g_object_notify_by_pspec (object, pspec);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
jmp_unix_network_finalize (GObject *object)
{
  JmpUnixNetwork *self = JMP_UNIX_NETWORK (object);

  g_free (self->path);
  G_OBJECT_CLASS (jmp_unix_network_parent_class)->finalize (object);
}

static void
jmp_unix_network_class_init (JmpUnixNetworkClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  JmpDriverClass *driver_class = JMP_DRIVER_CLASS (klass);

  object_class->get_property = jmp_unix_network_get_property;
  object_class->set_property = jmp_unix_network_set_property;
  object_class->finalize = jmp_unix_network_finalize;
  driver_class->start = jmp_unix_network_start;
  driver_class->get_methods_description = jmp_unix_network_get_methods_description;

  /**
   * JmpUnixNetwork:path:
   *
   * The socket's path on the host. Required.
   */
  props[PROP_PATH] =
    g_param_spec_string ("path", "Path",
                         _("Path of the Unix stream socket on the host (required)"),
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
jmp_unix_network_init (JmpUnixNetwork *self)
{
}
