/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * WebsocketNetwork through a real host against real servers: ws-server.py
 * (Python websockets, plain and TLS) and websocketd. Streams are read and
 * written with blocking sockets, from a thread where both ways must flow.
 */
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "jmp-test-common.h"

/* waits only guard against a hang, they time nothing */
#define HANG_GUARD_MS 60000
#define MIB (1024 * 1024)

static GSubprocess *server;      /* ws-server.py, plain */
static guint16      server_port;

/* ---- servers ----------------------------------------------------------- */

static gchar *
read_line (GInputStream *stream)
{
  GString *line = g_string_new (NULL);
  gchar c;

  while (g_input_stream_read (stream, &c, 1, NULL, NULL) == 1 && c != '\n')
    g_string_append_c (line, c);
  return g_string_free (line, FALSE);
}

/* Starts ws-server.py with @args; returns it and its port. */
static GSubprocess *
ws_server_start (const gchar * const *args, guint16 *port)
{
  g_autofree gchar *script = g_test_build_filename (G_TEST_DIST, "websocket", "ws-server.py", NULL);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree gchar *line = NULL;
  GSubprocess *process;

  g_ptr_array_add (argv, (gpointer) "/usr/bin/python3");
  g_ptr_array_add (argv, script);
  for (guint i = 0; args != NULL && args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  process = jmp_test_spawnv (G_SUBPROCESS_FLAGS_STDOUT_PIPE,
                             (const gchar * const *) argv->pdata, &error);
  g_assert_no_error (error);
  line = read_line (g_subprocess_get_stdout_pipe (process));
  *port = (guint16) g_ascii_strtoull (line, NULL, 10);
  g_assert_cmpuint (*port, >, 0);
  return process;
}

static void
process_stop (GSubprocess *process)
{
  g_subprocess_send_signal (process, SIGTERM);
  g_subprocess_wait (process, NULL, NULL);
}

static guint16
free_port (void)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GError) error = NULL;
  guint16 port = g_socket_listener_add_any_inet_port (listener, NULL, &error);

  g_assert_no_error (error);
  g_socket_listener_close (listener);
  return port;
}

static GSocket *
tcp_connect (guint16 port, GError **error)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;

  connection = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, error);
  if (connection == NULL)
    return NULL;
  return g_object_ref (g_socket_connection_get_socket (connection));
}

/* websocketd serving @program in binary mode, once it accepts. */
static GSubprocess *
websocketd_start (guint16 *port, const gchar *program)
{
  g_autofree gchar *port_arg = NULL;
  g_autoptr(GError) error = NULL;
  GSubprocess *process;

  *port = free_port ();
  port_arg = g_strdup_printf ("--port=%u", *port);
  process = jmp_test_spawn (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                            &error, "websocketd",
                            port_arg, "--address=127.0.0.1", "--binary", program, NULL);
  g_assert_no_error (error);
  for (guint i = 0; i < 500; i++)
    {
      g_autoptr(GSocket) probe = tcp_connect (*port, NULL);

      if (probe != NULL)
        return process;
      g_usleep (10000);
    }
  g_error ("websocketd does not listen on %u", *port);
}

/* ---- the host ---------------------------------------------------------- */

typedef struct {
  gchar       *dir;
  JmpTestHost *host;
  JmpClient   *client;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->dir = jmp_test_mkdtemp ();
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->client);
  if (f->host != NULL)
    jmp_test_host_stop (f->host);
  g_clear_pointer (&f->host, jmp_test_host_free);
  jmp_test_rmdir (f->dir);
  g_free (f->dir);
}

/* @exports: the lines under `export:`, with PORT for the server's port;
 * @args: more arguments for the host */
static void
fixture_start_with_args (Fixture *f, const gchar *exports, const gchar * const *args)
{
  g_autofree gchar *port = g_strdup_printf ("%u", server_port);
  g_auto(GStrv) parts = g_strsplit (exports, "PORT", -1);
  g_autofree gchar *joined = g_strjoinv (port, parts);
  g_autofree gchar *yaml = g_strdup_printf ("export:\n%s", joined);
  g_autofree gchar *config = jmp_test_write_file (f->dir, "ws.yaml", yaml);

  f->host = jmp_test_host_new (config, args);
  f->client = jmp_test_host_connect (f->host);
}

static void
fixture_start (Fixture *f, const gchar *exports)
{
  fixture_start_with_args (f, exports, NULL);
}

static JmpNetworkProxy *
get_network (Fixture *f, const gchar *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JmpDriverProxy) driver = jmp_client_get_driver (f->client, name, &error);

  g_assert_no_error (error);
  g_assert_nonnull (jmp_driver_proxy_get_network (driver));
  return g_object_ref (jmp_driver_proxy_get_network (driver));
}

