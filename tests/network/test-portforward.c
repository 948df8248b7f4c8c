/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Port forwards end to end, on loopback only: JmpPortforward in this
 * process against a real host, and `jmp DRIVER forward-*` as a user runs
 * it. The targets are EchoNetwork, and echo servers this test runs behind
 * TcpNetwork, UnixNetwork and UdpNetwork.
 *
 * The forward runs on this thread's main context, so every client of an
 * in-process forward runs in a thread of its own while the main thread
 * iterates the context. Every wait has a generous hang guard, never a
 * timed assertion.
 */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "jmp-test-common.h"

#define HANG_GUARD_S 120
#define MIB (1024 * 1024)

static gchar *runtime_dir;

/* ---- threads the main context waits for ---------------------------------- */

typedef struct {
  GThreadFunc  func;
  gpointer     data;
  gint         done;
  GThread     *thread;
} Job;

static gpointer
job_main (gpointer user_data)
{
  Job *job = user_data;

  job->func (job->data);
  g_atomic_int_set (&job->done, 1);
  g_main_context_wakeup (NULL);
  return NULL;
}

static Job *
job_start (GThreadFunc func, gpointer data)
{
  Job *job = g_new0 (Job, 1);

  job->func = func;
  job->data = data;
  job->thread = g_thread_new ("test-job", job_main, job);
  return job;
}

static gboolean
hang_guard_cb (gpointer user_data)
{
  g_error ("no progress in %d s: %s", HANG_GUARD_S, (const gchar *) user_data);
  return G_SOURCE_REMOVE;
}

/* Iterates the main context (where the forward lives) until @job ends. */
static void
job_wait (Job *job)
{
  guint guard = g_timeout_add_seconds (HANG_GUARD_S, hang_guard_cb, (gpointer) "a client thread");

  while (!g_atomic_int_get (&job->done))
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (guard);
  g_thread_join (job->thread);
  g_free (job);
}

static void
run_job (GThreadFunc func, gpointer data)
{
  job_wait (job_start (func, data));
}

typedef gboolean (*Condition) (gpointer data);

static void
iterate_until (Condition condition, gpointer data, const gchar *what)
{
  guint guard = g_timeout_add_seconds (HANG_GUARD_S, hang_guard_cb, (gpointer) what);

  while (!condition (data))
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (guard);
}

static gboolean
forward_idle (gpointer data)
{
  return jmp_portforward_get_n_active (JMP_PORTFORWARD (data)) == 0;
}

/* ---- sockets ------------------------------------------------------------- */

static GSocket *
socket_connect (GSocketAddress *address)
{
  g_autoptr(GError) error = NULL;
  GSocket *socket = g_socket_new (g_socket_address_get_family (address), G_SOCKET_TYPE_STREAM,
                                  G_SOCKET_PROTOCOL_DEFAULT, &error);

  g_assert_no_error (error);
  /* a hang guard, not a deadline: nothing here waits that long */
  g_socket_set_timeout (socket, HANG_GUARD_S);
  g_socket_connect (socket, address, NULL, &error);
  g_assert_no_error (error);
  return socket;
}

static GSocket *
tcp_connect (const gchar *ip, guint16 port)
{
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new_from_string (ip, port);

  return socket_connect (address);
}

static GSocket *
unix_connect (const gchar *path)
{
  g_autoptr(GSocketAddress) address = g_unix_socket_address_new (path);

  return socket_connect (address);
}

static GSocket *
forward_connect (JmpPortforward *forward)
{
  return socket_connect (jmp_portforward_get_local_address (forward));
}

static GBytes *
receive_exact (GSocket *socket, gsize len)
{
  g_autoptr(GError) error = NULL;
  guint8 *data = g_malloc (len);
  gsize done = 0;

  while (done < len)
    {
      gssize n = g_socket_receive (socket, (gchar *) data + done, len - done, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpint (n, >, 0);
      done += n;
    }
  return g_bytes_new_take (data, len);
}

/* Sends @text and reads exactly as much back: the stream stays open. */
static void
assert_echo (GSocket *socket, const gchar *text)
{
  g_autoptr(GBytes) reply = NULL;
  gsize len = strlen (text);

  jmp_test_send_all (socket, text, len);
  reply = receive_exact (socket, len);
  g_assert_cmpmem (g_bytes_get_data (reply, NULL), len, text, len);
}

/* Sends @payload, closes for writing, and still gets all of it back, then EOF. */
static void
assert_echo_half_close (GSocket *socket, GBytes *payload)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) reply = NULL;

  jmp_test_send_all (socket, g_bytes_get_data (payload, NULL), g_bytes_get_size (payload));
  g_socket_shutdown (socket, FALSE, TRUE, &error);
  g_assert_no_error (error);
  reply = jmp_test_receive_to_eof (socket);
  g_assert_cmpuint (g_bytes_get_size (reply), ==, g_bytes_get_size (payload));
  g_assert_true (g_bytes_equal (reply, payload));
}

static guint64
prng_next (guint64 *state)
{
  guint64 x = *state;

  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *state = x;
  return x * G_GUINT64_CONSTANT (0x2545F4914F6CDD1D);
}

static void
prng_fill (guint64 *state, guint8 *data, gsize len)
{
  for (gsize i = 0; i < len; i += 8)
    {
      guint64 v = prng_next (state);
      memcpy (data + i, &v, MIN (8, len - i));
    }
}

static GBytes *
random_bytes (gsize len, guint64 seed)
{
  guint8 *data = g_malloc (len);
  guint64 state = seed | 1;

  prng_fill (&state, data, len);
  return g_bytes_new_take (data, len);
}

/* ---- large transfers: a writer and a reader thread ------------------------ */

typedef struct {
  GSocket   *socket;
  gsize      total;
  guint64    seed;
  GChecksum *sent;
  GChecksum *received;
  gsize      n_received;
} Transfer;

static gpointer
transfer_writer (gpointer user_data)
{
  Transfer *t = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *chunk = g_malloc (256 * 1024);
  guint64 state = t->seed | 1;
  gsize done = 0;

  while (done < t->total)
    {
      gsize len = MIN (256 * 1024, t->total - done);

      prng_fill (&state, chunk, len);
      g_checksum_update (t->sent, chunk, len);
      jmp_test_send_all (t->socket, chunk, len);
      done += len;
    }
  g_socket_shutdown (t->socket, FALSE, TRUE, &error);
  g_assert_no_error (error);
  return NULL;
}

static gpointer
transfer_reader (gpointer user_data)
{
  Transfer *t = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *chunk = g_malloc (256 * 1024);
  gssize n;

  while ((n = g_socket_receive (t->socket, (gchar *) chunk, 256 * 1024, NULL, &error)) > 0)
    {
      g_checksum_update (t->received, chunk, n);
      t->n_received += n;
    }
  g_assert_no_error (error);
  return NULL;
}

/* @total bytes out and the same bytes back through an echoing target,
 * compared by a running checksum, not by keeping both copies. */
static void
assert_echo_transfer (GSocket *socket, gsize total)
{
  Transfer t = {
    .socket = socket,
    .total = total,
    .seed = g_test_rand_int () + ((guint64) total << 32),
    .sent = g_checksum_new (G_CHECKSUM_SHA256),
    .received = g_checksum_new (G_CHECKSUM_SHA256),
  };
  Job *writer = job_start (transfer_writer, &t);
  Job *reader = job_start (transfer_reader, &t);

  job_wait (writer);
  job_wait (reader);
  g_assert_cmpuint (t.n_received, ==, total);
  g_assert_cmpstr (g_checksum_get_string (t.received), ==, g_checksum_get_string (t.sent));
  g_checksum_free (t.sent);
  g_checksum_free (t.received);
}

/* ---- echo servers: the targets behind TcpNetwork and friends -------------- */

typedef struct {
  GSocket      *listener;
  GCancellable *cancellable;
  GThread      *thread;
  GMutex        lock;
  GPtrArray    *workers;
  guint         n_accepted;
  gint          abort_index;   /* this connection is cut with a RST ... */
  gsize         abort_after;   /* ... once it has echoed this much */
  guint16       port;
  gchar        *path;
} EchoServer;

typedef struct {
  EchoServer *server;
  GSocket    *socket;
  guint       index;
} EchoConnection;

static gboolean
echo_send_all (GSocket *socket, const gchar *data, gsize len, GCancellable *cancellable)
{
  gsize done = 0;

  while (done < len)
    {
      gssize n = g_socket_send (socket, data + done, len - done, cancellable, NULL);
      if (n <= 0)
        return FALSE;
      done += n;
    }
  return TRUE;
}

static gpointer
echo_connection_main (gpointer user_data)
{
  EchoConnection *conn = user_data;
  EchoServer *server = conn->server;
  g_autofree gchar *buffer = g_malloc (65536);
  gsize total = 0;
  gssize n;

  while ((n = g_socket_receive (conn->socket, buffer, 65536, server->cancellable, NULL)) > 0)
    {
      if (!echo_send_all (conn->socket, buffer, n, server->cancellable))
        break;
      total += n;
      if ((gint) conn->index == server->abort_index && total >= server->abort_after)
        {
          /* vanish: an abortive close, RST instead of FIN */
          struct linger linger = { .l_onoff = 1, .l_linger = 0 };

          setsockopt (g_socket_get_fd (conn->socket), SOL_SOCKET, SO_LINGER,
                      &linger, sizeof linger);
          break;
        }
    }
  if (n == 0)
    g_socket_shutdown (conn->socket, FALSE, TRUE, NULL);
  g_socket_close (conn->socket, NULL);
  g_object_unref (conn->socket);
  g_free (conn);
  return NULL;
}

static gpointer
echo_server_accept_main (gpointer user_data)
{
  EchoServer *server = user_data;

  for (;;)
    {
      EchoConnection *conn;
      GSocket *socket = g_socket_accept (server->listener, server->cancellable, NULL);

      if (socket == NULL)
        break;
      conn = g_new0 (EchoConnection, 1);
      conn->server = server;
      conn->socket = socket;
      g_mutex_lock (&server->lock);
      conn->index = server->n_accepted++;
      g_ptr_array_add (server->workers, g_thread_new ("echo-conn", echo_connection_main, conn));
      g_mutex_unlock (&server->lock);
    }
  return NULL;
}

