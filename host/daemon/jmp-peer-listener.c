/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "jmp-peer-auth.h"
#include "jmp-peer-listener.h"

/*
 * The peer server's socket and accept loop, in place of GDBusServer's:
 *
 * - the listen backlog is SOMAXCONN, not GSocketListener's 10, so a burst
 *   of clients queues instead of failing with EAGAIN;
 * - when accept() fails for want of fds or memory, GLib's loop retries at
 *   once, forever, with a warning each time. We stop watching the socket,
 *   retry after a back-off and log the start and the end of it once;
 * - a peer has a deadline to authenticate, and past a cap of peers still
 *   authenticating the oldest is closed, as dbus-daemon does
 *   (auth_timeout, max_incomplete_connections): a peer that holds sockets
 *   open without speaking costs the host one fd each for a while only.
 */

#define JMP_PEER_ACCEPT_BATCH         32
#define JMP_PEER_BACKOFF_MIN_MS       50
#define JMP_PEER_BACKOFF_MAX_MS       1000
#define JMP_PEER_AUTH_TIMEOUT_S       10
#define JMP_PEER_MAX_AUTHENTICATING   64

struct _JmpPeerListener
{
  GObject            parent_instance;
  GSocket           *socket;
  gchar             *socket_path;    /* ours to remove once bound */
  gchar             *client_address;
  gchar             *guid;
  GDBusAuthObserver *observer;
  GSource           *watch;          /* while accepting */
  GSource           *retry;          /* while backing off */
  gboolean           starved;        /* accept() failed and the queue is not empty yet */
  guint              n_failed;       /* accept() failures since then */
  guint              backoff_ms;     /* 0 after a success */
  GQueue             authenticating; /* JmpPendingPeer, oldest first */
  gboolean           stopped;
};

G_DEFINE_FINAL_TYPE (JmpPeerListener, jmp_peer_listener, G_TYPE_OBJECT)

