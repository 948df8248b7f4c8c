/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <glib-unix.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "jmp-error.h"
#include "jmp-portforward.h"
#include "jmp-relay.h"

/**
 * JmpPortforward:
 *
 * Local listeners that forward to a network driver.
 *
 * A #JmpPortforward listens on a local TCP port, Unix socket or UDP port.
 * Every accepted connection opens a stream of its own with `Connect()` and
 * is relayed with splice(2), so the bytes are never copied to user space. A
 * connection that fails is closed alone: the listener and the other
 * connections go on. There is no SO_REUSEPORT: a port in use is an error.
 */

#define JMP_UDP_MAX_DATAGRAM 65536
#define JMP_UDP_MAX_QUEUED 64
#define JMP_UDP_IDLE_SECONDS 120
/* Each sender costs a Connect() and its fds: a spray of senders (any
 * local user can send from all of 127.0.0.0/8) evicts the longest idle
 * instead of growing the table, and new senders wait while this many
 * Connect()s are in flight */
#define JMP_UDP_MAX_PEERS 256
#define JMP_ACCEPT_BATCH 64
/* Connect() calls in flight at once; the host refuses a client past its
 * own limit (JMP_CALL_LIMIT_IN_FLIGHT), so a burst of connections waits
 * here, accepted, for its turn */
#define JMP_CONNECTS_IN_FLIGHT 64

typedef struct _JmpUdpPeer JmpUdpPeer;

struct _JmpPortforward
{
  GObject             parent_instance;
  JmpPortforwardKind  kind;
  JmpNetworkProxy    *network;
  GSocket            *listener;
  GMainContext       *context;       /* where its sources run */
  GThread            *thread;        /* with jmp_portforward_start_thread() */
  GMainLoop          *thread_loop;
  GSource            *listen_source;
  GSource            *retry_source;
  GSocketAddress     *local_address;
  gchar              *path;
  gchar              *own_dir;       /* made for a default Unix path */
  GCancellable       *cancellable;   /* pending Connect() calls */
  GHashTable         *relays;        /* JmpRelay set */
  GQueue              waiting;       /* JmpPendingStream, accepted, no Connect() yet */
  guint               n_connecting;
  GHashTable         *udp_peers;     /* "addr:port" → JmpUdpPeer */
  GSource            *udp_sweep_source;
  guint               n_udp_connecting;
  gboolean            accept_failure_logged;
  guint               n_active;
  guint64             n_accepted;
  guint64             n_failed;
};

G_DEFINE_FINAL_TYPE (JmpPortforward, jmp_portforward, G_TYPE_OBJECT)

enum {
  SIGNAL_CONNECTION_FAILED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void jmp_portforward_watch_listener (JmpPortforward *self);
static gchar *jmp_socket_address_to_string (GSocketAddress *address);

static void
jmp_portforward_failed (JmpPortforward *self, const gchar *what, const GError *error)
{
  self->n_failed++;
  /* a refused or unreachable target is the target's business, not a
   * fault of the program: it hears of it through the signal */
  g_debug ("%s: %s", what, error->message);
  g_signal_emit (self, signals[SIGNAL_CONNECTION_FAILED], 0, error->message);
}

/* Streams ---------------------------------------------------------------- */

static void
jmp_portforward_relay_done_cb (JmpRelay *relay, const GError *error, gpointer user_data)
{
  JmpPortforward *self = user_data;

  g_hash_table_remove (self->relays, relay);
  self->n_active--;
  if (G_LIKELY (g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN)))
    return;
  if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("a forwarded connection ended: %s (%" G_GUINT64_FORMAT " bytes out, %"
             G_GUINT64_FORMAT " in; %u active)", error->message,
             jmp_relay_get_bytes_a_to_b (relay), jmp_relay_get_bytes_b_to_a (relay),
             self->n_active);
  else
    g_debug ("a forwarded connection closed (%" G_GUINT64_FORMAT " bytes out, %"
             G_GUINT64_FORMAT " in; %u active)",
             jmp_relay_get_bytes_a_to_b (relay), jmp_relay_get_bytes_b_to_a (relay),
             self->n_active);
}

typedef struct {
  JmpPortforward *self;
  GSocket        *accepted;
} JmpPendingStream;

