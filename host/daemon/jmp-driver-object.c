/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <glib-unix.h>

#include "jmp-driver-object.h"
#include "jmp-driver-skeleton.h"
#include "jmp-stream-budget-private.h"

/*
 * One driver as exported on one D-Bus connection (the bus, or the hub every
 * peer shares): dev.jumpstarter.Driver1, one
 * interface per capability, whose method calls go to the driver, the
 * interfaces its type declared, and whatever its export hook adds. A plain
 * GDBusObjectSkeleton, so that any interface skeleton can be added to it.
 */

struct _JmpDriverObject
{
  GDBusObjectSkeleton   parent_instance;
  JmpDriver            *driver;
  JmpDBusDriver1       *driver1;
  gchar                *parent_uuid;
  GCancellable         *cancellable;  /* cancelled when the object goes */
};

G_DEFINE_FINAL_TYPE (JmpDriverObject, jmp_driver_object, G_TYPE_DBUS_OBJECT_SKELETON)

static void
jmp_driver_object_return_error (GDBusMethodInvocation *invocation, GError *error)
{
  /* only ours cancels: the object went, so did its driver (a reload) */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_clear_error (&error);
      g_set_error (&error, JMP_ERROR, JMP_ERROR_UNAVAILABLE,
                   _("the driver was removed (the host reloaded its config) "
                     "before the call completed"));
    }
  jmp_error_convert (&error);
  g_dbus_method_invocation_take_error (invocation, error);
}

typedef struct {
  gpointer               skeleton;  /* the interface skeleton that was called */
  GDBusMethodInvocation *invocation;
  JmpCallScope          *scope;     /* Connect(): the caller's stream budget */
} JmpCallData;

static void
jmp_call_data_free (JmpCallData *data)
{
  g_object_unref (data->skeleton);
  g_object_unref (data->invocation);
  g_clear_pointer (&data->scope, jmp_call_scope_free);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (JmpCallData, jmp_call_data_free)

static JmpCallData *
jmp_call_data_new (gpointer skeleton, GDBusMethodInvocation *invocation)
{
  JmpCallData *data = g_new0 (JmpCallData, 1);

  data->skeleton = g_object_ref (skeleton);
  data->invocation = g_object_ref (invocation);
  return data;
}

static void
jmp_driver_object_connect_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(JmpCallData) data = user_data;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GUnixFDList) fd_list = g_unix_fd_list_new ();
  GError *error = NULL;
  gint index;

  socket = jmp_network_connect_finish (JMP_NETWORK (source), res, &error);
  if (socket == NULL)
    {
      jmp_driver_object_return_error (data->invocation, error);
      return;
    }
  /* a client gets the fd as connect() would give it; GSocket made it
   * non-blocking, and the dup shares that flag */
  if (!g_unix_set_fd_nonblocking (g_socket_get_fd (socket), FALSE, &error))
    {
      jmp_driver_object_return_error (data->invocation, error);
      return;
    }
  /* the list holds a dup; ours closes when @socket goes, so the host keeps
   * nothing of a stream it is not pumping */
  index = g_unix_fd_list_append (fd_list, g_socket_get_fd (socket), &error);
  if (index < 0)
    {
      jmp_driver_object_return_error (data->invocation, error);
      return;
    }
  jmp_dbus_network1_complete_connect (data->skeleton, data->invocation, fd_list,
                                      g_variant_new_handle (index));
}

static gboolean
jmp_driver_object_handle_connect (JmpDBusNetwork1       *skeleton,
                                  GDBusMethodInvocation *invocation,
                                  GUnixFDList           *fd_list,
                                  JmpDriverObject       *self)
{
  GDBusConnection *connection = g_dbus_method_invocation_get_connection (invocation);
  JmpCallData *data;

  if (!(g_dbus_connection_get_capabilities (connection) &
        G_DBUS_CAPABILITY_FLAGS_UNIX_FD_PASSING))
    {
      g_dbus_method_invocation_return_error (invocation, JMP_ERROR, JMP_ERROR_NOT_SUPPORTED,
                                             _("this connection cannot pass file descriptors"));
      return TRUE;
    }
  data = jmp_call_data_new (skeleton, invocation);
  /* a driver that pumps the stream charges it to this caller */
  data->scope = jmp_call_scope_new (self->cancellable, invocation);
  jmp_network_connect_async (JMP_NETWORK (self->driver),
                             jmp_call_scope_get_cancellable (data->scope),
                             jmp_driver_object_connect_cb, data);
  return TRUE;
}

