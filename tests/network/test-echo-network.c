/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * EchoNetwork through a real host: the stream model end to end (fd passing,
 * the host's pump, half-close, many streams, clients that vanish).
 */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "jmp-test-common.h"

static const gchar *echo_yaml =
  "metadata: {name: echo-bench}\n"
  "export:\n"
  "  echo: {type: EchoNetwork}\n";

typedef struct {
  gchar       *dir;
  JmpTestHost *host;
  JmpClient   *client;
  JmpNetworkProxy *echo;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autofree gchar *config = NULL;
  g_autoptr(JmpDriverProxy) driver = NULL;
  g_autoptr(GError) error = NULL;

  f->dir = jmp_test_mkdtemp ();
  config = jmp_test_write_file (f->dir, "echo.yaml", echo_yaml);
  f->host = jmp_test_host_new (config, NULL);
  f->client = jmp_test_host_connect (f->host);
  driver = jmp_client_get_driver (f->client, "echo", &error);
  g_assert_no_error (error);
  g_assert_nonnull (jmp_driver_proxy_get_network (driver));
  f->echo = g_object_ref (jmp_driver_proxy_get_network (driver));
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->echo);
  g_clear_object (&f->client);
  jmp_test_host_stop (f->host);
  g_clear_pointer (&f->host, jmp_test_host_free);
  jmp_test_rmdir (f->dir);
  g_free (f->dir);
}

static GSocket *
open_stream (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  GSocket *socket = jmp_network_proxy_connect_socket_sync (f->echo, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (socket);
  g_socket_set_blocking (socket, TRUE);
  return socket;
}

static void
test_roundtrip (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GIOStream) stream = jmp_network_proxy_connect_sync (f->echo, NULL, &error);
  gchar buffer[16] = { 0 };
  gsize n = 0;

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
}

typedef struct {
  GSocket  *socket;
  GBytes   *payload;
  gboolean  until_error;  /* the reader hangs up: a failed send ends it */
} WriterJob;

static gpointer
writer_thread (gpointer user_data)
{
  WriterJob *job = user_data;
  gsize len;
  const guint8 *data = g_bytes_get_data (job->payload, &len);

  if (job->until_error)
    {
      gsize done = 0;
      gssize n;

      while (done < len &&
             (n = g_socket_send (job->socket, (const gchar *) data + done, len - done,
                                 NULL, NULL)) > 0)
        done += n;
      return NULL;
    }
  jmp_test_send_all (job->socket, data, len);
  g_socket_shutdown (job->socket, FALSE, TRUE, NULL);
  return NULL;
}

/* shutdown(SHUT_WR) arrives as EOF only after every echoed byte came back */
static void
test_half_close (Fixture *f, gconstpointer data)
{
  g_autoptr(GSocket) socket = open_stream (f);
  g_autoptr(GBytes) payload = jmp_test_random_bytes (1024 * 1024);
  g_autoptr(GBytes) reply = NULL;
  WriterJob job = { socket, payload, FALSE };
  GThread *writer;

  /* written from a thread: 1 MiB exceeds the socket buffers both ways */
  writer = g_thread_new ("writer", writer_thread, &job);
  reply = jmp_test_receive_to_eof (socket);
  g_thread_join (writer);
  g_assert_true (g_bytes_equal (payload, reply));
}

static void
test_concurrent (Fixture *f, gconstpointer data)
{
  const guint n_streams = 200;
  g_autoptr(GPtrArray) sockets = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) payloads = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  GPid pid = jmp_test_host_get_pid (f->host);
  guint baseline = jmp_test_count_fds (pid);

  for (guint i = 0; i < n_streams; i++)
    {
      g_ptr_array_add (sockets, open_stream (f));
      g_ptr_array_add (payloads, jmp_test_random_bytes (4096 + i));
    }
  /* every stream is open at once: the host pumps each end */
  g_assert_cmpuint (jmp_test_count_fds (pid), >=, baseline + n_streams);

  for (guint i = 0; i < n_streams; i++)
    {
      gsize len;
      const guint8 *bytes = g_bytes_get_data (g_ptr_array_index (payloads, i), &len);
      jmp_test_send_all (g_ptr_array_index (sockets, i), bytes, len);
      g_socket_shutdown (g_ptr_array_index (sockets, i), FALSE, TRUE, NULL);
    }
  for (guint i = 0; i < n_streams; i++)
    {
      g_autoptr(GBytes) reply = jmp_test_receive_to_eof (g_ptr_array_index (sockets, i));
      g_assert_true (g_bytes_equal (reply, g_ptr_array_index (payloads, i)));
    }
  g_ptr_array_set_size (sockets, 0);
  g_assert_cmpuint (jmp_test_wait_fds_at_most (pid, baseline, 20000), <=, baseline);
}