static void
jmp_pending_stream_free (JmpPendingStream *pending)
{
  g_object_unref (pending->self);
  g_object_unref (pending->accepted);
  g_free (pending);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (JmpPendingStream, jmp_pending_stream_free)

static void jmp_portforward_connected_cb (GObject *source, GAsyncResult *res, gpointer user_data);

static void
jmp_portforward_start_connects (JmpPortforward *self)
{
  while (self->n_connecting < JMP_CONNECTS_IN_FLIGHT && self->waiting.length > 0)
    {
      self->n_connecting++;
      jmp_network_proxy_connect_socket (self->network, self->cancellable,
                                        jmp_portforward_connected_cb,
                                        g_queue_pop_head (&self->waiting));
    }
}

static void
jmp_portforward_connected_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(JmpPendingStream) pending = user_data;
  JmpPortforward *self = pending->self;
  g_autoptr(GSocket) stream = NULL;
  g_autoptr(GError) error = NULL;
  JmpRelay *relay;

  stream = jmp_network_proxy_connect_socket_finish (JMP_NETWORK_PROXY (source), res, &error);
  self->n_connecting--;
  if (!g_cancellable_is_cancelled (self->cancellable))
    jmp_portforward_start_connects (self);
  if (stream != NULL)
    {
      relay = jmp_relay_start (pending->accepted, stream,
                               jmp_portforward_relay_done_cb, self, &error);
      if (relay != NULL)
        {
          g_hash_table_add (self->relays, relay);
          return;
        }
      g_socket_close (stream, NULL);
    }
  g_socket_close (pending->accepted, NULL);
  self->n_active--;
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    jmp_portforward_failed (self, _("a forwarded connection failed"), error);
}

static void
jmp_portforward_accept_one (JmpPortforward *self, GSocket *accepted)
{
  JmpPendingStream *pending = g_new0 (JmpPendingStream, 1);

  if (g_socket_get_family (accepted) != G_SOCKET_FAMILY_UNIX)
    g_socket_set_option (accepted, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
  pending->self = g_object_ref (self);
  pending->accepted = g_object_ref (accepted);
  self->n_accepted++;
  self->n_active++;
  /* a getpeername() and a formatted string per connection only when
   * someone reads them */
  if (G_UNLIKELY (!g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN)))
    {
      g_autoptr(GSocketAddress) from = g_socket_get_remote_address (accepted, NULL);
      g_autofree gchar *peer = G_IS_INET_SOCKET_ADDRESS (from) ?
        jmp_socket_address_to_string (from) : g_strdup ("a local peer");

      g_debug ("accepted connection %" G_GUINT64_FORMAT " from %s (%u active)",
               self->n_accepted, peer, self->n_active);
    }
  g_queue_push_tail (&self->waiting, pending);
  jmp_portforward_start_connects (self);
}

/* On the forward's own context, not the global default one: it may run
 * in a thread of its own. */
static GSource *
jmp_portforward_add_timeout (JmpPortforward *self, guint ms, GSourceFunc func)
{
  GSource *source = g_timeout_source_new (ms);

  g_source_set_callback (source, func, self, NULL);
  g_source_attach (source, self->context);
  return source;
}

static gboolean
jmp_portforward_retry_cb (gpointer user_data)
{
  JmpPortforward *self = user_data;

  g_clear_pointer (&self->retry_source, g_source_unref);
  jmp_portforward_watch_listener (self);
  return G_SOURCE_REMOVE;
}