static gpointer
echo_server_datagram_main (gpointer user_data)
{
  EchoServer *server = user_data;
  g_autofree gchar *buffer = g_malloc (65536);

  for (;;)
    {
      g_autoptr(GSocketAddress) from = NULL;
      gssize n = g_socket_receive_from (server->listener, &from, buffer, 65536,
                                        server->cancellable, NULL);
      if (n < 0)
        break;
      g_mutex_lock (&server->lock);
      server->n_accepted++;
      g_mutex_unlock (&server->lock);
      g_socket_send_to (server->listener, from, buffer, n, NULL, NULL);
    }
  return NULL;
}

/* Serves on @listener, bound already (and listening, for a stream). */
static EchoServer *
echo_server_start (GSocket *listener)
{
  EchoServer *server = g_new0 (EchoServer, 1);
  g_autoptr(GSocketAddress) local = g_socket_get_local_address (listener, NULL);
  gboolean datagram = g_socket_get_socket_type (listener) == G_SOCKET_TYPE_DATAGRAM;

  server->listener = g_object_ref (listener);
  server->cancellable = g_cancellable_new ();
  server->workers = g_ptr_array_new ();
  server->abort_index = -1;
  g_mutex_init (&server->lock);
  if (G_IS_INET_SOCKET_ADDRESS (local))
    server->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  server->thread = g_thread_new ("echo-server",
                                 datagram ? echo_server_datagram_main : echo_server_accept_main,
                                 server);
  return server;
}

static GSocket *
inet_listener_new (GSocketType type, const gchar *ip, gboolean listen)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new_from_string (ip, 0);
  GSocket *socket = g_socket_new (g_socket_address_get_family (address), type,
                                  G_SOCKET_PROTOCOL_DEFAULT, &error);

  g_assert_no_error (error);
  g_socket_bind (socket, address, FALSE, &error);
  g_assert_no_error (error);
  if (listen)
    {
      g_socket_set_listen_backlog (socket, 128);
      g_socket_listen (socket, &error);
      g_assert_no_error (error);
    }
  return socket;
}

static guint16
socket_port (GSocket *socket)
{
  g_autoptr(GSocketAddress) local = g_socket_get_local_address (socket, NULL);

  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
}

static EchoServer *
echo_server_new_tcp (void)
{
  g_autoptr(GSocket) listener = inet_listener_new (G_SOCKET_TYPE_STREAM, "127.0.0.1", TRUE);

  return echo_server_start (listener);
}

static EchoServer *
echo_server_new_udp (void)
{
  g_autoptr(GSocket) socket = inet_listener_new (G_SOCKET_TYPE_DATAGRAM, "127.0.0.1", FALSE);

  return echo_server_start (socket);
}

static EchoServer *
echo_server_new_unix (const gchar *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) address = g_unix_socket_address_new (path);
  g_autoptr(GSocket) listener = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM,
                                              G_SOCKET_PROTOCOL_DEFAULT, &error);
  EchoServer *server;

  g_assert_no_error (error);
  g_socket_bind (listener, address, FALSE, &error);
  g_assert_no_error (error);
  g_socket_listen (listener, &error);
  g_assert_no_error (error);
  server = echo_server_start (listener);
  server->path = g_strdup (path);
  return server;
}

static guint
echo_server_get_n_accepted (EchoServer *server)
{
  guint n;

  g_mutex_lock (&server->lock);
  n = server->n_accepted;
  g_mutex_unlock (&server->lock);
  return n;
}

static void
echo_server_stop (EchoServer *server)
{
  g_cancellable_cancel (server->cancellable);
  g_thread_join (server->thread);
  for (guint i = 0; i < server->workers->len; i++)
    g_thread_join (g_ptr_array_index (server->workers, i));
  g_ptr_array_unref (server->workers);
  g_socket_close (server->listener, NULL);
  g_object_unref (server->listener);
  g_object_unref (server->cancellable);
  g_mutex_clear (&server->lock);
  if (server->path != NULL)
    g_unlink (server->path);
  g_free (server->path);
  g_free (server);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EchoServer, echo_server_stop)

/* ---- a host per test ----------------------------------------------------- */

static const gchar *echo_yaml =
  "apiVersion: jumpstarter.dev/v1alpha1\n"
  "kind: ExporterConfig\n"
  "metadata: {name: forward-bench}\n"
  "export:\n"
  "  echo: {type: EchoNetwork}\n";

/* and a datagram driver, for the commands only it is offered */
static const gchar *echo_udp_yaml =
  "export:\n"
  "  echo: {type: EchoNetwork}\n"
  "  udp: {type: UdpNetwork, config: {host: 127.0.0.1, port: 9}}\n";

typedef struct {
  gchar       *dir;
  JmpTestHost *host;
  JmpClient   *client;
} Fixture;

static void
fixture_start_host (Fixture *f, const gchar *yaml)
{
  g_autofree gchar *config = jmp_test_write_file (f->dir, "bench.yaml", yaml);

  g_assert_null (f->host);
  f->host = jmp_test_host_new (config, NULL);
  f->client = jmp_test_host_connect (f->host);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->dir = jmp_test_mkdtemp ();
  if (data != NULL)
    fixture_start_host (f, data);
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

static JmpNetworkProxy *
get_network (Fixture *f, const gchar *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JmpDriverProxy) driver = jmp_client_get_driver (f->client, name, &error);

  g_assert_no_error (error);
  g_assert_nonnull (jmp_driver_proxy_get_network (driver));
  return g_object_ref (jmp_driver_proxy_get_network (driver));
}

static const gchar *
host_address (Fixture *f)
{
  return jmp_test_host_get_address (f->host);
}

/* ---- jmp as a child process ---------------------------------------------- */

typedef struct {
  GSubprocess      *process;
  GDataInputStream *out;
  gchar            *line;    /* what it printed first */
  gint              status;
  gchar            *rest;    /* stdout after the first line */
  gchar            *err;
} JmpProc;

static void
jmp_proc_free (JmpProc *p)
{
  if (p->process != NULL && g_subprocess_get_identifier (p->process) != NULL)
    {
      g_subprocess_force_exit (p->process);
      g_subprocess_wait (p->process, NULL, NULL);
    }
  g_clear_object (&p->process);
  g_clear_object (&p->out);
  g_free (p->line);
  g_free (p->rest);
  g_free (p->err);
  g_free (p);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (JmpProc, jmp_proc_free)

static void
read_line_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  JmpProc *p = user_data;

  p->line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), res,
                                                       NULL, NULL);
  if (p->line == NULL)
    p->line = g_strdup ("");   /* EOF: it exited without a word */
}

/* Runs `@prefix… jmp @args…` with $JUMPSTARTER_HOST set to @address in
 * its environment; with @wait_line, returns once it printed its first line. */
static JmpProc *
jmp_proc_startv (const gchar         *address,
                 gboolean             wait_line,
                 const gchar * const *prefix,
                 const gchar * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  JmpProc *p = g_new0 (JmpProc, 1);

  g_assert_nonnull (g_getenv ("JMP_TEST_CLI"));
  for (guint i = 0; prefix != NULL && prefix[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (prefix[i]));
  /* env(1) puts it in the child's environment alone, without a setenv()
   * in this threaded process */
  g_ptr_array_add (argv, g_strdup ("/usr/bin/env"));
  g_ptr_array_add (argv, g_strdup_printf ("%s=%s", JMP_HOST_ENV, address));
  g_ptr_array_add (argv, g_strdup (g_getenv ("JMP_TEST_CLI")));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);

  p->process = jmp_test_spawnv (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE |
                                G_SUBPROCESS_FLAGS_STDIN_INHERIT,
                                (const gchar * const *) argv->pdata, &error);
  g_assert_no_error (error);
  p->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (p->process));
  if (wait_line)
    {
      guint guard = g_timeout_add_seconds (HANG_GUARD_S, hang_guard_cb,
                                           (gpointer) "the first line of jmp");

      g_data_input_stream_read_line_async (p->out, G_PRIORITY_DEFAULT, NULL, read_line_cb, p);
      while (p->line == NULL)
        g_main_context_iteration (NULL, TRUE);
      g_source_remove (guard);
    }
  return p;
}

static JmpProc *
jmp_proc_start (const gchar *address, gboolean wait_line, const gchar *first, ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  const gchar *arg;
  va_list ap;

  va_start (ap, first);
  for (arg = first; arg != NULL; arg = va_arg (ap, const gchar *))
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  return jmp_proc_startv (address, wait_line, NULL, (const gchar * const *) args->pdata);
}

static gchar *
read_all (GInputStream *stream)
{
  g_autoptr(GError) error = NULL;
  GString *text = g_string_new (NULL);
  gchar buffer[4096];
  gssize n;

  while ((n = g_input_stream_read (stream, buffer, sizeof buffer, NULL, &error)) > 0)
    g_string_append_len (text, buffer, n);
  g_assert_no_error (error);
  return g_string_free (text, FALSE);
}

static void
wait_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_subprocess_wait_finish (G_SUBPROCESS (source), res, NULL);
  *(gboolean *) user_data = TRUE;
}

/* Sends @signum (unless 0), waits for the end and collects its output. */
static void
jmp_proc_finish (JmpProc *p, gint signum)
{
  gboolean done = FALSE;

  if (signum != 0)
    g_subprocess_send_signal (p->process, signum);
  g_subprocess_wait_async (p->process, NULL, wait_cb, &done);
  jmp_test_wait_flag (&done, HANG_GUARD_S * 1000);
  if (g_subprocess_get_if_exited (p->process))
    p->status = g_subprocess_get_exit_status (p->process);
  else
    p->status = 128 + g_subprocess_get_term_sig (p->process);
  p->rest = read_all (G_INPUT_STREAM (p->out));
  p->err = read_all (g_subprocess_get_stderr_pipe (p->process));
  g_test_message ("jmp exited with %d; stdout: %s%s; stderr: %s", p->status,
                  p->line != NULL ? p->line : "", p->rest, p->err);
}

static guint16
parse_port (const gchar *line, const gchar *prefix)
{
  guint64 port = 0;

  g_assert_true (g_str_has_prefix (line, prefix));
  g_assert_true (g_ascii_string_to_unsigned (line + strlen (prefix), 10, 1, 65535, &port, NULL));
  return port;
}

