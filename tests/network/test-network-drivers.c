/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * TcpNetwork, UdpNetwork, UnixNetwork and VsockNetwork through a real host
 * and the client library, against servers this test runs itself. Every
 * socket stays on this machine: 127.0.0.1, ::1, Unix sockets in a temporary
 * directory, vsock CID 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include <linux/vm_sockets.h>

#include <gio/gunixsocketaddress.h>
#include <gio/gunixfdlist.h>

#include "jmp-test-common.h"

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

/* socket timeouts and waits only guard against a hang, they time nothing */
#define HANG_GUARD_S  60
#define HANG_GUARD_MS (HANG_GUARD_S * 1000)

/* A label longer than the 63 bytes DNS allows cannot be put in a query, so
 * the C library fails the lookup by itself, with no packet sent; and
 * `.invalid` (RFC 2606) never resolves anyway. */
#define UNKNOWN_HOST \
  "no-such-host-this-label-is-longer-than-the-sixty-three-bytes-dns-allows.invalid"

/* ------------------------------------------------------------------------ */
/* Echo servers: plain threads with blocking sockets, so that they answer
 * while the test itself blocks in a synchronous call. */

typedef struct _EchoServer EchoServer;

typedef struct {
  EchoServer *server;
  GSocket    *listener;
  GThread    *thread;
} EchoAcceptor;

struct _EchoServer
{
  GCancellable *cancellable;
  GPtrArray    *acceptors;
  GMutex        lock;
  GPtrArray    *workers;  /* GThread*, joined when the server goes */
  guint16       port;
};

typedef struct {
  GSocket      *socket;
  GCancellable *cancellable;
} EchoJob;

static gpointer
echo_worker (gpointer user_data)
{
  EchoJob *job = user_data;
  gchar buffer[65536];
  gssize n;

  g_socket_set_blocking (job->socket, TRUE);
  while ((n = g_socket_receive (job->socket, buffer, sizeof buffer, job->cancellable, NULL)) > 0)
    {
      gssize done = 0;

      while (done < n)
        {
          gssize w = g_socket_send (job->socket, buffer + done, n - done, job->cancellable, NULL);
          if (w <= 0)
            goto out;
          done += w;
        }
    }
  /* EOF from the peer is answered with EOF, after every byte went back */
  if (n == 0)
    g_socket_shutdown (job->socket, FALSE, TRUE, NULL);
out:
  g_socket_close (job->socket, NULL);
  g_object_unref (job->socket);
  g_object_unref (job->cancellable);
  g_free (job);
  return NULL;
}

static gpointer
echo_acceptor (gpointer user_data)
{
  EchoAcceptor *acceptor = user_data;
  EchoServer *server = acceptor->server;

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      GSocket *socket = g_socket_accept (acceptor->listener, server->cancellable, &error);
      EchoJob *job;

      if (socket == NULL)
        {
          if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            g_warning ("echo server: %s", error->message);
          return NULL;
        }
      job = g_new0 (EchoJob, 1);
      job->socket = socket;
      job->cancellable = g_object_ref (server->cancellable);
      g_mutex_lock (&server->lock);
      g_ptr_array_add (server->workers, g_thread_new ("echo-worker", echo_worker, job));
      g_mutex_unlock (&server->lock);
    }
}

static GSocket *
listen_on (GSocketAddress *address, gint backlog, GError **error)
{
  g_autoptr(GSocket) socket = NULL;

  socket = g_socket_new (g_socket_address_get_family (address), G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_DEFAULT, error);
  if (socket == NULL)
    return NULL;
  g_socket_set_listen_backlog (socket, backlog);
  if (!g_socket_bind (socket, address, TRUE, error) || !g_socket_listen (socket, error))
    return NULL;
  return g_steal_pointer (&socket);
}

static guint16
socket_get_port (GSocket *socket)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) local = g_socket_get_local_address (socket, &error);

  g_assert_no_error (error);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
}

static EchoServer *
echo_server_new (GPtrArray *listeners)
{
  EchoServer *server = g_new0 (EchoServer, 1);

  server->cancellable = g_cancellable_new ();
  server->acceptors = g_ptr_array_new ();
  server->workers = g_ptr_array_new ();
  g_mutex_init (&server->lock);
  for (guint i = 0; i < listeners->len; i++)
    {
      EchoAcceptor *acceptor = g_new0 (EchoAcceptor, 1);

      acceptor->server = server;
      acceptor->listener = g_object_ref (g_ptr_array_index (listeners, i));
      acceptor->thread = g_thread_new ("echo-acceptor", echo_acceptor, acceptor);
      g_ptr_array_add (server->acceptors, acceptor);
    }
  return server;
}

/* A TCP echo server on one port of every address in @hosts (loopback
 * addresses only). NULL with @error set if one of them cannot be bound,
 * e.g. ::1 on a machine without IPv6. */
static EchoServer *
echo_server_new_tcp (const gchar * const *hosts, GError **error)
{
  /* the first bind picks the port; another program may hold it on the
   * other addresses, so try again with a new one */
  for (guint attempt = 0; attempt < 20; attempt++)
    {
      g_autoptr(GPtrArray) listeners = g_ptr_array_new_with_free_func (g_object_unref);
      g_autoptr(GError) local_error = NULL;
      guint16 port = 0;

      for (guint i = 0; hosts[i] != NULL; i++)
        {
          g_autoptr(GSocketAddress) address = g_inet_socket_address_new_from_string (hosts[i], port);
          GSocket *listener;

          g_assert_nonnull (address);
          g_assert_true (g_inet_address_get_is_loopback (
              g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address))));
          listener = listen_on (address, 16, &local_error);
          if (listener == NULL)
            break;
          g_ptr_array_add (listeners, listener);
          port = socket_get_port (listener);
        }
      if (local_error == NULL)
        {
          EchoServer *server = echo_server_new (listeners);

          server->port = port;
          return server;
        }
      if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
    }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE, "no free port");
  return NULL;
}

static EchoServer *
echo_server_new_unix (const gchar *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) address = g_unix_socket_address_new (path);
  g_autoptr(GPtrArray) listeners = g_ptr_array_new_with_free_func (g_object_unref);
  GSocket *listener = listen_on (address, 16, &error);

  g_assert_no_error (error);
  g_ptr_array_add (listeners, listener);
  return echo_server_new (listeners);
}

