/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "jmp-call-limit.h"
#include "jmp-export.h"
#include "jmp-export-hub.h"
#include "jmp-peer-bus.h"
#include "jmp-peer-describe.h"
#include "jmp-peer-listener.h"
#include "jmp-peer-server.h"

/* Changes of the tree whose signals a peer may leave unread before it is
 * dropped. A bus daemon caps what it queues for a client; without one we
 * must, or a peer that never reads grows the host with every reload. */
#define JMP_PEER_MAX_UNREAD_CHANGES 32

/*
 * --listen: D-Bus without a bus. Every peer is served one shared export
 * (JmpExportHub), so a peer costs the same whatever the tree. The
 * socket is created 0600 and only peers of our own uid pass authentication,
 * since a peer may open streams into the lab.
 */

struct _JmpPeerServer
{
  GObject          parent_instance;
  JmpHost         *host;
  JmpExportHub    *hub;      /* the export every peer shares */
  JmpPeerListener *listener;
  GDBusAuthObserver *observer;
  GHashTable      *peers;  /* GDBusConnection → JmpPeer */
  guint            n_served;
  gulong           tree_changed_id;
};

/* One peer: its export, and how far it reads the signals sent to it. A
 * peer answers a Peer.Ping (GDBus, sd-bus and libdbus do it for every
 * connection) only once it has read what was sent before it, so
 * @changes - @read counts the tree changes it has not read yet.
 *
 * Not g_dbus_connection_flush(): GLib 2.74 runs it as a blocking flush in
 * a thread of GTask's pool, one per peer and change, and with a hundred
 * peers a reload then waited for the pool (over a minute) while the
 * flushes of peers that read everything waited too. */
typedef struct {
  GDBusConnection *connection;
  JmpExportView   *export;
  guint            changes;
  guint            read;
  gboolean         asking;
  gboolean         dropped;
} JmpPeer;

static void
jmp_peer_free (JmpPeer *peer)
{
  g_clear_object (&peer->export);
  /* a ping still running holds its own ref */
  g_object_unref (peer->connection);
  g_free (peer);
}

G_DEFINE_FINAL_TYPE (JmpPeerServer, jmp_peer_server, G_TYPE_OBJECT)

static gboolean
jmp_peer_server_allow_mechanism_cb (GDBusAuthObserver *observer,
                                    const gchar       *mechanism,
                                    gpointer           user_data)
{
  return g_strcmp0 (mechanism, "EXTERNAL") == 0;
}

static gboolean
jmp_peer_server_authorize_cb (GDBusAuthObserver *observer,
                              GIOStream         *stream,
                              GCredentials      *credentials,
                              gpointer           user_data)
{
  g_autoptr(GError) error = NULL;
  uid_t uid;

  if (credentials == NULL)
    {
      g_message ("refused a peer without credentials");
      return FALSE;
    }
  uid = g_credentials_get_unix_user (credentials, &error);
  if (uid == (uid_t) -1 || uid != getuid ())
    {
      g_message ("refused a peer of uid %d: only uid %d may connect",
                 (gint) uid, (gint) getuid ());
      return FALSE;
    }
  return TRUE;
}

static void
jmp_peer_server_closed_cb (GDBusConnection *connection,
                           gboolean         remote_peer_vanished,
                           GError          *error,
                           JmpPeerServer   *self)
{
  g_debug ("peer %p gone", connection);
  g_signal_handlers_disconnect_by_data (connection, self);
  g_hash_table_remove (self->peers, connection);
}

typedef struct {
  JmpPeerServer   *server;
  GDBusConnection *connection;
  guint            changes;
} JmpPeerPing;

static void jmp_peer_server_ping (JmpPeerServer *self, JmpPeer *peer);

static void
jmp_peer_server_ping_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autofree JmpPeerPing *ping = user_data;
  g_autoptr(JmpPeerServer) self = ping->server;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  JmpPeer *peer;

  /* any answer, an error too, says the peer read up to the ping; the
   * connection closing is for "closed" to clean up */
  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), res, &error);
  peer = g_hash_table_lookup (self->peers, source);
  g_object_unref (ping->connection);
  if (peer == NULL || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CLOSED))
    return;
  peer->asking = FALSE;
  peer->read = ping->changes;
  if (peer->changes != peer->read)
    jmp_peer_server_ping (self, peer);
}