enum {
  SIGNAL_NEW_CONNECTION,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

/* A peer authenticating. It leaves the queue when it is given up on
 * (@link becomes NULL) but lives until its handshake has ended. */
typedef struct {
  JmpPeerListener   *listener;
  GSocketConnection *stream;
  GCancellable      *cancellable;
  GSource           *deadline;
  GList             *link;
  const gchar       *given_up;  /* why, for the debug line */
} JmpPendingPeer;

static void
jmp_pending_peer_free (JmpPendingPeer *pending)
{
  if (pending->deadline != NULL)
    {
      g_source_destroy (pending->deadline);
      g_source_unref (pending->deadline);
    }
  g_object_unref (pending->cancellable);
  g_object_unref (pending->stream);
  g_object_unref (pending->listener);
  g_free (pending);
}

static void
jmp_pending_peer_give_up (JmpPendingPeer *pending, const gchar *why)
{
  JmpPeerListener *self = pending->listener;

  if (pending->link == NULL)
    return;
  g_queue_delete_link (&self->authenticating, pending->link);
  pending->link = NULL;
  pending->given_up = why;
  g_cancellable_cancel (pending->cancellable);
}

static gboolean
jmp_pending_peer_deadline_cb (gpointer user_data)
{
  JmpPendingPeer *pending = user_data;

  g_clear_pointer (&pending->deadline, g_source_unref);
  jmp_pending_peer_give_up (pending, "it did not authenticate within "
                            G_STRINGIFY (JMP_PEER_AUTH_TIMEOUT_S) " s");
  return G_SOURCE_REMOVE;
}

static void
jmp_peer_listener_auth_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  JmpPendingPeer *pending = user_data;
  JmpPeerListener *self = pending->listener;
  g_autoptr(GDBusConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  gboolean claimed = FALSE;

  connection = jmp_peer_auth_finish (res, &error);
  if (pending->link != NULL)
    {
      g_queue_delete_link (&self->authenticating, pending->link);
      pending->link = NULL;
    }
  if (connection == NULL)
    {
      if (pending->given_up != NULL)
        g_debug ("closed a peer: %s", pending->given_up);
      else
        g_debug ("a peer failed to authenticate: %s", error->message);
      g_io_stream_close (G_IO_STREAM (pending->stream), NULL, NULL);
      jmp_pending_peer_free (pending);
      return;
    }
  if (!self->stopped)
    g_signal_emit (self, signals[SIGNAL_NEW_CONNECTION], 0, connection, &claimed);
  if (claimed)
    g_dbus_connection_start_message_processing (connection);
  else
    g_dbus_connection_close (connection, NULL, NULL, NULL);
  jmp_pending_peer_free (pending);
}

static void
jmp_peer_listener_authenticate (JmpPeerListener *self, GSocket *socket)
{
  JmpPendingPeer *pending = g_new0 (JmpPendingPeer, 1);

  if (g_queue_get_length (&self->authenticating) >= JMP_PEER_MAX_AUTHENTICATING)
    jmp_pending_peer_give_up (g_queue_peek_head (&self->authenticating),
                              "too many peers were authenticating; it was the oldest");
  pending->listener = g_object_ref (self);
  pending->stream = g_socket_connection_factory_create_connection (socket);
  pending->cancellable = g_cancellable_new ();
  pending->deadline = g_timeout_source_new_seconds (JMP_PEER_AUTH_TIMEOUT_S);
  g_source_set_callback (pending->deadline, jmp_pending_peer_deadline_cb, pending, NULL);
  g_source_attach (pending->deadline, NULL);
  g_queue_push_tail (&self->authenticating, pending);
  pending->link = self->authenticating.tail;
  jmp_peer_auth_async (pending->stream, self->guid, self->observer, pending->cancellable,
                       jmp_peer_listener_auth_cb, pending);
}

static void
jmp_peer_listener_unwatch (JmpPeerListener *self)
{
  if (self->watch != NULL)
    {
      g_source_destroy (self->watch);
      g_clear_pointer (&self->watch, g_source_unref);
    }
  if (self->retry != NULL)
    {
      g_source_destroy (self->retry);
      g_clear_pointer (&self->retry, g_source_unref);
    }
}

static gboolean jmp_peer_listener_retry_cb (gpointer user_data);

static void
jmp_peer_listener_back_off (JmpPeerListener *self, gint errsv)
{
  if (!self->starved)
    {
      struct rlimit limit = { 0 };

      getrlimit (RLIMIT_NOFILE, &limit);
      g_message ("cannot accept new peers: %s (the fd limit is %llu); "
                 "trying again after a back-off of up to %u ms",
                 g_strerror (errsv), (unsigned long long) limit.rlim_cur,
                 (guint) JMP_PEER_BACKOFF_MAX_MS);
      self->starved = TRUE;
      self->n_failed = 0;
    }
  self->backoff_ms = CLAMP (self->backoff_ms * 2, JMP_PEER_BACKOFF_MIN_MS,
                            JMP_PEER_BACKOFF_MAX_MS);
  self->n_failed++;
  jmp_peer_listener_unwatch (self);
  self->retry = g_timeout_source_new (self->backoff_ms);
  g_source_set_callback (self->retry, jmp_peer_listener_retry_cb, self, NULL);
  g_source_attach (self->retry, NULL);
}

/* Over once every peer waiting has been taken: a host kept at its limit,
 * taking one peer whenever one fd is freed, says so once, not each time. */
static void
jmp_peer_listener_drained (JmpPeerListener *self)
{
  if (!self->starved)
    return;
  g_message ("accepting new peers again, after %u failed attempts", self->n_failed);
  self->starved = FALSE;
}

/* Returns FALSE once it backs off. */
static gboolean
jmp_peer_listener_accept_some (JmpPeerListener *self)
{
  for (guint i = 0; i < JMP_PEER_ACCEPT_BATCH; i++)
    {
      g_autoptr(GSocket) socket = NULL;
      g_autoptr(GError) error = NULL;
      gint fd = accept4 (g_socket_get_fd (self->socket), NULL, NULL, SOCK_CLOEXEC);

      if (fd < 0)
        {
          gint errsv = errno;

          if (errsv == EAGAIN || errsv == EWOULDBLOCK)
            {
              jmp_peer_listener_drained (self);
              return TRUE;
            }
          /* the peer left before we took it, or a signal came */
          if (errsv == EINTR || errsv == ECONNABORTED || errsv == EPROTO)
            continue;
          /* EMFILE, ENFILE, ENOBUFS, ENOMEM: nothing will change at once */
          jmp_peer_listener_back_off (self, errsv);
          return FALSE;
        }
      self->backoff_ms = 0;
      socket = g_socket_new_from_fd (fd, &error);
      /* a GSocket that failed to initialize has closed the fd already */
      if (socket == NULL)
        {
          g_debug ("dropped a peer: %s", error->message);
          continue;
        }
      jmp_peer_listener_authenticate (self, socket);
    }
  /* the rest of a burst after the other sources have had their turn */
  return TRUE;
}

static gboolean
jmp_peer_listener_ready_cb (GSocket *socket, GIOCondition condition, gpointer user_data)
{
  JmpPeerListener *self = user_data;

  /* on a back-off the watch is gone already */
  return jmp_peer_listener_accept_some (self) ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static void
jmp_peer_listener_watch (JmpPeerListener *self)
{
  self->watch = g_socket_create_source (self->socket, G_IO_IN, NULL);
  g_source_set_callback (self->watch, G_SOURCE_FUNC (jmp_peer_listener_ready_cb), self, NULL);
  g_source_attach (self->watch, NULL);
}

static gboolean
jmp_peer_listener_retry_cb (gpointer user_data)
{
  JmpPeerListener *self = user_data;

  g_clear_pointer (&self->retry, g_source_unref);
  if (jmp_peer_listener_accept_some (self))
    jmp_peer_listener_watch (self);
  return G_SOURCE_REMOVE;
}

/**
 * jmp_peer_listener_new:
 * @socket_path: where to create the socket; nothing may be there
 * @observer: decides which peers pass authentication
 * @error: return location for a #GError
 *
 * Creates a Unix socket at @socket_path, mode 0600 from birth, and listens
 * on it. Peers are accepted once jmp_peer_listener_start() is called.
 *
 * Returns: (transfer full): the listener, or %NULL with @error set
 */
JmpPeerListener *
jmp_peer_listener_new (const gchar       *socket_path,
                       GDBusAuthObserver *observer,
                       GError           **error)
{
  g_autoptr(JmpPeerListener) self = g_object_new (JMP_TYPE_PEER_LISTENER, NULL);
  g_autoptr(GSocketAddress) address = g_unix_socket_address_new (socket_path);
  g_autofree gchar *escaped = g_dbus_address_escape_value (socket_path);
  mode_t old_umask;
  gboolean bound;

  self->guid = g_dbus_generate_guid ();
  self->observer = g_object_ref (observer);
  self->client_address = g_strdup_printf ("unix:path=%s", escaped);
  self->socket = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM,
                               G_SOCKET_PROTOCOL_DEFAULT, error);
  if (self->socket == NULL)
    return NULL;
  /* the socket is born 0600: no window in which others may connect */
  old_umask = umask (0177);
  bound = g_socket_bind (self->socket, address, FALSE, error);
  umask (old_umask);
  if (!bound)
    return NULL;
  self->socket_path = g_strdup (socket_path);
  /* capped by the kernel's net.core.somaxconn */
  g_socket_set_listen_backlog (self->socket, SOMAXCONN);
  if (!g_socket_listen (self->socket, error))
    return NULL;
  g_socket_set_blocking (self->socket, FALSE);
  return g_steal_pointer (&self);
}

/**
 * jmp_peer_listener_get_client_address:
 * @self: a #JmpPeerListener
 *
 * Returns: the D-Bus address peers connect to
 */
const gchar *
jmp_peer_listener_get_client_address (JmpPeerListener *self)
{
  return self->client_address;
}

/**
 * jmp_peer_listener_start:
 * @self: a #JmpPeerListener
 *
 * Starts accepting peers: each that authenticates is handed to
 * #JmpPeerListener::new-connection.
 */
void
jmp_peer_listener_start (JmpPeerListener *self)
{
  g_return_if_fail (!self->stopped);
  if (self->watch == NULL && self->retry == NULL)
    jmp_peer_listener_watch (self);
}

/**
 * jmp_peer_listener_stop:
 * @self: a #JmpPeerListener
 *
 * Stops accepting peers, closes the ones still authenticating, closes the
 * socket and removes its file.
 */
void
jmp_peer_listener_stop (JmpPeerListener *self)
{
  JmpPendingPeer *pending;

  self->stopped = TRUE;
  jmp_peer_listener_unwatch (self);
  while ((pending = g_queue_peek_head (&self->authenticating)) != NULL)
    jmp_pending_peer_give_up (pending, "the host stops");
  if (self->socket != NULL)
    g_socket_close (self->socket, NULL);
  if (self->socket_path != NULL)
    {
      g_unlink (self->socket_path);
      g_clear_pointer (&self->socket_path, g_free);
    }
}

static void
jmp_peer_listener_dispose (GObject *object)
{
  JmpPeerListener *self = JMP_PEER_LISTENER (object);

  jmp_peer_listener_stop (self);
  g_clear_object (&self->socket);
  g_clear_object (&self->observer);
  G_OBJECT_CLASS (jmp_peer_listener_parent_class)->dispose (object);
}

static void
jmp_peer_listener_finalize (GObject *object)
{
  JmpPeerListener *self = JMP_PEER_LISTENER (object);

  g_free (self->guid);
  g_free (self->client_address);
  G_OBJECT_CLASS (jmp_peer_listener_parent_class)->finalize (object);
}

static void
jmp_peer_listener_class_init (JmpPeerListenerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = jmp_peer_listener_dispose;
  object_class->finalize = jmp_peer_listener_finalize;

  /**
   * JmpPeerListener::new-connection:
   * @self: the listener
   * @connection: a peer's authenticated connection
   *
   * Emitted for each peer that passed authentication, with message
   * processing not yet started. A handler that keeps @connection returns
   * %TRUE; a connection no handler keeps is closed.
   *
   * Returns: %TRUE if @connection was claimed
   */
  signals[SIGNAL_NEW_CONNECTION] =
    g_signal_new ("new-connection", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  g_signal_accumulator_true_handled, NULL, NULL,
                  G_TYPE_BOOLEAN, 1, G_TYPE_DBUS_CONNECTION);
}

static void
jmp_peer_listener_init (JmpPeerListener *self)
{
  g_queue_init (&self->authenticating);
}