static gboolean
jmp_portforward_accept_cb (GSocket *listener, GIOCondition condition, gpointer user_data)
{
  JmpPortforward *self = user_data;

  for (guint i = 0; i < JMP_ACCEPT_BATCH; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSocket) accepted = g_socket_accept (listener, NULL, &error);

      if (accepted != NULL)
        {
          jmp_portforward_accept_one (self, accepted);
          continue;
        }
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        break;
      /* out of fds: a readable listener would spin, so pause it; said
       * once, not at every retry */
      if (!self->accept_failure_logged)
        g_message ("cannot accept a connection, pausing for a moment: %s", error->message);
      self->accept_failure_logged = TRUE;
      self->n_failed++;
      g_clear_pointer (&self->listen_source, g_source_destroy);
      self->retry_source = jmp_portforward_add_timeout (self, 100, jmp_portforward_retry_cb);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

/* Datagrams -------------------------------------------------------------- */

struct _JmpUdpPeer
{
  JmpPortforward *self;
  gchar          *key;
  GSocketAddress *address;
  GSocket        *upstream;
  GSource        *source;
  GQueue          queued;     /* GBytes sent before the stream was open */
  gint64          last_seen;
  gboolean        connecting;
};

static void
jmp_udp_peer_free (JmpUdpPeer *peer)
{
  if (peer->source != NULL)
    {
      g_source_destroy (peer->source);
      g_source_unref (peer->source);
    }
  if (peer->upstream != NULL)
    {
      g_socket_close (peer->upstream, NULL);
      g_object_unref (peer->upstream);
    }
  g_queue_clear_full (&peer->queued, (GDestroyNotify) g_bytes_unref);
  g_object_unref (peer->address);
  g_free (peer->key);
  g_free (peer);
}

static gboolean
jmp_udp_peer_reply_cb (GSocket *upstream, GIOCondition condition, gpointer user_data)
{
  JmpUdpPeer *peer = user_data;
  guint8 buffer[JMP_UDP_MAX_DATAGRAM];

  for (guint i = 0; i < JMP_ACCEPT_BATCH; i++)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_socket_receive (upstream, (gchar *) buffer, sizeof buffer, NULL, &error);

      if (n < 0)
        {
          /* ICMP port unreachable comes back as ECONNREFUSED: the target
           * may come up later, so the peer stays */
          if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            g_debug ("UDP target: %s", error->message);
          break;
        }
      peer->last_seen = g_get_monotonic_time ();
      g_socket_send_to (peer->self->listener, peer->address, (const gchar *) buffer, n,
                        NULL, NULL);
    }
  return G_SOURCE_CONTINUE;
}

static void
jmp_udp_peer_send (JmpUdpPeer *peer, GBytes *datagram)
{
  g_autoptr(GError) error = NULL;
  gsize len;
  const gchar *data = g_bytes_get_data (datagram, &len);

  if (g_socket_send (peer->upstream, data, len, NULL, &error) < 0)
    g_debug ("UDP target: %s", error->message);
}

typedef struct {
  JmpPortforward *self;
  gchar          *key;
} JmpPendingPeer;

static void
jmp_pending_peer_free (JmpPendingPeer *pending)
{
  g_object_unref (pending->self);
  g_free (pending->key);
  g_free (pending);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (JmpPendingPeer, jmp_pending_peer_free)

static void
jmp_udp_peer_connected_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(JmpPendingPeer) pending = user_data;
  JmpPortforward *self = pending->self;
  const gchar *key = pending->key;
  g_autoptr(GSocket) upstream = NULL;
  g_autoptr(GError) error = NULL;
  JmpUdpPeer *peer;
  GBytes *datagram;

  upstream = jmp_network_proxy_connect_socket_finish (JMP_NETWORK_PROXY (source), res, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->n_udp_connecting--;
  /* the peer may have been dropped meanwhile (close, or evicted) */
  peer = g_hash_table_lookup (self->udp_peers, key);
  if (peer == NULL)
    {
      if (upstream != NULL)
        g_socket_close (upstream, NULL);
      return;
    }
  peer->connecting = FALSE;
  if (upstream == NULL)
    {
      jmp_portforward_failed (self, _("a forwarded UDP peer failed"), error);
      g_hash_table_remove (self->udp_peers, key);
      return;
    }
  if (g_socket_get_socket_type (upstream) != G_SOCKET_TYPE_DATAGRAM)
    {
      g_autoptr(GError) type_error =
        g_error_new (JMP_ERROR, JMP_ERROR_NOT_SUPPORTED,
                     _("the driver's stream is not a datagram socket: use forward-tcp"));
      g_socket_close (upstream, NULL);
      jmp_portforward_failed (self, _("a forwarded UDP peer failed"), type_error);
      g_hash_table_remove (self->udp_peers, key);
      return;
    }
  g_socket_set_blocking (upstream, FALSE);
  peer->upstream = g_steal_pointer (&upstream);
  peer->source = g_socket_create_source (peer->upstream, G_IO_IN, NULL);
  g_source_set_callback (peer->source, G_SOURCE_FUNC (jmp_udp_peer_reply_cb), peer, NULL);
  g_source_attach (peer->source, g_main_context_get_thread_default ());
  while ((datagram = g_queue_pop_head (&peer->queued)) != NULL)
    {
      jmp_udp_peer_send (peer, datagram);
      g_bytes_unref (datagram);
    }
}

static gchar *
jmp_socket_address_to_string (GSocketAddress *address)
{
  GInetAddress *inet;
  g_autofree gchar *ip = NULL;
  guint16 port;

  if (!G_IS_INET_SOCKET_ADDRESS (address))
    return g_strdup ("?");
  inet = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address));
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address));
  ip = g_inet_address_to_string (inet);
  if (g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6)
    return g_strdup_printf ("[%s]:%u", ip, port);
  return g_strdup_printf ("%s:%u", ip, port);
}