/* a client that closes without reading its echo: the host's write fails
 * and it lets go of the stream */
static void
test_abandoned_stream (Fixture *f, gconstpointer data)
{
  GPid pid = jmp_test_host_get_pid (f->host);
  guint baseline = jmp_test_count_fds (pid);
  g_autoptr(GBytes) payload = jmp_test_random_bytes (4 * 1024 * 1024);

  for (guint i = 0; i < 10; i++)
    {
      g_autoptr(GSocket) socket = open_stream (f);
      WriterJob job = { socket, payload, TRUE };
      GThread *t;

      /* the host blocks writing the echo back; we hang up meanwhile */
      g_socket_set_timeout (socket, 1);
      t = g_thread_new ("writer", writer_thread, &job);
      g_usleep (20 * 1000);
      g_socket_shutdown (socket, TRUE, TRUE, NULL);
      g_thread_join (t);
    }
  g_assert_cmpuint (jmp_test_wait_fds_at_most (pid, baseline, 20000), <=, baseline);
}

static void
test_client_killed (Fixture *f, gconstpointer data)
{
  GPid pid = jmp_test_host_get_pid (f->host);
  guint baseline = jmp_test_count_fds (pid);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree gchar *line = NULL;

  g_autofree gchar *self_exe = g_file_read_link ("/proc/self/exe", NULL);

  child = jmp_test_spawn (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, self_exe,
                          "--child", jmp_test_host_get_address (f->host), NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (child));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (line, ==, "streaming");
  /* the child holds its connection and 20 busy streams */
  g_assert_cmpuint (jmp_test_count_fds (pid), >, baseline + 20);

  g_subprocess_force_exit (child);
  g_subprocess_wait (child, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (jmp_test_wait_fds_at_most (pid, baseline, 20000), <=, baseline);

  /* and the host serves on */
  {
    g_autoptr(GSocket) socket = open_stream (f);
    g_autoptr(GBytes) payload = jmp_test_random_bytes (1000);
    g_autoptr(GBytes) reply = NULL;

    jmp_test_send_all (socket, g_bytes_get_data (payload, NULL), 1000);
    g_socket_shutdown (socket, FALSE, TRUE, NULL);
    reply = jmp_test_receive_to_eof (socket);
    g_assert_true (g_bytes_equal (reply, payload));
  }
}

/* --child ADDRESS: open streams, keep them busy, wait to be killed */
static int
child_main (const gchar *address)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JmpClient) client = jmp_client_new_for_address_sync (address, NULL, &error);
  g_autoptr(JmpDriverProxy) driver = NULL;
  g_autoptr(JmpNetworkProxy) echo = NULL;
  g_autoptr(GPtrArray) sockets = g_ptr_array_new_with_free_func (g_object_unref);
  guint8 chunk[8192] = { 0 };

  if (client == NULL)
    g_error ("%s", error->message);
  driver = jmp_client_get_driver (client, "echo", &error);
  if (driver == NULL)
    g_error ("%s", error->message);
  echo = g_object_ref (jmp_driver_proxy_get_network (driver));
  for (guint i = 0; i < 20; i++)
    {
      GSocket *socket = jmp_network_proxy_connect_socket_sync (echo, NULL, &error);
      if (socket == NULL)
        g_error ("%s", error->message);
      /* half of them with unread echo piling up in the host */
      g_socket_send (socket, (const gchar *) chunk, i % 2 ? sizeof chunk : 1, NULL, NULL);
      g_ptr_array_add (sockets, socket);
    }
  printf ("streaming\n");
  fflush (stdout);
  for (;;)
    pause ();
  return 0;
}

int
main (int argc, char *argv[])
{
  if (argc == 3 && g_strcmp0 (argv[1], "--child") == 0)
    return child_main (argv[2]);

  g_test_init (&argc, &argv, NULL);
  g_unsetenv ("JUMPSTARTER_HOST");

  g_test_add ("/echo/roundtrip", Fixture, NULL, fixture_setup, test_roundtrip, fixture_teardown);
  g_test_add ("/echo/half-close", Fixture, NULL, fixture_setup, test_half_close, fixture_teardown);
  g_test_add ("/echo/concurrent", Fixture, NULL, fixture_setup, test_concurrent, fixture_teardown);
  g_test_add ("/echo/abandoned-stream", Fixture, NULL, fixture_setup, test_abandoned_stream,
              fixture_teardown);
  g_test_add ("/echo/client-killed", Fixture, NULL, fixture_setup, test_client_killed,
              fixture_teardown);
  return g_test_run ();
}