/* Runs jmp to its end with no input; returns its status. */
static gint
jmp_run (const gchar *address, gchar **out, gchar **err, const gchar * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;

  g_ptr_array_add (argv, g_strdup ("/usr/bin/env"));
  g_ptr_array_add (argv, g_strdup_printf ("%s=%s", JMP_HOST_ENV, address));
  g_ptr_array_add (argv, g_strdup (g_getenv ("JMP_TEST_CLI")));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);
  process = jmp_test_spawnv (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                             (const gchar * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, out, err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  return g_subprocess_get_exit_status (process);
}

/* ==== the library in this process ========================================= */

typedef struct {
  JmpPortforward *forward;
  const gchar    *ip;
} ClientJob;

static gpointer
roundtrip_job (gpointer user_data)
{
  ClientJob *job = user_data;
  g_autoptr(GSocket) socket = tcp_connect (job->ip, jmp_portforward_get_port (job->forward));
  g_autoptr(GBytes) payload = random_bytes (64 * 1024, 7);

  assert_echo (socket, "hello");
  assert_echo (socket, "and again");
  /* half-close: the whole reply still comes, then EOF */
  assert_echo_half_close (socket, payload);
  return NULL;
}

static void
test_tcp_echo (Fixture *f, gconstpointer data)
{
  g_autoptr(JmpNetworkProxy) echo = get_network (f, "echo");
  g_autoptr(GError) error = NULL;
  g_autoptr(JmpPortforward) forward = jmp_portforward_new_tcp (echo, NULL, 0, &error);
  g_autoptr(JmpPortforward) forward6 = NULL;
  g_autofree gchar *display = NULL;
  g_autofree gchar *expected = NULL;
  g_autofree gchar *display6 = NULL;
  g_autofree gchar *expected6 = NULL;
  ClientJob job = { forward, "127.0.0.1" };
  ClientJob job6 = { NULL, "::1" };

  g_assert_no_error (error);
  g_assert_cmpint (jmp_portforward_get_kind (forward), ==, JMP_PORTFORWARD_TCP);
  g_assert_cmpuint (jmp_portforward_get_port (forward), >, 0);
  display = jmp_portforward_get_display_address (forward);
  expected = g_strdup_printf ("127.0.0.1:%u", jmp_portforward_get_port (forward));
  g_assert_cmpstr (display, ==, expected);
  g_assert_null (jmp_portforward_get_path (forward));

  run_job (roundtrip_job, &job);
  run_job (roundtrip_job, &job);
  g_assert_cmpuint (jmp_portforward_get_n_accepted (forward), ==, 2);
  g_assert_cmpuint (jmp_portforward_get_n_failed (forward), ==, 0);
  iterate_until (forward_idle, forward, "the forwarded connections to end");

  /* IPv6 loopback, printed in brackets */
  forward6 = jmp_portforward_new_tcp (echo, "::1", 0, &error);
  g_assert_no_error (error);
  display6 = jmp_portforward_get_display_address (forward6);
  expected6 = g_strdup_printf ("[::1]:%u", jmp_portforward_get_port (forward6));
  g_assert_cmpstr (display6, ==, expected6);
  job6.forward = forward6;
  run_job (roundtrip_job, &job6);
  g_assert_cmpuint (jmp_portforward_get_n_accepted (forward6), ==, 1);
}

typedef struct {
  JmpPortforward *forward;
  GSocket        *socket;
} SocketJob;

static gpointer
connect_job (gpointer user_data)
{
  SocketJob *job = user_data;

  job->socket = forward_connect (job->forward);
  return NULL;
}

static void
check_large (JmpPortforward *forward, gsize total)
{
  SocketJob job = { forward, NULL };

  run_job (connect_job, &job);
  assert_echo_transfer (job.socket, total);
  g_object_unref (job.socket);
  iterate_until (forward_idle, forward, "the forwarded connection to end");
}

static void
test_tcp_large (Fixture *f, gconstpointer data)
{
  g_autoptr(JmpNetworkProxy) echo = get_network (f, "echo");
  g_autoptr(GError) error = NULL;
  g_autoptr(JmpPortforward) forward = jmp_portforward_new_tcp (echo, "127.0.0.1", 0, &error);

  g_assert_no_error (error);
  check_large (forward, 1 * MIB);
  check_large (forward, 100 * MIB);
  g_assert_cmpuint (jmp_portforward_get_n_failed (forward), ==, 0);
}

#define N_CONCURRENT 500

typedef struct {
  JmpPortforward *forward;
  GSocket        *sockets[N_CONCURRENT];
  GBytes         *payloads[N_CONCURRENT];
} Concurrent;

static gpointer
concurrent_connect_job (gpointer user_data)
{
  Concurrent *c = user_data;

  for (guint i = 0; i < N_CONCURRENT; i++)
    c->sockets[i] = forward_connect (c->forward);
  return NULL;
}

static gpointer
concurrent_echo_job (gpointer user_data)
{
  Concurrent *c = user_data;

  /* every one writes first, so all are mid-stream together */
  for (guint i = 0; i < N_CONCURRENT; i++)
    {
      g_autoptr(GError) error = NULL;

      jmp_test_send_all (c->sockets[i], g_bytes_get_data (c->payloads[i], NULL),
                g_bytes_get_size (c->payloads[i]));
      g_socket_shutdown (c->sockets[i], FALSE, TRUE, &error);
      g_assert_no_error (error);
    }
  for (guint i = 0; i < N_CONCURRENT; i++)
    {
      g_autoptr(GBytes) reply = jmp_test_receive_to_eof (c->sockets[i]);
      g_assert_true (g_bytes_equal (reply, c->payloads[i]));
    }
  return NULL;
}

static gboolean
concurrent_all_active (gpointer data)
{
  return jmp_portforward_get_n_active (JMP_PORTFORWARD (data)) == N_CONCURRENT;
}

static void
test_tcp_concurrent (Fixture *f, gconstpointer data)
{
  g_autoptr(JmpNetworkProxy) echo = get_network (f, "echo");
  g_autoptr(GError) error = NULL;
  g_autoptr(JmpPortforward) forward = jmp_portforward_new_tcp (echo, "127.0.0.1", 0, &error);
  g_autofree Concurrent *c = g_new0 (Concurrent, 1);
  GPid pid = jmp_test_host_get_pid (f->host);
  guint host_baseline = jmp_test_count_fds (pid);

  g_assert_no_error (error);
  c->forward = forward;
  for (guint i = 0; i < N_CONCURRENT; i++)
    {
      /* each its own bytes and length, its index first */
      GByteArray *payload = g_bytes_unref_to_array (random_bytes (1000 + i * 7, i + 1));
      memcpy (payload->data, &i, sizeof i);
      c->payloads[i] = g_byte_array_free_to_bytes (payload);
    }

  run_job (concurrent_connect_job, c);
  /* all of them open at once: accepted, each with its own stream */
  iterate_until (concurrent_all_active, forward, "500 connections to be accepted");
  g_assert_cmpuint (jmp_portforward_get_n_accepted (forward), ==, N_CONCURRENT);
  run_job (concurrent_echo_job, c);

  for (guint i = 0; i < N_CONCURRENT; i++)
    {
      g_object_unref (c->sockets[i]);
      g_bytes_unref (c->payloads[i]);
    }
  iterate_until (forward_idle, forward, "500 connections to end");
  g_assert_cmpuint (jmp_portforward_get_n_failed (forward), ==, 0);
  g_assert_cmpuint (jmp_test_wait_fds_at_most (pid, host_baseline, HANG_GUARD_S * 1000), <=,
                    host_baseline);
}


static gpointer
echo_job (gpointer user_data)
{
  SocketJob *job = user_data;

  assert_echo (job->socket, "still there?");
  return NULL;
}

static gpointer
closed_by_peer_job (gpointer user_data)
{
  SocketJob *job = user_data;
  g_autoptr(GError) error = NULL;
  gchar byte;
  gssize n = g_socket_receive (job->socket, &byte, 1, NULL, &error);

  /* FIN, or RST when bytes were left unread: either way no data, no hang */
  if (n < 0)
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
  else
    g_assert_cmpint (n, ==, 0);
  return NULL;
}

static gboolean
forward_has_three (gpointer data)
{
  return jmp_portforward_get_n_active (JMP_PORTFORWARD (data)) == 3;
}

/* close() ends the connections it relays, stops listening, lets go of
 * every fd; closing again does nothing */
static gboolean
fds_back_to (gpointer data)
{
  /* at most: an fd open at the baseline (a worker's) may have gone too */
  return jmp_test_count_fds (0) <= GPOINTER_TO_UINT (data);
}

static void
test_tcp_close (Fixture *f, gconstpointer data)
{
  g_autoptr(JmpNetworkProxy) echo = get_network (f, "echo");
  g_autoptr(GError) error = NULL;
  g_autoptr(JmpPortforward) forward = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GSocket) probe = NULL;
  guint baseline = jmp_test_count_fds (0);
  SocketJob jobs[3];

  forward = jmp_portforward_new_tcp (echo, "127.0.0.1", 0, &error);
  g_assert_no_error (error);
  address = g_object_ref (jmp_portforward_get_local_address (forward));
  for (guint i = 0; i < G_N_ELEMENTS (jobs); i++)
    {
      jobs[i] = (SocketJob) { forward, NULL };
      run_job (connect_job, &jobs[i]);
      run_job (echo_job, &jobs[i]);
    }
  iterate_until (forward_has_three, forward, "three connections");

  jmp_portforward_close (forward);
  g_assert_cmpuint (jmp_portforward_get_n_active (forward), ==, 0);
  jmp_portforward_close (forward);
  for (guint i = 0; i < G_N_ELEMENTS (jobs); i++)
    {
      run_job (closed_by_peer_job, &jobs[i]);
      g_object_unref (jobs[i].socket);
    }

  probe = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_assert_false (g_socket_connect (probe, address, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_clear_object (&probe);
  /* a reply to a Connect() cancelled by the close may still bring its fd
   * in, to be dropped when it is dispatched */
  iterate_until (fds_back_to, GUINT_TO_POINTER (baseline), "the fds of the closed forward to go");
}

static void
assert_in_use (JmpPortforward *forward, GError *error, const gchar *where)
{
  g_autofree gchar *expected = g_strdup_printf ("cannot listen on %s: address already in use", where);

  g_assert_null (forward);
  g_assert_error (error, JMP_ERROR, JMP_ERROR_UNAVAILABLE);
  g_assert_cmpstr (error->message, ==, expected);
}

/* Another program's socket on the port: an error, never a second listener,
 * even when that socket allows SO_REUSEPORT. */
static void
check_port_in_use (JmpNetworkProxy *network, GSocketType type, const gchar *ip, gboolean reuse)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new_from_string (ip, 0);
  g_autoptr(GSocket) occupant = g_socket_new (g_socket_address_get_family (any), type,
                                              G_SOCKET_PROTOCOL_DEFAULT, &error);
  g_autoptr(JmpPortforward) forward = NULL;
  g_autofree gchar *where = NULL;
  guint16 port;

  g_assert_no_error (error);
  if (reuse)
    {
      g_socket_set_option (occupant, SOL_SOCKET, SO_REUSEADDR, 1, &error);
      g_assert_no_error (error);
      g_socket_set_option (occupant, SOL_SOCKET, SO_REUSEPORT, 1, &error);
      g_assert_no_error (error);
    }
  g_socket_bind (occupant, any, FALSE, &error);
  g_assert_no_error (error);
  if (type == G_SOCKET_TYPE_STREAM)
    {
      g_socket_listen (occupant, &error);
      g_assert_no_error (error);
    }
  port = socket_port (occupant);
  where = strchr (ip, ':') != NULL ? g_strdup_printf ("[%s]:%u", ip, port)
                                   : g_strdup_printf ("%s:%u", ip, port);

  if (type == G_SOCKET_TYPE_STREAM)
    forward = jmp_portforward_new_tcp (network, ip, port, &error);
  else
    forward = jmp_portforward_new_udp (network, ip, port, &error);
  assert_in_use (forward, error, where);
}

static void
test_tcp_port_in_use (Fixture *f, gconstpointer data)
{
  g_autoptr(JmpNetworkProxy) echo = get_network (f, "echo");

  check_port_in_use (echo, G_SOCKET_TYPE_STREAM, "127.0.0.1", FALSE);
  check_port_in_use (echo, G_SOCKET_TYPE_STREAM, "127.0.0.1", TRUE);
  check_port_in_use (echo, G_SOCKET_TYPE_STREAM, "::1", FALSE);
}

static void
test_udp_port_in_use (Fixture *f, gconstpointer data)
{
  g_autoptr(JmpNetworkProxy) echo = get_network (f, "echo");

  check_port_in_use (echo, G_SOCKET_TYPE_DATAGRAM, "127.0.0.1", FALSE);
  check_port_in_use (echo, G_SOCKET_TYPE_DATAGRAM, "127.0.0.1", TRUE);
}

/* ---- Unix sockets -------------------------------------------------------- */

static gpointer
unix_roundtrip_job (gpointer user_data)
{
  g_autoptr(GSocket) socket = unix_connect (user_data);
  g_autoptr(GBytes) payload = random_bytes (100 * 1000, 3);

  assert_echo (socket, "over a unix socket");
  assert_echo_half_close (socket, payload);
  return NULL;
}

static void
assert_private_socket (const gchar *path)
{
  GStatBuf st;

  g_assert_cmpint (g_lstat (path, &st), ==, 0);
  g_assert_true (S_ISSOCK (st.st_mode));
  g_assert_cmpuint (st.st_mode & 07777, ==, 0600);
}

static void
test_unix_default_path (Fixture *f, gconstpointer data)
{
  g_autoptr(JmpNetworkProxy) echo = get_network (f, "echo");
  g_autoptr(GError) error = NULL;
  g_autoptr(JmpPortforward) forward = jmp_portforward_new_unix (echo, NULL, &error);
  g_autofree gchar *prefix = g_build_filename (runtime_dir, "jumpstarter-", NULL);
  g_autofree gchar *path = NULL;
  g_autofree gchar *dir = NULL;
  g_autofree gchar *display = NULL;
  GStatBuf st;

  g_assert_no_error (error);
  g_assert_cmpint (jmp_portforward_get_kind (forward), ==, JMP_PORTFORWARD_UNIX);
  g_assert_cmpuint (jmp_portforward_get_port (forward), ==, 0);
  path = g_strdup (jmp_portforward_get_path (forward));
  display = jmp_portforward_get_display_address (forward);
  g_assert_cmpstr (display, ==, path);
  g_assert_true (g_str_has_prefix (path, prefix));
  g_assert_true (g_str_has_suffix (path, "/socket"));
  dir = g_path_get_dirname (path);
  g_assert_cmpint (g_stat (dir, &st), ==, 0);
  g_assert_cmpuint (st.st_mode & 07777, ==, 0700);
  assert_private_socket (path);

  run_job (unix_roundtrip_job, path);
  run_job (unix_roundtrip_job, path);
  g_assert_cmpuint (jmp_portforward_get_n_accepted (forward), ==, 2);

  jmp_portforward_close (forward);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
}

static void
test_unix_given_path (Fixture *f, gconstpointer data)
{
  g_autoptr(JmpNetworkProxy) echo = get_network (f, "echo");
  g_autoptr(GError) error = NULL;
  g_autofree gchar *path = g_build_filename (f->dir, "given.sock", NULL);
  g_autoptr(JmpPortforward) forward = jmp_portforward_new_unix (echo, path, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (jmp_portforward_get_path (forward), ==, path);
  assert_private_socket (path);
  run_job (unix_roundtrip_job, path);

  /* dropping the last reference closes it too */
  g_clear_object (&forward);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  /* the directory is the caller's */
  g_assert_true (g_file_test (f->dir, G_FILE_TEST_IS_DIR));
}

static void
test_unix_path_in_use (Fixture *f, gconstpointer data)
{
  g_autoptr(JmpNetworkProxy) echo = get_network (f, "echo");
  g_autoptr(GError) error = NULL;
  g_autofree gchar *file = jmp_test_write_file (f->dir, "taken", "keep me");
  g_autofree gchar *live = g_build_filename (f->dir, "live.sock", NULL);
  g_autofree gchar *contents = NULL;
  g_autoptr(JmpPortforward) first = NULL;
  g_autoptr(JmpPortforward) second = NULL;
  g_autoptr(JmpPortforward) third = NULL;

  /* a file that is there already stays as it is */
  first = jmp_portforward_new_unix (echo, file, &error);
  assert_in_use (first, error, file);
  g_clear_error (&error);
  g_assert_true (g_file_get_contents (file, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "keep me");

  /* so does the socket of another forward, which goes on serving */
  second = jmp_portforward_new_unix (echo, live, &error);
  g_assert_no_error (error);
  third = jmp_portforward_new_unix (echo, live, &error);
  assert_in_use (third, error, live);
  g_clear_error (&error);
  assert_private_socket (live);
  run_job (unix_roundtrip_job, live);
  jmp_portforward_close (second);
  g_assert_false (g_file_test (live, G_FILE_TEST_EXISTS));
}

/* ---- behind TcpNetwork, UnixNetwork, UdpNetwork --------------------------- */

/* seed: test_tcp_network_portforward */
static void
test_tcp_network_echo (Fixture *f, gconstpointer data)
{
  g_autoptr(EchoServer) server = echo_server_new_tcp ();
  g_autofree gchar *yaml = g_strdup_printf (
    "export:\n"
    "  tcp: {type: TcpNetwork, config: {host: 127.0.0.1, port: %u}}\n", server->port);
  g_autoptr(JmpNetworkProxy) tcp = NULL;
  g_autoptr(JmpPortforward) forward = NULL;
  g_autoptr(GError) error = NULL;
  ClientJob job = { NULL, "127.0.0.1" };

  fixture_start_host (f, yaml);
  tcp = get_network (f, "tcp");
  forward = jmp_portforward_new_tcp (tcp, NULL, 0, &error);
  g_assert_no_error (error);
  job.forward = forward;
  run_job (roundtrip_job, &job);
  check_large (forward, 1 * MIB);
  check_large (forward, 100 * MIB);
  g_assert_cmpuint (echo_server_get_n_accepted (server), ==, 3);
  g_assert_cmpuint (jmp_portforward_get_n_failed (forward), ==, 0);
}

/* seed: test_unix_network_portforward */
static void
test_unix_network_echo (Fixture *f, gconstpointer data)
{
  g_autofree gchar *target = g_build_filename (f->dir, "target.sock", NULL);
  g_autoptr(EchoServer) server = echo_server_new_unix (target);
  g_autofree gchar *yaml = g_strdup_printf (
    "export:\n"
    "  unix: {type: UnixNetwork, config: {path: \"%s\"}}\n", target);
  g_autoptr(JmpNetworkProxy) unix_network = NULL;
  g_autoptr(JmpPortforward) forward = NULL;
  g_autoptr(GError) error = NULL;

  fixture_start_host (f, yaml);
  unix_network = get_network (f, "unix");
  forward = jmp_portforward_new_unix (unix_network, NULL, &error);
  g_assert_no_error (error);
  run_job (unix_roundtrip_job, (gpointer) jmp_portforward_get_path (forward));
  g_assert_cmpuint (echo_server_get_n_accepted (server), ==, 1);
}

typedef struct {
  GSocket *listener;
  GSocket *accepted;
} SilentTarget;

static gboolean
silent_target_accepted (gpointer data)
{
  SilentTarget *target = data;

  if (target->accepted == NULL)
    target->accepted = g_socket_accept (target->listener, NULL, NULL);
  return target->accepted != NULL;
}

static gboolean
silent_target_got_eof (gpointer data)
{
  SilentTarget *target = data;
  gchar byte;

  return g_socket_receive (target->accepted, &byte, 1, NULL, NULL) == 0;
}

/* A local client that sends EOF and goes away at once, to a target that
 * keeps its end open and says nothing: the client's socket hangs up for
 * good, and nothing can reach it any more. The connection ends instead of
 * waking the main loop on every iteration. */
static void
test_unix_network_client_hangs_up (Fixture *f, gconstpointer data)
{
  g_autofree gchar *path = g_build_filename (f->dir, "silent.sock", NULL);
  g_autofree gchar *yaml = g_strdup_printf (
    "export:\n"
    "  unix: {type: UnixNetwork, config: {path: \"%s\"}}\n", path);
  g_autoptr(GSocketAddress) address = g_unix_socket_address_new (path);
  g_autoptr(JmpNetworkProxy) unix_network = NULL;
  g_autoptr(JmpPortforward) forward = NULL;
  g_autoptr(GSocket) client = NULL;
  g_autoptr(GError) error = NULL;
  SilentTarget target = { NULL, NULL };
  guint iterations = 0;

  target.listener = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM,
                                  G_SOCKET_PROTOCOL_DEFAULT, &error);
  g_assert_no_error (error);
  g_socket_bind (target.listener, address, FALSE, &error);
  g_assert_no_error (error);
  g_socket_listen (target.listener, &error);
  g_assert_no_error (error);
  g_socket_set_blocking (target.listener, FALSE);

  fixture_start_host (f, yaml);
  unix_network = get_network (f, "unix");
  forward = jmp_portforward_new_unix (unix_network, NULL, &error);
  g_assert_no_error (error);

  client = unix_connect (jmp_portforward_get_path (forward));
  g_socket_close (client, &error);
  g_assert_no_error (error);

  iterate_until (silent_target_accepted, &target, "the target's connection");
  g_socket_set_blocking (target.accepted, FALSE);
  iterate_until (silent_target_got_eof, &target, "EOF at the target");

  /* bounded by a count, not a time: a relay that spins on the hung-up
   * socket dispatches on every iteration */
  while (jmp_portforward_get_n_active (forward) > 0)
    {
      g_assert_cmpuint (++iterations, <, 1000);
      g_main_context_iteration (NULL, TRUE);
    }
  g_assert_cmpuint (jmp_portforward_get_n_failed (forward), ==, 0);

  g_clear_object (&target.accepted);
  g_clear_object (&target.listener);
}

typedef struct {
  GSocket *socket;
  GBytes  *payload;
  gint     done;
} HangUpJob;

static gpointer
send_and_hang_up (gpointer data)
{
  HangUpJob *job = data;
  gsize len;
  const guint8 *bytes = g_bytes_get_data (job->payload, &len);

  jmp_test_send_all (job->socket, bytes, len);
  g_socket_close (job->socket, NULL);
  g_atomic_int_set (&job->done, 1);
  return NULL;
}

static gboolean
hang_up_job_done (gpointer data)
{
  return g_atomic_int_get (&((HangUpJob *) data)->done) == 1;
}

/* The client sends more than the target reads and hangs up while the
 * relay still holds its bytes: the hung-up socket must not wake the main
 * loop while the slow target drains, and the target still gets every byte. */
static void
test_unix_network_slow_reader_after_hang_up (Fixture *f, gconstpointer data)
{
  g_autofree gchar *path = g_build_filename (f->dir, "slow.sock", NULL);
  g_autofree gchar *yaml = g_strdup_printf (
    "export:\n"
    "  unix: {type: UnixNetwork, config: {path: \"%s\"}}\n", path);
  g_autoptr(GSocketAddress) address = g_unix_socket_address_new (path);
  g_autoptr(JmpNetworkProxy) unix_network = NULL;
  g_autoptr(JmpPortforward) forward = NULL;
  g_autoptr(GBytes) payload = random_bytes (1024 * 1024, 7);
  g_autoptr(GByteArray) received = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  SilentTarget target = { NULL, NULL };
  HangUpJob job = { NULL, payload, 0 };
  GThread *thread;
  guint busy = 0;
  guint8 chunk[65536];
  gssize n;

  target.listener = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM,
                                  G_SOCKET_PROTOCOL_DEFAULT, &error);
  g_assert_no_error (error);
  g_socket_bind (target.listener, address, FALSE, &error);
  g_assert_no_error (error);
  g_socket_listen (target.listener, &error);
  g_assert_no_error (error);
  g_socket_set_blocking (target.listener, FALSE);

  fixture_start_host (f, yaml);
  unix_network = get_network (f, "unix");
  forward = jmp_portforward_new_unix (unix_network, NULL, &error);
  g_assert_no_error (error);

  job.socket = unix_connect (jmp_portforward_get_path (forward));
  thread = g_thread_new ("client", send_and_hang_up, &job);
  /* neither the target's listener nor the client thread is a source of
   * this context: look after every iteration, without blocking in it */
  while (!silent_target_accepted (&target) || !hang_up_job_done (&job))
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  g_thread_join (thread);
  g_clear_object (&job.socket);

  /* the target has read nothing: the relay holds bytes and waits for it;
   * counted, not timed: a relay woken by the hung-up client dispatches on
   * every iteration */
  for (guint i = 0; i < 5000; i++)
    if (g_main_context_iteration (NULL, FALSE))
      busy++;
  g_assert_cmpuint (busy, <, 100);

  /* every byte still arrives, then EOF */
  g_socket_set_blocking (target.accepted, FALSE);
  for (;;)
    {
      n = g_socket_receive (target.accepted, (gchar *) chunk, sizeof chunk, NULL, &error);
      if (n == 0)
        break;
      if (n < 0)
        {
          g_assert_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
          g_clear_error (&error);
          g_main_context_iteration (NULL, TRUE);
          continue;
        }
      g_byte_array_append (received, chunk, n);
    }
  g_assert_cmpuint (received->len, ==, g_bytes_get_size (payload));
  g_assert_cmpmem (received->data, received->len, g_bytes_get_data (payload, NULL),
                   g_bytes_get_size (payload));
  iterate_until (forward_idle, forward, "the connection to end");
  g_assert_cmpuint (jmp_portforward_get_n_failed (forward), ==, 0);

  g_clear_object (&target.accepted);
  g_clear_object (&target.listener);
}

static void
connection_failed_cb (JmpPortforward *forward, const gchar *message, gpointer user_data)
{
  g_ptr_array_add (user_data, g_strdup (message));
}

static gboolean
has_one_failure (gpointer data)
{
  return ((GPtrArray *) data)->len == 1;
}

static gpointer
refused_job (gpointer user_data)
{
  SocketJob *job = user_data;

  job->socket = forward_connect (job->forward);
  closed_by_peer_job (job);
  g_clear_object (&job->socket);
  return NULL;
}

/* The target refuses: that connection is closed, the failure is signalled
 * and counted, and the listener serves the next one once the target is up. */
static void
test_tcp_network_refused (Fixture *f, gconstpointer data)
{
  /* bound but not listening: connecting is refused, and the port stays ours */
  g_autoptr(GSocket) target = inet_listener_new (G_SOCKET_TYPE_STREAM, "127.0.0.1", FALSE);
  guint16 port = socket_port (target);
  g_autofree gchar *yaml = g_strdup_printf (
    "export:\n"
    "  refused: {type: TcpNetwork, config: {host: 127.0.0.1, port: %u}}\n", port);
  g_autofree gchar *where = g_strdup_printf ("127.0.0.1:%u", port);
  g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(JmpNetworkProxy) network = NULL;
  g_autoptr(JmpPortforward) forward = NULL;
  g_autoptr(EchoServer) server = NULL;
  g_autoptr(GError) error = NULL;
  SocketJob refused = { NULL, NULL };
  ClientJob works = { NULL, "127.0.0.1" };

  fixture_start_host (f, yaml);
  network = get_network (f, "refused");
  forward = jmp_portforward_new_tcp (network, NULL, 0, &error);
  g_assert_no_error (error);
  g_signal_connect (forward, "connection-failed", G_CALLBACK (connection_failed_cb), messages);

  refused.forward = forward;
  run_job (refused_job, &refused);
  iterate_until (has_one_failure, messages, "connection-failed");
  g_test_message ("connection-failed: %s", (gchar *) messages->pdata[0]);
  g_assert_nonnull (strstr (messages->pdata[0], where));
  g_assert_cmpuint (jmp_portforward_get_n_failed (forward), ==, 1);
  g_assert_cmpuint (jmp_portforward_get_n_active (forward), ==, 0);

  /* the target comes up on its port: the same forward now works */
  g_socket_listen (target, &error);
  g_assert_no_error (error);
  server = echo_server_start (target);
  works.forward = forward;
  run_job (roundtrip_job, &works);
  g_assert_cmpuint (jmp_portforward_get_n_accepted (forward), ==, 2);
  g_assert_cmpuint (jmp_portforward_get_n_failed (forward), ==, 1);
  g_assert_cmpuint (messages->len, ==, 1);
}

typedef struct {
  GSocket *socket;
  gsize    budget;
  gsize    n;
} Flood;

static gpointer
flood_writer (gpointer user_data)
{
  Flood *flood = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) chunk = random_bytes (64 * 1024, 11);

  while (flood->n < flood->budget)
    {
      gssize n = g_socket_send (flood->socket, g_bytes_get_data (chunk, NULL),
                                g_bytes_get_size (chunk), NULL, &error);
      if (n < 0)
        break;
      flood->n += n;
    }
  /* it ended because the connection broke, not on the hang guard */
  g_assert_nonnull (error);
  g_assert_false (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT));
  return NULL;
}