static void
echo_server_free (EchoServer *server)
{
  g_autoptr(GPtrArray) workers = NULL;

  g_cancellable_cancel (server->cancellable);
  for (guint i = 0; i < server->acceptors->len; i++)
    {
      EchoAcceptor *acceptor = g_ptr_array_index (server->acceptors, i);

      g_thread_join (acceptor->thread);
      g_socket_close (acceptor->listener, NULL);
      g_object_unref (acceptor->listener);
      g_free (acceptor);
    }
  g_ptr_array_unref (server->acceptors);
  /* no acceptor runs any more: the list is ours */
  workers = g_steal_pointer (&server->workers);
  for (guint i = 0; i < workers->len; i++)
    g_thread_join (g_ptr_array_index (workers, i));
  g_mutex_clear (&server->lock);
  g_object_unref (server->cancellable);
  g_free (server);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EchoServer, echo_server_free)

/* ------------------------------------------------------------------------ */
/* A host serving one config, and a client connected to it */

typedef struct {
  gchar       *dir;
  JmpTestHost *host;
  JmpClient   *client;
} Bench;

static Bench *
bench_new (const gchar *yaml)
{
  Bench *bench = g_new0 (Bench, 1);
  g_autofree gchar *config = NULL;

  bench->dir = jmp_test_mkdtemp ();
  config = jmp_test_write_file (bench->dir, "bench.yaml", yaml);
  bench->host = jmp_test_host_new (config, NULL);
  bench->client = jmp_test_host_connect (bench->host);
  return bench;
}

static void
bench_free (Bench *bench)
{
  g_clear_object (&bench->client);
  /* asserts a clean exit: a driver that crashed the host fails the test */
  jmp_test_host_stop (bench->host);
  jmp_test_host_free (bench->host);
  jmp_test_rmdir (bench->dir);
  g_free (bench->dir);
  g_free (bench);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Bench, bench_free)

static JmpNetworkProxy *
bench_get_network (Bench *bench, const gchar *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JmpDriverProxy) driver = jmp_client_get_driver (bench->client, name, &error);
  JmpNetworkProxy *network;

  g_assert_no_error (error);
  network = jmp_driver_proxy_get_network (driver);
  g_assert_nonnull (network);
  return g_object_ref (network);
}

static GPid
bench_get_pid (Bench *bench)
{
  return jmp_test_host_get_pid (bench->host);
}

/* ------------------------------------------------------------------------ */
/* Streams */

static GSocket *
open_socket (JmpNetworkProxy *network)
{
  g_autoptr(GError) error = NULL;
  GSocket *socket = jmp_network_proxy_connect_socket_sync (network, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (socket);
  g_socket_set_blocking (socket, TRUE);
  g_socket_set_timeout (socket, HANG_GUARD_S);
  return socket;
}

static GError *
connect_error (JmpNetworkProxy *network)
{
  GError *error = NULL;
  g_autoptr(GSocket) socket = jmp_network_proxy_connect_socket_sync (network, NULL, &error);

  g_assert_null (socket);
  g_assert_nonnull (error);
  return error;
}

static GError *
address_error (JmpNetworkProxy *network)
{
  GError *error = NULL;
  g_autofree gchar *address = jmp_network_proxy_get_address_sync (network, NULL, &error);

  g_assert_null (address);
  g_assert_nonnull (error);
  return error;
}

static gchar *
get_address (JmpNetworkProxy *network)
{
  g_autoptr(GError) error = NULL;
  gchar *address = jmp_network_proxy_get_address_sync (network, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (address);
  return address;
}

typedef struct {
  GSocket *socket;
  GBytes  *payload;
} WriterJob;

static gpointer
writer_thread (gpointer user_data)
{
  WriterJob *job = user_data;
  gsize len;
  const guint8 *data = g_bytes_get_data (job->payload, &len);

  jmp_test_send_all (job->socket, data, len);
  g_socket_shutdown (job->socket, FALSE, TRUE, NULL);
  return NULL;
}

/* Sends @len random bytes, half-closes, and expects all of them back
 * before EOF: written from a thread, as the payload may exceed the socket
 * buffers of both directions. */
static void
assert_echo_half_close (GSocket *socket, gsize len)
{
  g_autoptr(GBytes) payload = jmp_test_random_bytes (len);
  g_autoptr(GBytes) reply = NULL;
  WriterJob job = { socket, payload };
  GThread *writer;

  writer = g_thread_new ("writer", writer_thread, &job);
  reply = jmp_test_receive_to_eof (socket);
  g_thread_join (writer);
  g_assert_cmpuint (g_bytes_get_size (reply), ==, len);
  g_assert_true (g_bytes_equal (payload, reply));
}

static void
assert_roundtrip (JmpNetworkProxy *network)
{
  g_autoptr(GSocket) socket = open_socket (network);

  assert_echo_half_close (socket, 4096);
}

/* The client's socket is connected to the target itself: the host handed
 * it over and is out of the data path. */
static void
assert_peer (GSocket *socket, const gchar *host, guint16 port)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) remote = g_socket_get_remote_address (socket, &error);
  g_autofree gchar *text = NULL;

  g_assert_no_error (error);
  g_assert_true (G_IS_INET_SOCKET_ADDRESS (remote));
  text = g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote)));
  g_assert_cmpstr (text, ==, host);
  g_assert_cmpuint (g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (remote)), ==, port);
}

static void
assert_error_contains (const GError *error, gint code, const gchar *text)
{
  g_assert_error (error, JMP_ERROR, code);
  if (strstr (error->message, text) == NULL)
    g_error ("error \"%s\" does not contain \"%s\"", error->message, text);
}

/* ------------------------------------------------------------------------ */
/* TCP */