/* Makes room for one more sender: the one heard from least recently goes. */
static void
jmp_portforward_udp_evict (JmpPortforward *self)
{
  GHashTableIter iter;
  JmpUdpPeer *peer, *oldest = NULL;

  g_hash_table_iter_init (&iter, self->udp_peers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &peer))
    if (oldest == NULL || peer->last_seen < oldest->last_seen)
      oldest = peer;
  g_debug ("%u UDP peers: dropping %s, idle the longest", JMP_UDP_MAX_PEERS, oldest->key);
  g_hash_table_remove (self->udp_peers, oldest->key);
}

static gboolean
jmp_portforward_datagram_cb (GSocket *listener, GIOCondition condition, gpointer user_data)
{
  JmpPortforward *self = user_data;
  guint8 buffer[JMP_UDP_MAX_DATAGRAM];

  for (guint i = 0; i < JMP_ACCEPT_BATCH; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSocketAddress) from = NULL;
      g_autoptr(GBytes) datagram = NULL;
      g_autofree gchar *key = NULL;
      JmpUdpPeer *peer;
      gssize n;

      n = g_socket_receive_from (listener, &from, (gchar *) buffer, sizeof buffer, NULL, &error);
      if (n < 0)
        break;
      datagram = g_bytes_new (buffer, n);
      key = jmp_socket_address_to_string (from);
      peer = g_hash_table_lookup (self->udp_peers, key);
      if (peer == NULL && self->n_udp_connecting >= JMP_CONNECTS_IN_FLIGHT)
        {
          /* datagrams may be lost: the sender will send again */
          g_debug ("UDP: %u peers connecting, a datagram from %s dropped",
                   self->n_udp_connecting, key);
          continue;
        }
      if (peer == NULL)
        {
          if (g_hash_table_size (self->udp_peers) >= JMP_UDP_MAX_PEERS)
            jmp_portforward_udp_evict (self);
          peer = g_new0 (JmpUdpPeer, 1);
          peer->self = self;
          peer->key = g_strdup (key);
          peer->address = g_object_ref (from);
          peer->connecting = TRUE;
          g_queue_init (&peer->queued);
          g_hash_table_insert (self->udp_peers, peer->key, peer);
          JmpPendingPeer *pending = g_new0 (JmpPendingPeer, 1);

          pending->self = g_object_ref (self);
          pending->key = g_strdup (key);
          self->n_accepted++;
          self->n_udp_connecting++;
          jmp_network_proxy_connect_socket (self->network, self->cancellable,
                                            jmp_udp_peer_connected_cb, pending);
        }
      peer->last_seen = g_get_monotonic_time ();
      if (peer->connecting)
        {
          if (g_queue_get_length (&peer->queued) < JMP_UDP_MAX_QUEUED)
            g_queue_push_tail (&peer->queued, g_steal_pointer (&datagram));
        }
      else
        jmp_udp_peer_send (peer, datagram);
    }
  return G_SOURCE_CONTINUE;
}

/* Peers that sent nothing and got nothing for a while are dropped, as a
 * NAT's conntrack entry would be. */
static gboolean
jmp_portforward_udp_sweep_cb (gpointer user_data)
{
  JmpPortforward *self = user_data;
  gint64 limit = g_get_monotonic_time () - JMP_UDP_IDLE_SECONDS * G_USEC_PER_SEC;
  GHashTableIter iter;
  JmpUdpPeer *peer;

  g_hash_table_iter_init (&iter, self->udp_peers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &peer))
    if (!peer->connecting && peer->last_seen < limit)
      g_hash_table_iter_remove (&iter);
  return G_SOURCE_CONTINUE;
}

/* Set-up ----------------------------------------------------------------- */

static void
jmp_portforward_watch_listener (JmpPortforward *self)
{
  GSourceFunc func = self->kind == JMP_PORTFORWARD_UDP ?
    G_SOURCE_FUNC (jmp_portforward_datagram_cb) : G_SOURCE_FUNC (jmp_portforward_accept_cb);

  self->listen_source = g_socket_create_source (self->listener, G_IO_IN, NULL);
  g_source_set_callback (self->listen_source, func, self, NULL);
  g_source_attach (self->listen_source, self->context);
  g_source_unref (self->listen_source);
}