static GSocket *
open_stream (Fixture *f, const gchar *name)
{
  g_autoptr(JmpNetworkProxy) network = get_network (f, name);
  g_autoptr(GError) error = NULL;
  GSocket *socket = jmp_network_proxy_connect_socket_sync (network, NULL, &error);

  g_assert_no_error (error);
  g_socket_set_blocking (socket, TRUE);
  return socket;
}

static GError *
connect_error (Fixture *f, const gchar *name)
{
  g_autoptr(JmpNetworkProxy) network = get_network (f, name);
  g_autoptr(GSocket) socket = NULL;
  GError *error = NULL;

  socket = jmp_network_proxy_connect_socket_sync (network, NULL, &error);
  g_assert_null (socket);
  g_assert_nonnull (error);
  g_test_message ("%s: %s", name, error->message);
  return error;
}

static gsize
host_peak_rss (Fixture *f)
{
  g_autofree gchar *path = g_strdup_printf ("/proc/%d/status", jmp_test_host_get_pid (f->host));
  g_autofree gchar *status = NULL;
  const gchar *line;

  g_assert_true (g_file_get_contents (path, &status, NULL, NULL));
  line = strstr (status, "VmHWM:");
  g_assert_nonnull (line);
  return g_ascii_strtoull (line + strlen ("VmHWM:"), NULL, 10) * 1024;
}

/* ---- bytes ------------------------------------------------------------- */

