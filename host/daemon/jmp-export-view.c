/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "jmp-export-view.h"

/*
 * What one peer of --listen sees of the export every peer shares
 * (JmpExportHub): Host1 and the ObjectManager at the host's path, and one
 * subtree per path that has driver objects below it (the drivers' path,
 * and each Composite), whose dispatch looks the object up when a call
 * arrives and hands GDBus the shared skeleton's own vtable. A few
 * registrations, whatever the size of the tree.
 */

struct _JmpExportView
{
  GObject          parent_instance;
  JmpExportHub    *hub;
  GDBusConnection *connection;
  guint            host_id;
  guint            manager_id;
  GHashTable      *subtrees;      /* parent path → registration id */
};

G_DEFINE_FINAL_TYPE (JmpExportView, jmp_export_view, G_TYPE_OBJECT)

static const gchar jmp_export_view_manager_xml[] =
  "<node>"
  "  <interface name='org.freedesktop.DBus.ObjectManager'>"
  "    <method name='GetManagedObjects'>"
  "      <arg type='a{oa{sa{sv}}}' name='object_paths_interfaces_and_properties' direction='out'/>"
  "    </method>"
  "    <signal name='InterfacesAdded'>"
  "      <arg type='o' name='object_path'/>"
  "      <arg type='a{sa{sv}}' name='interfaces_and_properties'/>"
  "    </signal>"
  "    <signal name='InterfacesRemoved'>"
  "      <arg type='o' name='object_path'/>"
  "      <arg type='as' name='interfaces'/>"
  "    </signal>"
  "  </interface>"
  "</node>";

static GDBusInterfaceInfo *
jmp_export_view_manager_info (void)
{
  static GDBusNodeInfo *info = NULL;

  if (g_once_init_enter (&info))
    g_once_init_leave (&info, g_dbus_node_info_new_for_xml (jmp_export_view_manager_xml, NULL));
  return info->interfaces[0];
}

static GDBusObjectManager *
jmp_export_view_get_manager (JmpExportView *self)
{
  return G_DBUS_OBJECT_MANAGER (jmp_export_get_manager (jmp_export_hub_get_export (self->hub)));
}

static GDBusInterfaceSkeleton *
jmp_export_view_lookup_interface (JmpExportView *self,
                                  const gchar   *object_path,
                                  const gchar   *interface_name)
{
  GDBusObjectManager *manager = jmp_export_view_get_manager (self);
  g_autoptr(GDBusInterface) iface = NULL;

  iface = g_dbus_object_manager_get_interface (manager, object_path, interface_name);
  if (iface == NULL || !G_IS_DBUS_INTERFACE_SKELETON (iface))
    return NULL;
  /* the object holds it for as long as the call is dispatched: in this
   * thread, now */
  return G_DBUS_INTERFACE_SKELETON (iface);
}

/* One registration of a subtree on a peer's connection. GDBus passes the
 * callbacks the path of the message or of the registration depending on
 * the call, so the registration's own path is kept here. */
typedef struct {
  JmpExportView *view;
  gchar         *root;
} JmpExportSubtree;

static void
jmp_export_subtree_free (gpointer data)
{
  JmpExportSubtree *subtree = data;

  g_free (subtree->root);
  g_free (subtree);
}

static gchar *
jmp_export_subtree_node_path (JmpExportSubtree *subtree, const gchar *node)
{
  return node != NULL ? g_strconcat (subtree->root, "/", node, NULL) : g_strdup (subtree->root);
}

static gchar **
jmp_export_view_enumerate (GDBusConnection *connection,
                           const gchar     *sender,
                           const gchar     *object_path,
                           gpointer         user_data)
{
  JmpExportSubtree *subtree = user_data;
  JmpExportHub *hub = subtree->view->hub;
  GDBusObjectManager *manager = jmp_export_view_get_manager (subtree->view);
  g_autolist(GDBusObject) objects = g_dbus_object_manager_get_objects (manager);
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  gsize len = strlen (subtree->root);

  for (GList *l = objects; l != NULL; l = l->next)
    {
      const gchar *path = g_dbus_object_get_object_path (l->data);

      /* a child with children of its own has its own registration, which
       * introspection already lists */
      if (strncmp (path, subtree->root, len) == 0 && path[len] == '/' &&
          strchr (path + len + 1, '/') == NULL && !jmp_export_hub_is_parent (hub, path))
        g_ptr_array_add (names, g_strdup (path + len + 1));
    }
  g_ptr_array_add (names, NULL);
  return (gchar **) g_ptr_array_free (g_steal_pointer (&names), FALSE);
}