/* Every source of a new forward, on its context. */
static void
jmp_portforward_attach (JmpPortforward *self)
{
  jmp_portforward_watch_listener (self);
  if (self->kind == JMP_PORTFORWARD_UDP)
    self->udp_sweep_source = jmp_portforward_add_timeout (self, JMP_UDP_IDLE_SECONDS / 4 * 1000,
                                                          jmp_portforward_udp_sweep_cb);
}

static void
jmp_portforward_detach (JmpPortforward *self)
{
  g_clear_pointer (&self->listen_source, g_source_destroy);
  if (self->retry_source != NULL)
    g_source_destroy (self->retry_source);
  g_clear_pointer (&self->retry_source, g_source_unref);
  if (self->udp_sweep_source != NULL)
    g_source_destroy (self->udp_sweep_source);
  g_clear_pointer (&self->udp_sweep_source, g_source_unref);
}

static JmpPortforward *
jmp_portforward_new (JmpNetworkProxy *network, JmpPortforwardKind kind)
{
  JmpPortforward *self = g_object_new (JMP_TYPE_PORTFORWARD, NULL);

  self->network = g_object_ref (network);
  self->kind = kind;
  self->context = g_main_context_ref_thread_default ();
  return self;
}

static GInetAddress *
jmp_portforward_resolve_local (const gchar *host, GError **error)
{
  g_autoptr(GResolver) resolver = NULL;
  GList *addresses;
  GInetAddress *address;

  address = g_inet_address_new_from_string (host != NULL ? host : "127.0.0.1");
  if (address != NULL)
    return address;
  resolver = g_resolver_get_default ();
  addresses = g_resolver_lookup_by_name (resolver, host, NULL, error);
  if (addresses == NULL)
    return NULL;
  address = g_object_ref (addresses->data);
  g_resolver_free_addresses (addresses);
  return address;
}

static gboolean
jmp_portforward_bind_inet (JmpPortforward *self,
                           const gchar    *local_host,
                           guint16         local_port,
                           GSocketType     type,
                           GError        **error)
{
  g_autoptr(GInetAddress) inet = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree gchar *where = NULL;
  GSocketProtocol protocol = type == G_SOCKET_TYPE_STREAM ? G_SOCKET_PROTOCOL_TCP
                                                          : G_SOCKET_PROTOCOL_UDP;

  inet = jmp_portforward_resolve_local (local_host, error);
  if (inet == NULL)
    return FALSE;
  address = g_inet_socket_address_new (inet, local_port);
  where = jmp_socket_address_to_string (address);
  self->listener = g_socket_new (g_inet_address_get_family (inet), type, protocol, error);
  if (self->listener == NULL)
    return FALSE;
  /* SO_REUSEADDR only for a listening TCP socket (restart across
   * TIME_WAIT); never SO_REUSEPORT, which would let a second forward share
   * the port silently */
  /* a burst of clients (a test suite, a browser) must not overflow the
   * accept queue, whose default in GSocket is 10 */
  g_socket_set_listen_backlog (self->listener, SOMAXCONN);
  if (!g_socket_bind (self->listener, address, type == G_SOCKET_TYPE_STREAM, &local_error) ||
      (type == G_SOCKET_TYPE_STREAM && !g_socket_listen (self->listener, &local_error)))
    {
      g_set_error (error, JMP_ERROR,
                   g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE) ?
                     JMP_ERROR_UNAVAILABLE : JMP_ERROR_INVALID_ARGS,
                   _("cannot listen on %s: %s"), where,
                   g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE) ?
                     _("address already in use") : local_error->message);
      return FALSE;
    }
  self->local_address = g_socket_get_local_address (self->listener, error);
  return self->local_address != NULL;
}

/**
 * jmp_portforward_new_tcp:
 * @network: the driver to forward to
 * @local_host: (nullable): address or name to listen on, default 127.0.0.1
 * @local_port: port to listen on, 0 for any free one
 * @error: return location for a #GError
 *
 * Listens on TCP; each accepted connection is relayed through a new
 * `Connect()` of @network, on the thread-default main context.
 *
 * Returns: (transfer full): the forward, or %NULL with @error set
 */
JmpPortforward *
jmp_portforward_new_tcp (JmpNetworkProxy *network,
                         const gchar     *local_host,
                         guint16          local_port,
                         GError         **error)
{
  g_autoptr(JmpPortforward) self = NULL;

  g_return_val_if_fail (JMP_IS_NETWORK_PROXY (network), NULL);
  self = jmp_portforward_new (network, JMP_PORTFORWARD_TCP);
  if (!jmp_portforward_bind_inet (self, local_host, local_port, G_SOCKET_TYPE_STREAM, error))
    return NULL;
  g_socket_set_blocking (self->listener, FALSE);
  jmp_portforward_attach (self);
  return g_steal_pointer (&self);
}

