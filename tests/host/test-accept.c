/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The peer server's accept loop: a host out of fds backs off and says so
 * once, and a peer that never authenticates is closed.
 */
#include <errno.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "jmp-test-common.h"

#define FD_LIMIT 64

/* A host with what it writes to stderr, line by line. */
typedef struct {
  JmpTestHost      *host;
  GDataInputStream *err;
  GPtrArray        *lines;
  gboolean          err_eof;
} Host;

static void host_read_err (Host *host);

static void
host_err_line_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Host *host = user_data;
  gchar *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source),
                                                           res, NULL, NULL);

  if (line == NULL)
    {
      host->err_eof = TRUE;
      return;
    }
  g_test_message ("host: %s", line);
  g_ptr_array_add (host->lines, line);
  host_read_err (host);
}

static void
host_read_err (Host *host)
{
  g_data_input_stream_read_line_async (host->err, G_PRIORITY_DEFAULT, NULL,
                                       host_err_line_cb, host);
}

/* With a hard fd limit of @fd_limit if not 0 (the host raises its soft
 * limit to the hard one), and its debug messages if @debug. */
static Host *
host_start (guint fd_limit, gboolean debug)
{
  g_autoptr(GPtrArray) wrapper = g_ptr_array_new_with_free_func (g_free);
  Host *host = g_new0 (Host, 1);

  if (debug)
    {
      g_ptr_array_add (wrapper, g_strdup ("env"));
      g_ptr_array_add (wrapper, g_strdup ("G_MESSAGES_DEBUG=jumpstarter-host"));
    }
  if (fd_limit != 0)
    {
      g_ptr_array_add (wrapper, g_strdup ("prlimit"));
      g_ptr_array_add (wrapper, g_strdup_printf ("--nofile=%u:%u", fd_limit, fd_limit));
      g_ptr_array_add (wrapper, g_strdup ("--"));
    }
  g_ptr_array_add (wrapper, NULL);
  host->lines = g_ptr_array_new_with_free_func (g_free);
  host->host = jmp_test_host_new_wrapped (NULL, NULL, (const gchar * const *) wrapper->pdata,
                                          G_SUBPROCESS_FLAGS_STDERR_PIPE);
  host->err = g_data_input_stream_new (jmp_test_host_get_stderr (host->host));
  host_read_err (host);
  return host;
}

static const gchar *
host_address (Host *host)
{
  return jmp_test_host_get_address (host->host);
}

/* Lines of its stderr that contain @needle. */
static guint
host_count_lines (Host *host, const gchar *needle)
{
  guint n = 0;

  for (guint i = 0; i < host->lines->len; i++)
    if (strstr (g_ptr_array_index (host->lines, i), needle) != NULL)
      n++;
  return n;
}

static void
host_wait_line (Host *host, const gchar *needle, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (host_count_lines (host, needle) == 0 && !host->err_eof &&
         g_get_monotonic_time () < deadline)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (10000);
    }
  g_assert_cmpuint (host_count_lines (host, needle), >, 0);
}

/* It must exit 0, having said nothing worse than a message. */
static void
host_stop (Host *host)
{
  jmp_test_host_stop (host->host);
  while (!host->err_eof)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (host_count_lines (host, "WARNING"), ==, 0);
  g_assert_cmpuint (host_count_lines (host, "CRITICAL"), ==, 0);
}

static void
host_free (Host *host)
{
  jmp_test_host_free (host->host);
  g_object_unref (host->err);
  g_ptr_array_unref (host->lines);
  g_free (host);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Host, host_free)

/* utime + stime of @pid in seconds; asserts that it still runs. */
static gdouble
host_cpu_seconds (GPid pid)
{
  g_autofree gchar *path = g_strdup_printf ("/proc/%d/stat", (gint) pid);
  g_autofree gchar *contents = NULL;
  g_auto(GStrv) fields = NULL;
  const gchar *after_comm;

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  after_comm = strrchr (contents, ')');
  g_assert_nonnull (after_comm);
  fields = g_strsplit (after_comm + 2, " ", -1);
  g_assert_cmpuint (g_strv_length (fields), >, 13);
  /* state, then utime and stime are fields 14 and 15 of stat(5) */
  g_assert_cmpstr (fields[0], !=, "Z");
  return (g_ascii_strtod (fields[11], NULL) + g_ascii_strtod (fields[12], NULL)) /
         sysconf (_SC_CLK_TCK);
}

static gint
connect_raw (const gchar *address)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  gint fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

  g_assert_cmpint (fd, >=, 0);
  g_strlcpy (addr.sun_path, address + strlen ("unix:path="), sizeof addr.sun_path);
  g_assert_cmpint (connect (fd, (struct sockaddr *) &addr, sizeof addr), ==, 0);
  return fd;
}

