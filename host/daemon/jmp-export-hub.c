/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "jmp-export-hub.h"
#include "jmp-export-view.h"
#include "jmp-peer-bus.h"

/*
 * One export of the tree shared by every peer of --listen, so that a peer
 * costs the host the same with 1,000 drivers as with 2.
 *
 * The export (JmpExport: Host1, an ObjectManager, one object per driver)
 * lives on a private "hub" connection, one end of a socketpair whose other
 * end a thread reads and discards. Everything the skeletons emit there
 * (PropertiesChanged, InterfacesAdded and -Removed, a plugin's own signals)
 * is copied by a filter in GDBus's worker thread to every peer; it still
 * goes out on the hub, so that a flush of the hub (before the reply to
 * Reload()) completes once the copies are queued. What a peer calls reaches
 * the same skeletons through a few registrations on its own connection
 * (JmpExportView). Nothing per driver is built or registered for a peer.
 */

struct _JmpExportHub
{
  GObject          parent_instance;
  GDBusConnection *hub;
  gint             far_end;       /* the socketpair's other end */
  GThread         *drain;         /* reads @far_end until the hub closes */
  JmpExport       *export;
  GMutex           lock;          /* @peers is read in the worker thread */
  GPtrArray       *peers;         /* GDBusConnection */
  GHashTable      *parents;       /* object path → number of driver objects below */
  GList           *views;         /* JmpExportView, not owned */
  gint             generation;    /* bumped by every signal the export sends */
  GVariant        *managed;       /* GetManagedObjects() of @managed_generation */
  gint             managed_generation;
};

G_DEFINE_FINAL_TYPE (JmpExportHub, jmp_export_hub, G_TYPE_OBJECT)

/* ---- signals: the hub's outgoing messages go to every peer instead ------ */

static GDBusMessage *
jmp_export_hub_fan_out (GDBusConnection *connection,
                        GDBusMessage    *message,
                        gboolean         incoming,
                        gpointer         user_data)
{
  JmpExportHub *self = user_data;
  g_autoptr(GPtrArray) peers = NULL;

  if (incoming)
    return message;
  if (g_dbus_message_get_message_type (message) == G_DBUS_MESSAGE_TYPE_SIGNAL)
    {
      /* whatever changed, GetManagedObjects() is built anew */
      g_atomic_int_inc (&self->generation);
      peers = g_ptr_array_new_with_free_func (g_object_unref);
      g_mutex_lock (&self->lock);
      for (guint i = 0; i < self->peers->len; i++)
        g_ptr_array_add (peers, g_object_ref (g_ptr_array_index (self->peers, i)));
      g_mutex_unlock (&self->lock);
      for (guint i = 0; i < peers->len; i++)
        {
          g_autoptr(GDBusMessage) copy = g_dbus_message_copy (message, NULL);

          if (copy == NULL)
            continue;
          /* stamped as jmp-peer-bus.c would, which saves it a copy */
          g_dbus_message_set_sender (copy, JMP_PEER_BUS_HOST_UNIQUE);
          /* a peer that is closing is dropped by its "closed" handler */
          g_dbus_connection_send_message (g_ptr_array_index (peers, i), copy,
                                          G_DBUS_SEND_MESSAGE_FLAGS_NONE, NULL, NULL);
        }
    }
  return message;
}

static gpointer
jmp_export_hub_drain_thread (gpointer data)
{
  gint fd = GPOINTER_TO_INT (data);
  gchar buffer[16384];
  gssize n;

  do
    n = read (fd, buffer, sizeof buffer);
  while (n > 0 || (n < 0 && errno == EINTR));
  return NULL;
}