static void
test_tcp_ipv4 (void)
{
  const gchar *hosts[] = { "127.0.0.1", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(EchoServer) server = echo_server_new_tcp (hosts, &error);
  g_autofree gchar *yaml = NULL;
  g_autoptr(Bench) bench = NULL;
  g_autoptr(JmpNetworkProxy) tcp = NULL;
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GSocket) socket = NULL;
  gchar buffer[16] = { 0 };
  gsize n = 0;
  gint value = 0;

  g_assert_no_error (error);
  yaml = g_strdup_printf ("export:\n"
                          "  tcp:\n"
                          "    type: TcpNetwork\n"
                          "    config: {host: 127.0.0.1, port: %u}\n", server->port);
  bench = bench_new (yaml);
  tcp = bench_get_network (bench, "tcp");

  /* as a stream */
  stream = jmp_network_proxy_connect_sync (tcp, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_write_all (g_io_stream_get_output_stream (stream), "hello", 5, NULL,
                             NULL, &error);
  g_assert_no_error (error);
  g_input_stream_read_all (g_io_stream_get_input_stream (stream), buffer, 5, &n, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 5);
  g_assert_cmpstr (buffer, ==, "hello");
  g_io_stream_close (stream, NULL, &error);
  g_assert_no_error (error);

  /* as the socket: connected to the server itself, with the options the
   * driver set travelling with it */
  socket = open_socket (tcp);
  assert_peer (socket, "127.0.0.1", server->port);
  g_assert_true (g_socket_get_option (socket, IPPROTO_TCP, TCP_NODELAY, &value, &error));
  g_assert_no_error (error);
  g_assert_cmpint (value, !=, 0);
  g_assert_true (g_socket_get_option (socket, SOL_SOCKET, SO_KEEPALIVE, &value, &error));
  g_assert_no_error (error);
  g_assert_cmpint (value, !=, 0);
  assert_echo_half_close (socket, 65536);
}

static void
test_tcp_ipv6 (void)
{
  const gchar *hosts[] = { "::1", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(EchoServer) server = echo_server_new_tcp (hosts, &error);
  g_autofree gchar *yaml = NULL;
  g_autoptr(Bench) bench = NULL;
  g_autoptr(JmpNetworkProxy) tcp = NULL;
  g_autoptr(GSocket) socket = NULL;

  if (server == NULL)
    {
      /* a machine without IPv6 on its loopback interface */
      g_autofree gchar *why = g_strdup_printf ("cannot listen on [::1]: %s", error->message);

      g_test_skip (why);
      return;
    }
  yaml = g_strdup_printf ("export:\n"
                          "  tcp6:\n"
                          "    type: TcpNetwork\n"
                          "    config:\n"
                          "      host: \"::1\"\n"
                          "      port: %u\n", server->port);
  bench = bench_new (yaml);
  tcp = bench_get_network (bench, "tcp6");
  socket = open_socket (tcp);
  assert_peer (socket, "::1", server->port);
  assert_echo_half_close (socket, 65536);
}

/* `localhost` may resolve to ::1, 127.0.0.1 or both, in any order: the
 * server listens on both, and the driver tries every address it gets */
static void
test_tcp_localhost (void)
{
  const gchar *hosts[] = { "127.0.0.1", "::1", NULL };
  const gchar *hosts4[] = { "127.0.0.1", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(EchoServer) server = echo_server_new_tcp (hosts, &error);
  g_autofree gchar *yaml = NULL;
  g_autoptr(Bench) bench = NULL;
  g_autoptr(JmpNetworkProxy) tcp = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) remote = NULL;

  if (server == NULL)
    {
      g_test_message ("no [::1] (%s): listening on 127.0.0.1 only", error->message);
      g_clear_error (&error);
      server = echo_server_new_tcp (hosts4, &error);
    }
  g_assert_no_error (error);
  yaml = g_strdup_printf ("export:\n"
                          "  local:\n"
                          "    type: TcpNetwork\n"
                          "    config: {host: localhost, port: %u}\n", server->port);
  bench = bench_new (yaml);
  tcp = bench_get_network (bench, "local");
  socket = open_socket (tcp);
  remote = g_socket_get_remote_address (socket, &error);
  g_assert_no_error (error);
  g_assert_true (g_inet_address_get_is_loopback (
      g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote))));
  g_assert_cmpuint (g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (remote)), ==,
                    server->port);
  assert_echo_half_close (socket, 4096);
}

/* Every address a name resolves to is tried in turn: with a server on only
 * the last of them, the first attempts are refused and the driver goes on.
 * GLib resolves `localhost` to ::1 and 127.0.0.1 without a lookup. */
static void
test_tcp_fallback (void)
{
  g_autoptr(GResolver) resolver = g_resolver_get_default ();
  g_autoptr(GError) error = NULL;
  GList *addresses = g_resolver_lookup_by_name (resolver, "localhost", NULL, &error);
  g_autofree gchar *last = NULL;
  g_autoptr(EchoServer) server = NULL;
  g_autofree gchar *yaml = NULL;
  g_autoptr(Bench) bench = NULL;
  g_autoptr(JmpNetworkProxy) tcp = NULL;
  g_autoptr(GSocket) socket = NULL;
  const gchar *hosts[] = { NULL, NULL };

  g_assert_no_error (error);
  if (g_list_length (addresses) < 2)
    {
      g_resolver_free_addresses (addresses);
      g_test_skip ("localhost resolves to one address here: nothing to fall back to");
      return;
    }
  last = g_inet_address_to_string (g_list_last (addresses)->data);
  g_test_message ("localhost resolves to %u addresses, listening on the last: %s",
                  g_list_length (addresses), last);
  g_resolver_free_addresses (addresses);

  hosts[0] = last;
  server = echo_server_new_tcp (hosts, &error);
  g_assert_no_error (error);
  yaml = g_strdup_printf ("export:\n"
                          "  local: {type: TcpNetwork, config: {host: localhost, port: %u}}\n",
                          server->port);
  bench = bench_new (yaml);
  tcp = bench_get_network (bench, "local");
  socket = open_socket (tcp);
  assert_peer (socket, last, server->port);
  assert_echo_half_close (socket, 4096);
}

/* shutdown(SHUT_WR) on the client's end reaches the server as EOF, and the
 * reply still flows back in full; meanwhile the host holds nothing of the
 * stream, not even a descriptor */