static gchar *
receive_text (GSocket *socket)
{
  g_autoptr(GBytes) bytes = jmp_test_receive_to_eof (socket);

  return g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

static void
receive_exactly (GSocket *socket, guint8 *data, gsize len)
{
  g_autoptr(GError) error = NULL;
  gsize done = 0;

  while (done < len)
    {
      gssize n = g_socket_receive (socket, (gchar *) data + done, len - done, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpint (n, >, 0);
      done += n;
    }
}

typedef struct {
  GSocket *socket;
  GBytes  *payload;
  gsize    chunk;     /* 0: all at once */
  guint    pause_ms;  /* between chunks */
  gboolean shutdown;
} Writer;

static gpointer
writer_thread (gpointer user_data)
{
  Writer *w = user_data;
  gsize len;
  const guint8 *data = g_bytes_get_data (w->payload, &len);
  gsize chunk = w->chunk > 0 ? w->chunk : len;

  for (gsize done = 0; done < len; done += chunk)
    {
      jmp_test_send_all (w->socket, data + done, MIN (chunk, len - done));
      if (w->pause_ms > 0)
        g_usleep (w->pause_ms * 1000);
    }
  if (w->shutdown)
    g_socket_shutdown (w->socket, FALSE, TRUE, NULL);
  return NULL;
}

static gchar *
sha256_answer (GBytes *payload)
{
  g_autofree gchar *sum = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, payload);

  return g_strdup_printf ("%" G_GSIZE_FORMAT " bytes, sha256 %s\n",
                          g_bytes_get_size (payload), sum);
}

/* The host's fds after one stream of @name came and went: the first
 * connection sets up what the host keeps (the resolver's threads and the
 * like), so a baseline comes after it. */
static guint
fds_after_first_stream (Fixture *f, const gchar *name)
{
  g_autoptr(GSocket) first = open_stream (f, name);
  g_autoptr(GBytes) rest = NULL;

  g_socket_shutdown (first, FALSE, TRUE, NULL);
  rest = jmp_test_receive_to_eof (first);
  g_clear_object (&first);
  return jmp_test_wait_fds_at_most (jmp_test_host_get_pid (f->host), 0, 1000);
}

/* ---- tests ------------------------------------------------------------- */

/* Jumpstarter's test_websocket_network_connect, against websocketd */
static void
test_seed_connect (Fixture *f, gconstpointer data)
{
  guint16 port;
  g_autoptr(GSubprocess) websocketd = websocketd_start (&port, "cat");
  g_autofree gchar *exports = g_strdup_printf (
      "  ws: {type: jumpstarter_driver_network.driver.WebsocketNetwork,"
      " config: {url: \"ws://127.0.0.1:%u/\"}}\n", port);
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(JmpNetworkProxy) network = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *address = NULL;
  g_autofree gchar *url = g_strdup_printf ("ws://127.0.0.1:%u/", port);
  guint8 buffer[5];

  fixture_start (f, exports);
  socket = open_stream (f, "ws");
  jmp_test_send_all (socket, (const guint8 *) "hello", 5);
  receive_exactly (socket, buffer, 5);
  g_assert_cmpmem (buffer, 5, "hello", 5);

  network = get_network (f, "ws");
  address = jmp_network_proxy_get_address_sync (network, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (address, ==, url);
  g_clear_object (&socket);
  process_stop (websocketd);
}

/* text and binary frames arrive as their bytes, in order, then EOF */
static void
test_text_and_binary (Fixture *f, gconstpointer data)
{
  static const gchar expected[] = "hello \0\1worldünï";
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GBytes) reply = NULL;

  fixture_start (f, "  ws: {type: WebsocketNetwork, config: {url: \"ws://127.0.0.1:PORT/greet\"}}\n");
  socket = open_stream (f, "ws");
  reply = jmp_test_receive_to_eof (socket);
  g_assert_cmpmem (g_bytes_get_data (reply, NULL), g_bytes_get_size (reply),
                   expected, sizeof expected - 1);
}

/* 16 MiB each way at once through /echo, then 16 MiB up to /collect and
 * 16 MiB down from /source: every byte, in order */
static void
test_large (Fixture *f, gconstpointer data)
{
  const gsize len = 16 * MIB;
  g_autoptr(GBytes) payload = jmp_test_random_bytes (len);
  g_autoptr(GBytes) echoed = NULL;
  g_autoptr(GBytes) down = NULL;
  g_autofree gchar *answer = NULL;
  g_autofree gchar *expected = NULL;
  g_autoptr(GSocket) socket = NULL;
  const guint8 *bytes;
  Writer w = { NULL, payload, 0, 0, TRUE };
  GThread *thread;

  fixture_start (f,
                 "  echo: {type: WebsocketNetwork, config: {url: \"ws://127.0.0.1:PORT/echo\"}}\n"
                 "  collect: {type: WebsocketNetwork, config: {url: \"ws://127.0.0.1:PORT/collect\"}}\n"
                 "  source: {type: WebsocketNetwork, config: {url: \"ws://127.0.0.1:PORT/source/16777216\"}}\n");

  /* the echo: read until all came back; the server closes after our close */
  socket = open_stream (f, "echo");
  w.socket = socket;
  w.shutdown = FALSE;
  thread = g_thread_new ("writer", writer_thread, &w);
  {
    guint8 *back = g_malloc (len);
    receive_exactly (socket, back, len);
    g_thread_join (thread);
    g_socket_shutdown (socket, FALSE, TRUE, NULL);
    echoed = g_bytes_new_take (back, len);
  }
  g_assert_true (g_bytes_equal (payload, echoed));
  g_clear_object (&socket);

  socket = open_stream (f, "collect");
  w.socket = socket;
  w.shutdown = TRUE;
  thread = g_thread_new ("writer", writer_thread, &w);
  answer = receive_text (socket);
  g_thread_join (thread);
  expected = sha256_answer (payload);
  g_assert_cmpstr (answer, ==, expected);
  g_clear_object (&socket);

  socket = open_stream (f, "source");
  down = jmp_test_receive_to_eof (socket);
  g_assert_cmpuint (g_bytes_get_size (down), ==, len);
  bytes = g_bytes_get_data (down, NULL);
  for (gsize i = 0; i < len; i++)
    if (bytes[i] != (guint8) (i % 256))
      g_error ("byte %" G_GSIZE_FORMAT " is %u", i, bytes[i]);
}

/* shutdown(SHUT_WR): the server sees every byte, then our close, and its
 * answer still reaches us; the same through `jmp NAME connect` */
static void
test_half_close (Fixture *f, gconstpointer data)
{
  g_autoptr(GBytes) payload = jmp_test_random_bytes (300 * 1024 + 7);
  g_autoptr(GSocket) socket = NULL;
  g_autofree gchar *answer = NULL;
  g_autofree gchar *expected = sha256_answer (payload);
  g_autoptr(GSubprocess) jmp = NULL;
  g_autoptr(GBytes) hello = g_bytes_new_static ("hello\n", 6);
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_autofree gchar *expected_cli = sha256_answer (hello);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;

  fixture_start (f, "  collect: {type: WebsocketNetwork, config: {url: \"ws://127.0.0.1:PORT/collect\"}}\n");
  socket = open_stream (f, "collect");
  jmp_test_send_all (socket, g_bytes_get_data (payload, NULL), g_bytes_get_size (payload));
  g_socket_shutdown (socket, FALSE, TRUE, NULL);
  answer = receive_text (socket);
  g_assert_cmpstr (answer, ==, expected);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                        G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_setenv (launcher, "JUMPSTARTER_HOST",
                                jmp_test_host_get_address (f->host), TRUE);
  jmp = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("JMP_TEST_CLI"),
                                     "collect", "connect", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (jmp, "hello\n", NULL, &out, &err, &error);
  g_assert_no_error (error);
  g_test_message ("jmp: %s%s", out, err);
  g_assert_true (g_subprocess_get_successful (jmp));
  g_assert_cmpstr (out, ==, expected_cli);
  g_assert_cmpstr (err, ==, "");
}

/* A host whose log the test reads. */
static GSubprocess *
host_with_log (Fixture *f, const gchar *yaml, gchar **address)
{
  g_autofree gchar *config = jmp_test_write_file (f->dir, "log.yaml", yaml);
  g_autofree gchar *listen = g_strdup_printf ("unix:path=%s/log.sock", f->dir);
  g_autoptr(GError) error = NULL;
  GSubprocess *host;

  host = jmp_test_spawn (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                         g_getenv ("JMP_TEST_HOST"), "--listen", listen, "--print-address",
                         "--config", config, NULL);
  g_assert_no_error (error);
  *address = read_line (g_subprocess_get_stdout_pipe (host));
  g_assert_cmpstr (*address, ==, listen);
  return host;
}

static gchar *
host_stop_with_log (GSubprocess *host)
{
  g_autofree gchar *rest = NULL;
  g_autofree gchar *err = NULL;

  g_subprocess_send_signal (host, SIGTERM);
  g_subprocess_communicate_utf8 (host, NULL, NULL, &rest, &err, NULL);
  g_assert_true (g_subprocess_get_successful (host));
  return g_steal_pointer (&err);
}

/* the server's close is EOF after its last bytes; an unusual code is
 * logged once, with the driver, the URL, the code and the reason */
static void
test_close_codes (Fixture *f, gconstpointer data)
{
  g_autofree gchar *yaml = g_strdup_printf (
      "export:\n"
      "  normal: {type: WebsocketNetwork, config: {url: \"ws://127.0.0.1:%u/close/1000\"}}\n"
      "  away: {type: WebsocketNetwork, config: {url: \"ws://127.0.0.1:%u/close/1001\"}}\n"
      "  odd: {type: WebsocketNetwork, config: {url: \"ws://127.0.0.1:%u/close/4000\"}}\n"
      "  error: {type: WebsocketNetwork, config: {url: \"ws://127.0.0.1:%u/close/1011\"}}\n"
      "  vanish: {type: WebsocketNetwork, config: {url: \"ws://127.0.0.1:%u/vanish\"}}\n",
      server_port, server_port, server_port, server_port, server_port);
  const gchar *names[] = { "normal", "away", "odd", "error" };
  g_autofree gchar *address = NULL;
  g_autoptr(GSubprocess) host = host_with_log (f, yaml, &address);
  g_autoptr(JmpClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *log = NULL;
  g_autofree gchar *odd = NULL;
  g_autofree gchar *vanished = NULL;

  client = jmp_client_new_for_address_sync (address, NULL, &error);
  g_assert_no_error (error);
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(JmpDriverProxy) driver = jmp_client_get_driver (client, names[i], &error);
      g_autoptr(GSocket) socket = NULL;
      g_autofree gchar *text = NULL;

      g_assert_no_error (error);
      socket = jmp_network_proxy_connect_socket_sync (jmp_driver_proxy_get_network (driver),
                                                      NULL, &error);
      g_assert_no_error (error);
      g_socket_set_blocking (socket, TRUE);
      text = receive_text (socket);
      g_assert_cmpstr (text, ==, "bye");
    }
  {
    g_autoptr(JmpDriverProxy) driver = jmp_client_get_driver (client, "vanish", &error);
    g_autoptr(GSocket) socket = jmp_network_proxy_connect_socket_sync (
        jmp_driver_proxy_get_network (driver), NULL, &error);
    g_autofree gchar *text = NULL;

    g_assert_no_error (error);
    g_socket_set_blocking (socket, TRUE);
    text = receive_text (socket);
    g_assert_cmpstr (text, ==, "x");
  }
  g_clear_object (&client);
  log = host_stop_with_log (host);
  g_test_message ("host log: %s", log);
  odd = g_strdup_printf ("odd (ws://127.0.0.1:%u/close/4000): server closed with code 4000: "
                         "test reason\n", server_port);
  g_assert_nonnull (strstr (log, odd));
  g_assert_nonnull (strstr (log, "server closed with code 1011: test reason"));
  vanished = g_strdup_printf ("vanish (ws://127.0.0.1:%u/vanish): server closed the connection "
                              "without a close frame", server_port);
  g_assert_nonnull (strstr (log, vanished));
  g_assert_null (strstr (log, "code 1000"));
  g_assert_null (strstr (log, "code 1001"));
  /* once each */
  g_assert_null (strstr (strstr (log, odd) + 1, odd));
  g_assert_null (strstr (log, "WARNING"));
}

/* many streams open at once, each with its own bytes */
static void
test_concurrent (Fixture *f, gconstpointer data)
{
  const guint n_streams = 100;
  g_autoptr(GPtrArray) sockets = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) payloads = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  GPid pid;
  guint baseline;

  fixture_start (f, "  echo: {type: WebsocketNetwork, config: {url: \"ws://127.0.0.1:PORT/echo\"}}\n");
  pid = jmp_test_host_get_pid (f->host);
  baseline = fds_after_first_stream (f, "echo");
  for (guint i = 0; i < n_streams; i++)
    {
      g_ptr_array_add (sockets, open_stream (f, "echo"));
      g_ptr_array_add (payloads, jmp_test_random_bytes (1000 + i * 37));
    }
  /* each: our socketpair end and the server's TCP connection */
  g_assert_cmpuint (jmp_test_count_fds (pid), >=, baseline + 2 * n_streams);
  for (guint i = 0; i < n_streams; i++)
    {
      GBytes *payload = g_ptr_array_index (payloads, i);
      jmp_test_send_all (g_ptr_array_index (sockets, i), g_bytes_get_data (payload, NULL),
                g_bytes_get_size (payload));
    }
  for (guint i = 0; i < n_streams; i++)
    {
      GBytes *payload = g_ptr_array_index (payloads, i);
      g_autofree guint8 *back = g_malloc (g_bytes_get_size (payload));

      receive_exactly (g_ptr_array_index (sockets, i), back, g_bytes_get_size (payload));
      g_assert_cmpmem (back, g_bytes_get_size (payload), g_bytes_get_data (payload, NULL),
                       g_bytes_get_size (payload));
      g_socket_shutdown (g_ptr_array_index (sockets, i), FALSE, TRUE, NULL);
    }
  for (guint i = 0; i < n_streams; i++)
    {
      g_autoptr(GBytes) rest = jmp_test_receive_to_eof (g_ptr_array_index (sockets, i));
      g_assert_cmpuint (g_bytes_get_size (rest), ==, 0);
    }
  g_ptr_array_set_size (sockets, 0);
  /* every descriptor of every connection is closed */
  g_assert_cmpuint (jmp_test_wait_fds_at_most (pid, baseline, 20000), <=, baseline);
}