static void
jmp_peer_server_ping (JmpPeerServer *self, JmpPeer *peer)
{
  JmpPeerPing *ping = g_new0 (JmpPeerPing, 1);

  ping->server = g_object_ref (self);
  ping->connection = g_object_ref (peer->connection);
  ping->changes = peer->changes;
  peer->asking = TRUE;
  /* no timeout: a peer that never answers is what is counted */
  g_dbus_connection_call (peer->connection, NULL, "/", "org.freedesktop.DBus.Peer", "Ping",
                          NULL, NULL, G_DBUS_CALL_FLAGS_NO_AUTO_START, G_MAXINT, NULL,
                          jmp_peer_server_ping_cb, ping);
}

/* Connected after the exports' handlers: their signals are queued now. */
static void
jmp_peer_server_tree_changed_cb (JmpHost *host, JmpPeerServer *self)
{
  GHashTableIter iter;
  JmpPeer *peer;

  g_hash_table_iter_init (&iter, self->peers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &peer))
    {
      peer->changes++;
      if (peer->changes - peer->read > JMP_PEER_MAX_UNREAD_CHANGES)
        {
          g_autofree gchar *who = NULL;

          if (peer->dropped)
            continue;
          who = jmp_peer_describe (peer->connection);
          g_message ("dropping %s: it has not read the signals of the last %u changes of the tree",
                     who, (guint) JMP_PEER_MAX_UNREAD_CHANGES);
          peer->dropped = TRUE;
          g_dbus_connection_close (peer->connection, NULL, NULL, NULL);
          continue;
        }
      if (!peer->asking)
        jmp_peer_server_ping (self, peer);
    }
}

static gboolean
jmp_peer_server_new_connection_cb (JmpPeerListener *listener,
                                   GDBusConnection *connection,
                                   JmpPeerServer   *self)
{
  g_autoptr(GError) error = NULL;
  JmpExportView *export;
  JmpPeer *peer;

  jmp_call_limit_install (connection, TRUE);
  export = jmp_export_hub_add_peer (self->hub, connection, &error);
  if (export == NULL ||
      jmp_peer_bus_register (connection, JMP_HOST_BUS_NAME, ++self->n_served, &error) == 0)
    {
      g_clear_object (&export);
      g_message ("cannot serve a new peer: %s", error->message);
      return FALSE;
    }
  peer = g_new0 (JmpPeer, 1);
  peer->connection = g_object_ref (connection);
  peer->export = export;
  g_hash_table_insert (self->peers, connection, peer);
  g_signal_connect (connection, "closed", G_CALLBACK (jmp_peer_server_closed_cb), self);
  g_debug ("peer %p connected", connection);
  return TRUE;
}

/* A socket file left by a host that died is removed; one that still
 * answers belongs to a running host and is an error. */
static gboolean
jmp_peer_server_clear_stale (const gchar *path, GError **error)
{
  g_autoptr(GSocketClient) client = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) local_error = NULL;
  GStatBuf st;

  if (g_lstat (path, &st) != 0)
    return TRUE;
  if (!S_ISSOCK (st.st_mode))
    {
      g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                   _("%s exists and is not a socket"), path);
      return FALSE;
    }
  /* in a shared directory, another user's socket is never ours to remove,
   * live or not */
  if (st.st_uid != getuid ())
    {
      g_set_error (error, JMP_ERROR, JMP_ERROR_UNAVAILABLE,
                   _("%s belongs to uid %u; not replacing another user's socket"),
                   path, (guint) st.st_uid);
      return FALSE;
    }
  client = g_socket_client_new ();
  address = g_unix_socket_address_new (path);
  connection = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (address), NULL,
                                        &local_error);
  if (connection != NULL)
    {
      g_set_error (error, JMP_ERROR, JMP_ERROR_UNAVAILABLE,
                   _("another host is listening on %s"), path);
      return FALSE;
    }
  /* only a socket nobody listens on is stale; any other failure (EACCES,
   * EAGAIN of a full backlog) may be a live host */
  if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
    {
      g_set_error (error, JMP_ERROR, JMP_ERROR_UNAVAILABLE,
                   _("%s exists and may be in use (%s); not replacing it"),
                   path, local_error->message);
      return FALSE;
    }
  g_debug ("removing stale socket %s", path);
  g_unlink (path);
  return TRUE;
}