static void
test_tcp_half_close (void)
{
  const gchar *hosts[] = { "127.0.0.1", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(EchoServer) server = echo_server_new_tcp (hosts, &error);
  g_autofree gchar *yaml = NULL;
  g_autoptr(Bench) bench = NULL;
  g_autoptr(JmpNetworkProxy) tcp = NULL;
  g_autoptr(GSocket) socket = NULL;
  guint baseline;

  g_assert_no_error (error);
  yaml = g_strdup_printf ("export:\n"
                          "  tcp: {type: TcpNetwork, config: {host: 127.0.0.1, port: %u}}\n",
                          server->port);
  bench = bench_new (yaml);
  tcp = bench_get_network (bench, "tcp");
  assert_roundtrip (tcp);
  baseline = jmp_test_count_fds (bench_get_pid (bench));

  socket = open_socket (tcp);
  /* the host closes its copy right after the reply leaves; something of
   * its own may have closed since the baseline, never anything more open */
  g_assert_cmpuint (jmp_test_wait_fds_at_most (bench_get_pid (bench), baseline, HANG_GUARD_MS),
                    <=, baseline);
  assert_echo_half_close (socket, 4 * 1024 * 1024);
}

/* ------------------------------------------------------------------------ */
/* What every Connect() hands over, seen as a plain D-Bus client sees it */

static gint
raw_connect (Bench *bench, const gchar *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JmpDriverProxy) driver = jmp_client_get_driver (bench->client, name, &error);
  g_autoptr(GUnixFDList) fds = NULL;
  g_autoptr(GVariant) reply = NULL;
  gint fd;

  g_assert_no_error (error);
  reply = g_dbus_connection_call_with_unix_fd_list_sync (
    jmp_client_get_connection (bench->client), NULL,
    jmp_driver_proxy_get_object_path (driver), "dev.jumpstarter.Network1", "Connect",
    NULL, G_VARIANT_TYPE ("(h)"), G_DBUS_CALL_FLAGS_NONE, HANG_GUARD_MS, NULL, &fds, NULL,
    &error);
  g_assert_no_error (error);
  g_assert_nonnull (fds);
  g_assert_cmpint (g_unix_fd_list_get_length (fds), ==, 1);
  fd = g_unix_fd_list_get (fds, 0, &error);
  g_assert_no_error (error);
  return fd;
}

static gchar *
socket_type_of (Bench *bench, const gchar *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JmpDriverProxy) driver = jmp_client_get_driver (bench->client, name, &error);
  g_autoptr(GDBusInterface) iface = NULL;
  g_autoptr(GVariant) value = NULL;

  g_assert_no_error (error);
  iface = g_dbus_object_get_interface (jmp_driver_proxy_get_object (driver),
                                       "dev.jumpstarter.Network1");
  g_assert_nonnull (iface);
  value = g_dbus_proxy_get_cached_property (G_DBUS_PROXY (iface), "SocketType");
  g_assert_nonnull (value);
  return g_variant_dup_string (value, NULL);
}

static void
test_handed_over_fds (void)
{
  g_autofree gchar *dir = jmp_test_mkdtemp ();
  g_autofree gchar *path = g_build_filename (dir, "target.sock", NULL);
  g_autoptr(EchoServer) unix_server = echo_server_new_unix (path);
  const gchar *hosts[] = { "127.0.0.1", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(EchoServer) tcp_server = echo_server_new_tcp (hosts, &error);
  g_autofree gchar *yaml = NULL;
  g_autoptr(Bench) bench = NULL;
  const struct {
    const gchar *name;
    const gchar *socket_type;
  } drivers[] = {
    { "tcp", "stream" }, { "udp", "datagram" }, { "unix", "stream" }, { "echo", "stream" },
  };

  g_assert_no_error (error);
  yaml = g_strdup_printf ("export:\n"
                          "  tcp: {type: TcpNetwork, config: {host: 127.0.0.1, port: %u}}\n"
                          "  udp: {type: UdpNetwork, config: {host: 127.0.0.1, port: 9}}\n"
                          "  unix: {type: UnixNetwork, config: {path: '%s'}}\n"
                          "  echo: {type: EchoNetwork}\n",
                          tcp_server->port, path);
  bench = bench_new (yaml);

  for (gsize i = 0; i < G_N_ELEMENTS (drivers); i++)
    {
      g_autofree gchar *socket_type = socket_type_of (bench, drivers[i].name);
      gint fd = raw_connect (bench, drivers[i].name);
      gint flags = fcntl (fd, F_GETFL);

      g_test_message ("%s: flags %#x", drivers[i].name, flags);
      g_assert_cmpint (flags, >=, 0);
      /* as connect() gives it: a plain read() blocks instead of EAGAIN */
      g_assert_cmpint (flags & O_NONBLOCK, ==, 0);
      g_assert_cmpstr (socket_type, ==, drivers[i].socket_type);
      close (fd);
    }
}

/* ------------------------------------------------------------------------ */
/* UDP */

static void
test_udp_datagrams (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) target = NULL;
  g_autoptr(GSocketAddress) bind_address = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  g_autoptr(GSocketAddress) from = NULL;
  g_autoptr(GSocketAddress) first_from = NULL;
  g_autoptr(GSocketAddress) local = NULL;
  g_autofree gchar *yaml = NULL;
  g_autoptr(Bench) bench = NULL;
  g_autoptr(JmpNetworkProxy) udp = NULL;
  g_autoptr(GSocket) socket = NULL;
  gchar buffer[256];
  gssize n;

  target = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP,
                         &error);
  g_assert_no_error (error);
  g_socket_bind (target, bind_address, FALSE, &error);
  g_assert_no_error (error);
  g_socket_set_timeout (target, HANG_GUARD_S);

  yaml = g_strdup_printf ("export:\n"
                          "  udp: {type: UdpNetwork, config: {host: 127.0.0.1, port: %u}}\n",
                          socket_get_port (target));
  bench = bench_new (yaml);
  udp = bench_get_network (bench, "udp");
  socket = open_socket (udp);
  assert_peer (socket, "127.0.0.1", socket_get_port (target));

  /* two writes are two datagrams, received one by one */
  g_assert_cmpint (g_socket_send (socket, "first", 5, NULL, &error), ==, 5);
  g_assert_no_error (error);
  g_assert_cmpint (g_socket_send (socket, "second datagram", 15, NULL, &error), ==, 15);
  g_assert_no_error (error);

  n = g_socket_receive_from (target, &first_from, buffer, sizeof buffer, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (n, ==, 5);
  g_assert_cmpmem (buffer, n, "first", 5);
  n = g_socket_receive_from (target, &from, buffer, sizeof buffer, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (n, ==, 15);
  g_assert_cmpmem (buffer, n, "second datagram", 15);

  /* both came from the socket the client holds */
  local = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (from)), ==,
                    g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local)));
  g_assert_cmpuint (g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (first_from)), ==,
                    g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local)));

  /* and each reply datagram is read as one */
  g_assert_cmpint (g_socket_send_to (target, from, "reply datagram", 14, NULL, &error), ==, 14);
  g_assert_no_error (error);
  g_assert_cmpint (g_socket_send_to (target, from, "x", 1, NULL, &error), ==, 1);
  g_assert_no_error (error);
  n = g_socket_receive (socket, buffer, sizeof buffer, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (buffer, n, "reply datagram", 14);
  n = g_socket_receive (socket, buffer, sizeof buffer, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (buffer, n, "x", 1);
}

/* ------------------------------------------------------------------------ */
/* Unix */

static void
test_unix_stream (void)
{
  g_autofree gchar *dir = jmp_test_mkdtemp ();
  g_autofree gchar *path = g_build_filename (dir, "target.sock", NULL);
  g_autoptr(EchoServer) server = echo_server_new_unix (path);
  g_autofree gchar *yaml = NULL;
  g_autoptr(Bench) bench = NULL;
  g_autoptr(JmpNetworkProxy) unix_net = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) remote = NULL;
  g_autoptr(GError) error = NULL;

  yaml = g_strdup_printf ("export:\n"
                          "  console: {type: UnixNetwork, config: {path: \"%s\"}}\n", path);
  bench = bench_new (yaml);
  unix_net = bench_get_network (bench, "console");
  socket = open_socket (unix_net);
  remote = g_socket_get_remote_address (socket, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_unix_socket_address_get_path (G_UNIX_SOCKET_ADDRESS (remote)), ==, path);
  assert_echo_half_close (socket, 1024 * 1024);

  g_clear_object (&socket);
  g_clear_pointer (&bench, bench_free);
  g_clear_pointer (&server, echo_server_free);
  jmp_test_rmdir (dir);
}