static GSocket *
try_open (JmpClient *client, GError **error)
{
  g_autoptr(JmpDriverProxy) driver = jmp_client_get_driver (client, "echo", error);
  GSocket *socket;

  g_assert_nonnull (driver);
  socket = jmp_network_proxy_connect_socket_sync (jmp_driver_proxy_get_network (driver),
                                                  NULL, error);
  if (socket != NULL)
    g_socket_set_blocking (socket, TRUE);
  return socket;
}

static void
assert_echoes (GSocket *socket)
{
  guint8 back[5];

  jmp_test_send_all (socket, "hello", 5);
  receive_exactly (socket, back, 5);
  g_assert_cmpmem (back, 5, "hello", 5);
}

/* One client holding streams open cannot take the host's connections
 * from the others (--max-streams-per-peer), and gets its budget back as
 * its streams end. */
static void
test_stream_budget (Fixture *f, gconstpointer data)
{
  const gchar *args[] = { "--max-streams-per-peer", "3", NULL };
  g_autoptr(GPtrArray) sockets = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(JmpClient) other_client = NULL;
  g_autoptr(GSocket) other = NULL;
  g_autoptr(GSocket) refused = NULL;
  g_autoptr(GError) error = NULL;
  GSocket *again = NULL;
  GPid pid;
  guint baseline;

  fixture_start_with_args (f, "  echo: {type: WebsocketNetwork, config: {url: \"ws://127.0.0.1:PORT/echo\"}}\n",
                           args);
  pid = jmp_test_host_get_pid (f->host);
  baseline = fds_after_first_stream (f, "echo");

  for (guint i = 0; i < 3; i++)
    g_ptr_array_add (sockets, open_stream (f, "echo"));
  refused = try_open (f->client, &error);
  g_assert_null (refused);
  g_assert_error (error, JMP_ERROR, JMP_ERROR_UNAVAILABLE);
  g_assert_nonnull (strstr (error->message, " 3 "));
  g_clear_error (&error);
  for (guint i = 0; i < sockets->len; i++)
    assert_echoes (g_ptr_array_index (sockets, i));

  other_client = jmp_test_host_connect (f->host);
  other = try_open (other_client, &error);
  g_assert_no_error (error);
  assert_echoes (other);

  /* one closed, one back: its pump ends a moment later */
  g_ptr_array_remove_index (sockets, 0);
  for (guint i = 0; i < 2000 && again == NULL; i++)
    {
      again = try_open (f->client, &error);
      if (again == NULL)
        {
          g_assert_error (error, JMP_ERROR, JMP_ERROR_UNAVAILABLE);
          g_clear_error (&error);
          g_usleep (10 * 1000);
        }
    }
  g_assert_nonnull (again);
  g_ptr_array_add (sockets, again);
  assert_echoes (again);

  g_ptr_array_set_size (sockets, 0);
  g_clear_object (&other);
  g_clear_object (&other_client);
  /* every connection to the server closed */
  g_assert_cmpuint (jmp_test_wait_fds_at_most (pid, baseline, 20000), <=, baseline);
}

