/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The per-peer budget of pumped streams (jumpstarter-host
 * --max-streams-per-peer): one client holding streams open cannot take
 * the host's fds from the others, gets its budget back as its streams
 * end, and streams the host does not pump are not counted.
 */
#include <signal.h>
#include <unistd.h>

#include <gio/gunixfdlist.h>

#include "jmp-stream-budget-private.h"
#include "jmp-test-common.h"

#define BUDGET 4

static const gchar *budget_yaml =
  "export:\n"
  "  echo: {type: EchoNetwork}\n"
  "  tcp: {type: TcpNetwork, config: {host: 127.0.0.1, port: PORT}}\n";

typedef struct {
  gchar       *dir;
  gchar       *config;
  GSocket     *listener;  /* TcpNetwork's target: connections wait in its backlog */
  JmpTestHost *host;
  JmpClient   *client;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  const gchar *args[] = { "--max-streams-per-peer", G_STRINGIFY (BUDGET), NULL };
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *port = NULL;
  g_auto(GStrv) parts = NULL;
  g_autofree gchar *yaml = NULL;

  f->listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                              G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_set_listen_backlog (f->listener, 64);
  g_socket_bind (f->listener, address, TRUE, &error);
  g_assert_no_error (error);
  g_socket_listen (f->listener, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (f->listener, &error);
  g_assert_no_error (error);
  port = g_strdup_printf ("%u", g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  parts = g_strsplit (budget_yaml, "PORT", -1);
  yaml = g_strjoinv (port, parts);

  f->dir = jmp_test_mkdtemp ();
  f->config = jmp_test_write_file (f->dir, "budget.yaml", yaml);
  f->host = jmp_test_host_new (f->config, args);
  f->client = jmp_test_host_connect (f->host);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->client);
  jmp_test_host_stop (f->host);
  g_clear_pointer (&f->host, jmp_test_host_free);
  g_clear_object (&f->listener);
  jmp_test_rmdir (f->dir);
  g_free (f->config);
  g_free (f->dir);
}

static JmpNetworkProxy *
get_network (JmpClient *client, const gchar *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JmpDriverProxy) driver = jmp_client_get_driver (client, name, &error);

  g_assert_no_error (error);
  g_assert_nonnull (jmp_driver_proxy_get_network (driver));
  return g_object_ref (jmp_driver_proxy_get_network (driver));
}

static GSocket *
try_open (JmpNetworkProxy *network, GError **error)
{
  GSocket *socket = jmp_network_proxy_connect_socket_sync (network, NULL, error);

  if (socket != NULL)
    g_socket_set_blocking (socket, TRUE);
  return socket;
}

static GSocket *
open_stream (JmpNetworkProxy *network)
{
  g_autoptr(GError) error = NULL;
  GSocket *socket = try_open (network, &error);

  g_assert_no_error (error);
  g_assert_nonnull (socket);
  return socket;
}

static void
assert_echoes (GSocket *socket, const gchar *text)
{
  gchar buffer[64] = { 0 };
  gsize len = strlen (text);
  gsize got = 0;

  jmp_test_send_all (socket, text, len);
  while (got < len)
    {
      gssize n = g_socket_receive (socket, buffer + got, len - got, NULL, NULL);

      g_assert_cmpint (n, >, 0);
      got += n;
    }
  g_assert_cmpstr (buffer, ==, text);
}

/* the refusal names the limit and says what to do */
static void
assert_over_budget (JmpNetworkProxy *network)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = try_open (network, &error);
  g_autofree gchar *limit = g_strdup_printf (" %u ", (guint) BUDGET);

  g_assert_null (socket);
  g_assert_error (error, JMP_ERROR, JMP_ERROR_UNAVAILABLE);
  g_assert_nonnull (strstr (error->message, limit));
  g_assert_nonnull (strstr (error->message, "close"));
}

/* The host frees a stream's place once its pump saw the end, a moment
 * after the client closed: a bounded wait for the budget to return. */