/* ------------------------------------------------------------------------ */
/* vsock */

typedef enum {
  VSOCK_NONE,         /* socket(AF_VSOCK) fails: no vsock in the kernel */
  VSOCK_NO_LOOPBACK,  /* vsock, but CID 1 cannot be bound: no vsock_loopback */
  VSOCK_LOOPBACK,     /* a listener on CID 1 */
} VsockState;

typedef struct {
  gint          fd;
  guint         port;
  GCancellable *cancellable;
  GThread      *thread;
} VsockServer;

static VsockState
vsock_probe (VsockServer *server, gchar **why)
{
  struct sockaddr_vm addr = { 0 };
  socklen_t len = sizeof addr;
  gint fd;

  fd = socket (AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    {
      *why = g_strdup_printf ("socket(AF_VSOCK): %s", g_strerror (errno));
      return VSOCK_NONE;
    }
  addr.svm_family = AF_VSOCK;
  addr.svm_cid = VMADDR_CID_LOCAL;
  addr.svm_port = VMADDR_PORT_ANY;
  if (bind (fd, (struct sockaddr *) &addr, sizeof addr) < 0 || listen (fd, 4) < 0 ||
      getsockname (fd, (struct sockaddr *) &addr, &len) < 0)
    {
      *why = g_strdup_printf ("a listener on vsock CID 1: %s", g_strerror (errno));
      close (fd);
      return VSOCK_NO_LOOPBACK;
    }
  server->fd = fd;
  server->port = addr.svm_port;
  *why = g_strdup_printf ("listening on vsock 1:%u", server->port);
  return VSOCK_LOOPBACK;
}

/* one connection, echoed until EOF; GIO has no vsock address type, so
 * plain file descriptors */
static gpointer
vsock_echo_thread (gpointer user_data)
{
  VsockServer *server = user_data;
  GPollFD fds[2] = { { server->fd, G_IO_IN, 0 }, { -1, G_IO_IN, 0 } };
  gchar buffer[65536];
  gssize n = -1;
  gint conn;

  g_cancellable_make_pollfd (server->cancellable, &fds[1]);
  while (g_poll (fds, 2, -1) < 0 || fds[0].revents == 0)
    if (g_cancellable_is_cancelled (server->cancellable))
      goto out;
  conn = accept4 (server->fd, NULL, NULL, SOCK_CLOEXEC);
  if (conn < 0)
    goto out;
  fds[0].fd = conn;
  for (;;)
    {
      gssize done = 0;

      if (g_poll (fds, 2, -1) < 0 || g_cancellable_is_cancelled (server->cancellable))
        break;
      n = read (conn, buffer, sizeof buffer);
      if (n <= 0)
        break;
      while (done < n)
        {
          gssize w = write (conn, buffer + done, n - done);
          if (w <= 0)
            break;
          done += w;
        }
    }
  if (n == 0)
    shutdown (conn, SHUT_WR);
  close (conn);
out:
  g_cancellable_release_fd (server->cancellable);
  return NULL;
}

static void
test_vsock (void)
{
  VsockServer server = { -1, 0, NULL, NULL };
  g_autofree gchar *why = NULL;
  g_autofree gchar *yaml = NULL;
  g_autoptr(Bench) bench = NULL;
  g_autoptr(JmpNetworkProxy) vsock = NULL;
  g_autoptr(GError) error = NULL;
  VsockState state = vsock_probe (&server, &why);

  g_test_message ("vsock here: %s", why);
  yaml = g_strdup_printf ("export:\n"
                          "  vm: {type: VsockNetwork, config: {cid: 1, port: %u}}\n",
                          state == VSOCK_LOOPBACK ? server.port : 1234);
  bench = bench_new (yaml);
  vsock = bench_get_network (bench, "vm");

  switch (state)
    {
    case VSOCK_NONE:
      g_test_message ("checked: the driver reports a kernel without vsock");
      error = connect_error (vsock);
      assert_error_contains (error, JMP_ERROR_UNAVAILABLE,
                             "cannot connect to vsock 1:1234: this kernel has no vsock support");
      break;
    case VSOCK_NO_LOOPBACK:
      /* and no connection request leaves for the hypervisor */
      g_test_message ("checked: the driver reports a kernel without the vsock loopback");
      error = connect_error (vsock);
      assert_error_contains (error, JMP_ERROR_UNAVAILABLE,
                             "cannot connect to vsock 1:1234: this kernel has no vsock "
                             "loopback transport for CID 1");
      break;
    case VSOCK_LOOPBACK:
      {
        g_autoptr(GSocket) socket = NULL;

        g_test_message ("checked: a roundtrip over vsock 1:%u", server.port);
        server.cancellable = g_cancellable_new ();
        server.thread = g_thread_new ("vsock-echo", vsock_echo_thread, &server);
        socket = open_socket (vsock);
        assert_echo_half_close (socket, 256 * 1024);
        g_cancellable_cancel (server.cancellable);
        g_thread_join (server.thread);
        g_object_unref (server.cancellable);
        close (server.fd);
      }
      break;
    default:
      g_assert_not_reached ();
    }
  /* Address() is not a vsock thing */
  g_clear_error (&error);
  error = address_error (vsock);
  g_assert_error (error, JMP_ERROR, JMP_ERROR_NOT_SUPPORTED);
}

/* ------------------------------------------------------------------------ */
/* Address() */

static void
test_address (void)
{
  static const gchar *yaml =
    "export:\n"
    "  tcp4: {type: TcpNetwork, config: {host: 127.0.0.1, port: 8080}}\n"
    "  tcp6:\n"
    "    type: TcpNetwork\n"
    "    config: {host: \"::1\", port: 8080}\n"
    "  board:\n"
    "    type: jumpstarter_driver_network.driver.TcpNetwork\n"
    "    config:\n"
    "      host: 2001:db8::1\n"
    "      port: 443\n"
    "  local: {type: TcpNetwork, config: {host: localhost, port: 22}}\n"
    "  udp4: {type: UdpNetwork, config: {host: 127.0.0.1, port: 5353}}\n"
    "  udp6:\n"
    "    type: jumpstarter_driver_network.driver.UdpNetwork\n"
    "    config: {host: \"::1\", port: 5353}\n"
    "  hidden:\n"
    "    type: TcpNetwork\n"
    "    config: {host: 127.0.0.1, port: 22, enable_address: false}\n"
    "  console:\n"
    "    type: jumpstarter_driver_network.driver.UnixNetwork\n"
    "    config: {path: /nonexistent/console.sock}\n";
  g_autoptr(Bench) bench = bench_new (yaml);
  struct {
    const gchar *name;
    const gchar *address;
  } cases[] = {
    { "tcp4", "tcp://127.0.0.1:8080" },
    { "tcp6", "tcp://[::1]:8080" },
    { "board", "tcp://[2001:db8::1]:443" },
    { "udp4", "udp://127.0.0.1:5353" },
    { "udp6", "udp://[::1]:5353" },
  };
  g_autoptr(JmpNetworkProxy) local = bench_get_network (bench, "local");
  g_autoptr(JmpNetworkProxy) hidden = bench_get_network (bench, "hidden");
  g_autoptr(JmpNetworkProxy) console = bench_get_network (bench, "console");
  g_autoptr(JmpDriverProxy) board = NULL;
  g_autofree gchar *address = NULL;
  g_autoptr(GError) error = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JmpNetworkProxy) network = bench_get_network (bench, cases[i].name);
      g_autofree gchar *got = get_address (network);

      g_assert_cmpstr (got, ==, cases[i].address);
    }

  /* the name resolves on the host (to the first address it gets) */
  address = get_address (local);
  if (g_strcmp0 (address, "tcp://127.0.0.1:22") != 0 && g_strcmp0 (address, "tcp://[::1]:22") != 0)
    g_error ("localhost resolved to %s", address);

  error = address_error (hidden);
  assert_error_contains (error, JMP_ERROR_ADDRESS_DISABLED, "enable_address mode is not true");
  g_clear_error (&error);

  error = address_error (console);
  g_assert_error (error, JMP_ERROR, JMP_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);

  /* Jumpstarter's class path is an alias of the short name */
  board = jmp_client_get_driver (bench->client, "board", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (jmp_driver_proxy_get_type_name (board), ==, "TcpNetwork");
}