/* handshake failures name the URL and say what to fix */
static void
test_handshake_errors (Fixture *f, gconstpointer data)
{
  g_autoptr(GSocketListener) silent = g_socket_listener_new ();
  g_autoptr(GError) error = NULL;
  g_autofree gchar *exports = NULL;
  g_autofree gchar *expected = NULL;
  guint16 silent_port;
  guint16 closed_port = free_port ();

  /* accepts, never answers: the handshake times out */
  silent_port = g_socket_listener_add_any_inet_port (silent, NULL, &error);
  g_assert_no_error (error);
  exports = g_strdup_printf (
      "  missing: {type: WebsocketNetwork, config: {url: \"ws://127.0.0.1:PORT/missing\"}}\n"
      "  refused: {type: WebsocketNetwork, config: {url: \"ws://127.0.0.1:%u/x\"}}\n"
      "  nohost: {type: WebsocketNetwork, config: {url: \"ws://no-such-host.invalid/x\"}}\n"
      "  silent: {type: WebsocketNetwork, config: {url: \"ws://127.0.0.1:%u/x\","
      " connect_timeout: 0.5}}\n",
      closed_port, silent_port);
  fixture_start (f, exports);

  g_clear_error (&error);
  error = connect_error (f, "missing");
  expected = g_strdup_printf ("ws://127.0.0.1:%u/missing: server answered 404 Not Found", server_port);
  g_assert_error (error, JMP_ERROR, JMP_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, expected);
  g_clear_error (&error);
  g_clear_pointer (&expected, g_free);

  error = connect_error (f, "refused");
  g_assert_error (error, JMP_ERROR, JMP_ERROR_CONNECTION_REFUSED);
  expected = g_strdup_printf ("cannot connect to ws://127.0.0.1:%u/x: connection refused", closed_port);
  g_assert_cmpstr (error->message, ==, expected);
  g_clear_error (&error);
  g_clear_pointer (&expected, g_free);

  error = connect_error (f, "nohost");
  g_assert_error (error, JMP_ERROR, JMP_ERROR_HOST_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "ws://no-such-host.invalid/x"));
  g_clear_error (&error);

  error = connect_error (f, "silent");
  g_assert_error (error, JMP_ERROR, JMP_ERROR_TIMED_OUT);
  expected = g_strdup_printf ("connecting to ws://127.0.0.1:%u/x timed out after 0.5 s", silent_port);
  g_assert_cmpstr (error->message, ==, expected);
  g_socket_listener_close (silent);
}