static GDBusInterfaceInfo **
jmp_export_view_introspect (GDBusConnection *connection,
                            const gchar     *sender,
                            const gchar     *object_path,
                            const gchar     *node,
                            gpointer         user_data)
{
  JmpExportSubtree *subtree = user_data;
  GDBusObjectManager *manager = jmp_export_view_get_manager (subtree->view);
  g_autofree gchar *path = jmp_export_subtree_node_path (subtree, node);
  g_autoptr(GDBusObject) object = g_dbus_object_manager_get_object (manager, path);
  g_autolist(GDBusInterface) interfaces = NULL;
  GPtrArray *infos;

  if (object == NULL)
    return NULL;
  infos = g_ptr_array_new ();
  interfaces = g_dbus_object_get_interfaces (object);
  for (GList *l = interfaces; l != NULL; l = l->next)
    g_ptr_array_add (infos, g_dbus_interface_info_ref (
      g_dbus_interface_skeleton_get_info (G_DBUS_INTERFACE_SKELETON (l->data))));
  g_ptr_array_add (infos, NULL);
  return (GDBusInterfaceInfo **) g_ptr_array_free (infos, FALSE);
}

static const GDBusInterfaceVTable *
jmp_export_view_dispatch (GDBusConnection *connection,
                          const gchar     *sender,
                          const gchar     *object_path,
                          const gchar     *interface_name,
                          const gchar     *node,
                          gpointer        *out_user_data,
                          gpointer         user_data)
{
  JmpExportSubtree *subtree = user_data;
  g_autofree gchar *path = jmp_export_subtree_node_path (subtree, node);
  GDBusInterfaceSkeleton *skeleton;

  skeleton = jmp_export_view_lookup_interface (subtree->view, path, interface_name);
  if (skeleton == NULL)
    return NULL;
  /* the skeleton's own vtable, as on the hub; the export has no
   * authority (every peer is of the host's uid), so no authorize step */
  *out_user_data = skeleton;
  return g_dbus_interface_skeleton_get_vtable (skeleton);
}

static const GDBusSubtreeVTable jmp_export_view_subtree_vtable = {
  jmp_export_view_enumerate, jmp_export_view_introspect, jmp_export_view_dispatch, { NULL, }
};

static void
jmp_export_view_get_managed_objects (GDBusConnection       *connection,
                                     const gchar           *sender,
                                     const gchar           *object_path,
                                     const gchar           *interface_name,
                                     const gchar           *method_name,
                                     GVariant              *parameters,
                                     GDBusMethodInvocation *invocation,
                                     gpointer               user_data)
{
  g_autoptr(GVariant) managed = jmp_export_hub_get_managed_objects (JMP_EXPORT_VIEW (user_data)->hub);

  g_dbus_method_invocation_return_value (invocation,
                                         g_variant_new ("(@a{oa{sa{sv}}})", managed));
}

static const GDBusInterfaceVTable jmp_export_view_manager_vtable = {
  jmp_export_view_get_managed_objects, NULL, NULL, { NULL, }
};

/**
 * jmp_export_view_add_subtree:
 * @view: a #JmpExportView
 * @parent: a path with driver objects below it
 *
 * Serves the objects below @parent on the peer's connection.
 */