static gpointer
flood_reader (gpointer user_data)
{
  Flood *flood = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *buffer = g_malloc (65536);
  gssize n;

  while ((n = g_socket_receive (flood->socket, buffer, 65536, NULL, &error)) > 0)
    flood->n += n;
  if (n < 0)
    g_assert_false (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT));
  return NULL;
}

static gboolean
forward_has_one (gpointer data)
{
  return jmp_portforward_get_n_active (JMP_PORTFORWARD (data)) == 1;
}

/* The target drops one connection mid-transfer: that forwarded connection
 * ends, a parallel one goes on. */
static void
test_tcp_network_target_vanishes (Fixture *f, gconstpointer data)
{
  g_autoptr(EchoServer) server = echo_server_new_tcp ();
  g_autofree gchar *yaml = g_strdup_printf (
    "export:\n"
    "  tcp: {type: TcpNetwork, config: {host: 127.0.0.1, port: %u}}\n", server->port);
  g_autoptr(JmpNetworkProxy) tcp = NULL;
  g_autoptr(JmpPortforward) forward = NULL;
  g_autoptr(GError) error = NULL;
  SocketJob keeps = { NULL, NULL };
  SocketJob drops = { NULL, NULL };
  Flood out = { NULL, 64 * MIB, 0 };
  Flood in = { NULL, 0, 0 };
  Job *writer, *reader;

  /* the second connection the server sees is cut after 256 KiB */
  server->abort_index = 1;
  server->abort_after = 256 * 1024;
  fixture_start_host (f, yaml);
  tcp = get_network (f, "tcp");
  forward = jmp_portforward_new_tcp (tcp, NULL, 0, &error);
  g_assert_no_error (error);

  keeps.forward = drops.forward = forward;
  run_job (connect_job, &keeps);
  run_job (echo_job, &keeps);
  run_job (connect_job, &drops);
  run_job (echo_job, &drops);
  g_assert_cmpuint (echo_server_get_n_accepted (server), ==, 2);

  out.socket = in.socket = drops.socket;
  writer = job_start (flood_writer, &out);
  reader = job_start (flood_reader, &in);
  job_wait (writer);
  job_wait (reader);
  g_test_message ("cut after %" G_GSIZE_FORMAT " bytes out, %" G_GSIZE_FORMAT " back",
                  out.n, in.n);
  g_assert_cmpuint (in.n, <, out.budget);
  g_object_unref (drops.socket);

  /* only that one ended */
  iterate_until (forward_has_one, forward, "the cut connection to end");
  assert_echo_transfer (keeps.socket, 4 * MIB);
  g_object_unref (keeps.socket);
  iterate_until (forward_idle, forward, "the last connection to end");
  g_assert_cmpuint (jmp_portforward_get_n_failed (forward), ==, 0);
}