static GVariant *
jmp_export_hub_build_managed_objects (JmpExportHub *self)
{
  GDBusObjectManager *manager = G_DBUS_OBJECT_MANAGER (jmp_export_get_manager (self->export));
  g_autolist(GDBusObject) objects = g_dbus_object_manager_get_objects (manager);
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{oa{sa{sv}}}"));
  for (GList *l = objects; l != NULL; l = l->next)
    {
      g_autolist(GDBusInterface) interfaces = g_dbus_object_get_interfaces (l->data);
      GVariantBuilder object_builder;

      g_variant_builder_init (&object_builder, G_VARIANT_TYPE ("a{sa{sv}}"));
      for (GList *i = interfaces; i != NULL; i = i->next)
        {
          GDBusInterfaceSkeleton *skeleton = G_DBUS_INTERFACE_SKELETON (i->data);
          g_autoptr(GVariant) properties = g_dbus_interface_skeleton_get_properties (skeleton);

          g_variant_builder_add (&object_builder, "{s@a{sv}}",
                                 g_dbus_interface_skeleton_get_info (skeleton)->name, properties);
        }
      g_variant_builder_add (&builder, "{oa{sa{sv}}}",
                             g_dbus_object_get_object_path (l->data), &object_builder);
    }
  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

/* Every client starts with this call, and at 1,000 drivers building the
 * answer is most of its cost: it is kept until the export sends a signal
 * (a property, an object added or removed). The generation is read before
 * building, so a change during the build is never hidden. A value set but
 * not yet signalled may be answered old; its PropertiesChanged follows the
 * reply, as it would after a reply built a moment earlier. */
GVariant *
jmp_export_hub_get_managed_objects (JmpExportHub *self)
{
  gint generation = g_atomic_int_get (&self->generation);

  if (self->managed == NULL || self->managed_generation != generation)
    {
      g_clear_pointer (&self->managed, g_variant_unref);
      self->managed = jmp_export_hub_build_managed_objects (self);
      self->managed_generation = generation;
    }
  return g_variant_ref (self->managed);
}

/**
 * jmp_export_hub_get_export:
 * @self: a #JmpExportHub
 *
 * Returns: (transfer none): the shared export
 */
JmpExport *
jmp_export_hub_get_export (JmpExportHub *self)
{
  return self->export;
}

/**
 * jmp_export_hub_is_parent:
 * @self: a #JmpExportHub
 * @path: an object path
 *
 * Returns: %TRUE if driver objects stand below @path, which then has a
 *   subtree of its own on every peer
 */
gboolean
jmp_export_hub_is_parent (JmpExportHub *self, const gchar *path)
{
  return g_hash_table_contains (self->parents, path);
}

/**
 * jmp_export_hub_remove_peer:
 * @self: a #JmpExportHub
 * @view: the peer's view, going
 * @connection: its connection
 *
 * Stops sending the export's signals to @connection.
 */
void
jmp_export_hub_remove_peer (JmpExportHub *self, JmpExportView *view, GDBusConnection *connection)
{
  g_mutex_lock (&self->lock);
  g_ptr_array_remove (self->peers, connection);
  g_mutex_unlock (&self->lock);
  self->views = g_list_remove (self->views, view);
}

/* ---- the paths that have driver objects below them -------------------- */

static void
jmp_export_hub_object_added_cb (GDBusObjectManager *manager,
                                GDBusObject        *object,
                                JmpExportHub       *self)
{
  g_autofree gchar *parent = g_path_get_dirname (g_dbus_object_get_object_path (object));
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (self->parents, parent));

  g_atomic_int_inc (&self->generation);
  g_hash_table_insert (self->parents, g_strdup (parent), GUINT_TO_POINTER (n + 1));
  if (n == 0)
    for (GList *l = self->views; l != NULL; l = l->next)
      jmp_export_view_add_subtree (l->data, parent);
}

static gboolean
jmp_export_hub_release_cb (gpointer object)
{
  return G_SOURCE_REMOVE;
}

static void
jmp_export_hub_object_removed_cb (GDBusObjectManager *manager,
                                  GDBusObject        *object,
                                  JmpExportHub       *self)
{
  g_autofree gchar *parent = g_path_get_dirname (g_dbus_object_get_object_path (object));
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (self->parents, parent));

  /* GDBus runs a call it dispatched through a subtree from an idle, with
   * the skeleton the dispatch returned: a removed object lives until the
   * calls already dispatched to it have run */
  g_idle_add_full (G_PRIORITY_LOW, jmp_export_hub_release_cb, g_object_ref (object),
                   g_object_unref);
  g_atomic_int_inc (&self->generation);

  if (n > 1)
    {
      g_hash_table_insert (self->parents, g_strdup (parent), GUINT_TO_POINTER (n - 1));
      return;
    }
  g_hash_table_remove (self->parents, parent);
  for (GList *l = self->views; l != NULL; l = l->next)
    jmp_export_view_remove_subtree (l->data, parent);
}

/**
 * jmp_export_hub_add_peer:
 * @self: a #JmpExportHub
 * @connection: a peer's connection
 * @error: return location for a #GError
 *
 * Serves the shared export on @connection until the view is freed.
 *
 * Returns: (transfer full): the peer's view, or %NULL with @error set
 */