/**
 * jmp_portforward_new_udp:
 * @network: a driver whose stream is a datagram socket (UdpNetwork)
 * @local_host: (nullable): address or name to listen on, default 127.0.0.1
 * @local_port: port to listen on, 0 for any free one
 * @error: return location for a #GError
 *
 * Receives datagrams; each local peer gets its own `Connect()`, and the
 * replies go back to the peer that sent. Idle peers are dropped after two
 * minutes.
 *
 * Returns: (transfer full): the forward, or %NULL with @error set
 */
JmpPortforward *
jmp_portforward_new_udp (JmpNetworkProxy *network,
                         const gchar     *local_host,
                         guint16          local_port,
                         GError         **error)
{
  g_autoptr(JmpPortforward) self = NULL;

  g_return_val_if_fail (JMP_IS_NETWORK_PROXY (network), NULL);
  self = jmp_portforward_new (network, JMP_PORTFORWARD_UDP);
  if (!jmp_portforward_bind_inet (self, local_host, local_port, G_SOCKET_TYPE_DATAGRAM, error))
    return NULL;
  g_socket_set_blocking (self->listener, FALSE);
  self->udp_peers = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                           (GDestroyNotify) jmp_udp_peer_free);
  jmp_portforward_attach (self);
  return g_steal_pointer (&self);
}

/**
 * jmp_portforward_new_unix:
 * @network: the driver to forward to
 * @path: (nullable): socket path; %NULL for a new one under
 *   `$XDG_RUNTIME_DIR/jumpstarter-XXXXXX/`
 * @error: return location for a #GError
 *
 * Listens on a Unix stream socket (mode 0600, removed on close).
 *
 * Returns: (transfer full): the forward, or %NULL with @error set
 */
JmpPortforward *
jmp_portforward_new_unix (JmpNetworkProxy *network, const gchar *path, GError **error)
{
  g_autoptr(JmpPortforward) self = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GError) local_error = NULL;
  mode_t old_umask;
  gboolean ok;

  g_return_val_if_fail (JMP_IS_NETWORK_PROXY (network), NULL);
  self = jmp_portforward_new (network, JMP_PORTFORWARD_UNIX);
  if (path == NULL)
    {
      g_autofree gchar *template = g_build_filename (g_get_user_runtime_dir (),
                                                     "jumpstarter-XXXXXX", NULL);
      if (g_mkdtemp_full (template, 0700) == NULL)
        {
          int errsv = errno;
          g_set_error (error, JMP_ERROR, JMP_ERROR_UNAVAILABLE,
                       _("cannot create a directory for the socket in %s: %s"),
                       g_get_user_runtime_dir (), g_strerror (errsv));
          return NULL;
        }
      self->own_dir = g_steal_pointer (&template);
      self->path = g_build_filename (self->own_dir, "socket", NULL);
    }
  else
    self->path = g_strdup (path);

  self->listener = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_DEFAULT, error);
  if (self->listener == NULL)
    return NULL;
  address = g_unix_socket_address_new (self->path);
  g_socket_set_listen_backlog (self->listener, SOMAXCONN);
  old_umask = umask (0177);
  ok = g_socket_bind (self->listener, address, FALSE, &local_error);
  umask (old_umask);
  if (!ok || !g_socket_listen (self->listener, &local_error))
    {
      gboolean in_use = g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);

      g_set_error (error, JMP_ERROR, in_use ? JMP_ERROR_UNAVAILABLE : JMP_ERROR_INVALID_ARGS,
                   _("cannot listen on %s: %s"), self->path,
                   in_use ? _("address already in use") : local_error->message);
      /* not ours: the file was there before */
      g_clear_pointer (&self->path, g_free);
      return NULL;
    }
  self->local_address = g_object_ref (address);
  g_socket_set_blocking (self->listener, FALSE);
  jmp_portforward_attach (self);
  return g_steal_pointer (&self);
}

/**
 * jmp_portforward_get_kind:
 * @self: a #JmpPortforward
 *
 * Gets what the forward listens on.
 *
 * Returns: a TCP port, a Unix socket or a UDP port
 */
JmpPortforwardKind
jmp_portforward_get_kind (JmpPortforward *self)
{
  g_return_val_if_fail (JMP_IS_PORTFORWARD (self), JMP_PORTFORWARD_TCP);
  return self->kind;
}

