/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "jmp-authority.h"
#include "jmp-dbus-generated.h"
#include "jmp-driver-entry.h"
#include "jmp-driver-object.h"
#include "jmp-driver-rows.h"
#include "jmp-export.h"

/*
 * The host as seen on one D-Bus connection: the bus, or the hub whose
 * export every peer of --listen shares (jmp-export-hub.c). dev.jumpstarter.Host1 at /dev/jumpstarter/Host1, and below it an
 * ObjectManager with one object per driver. Each connection has objects of
 * its own, since an ObjectManager serves a single connection.
 */

struct _JmpExport
{
  GObject                   parent_instance;
  JmpHost                  *host;
  JmpAuthority             *authority;  /* NULL: every caller may act */
  GDBusConnection          *connection;
  GDBusObjectManagerServer *manager;
  JmpDBusHost1             *host_iface;
  GHashTable               *objects;  /* object path → JmpDriverObject */
  GVariant                 *driver_rows;  /* ListDrivers() until the tree changes */
  gulong                    tree_changed_id;
};

G_DEFINE_FINAL_TYPE (JmpExport, jmp_export, G_TYPE_OBJECT)

typedef struct {
  JmpExport  *self;
  GHashTable *wanted;  /* object path → JmpDriverObject, kept or new */
  guint       index;   /* depth first, in config order */
} JmpExportSync;

static void jmp_export_add_children (JmpExportSync *sync,
                                     JmpDriver     *parent,
                                     const gchar   *parent_object_path,
                                     const gchar   *parent_dotted,
                                     const gchar   *parent_uuid);

static void
jmp_export_add (JmpExportSync *sync,
                JmpDriver     *driver,
                const gchar   *object_path,
                const gchar   *key,
                const gchar   *dotted,
                const gchar   *parent_uuid,
                gboolean       walk)
{
  JmpDriverObject *object = g_hash_table_lookup (sync->self->objects, object_path);

  if (object == NULL || !jmp_driver_object_matches (object, driver, parent_uuid))
    object = jmp_driver_object_new (driver, object_path, key, dotted, parent_uuid);
  else
    g_object_ref (object);
  jmp_driver_object_set_index (object, sync->index++);
  g_hash_table_insert (sync->wanted, g_strdup (object_path), object);

  /* a ref is shown once, where it stands; its target's children are
   * reached through the target's own path */
  if (walk)
    jmp_export_add_children (sync, driver, object_path, dotted,
                             jmp_driver_get_uuid (driver));
}

static void
jmp_export_add_children (JmpExportSync *sync,
                         JmpDriver     *parent,
                         const gchar   *parent_object_path,
                         const gchar   *parent_dotted,
                         const gchar   *parent_uuid)
{
  g_auto(GStrv) keys = jmp_driver_get_child_keys (parent);

  for (guint i = 0; keys[i] != NULL; i++)
    {
      g_autoptr(JmpDriver) child = jmp_driver_get_child (parent, keys[i]);
      g_autofree gchar *escaped = g_dbus_escape_object_path (keys[i]);
      g_autofree gchar *object_path = g_strdup_printf ("%s/%s", parent_object_path, escaped);
      g_autofree gchar *dotted = *parent_dotted != '\0' ?
        g_strdup_printf ("%s.%s", parent_dotted, keys[i]) : g_strdup (keys[i]);

      if (child == NULL)
        continue;
      jmp_export_add (sync, child, object_path, keys[i], dotted, parent_uuid,
                      !jmp_driver_is_ref (parent, keys[i]));
    }
}

static GVariant *
jmp_export_labels (GHashTable *labels)
{
  GVariantBuilder builder;
  GHashTableIter iter;
  gpointer key, value;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{ss}"));
  if (labels != NULL)
    {
      g_hash_table_iter_init (&iter, labels);
      while (g_hash_table_iter_next (&iter, &key, &value))
        g_variant_builder_add (&builder, "{ss}", key, value);
    }
  return g_variant_builder_end (&builder);
}

static void
jmp_export_sync_host (JmpExport *self)
{
  JmpConfig *config = jmp_host_get_config (self->host);

  jmp_dbus_host1_set_version (self->host_iface, PACKAGE_VERSION);
  jmp_dbus_host1_set_alias (self->host_iface, jmp_host_get_alias (self->host) ?: "");
  if (config == NULL)
    return;
  jmp_dbus_host1_set_exporter_name (self->host_iface, jmp_config_get_name (config) ?: "");
  jmp_dbus_host1_set_description (self->host_iface, jmp_config_get_description (config) ?: "");
  jmp_dbus_host1_set_motd (self->host_iface, jmp_config_get_motd (config) ?: "");
  jmp_dbus_host1_set_config_path (self->host_iface, jmp_config_get_origin (config) ?: "");
  jmp_dbus_host1_set_labels (self->host_iface,
                             jmp_export_labels (jmp_config_get_labels (config)));
}