typedef struct {
  GSocketAddress *forward;
} UdpPeersJob;

static GSocket *
udp_peer_new (void)
{
  GSocket *socket = inet_listener_new (G_SOCKET_TYPE_DATAGRAM, "127.0.0.1", FALSE);

  g_socket_set_timeout (socket, HANG_GUARD_S);
  return socket;
}

static void
udp_peer_exchange (GSocket *peer, GSocketAddress *forward, const gchar *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) from = NULL;
  gchar buffer[256];
  gssize n;

  g_socket_send_to (peer, forward, text, strlen (text), NULL, &error);
  g_assert_no_error (error);
  n = g_socket_receive_from (peer, &from, buffer, sizeof buffer, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (buffer, n, text, strlen (text));
  /* the reply comes from the forward's own address */
  g_assert_cmpuint (g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (from)), ==,
                    g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (forward)));
}

static gpointer
udp_peers_job (gpointer user_data)
{
  UdpPeersJob *job = user_data;
  g_autoptr(GSocket) one = udp_peer_new ();
  g_autoptr(GSocket) two = udp_peer_new ();

  for (guint round = 0; round < 5; round++)
    {
      g_autofree gchar *a = g_strdup_printf ("peer one, datagram %u", round);
      g_autofree gchar *b = g_strdup_printf ("peer two says %u", round);
      g_autoptr(GError) error = NULL;
      g_autoptr(GSocketAddress) from = NULL;
      gchar buffer[256];
      gssize n;

      /* both in flight at once: each reply goes to its own sender */
      g_socket_send_to (one, job->forward, a, strlen (a), NULL, &error);
      g_assert_no_error (error);
      g_socket_send_to (two, job->forward, b, strlen (b), NULL, &error);
      g_assert_no_error (error);
      n = g_socket_receive_from (two, &from, buffer, sizeof buffer, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpmem (buffer, n, b, strlen (b));
      n = g_socket_receive (one, buffer, sizeof buffer, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpmem (buffer, n, a, strlen (a));
    }
  udp_peer_exchange (one, job->forward, "one, last");
  udp_peer_exchange (two, job->forward, "two, last");
  return NULL;
}

static void
test_udp_network_peers (Fixture *f, gconstpointer data)
{
  g_autoptr(EchoServer) server = echo_server_new_udp ();
  g_autofree gchar *yaml = g_strdup_printf (
    "export:\n"
    "  udp: {type: UdpNetwork, config: {host: 127.0.0.1, port: %u}}\n", server->port);
  g_autoptr(JmpNetworkProxy) udp = NULL;
  g_autoptr(JmpPortforward) forward = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *display = NULL;
  g_autofree gchar *expected = NULL;
  UdpPeersJob job;

  fixture_start_host (f, yaml);
  udp = get_network (f, "udp");
  forward = jmp_portforward_new_udp (udp, "127.0.0.1", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (jmp_portforward_get_kind (forward), ==, JMP_PORTFORWARD_UDP);
  display = jmp_portforward_get_display_address (forward);
  expected = g_strdup_printf ("127.0.0.1:%u", jmp_portforward_get_port (forward));
  g_assert_cmpstr (display, ==, expected);

  job.forward = jmp_portforward_get_local_address (forward);
  run_job (udp_peers_job, &job);
  g_assert_cmpuint (jmp_portforward_get_n_accepted (forward), ==, 2);
  g_assert_cmpuint (jmp_portforward_get_n_failed (forward), ==, 0);
  g_assert_cmpuint (echo_server_get_n_accepted (server), ==, 12);
}

/* 400 senders, each from its own address (as a spray from 127.0.0.0/8
 * would come), one after the other: the forward keeps at most 256, each
 * with its fds, and serves a sender that comes after them. */
static gpointer
udp_spray_job (gpointer user_data)
{
  UdpPeersJob *job = user_data;
  g_autoptr(GSocket) late = udp_peer_new ();

  for (guint i = 0; i < 400; i++)
    {
      g_autofree gchar *ip = g_strdup_printf ("127.0.%u.%u", 1 + i / 200, 1 + i % 200);
      g_autofree gchar *text = g_strdup_printf ("sender %u", i);
      g_autoptr(GSocket) sender = inet_listener_new (G_SOCKET_TYPE_DATAGRAM, ip, FALSE);

      g_socket_set_timeout (sender, HANG_GUARD_S);
      udp_peer_exchange (sender, job->forward, text);
    }
  udp_peer_exchange (late, job->forward, "after the spray");
  return NULL;
}

static void
test_udp_spray (Fixture *f, gconstpointer data)
{
  g_autoptr(EchoServer) server = echo_server_new_udp ();
  g_autofree gchar *yaml = NULL;
  g_autoptr(JmpNetworkProxy) udp = NULL;
  g_autoptr(JmpPortforward) forward = NULL;
  g_autoptr(GError) error = NULL;
  UdpPeersJob job;
  guint baseline;

  /* a host on an echo server, as for /portforward/udp-network/peers */
  yaml = g_strdup_printf ("export: {udp: {type: UdpNetwork, config: {host: 127.0.0.1, port: %u}}}\n",
                          server->port);
  fixture_start_host (f, yaml);
  udp = get_network (f, "udp");
  forward = jmp_portforward_new_udp (udp, "127.0.0.1", 0, &error);
  g_assert_no_error (error);
  baseline = jmp_test_count_fds (0);

  job.forward = jmp_portforward_get_local_address (forward);
  run_job (udp_spray_job, &job);
  g_assert_cmpuint (jmp_portforward_get_n_accepted (forward), ==, 401);
  g_assert_cmpuint (jmp_portforward_get_n_failed (forward), ==, 0);
  /* one socket to the target per sender kept */
  g_assert_cmpuint (jmp_test_count_fds (0), <=, baseline + 256 + 8);
}

/* ==== the jmp command line ================================================= */

static void
test_cli_tcp (Fixture *f, gconstpointer data)
{
  g_autoptr(JmpProc) fwd = jmp_proc_start (host_address (f), TRUE, "echo", "forward-tcp", "0", NULL);
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocket) large = NULL;
  g_autoptr(GBytes) payload = random_bytes (64 * 1024, 5);
  guint16 port = parse_port (fwd->line, "127.0.0.1:");

  socket = tcp_connect ("127.0.0.1", port);
  assert_echo (socket, "hello through jmp");
  assert_echo_half_close (socket, payload);
  large = tcp_connect ("127.0.0.1", port);
  assert_echo_transfer (large, 1 * MIB);

  jmp_proc_finish (fwd, SIGINT);
  g_assert_cmpint (fwd->status, ==, 0);
  g_assert_cmpstr (fwd->rest, ==, "");
  g_assert_cmpstr (fwd->err, ==, "");
}

static void
test_cli_tcp_ipv6 (Fixture *f, gconstpointer data)
{
  g_autoptr(JmpProc) fwd = jmp_proc_start (host_address (f), TRUE, "echo", "forward-tcp",
                                           "--address", "::1", "0", NULL);
  g_autoptr(GSocket) socket = NULL;
  guint16 port = parse_port (fwd->line, "[::1]:");

  socket = tcp_connect ("::1", port);
  assert_echo (socket, "hello over IPv6");
  jmp_proc_finish (fwd, SIGTERM);
  g_assert_cmpint (fwd->status, ==, 0);
  g_assert_cmpstr (fwd->err, ==, "");
}

static void
check_cli_unix (Fixture *f, JmpProc *fwd, const gchar *path, gint signum)
{
  g_autoptr(GSocket) socket = NULL;

  assert_private_socket (path);
  socket = unix_connect (path);
  assert_echo (socket, "hello through a unix forward");
  jmp_proc_finish (fwd, signum);
  g_assert_cmpint (fwd->status, ==, 0);
  g_assert_cmpstr (fwd->err, ==, "");
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

static void
test_cli_unix_default (Fixture *f, gconstpointer data)
{
  g_autoptr(JmpProc) fwd = jmp_proc_start (host_address (f), TRUE, "echo", "forward-unix", NULL);
  g_autofree gchar *prefix = g_build_filename (runtime_dir, "jumpstarter-", NULL);
  g_autofree gchar *dir = g_path_get_dirname (fwd->line);

  g_test_message ("socket: %s", fwd->line);
  g_assert_true (g_str_has_prefix (fwd->line, prefix));
  check_cli_unix (f, fwd, fwd->line, SIGTERM);
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
}

static void
test_cli_unix_given (Fixture *f, gconstpointer data)
{
  g_autofree gchar *path = g_build_filename (f->dir, "cli.sock", NULL);
  g_autoptr(JmpProc) fwd = jmp_proc_start (host_address (f), TRUE, "echo", "forward-unix",
                                           path, NULL);

  g_assert_cmpstr (fwd->line, ==, path);
  /* a closed terminal cleans up too */
  check_cli_unix (f, fwd, path, SIGHUP);
}

static void
assert_one_line (const gchar *err, const gchar *expected)
{
  g_assert_true (g_str_has_prefix (err, "jmp: "));
  g_assert_true (g_str_has_suffix (err, "\n"));
  g_assert_true (strchr (err, '\n') == err + strlen (err) - 1);
  if (expected != NULL)
    g_assert_cmpstr (err, ==, expected);
}

static void
test_cli_unix_in_use (Fixture *f, gconstpointer data)
{
  g_autofree gchar *file = jmp_test_write_file (f->dir, "taken", "keep me");
  g_autoptr(JmpProc) fwd = jmp_proc_start (host_address (f), FALSE, "echo", "forward-unix",
                                           file, NULL);
  g_autofree gchar *expected = g_strdup_printf ("jmp: cannot listen on %s: address already in use\n",
                                                file);
  g_autofree gchar *contents = NULL;

  jmp_proc_finish (fwd, 0);
  g_assert_cmpint (fwd->status, ==, 1);
  g_assert_cmpstr (fwd->rest, ==, "");
  assert_one_line (fwd->err, expected);
  g_assert_true (g_file_get_contents (file, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "keep me");
}

static void
check_cli_port_in_use (Fixture *f, GSocketType type)
{
  g_autoptr(GSocket) occupant = inet_listener_new (type, "127.0.0.1",
                                                   type == G_SOCKET_TYPE_STREAM);
  g_autofree gchar *port = g_strdup_printf ("%u", socket_port (occupant));
  g_autofree gchar *expected = g_strdup_printf (
    "jmp: cannot listen on 127.0.0.1:%s: address already in use\n", port);
  gboolean stream = type == G_SOCKET_TYPE_STREAM;
  g_autoptr(JmpProc) fwd = jmp_proc_start (host_address (f), FALSE, stream ? "echo" : "udp",
                                           stream ? "forward-tcp" : "forward-udp", port, NULL);

  jmp_proc_finish (fwd, 0);
  g_assert_cmpint (fwd->status, ==, 1);
  g_assert_cmpstr (fwd->rest, ==, "");
  assert_one_line (fwd->err, expected);
}

static void
test_cli_port_in_use (Fixture *f, gconstpointer data)
{
  check_cli_port_in_use (f, G_SOCKET_TYPE_STREAM);
  check_cli_port_in_use (f, G_SOCKET_TYPE_DATAGRAM);
}

static void
check_cli_usage (Fixture *f, const gchar * const *args, const gchar *fragment)
{
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  gint status = jmp_run (host_address (f), &out, &err, args);

  g_test_message ("stderr: %s", err);
  g_assert_cmpint (status, ==, 2);
  g_assert_cmpstr (out, ==, "");
  assert_one_line (err, NULL);
  g_assert_nonnull (strstr (err, fragment));
}

static void
test_cli_usage (Fixture *f, gconstpointer data)
{
  const gchar *no_port[] = { "echo", "forward-tcp", NULL };
  const gchar *big_port[] = { "echo", "forward-tcp", "70000", NULL };
  const gchar *bad_port[] = { "udp", "forward-udp", "ssh", NULL };
  /* a byte stream has no datagrams to forward */
  const gchar *udp_on_stream[] = { "echo", "forward-udp", "0", NULL };
  const gchar *two_ports[] = { "echo", "forward-tcp", "1", "2", NULL };
  const gchar *two_paths[] = { "echo", "forward-unix", "a", "b", NULL };
  const gchar *bad_option[] = { "echo", "forward-tcp", "--bogus", "0", NULL };

  check_cli_usage (f, no_port, "PORT");
  check_cli_usage (f, big_port, "70000");
  check_cli_usage (f, bad_port, "ssh");
  check_cli_usage (f, udp_on_stream, "has no command \"forward-udp\"");
  check_cli_usage (f, two_ports, "\"2\"");
  check_cli_usage (f, two_paths, "\"b\"");
  check_cli_usage (f, bad_option, "--bogus");
}

static void
assert_connection_closed (guint16 port)
{
  g_autoptr(GSocket) socket = tcp_connect ("127.0.0.1", port);
  SocketJob job = { NULL, socket };

  closed_by_peer_job (&job);
}

/* Each connection the target refuses is one line on stderr; the forward
 * goes on and serves once the target is up. */
static void
test_cli_failed_connection (Fixture *f, gconstpointer data)
{
  g_autoptr(GSocket) target = inet_listener_new (G_SOCKET_TYPE_STREAM, "127.0.0.1", FALSE);
  guint16 target_port = socket_port (target);
  g_autofree gchar *yaml = g_strdup_printf (
    "export:\n"
    "  refused: {type: TcpNetwork, config: {host: 127.0.0.1, port: %u}}\n", target_port);
  g_autofree gchar *where = g_strdup_printf ("127.0.0.1:%u", target_port);
  g_autoptr(JmpProc) fwd = NULL;
  g_autoptr(EchoServer) server = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;
  guint16 port;

  fixture_start_host (f, yaml);
  fwd = jmp_proc_start (host_address (f), TRUE, "refused", "forward-tcp", "0", NULL);
  port = parse_port (fwd->line, "127.0.0.1:");
  assert_connection_closed (port);
  assert_connection_closed (port);

  g_socket_listen (target, &error);
  g_assert_no_error (error);
  server = echo_server_start (target);
  socket = tcp_connect ("127.0.0.1", port);
  assert_echo (socket, "the target is up");

  jmp_proc_finish (fwd, SIGTERM);
  g_assert_cmpint (fwd->status, ==, 0);
  lines = g_strsplit (fwd->err, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 3);
  g_assert_cmpstr (lines[2], ==, "");
  for (guint i = 0; i < 2; i++)
    {
      g_assert_true (g_str_has_prefix (lines[i], "jmp: refused: a forwarded connection failed: "));
      g_assert_nonnull (strstr (lines[i], where));
    }
}

static void
test_cli_verbose (Fixture *f, gconstpointer data)
{
  g_autoptr(JmpProc) fwd = jmp_proc_start (host_address (f), TRUE, "--verbose", "echo",
                                           "forward-tcp", "0", NULL);
  guint16 port = parse_port (fwd->line, "127.0.0.1:");
  g_autoptr(GSocket) socket = tcp_connect ("127.0.0.1", port);

  assert_echo (socket, "tell me about it");
  jmp_proc_finish (fwd, SIGTERM);
  g_assert_cmpint (fwd->status, ==, 0);
  /* debug goes to stderr: stdout keeps the one line a script reads */
  g_assert_cmpstr (fwd->rest, ==, "");
  g_assert_nonnull (strstr (fwd->err, "accepted connection 1 from 127.0.0.1:"));
}

static void
test_cli_udp (Fixture *f, gconstpointer data)
{
  g_autoptr(EchoServer) server = echo_server_new_udp ();
  g_autofree gchar *yaml = g_strdup_printf (
    "export:\n"
    "  udp: {type: UdpNetwork, config: {host: 127.0.0.1, port: %u}}\n", server->port);
  g_autoptr(JmpProc) fwd = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GSocket) one = udp_peer_new ();
  g_autoptr(GSocket) two = udp_peer_new ();

  fixture_start_host (f, yaml);
  fwd = jmp_proc_start (host_address (f), TRUE, "udp", "forward-udp", "0", NULL);
  address = g_inet_socket_address_new_from_string ("127.0.0.1",
                                                   parse_port (fwd->line, "127.0.0.1:"));
  udp_peer_exchange (one, address, "first peer");
  udp_peer_exchange (two, address, "second peer");
  udp_peer_exchange (one, address, "first peer again");
  jmp_proc_finish (fwd, SIGTERM);
  g_assert_cmpint (fwd->status, ==, 0);
  g_assert_cmpstr (fwd->err, ==, "");
  g_assert_cmpuint (echo_server_get_n_accepted (server), ==, 3);
}

static void
check_address (Fixture *f, const gchar *driver, const gchar *option1, const gchar *option2,
               const gchar *expected)
{
  const gchar *args[] = { driver, "address", option1, option2, NULL };
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  gint status = jmp_run (host_address (f), &out, &err, args);

  g_assert_cmpstr (err, ==, "");
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpstr (out, ==, expected);
}

/* seed: the address forms of Jumpstarter's CLI */
static void
test_cli_address_forms (Fixture *f, gconstpointer data)
{
  g_autoptr(JmpNetworkProxy) tcp = NULL;
  g_autoptr(JmpNetworkProxy) tcp6 = NULL;
  g_autoptr(JmpNetworkProxy) udp = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *address = NULL;
  g_autofree gchar *address6 = NULL;
  g_autofree gchar *address_udp = NULL;

  fixture_start_host (f,
                      "export:\n"
                      "  tcp: {type: TcpNetwork, config: {host: 127.0.0.1, port: 5555}}\n"
                      "  tcp6: {type: TcpNetwork, config: {host: \"::1\", port: 6666}}\n"
                      "  udp: {type: UdpNetwork, config: {host: 127.0.0.1, port: 7777}}\n");
  tcp = get_network (f, "tcp");
  tcp6 = get_network (f, "tcp6");
  udp = get_network (f, "udp");
  address = jmp_network_proxy_get_address_sync (tcp, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (address, ==, "tcp://127.0.0.1:5555");
  address6 = jmp_network_proxy_get_address_sync (tcp6, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (address6, ==, "tcp://[::1]:6666");
  address_udp = jmp_network_proxy_get_address_sync (udp, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (address_udp, ==, "udp://127.0.0.1:7777");

  check_address (f, "tcp", NULL, NULL, "127.0.0.1:5555\n");
  check_address (f, "tcp", "--host", NULL, "127.0.0.1\n");
  check_address (f, "tcp", "--port", NULL, "5555\n");
  check_address (f, "tcp", "--host", "--port", "127.0.0.1:5555\n");
  check_address (f, "tcp6", NULL, NULL, "[::1]:6666\n");
  check_address (f, "tcp6", "--host", NULL, "::1\n");
  check_address (f, "tcp6", "--port", NULL, "6666\n");
  check_address (f, "tcp6", "--port", "--host", "[::1]:6666\n");
  check_address (f, "udp", NULL, NULL, "127.0.0.1:7777\n");
}

/* A forward killed with connections busy: the host lets go of every
 * stream it pumped for them and goes on serving. */
static void
test_cli_client_killed (Fixture *f, gconstpointer data)
{
  GPid pid = jmp_test_host_get_pid (f->host);
  guint baseline = jmp_test_count_fds (pid);
  g_autoptr(JmpProc) fwd = NULL;
  g_autoptr(JmpProc) again = NULL;
  g_autoptr(GPtrArray) sockets = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GBytes) pile = random_bytes (64 * 1024, 13);
  g_autoptr(JmpNetworkProxy) echo = get_network (f, "echo");
  g_autoptr(GSocket) direct = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GBytes) payload = random_bytes (4096, 17);
  g_autoptr(GError) error = NULL;
  guint16 port;

  fwd = jmp_proc_start (host_address (f), TRUE, "echo", "forward-tcp", "0", NULL);
  port = parse_port (fwd->line, "127.0.0.1:");
  for (guint i = 0; i < 8; i++)
    {
      g_autofree gchar *text = g_strdup_printf ("busy connection %u", i);
      GSocket *s = tcp_connect ("127.0.0.1", port);

      assert_echo (s, text);
      /* half of them with unread echo piling up */
      if (i % 2 == 1)
        jmp_test_send_all (s, g_bytes_get_data (pile, NULL), g_bytes_get_size (pile));
      g_ptr_array_add (sockets, s);
    }
  /* jmp's own connection and a stream per forwarded connection */
  g_assert_cmpuint (jmp_test_count_fds (pid), >=, baseline + 1 + 8);

  jmp_proc_finish (fwd, SIGKILL);
  g_assert_cmpint (fwd->status, ==, 128 + SIGKILL);
  g_assert_cmpuint (jmp_test_wait_fds_at_most (pid, baseline, HANG_GUARD_S * 1000), <=, baseline);
  g_ptr_array_set_size (sockets, 0);

  /* the host serves on, directly and through a new forward */
  direct = jmp_network_proxy_connect_socket_sync (echo, NULL, &error);
  g_assert_no_error (error);
  g_socket_set_blocking (direct, TRUE);
  g_socket_set_timeout (direct, HANG_GUARD_S);
  assert_echo_half_close (direct, payload);
  again = jmp_proc_start (host_address (f), TRUE, "echo", "forward-tcp", "0", NULL);
  socket = tcp_connect ("127.0.0.1", parse_port (again->line, "127.0.0.1:"));
  assert_echo_half_close (socket, payload);
  jmp_proc_finish (again, SIGTERM);
  g_assert_cmpint (again->status, ==, 0);
  g_assert_cmpstr (again->err, ==, "");
}

/* Started with a soft fd limit of 64, jmp still forwards 40 connections
 * at once (some 240 fds): it takes the hard limit. */
static void
test_cli_fd_limit (Fixture *f, gconstpointer data)
{
  const gchar *prefix[] = { "/bin/sh", "-c", "ulimit -Sn 64 && exec \"$@\"", "sh", NULL };
  const gchar *args[] = { "echo", "forward-tcp", "0", NULL };
  g_autoptr(JmpProc) fwd = jmp_proc_startv (host_address (f), TRUE, prefix, args);
  g_autoptr(GPtrArray) sockets = g_ptr_array_new_with_free_func (g_object_unref);
  guint16 port = parse_port (fwd->line, "127.0.0.1:");

  for (guint i = 0; i < 40; i++)
    {
      g_autofree gchar *text = g_strdup_printf ("connection %u of 40", i);
      GSocket *socket = tcp_connect ("127.0.0.1", port);

      assert_echo (socket, text);
      g_ptr_array_add (sockets, socket);
    }
  for (guint i = 0; i < sockets->len; i++)
    assert_echo (g_ptr_array_index (sockets, i), "all still open");
  jmp_proc_finish (fwd, SIGTERM);
  g_assert_cmpint (fwd->status, ==, 0);
  g_assert_cmpstr (fwd->err, ==, "");
}

/* Without its host a forward cannot forward: it says so and exits. */
static void
test_cli_host_gone (Fixture *f, gconstpointer data)
{
  g_autoptr(JmpProc) fwd = jmp_proc_start (host_address (f), TRUE, "echo", "forward-tcp", "0", NULL);

  parse_port (fwd->line, "127.0.0.1:");
  jmp_test_host_stop (f->host);
  jmp_proc_finish (fwd, 0);
  g_assert_cmpint (fwd->status, ==, 1);
  assert_one_line (fwd->err, NULL);
  g_assert_nonnull (strstr (fwd->err, "host"));
}

typedef struct {
  gboolean  done;
  gchar    *out;
  gchar    *err;
} Communicate;

static void
communicate_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Communicate *c = user_data;
  g_autoptr(GError) error = NULL;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), res, &c->out, &c->err, &error);
  g_assert_no_error (error);
  c->done = TRUE;
}

static gint64
iperf_bytes (JsonObject *end, const gchar *member)
{
  JsonObject *sum;

  g_assert_true (json_object_has_member (end, member));
  sum = json_object_get_object_member (end, member);
  return json_object_get_int_member (sum, "bytes");
}

/* iperf3 --bidir through `jmp tcp forward-tcp 0` to an iperf3 server */
static void
test_cli_iperf3 (Fixture *f, gconstpointer data)
{
  g_autoptr(GSocket) probe = inet_listener_new (G_SOCKET_TYPE_STREAM, "127.0.0.1", FALSE);
  g_autofree gchar *server_port = g_strdup_printf ("%u", socket_port (probe));
  g_autofree gchar *yaml = NULL;
  g_autofree gchar *fwd_port = NULL;
  g_autoptr(GSubprocess) server = NULL;
  g_autoptr(GSubprocess) client = NULL;
  g_autoptr(GDataInputStream) server_out = NULL;
  g_autoptr(JmpProc) fwd = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  Communicate c = { FALSE, NULL, NULL };
  JsonObject *end;
  gboolean listening = FALSE;

  /* a free port for the server: ours until it binds it */
  g_clear_object (&probe);
  server = jmp_test_spawn (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, "iperf3", "-s", "-1",
                           "-B", "127.0.0.1", "-p", server_port, "--forceflush", NULL);
  g_assert_no_error (error);
  server_out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server));
  while (!listening)
    {
      g_autofree gchar *line = g_data_input_stream_read_line_utf8 (server_out, NULL, NULL, &error);

      g_assert_no_error (error);
      g_assert_nonnull (line);   /* EOF: the server did not start */
      listening = strstr (line, "Server listening on") != NULL;
    }

  yaml = g_strdup_printf ("export:\n"
                          "  tcp: {type: TcpNetwork, config: {host: 127.0.0.1, port: %s}}\n",
                          server_port);
  fixture_start_host (f, yaml);
  fwd = jmp_proc_start (host_address (f), TRUE, "tcp", "forward-tcp", "0", NULL);
  fwd_port = g_strdup_printf ("%u", parse_port (fwd->line, "127.0.0.1:"));

  client = jmp_test_spawn (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                           &error, "iperf3", "-c", "127.0.0.1", "-p", fwd_port,
                           "--bidir", "-t", "2", "-J", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (client, NULL, NULL, communicate_cb, &c);
  jmp_test_wait_flag (&c.done, HANG_GUARD_S * 1000);
  g_test_message ("iperf3 stderr: %s", c.err);
  g_assert_true (g_subprocess_get_if_exited (client));
  g_assert_cmpint (g_subprocess_get_exit_status (client), ==, 0);

  json_parser_load_from_data (parser, c.out, -1, &error);
  g_assert_no_error (error);
  end = json_object_get_object_member (json_node_get_object (json_parser_get_root (parser)), "end");
  g_assert_nonnull (end);
  g_test_message ("iperf3: %" G_GINT64_FORMAT " bytes one way, %" G_GINT64_FORMAT " the other",
                  iperf_bytes (end, "sum_received"), iperf_bytes (end, "sum_received_bidir_reverse"));
  g_assert_cmpint (iperf_bytes (end, "sum_sent"), >, 0);
  g_assert_cmpint (iperf_bytes (end, "sum_received"), >, 0);
  g_assert_cmpint (iperf_bytes (end, "sum_sent_bidir_reverse"), >, 0);
  g_assert_cmpint (iperf_bytes (end, "sum_received_bidir_reverse"), >, 0);

  jmp_proc_finish (fwd, SIGINT);
  g_assert_cmpint (fwd->status, ==, 0);
  g_assert_cmpstr (fwd->err, ==, "");

  /* -1: the server ends after its one test */
  g_subprocess_wait (server, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_subprocess_get_exit_status (server), ==, 0);
  g_free (c.out);
  g_free (c.err);
}