/**
 * jmp_portforward_get_local_address:
 * @self: a #JmpPortforward
 *
 * Gets the address the forward listens on, with the port the system
 * picked if 0 was asked for.
 *
 * Returns: (transfer none): the address it listens on
 */
GSocketAddress *
jmp_portforward_get_local_address (JmpPortforward *self)
{
  g_return_val_if_fail (JMP_IS_PORTFORWARD (self), NULL);
  return self->local_address;
}

/**
 * jmp_portforward_get_display_address:
 * @self: a #JmpPortforward
 *
 * Formats the address the forward listens on for people.
 *
 * Returns: (transfer full): `host:port` (IPv6 in brackets) or the socket
 *   path, as `jmp forward-*` prints it
 */
gchar *
jmp_portforward_get_display_address (JmpPortforward *self)
{
  g_return_val_if_fail (JMP_IS_PORTFORWARD (self), NULL);
  if (self->kind == JMP_PORTFORWARD_UNIX)
    return g_strdup (self->path);
  return jmp_socket_address_to_string (self->local_address);
}

/**
 * jmp_portforward_get_port:
 * @self: a #JmpPortforward
 *
 * Gets the local port of a TCP or UDP forward.
 *
 * Returns: the local port, 0 for a Unix socket
 */
guint16
jmp_portforward_get_port (JmpPortforward *self)
{
  g_return_val_if_fail (JMP_IS_PORTFORWARD (self), 0);
  if (!G_IS_INET_SOCKET_ADDRESS (self->local_address))
    return 0;
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (self->local_address));
}

/**
 * jmp_portforward_get_path:
 * @self: a #JmpPortforward
 *
 * Gets the socket path of a Unix forward.
 *
 * Returns: (nullable): the socket path of a Unix forward
 */
const gchar *
jmp_portforward_get_path (JmpPortforward *self)
{
  g_return_val_if_fail (JMP_IS_PORTFORWARD (self), NULL);
  return self->path;
}

/**
 * jmp_portforward_get_n_active:
 * @self: a #JmpPortforward
 *
 * Counts the connections open now.
 *
 * Returns: connections being set up or relayed now (UDP: peers)
 */
guint
jmp_portforward_get_n_active (JmpPortforward *self)
{
  g_return_val_if_fail (JMP_IS_PORTFORWARD (self), 0);
  if (self->kind == JMP_PORTFORWARD_UDP)
    return g_hash_table_size (self->udp_peers);
  return self->n_active;
}

/**
 * jmp_portforward_get_n_accepted:
 * @self: a #JmpPortforward
 *
 * Counts the connections accepted since the forward started.
 *
 * Returns: connections (UDP: peers) accepted so far
 */
guint64
jmp_portforward_get_n_accepted (JmpPortforward *self)
{
  g_return_val_if_fail (JMP_IS_PORTFORWARD (self), 0);
  return self->n_accepted;
}

/**
 * jmp_portforward_get_n_failed:
 * @self: a #JmpPortforward
 *
 * Counts the connections that failed: the target refused or was not
 * reachable.
 *
 * Returns: connections that could not be forwarded so far
 */
guint64
jmp_portforward_get_n_failed (JmpPortforward *self)
{
  g_return_val_if_fail (JMP_IS_PORTFORWARD (self), 0);
  return self->n_failed;
}

static void
jmp_portforward_close_here (JmpPortforward *self)
{
  g_cancellable_cancel (self->cancellable);
  self->n_active -= self->waiting.length;
  g_queue_clear_full (&self->waiting, (GDestroyNotify) jmp_pending_stream_free);
  jmp_portforward_detach (self);
  if (self->listener != NULL)
    {
      g_socket_close (self->listener, NULL);
      g_clear_object (&self->listener);
    }
  while (g_hash_table_size (self->relays) > 0)
    {
      GHashTableIter iter;
      gpointer relay;

      g_hash_table_iter_init (&iter, self->relays);
      g_hash_table_iter_next (&iter, &relay, NULL);
      jmp_relay_close (relay);
    }
  if (self->udp_peers != NULL)
    g_hash_table_remove_all (self->udp_peers);
  if (self->path != NULL && self->kind == JMP_PORTFORWARD_UNIX)
    {
      g_unlink (self->path);
      g_clear_pointer (&self->path, g_free);
    }
  if (self->own_dir != NULL)
    {
      g_rmdir (self->own_dir);
      g_clear_pointer (&self->own_dir, g_free);
    }
}