/* An interface a plugin adds or removes later changes a row too. */
static void
jmp_export_rows_changed_cb (JmpExport *self)
{
  g_clear_pointer (&self->driver_rows, g_variant_unref);
}

/* Brings the objects in line with the host's tree: objects whose driver is
 * unchanged stay, so a reload disturbs nobody using them. */
static void
jmp_export_sync (JmpExport *self)
{
  JmpExportSync sync = { self, NULL, 0 };
  JmpDriver *root = jmp_host_get_root (self->host);
  g_autoptr(GHashTable) wanted = g_hash_table_new_full (g_str_hash, g_str_equal,
                                                        g_free, g_object_unref);
  GHashTableIter iter;
  gpointer path, object;

  jmp_export_sync_host (self);
  /* kept drivers may move (Index): the rows are built again */
  g_clear_pointer (&self->driver_rows, g_variant_unref);

  sync.wanted = wanted;
  if (root != NULL)
    jmp_export_add_children (&sync, root, JMP_HOST_DRIVER_PATH, "", "");

  g_hash_table_iter_init (&iter, self->objects);
  while (g_hash_table_iter_next (&iter, &path, &object))
    if (g_hash_table_lookup (wanted, path) != object)
      {
        g_signal_handlers_disconnect_by_data (object, self);
        g_dbus_object_manager_server_unexport (self->manager, path);
        g_hash_table_iter_remove (&iter);
      }

  g_hash_table_iter_init (&iter, wanted);
  while (g_hash_table_iter_next (&iter, &path, &object))
    if (!g_hash_table_contains (self->objects, path))
      {
        g_hash_table_insert (self->objects, g_strdup (path), g_object_ref (object));
        g_signal_connect_object (object, "interface-added",
                                 G_CALLBACK (jmp_export_rows_changed_cb), self, G_CONNECT_SWAPPED);
        g_signal_connect_object (object, "interface-removed",
                                 G_CALLBACK (jmp_export_rows_changed_cb), self, G_CONNECT_SWAPPED);
        jmp_authority_watch (self->authority, object);
        g_dbus_object_manager_server_export (self->manager,
                                             G_DBUS_OBJECT_SKELETON (object));
      }
}

static void
jmp_export_reload_flushed_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;

  /* an error is the connection going, which the reply will meet too */
  g_dbus_connection_flush_finish (G_DBUS_CONNECTION (source), res, NULL);
  g_dbus_method_invocation_return_value (invocation, NULL);
}

static void
jmp_export_reload_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  JmpExport *self = g_object_get_data (G_OBJECT (invocation), "jmp-export");
  GError *error = NULL;

  if (!jmp_host_reload_finish (JMP_HOST (source), res, &error))
    {
      g_message ("reload failed, the running tree stays: %s", error->message);
      jmp_error_convert (&error);
      g_dbus_method_invocation_take_error (invocation, error);
      return;
    }
  /* the signals of the change go out before the reply, also when they
   * take another connection to the caller (JmpExportHub) */
  g_dbus_connection_flush (self->connection, NULL, jmp_export_reload_flushed_cb,
                           g_steal_pointer (&invocation));
}

static gboolean
jmp_export_handle_reload (JmpDBusHost1          *iface,
                          GDBusMethodInvocation *invocation,
                          JmpExport             *self)
{
  g_object_set_data_full (G_OBJECT (invocation), "jmp-export", g_object_ref (self),
                          g_object_unref);
  jmp_host_reload_async (self->host, NULL, jmp_export_reload_cb,
                         g_object_ref (invocation));
  return TRUE;
}

static gboolean
jmp_export_handle_list_plugins (JmpDBusHost1          *iface,
                                GDBusMethodInvocation *invocation,
                                JmpExport             *self)
{
  g_autoptr(GPtrArray) plugins = jmp_registry_get_plugins (jmp_host_get_registry (self->host));
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < plugins->len; i++)
    g_variant_builder_add_value (&builder,
                                 jmp_plugin_info_to_variant (g_ptr_array_index (plugins, i)));
  jmp_dbus_host1_complete_list_plugins (iface, invocation, g_variant_builder_end (&builder));
  return TRUE;
}

/* A listing that costs one build per change of the tree, however often it
 * is asked for; a call then costs GDBus copying its bytes (an `ay`). */
static gboolean
jmp_export_handle_list_drivers (JmpDBusHost1          *iface,
                                GDBusMethodInvocation *invocation,
                                JmpExport             *self)
{
  if (self->driver_rows == NULL)
    self->driver_rows = jmp_driver_rows_build (self->objects);
  jmp_dbus_host1_complete_list_drivers (iface, invocation, self->driver_rows);
  return TRUE;
}