static void
jmp_driver_object_address_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(JmpCallData) data = user_data;
  g_autofree gchar *address = NULL;
  GError *error = NULL;

  address = jmp_network_get_address_finish (JMP_NETWORK (source), res, &error);
  if (address == NULL)
    {
      jmp_driver_object_return_error (data->invocation, error);
      return;
    }
  jmp_dbus_network1_complete_address (data->skeleton, data->invocation, address);
}

static gboolean
jmp_driver_object_handle_address (JmpDBusNetwork1       *skeleton,
                                  GDBusMethodInvocation *invocation,
                                  JmpDriverObject       *self)
{
  jmp_network_get_address_async (JMP_NETWORK (self->driver), self->cancellable,
                                 jmp_driver_object_address_cb,
                                 jmp_call_data_new (skeleton, invocation));
  return TRUE;
}

static void
jmp_driver_object_state_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(JmpCallData) data = user_data;
  g_autoptr(GVariant) state = NULL;
  GError *error = NULL;

  state = jmp_video_get_state_finish (JMP_VIDEO (source), res, &error);
  if (state == NULL)
    {
      jmp_driver_object_return_error (data->invocation, error);
      return;
    }
  if (!g_variant_is_of_type (state, G_VARIANT_TYPE_VARDICT))
    {
      g_critical ("%s returned a state of type %s, not a{sv}",
                  G_OBJECT_TYPE_NAME (source), g_variant_get_type_string (state));
      g_dbus_method_invocation_return_error (data->invocation, JMP_ERROR, JMP_ERROR_FAILED,
                                             _("the driver returned a malformed state"));
      return;
    }
  jmp_dbus_video1_complete_state (data->skeleton, data->invocation, state);
}

static gboolean
jmp_driver_object_handle_state (JmpDBusVideo1         *skeleton,
                                GDBusMethodInvocation *invocation,
                                JmpDriverObject       *self)
{
  jmp_video_get_state_async (JMP_VIDEO (self->driver), self->cancellable, jmp_driver_object_state_cb,
                             jmp_call_data_new (skeleton, invocation));
  return TRUE;
}

static void
jmp_driver_object_snapshot_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(JmpCallData) data = user_data;
  g_autoptr(GBytes) jpeg = NULL;
  GError *error = NULL;

  jpeg = jmp_video_snapshot_finish (JMP_VIDEO (source), res, &error);
  if (jpeg == NULL)
    {
      jmp_driver_object_return_error (data->invocation, error);
      return;
    }
  /* the frame's own buffer goes into the message, no copy */
  jmp_dbus_video1_complete_snapshot (data->skeleton, data->invocation,
                                     g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, jpeg, TRUE));
}

static gboolean
jmp_driver_object_handle_snapshot (JmpDBusVideo1         *skeleton,
                                   GDBusMethodInvocation *invocation,
                                   JmpDriverObject       *self)
{
  jmp_video_snapshot_async (JMP_VIDEO (self->driver), self->cancellable, jmp_driver_object_snapshot_cb,
                            jmp_call_data_new (skeleton, invocation));
  return TRUE;
}

static GVariant *
jmp_string_table_to_variant (GHashTable *table)
{
  GVariantBuilder builder;
  g_autoptr(GList) keys = g_hash_table_get_keys (table);

  /* sorted, so that two exports of one tree read the same */
  keys = g_list_sort (keys, (GCompareFunc) g_strcmp0);
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{ss}"));
  for (GList *l = keys; l != NULL; l = l->next)
    g_variant_builder_add (&builder, "{ss}", l->data,
                           (const gchar *) g_hash_table_lookup (table, l->data));
  return g_variant_builder_end (&builder);
}