/* ------------------------------------------------------------------------ */
/* Errors, and a host that serves on after them */

/* A loopback listener that never accepts, with a backlog of 0 and its
 * queue filled: Linux then drops further SYNs, so a connect to it hangs
 * until the caller gives up. */
static GSocket *
stalled_listener_new (GPtrArray *fillers)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  g_autoptr(GSocket) listener = listen_on (any, 0, &error);
  g_autoptr(GSocketAddress) address = NULL;

  g_assert_no_error (error);
  address = g_socket_get_local_address (listener, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < 16; i++)
    {
      g_autoptr(GSocket) filler = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                                G_SOCKET_PROTOCOL_TCP, &error);
      gboolean pending;

      g_assert_no_error (error);
      g_socket_set_blocking (filler, FALSE);
      if (!g_socket_connect (filler, address, NULL, &error))
        {
          g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PENDING);
          g_clear_error (&error);
        }
      /* a handshake on loopback takes microseconds; one still pending
       * after half a second had its SYN dropped: the queue is full */
      pending = !g_socket_condition_timed_wait (filler, G_IO_OUT, G_USEC_PER_SEC / 2, NULL, NULL);
      g_ptr_array_add (fillers, g_steal_pointer (&filler));
      if (pending)
        return g_steal_pointer (&listener);
    }
  g_error ("the kernel accepted 16 connections on a listener with a backlog of 0: "
           "this test cannot make a connect time out here");
  return NULL;
}