static GDBusConnection *
connect_peer (const gchar *address)
{
  g_autoptr(GError) error = NULL;
  GDBusConnection *connection =
    g_dbus_connection_new_for_address_sync (address,
                                            G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT,
                                            NULL, NULL, &error);

  g_assert_no_error (error);
  return connection;
}

/* Peers take every fd the host may open; more wait in its listen queue,
 * and each accept() fails with EMFILE until some go. */
static void
test_fd_exhaustion (void)
{
  g_autoptr(Host) host = host_start (FD_LIMIT, FALSE);
  g_autoptr(GPtrArray) peers = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(JmpClient) client = NULL;
  g_autoptr(GError) error = NULL;
  GPid pid = jmp_test_host_get_pid (host->host);
  gint queued[16];
  gdouble cpu;
  gint64 start;
  gdouble wall;

  while (jmp_test_count_fds (pid) < FD_LIMIT)
    {
      g_assert_cmpuint (peers->len, <, FD_LIMIT);
      g_ptr_array_add (peers, connect_peer (host_address (host)));
    }
  g_test_message ("%u peers fill the host's fds", peers->len);
  for (guint i = 0; i < G_N_ELEMENTS (queued); i++)
    queued[i] = connect_raw (host_address (host));

  host_wait_line (host, "cannot accept new peers", 10000);
  g_usleep (G_USEC_PER_SEC / 2);
  /* a loop retrying at once would use a core; backing off uses nothing */
  cpu = host_cpu_seconds (pid);
  start = g_get_monotonic_time ();
  g_usleep (2 * G_USEC_PER_SEC);
  cpu = host_cpu_seconds (pid) - cpu;
  wall = (gdouble) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
  g_test_message ("host CPU %.2f s in %.2f s", cpu, wall);
  g_assert_cmpfloat (cpu, <, 0.4 * wall);

  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (host_count_lines (host, "cannot accept new peers"), ==, 1);
  g_assert_cmpuint (host_count_lines (host, "Too many open files"), ==, 1);
  g_assert_cmpuint (host_count_lines (host, "accepting new peers again"), ==, 0);

  /* once the peers go, those that waited are taken, and the next client
   * is served */
  for (guint i = 0; i < G_N_ELEMENTS (queued); i++)
    close (queued[i]);
  g_ptr_array_set_size (peers, 0);
  host_wait_line (host, "accepting new peers again", 10000);
  g_assert_cmpuint (jmp_test_wait_fds_at_most (pid, FD_LIMIT / 2, 10000), <=, FD_LIMIT / 2);
  client = jmp_client_new_for_address_sync (host_address (host), NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (client);
  g_clear_object (&client);

  host_stop (host);
  g_assert_cmpuint (host_count_lines (host, "cannot accept new peers"), ==, 1);
  g_assert_cmpuint (host_count_lines (host, "accepting new peers again"), ==, 1);
}

#define N_SILENT 100

/* Peers that connect and never finish authenticating are closed after a
 * while; past a cap the oldest go at once. Meanwhile others are served. */
static void
test_silent_peers (void)
{
  g_autoptr(Host) host = NULL;
  g_autoptr(JmpClient) client = NULL;
  g_autoptr(GError) error = NULL;
  gint silent[N_SILENT];
  gint64 deadline;
  guint baseline;

  host = host_start (0, TRUE);
  baseline = jmp_test_count_fds (jmp_test_host_get_pid (host->host));

  for (guint i = 0; i < N_SILENT; i++)
    silent[i] = connect_raw (host_address (host));
  /* one starts the conversation, gets the mechanisms and goes quiet */
  g_assert_cmpint (write (silent[0], "\0AUTH\r\n", 7), ==, 7);

  client = jmp_client_new_for_address_sync (host_address (host), NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (client);

  /* every silent peer is closed; waiting is bounded only against a hang */
  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  for (guint i = 0; i < N_SILENT; i++)
    {
      gchar buf[256];
      gssize n;

      while ((n = recv (silent[i], buf, sizeof buf, MSG_DONTWAIT)) > 0 ||
             (n < 0 && errno == EAGAIN))
        {
          g_assert_cmpint (g_get_monotonic_time (), <, deadline);
          g_main_context_iteration (NULL, FALSE);
          g_usleep (20000);
        }
      g_assert_cmpint (n, ==, 0);
      close (silent[i]);
    }
  g_assert_cmpuint (jmp_test_wait_fds_at_most (jmp_test_host_get_pid (host->host), baseline + 1, 10000),
                    <=, baseline + 1);

  /* the client authenticated long ago is still served */
  g_clear_object (&client);
  client = jmp_client_new_for_address_sync (host_address (host), NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&client);

  host_stop (host);
  g_assert_cmpuint (host_count_lines (host, "did not authenticate"), >, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/accept/fd-exhaustion", test_fd_exhaustion);
  g_test_add_func ("/accept/silent-peers", test_silent_peers);
  return g_test_run ();
}