static void
run_openssl (const gchar *dir, ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                                                       G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  const gchar *arg;
  va_list ap;

  g_ptr_array_add (argv, (gpointer) "openssl");
  va_start (ap, dir);
  while ((arg = va_arg (ap, const gchar *)) != NULL)
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  g_subprocess_launcher_set_cwd (launcher, dir);
  process = g_subprocess_launcher_spawnv (launcher, (const gchar * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_wait_check (process, NULL, &error);
  g_assert_no_error (error);
}

/* wss:// with a CA made here: trusted through ca_file, refused without */
static void
test_wss (Fixture *f, gconstpointer data)
{
  g_autofree gchar *cert = g_build_filename (f->dir, "server.pem", NULL);
  g_autofree gchar *key = g_build_filename (f->dir, "server.key", NULL);
  g_autofree gchar *ca = g_build_filename (f->dir, "ca.pem", NULL);
  g_autofree gchar *exports = NULL;
  g_autofree gchar *expected = NULL;
  g_autoptr(GSubprocess) tls_server = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GError) error = NULL;
  guint16 port;
  guint8 buffer[9];

  g_free (jmp_test_write_file (f->dir, "san.ext", "subjectAltName=IP:127.0.0.1\n"));
  run_openssl (f->dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
               "-subj", "/CN=jmp test CA", "-keyout", "ca.key", "-out", "ca.pem", NULL);
  run_openssl (f->dir, "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
               "-keyout", "server.key", "-out", "server.csr", NULL);
  run_openssl (f->dir, "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
               "-CAcreateserial", "-days", "2", "-extfile", "san.ext", "-out", "server.pem", NULL);
  tls_server = ws_server_start ((const gchar *[]) { "--tls", cert, key, NULL }, &port);

  exports = g_strdup_printf (
      "  trusted: {type: WebsocketNetwork, config: {url: \"wss://127.0.0.1:%u/echo\", ca_file: \"%s\"}}\n"
      "  untrusted: {type: WebsocketNetwork, config: {url: \"wss://127.0.0.1:%u/echo\"}}\n",
      port, ca, port);
  fixture_start (f, exports);

  socket = open_stream (f, "trusted");
  jmp_test_send_all (socket, (const guint8 *) "over TLS!", 9);
  receive_exactly (socket, buffer, 9);
  g_assert_cmpmem (buffer, 9, "over TLS!", 9);
  g_clear_object (&socket);

  error = connect_error (f, "untrusted");
  g_assert_error (error, JMP_ERROR, JMP_ERROR_FAILED);
  expected = g_strdup_printf ("wss://127.0.0.1:%u/echo: certificate not trusted (unknown authority)", port);
  g_assert_cmpstr (error->message, ==, expected);
  process_stop (tls_server);
}

/* headers, origin and subprotocols reach the server */
static void
test_headers (Fixture *f, gconstpointer data)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree gchar *text = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *root, *headers;

  fixture_start (f,
                 "  ws:\n"
                 "    type: WebsocketNetwork\n"
                 "    config:\n"
                 "      url: \"ws://127.0.0.1:PORT/headers\"\n"
                 "      headers: {Authorization: \"Bearer s3cret\", X-Board: rpi-7}\n"
                 "      subprotocols: [nope, chat]\n"
                 "      origin: \"http://lab.example\"\n");
  socket = open_stream (f, "ws");
  text = receive_text (socket);
  g_test_message ("server saw: %s", text);
  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  headers = json_object_get_object_member (root, "headers");
  g_assert_cmpstr (json_object_get_string_member (headers, "authorization"), ==, "Bearer s3cret");
  g_assert_cmpstr (json_object_get_string_member (headers, "x-board"), ==, "rpi-7");
  g_assert_cmpstr (json_object_get_string_member (headers, "origin"), ==, "http://lab.example");
  g_assert_cmpstr (json_object_get_string_member (headers, "sec-websocket-protocol"), ==, "nope, chat");
  g_assert_cmpstr (json_object_get_string_member (root, "subprotocol"), ==, "chat");
}