JmpExportView *
jmp_export_hub_add_peer (JmpExportHub     *self,
                         GDBusConnection  *connection,
                         GError          **error)
{
  g_autoptr(JmpExportView) view = jmp_export_view_new (self, connection, error);
  GHashTableIter iter;
  gpointer parent;

  if (view == NULL)
    return NULL;
  jmp_host_serve_streams (jmp_export_get_host (self->export), connection, TRUE);
  self->views = g_list_prepend (self->views, view);
  g_mutex_lock (&self->lock);
  g_ptr_array_add (self->peers, g_object_ref (connection));
  g_mutex_unlock (&self->lock);
  g_hash_table_iter_init (&iter, self->parents);
  while (g_hash_table_iter_next (&iter, &parent, NULL))
    jmp_export_view_add_subtree (view, parent);
  return g_steal_pointer (&view);
}

static void
jmp_export_hub_dispose (GObject *object)
{
  JmpExportHub *self = JMP_EXPORT_HUB (object);

  if (self->export != NULL)
    g_signal_handlers_disconnect_by_data (jmp_export_get_manager (self->export), self);
  g_clear_object (&self->export);
  if (self->hub != NULL)
    g_dbus_connection_close_sync (self->hub, NULL, NULL);
  g_clear_object (&self->hub);
  /* the hub's end is closed: the drain reads EOF */
  if (self->drain != NULL)
    g_thread_join (g_steal_pointer (&self->drain));
  if (self->far_end >= 0)
    {
      close (self->far_end);
      self->far_end = -1;
    }
  G_OBJECT_CLASS (jmp_export_hub_parent_class)->dispose (object);
}

static void
jmp_export_hub_finalize (GObject *object)
{
  JmpExportHub *self = JMP_EXPORT_HUB (object);

  g_ptr_array_unref (self->peers);
  g_hash_table_unref (self->parents);
  g_clear_pointer (&self->managed, g_variant_unref);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (jmp_export_hub_parent_class)->finalize (object);
}

static void
jmp_export_hub_class_init (JmpExportHubClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = jmp_export_hub_dispose;
  G_OBJECT_CLASS (klass)->finalize = jmp_export_hub_finalize;
}

static void
jmp_export_hub_init (JmpExportHub *self)
{
  g_mutex_init (&self->lock);
  self->far_end = -1;
  self->peers = g_ptr_array_new_with_free_func (g_object_unref);
  self->parents = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

/* A D-Bus connection on one end of a socketpair, with no authentication:
 * nothing ever arrives on it, and what it sends is read and dropped. */
static GDBusConnection *
jmp_export_hub_connection_new (JmpExportHub *self, GError **error)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketConnection) stream = NULL;
  gint fds[2];

  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
    {
      gint errsv = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   _("cannot create a socket pair: %s"), g_strerror (errsv));
      return NULL;
    }
  self->far_end = fds[1];
  self->drain = g_thread_new ("jmp-export-hub", jmp_export_hub_drain_thread,
                              GINT_TO_POINTER (fds[1]));
  socket = g_socket_new_from_fd (fds[0], error);
  if (socket == NULL)
    {
      close (fds[0]);
      return NULL;
    }
  stream = g_socket_connection_factory_create_connection (socket);
  return g_dbus_connection_new_sync (G_IO_STREAM (stream), NULL,
                                     G_DBUS_CONNECTION_FLAGS_NONE, NULL, NULL, error);
}

/**
 * jmp_export_hub_new:
 * @host: the host
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the shared export of @host's tree, or %NULL
 *   with @error set
 */
JmpExportHub *
jmp_export_hub_new (JmpHost *host, GError **error)
{
  g_autoptr(JmpExportHub) self = g_object_new (JMP_TYPE_EXPORT_HUB, NULL);
  g_autolist(GDBusObject) objects = NULL;
  GDBusObjectManagerServer *manager;

  self->hub = jmp_export_hub_connection_new (self, error);
  if (self->hub == NULL)
    return NULL;
  g_dbus_connection_add_filter (self->hub, jmp_export_hub_fan_out, self, NULL);
  self->export = jmp_export_new (host, self->hub, NULL, error);
  if (self->export == NULL)
    return NULL;

  manager = jmp_export_get_manager (self->export);
  objects = g_dbus_object_manager_get_objects (G_DBUS_OBJECT_MANAGER (manager));
  for (GList *l = objects; l != NULL; l = l->next)
    jmp_export_hub_object_added_cb (G_DBUS_OBJECT_MANAGER (manager), l->data, self);
  g_signal_connect (manager, "object-added", G_CALLBACK (jmp_export_hub_object_added_cb), self);
  g_signal_connect (manager, "object-removed", G_CALLBACK (jmp_export_hub_object_removed_cb), self);
  return g_steal_pointer (&self);
}