static GSocket *
open_when_returned (JmpNetworkProxy *network)
{
  for (guint i = 0; i < 2000; i++)
    {
      g_autoptr(GError) error = NULL;
      GSocket *socket = try_open (network, &error);

      if (socket != NULL)
        return socket;
      g_assert_error (error, JMP_ERROR, JMP_ERROR_UNAVAILABLE);
      g_usleep (10 * 1000);
    }
  g_assert_not_reached ();
}

static void
test_echo (Fixture *f, gconstpointer data)
{
  g_autoptr(JmpNetworkProxy) echo = get_network (f->client, "echo");
  g_autoptr(GPtrArray) streams = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(JmpClient) other_client = NULL;
  g_autoptr(JmpNetworkProxy) other = NULL;
  g_autoptr(GSocket) other_stream = NULL;
  GPid pid = jmp_test_host_get_pid (f->host);
  guint baseline = jmp_test_count_fds (pid);

  for (guint i = 0; i < BUDGET; i++)
    g_ptr_array_add (streams, open_stream (echo));
  /* past the budget, at once, and again: nothing was opened for it */
  assert_over_budget (echo);
  assert_over_budget (echo);
  for (guint i = 0; i < streams->len; i++)
    assert_echoes (g_ptr_array_index (streams, i), "still pumped");

  /* another client is not disturbed */
  other_client = jmp_test_host_connect (f->host);
  other = get_network (other_client, "echo");
  other_stream = open_stream (other);
  assert_echoes (other_stream, "the other client");

  /* closing two gives two back, and no more */
  g_ptr_array_remove_range (streams, 0, 2);
  g_ptr_array_add (streams, open_when_returned (echo));
  g_ptr_array_add (streams, open_when_returned (echo));
  assert_over_budget (echo);
  assert_echoes (g_ptr_array_index (streams, streams->len - 1), "again");

  /* every stream closed, the other client gone: the host holds no more
   * fds than before */
  g_ptr_array_set_size (streams, 0);
  g_clear_object (&other_stream);
  g_clear_object (&other);
  g_clear_object (&other_client);
  g_assert_cmpuint (jmp_test_wait_fds_at_most (pid, baseline, 20000), <=, baseline);
}

/* A socket driver hands over the connected socket and keeps nothing: its
 * streams are not counted, and do not count against pumped ones. */
static void
test_direct_not_counted (Fixture *f, gconstpointer data)
{
  g_autoptr(JmpNetworkProxy) tcp = get_network (f->client, "tcp");
  g_autoptr(JmpNetworkProxy) echo = get_network (f->client, "echo");
  g_autoptr(GPtrArray) streams = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < 3 * BUDGET; i++)
    g_ptr_array_add (streams, open_stream (tcp));
  for (guint i = 0; i < BUDGET; i++)
    g_ptr_array_add (streams, open_stream (echo));
  assert_over_budget (echo);
  g_ptr_array_add (streams, open_stream (tcp));
}

/* A reload that removes the driver ends its streams: their budget comes
 * back for the drivers that replace it. */
static void
test_reload_returns (Fixture *f, gconstpointer data)
{
  g_autoptr(JmpNetworkProxy) echo = get_network (f->client, "echo");
  g_autoptr(JmpNetworkProxy) renamed = NULL;
  g_autoptr(GPtrArray) streams = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;
  g_autofree gchar *config = NULL;

  for (guint i = 0; i < BUDGET; i++)
    g_ptr_array_add (streams, open_stream (echo));
  assert_over_budget (echo);

  config = jmp_test_write_file (f->dir, "budget.yaml",
                                "export:\n  echo2: {type: EchoNetwork}\n");
  jmp_client_reload_sync (f->client, NULL, &error);
  g_assert_no_error (error);
  /* the old streams end with their driver */
  for (guint i = 0; i < streams->len; i++)
    {
      g_autoptr(GBytes) rest = jmp_test_receive_to_eof (g_ptr_array_index (streams, i));

      g_assert_cmpuint (g_bytes_get_size (rest), ==, 0);
    }

  /* the client learns of the new tree from its signals */
  for (guint i = 0; i < 2000 && renamed == NULL; i++)
    {
      g_autoptr(JmpDriverProxy) driver = jmp_client_get_driver (f->client, "echo2", NULL);

      if (driver != NULL)
        renamed = g_object_ref (jmp_driver_proxy_get_network (driver));
      else
        {
          g_main_context_iteration (NULL, FALSE);
          g_usleep (1000);
        }
    }
  g_assert_nonnull (renamed);
  for (guint i = 0; i < BUDGET; i++)
    {
      GSocket *socket = open_when_returned (renamed);

      assert_echoes (socket, "after the reload");
      g_ptr_array_add (streams, socket);
    }
  assert_over_budget (renamed);
}

