/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The per-peer budget of pumped streams (jumpstarter-host
 * --max-streams-per-peer): one client holding streams open cannot take
 * the host's fds from the others, gets its budget back as its streams
 * end, and streams the host does not pump are not counted.
 */
#include <unistd.h>

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

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/stream-budget/echo", Fixture, NULL, fixture_setup, test_echo, fixture_teardown);
  g_test_add ("/stream-budget/direct-not-counted", Fixture, NULL, fixture_setup,
              test_direct_not_counted, fixture_teardown);
  g_test_add ("/stream-budget/reload-returns", Fixture, NULL, fixture_setup,
              test_reload_returns, fixture_teardown);
  return g_test_run ();
}