/* One driver by a hash lookup: what a client that uses one needs. */
static gboolean
jmp_export_handle_get_driver (JmpDBusHost1          *iface,
                              GDBusMethodInvocation *invocation,
                              const gchar           *driver,
                              JmpExport             *self)
{
  g_autofree gchar *object_path = jmp_driver_entry_object_path (driver);
  JmpDriverObject *object = NULL;

  if (object_path != NULL)
    object = g_hash_table_lookup (self->objects, object_path);
  if (object == NULL)
    {
      g_dbus_method_invocation_return_error (invocation, JMP_ERROR, JMP_ERROR_NOT_FOUND,
                                             _("no driver \"%s\""), driver);
      return TRUE;
    }
  jmp_dbus_host1_complete_get_driver (iface, invocation, object_path,
                                      jmp_driver_entry_build (G_DBUS_OBJECT (object)));
  return TRUE;
}

static void
jmp_export_dispose (GObject *object)
{
  JmpExport *self = JMP_EXPORT (object);

  if (self->tree_changed_id != 0)
    {
      g_signal_handler_disconnect (self->host, self->tree_changed_id);
      self->tree_changed_id = 0;
    }
  if (self->host_iface != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->host_iface, self);
      g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (self->host_iface));
      g_clear_object (&self->host_iface);
    }
  if (self->manager != NULL)
    g_dbus_object_manager_server_set_connection (self->manager, NULL);
  g_clear_pointer (&self->objects, g_hash_table_unref);
  g_clear_pointer (&self->driver_rows, g_variant_unref);
  g_clear_object (&self->manager);
  g_clear_object (&self->connection);
  g_clear_object (&self->host);
  g_clear_object (&self->authority);
  G_OBJECT_CLASS (jmp_export_parent_class)->dispose (object);
}

static void
jmp_export_class_init (JmpExportClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = jmp_export_dispose;
}

static void
jmp_export_init (JmpExport *self)
{
  self->objects = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
}

/**
 * jmp_export_new:
 * @host: the host
 * @connection: a bus or peer connection
 * @authority: (nullable): who may call the methods that act, or %NULL for
 *   every caller (peer-to-peer, where the socket admits only the host's uid)
 * @error: return location for a #GError
 *
 * Exports the host and its drivers on @connection until the export is
 * freed, following every change of the tree.
 *
 * Returns: (transfer full): the export, or %NULL with @error set
 */
JmpExport *
jmp_export_new (JmpHost          *host,
                GDBusConnection  *connection,
                JmpAuthority     *authority,
                GError          **error)
{
  g_autoptr(JmpExport) self = g_object_new (JMP_TYPE_EXPORT, NULL);

  self->host = g_object_ref (host);
  self->authority = authority != NULL ? g_object_ref (authority) : NULL;
  self->connection = g_object_ref (connection);
  self->host_iface = jmp_dbus_host1_skeleton_new ();
  g_signal_connect (self->host_iface, "handle-reload",
                    G_CALLBACK (jmp_export_handle_reload), self);
  g_signal_connect (self->host_iface, "handle-list-plugins",
                    G_CALLBACK (jmp_export_handle_list_plugins), self);
  g_signal_connect (self->host_iface, "handle-list-drivers",
                    G_CALLBACK (jmp_export_handle_list_drivers), self);
  g_signal_connect (self->host_iface, "handle-get-driver",
                    G_CALLBACK (jmp_export_handle_get_driver), self);
  jmp_authority_watch (self->authority, self->host_iface);
  /* the properties are set before export, and their change notification
   * dropped: a new peer's first message must be the reply to its Hello */
  jmp_export_sync_host (self);
  g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (self->host_iface));
  if (!g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->host_iface),
                                         connection, JMP_HOST_OBJECT_PATH, error))
    return NULL;

  self->manager = g_dbus_object_manager_server_new (JMP_HOST_OBJECT_PATH);
  jmp_export_sync (self);
  g_dbus_object_manager_server_set_connection (self->manager, connection);
  self->tree_changed_id = g_signal_connect_swapped (host, "tree-changed",
                                                    G_CALLBACK (jmp_export_sync), self);
  return g_steal_pointer (&self);
}

GDBusConnection *
jmp_export_get_connection (JmpExport *self)
{
  return self->connection;
}

JmpHost *
jmp_export_get_host (JmpExport *self)
{
  return self->host;
}

/**
 * jmp_export_get_manager:
 * @self: a #JmpExport
 *
 * Returns: (transfer none): the object manager of the drivers' objects
 */
GDBusObjectManagerServer *
jmp_export_get_manager (JmpExport *self)
{
  return self->manager;
}

/**
 * jmp_export_get_host_interface:
 * @self: a #JmpExport
 *
 * Returns: (transfer none): the dev.jumpstarter.Host1 skeleton
 */
GDBusInterfaceSkeleton *
jmp_export_get_host_interface (JmpExport *self)
{
  return G_DBUS_INTERFACE_SKELETON (self->host_iface);
}