/* a server that reads slowly while we push 64 MiB, and one that sends
 * 64 MiB to a client that reads slowly: the host holds a few buffers,
 * never the difference */
static void
test_back_pressure (Fixture *f, gconstpointer data)
{
  const gsize len = 64 * MIB;
  const gsize limit = 32 * MIB;
  g_autoptr(GBytes) payload = jmp_test_random_bytes (len);
  g_autoptr(GSocket) socket = NULL;
  g_autofree gchar *answer = NULL;
  g_autofree gchar *expected = sha256_answer (payload);
  Writer w = { NULL, payload, 0, 0, TRUE };
  GThread *thread;
  gsize before, after, received = 0;
  guint8 chunk[16384];

  fixture_start (f,
                 "  slowread: {type: WebsocketNetwork, config: {url: \"ws://127.0.0.1:PORT/collect\"}}\n"
                 "  source: {type: WebsocketNetwork, config: {url: \"ws://127.0.0.1:PORT/source/67108864\"}}\n");
  before = host_peak_rss (f);

  /* fast client, and a server that is slower (Python hashes every byte) */
  socket = open_stream (f, "slowread");
  w.socket = socket;
  thread = g_thread_new ("writer", writer_thread, &w);
  answer = receive_text (socket);
  g_thread_join (thread);
  g_assert_cmpstr (answer, ==, expected);
  g_clear_object (&socket);
  after = host_peak_rss (f);
  g_test_message ("host peak RSS %" G_GSIZE_FORMAT " KiB → %" G_GSIZE_FORMAT " KiB (slow server)",
                  before / 1024, after / 1024);
  g_assert_cmpuint (after - before, <, limit);

  /* fast server, slow client */
  socket = open_stream (f, "source");
  for (;;)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_socket_receive (socket, (gchar *) chunk, sizeof chunk, NULL, &error);

      g_assert_no_error (error);
      if (n == 0)
        break;
      received += n;
      if (received % (256 * 1024) < sizeof chunk)
        g_usleep (2000);
    }
  g_assert_cmpuint (received, ==, len);
  after = host_peak_rss (f);
  g_test_message ("host peak RSS %" G_GSIZE_FORMAT " KiB → %" G_GSIZE_FORMAT " KiB (slow client)",
                  before / 1024, after / 1024);
  g_assert_cmpuint (after - before, <, limit);
}

/* `jmp NAME forward-tcp`: the existing relay, through this driver */
static void
test_forward_tcp (Fixture *f, gconstpointer data)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                                       G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) jmp = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *line = NULL;
  const gchar *colon;
  guint8 buffer[12];

  fixture_start (f, "  ws: {type: WebsocketNetwork, config: {url: \"ws://127.0.0.1:PORT/echo\"}}\n");
  g_subprocess_launcher_setenv (launcher, "JUMPSTARTER_HOST",
                                jmp_test_host_get_address (f->host), TRUE);
  jmp = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("JMP_TEST_CLI"),
                                     "ws", "forward-tcp", "0", NULL);
  g_assert_no_error (error);
  line = read_line (g_subprocess_get_stdout_pipe (jmp));
  g_test_message ("forward: %s", line);
  colon = strrchr (line, ':');
  g_assert_nonnull (colon);
  socket = tcp_connect ((guint16) g_ascii_strtoull (colon + 1, NULL, 10), &error);
  g_assert_no_error (error);
  g_socket_set_blocking (socket, TRUE);
  jmp_test_send_all (socket, (const guint8 *) "hello tunnel", 12);
  receive_exactly (socket, buffer, 12);
  g_assert_cmpmem (buffer, 12, "hello tunnel", 12);
  g_clear_object (&socket);
  process_stop (jmp);
}