static gchar *
jmp_peer_server_parse_path (const gchar *address, GError **error)
{
  g_autofree gchar *copy = NULL;

  if (!g_dbus_is_address (address))
    {
      g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                   _("invalid D-Bus address \"%s\""), address);
      return NULL;
    }
  if (!g_str_has_prefix (address, "unix:path=") || strchr (address, ',') != NULL ||
      strchr (address, ';') != NULL)
    {
      g_set_error (error, JMP_ERROR, JMP_ERROR_NOT_SUPPORTED,
                   _("--listen takes a single unix:path=PATH address, not \"%s\""),
                   address);
      return NULL;
    }
  copy = g_uri_unescape_string (address + strlen ("unix:path="), NULL);
  if (copy == NULL || *copy == '\0')
    {
      g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                   _("invalid D-Bus address \"%s\": missing path"), address);
      return NULL;
    }
  return g_steal_pointer (&copy);
}

/**
 * jmp_peer_server_new:
 * @host: the host to serve
 * @address: a `unix:path=PATH` D-Bus address
 * @error: return location for a #GError
 *
 * Returns: (transfer full): a running server, or %NULL with @error set
 */
JmpPeerServer *
jmp_peer_server_new (JmpHost *host, const gchar *address, GError **error)
{
  g_autoptr(JmpPeerServer) self = g_object_new (JMP_TYPE_PEER_SERVER, NULL);
  g_autofree gchar *socket_path = NULL;

  self->host = g_object_ref (host);
  self->hub = jmp_export_hub_new (host, error);
  if (self->hub == NULL)
    return NULL;
  self->tree_changed_id = g_signal_connect_after (host, "tree-changed",
                                                  G_CALLBACK (jmp_peer_server_tree_changed_cb),
                                                  self);
  socket_path = jmp_peer_server_parse_path (address, error);
  if (socket_path == NULL)
    return NULL;
  if (!jmp_peer_server_clear_stale (socket_path, error))
    return NULL;

  self->observer = g_dbus_auth_observer_new ();
  g_signal_connect (self->observer, "allow-mechanism",
                    G_CALLBACK (jmp_peer_server_allow_mechanism_cb), self);
  g_signal_connect (self->observer, "authorize-authenticated-peer",
                    G_CALLBACK (jmp_peer_server_authorize_cb), self);

  self->listener = jmp_peer_listener_new (socket_path, self->observer, error);
  if (self->listener == NULL)
    return NULL;
  g_signal_connect (self->listener, "new-connection",
                    G_CALLBACK (jmp_peer_server_new_connection_cb), self);
  jmp_peer_listener_start (self->listener);
  return g_steal_pointer (&self);
}

const gchar *
jmp_peer_server_get_client_address (JmpPeerServer *self)
{
  return jmp_peer_listener_get_client_address (self->listener);
}

guint
jmp_peer_server_get_n_peers (JmpPeerServer *self)
{
  return g_hash_table_size (self->peers);
}

/**
 * jmp_peer_server_stop:
 * @self: a #JmpPeerServer
 *
 * Stops accepting peers, drops the ones connected and removes the socket.
 */
void
jmp_peer_server_stop (JmpPeerServer *self)
{
  GHashTableIter iter;
  gpointer connection;

  if (self->listener != NULL)
    jmp_peer_listener_stop (self->listener);
  g_hash_table_iter_init (&iter, self->peers);
  while (g_hash_table_iter_next (&iter, &connection, NULL))
    {
      g_signal_handlers_disconnect_by_data (connection, self);
      g_dbus_connection_close (connection, NULL, NULL, NULL);
    }
  g_hash_table_remove_all (self->peers);
}

static void
jmp_peer_server_dispose (GObject *object)
{
  JmpPeerServer *self = JMP_PEER_SERVER (object);

  jmp_peer_server_stop (self);
  if (self->tree_changed_id != 0)
    g_clear_signal_handler (&self->tree_changed_id, self->host);
  g_clear_object (&self->listener);
  g_clear_object (&self->observer);
  g_clear_object (&self->hub);
  g_clear_object (&self->host);
  G_OBJECT_CLASS (jmp_peer_server_parent_class)->dispose (object);
}

static void
jmp_peer_server_finalize (GObject *object)
{
  JmpPeerServer *self = JMP_PEER_SERVER (object);

  g_hash_table_unref (self->peers);
  G_OBJECT_CLASS (jmp_peer_server_parent_class)->finalize (object);
}

static void
jmp_peer_server_class_init (JmpPeerServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = jmp_peer_server_dispose;
  object_class->finalize = jmp_peer_server_finalize;
}

static void
jmp_peer_server_init (JmpPeerServer *self)
{
  self->peers = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) jmp_peer_free);
}
