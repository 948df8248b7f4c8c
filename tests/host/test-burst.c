/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A burst of clients: the host's listen queue holds them while its main
 * loop is busy, and a client that finds a queue full tries again.
 */
#include <errno.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "jmp-test-common.h"

#define N_BURST 200

static gint
connect_nonblocking (const gchar *path)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  gint fd = socket (AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

  g_assert_cmpint (fd, >=, 0);
  g_strlcpy (addr.sun_path, path, sizeof addr.sun_path);
  if (connect (fd, (struct sockaddr *) &addr, sizeof addr) != 0)
    {
      gint errsv = errno;

      close (fd);
      errno = errsv;
      return -1;
    }
  return fd;
}

/* With its main loop stopped, the host accepts nobody: every connection
 * waits in the listen queue, which must hold a burst. */
static void
test_backlog (void)
{
  g_autoptr(JmpTestHost) host = jmp_test_host_new (NULL, NULL);
  g_autoptr(JmpClient) client = NULL;
  const gchar *path = jmp_test_host_get_address (host) + strlen ("unix:path=");
  GPid pid = jmp_test_host_get_pid (host);
  gint fds[N_BURST];
  guint queued = 0;

  g_assert_cmpint (kill (pid, SIGSTOP), ==, 0);
  for (guint i = 0; i < N_BURST; i++)
    {
      fds[i] = connect_nonblocking (path);
      if (fds[i] < 0)
        {
          g_test_message ("connection %u: %s", i, g_strerror (errno));
          break;
        }
      queued++;
    }
  g_assert_cmpint (kill (pid, SIGCONT), ==, 0);
  for (guint i = 0; i < queued; i++)
    close (fds[i]);
  g_assert_cmpuint (queued, ==, N_BURST);

  /* the host got over the peers that said nothing and serves the next */
  client = jmp_test_host_connect (host);
  g_assert_nonnull (client);
  jmp_test_host_stop (host);
}

typedef struct {
  GSocket     *listener;
  const gchar *host_path;
  GSocket     *filler;
  gboolean     spliced;
} Doorman;

static void
splice_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_io_stream_splice_finish (res, NULL);
}

/* The client tried again: its connection goes on to the real host. */
static gboolean
doorman_accept_cb (GSocket *listener, GIOCondition condition, gpointer user_data)
{
  Doorman *doorman = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) accepted = g_socket_accept (listener, NULL, &error);
  g_autoptr(GSocketConnection) inner = NULL;
  g_autoptr(GSocketConnection) outer = NULL;
  g_autoptr(GSocketClient) socket_client = g_socket_client_new ();
  g_autoptr(GSocketAddress) address = g_unix_socket_address_new (doorman->host_path);

  g_assert_no_error (error);
  outer = g_socket_connection_factory_create_connection (accepted);
  inner = g_socket_client_connect (socket_client, G_SOCKET_CONNECTABLE (address), NULL, &error);
  g_assert_no_error (error);
  g_io_stream_splice_async (G_IO_STREAM (outer), G_IO_STREAM (inner),
                            G_IO_STREAM_SPLICE_CLOSE_STREAM1 | G_IO_STREAM_SPLICE_CLOSE_STREAM2,
                            G_PRIORITY_DEFAULT, NULL, splice_cb, NULL);
  doorman->spliced = TRUE;
  return G_SOURCE_REMOVE;
}

/* After a while the queue has room again. */
static gboolean
doorman_open_cb (gpointer user_data)
{
  Doorman *doorman = user_data;
  g_autoptr(GSocket) filler = NULL;
  g_autoptr(GError) error = NULL;
  GSource *source;

  filler = g_socket_accept (doorman->listener, NULL, &error);
  g_assert_no_error (error);
  source = g_socket_create_source (doorman->listener, G_IO_IN, NULL);
  g_source_set_callback (source, G_SOURCE_FUNC (doorman_accept_cb), doorman, NULL);
  g_source_attach (source, NULL);
  g_source_unref (source);
  return G_SOURCE_REMOVE;
}

static void
client_ready_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  JmpClient **client = user_data;
  g_autoptr(GError) error = NULL;

  *client = jmp_client_new_for_address_finish (res, &error);
  g_assert_no_error (error);
}

typedef struct {
  const gchar *address;
  JmpClient   *client;
  gint         done;
} SyncRun;

static gpointer
client_sync_thread (gpointer user_data)
{
  SyncRun *run = user_data;
  g_autoptr(GError) error = NULL;

  run->client = jmp_client_new_for_address_sync (run->address, NULL, &error);
  g_assert_no_error (error);
  g_atomic_int_set (&run->done, 1);
  return NULL;
}

/* A queue that is full for a moment: the client's connect() fails with
 * EAGAIN, and the client tries again rather than give up; sync or async. */
static void
test_retry (gconstpointer data)
{
  gboolean sync = GPOINTER_TO_INT (data);
  g_autoptr(JmpTestHost) host = jmp_test_host_new (NULL, NULL);
  g_autofree gchar *dir = jmp_test_mkdtemp ();
  g_autofree gchar *path = g_build_filename (dir, "queue.sock", NULL);
  g_autofree gchar *address = g_strdup_printf ("unix:path=%s", path);
  g_autoptr(GSocketAddress) socket_address = g_unix_socket_address_new (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(JmpClient) client = NULL;
  g_autolist(JmpDriverProxy) drivers = NULL;
  Doorman doorman = { 0, };
  gint filler;

  doorman.host_path = jmp_test_host_get_address (host) + strlen ("unix:path=");
  doorman.listener = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM,
                                   G_SOCKET_PROTOCOL_DEFAULT, &error);
  g_assert_no_error (error);
  g_socket_set_listen_backlog (doorman.listener, 0);
  g_socket_bind (doorman.listener, socket_address, FALSE, &error);
  g_assert_no_error (error);
  g_socket_listen (doorman.listener, &error);
  g_assert_no_error (error);
  /* a backlog of 0 holds one connection: the next gets EAGAIN */
  filler = connect_nonblocking (path);
  g_assert_cmpint (filler, >=, 0);
  g_assert_cmpint (connect_nonblocking (path), <, 0);
  g_assert_cmpint (errno, ==, EAGAIN);

  g_timeout_add (300, doorman_open_cb, &doorman);
  if (sync)
    {
      SyncRun run = { address, NULL, 0 };
      GThread *thread = g_thread_new ("client", client_sync_thread, &run);

      /* the doorman and the splice run in this thread's loop */
      while (!g_atomic_int_get (&run.done))
        {
          g_main_context_iteration (NULL, FALSE);
          g_usleep (1000);
        }
      g_thread_join (thread);
      client = run.client;
    }
  else
    {
      jmp_client_new_for_address (address, NULL, client_ready_cb, &client);
      while (client == NULL)
        g_main_context_iteration (NULL, TRUE);
    }
  g_assert_true (doorman.spliced);
  drivers = jmp_client_get_drivers (client);
  g_assert_nonnull (drivers);

  g_clear_object (&client);
  close (filler);
  g_object_unref (doorman.listener);
  g_unlink (path);
  jmp_test_rmdir (dir);
  jmp_test_host_stop (host);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/burst/backlog", test_backlog);
  g_test_add_data_func ("/burst/retry/async", GINT_TO_POINTER (FALSE), test_retry);
  g_test_add_data_func ("/burst/retry/sync", GINT_TO_POINTER (TRUE), test_retry);
  return g_test_run ();
}