void
jmp_export_view_add_subtree (JmpExportView *view, const gchar *parent)
{
  g_autoptr(GError) error = NULL;
  JmpExportSubtree *subtree;
  guint id;

  if (g_hash_table_contains (view->subtrees, parent))
    return;
  subtree = g_new0 (JmpExportSubtree, 1);
  subtree->view = view;
  subtree->root = g_strdup (parent);
  id = g_dbus_connection_register_subtree (view->connection, parent,
                                           &jmp_export_view_subtree_vtable,
                                           G_DBUS_SUBTREE_FLAGS_DISPATCH_TO_UNENUMERATED_NODES,
                                           subtree, jmp_export_subtree_free, &error);
  /* a closed connection refuses; it is on its way out */
  if (id == 0)
    {
      g_debug ("cannot serve %s to a peer: %s", parent, error->message);
      return;
    }
  g_hash_table_insert (view->subtrees, g_strdup (parent), GUINT_TO_POINTER (id));
}

/**
 * jmp_export_view_remove_subtree:
 * @view: a #JmpExportView
 * @parent: a path with no driver objects below it any more
 */
void
jmp_export_view_remove_subtree (JmpExportView *view, const gchar *parent)
{
  gpointer id;

  if (!g_hash_table_lookup_extended (view->subtrees, parent, NULL, &id))
    return;
  g_dbus_connection_unregister_subtree (view->connection, GPOINTER_TO_UINT (id));
  g_hash_table_remove (view->subtrees, parent);
}

static void
jmp_export_view_dispose (GObject *object)
{
  JmpExportView *self = JMP_EXPORT_VIEW (object);
  GHashTableIter iter;
  gpointer id;

  if (self->hub != NULL)
    {
      jmp_export_hub_remove_peer (self->hub, self, self->connection);
      g_hash_table_iter_init (&iter, self->subtrees);
      while (g_hash_table_iter_next (&iter, NULL, &id))
        g_dbus_connection_unregister_subtree (self->connection, GPOINTER_TO_UINT (id));
      g_hash_table_remove_all (self->subtrees);
      if (self->manager_id != 0)
        g_dbus_connection_unregister_object (self->connection, self->manager_id);
      if (self->host_id != 0)
        g_dbus_connection_unregister_object (self->connection, self->host_id);
      self->manager_id = self->host_id = 0;
      g_clear_object (&self->hub);
    }
  g_clear_object (&self->connection);
  G_OBJECT_CLASS (jmp_export_view_parent_class)->dispose (object);
}

static void
jmp_export_view_finalize (GObject *object)
{
  g_hash_table_unref (JMP_EXPORT_VIEW (object)->subtrees);
  G_OBJECT_CLASS (jmp_export_view_parent_class)->finalize (object);
}

static void
jmp_export_view_class_init (JmpExportViewClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = jmp_export_view_dispose;
  G_OBJECT_CLASS (klass)->finalize = jmp_export_view_finalize;
}

static void
jmp_export_view_init (JmpExportView *self)
{
  self->subtrees = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}


/**
 * jmp_export_view_new:
 * @hub: the shared export
 * @connection: a peer's connection
 * @error: return location for a #GError
 *
 * Registers Host1 and the ObjectManager on @connection; the hub adds the
 * subtrees.
 *
 * Returns: (transfer full): the view, or %NULL with @error set
 */
JmpExportView *
jmp_export_view_new (JmpExportHub     *hub,
                     GDBusConnection  *connection,
                     GError          **error)
{
  g_autoptr(JmpExportView) self = g_object_new (JMP_TYPE_EXPORT_VIEW, NULL);
  GDBusInterfaceSkeleton *host_iface = jmp_export_get_host_interface (jmp_export_hub_get_export (hub));

  self->hub = g_object_ref (hub);
  self->connection = g_object_ref (connection);
  self->host_id = g_dbus_connection_register_object (connection, JMP_HOST_OBJECT_PATH,
                                                     g_dbus_interface_skeleton_get_info (host_iface),
                                                     g_dbus_interface_skeleton_get_vtable (host_iface),
                                                     host_iface, NULL, error);
  if (self->host_id == 0)
    return NULL;
  self->manager_id = g_dbus_connection_register_object (connection, JMP_HOST_OBJECT_PATH,
                                                        jmp_export_view_manager_info (),
                                                        &jmp_export_view_manager_vtable,
                                                        self, NULL, error);
  if (self->manager_id == 0)
    return NULL;
  return g_steal_pointer (&self);
}