static void
jmp_driver_object_dispose (GObject *object)
{
  JmpDriverObject *self = JMP_DRIVER_OBJECT (object);
  g_autoptr(GList) interfaces = g_dbus_object_get_interfaces (G_DBUS_OBJECT (self));

  /* pending calls end now, with a clear error, not at their timeout */
  g_cancellable_cancel (self->cancellable);
  /* the skeletons' handlers point at us */
  for (GList *l = interfaces; l != NULL; l = l->next)
    {
      g_signal_handlers_disconnect_by_data (l->data, self);
      g_object_unref (l->data);
    }
  g_clear_object (&self->driver1);
  g_clear_object (&self->driver);
  G_OBJECT_CLASS (jmp_driver_object_parent_class)->dispose (object);
}

static void
jmp_driver_object_finalize (GObject *object)
{
  JmpDriverObject *self = JMP_DRIVER_OBJECT (object);

  g_free (self->parent_uuid);
  g_object_unref (self->cancellable);
  G_OBJECT_CLASS (jmp_driver_object_parent_class)->finalize (object);
}

static void
jmp_driver_object_class_init (JmpDriverObjectClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = jmp_driver_object_dispose;
  object_class->finalize = jmp_driver_object_finalize;
}

static void
jmp_driver_object_init (JmpDriverObject *self)
{
  self->cancellable = g_cancellable_new ();
}

/**
 * jmp_driver_object_new:
 * @driver: the driver
 * @object_path: where to export it
 * @key: its key in its parent (differs from the driver's name for a ref)
 * @dotted_path: its path from the root, e.g. "harness.power"
 * @parent_uuid: uuid of the driver that holds it, "" at the top
 *
 * Returns: (transfer full): a new object with every interface set up
 */
JmpDriverObject *
jmp_driver_object_new (JmpDriver   *driver,
                       const gchar *object_path,
                       const gchar *key,
                       const gchar *dotted_path,
                       const gchar *parent_uuid)
{
  JmpDriverObject *self;
  JmpDBusDriver1 *iface = jmp_dbus_driver1_skeleton_new ();
  g_autoptr(GHashTable) methods = jmp_driver_get_methods_description (driver);
  g_autoptr(GPtrArray) declared = jmp_driver_type_get_methods (G_OBJECT_TYPE (driver));
  g_autoptr(GPtrArray) skeletons = jmp_driver_skeleton_new_for_driver (driver);
  g_autoptr(GHashTable) labels = g_hash_table_new (g_str_hash, g_str_equal);
  GHashTableIter iter;
  gpointer k, v;

  self = g_object_new (JMP_TYPE_DRIVER_OBJECT, "g-object-path", object_path, NULL);
  self->driver = g_object_ref (driver);
  self->parent_uuid = g_strdup (parent_uuid);
  self->driver1 = iface;

  g_hash_table_iter_init (&iter, jmp_driver_get_labels (driver));
  while (g_hash_table_iter_next (&iter, &k, &v))
    g_hash_table_insert (labels, k, v);
  /* as in Jumpstarter's report: the key the driver has in its parent */
  g_hash_table_insert (labels, (gpointer) "jumpstarter.dev/name", (gpointer) key);

  jmp_dbus_driver1_set_name (iface, key);
  jmp_dbus_driver1_set_path (iface, dotted_path);
  jmp_dbus_driver1_set_type_ (iface, jmp_driver_get_type_name (driver));
  jmp_dbus_driver1_set_uuid (iface, jmp_driver_get_uuid (driver));
  jmp_dbus_driver1_set_parent_uuid (iface, parent_uuid);
  jmp_dbus_driver1_set_description (iface, jmp_driver_get_description (driver) ?: "");
  jmp_dbus_driver1_set_labels (iface, jmp_string_table_to_variant (labels));
  jmp_dbus_driver1_set_methods_description (iface, jmp_string_table_to_variant (methods));
  jmp_dbus_driver1_set_methods (iface, jmp_driver_methods_to_variant (declared));
  g_dbus_object_skeleton_add_interface (G_DBUS_OBJECT_SKELETON (self),
                                        G_DBUS_INTERFACE_SKELETON (iface));

  if (JMP_IS_NETWORK (driver))
    {
      g_autoptr(JmpDBusNetwork1) network = jmp_dbus_network1_skeleton_new ();

      jmp_dbus_network1_set_socket_type (network,
                                         jmp_network_get_socket_type (JMP_NETWORK (driver)) ==
                                           G_SOCKET_TYPE_DATAGRAM ? "datagram" : "stream");
      jmp_dbus_network1_set_has_address (network, jmp_network_has_address (JMP_NETWORK (driver)));
      g_signal_connect (network, "handle-connect",
                        G_CALLBACK (jmp_driver_object_handle_connect), self);
      g_signal_connect (network, "handle-address",
                        G_CALLBACK (jmp_driver_object_handle_address), self);
      g_dbus_object_skeleton_add_interface (G_DBUS_OBJECT_SKELETON (self),
                                            G_DBUS_INTERFACE_SKELETON (network));
    }

  if (JMP_IS_VIDEO (driver))
    {
      g_autoptr(JmpDBusVideo1) video = jmp_dbus_video1_skeleton_new ();

      jmp_dbus_video1_set_stream_path (video, jmp_video_get_stream_path (JMP_VIDEO (driver)));
      g_signal_connect (video, "handle-state",
                        G_CALLBACK (jmp_driver_object_handle_state), self);
      g_signal_connect (video, "handle-snapshot",
                        G_CALLBACK (jmp_driver_object_handle_snapshot), self);
      g_dbus_object_skeleton_add_interface (G_DBUS_OBJECT_SKELETON (self),
                                            G_DBUS_INTERFACE_SKELETON (video));
    }

  for (guint i = 0; i < skeletons->len; i++)
    g_dbus_object_skeleton_add_interface (G_DBUS_OBJECT_SKELETON (self),
                                          g_ptr_array_index (skeletons, i));

  jmp_driver_export (driver, G_DBUS_OBJECT_SKELETON (self));
  return self;
}