/* ---- on a bus: one budget per sender ------------------------------------ */

static GDBusConnection *
bus_connect (GTestDBus *bus)
{
  g_autoptr(GError) error = NULL;
  GDBusConnection *connection;

  connection = g_dbus_connection_new_for_address_sync (g_test_dbus_get_bus_address (bus),
    G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
    G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION, NULL, NULL, &error);
  g_assert_no_error (error);
  return connection;
}

/* Connect() on the bus: the fd, or -1 with @error set */
static gint
bus_open_echo (GDBusConnection *connection, GError **error)
{
  g_autoptr(GUnixFDList) fds = NULL;
  g_autoptr(GVariant) reply = NULL;

  reply = g_dbus_connection_call_with_unix_fd_list_sync (connection, "dev.jumpstarter.Host1",
    "/dev/jumpstarter/Host1/driver/echo", "dev.jumpstarter.Network1", "Connect", NULL,
    G_VARIANT_TYPE ("(h)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &fds, NULL, error);
  if (reply == NULL)
    return -1;
  return g_unix_fd_list_get (fds, 0, error);
}

static void
test_bus_senders (void)
{
  const gchar *yaml = "export:\n  echo: {type: EchoNetwork}\n";
  g_autoptr(GTestDBus) bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_autoptr(GSubprocess) host = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GDBusConnection) first = NULL;
  g_autoptr(GDBusConnection) second = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *dir = jmp_test_mkdtemp ();
  g_autofree gchar *config = jmp_test_write_file (dir, "bus.yaml", yaml);
  g_autofree gchar *line = NULL;
  gint fds[BUDGET];
  gint fd;

  g_test_dbus_up (bus);
  host = jmp_test_spawn (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, g_getenv ("JMP_TEST_HOST"),
                         "--config", config, "--print-address",
                         "--max-streams-per-peer", G_STRINGIFY (BUDGET), NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (host));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);

  first = bus_connect (bus);
  second = bus_connect (bus);
  for (guint i = 0; i < BUDGET; i++)
    {
      fds[i] = bus_open_echo (first, &error);
      g_assert_no_error (error);
    }
  fd = bus_open_echo (first, &error);
  g_assert_cmpint (fd, ==, -1);
  g_assert_true (g_dbus_error_is_remote_error (error));
  {
    g_autofree gchar *name = g_dbus_error_get_remote_error (error);

    g_assert_cmpstr (name, ==, "dev.jumpstarter.Error.Unavailable");
  }
  g_clear_error (&error);

  /* another sender on the same bus has its own budget */
  fd = bus_open_echo (second, &error);
  g_assert_no_error (error);
  close (fd);
  for (guint i = 0; i < BUDGET; i++)
    close (fds[i]);

  g_subprocess_send_signal (host, SIGTERM);
  g_subprocess_wait (host, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_subprocess_get_exit_status (host), ==, 0);
  g_dbus_connection_close_sync (first, NULL, NULL);
  g_dbus_connection_close_sync (second, NULL, NULL);
  g_test_dbus_down (bus);
  jmp_test_rmdir (dir);
}

/* ---- the option ---------------------------------------------------------- */