/* config mistakes stop the host with the place and the key */
static void
test_bad_config (Fixture *f, gconstpointer data)
{
  static const struct {
    const gchar *config;
    const gchar *message;
  } cases[] = {
    { "{type: WebsocketNetwork}", "export.ws: failed to start WebsocketNetwork: config key url is required" },
    { "{type: WebsocketNetwork, config: {url: \"http://example.com/\"}}",
      "export.ws: failed to start WebsocketNetwork: url: \"http://example.com/\" is not a ws:// or wss:// URL with a host" },
    { "{type: WebsocketNetwork, config: {url: \"ws:///path\"}}", "is not a ws:// or wss:// URL with a host" },
    { "{type: WebsocketNetwork, config: {url: \"ws://h/\", headers: [a]}}",
      "export.ws.config.headers: expected a mapping of strings, got a list" },
    { "{type: WebsocketNetwork, config: {url: \"ws://h/\", headers: {\"Bad Name\": x}}}",
      "headers: \"Bad Name\" is not a valid header name" },
    { "{type: WebsocketNetwork, config: {url: \"ws://h/\", headers: {Sec-WebSocket-Key: x}}}",
      "headers.Sec-WebSocket-Key: set by the handshake itself" },
    { "{type: WebsocketNetwork, config: {url: \"ws://h/\", subprotocols: [\"a b\"]}}",
      "subprotocols[0]: \"a b\" is not a valid subprotocol name" },
    { "{type: WebsocketNetwork, config: {url: \"wss://h/\", ca_file: /nonexistent/ca.pem}}",
      "ca_file: cannot load /nonexistent/ca.pem" },
    { "{type: WebsocketNetwork, config: {url: \"ws://h/\", keepalive_interval: -1}}",
      "export.ws.config.keepalive_interval: -1 is out of range 0–3600" },
  };
  g_autofree gchar *listen = g_strdup_printf ("unix:path=%s/host.sock", f->dir);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree gchar *yaml = g_strdup_printf ("export:\n  ws: %s\n", cases[i].config);
      g_autofree gchar *config = jmp_test_write_file (f->dir, "bad.yaml", yaml);
      g_autoptr(GSubprocess) host = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree gchar *err = NULL;

      host = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                               &error, g_getenv ("JMP_TEST_HOST"), "--listen", listen,
                               "--config", config, NULL);
      g_assert_no_error (error);
      g_subprocess_communicate_utf8 (host, NULL, NULL, NULL, &err, &error);
      g_assert_no_error (error);
      g_assert_false (g_subprocess_get_successful (host));
      if (err == NULL || strstr (err, cases[i].message) == NULL)
        g_error ("config %s: expected \"%s\" on stderr, got: %s", cases[i].config,
                 cases[i].message, err);
    }
}

/* keepalive pings are answered; address can be turned off */
static void
test_keepalive_and_address (Fixture *f, gconstpointer data)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(JmpNetworkProxy) hidden = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *address = NULL;
  guint8 buffer[4];

  fixture_start (f,
                 "  ws: {type: WebsocketNetwork, config: {url: \"ws://127.0.0.1:PORT/echo\", keepalive_interval: 1}}\n"
                 "  hidden: {type: WebsocketNetwork, config: {url: \"ws://127.0.0.1:PORT/echo\", enable_address: false}}\n");
  socket = open_stream (f, "ws");
  /* pings go out between our frames, the stream stays as it was */
  for (guint i = 0; i < 3; i++)
    {
      jmp_test_send_all (socket, (const guint8 *) "tick", 4);
      receive_exactly (socket, buffer, 4);
      g_assert_cmpmem (buffer, 4, "tick", 4);
      g_usleep (600 * 1000);
    }
  hidden = get_network (f, "hidden");
  address = jmp_network_proxy_get_address_sync (hidden, NULL, &error);
  g_assert_null (address);
  g_assert_error (error, JMP_ERROR, JMP_ERROR_ADDRESS_DISABLED);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  signal (SIGPIPE, SIG_IGN);
  server = ws_server_start (NULL, &server_port);

#define ADD(path, func) \
  g_test_add ("/websocket/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("seed-connect", test_seed_connect);
  ADD ("text-and-binary", test_text_and_binary);
  ADD ("large", test_large);
  ADD ("half-close", test_half_close);
  ADD ("close-codes", test_close_codes);
  ADD ("concurrent", test_concurrent);
  ADD ("stream-budget", test_stream_budget);
  ADD ("handshake-errors", test_handshake_errors);
  ADD ("wss", test_wss);
  ADD ("headers", test_headers);
  ADD ("back-pressure", test_back_pressure);
  ADD ("forward-tcp", test_forward_tcp);
  ADD ("bad-config", test_bad_config);
  ADD ("keepalive-and-address", test_keepalive_and_address);
#undef ADD

  status = g_test_run ();
  process_stop (server);
  g_object_unref (server);
  return status;
}