static void
test_errors (void)
{
  const gchar *hosts[] = { "127.0.0.1", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(EchoServer) server = echo_server_new_tcp (hosts, &error);
  g_autoptr(GPtrArray) fillers = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GSocket) stalled = stalled_listener_new (fillers);
  g_autoptr(GSocket) closed = NULL;
  g_autofree gchar *dir = jmp_test_mkdtemp ();
  g_autofree gchar *missing = g_build_filename (dir, "missing.sock", NULL);
  g_autofree gchar *yaml = NULL;
  g_autofree gchar *refused_target = NULL;
  g_autofree gchar *stalled_target = NULL;
  g_autofree gchar *stalled_message = NULL;
  g_autofree gchar *stalled_name_message = NULL;
  g_autoptr(Bench) bench = NULL;
  g_autoptr(JmpNetworkProxy) ok = NULL;
  g_autoptr(JmpNetworkProxy) refused = NULL;
  g_autoptr(JmpNetworkProxy) unknown = NULL;
  g_autoptr(JmpNetworkProxy) unknown_udp = NULL;
  g_autoptr(JmpNetworkProxy) slow = NULL;
  g_autoptr(JmpNetworkProxy) slow_name = NULL;
  g_autoptr(JmpNetworkProxy) nounix = NULL;
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  guint16 refused_port;
  GPid pid;
  guint before, baseline;

  g_assert_no_error (error);
  /* a port that was just closed: nothing listens there */
  closed = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (closed, any, FALSE, &error);
  g_assert_no_error (error);
  refused_port = socket_get_port (closed);
  g_socket_close (closed, &error);
  g_assert_no_error (error);

  yaml = g_strdup_printf ("export:\n"
                          "  ok: {type: TcpNetwork, config: {host: 127.0.0.1, port: %u}}\n"
                          "  refused: {type: TcpNetwork, config: {host: 127.0.0.1, port: %u}}\n"
                          "  unknown: {type: TcpNetwork, config: {host: %s, port: 80}}\n"
                          "  unknown-udp: {type: UdpNetwork, config: {host: %s, port: 53}}\n"
                          "  slow:\n"
                          "    type: TcpNetwork\n"
                          "    config: {host: 127.0.0.1, port: %u, connect_timeout: 1}\n"
                          "  slow-name:\n"
                          "    type: TcpNetwork\n"
                          "    config: {host: localhost, port: %u, connect_timeout: 1}\n"
                          "  nounix: {type: UnixNetwork, config: {path: \"%s\"}}\n",
                          server->port, refused_port, UNKNOWN_HOST, UNKNOWN_HOST,
                          socket_get_port (stalled), socket_get_port (stalled), missing);
  bench = bench_new (yaml);
  pid = bench_get_pid (bench);
  ok = bench_get_network (bench, "ok");
  refused = bench_get_network (bench, "refused");
  unknown = bench_get_network (bench, "unknown");
  unknown_udp = bench_get_network (bench, "unknown-udp");
  slow = bench_get_network (bench, "slow");
  /* an address literal and a name take different paths to connect() */
  slow_name = bench_get_network (bench, "slow-name");
  nounix = bench_get_network (bench, "nounix");

  /* what a first call sets up for good (worker threads, the resolver) is
   * not a leak: count after one */
  before = jmp_test_count_fds (pid);
  assert_roundtrip (ok);
  g_free (get_address (ok));
  baseline = jmp_test_wait_fds (pid, before, 2000);

  refused_target = g_strdup_printf ("127.0.0.1:%u", refused_port);
  stalled_target = g_strdup_printf ("127.0.0.1:%u", socket_get_port (stalled));
  stalled_message = g_strdup_printf ("connecting to %s timed out after 1 s", stalled_target);
  stalled_name_message = g_strdup_printf ("connecting to localhost:%u timed out after 1 s",
                                          socket_get_port (stalled));

  for (guint round = 0; round < 3; round++)
    {
      g_autoptr(GError) e1 = connect_error (refused);
      g_autoptr(GError) e2 = connect_error (unknown);
      g_autoptr(GError) e3 = connect_error (unknown_udp);
      g_autoptr(GError) e4 = connect_error (slow);
      g_autoptr(GError) e5 = connect_error (nounix);
      g_autoptr(GError) e6 = address_error (unknown);
      g_autoptr(GError) e7 = connect_error (slow_name);

      assert_error_contains (e1, JMP_ERROR_CONNECTION_REFUSED, refused_target);
      assert_error_contains (e2, JMP_ERROR_HOST_NOT_FOUND, UNKNOWN_HOST ":80");
      assert_error_contains (e3, JMP_ERROR_HOST_NOT_FOUND, UNKNOWN_HOST ":53");
      assert_error_contains (e4, JMP_ERROR_TIMED_OUT, stalled_message);
      assert_error_contains (e5, JMP_ERROR_NOT_FOUND, missing);
      assert_error_contains (e6, JMP_ERROR_HOST_NOT_FOUND, UNKNOWN_HOST);
      assert_error_contains (e7, JMP_ERROR_TIMED_OUT, stalled_name_message);
      if (round == 0)
        g_test_message ("%s\n%s\n%s\n%s\n%s\n%s", e1->message, e2->message, e3->message,
                        e4->message, e5->message, e6->message);
    }

  /* the host serves on, and kept nothing of the failed attempts */
  assert_roundtrip (ok);
  g_assert_cmpuint (jmp_test_wait_fds_at_most (pid, baseline, HANG_GUARD_MS), <=, baseline);
  jmp_test_rmdir (dir);
}

/* ------------------------------------------------------------------------ */
/* Configs the host refuses to start with */

typedef struct {
  gboolean  done;
  gchar    *err;
} HostRun;

static void
host_run_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  HostRun *run = user_data;
  g_autoptr(GError) error = NULL;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), res, NULL, &run->err, &error);
  g_assert_no_error (error);
  run->done = TRUE;
}

static void
test_bad_config (void)
{
  static const struct {
    const gchar *config;
    const gchar *message;
  } cases[] = {
    { "{type: TcpNetwork, config: {host: 127.0.0.1, port: 70000}}",
      "export.net.config.port: 70000 is out of range 1–65535" },
    { "{type: TcpNetwork, config: {host: 127.0.0.1, port: 0}}",
      "export.net.config.port: 0 is out of range 1–65535" },
    { "{type: UdpNetwork, config: {host: 127.0.0.1, port: -1}}",
      "export.net.config.port: -1 is out of range 1–65535" },
    { "{type: TcpNetwork, config: {port: 22}}",
      "export.net: failed to start TcpNetwork: config key host is required" },
    { "{type: TcpNetwork, config: {host: \"\", port: 22}}",
      "config key host is required" },
    { "{type: jumpstarter_driver_network.driver.TcpNetwork, config: {host: 127.0.0.1}}",
      "config key port is required" },
    { "{type: UdpNetwork, config: {port: 53}}",
      "failed to start UdpNetwork: config key host is required" },
    { "{type: TcpNetwork, config: {host: 127.0.0.1, port: 22, connect_timeout: 0}}",
      "export.net.config.connect_timeout: 0 is out of range 0.1–3600" },
    { "{type: UnixNetwork}",
      "failed to start UnixNetwork: config key path is required" },
    { "{type: VsockNetwork, config: {port: 22}}",
      "failed to start VsockNetwork: config key cid is required" },
    { "{type: VsockNetwork, config: {cid: 3}}",
      "failed to start VsockNetwork: config key port is required" },
    { "{type: VsockNetwork, config: {cid: 3, port: 4294967296}}",
      "export.net.config.port: 4294967296 is out of range 0–4294967295" },
  };
  g_autofree gchar *dir = jmp_test_mkdtemp ();
  g_autofree gchar *listen = g_strdup_printf ("unix:path=%s/host.sock", dir);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree gchar *yaml = g_strdup_printf ("export:\n  net: %s\n", cases[i].config);
      g_autofree gchar *config = jmp_test_write_file (dir, "bad.yaml", yaml);
      g_autoptr(GSubprocess) host = NULL;
      g_autoptr(GError) error = NULL;
      HostRun run = { FALSE, NULL };

      host = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                               &error, g_getenv ("JMP_TEST_HOST"), "--listen", listen,
                               "--config", config, NULL);
      g_assert_no_error (error);
      g_subprocess_communicate_utf8_async (host, NULL, NULL, host_run_cb, &run);
      jmp_test_wait_flag (&run.done, HANG_GUARD_MS);
      g_assert_true (g_subprocess_get_if_exited (host));
      g_assert_cmpint (g_subprocess_get_exit_status (host), !=, 0);
      if (run.err == NULL || strstr (run.err, cases[i].message) == NULL)
        g_error ("config %s: expected \"%s\" on stderr, got: %s", cases[i].config,
                 cases[i].message, run.err);
      g_free (run.err);
    }
  jmp_test_rmdir (dir);
}