static void
test_bad_option (void)
{
  const gchar *values[] = { "0", "-1", "1048577", "many" };

  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      g_autoptr(GSubprocess) host = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree gchar *err = NULL;

      host = jmp_test_spawn (G_SUBPROCESS_FLAGS_STDERR_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE,
                             &error, g_getenv ("JMP_TEST_HOST"), "--listen", "unix:path=/nonexistent/x",
                             "--max-streams-per-peer", values[i], NULL);
      g_assert_no_error (error);
      g_subprocess_communicate_utf8 (host, NULL, NULL, NULL, &err, &error);
      g_assert_no_error (error);
      g_test_message ("%s: %s", values[i], err);
      g_assert_cmpint (g_subprocess_get_exit_status (host), ==, 2);
      g_assert_nonnull (strstr (err, "--max-streams-per-peer"));
      g_assert_nonnull (strstr (err, values[i]));
    }
}

/* ---- the lease, in-process ------------------------------------------------ */

static gpointer
drop_lease_thread (gpointer lease)
{
  g_object_unref (lease);
  return NULL;
}

static void
test_lease (void)
{
  g_autoptr(JmpStreamBudget) budget = jmp_stream_budget_new (2);
  g_autoptr(GCancellable) alice = g_cancellable_new ();
  g_autoptr(GCancellable) bob = g_cancellable_new ();
  g_autoptr(GCancellable) plain = g_cancellable_new ();
  g_autoptr(JmpStreamLease) a1 = NULL;
  g_autoptr(JmpStreamLease) a2 = NULL;
  g_autoptr(JmpStreamLease) a3 = NULL;
  g_autoptr(JmpStreamLease) b1 = NULL;
  g_autoptr(GPtrArray) free_leases = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;

  /* no budget attached (a driver used in-process): always granted */
  for (guint i = 0; i < 100; i++)
    {
      g_ptr_array_add (free_leases, jmp_stream_lease_acquire (NULL, &error));
      g_assert_no_error (error);
      g_ptr_array_add (free_leases, jmp_stream_lease_acquire (plain, &error));
      g_assert_no_error (error);
    }

  jmp_stream_budget_attach (budget, alice, "alice");
  jmp_stream_budget_attach (budget, bob, "bob");
  a1 = jmp_stream_lease_acquire (alice, &error);
  g_assert_no_error (error);
  a2 = jmp_stream_lease_acquire (alice, &error);
  g_assert_no_error (error);
  a3 = jmp_stream_lease_acquire (alice, &error);
  g_assert_error (error, JMP_ERROR, JMP_ERROR_UNAVAILABLE);
  g_assert_null (a3);
  g_clear_error (&error);
  b1 = jmp_stream_lease_acquire (bob, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (jmp_stream_budget_get_n_open (budget, "alice"), ==, 2);
  g_assert_cmpuint (jmp_stream_budget_get_n_open (budget, "bob"), ==, 1);

  /* a pump may end in another thread */
  g_thread_join (g_thread_new ("drop", drop_lease_thread, g_steal_pointer (&a1)));
  g_assert_cmpuint (jmp_stream_budget_get_n_open (budget, "alice"), ==, 1);
  a3 = jmp_stream_lease_acquire (alice, &error);
  g_assert_no_error (error);

  /* the budget outlives its owner while leases hold it */
  g_clear_pointer (&budget, jmp_stream_budget_unref);
  g_clear_object (&alice);
  g_clear_object (&a2);
  g_clear_object (&a3);
  g_clear_object (&b1);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/stream-budget/echo", Fixture, NULL, fixture_setup, test_echo, fixture_teardown);
  g_test_add ("/stream-budget/direct-not-counted", Fixture, NULL, fixture_setup,
              test_direct_not_counted, fixture_teardown);
  g_test_add ("/stream-budget/reload-returns", Fixture, NULL, fixture_setup,
              test_reload_returns, fixture_teardown);
  g_test_add_func ("/stream-budget/bus-senders", test_bus_senders);
  g_test_add_func ("/stream-budget/bad-option", test_bad_option);
  g_test_add_func ("/stream-budget/lease", test_lease);
  return g_test_run ();
}