/**
 * jmp_driver_object_get_driver:
 * @self: a #JmpDriverObject
 *
 * Returns: (transfer none): the driver it represents
 */
JmpDriver *
jmp_driver_object_get_driver (JmpDriverObject *self)
{
  return self->driver;
}

/**
 * jmp_driver_object_set_index:
 * @self: a #JmpDriverObject
 * @index: its position in the export, depth first in config order
 *
 * Kept up to date on a reload, where a driver that stays may move.
 */
void
jmp_driver_object_set_index (JmpDriverObject *self, guint index)
{
  if (jmp_dbus_driver1_get_index (self->driver1) != index)
    jmp_dbus_driver1_set_index (self->driver1, index);
}

/**
 * jmp_driver_object_matches:
 * @self: a #JmpDriverObject
 * @driver: a driver of the new tree
 * @parent_uuid: its parent's uuid in the new tree
 *
 * Returns: %TRUE if @self already represents @driver where it now stands,
 *   so a reload leaves the object alone (then it follows @driver)
 */
gboolean
jmp_driver_object_matches (JmpDriverObject *self,
                           JmpDriver       *driver,
                           const gchar     *parent_uuid)
{
  if (g_strcmp0 (self->parent_uuid, parent_uuid) != 0)
    return FALSE;
  if (self->driver == driver)
    return TRUE;
  /* a reload rebuilds Composites; an unchanged one keeps its uuid, and it
   * has no capability, so its object may stand for the new instance */
  if (JMP_IS_COMPOSITE (self->driver) && JMP_IS_COMPOSITE (driver) &&
      g_strcmp0 (jmp_driver_get_uuid (self->driver), jmp_driver_get_uuid (driver)) == 0 &&
      g_strcmp0 (jmp_driver_get_description (self->driver),
                 jmp_driver_get_description (driver)) == 0)
    {
      g_set_object (&self->driver, driver);
      return TRUE;
    }
  return FALSE;
}