int
main (int argc, char **argv)
{
  struct rlimit limit;
  int status;

  /* 500 forwarded connections in this process take some 3,500 fds; the
   * host, our child, inherits the limit too */
  if (getrlimit (RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max)
    {
      limit.rlim_cur = limit.rlim_max;
      setrlimit (RLIMIT_NOFILE, &limit);
    }

  g_test_init (&argc, &argv, NULL);
  /* before anything asks for it: GLib reads it once */
  runtime_dir = jmp_test_mkdtemp ();
  g_setenv ("XDG_RUNTIME_DIR", runtime_dir, TRUE);
  g_unsetenv (JMP_HOST_ENV);

#define ADD(path, func, config) \
  g_test_add (path, Fixture, config, fixture_setup, func, fixture_teardown)

  ADD ("/portforward/tcp/echo", test_tcp_echo, echo_yaml);
  ADD ("/portforward/tcp/large", test_tcp_large, echo_yaml);
  ADD ("/portforward/tcp/concurrent", test_tcp_concurrent, echo_yaml);
  ADD ("/portforward/tcp/close", test_tcp_close, echo_yaml);
  ADD ("/portforward/tcp/port-in-use", test_tcp_port_in_use, echo_yaml);
  ADD ("/portforward/udp/port-in-use", test_udp_port_in_use, echo_yaml);
  ADD ("/portforward/unix/default-path", test_unix_default_path, echo_yaml);
  ADD ("/portforward/unix/given-path", test_unix_given_path, echo_yaml);
  ADD ("/portforward/unix/path-in-use", test_unix_path_in_use, echo_yaml);
  ADD ("/portforward/tcp-network/echo", test_tcp_network_echo, NULL);
  ADD ("/portforward/tcp-network/refused", test_tcp_network_refused, NULL);
  ADD ("/portforward/tcp-network/target-vanishes", test_tcp_network_target_vanishes, NULL);
  ADD ("/portforward/unix-network/echo", test_unix_network_echo, NULL);
  ADD ("/portforward/unix-network/client-hangs-up", test_unix_network_client_hangs_up, NULL);
  ADD ("/portforward/unix-network/slow-reader-after-hang-up",
       test_unix_network_slow_reader_after_hang_up, NULL);
  ADD ("/portforward/udp-network/peers", test_udp_network_peers, NULL);
  ADD ("/portforward/udp-network/spray", test_udp_spray, NULL);
  ADD ("/portforward/cli/tcp", test_cli_tcp, echo_yaml);
  ADD ("/portforward/cli/tcp-ipv6", test_cli_tcp_ipv6, echo_yaml);
  ADD ("/portforward/cli/unix-default", test_cli_unix_default, echo_yaml);
  ADD ("/portforward/cli/unix-given", test_cli_unix_given, echo_yaml);
  ADD ("/portforward/cli/unix-in-use", test_cli_unix_in_use, echo_yaml);
  ADD ("/portforward/cli/port-in-use", test_cli_port_in_use, echo_udp_yaml);
  ADD ("/portforward/cli/usage", test_cli_usage, echo_udp_yaml);
  ADD ("/portforward/cli/failed-connection", test_cli_failed_connection, NULL);
  ADD ("/portforward/cli/verbose", test_cli_verbose, echo_yaml);
  ADD ("/portforward/cli/udp", test_cli_udp, NULL);
  ADD ("/portforward/cli/address-forms", test_cli_address_forms, NULL);
  ADD ("/portforward/cli/client-killed", test_cli_client_killed, echo_yaml);
  ADD ("/portforward/cli/fd-limit", test_cli_fd_limit, echo_yaml);
  ADD ("/portforward/cli/host-gone", test_cli_host_gone, echo_yaml);
  ADD ("/portforward/cli/iperf3", test_cli_iperf3, NULL);

#undef ADD

  status = g_test_run ();
  jmp_test_rmdir (runtime_dir);
  g_free (runtime_dir);
  return status;
}