static gboolean
jmp_portforward_close_in_thread_cb (gpointer user_data)
{
  JmpPortforward *self = user_data;

  jmp_portforward_close_here (self);
  g_main_loop_quit (self->thread_loop);
  return G_SOURCE_REMOVE;
}

/**
 * jmp_portforward_close:
 * @self: a #JmpPortforward
 *
 * Stops listening, ends every forwarded connection and removes a Unix
 * socket file it made. Closing twice does nothing.
 */
void
jmp_portforward_close (JmpPortforward *self)
{
  g_return_if_fail (JMP_IS_PORTFORWARD (self));

  if (self->thread == NULL)
    {
      jmp_portforward_close_here (self);
      return;
    }
  if (g_thread_self () == self->thread)
    {
      /* from a handler of its own: the thread ends when this returns */
      jmp_portforward_close_here (self);
      g_main_loop_quit (self->thread_loop);
      return;
    }
  g_main_context_invoke (self->context, jmp_portforward_close_in_thread_cb, self);
  g_thread_join (g_steal_pointer (&self->thread));
}

static gpointer
jmp_portforward_thread (gpointer user_data)
{
  JmpPortforward *self = user_data;

  g_main_context_push_thread_default (self->context);
  jmp_portforward_attach (self);
  g_main_loop_run (self->thread_loop);
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

/**
 * jmp_portforward_start_thread:
 * @self: a #JmpPortforward, just made
 * @error: return location for a #GError
 *
 * Serves the forward from a thread of its own, with its own main context,
 * so that a program that runs no main loop (a plain Python script) is
 * served all the same. Call it right after making the forward, before
 * the caller's main context runs; it serves until jmp_portforward_close()
 * or the last reference goes. #JmpPortforward::connection-failed is then
 * emitted in that thread, and the counters read from other threads are
 * snapshots.
 *
 * Without it, a forward is served by the thread-default main context of
 * the thread that made it, while that context runs.
 *
 * Returns: %TRUE if the thread runs; %FALSE with @error set if the forward
 *   already serves from a thread, was closed, or has served connections
 */
gboolean
jmp_portforward_start_thread (JmpPortforward  *self,
                              GError         **error)
{
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (JMP_IS_PORTFORWARD (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->thread != NULL || self->listener == NULL || self->n_accepted > 0 ||
      g_hash_table_size (self->relays) > 0)
    {
      g_set_error_literal (error, JMP_ERROR, JMP_ERROR_FAILED,
                           _("a forward can move to a thread of its own only before it serves"));
      return FALSE;
    }

  /* its sources move from the caller's context to the thread's */
  jmp_portforward_detach (self);
  g_main_context_unref (self->context);
  self->context = g_main_context_new ();
  self->thread_loop = g_main_loop_new (self->context, FALSE);
  self->thread = g_thread_try_new ("jmp-portforward", jmp_portforward_thread, self, &local_error);
  if (self->thread == NULL)
    {
      g_set_error (error, JMP_ERROR, JMP_ERROR_UNAVAILABLE,
                   _("cannot start a thread for the forward: %s"), local_error->message);
      return FALSE;
    }
  return TRUE;
}

static void
jmp_portforward_dispose (GObject *object)
{
  JmpPortforward *self = JMP_PORTFORWARD (object);

  jmp_portforward_close (self);
  g_clear_object (&self->network);
  G_OBJECT_CLASS (jmp_portforward_parent_class)->dispose (object);
}

static void
jmp_portforward_finalize (GObject *object)
{
  JmpPortforward *self = JMP_PORTFORWARD (object);

  g_clear_object (&self->local_address);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->thread_loop, g_main_loop_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_hash_table_unref (self->relays);
  g_clear_pointer (&self->udp_peers, g_hash_table_unref);
  G_OBJECT_CLASS (jmp_portforward_parent_class)->finalize (object);
}

static void
jmp_portforward_class_init (JmpPortforwardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = jmp_portforward_dispose;
  object_class->finalize = jmp_portforward_finalize;

  /**
   * JmpPortforward::connection-failed:
   * @self: the forward
   * @message: why
   *
   * A connection could not be forwarded and was closed; the others go on.
   */
  signals[SIGNAL_CONNECTION_FAILED] =
    g_signal_new ("connection-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
jmp_portforward_init (JmpPortforward *self)
{
  self->cancellable = g_cancellable_new ();
  self->relays = g_hash_table_new (NULL, NULL);
}