/* ------------------------------------------------------------------------ */
/* The plugin's types, as `jmp inspect` and the config loader see them */

static void
assert_int_key (GObjectClass *klass, const gchar *name, gint64 min, gint64 max)
{
  GParamSpec *pspec = g_object_class_find_property (klass, name);

  g_assert_nonnull (pspec);
  g_assert_true ((pspec->flags & G_PARAM_READWRITE) == G_PARAM_READWRITE);
  g_assert_nonnull (g_param_spec_get_blurb (pspec));
  if (G_IS_PARAM_SPEC_INT (pspec))
    {
      g_assert_cmpint (G_PARAM_SPEC_INT (pspec)->minimum, ==, min);
      g_assert_cmpint (G_PARAM_SPEC_INT (pspec)->maximum, ==, max);
    }
  else
    {
      g_assert_true (G_IS_PARAM_SPEC_UINT (pspec));
      g_assert_cmpint (G_PARAM_SPEC_UINT (pspec)->minimum, ==, min);
      g_assert_cmpint (G_PARAM_SPEC_UINT (pspec)->maximum, ==, max);
    }
}

static void
test_registry (void)
{
  static const struct {
    const gchar *name;
    const gchar *keys[5];
  } types[] = {
    { "TcpNetwork", { "host", "port", "enable-address", "connect-timeout", NULL } },
    { "UdpNetwork", { "host", "port", "enable-address", "connect-timeout", NULL } },
    { "UnixNetwork", { "path", NULL } },
    { "VsockNetwork", { "cid", "port", "connect-timeout", NULL } },
    { "EchoNetwork", { NULL } },
  };
  g_autoptr(JmpRegistry) registry = jmp_registry_new ();
  g_auto(GStrv) dirs = g_strsplit (g_getenv ("JUMPSTARTER_PLUGIN_PATH"), ":", -1);
  g_autoptr(GTypeClass) tcp_class = NULL;
  g_autoptr(GTypeClass) vsock_class = NULL;
  GParamSpec *pspec;

  for (guint i = 0; dirs[i] != NULL; i++)
    jmp_registry_load_dir (registry, dirs[i]);

  for (gsize i = 0; i < G_N_ELEMENTS (types); i++)
    {
      g_autofree gchar *alias = g_strconcat ("jumpstarter_driver_network.driver.",
                                             types[i].name, NULL);
      GType type = jmp_registry_lookup (registry, types[i].name);
      g_autoptr(GTypeClass) klass = NULL;

      g_assert_true (type != G_TYPE_INVALID);
      g_assert_true (g_type_is_a (type, JMP_TYPE_NETWORK));
      g_assert_cmpstr (jmp_registry_get_type_name (registry, type), ==, types[i].name);
      /* Jumpstarter's class path names the same type */
      g_assert_true (jmp_registry_lookup (registry, alias) == type);

      klass = g_type_class_ref (type);
      for (guint k = 0; types[i].keys[k] != NULL; k++)
        {
          pspec = g_object_class_find_property (G_OBJECT_CLASS (klass), types[i].keys[k]);
          if (pspec == NULL)
            g_error ("%s has no config key %s", types[i].name, types[i].keys[k]);
          g_assert_nonnull (g_param_spec_get_blurb (pspec));
        }
    }

  tcp_class = g_type_class_ref (jmp_registry_lookup (registry, "TcpNetwork"));
  assert_int_key (G_OBJECT_CLASS (tcp_class), "port", 1, 65535);
  pspec = g_object_class_find_property (G_OBJECT_CLASS (tcp_class), "enable-address");
  g_assert_true (g_value_get_boolean (g_param_spec_get_default_value (pspec)));
  pspec = g_object_class_find_property (G_OBJECT_CLASS (tcp_class), "connect-timeout");
  g_assert_cmpfloat (G_PARAM_SPEC_DOUBLE (pspec)->minimum, ==, 0.1);
  g_assert_cmpfloat (G_PARAM_SPEC_DOUBLE (pspec)->maximum, ==, 3600);
  g_assert_cmpfloat (G_PARAM_SPEC_DOUBLE (pspec)->default_value, ==, 10);

  vsock_class = g_type_class_ref (jmp_registry_lookup (registry, "VsockNetwork"));
  assert_int_key (G_OBJECT_CLASS (vsock_class), "cid", 0, G_MAXUINT32);
  assert_int_key (G_OBJECT_CLASS (vsock_class), "port", 0, G_MAXUINT32);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_unsetenv ("JUMPSTARTER_HOST");
  /* the drivers reach their targets directly, even where a proxy
   * resolver would honour these */
  g_setenv ("http_proxy", "http://127.0.0.1:9/", TRUE);
  g_setenv ("all_proxy", "socks://127.0.0.1:9/", TRUE);

  g_test_add_func ("/network-drivers/tcp/ipv4", test_tcp_ipv4);
  g_test_add_func ("/network-drivers/tcp/ipv6", test_tcp_ipv6);
  g_test_add_func ("/network-drivers/tcp/localhost", test_tcp_localhost);
  g_test_add_func ("/network-drivers/tcp/fallback", test_tcp_fallback);
  g_test_add_func ("/network-drivers/tcp/half-close", test_tcp_half_close);
  g_test_add_func ("/network-drivers/udp/datagrams", test_udp_datagrams);
  g_test_add_func ("/network-drivers/handed-over-fds", test_handed_over_fds);
  g_test_add_func ("/network-drivers/unix/stream", test_unix_stream);
  g_test_add_func ("/network-drivers/vsock", test_vsock);
  g_test_add_func ("/network-drivers/address", test_address);
  g_test_add_func ("/network-drivers/errors", test_errors);
  g_test_add_func ("/network-drivers/bad-config", test_bad_config);
  g_test_add_func ("/network-drivers/registry", test_registry);
  return g_test_run ();
}
