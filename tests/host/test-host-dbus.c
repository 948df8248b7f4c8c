/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * jumpstarter-host on the wire: the object tree on a private session bus,
 * peer-to-peer mode, reload, bad calls and start-up failures. Raw GDBus
 * calls, so the D-Bus API is tested apart from the client library.
 */
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "jmp-test-common.h"

#define HOST_PATH "/dev/jumpstarter/Host1"
#define HOST_IFACE "dev.jumpstarter.Host1"
#define DRIVER_IFACE "dev.jumpstarter.Driver1"
#define NETWORK_IFACE "dev.jumpstarter.Network1"

static const gchar *tree_yaml =
  "apiVersion: jumpstarter.dev/v1alpha1\n"
  "kind: ExporterConfig\n"
  "metadata: {namespace: default, name: tree}\n"
  "endpoint: grpc.example:443\n"
  "token: secret\n"
  "description: the tree\n"
  "motd: hello\n"
  "export:\n"
  "  echo:\n"
  "    type: EchoNetwork\n"
  "    description: an echo\n"
  "    methods_description: {connect: talk to yourself}\n"
  "  harness:\n"
  "    description: a group\n"
  "    children:\n"
  "      probe-1: {type: jumpstarter_driver_network.driver.EchoNetwork}\n"
  "  alias: {ref: harness.probe-1}\n";

static GDBusConnection *
connect_peer (const gchar *address)
{
  g_autoptr(GError) error = NULL;
  GDBusConnection *connection;

  connection = g_dbus_connection_new_for_address_sync (
    address, G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT, NULL, NULL, &error);
  g_assert_no_error (error);
  return connection;
}

/* object path → a{sa{sv}} of its interfaces */
static GHashTable *
get_managed_objects (GDBusConnection *connection, const gchar *bus_name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariantIter) iter = NULL;
  GHashTable *objects = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                               (GDestroyNotify) g_variant_unref);
  gchar *path;
  GVariant *ifaces;

  reply = g_dbus_connection_call_sync (connection, bus_name, HOST_PATH,
                                       "org.freedesktop.DBus.ObjectManager",
                                       "GetManagedObjects", NULL,
                                       G_VARIANT_TYPE ("(a{oa{sa{sv}}})"),
                                       G_DBUS_CALL_FLAGS_NONE, 10000, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(a{oa{sa{sv}}})", &iter);
  while (g_variant_iter_next (iter, "{o@a{sa{sv}}}", &path, &ifaces))
    g_hash_table_insert (objects, path, ifaces);
  return objects;
}

static GVariant *
object_prop (GHashTable *objects, const gchar *path, const gchar *iface, const gchar *prop)
{
  GVariant *ifaces = g_hash_table_lookup (objects, path);
  g_autoptr(GVariant) props = NULL;

  g_assert_nonnull (ifaces);
  props = g_variant_lookup_value (ifaces, iface, G_VARIANT_TYPE ("a{sv}"));
  g_assert_nonnull (props);
  return g_variant_lookup_value (props, prop, NULL);
}

static gchar *
object_prop_string (GHashTable *objects, const gchar *path, const gchar *prop)
{
  g_autoptr(GVariant) value = object_prop (objects, path, DRIVER_IFACE, prop);

  g_assert_nonnull (value);
  return g_variant_dup_string (value, NULL);
}

static GVariant *
host_prop (GDBusConnection *connection, const gchar *bus_name, const gchar *prop)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  GVariant *value;

  reply = g_dbus_connection_call_sync (connection, bus_name, HOST_PATH,
                                       "org.freedesktop.DBus.Properties", "Get",
                                       g_variant_new ("(ss)", HOST_IFACE, prop),
                                       G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE,
                                       10000, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(v)", &value);
  return value;
}

/* ListDrivers(): the rows, from the little-endian bytes of the reply */
static GVariant *
call_list_drivers (GDBusConnection *connection, const gchar *bus_name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) data = NULL;
  g_autoptr(GBytes) bytes = NULL;
  GVariant *rows;

  reply = g_dbus_connection_call_sync (connection, bus_name, HOST_PATH, HOST_IFACE,
                                       "ListDrivers", NULL, G_VARIANT_TYPE ("(ay)"),
                                       G_DBUS_CALL_FLAGS_NONE, 10000, NULL, &error);
  g_assert_no_error (error);
  data = g_variant_get_child_value (reply, 0);
  bytes = g_variant_get_data_as_bytes (data);
  rows = g_variant_ref_sink (g_variant_new_from_bytes (G_VARIANT_TYPE ("a(ossssssa{ss}a{ss})"),
                                                       bytes, FALSE));
  if (G_BYTE_ORDER == G_BIG_ENDIAN)
    {
      GVariant *swapped = g_variant_byteswap (rows);

      g_variant_unref (rows);
      rows = swapped;
    }
  g_assert_true (g_variant_is_normal_form (rows));
  return rows;
}

/* ListDrivers() says what GetManagedObjects() says of every driver, in
 * the order of Driver1.Index. Returns the rows. */
static GVariant *
assert_driver_rows (GDBusConnection *connection, const gchar *bus_name)
{
  g_autoptr(GHashTable) objects = get_managed_objects (connection, bus_name);
  GVariant *rows = call_list_drivers (connection, bus_name);
  const gchar *string_props[] = { "Name", "Path", "Type", "Uuid", "ParentUuid", "Description" };
  gint64 last_index = -1;

  g_assert_cmpuint (g_variant_n_children (rows), ==, g_hash_table_size (objects));
  for (gsize i = 0; i < g_variant_n_children (rows); i++)
    {
      g_autoptr(GVariant) row = g_variant_get_child_value (rows, i);
      g_autoptr(GVariant) path = g_variant_get_child_value (row, 0);
      const gchar *object_path = g_variant_get_string (path, NULL);
      g_autoptr(GVariant) index = object_prop (objects, object_path, DRIVER_IFACE, "Index");

      for (guint p = 0; p < G_N_ELEMENTS (string_props); p++)
        {
          g_autoptr(GVariant) field = g_variant_get_child_value (row, p + 1);
          g_autoptr(GVariant) prop = object_prop (objects, object_path, DRIVER_IFACE,
                                                  string_props[p]);

          g_assert_true (g_variant_equal (field, prop));
        }
      for (guint p = 0; p < 2; p++)
        {
          g_autoptr(GVariant) field = g_variant_get_child_value (row, 7 + p);
          g_autoptr(GVariant) prop = object_prop (objects, object_path, DRIVER_IFACE,
                                                  p == 0 ? "Labels" : "MethodsDescription");

          g_assert_true (g_variant_equal (field, prop));
        }
      g_assert_cmpint (g_variant_get_uint32 (index), >, last_index);
      last_index = g_variant_get_uint32 (index);
    }
  return rows;
}

static void
assert_tree (GDBusConnection *connection, const gchar *bus_name)
{
  g_autoptr(GHashTable) objects = get_managed_objects (connection, bus_name);
  g_autofree gchar *echo_uuid = NULL;
  g_autofree gchar *harness_uuid = NULL;
  g_autofree gchar *probe_uuid = NULL;
  g_autofree gchar *alias_uuid = NULL;
  g_autofree gchar *s = NULL;
  g_autoptr(GVariant) v = NULL;
  g_autoptr(GVariant) labels = NULL;
  const gchar *text = NULL;
  const gchar *probe_path = HOST_PATH "/driver/harness/probe_2d1";

  g_assert_cmpuint (g_hash_table_size (objects), ==, 4);
  g_assert_true (g_hash_table_contains (objects, HOST_PATH "/driver/echo"));
  g_assert_true (g_hash_table_contains (objects, HOST_PATH "/driver/harness"));
  g_assert_true (g_hash_table_contains (objects, probe_path));
  g_assert_true (g_hash_table_contains (objects, HOST_PATH "/driver/alias"));

  s = object_prop_string (objects, HOST_PATH "/driver/echo", "Type");
  g_assert_cmpstr (s, ==, "EchoNetwork");
  g_clear_pointer (&s, g_free);
  s = object_prop_string (objects, HOST_PATH "/driver/echo", "Description");
  g_assert_cmpstr (s, ==, "an echo");
  g_clear_pointer (&s, g_free);
  v = object_prop (objects, HOST_PATH "/driver/echo", DRIVER_IFACE, "MethodsDescription");
  g_assert_true (g_variant_lookup (v, "connect", "&s", &text));
  g_assert_cmpstr (text, ==, "talk to yourself");
  g_clear_pointer (&v, g_variant_unref);
  labels = object_prop (objects, HOST_PATH "/driver/echo", DRIVER_IFACE, "Labels");
  g_assert_true (g_variant_lookup (labels, "jumpstarter.dev/name", "&s", &text));
  g_assert_cmpstr (text, ==, "echo");

  /* capabilities: the echo is a network; the group is not */
  v = object_prop (objects, HOST_PATH "/driver/echo", NETWORK_IFACE, "NoSuchProp");
  g_assert_null (v);
  g_assert_null (g_variant_lookup_value (g_hash_table_lookup (objects, HOST_PATH "/driver/harness"),
                                         NETWORK_IFACE, NULL));

  /* depth first, in the order of the file */
  {
    const gchar *order[] = { HOST_PATH "/driver/echo", HOST_PATH "/driver/harness",
                             probe_path, HOST_PATH "/driver/alias" };

    for (guint i = 0; i < G_N_ELEMENTS (order); i++)
      {
        g_autoptr(GVariant) index = object_prop (objects, order[i], DRIVER_IFACE, "Index");
        g_assert_cmpuint (g_variant_get_uint32 (index), ==, i);
      }
  }

  s = object_prop_string (objects, HOST_PATH "/driver/harness", "Type");
  g_assert_cmpstr (s, ==, "Composite");
  g_clear_pointer (&s, g_free);
  s = object_prop_string (objects, probe_path, "Path");
  g_assert_cmpstr (s, ==, "harness.probe-1");
  g_clear_pointer (&s, g_free);
  s = object_prop_string (objects, probe_path, "Name");
  g_assert_cmpstr (s, ==, "probe-1");
  g_clear_pointer (&s, g_free);

  echo_uuid = object_prop_string (objects, HOST_PATH "/driver/echo", "Uuid");
  harness_uuid = object_prop_string (objects, HOST_PATH "/driver/harness", "Uuid");
  probe_uuid = object_prop_string (objects, probe_path, "Uuid");
  alias_uuid = object_prop_string (objects, HOST_PATH "/driver/alias", "Uuid");
  g_assert_true (g_uuid_string_is_valid (echo_uuid));
  g_assert_cmpstr (echo_uuid, !=, probe_uuid);
  /* a ref is the same driver under a second name */
  g_assert_cmpstr (alias_uuid, ==, probe_uuid);
  s = object_prop_string (objects, probe_path, "ParentUuid");
  g_assert_cmpstr (s, ==, harness_uuid);
  g_clear_pointer (&s, g_free);
  s = object_prop_string (objects, HOST_PATH "/driver/echo", "ParentUuid");
  g_assert_cmpstr (s, ==, "");
  g_clear_pointer (&s, g_free);

  v = host_prop (connection, bus_name, "ExporterName");
  g_assert_cmpstr (g_variant_get_string (v, NULL), ==, "tree");
  g_clear_pointer (&v, g_variant_unref);
  v = host_prop (connection, bus_name, "Motd");
  g_assert_cmpstr (g_variant_get_string (v, NULL), ==, "hello");
  g_clear_pointer (&v, g_variant_unref);
  v = host_prop (connection, bus_name, "Version");
  g_assert_cmpstr (g_variant_get_string (v, NULL), !=, "");
  g_clear_pointer (&v, g_variant_unref);

  v = assert_driver_rows (connection, bus_name);
  g_assert_cmpuint (g_variant_n_children (v), ==, 4);
}

static gchar *
echo_once (GDBusConnection *connection, const gchar *bus_name, const gchar *path,
           const gchar *payload)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GUnixFDList) fds = NULL;
  g_autoptr(GSocket) socket = NULL;
  gchar buffer[256];
  gssize n, total = 0;
  gint32 index;

  reply = g_dbus_connection_call_with_unix_fd_list_sync (connection, bus_name, path,
                                                         NETWORK_IFACE, "Connect", NULL,
                                                         G_VARIANT_TYPE ("(h)"),
                                                         G_DBUS_CALL_FLAGS_NONE, 10000,
                                                         NULL, &fds, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(h)", &index);
  g_assert_cmpint (g_unix_fd_list_get_length (fds), ==, 1);
  socket = g_socket_new_from_fd (g_unix_fd_list_get (fds, index, NULL), &error);
  g_assert_no_error (error);
  g_socket_set_blocking (socket, TRUE);
  g_socket_send (socket, payload, strlen (payload), NULL, &error);
  g_assert_no_error (error);
  g_socket_shutdown (socket, FALSE, TRUE, &error);
  g_assert_no_error (error);
  while ((n = g_socket_receive (socket, buffer + total, sizeof buffer - 1 - total,
                                NULL, &error)) > 0)
    total += n;
  g_assert_no_error (error);
  buffer[total] = '\0';
  return g_strdup (buffer);
}

static void
test_session_bus_tree (void)
{
  g_autoptr(GTestDBus) bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) connection = NULL;
  g_autoptr(GSubprocess) host = NULL;
  g_autofree gchar *dir = jmp_test_mkdtemp ();
  g_autofree gchar *config = jmp_test_write_file (dir, "tree.yaml", tree_yaml);
  g_autofree gchar *reply = NULL;
  g_autofree gchar *owner = NULL;
  g_autofree gchar *line = NULL;
  g_autoptr(GDataInputStream) out = NULL;

  g_test_dbus_up (bus);
  host = jmp_test_spawn (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                           g_getenv ("JMP_TEST_HOST"), "--config", config,
                           "--print-address", NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (host));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_true (g_dbus_is_unique_name (line));

  connection = g_dbus_connection_new_for_address_sync (g_test_dbus_get_bus_address (bus),
    G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
    G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION, NULL, NULL, &error);
  g_assert_no_error (error);
  assert_tree (connection, "dev.jumpstarter.Host1");

  reply = echo_once (connection, "dev.jumpstarter.Host1",
                     HOST_PATH "/driver/alias", "through the bus");
  g_assert_cmpstr (reply, ==, "through the bus");

  /* a second host cannot take the name */
  {
    g_autoptr(GSubprocess) second = NULL;
    g_autofree gchar *err = NULL;

    second = jmp_test_spawn (G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                               g_getenv ("JMP_TEST_HOST"), "--config", config, NULL);
    g_assert_no_error (error);
    g_subprocess_communicate_utf8 (second, NULL, NULL, NULL, &err, &error);
    g_assert_no_error (error);
    g_assert_cmpint (g_subprocess_get_exit_status (second), !=, 0);
    g_assert_nonnull (strstr (err, "another host"));
  }

  g_subprocess_send_signal (host, SIGTERM);
  g_subprocess_wait (host, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (host));
  g_assert_cmpint (g_subprocess_get_exit_status (host), ==, 0);

  g_dbus_connection_close_sync (connection, NULL, NULL);
  g_test_dbus_down (bus);
  jmp_test_rmdir (dir);
}

static void
test_peer_tree (void)
{
  g_autofree gchar *dir = jmp_test_mkdtemp ();
  g_autofree gchar *config = jmp_test_write_file (dir, "tree.yaml", tree_yaml);
  g_autoptr(JmpTestHost) host = jmp_test_host_new (config, NULL);
  g_autoptr(GDBusConnection) connection = connect_peer (jmp_test_host_get_address (host));
  g_autoptr(GDBusConnection) second = connect_peer (jmp_test_host_get_address (host));
  g_autofree gchar *reply = NULL;
  g_autofree gchar *sock = g_strdup (jmp_test_host_get_address (host) + strlen ("unix:path="));
  GStatBuf st;

  /* only our uid may connect */
  g_assert_cmpint (g_stat (sock, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  assert_tree (connection, NULL);
  assert_tree (second, NULL);
  reply = echo_once (second, NULL, HOST_PATH "/driver/echo", "peer to peer");
  g_assert_cmpstr (reply, ==, "peer to peer");

  /* one peer leaving disturbs no other */
  g_dbus_connection_close_sync (connection, NULL, NULL);
  g_clear_pointer (&reply, g_free);
  reply = echo_once (second, NULL, HOST_PATH "/driver/echo", "still here");
  g_assert_cmpstr (reply, ==, "still here");

  jmp_test_host_stop (host);
  /* the socket goes with the host */
  g_assert_false (g_file_test (sock, G_FILE_TEST_EXISTS));
  jmp_test_rmdir (dir);
}

static void
test_peer_socket_in_use (void)
{
  g_autofree gchar *dir = jmp_test_mkdtemp ();
  g_autofree gchar *config = jmp_test_write_file (dir, "tree.yaml", tree_yaml);
  g_autoptr(JmpTestHost) host = jmp_test_host_new (config, NULL);
  g_autoptr(GSubprocess) second = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *err = NULL;
  g_autoptr(GDBusConnection) connection = NULL;

  second = jmp_test_spawn (G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                             g_getenv ("JMP_TEST_HOST"), "--config", config,
                             "--listen", jmp_test_host_get_address (host), NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (second, NULL, NULL, NULL, &err, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_subprocess_get_exit_status (second), !=, 0);
  g_assert_nonnull (strstr (err, "another host is listening"));

  /* and the first one's socket survived the attempt */
  connection = connect_peer (jmp_test_host_get_address (host));
  assert_tree (connection, NULL);
  jmp_test_host_stop (host);
  jmp_test_rmdir (dir);
}

static void
test_peer_stale_socket (void)
{
  g_autofree gchar *dir = jmp_test_mkdtemp ();
  g_autofree gchar *config = jmp_test_write_file (dir, "tree.yaml", tree_yaml);
  g_autofree gchar *sock = g_build_filename (dir, "stale.sock", NULL);
  g_autofree gchar *address = g_strdup_printf ("unix:path=%s", sock);
  g_autoptr(GSocket) s = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, 0, NULL);
  g_autoptr(GSocketAddress) sa = g_unix_socket_address_new (sock);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) p = NULL;
  g_autoptr(GDataInputStream) in = NULL;
  g_autoptr(GDBusConnection) c = NULL;
  g_autofree gchar *line = NULL;

  /* what a host killed hard leaves behind: a socket file nobody listens on */
  g_socket_bind (s, sa, FALSE, &error);
  g_assert_no_error (error);
  g_socket_close (s, NULL);
  g_assert_true (g_file_test (sock, G_FILE_TEST_EXISTS));

  p = jmp_test_spawn (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                        g_getenv ("JMP_TEST_HOST"), "--config", config,
                        "--listen", address, "--print-address", NULL);
  g_assert_no_error (error);
  in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (p));
  line = g_data_input_stream_read_line_utf8 (in, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (line, ==, address);
  c = connect_peer (address);
  assert_tree (c, NULL);

  g_subprocess_send_signal (p, SIGTERM);
  g_subprocess_wait (p, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_subprocess_get_exit_status (p), ==, 0);
  jmp_test_rmdir (dir);
}

/* A stale socket of another user in a shared directory is left alone. */
static void
test_peer_foreign_socket (void)
{
  g_autofree gchar *dir = jmp_test_mkdtemp ();
  g_autofree gchar *config = jmp_test_write_file (dir, "tree.yaml", tree_yaml);
  g_autofree gchar *sock = g_build_filename (dir, "other.sock", NULL);
  g_autofree gchar *address = g_strdup_printf ("unix:path=%s", sock);
  g_autoptr(GSocket) s = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, 0, NULL);
  g_autoptr(GSocketAddress) sa = g_unix_socket_address_new (sock);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) p = NULL;
  g_autofree gchar *err = NULL;
  GStatBuf st;

  if (getuid () != 0)
    {
      g_test_skip ("making a socket of another uid needs root");
      return;
    }
  g_socket_bind (s, sa, FALSE, &error);
  g_assert_no_error (error);
  g_socket_close (s, NULL);
  g_assert_cmpint (chown (sock, 65534, 65534), ==, 0);

  /* a host that took the socket over would serve on: timeout(1) ends it,
   * and the test fails on its missing message */
  p = jmp_test_spawn (G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                      "timeout", "-s", "KILL", "30",
                      g_getenv ("JMP_TEST_HOST"), "--config", config,
                      "--listen", address, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (p, NULL, NULL, NULL, &err, &error);
  g_assert_no_error (error);
  g_test_message ("stderr: %s", err);
  g_assert_cmpint (g_subprocess_get_exit_status (p), !=, 0);
  g_assert_nonnull (strstr (err, "belongs to uid 65534"));
  g_assert_cmpint (g_lstat (sock, &st), ==, 0);
  g_assert_cmpuint (st.st_uid, ==, 65534);
  jmp_test_rmdir (dir);
}

/* gdbus and busctl take any address for a bus: the peer-to-peer host
 * answers their Hello and bus calls, so they work against it too */
static void
test_peer_bus_tools (void)
{
  g_autofree gchar *dir = jmp_test_mkdtemp ();
  g_autofree gchar *config = jmp_test_write_file (dir, "tree.yaml", tree_yaml);
  g_autoptr(JmpTestHost) host = jmp_test_host_new (config, NULL);
  g_autoptr(GSubprocess) p = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_autofree gchar *busctl_address = g_strdup_printf ("--address=%s",
                                                      jmp_test_host_get_address (host));

  p = jmp_test_spawn (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                      "gdbus", "introspect", "--address", jmp_test_host_get_address (host),
                      "--dest", "dev.jumpstarter.Host1", "--object-path",
                      HOST_PATH "/driver/harness/probe_2d1", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (p, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_subprocess_get_exit_status (p), ==, 0);
  g_assert_nonnull (strstr (out, "interface dev.jumpstarter.Network1"));
  g_assert_nonnull (strstr (out, "readonly s Path = 'harness.probe-1'"));
  g_clear_object (&p);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  p = jmp_test_spawn (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                      "busctl", busctl_address, "get-property", "dev.jumpstarter.Host1",
                      HOST_PATH, "dev.jumpstarter.Host1", "ExporterName", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (p, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  if (g_subprocess_get_exit_status (p) != 0)
    g_error ("busctl failed: %s", err);
  g_assert_cmpstr (out, ==, "s \"tree\"\n");

  jmp_test_host_stop (host);
  jmp_test_rmdir (dir);
}

/* The sender field of the reply to @member, "" for none: Host1's, or
 * the peer bus's when @body is given. */
static gchar *
reply_sender (GDBusConnection *connection, const gchar *member, GVariant *body)
{
  g_autoptr(GDBusMessage) call = NULL;
  g_autoptr(GDBusMessage) reply = NULL;
  g_autoptr(GError) error = NULL;

  call = g_dbus_message_new_method_call (NULL,
                                         body != NULL ? "/org/freedesktop/DBus" : HOST_PATH,
                                         body != NULL ? "org.freedesktop.DBus" : HOST_IFACE,
                                         member);
  if (body != NULL)
    g_dbus_message_set_body (call, body);
  reply = g_dbus_connection_send_message_with_reply_sync (connection, call,
                                                          G_DBUS_SEND_MESSAGE_FLAGS_NONE, 10000,
                                                          NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_dbus_message_get_message_type (reply), ==, G_DBUS_MESSAGE_TYPE_METHOD_RETURN);
  return g_strdup (g_dbus_message_get_sender (reply) ?: "");
}

/* Replies carry a bus's sender only for peers that took the host for a
 * bus (Hello, as busctl does): GDBus writes a message a filter replaces a
 * second time, which for a large reply doubled the host's work. */
static void
test_peer_sender_after_hello (void)
{
  g_autofree gchar *dir = jmp_test_mkdtemp ();
  g_autofree gchar *config = jmp_test_write_file (dir, "tree.yaml", tree_yaml);
  g_autoptr(JmpTestHost) host = jmp_test_host_new (config, NULL);
  g_autoptr(GDBusConnection) plain = connect_peer (jmp_test_host_get_address (host));
  g_autoptr(GDBusConnection) tool = connect_peer (jmp_test_host_get_address (host));
  const struct {
    GDBusConnection *connection;
    const gchar     *member;
    gboolean         hello;
    const gchar     *sender;
  } calls[] = {
    { plain, "ListPlugins", FALSE, "" },
    { tool, "Hello", TRUE, ":0.0" },
    { tool, "ListPlugins", FALSE, ":0.0" },
    { plain, "ListPlugins", FALSE, "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (calls); i++)
    {
      g_autofree gchar *sender = reply_sender (calls[i].connection, calls[i].member,
                                               calls[i].hello ? g_variant_new ("()") : NULL);

      g_assert_cmpstr (sender, ==, calls[i].sender);
    }

  jmp_test_host_stop (host);
  jmp_test_rmdir (dir);
}

static void
test_bad_calls (void)
{
  g_autofree gchar *dir = jmp_test_mkdtemp ();
  g_autofree gchar *config = jmp_test_write_file (dir, "tree.yaml", tree_yaml);
  g_autoptr(JmpTestHost) host = jmp_test_host_new (config, NULL);
  g_autoptr(GDBusConnection) connection = connect_peer (jmp_test_host_get_address (host));
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autofree gchar *echo = NULL;
  gchar *remote;

  /* wrong arguments */
  reply = g_dbus_connection_call_sync (connection, NULL, HOST_PATH "/driver/echo",
                                       NETWORK_IFACE, "Connect",
                                       g_variant_new ("(s)", "unexpected"), NULL,
                                       G_DBUS_CALL_FLAGS_NONE, 10000, NULL, &error);
  g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS);
  g_clear_error (&error);

  /* no such method, object, interface */
  reply = g_dbus_connection_call_sync (connection, NULL, HOST_PATH "/driver/echo",
                                       NETWORK_IFACE, "Explode", NULL, NULL,
                                       G_DBUS_CALL_FLAGS_NONE, 10000, NULL, &error);
  g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD);
  g_clear_error (&error);
  reply = g_dbus_connection_call_sync (connection, NULL, HOST_PATH "/driver/nope",
                                       NETWORK_IFACE, "Connect", NULL, NULL,
                                       G_DBUS_CALL_FLAGS_NONE, 10000, NULL, &error);
  g_assert_nonnull (error);
  g_clear_error (&error);
  reply = g_dbus_connection_call_sync (connection, NULL, HOST_PATH "/driver/harness",
                                       NETWORK_IFACE, "Connect", NULL, NULL,
                                       G_DBUS_CALL_FLAGS_NONE, 10000, NULL, &error);
  g_assert_nonnull (error);
  g_clear_error (&error);

  /* a capability the driver lacks: our own error name */
  reply = g_dbus_connection_call_sync (connection, NULL, HOST_PATH "/driver/echo",
                                       NETWORK_IFACE, "Address", NULL, NULL,
                                       G_DBUS_CALL_FLAGS_NONE, 10000, NULL, &error);
  g_assert_error (error, JMP_ERROR, JMP_ERROR_NOT_SUPPORTED);
  remote = g_dbus_error_get_remote_error (error);
  g_assert_cmpstr (remote, ==, "dev.jumpstarter.Error.NotSupported");
  g_free (remote);
  g_clear_error (&error);

  /* setting a read-only property */
  reply = g_dbus_connection_call_sync (connection, NULL, HOST_PATH "/driver/echo",
                                       "org.freedesktop.DBus.Properties", "Set",
                                       g_variant_new ("(ssv)", DRIVER_IFACE, "Name",
                                                      g_variant_new_string ("x")),
                                       NULL, G_DBUS_CALL_FLAGS_NONE, 10000, NULL, &error);
  g_assert_nonnull (error);
  g_clear_error (&error);

  /* the bus calls a peer answers for bus tools, with wrong and odd input */
  reply = g_dbus_connection_call_sync (connection, NULL, "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "GetNameOwner",
                                       g_variant_new ("(s)", "org.example.Nobody"), NULL,
                                       G_DBUS_CALL_FLAGS_NONE, 10000, NULL, &error);
  g_assert_nonnull (error);
  remote = g_dbus_error_get_remote_error (error);
  g_assert_cmpstr (remote, ==, "org.freedesktop.DBus.Error.NameHasNoOwner");
  g_free (remote);
  g_clear_error (&error);
  reply = g_dbus_connection_call_sync (connection, NULL, "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "NameHasOwner",
                                       g_variant_new ("(u)", 7), NULL,
                                       G_DBUS_CALL_FLAGS_NONE, 10000, NULL, &error);
  g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS);
  g_clear_error (&error);
  reply = g_dbus_connection_call_sync (connection, NULL, "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "RequestName",
                                       g_variant_new ("(su)", "dev.jumpstarter.Host1", 0), NULL,
                                       G_DBUS_CALL_FLAGS_NONE, 10000, NULL, &error);
  g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD);
  g_clear_error (&error);
  g_clear_pointer (&reply, g_variant_unref);
  reply = g_dbus_connection_call_sync (connection, NULL, "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "Hello", NULL,
                                       G_VARIANT_TYPE ("(s)"), G_DBUS_CALL_FLAGS_NONE, 10000,
                                       NULL, &error);
  g_assert_no_error (error);
  {
    const gchar *unique = NULL;

    g_variant_get (reply, "(&s)", &unique);
    g_assert_true (g_dbus_is_unique_name (unique));
  }

  /* garbage bytes instead of D-Bus on the socket */
  {
    g_autoptr(GSocketClient) client = g_socket_client_new ();
    g_autoptr(GSocketAddress) sa = g_unix_socket_address_new (jmp_test_host_get_address (host) +
                                                              strlen ("unix:path="));
    g_autoptr(GSocketConnection) raw = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (sa),
                                                                NULL, &error);
    g_assert_no_error (error);
    g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (raw)),
                               "\0GARBAGE\r\n\xff\xfe", 12, NULL, NULL, NULL);
    g_io_stream_close (G_IO_STREAM (raw), NULL, NULL);
  }

  /* the host is unaffected */
  echo = echo_once (connection, NULL, HOST_PATH "/driver/echo", "unaffected");
  g_assert_cmpstr (echo, ==, "unaffected");
  assert_tree (connection, NULL);

  jmp_test_host_stop (host);
  jmp_test_rmdir (dir);
}

static void
test_list_plugins (void)
{
  g_autofree gchar *dir = jmp_test_mkdtemp ();
  g_autofree gchar *config = jmp_test_write_file (dir, "tree.yaml", tree_yaml);
  g_autoptr(JmpTestHost) host = jmp_test_host_new (config, NULL);
  g_autoptr(GDBusConnection) connection = connect_peer (jmp_test_host_get_address (host));
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) plugins = NULL;
  gboolean found = FALSE;

  reply = g_dbus_connection_call_sync (connection, NULL, HOST_PATH, HOST_IFACE,
                                       "ListPlugins", NULL, G_VARIANT_TYPE ("(aa{sv})"),
                                       G_DBUS_CALL_FLAGS_NONE, 10000, NULL, &error);
  g_assert_no_error (error);
  plugins = g_variant_get_child_value (reply, 0);
  for (gsize i = 0; i < g_variant_n_children (plugins); i++)
    {
      g_autoptr(GVariant) plugin = g_variant_get_child_value (plugins, i);
      const gchar *name = NULL;
      g_autofree const gchar **types = NULL;

      if (!g_variant_lookup (plugin, "name", "&s", &name) || g_strcmp0 (name, "network") != 0 ||
          g_variant_lookup (plugin, "error", "&s", &name))
        continue;
      found = TRUE;
      g_assert_true (g_variant_lookup (plugin, "types", "^a&s", &types));
      g_assert_true (g_strv_contains (types, "EchoNetwork"));
    }
  g_assert_true (found);
  jmp_test_host_stop (host);
  jmp_test_rmdir (dir);
}

typedef struct {
  guint added;
  guint removed;
} SignalCount;

static void
object_manager_signal_cb (GDBusConnection *connection,
                          const gchar     *sender,
                          const gchar     *path,
                          const gchar     *iface,
                          const gchar     *signal,
                          GVariant        *params,
                          gpointer         user_data)
{
  SignalCount *count = user_data;

  if (g_strcmp0 (signal, "InterfacesAdded") == 0)
    count->added++;
  else if (g_strcmp0 (signal, "InterfacesRemoved") == 0)
    count->removed++;
}

static void
call_reload (GDBusConnection *connection, GError **error)
{
  g_autoptr(GVariant) reply = NULL;

  reply = g_dbus_connection_call_sync (connection, NULL, HOST_PATH, HOST_IFACE, "Reload",
                                       NULL, NULL, G_DBUS_CALL_FLAGS_NONE, 10000, NULL, error);
}

static gchar *
row_string (GVariant *rows, gsize row, gsize field)
{
  g_autoptr(GVariant) entry = g_variant_get_child_value (rows, row);
  g_autoptr(GVariant) value = g_variant_get_child_value (entry, field);

  return g_variant_dup_string (value, NULL);
}

/* GetDriver(): one entry of GetManagedObjects(), by dotted path or object
 * path; anything else is NotFound and the host goes on. */
static GVariant *
call_get_driver (GDBusConnection *connection, const gchar *driver, GError **error)
{
  return g_dbus_connection_call_sync (connection, NULL, HOST_PATH, HOST_IFACE, "GetDriver",
                                      g_variant_new ("(s)", driver),
                                      G_VARIANT_TYPE ("(oa{sa{sv}})"),
                                      G_DBUS_CALL_FLAGS_NONE, 10000, NULL, error);
}

static void
test_get_driver (void)
{
  g_autofree gchar *dir = jmp_test_mkdtemp ();
  g_autofree gchar *config = jmp_test_write_file (dir, "tree.yaml", tree_yaml);
  g_autoptr(JmpTestHost) host = jmp_test_host_new (config, NULL);
  g_autoptr(GDBusConnection) connection = connect_peer (jmp_test_host_get_address (host));
  g_autoptr(GHashTable) objects = get_managed_objects (connection, NULL);
  const gchar *missing[] = { "nope", "harness.nope", "", ".", "harness.", "a..b", "harness/probe-1",
                             "/dev/jumpstarter/Host1", "/dev/jumpstarter/Host1/driver",
                             "/not a path", "/dev/jumpstarter/Host1/driver/" };
  GHashTableIter iter;
  gpointer key, value;

  g_assert_cmpuint (g_hash_table_size (objects), ==, 4);
  g_hash_table_iter_init (&iter, objects);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_autoptr(GVariant) dotted = object_prop (objects, key, DRIVER_IFACE, "Path");
      const gchar *names[] = { g_variant_get_string (dotted, NULL), key };

      for (guint i = 0; i < G_N_ELEMENTS (names); i++)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(GVariant) reply = call_get_driver (connection, names[i], &error);
          g_autoptr(GVariant) entry = NULL;
          const gchar *object_path = NULL;

          g_assert_no_error (error);
          g_variant_get (reply, "(&o@a{sa{sv}})", &object_path, &entry);
          g_assert_cmpstr (object_path, ==, key);
          g_assert_true (g_variant_equal (entry, value));
        }
    }

  for (guint i = 0; i < G_N_ELEMENTS (missing); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GVariant) reply = call_get_driver (connection, missing[i], &error);

      g_assert_null (reply);
      g_assert_error (error, JMP_ERROR, JMP_ERROR_NOT_FOUND);
    }
  /* still serving */
  g_clear_pointer (&objects, g_hash_table_unref);
  objects = get_managed_objects (connection, NULL);
  g_assert_cmpuint (g_hash_table_size (objects), ==, 4);
  jmp_test_host_stop (host);
}

static void
call_reload_ok (GDBusConnection *connection)
{
  g_autoptr(GError) error = NULL;

  call_reload (connection, &error);
  g_assert_no_error (error);
}

/* The listing is built once per tree: a reload that adds, removes, changes
 * or only moves drivers is seen by the next call, a failed one is not. */
static void
test_list_drivers (void)
{
  g_autofree gchar *dir = jmp_test_mkdtemp ();
  g_autofree gchar *config = jmp_test_write_file (dir, "tree.yaml", tree_yaml);
  g_autoptr(JmpTestHost) host = jmp_test_host_new (config, NULL);
  g_autoptr(GDBusConnection) connection = connect_peer (jmp_test_host_get_address (host));
  g_autoptr(GVariant) rows = NULL;
  g_autoptr(GVariant) again = NULL;
  g_autofree gchar *echo_uuid = NULL;
  g_autofree gchar *s = NULL;

  rows = assert_driver_rows (connection, NULL);
  g_assert_cmpuint (g_variant_n_children (rows), ==, 4);
  again = call_list_drivers (connection, NULL);
  g_assert_true (g_variant_equal (rows, again));
  echo_uuid = row_string (rows, 0, 4);

  /* the echo stays but moves down, the group and the ref go, two come */
  g_free (jmp_test_write_file (dir, "tree.yaml",
    "export:\n"
    "  fresh:\n"
    "    type: EchoNetwork\n"
    "    description: new\n"
    "    config: {labels: {room: lab 3}}\n"
    "  echo:\n"
    "    type: EchoNetwork\n"
    "    description: an echo\n"
    "    methods_description: {connect: talk to yourself}\n"
    "  group:\n"
    "    children:\n"
    "      inner: {type: EchoNetwork, description: inside}\n"));
  call_reload_ok (connection);
  g_clear_pointer (&rows, g_variant_unref);
  rows = assert_driver_rows (connection, NULL);
  g_assert_cmpuint (g_variant_n_children (rows), ==, 4);
  s = row_string (rows, 0, 2);
  g_assert_cmpstr (s, ==, "fresh");
  g_clear_pointer (&s, g_free);
  s = row_string (rows, 1, 4);
  g_assert_cmpstr (s, ==, echo_uuid);
  g_clear_pointer (&s, g_free);
  s = row_string (rows, 3, 2);
  g_assert_cmpstr (s, ==, "group.inner");
  g_clear_pointer (&s, g_free);

  /* a broken file changes nothing */
  g_free (jmp_test_write_file (dir, "tree.yaml", "export: [broken\n"));
  {
    g_autoptr(GError) error = NULL;

    call_reload (connection, &error);
    g_assert_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS);
  }
  g_clear_pointer (&again, g_variant_unref);
  again = assert_driver_rows (connection, NULL);
  g_assert_true (g_variant_equal (rows, again));

  /* one driver's entry changes: a new object, a new row */
  g_free (jmp_test_write_file (dir, "tree.yaml",
    "export:\n"
    "  echo:\n"
    "    type: EchoNetwork\n"
    "    description: changed\n"));
  call_reload_ok (connection);
  g_clear_pointer (&rows, g_variant_unref);
  rows = assert_driver_rows (connection, NULL);
  g_assert_cmpuint (g_variant_n_children (rows), ==, 1);
  s = row_string (rows, 0, 6);
  g_assert_cmpstr (s, ==, "changed");

  jmp_test_host_stop (host);
  jmp_test_rmdir (dir);
}

static void
test_reload (void)
{
  g_autofree gchar *dir = jmp_test_mkdtemp ();
  g_autofree gchar *config = jmp_test_write_file (dir, "tree.yaml", tree_yaml);
  g_autoptr(JmpTestHost) host = jmp_test_host_new (config, NULL);
  g_autoptr(GDBusConnection) connection = connect_peer (jmp_test_host_get_address (host));
  g_autoptr(GHashTable) before = get_managed_objects (connection, NULL);
  g_autoptr(GHashTable) after = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *uuid_before = NULL;
  g_autofree gchar *uuid_after = NULL;
  g_autofree gchar *echo = NULL;
  SignalCount count = { 0, 0 };
  guint sub;

  sub = g_dbus_connection_signal_subscribe (connection, NULL,
                                            "org.freedesktop.DBus.ObjectManager",
                                            NULL, HOST_PATH, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                            object_manager_signal_cb, &count, NULL);
  uuid_before = object_prop_string (before, HOST_PATH "/driver/echo", "Uuid");

  /* a broken file: Reload() fails, the running tree stays */
  g_free (jmp_test_write_file (dir, "tree.yaml", "export: [this is: not, a: mapping\n"));
  call_reload (connection, &error);
  g_assert_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS);
  g_assert_nonnull (strstr (error->message, "tree.yaml"));
  g_clear_error (&error);
  g_free (jmp_test_write_file (dir, "tree.yaml",
                               "export:\n  echo: {type: EchoNetwork, config: {port: 1}}\n"));
  call_reload (connection, &error);
  g_assert_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS);
  g_clear_error (&error);
  after = get_managed_objects (connection, NULL);
  g_assert_cmpuint (g_hash_table_size (after), ==, 4);
  g_clear_pointer (&after, g_hash_table_unref);

  /* echo unchanged, the group gone, a new driver: only those move */
  g_free (jmp_test_write_file (dir, "tree.yaml",
    "metadata: {name: tree2}\n"
    "export:\n"
    "  echo:\n"
    "    type: EchoNetwork\n"
    "    description: an echo\n"
    "    methods_description: {connect: talk to yourself}\n"
    "  fresh: {type: EchoNetwork}\n"));
  call_reload (connection, &error);
  g_assert_no_error (error);
  after = get_managed_objects (connection, NULL);
  g_assert_cmpuint (g_hash_table_size (after), ==, 2);
  g_assert_true (g_hash_table_contains (after, HOST_PATH "/driver/fresh"));
  uuid_after = object_prop_string (after, HOST_PATH "/driver/echo", "Uuid");
  g_assert_cmpstr (uuid_before, ==, uuid_after);

  /* signals: the 3 removed objects and the one added, the echo untouched */
  while (count.added < 1 || count.removed < 3)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (count.added, ==, 1);
  g_assert_cmpuint (count.removed, ==, 3);

  /* SIGHUP does the same */
  g_free (jmp_test_write_file (dir, "tree.yaml",
    "export:\n"
    "  echo:\n"
    "    type: EchoNetwork\n"
    "    description: an echo\n"
    "    methods_description: {connect: talk to yourself}\n"));
  kill (jmp_test_host_get_pid (host), SIGHUP);
  while (count.removed < 4)
    g_main_context_iteration (NULL, TRUE);
  g_clear_pointer (&after, g_hash_table_unref);
  after = get_managed_objects (connection, NULL);
  g_assert_cmpuint (g_hash_table_size (after), ==, 1);

  echo = echo_once (connection, NULL, HOST_PATH "/driver/echo", "after reloads");
  g_assert_cmpstr (echo, ==, "after reloads");

  g_dbus_connection_signal_unsubscribe (connection, sub);
  jmp_test_host_stop (host);
  jmp_test_rmdir (dir);
}

typedef struct {
  gboolean  done;
  GVariant *reply;
  GError   *error;
} PendingCall;

static void
pending_call_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  PendingCall *call = user_data;

  call->reply = g_dbus_connection_call_with_unix_fd_list_finish (G_DBUS_CONNECTION (source),
                                                                 NULL, res, &call->error);
  call->done = TRUE;
}

typedef struct {
  guint refused;
  guint removed;
  guint other;
} CallTally;

static void
tally_call_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  CallTally *tally = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;

  reply = g_dbus_connection_call_with_unix_fd_list_finish (G_DBUS_CONNECTION (source),
                                                           NULL, res, &error);
  if (g_error_matches (error, JMP_ERROR, JMP_ERROR_UNAVAILABLE) &&
      strstr (error->message, "too many calls in flight") != NULL)
    tally->refused++;
  else if (g_error_matches (error, JMP_ERROR, JMP_ERROR_UNAVAILABLE) &&
           strstr (error->message, "removed") != NULL)
    tally->removed++;
  else
    {
      g_test_message ("unexpected: %s", error != NULL ? error->message : "a reply");
      tally->other++;
    }
}

static gboolean
tally_reaches (CallTally *tally, guint n)
{
  return tally->refused + tally->removed + tally->other >= n;
}

/* Writes @dir/tree.yaml with an echo and "stuck", a WebsocketNetwork whose
 * server never answers: its Connect()s stay pending. */
static GSocket *
silent_server_new (const gchar *dir, gchar **config)
{
  g_autofree gchar *yaml = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) bind_address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  GSocket *silent;

  /* takes connections (the kernel does) and never answers a handshake */
  silent = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_set_listen_backlog (silent, 1024);
  g_assert_true (g_socket_bind (silent, bind_address, TRUE, &error));
  g_assert_true (g_socket_listen (silent, &error));
  bound = g_socket_get_local_address (silent, &error);
  g_assert_no_error (error);
  yaml = g_strdup_printf ("export:\n"
                          "  echo: {type: EchoNetwork}\n"
                          "  stuck:\n"
                          "    type: WebsocketNetwork\n"
                          "    config: {url: \"ws://127.0.0.1:%u/\", connect_timeout: 3600}\n",
                          g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  *config = jmp_test_write_file (dir, "tree.yaml", yaml);
  return silent;
}

/* One peer sends many Connect()s and waits for none: past the limit they
 * fail at once, the host's fds stay bounded, other peers are served. */
static void
test_calls_in_flight (void)
{
  g_autofree gchar *dir = jmp_test_mkdtemp ();
  g_autoptr(GSocket) silent = NULL;
  g_autoptr(JmpTestHost) host = NULL;
  g_autoptr(GDBusConnection) greedy = NULL;
  g_autoptr(GDBusConnection) other = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *config = NULL;
  g_autofree gchar *echo = NULL;
  CallTally tally = { 0, 0, 0 };
  guint baseline, n_calls = 300, limit = 128;

  silent = silent_server_new (dir, &config);
  host = jmp_test_host_new (config, NULL);
  greedy = connect_peer (jmp_test_host_get_address (host));
  other = connect_peer (jmp_test_host_get_address (host));
  baseline = jmp_test_count_fds (jmp_test_host_get_pid (host));

  for (guint i = 0; i < n_calls; i++)
    g_dbus_connection_call_with_unix_fd_list (greedy, NULL, HOST_PATH "/driver/stuck",
                                              NETWORK_IFACE, "Connect", NULL,
                                              G_VARIANT_TYPE ("(h)"), G_DBUS_CALL_FLAGS_NONE,
                                              -1, NULL, NULL, tally_call_cb, &tally);
  while (!tally_reaches (&tally, n_calls - limit))
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (tally.refused, ==, n_calls - limit);
  g_assert_cmpuint (tally.other, ==, 0);

  /* one socket per call in flight, no more */
  g_assert_cmpuint (jmp_test_count_fds (jmp_test_host_get_pid (host)), <=, baseline + limit + 8);
  echo = echo_once (other, NULL, HOST_PATH "/driver/echo", "served");
  g_assert_cmpstr (echo, ==, "served");

  /* and the ones in flight end with their driver */
  g_free (jmp_test_write_file (dir, "tree.yaml", "export:\n  echo: {type: EchoNetwork}\n"));
  call_reload (other, &error);
  g_assert_no_error (error);
  while (!tally_reaches (&tally, n_calls))
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (tally.removed, ==, limit);
  g_assert_cmpuint (tally.other, ==, 0);

  jmp_test_host_stop (host);
  jmp_test_rmdir (dir);
}

/* A peer that authenticates and then reads nothing. */
static GSocket *
silent_peer_new (const gchar *address)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) path = NULL;
  g_autofree gchar *uid = g_strdup_printf ("%u", (guint) getuid ());
  g_autoptr(GString) auth = g_string_new ("");
  GSocket *socket;
  gchar reply[256];
  gssize n;

  g_assert_true (g_str_has_prefix (address, "unix:path="));
  path = g_unix_socket_address_new (address + strlen ("unix:path="));
  socket = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, 0, &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_connect (socket, path, NULL, &error));
  g_string_append_len (auth, "\0AUTH EXTERNAL ", 16);
  for (const gchar *c = uid; *c != '\0'; c++)
    g_string_append_printf (auth, "%02x", (guint) *c);
  g_string_append (auth, "\r\n");
  g_assert_cmpint (g_socket_send (socket, auth->str, auth->len, NULL, &error), ==, auth->len);
  n = g_socket_receive (socket, reply, sizeof reply - 1, NULL, &error);
  g_assert_no_error (error);
  reply[MAX (n, 0)] = '\0';
  g_assert_true (g_str_has_prefix (reply, "OK "));
  g_assert_cmpint (g_socket_send (socket, "BEGIN\r\n", 7, NULL, &error), ==, 7);
  return socket;
}

/* Reads what is queued on @socket up to its end; FALSE if the other side
 * keeps it open. */
static gboolean
drain_to_eof (GSocket *socket)
{
  gchar buffer[65536];

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      gssize n;

      if (!g_socket_condition_timed_wait (socket, G_IO_IN, 5 * G_USEC_PER_SEC, NULL, NULL))
        return FALSE;
      n = g_socket_receive (socket, buffer, sizeof buffer, NULL, &error);
      if (n == 0 || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED))
        return TRUE;
      g_assert_no_error (error);
    }
}

static guint64
process_rss_kib (GPid pid)
{
  g_autofree gchar *path = g_strdup_printf ("/proc/%d/status", (gint) pid);
  g_autofree gchar *status = NULL;
  const gchar *line;

  g_assert_true (g_file_get_contents (path, &status, NULL, NULL));
  line = strstr (status, "VmRSS:");
  g_assert_nonnull (line);
  return g_ascii_strtoull (line + strlen ("VmRSS:"), NULL, 10);
}

/* A peer that never reads what the host sends it is dropped once it lags
 * too far behind; the host's memory does not grow with the reloads, and
 * the other peers do not notice. */
static void
test_silent_peer (void)
{
  g_autofree gchar *dir = jmp_test_mkdtemp ();
  g_autofree gchar *config = jmp_test_write_file (dir, "tree.yaml",
                                                  "export:\n  echo: {type: EchoNetwork}\n");
  g_autoptr(JmpTestHost) host = jmp_test_host_new (config, NULL);
  g_autoptr(GDBusConnection) other = connect_peer (jmp_test_host_get_address (host));
  g_autoptr(GSocket) silent = silent_peer_new (jmp_test_host_get_address (host));
  g_autofree gchar *big = g_malloc (64 * 1024 + 1);
  g_autofree gchar *echo = NULL;
  GPid pid = jmp_test_host_get_pid (host);
  guint64 rss_before, rss_after;
  guint n_reloads = 200;

  rss_before = process_rss_kib (pid);
  for (guint i = 0; i < n_reloads; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree gchar *yaml = NULL;

      /* each reload replaces the driver: 64 KiB of signals for each peer */
      memset (big, 'a' + i % 2, 64 * 1024);
      big[64 * 1024] = '\0';
      yaml = g_strdup_printf ("export:\n  echo: {type: EchoNetwork}\n"
                              "  big: {type: EchoNetwork, description: %s}\n", big);
      g_free (jmp_test_write_file (dir, "tree.yaml", yaml));
      call_reload (other, &error);
      g_assert_no_error (error);
      while (g_main_context_iteration (NULL, FALSE));
    }
  rss_after = process_rss_kib (pid);
  g_test_message ("host RSS %" G_GUINT64_FORMAT " KiB before %u reloads, %"
                  G_GUINT64_FORMAT " KiB after", rss_before, n_reloads, rss_after);

  /* the host closed the silent peer's connection */
  g_assert_true (drain_to_eof (silent));
  /* 200 reloads' signals are 25 MiB: far less stays (ASan keeps what is
   * freed in quarantine, so not under it) */
  if (g_getenv ("JMP_TEST_SANITIZED") == NULL)
    g_assert_cmpuint (rss_after, <, rss_before + 16 * 1024);
  echo = echo_once (other, NULL, HOST_PATH "/driver/echo", "still served");
  g_assert_cmpstr (echo, ==, "still served");

  jmp_test_host_stop (host);
  jmp_test_rmdir (dir);
}

/* Many peers that read everything: each reload is answered at once and
 * none of them is taken for one that does not read (the host once asked
 * each peer with a blocking flush in GTask's thread pool: with a hundred
 * peers the second reload waited for that pool for over a minute). */
static void
test_many_reading_peers (void)
{
  g_autofree gchar *dir = jmp_test_mkdtemp ();
  g_autofree gchar *config = jmp_test_write_file (dir, "tree.yaml",
                                                  "export:\n  echo: {type: EchoNetwork}\n");
  g_autoptr(JmpTestHost) host = jmp_test_host_new (config, NULL);
  g_autoptr(GPtrArray) peers = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < 100; i++)
    g_ptr_array_add (peers, connect_peer (jmp_test_host_get_address (host)));
  for (guint i = 0; i < 40; i++)
    {
      g_free (jmp_test_write_file (dir, "tree.yaml",
                                   i % 2 == 0 ? "export:\n  echo: {type: EchoNetwork}\n"
                                                "  more: {type: EchoNetwork}\n"
                                              : "export:\n  echo: {type: EchoNetwork}\n"));
      /* call_reload's 10 s bound only guards against a hang */
      call_reload_ok (g_ptr_array_index (peers, i % peers->len));
    }
  for (guint i = 0; i < peers->len; i++)
    g_assert_false (g_dbus_connection_is_closed (g_ptr_array_index (peers, i)));

  jmp_test_host_stop (host);
  jmp_test_rmdir (dir);
}

/* A Connect() that a reload strands ends at once with a clear error, not
 * at its timeout. */
static void
test_reload_cancels_pending (void)
{
  g_autofree gchar *dir = jmp_test_mkdtemp ();
  g_autoptr(GSocket) silent = NULL;
  g_autoptr(JmpTestHost) host = NULL;
  g_autoptr(GDBusConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *config = NULL;
  PendingCall call = { FALSE, NULL, NULL };

  silent = silent_server_new (dir, &config);
  host = jmp_test_host_new (config, NULL);
  connection = connect_peer (jmp_test_host_get_address (host));

  /* calls on one connection are handled in order: the reload comes after
   * the Connect() has started */
  g_dbus_connection_call_with_unix_fd_list (connection, NULL, HOST_PATH "/driver/stuck",
                                            NETWORK_IFACE, "Connect", NULL,
                                            G_VARIANT_TYPE ("(h)"), G_DBUS_CALL_FLAGS_NONE,
                                            60000, NULL, NULL, pending_call_cb, &call);
  g_free (jmp_test_write_file (dir, "tree.yaml", "export:\n  echo: {type: EchoNetwork}\n"));
  call_reload (connection, &error);
  g_assert_no_error (error);

  jmp_test_wait_flag (&call.done, 60000);
  g_assert_null (call.reply);
  g_assert_error (call.error, JMP_ERROR, JMP_ERROR_UNAVAILABLE);
  g_assert_nonnull (strstr (call.error->message, "removed"));
  g_clear_error (&call.error);

  jmp_test_host_stop (host);
  jmp_test_rmdir (dir);
}

/* Unchanged groups keep their identity: a reload that only adds a driver
 * moves nothing else on the bus. */
static void
test_reload_keeps_groups (void)
{
  g_autofree gchar *dir = jmp_test_mkdtemp ();
  g_autofree gchar *config = jmp_test_write_file (dir, "tree.yaml", tree_yaml);
  g_autoptr(JmpTestHost) host = jmp_test_host_new (config, NULL);
  g_autoptr(GDBusConnection) connection = connect_peer (jmp_test_host_get_address (host));
  g_autoptr(GHashTable) before = get_managed_objects (connection, NULL);
  g_autoptr(GHashTable) after = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *grown = g_strconcat (tree_yaml, "  extra: {type: EchoNetwork}\n", NULL);
  const gchar *paths[] = { HOST_PATH "/driver/echo", HOST_PATH "/driver/harness",
                           HOST_PATH "/driver/harness/probe_2d1", HOST_PATH "/driver/alias" };
  SignalCount count = { 0, 0 };
  guint sub;

  sub = g_dbus_connection_signal_subscribe (connection, NULL,
                                            "org.freedesktop.DBus.ObjectManager",
                                            NULL, HOST_PATH, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                            object_manager_signal_cb, &count, NULL);
  g_free (jmp_test_write_file (dir, "tree.yaml", grown));
  call_reload (connection, &error);
  g_assert_no_error (error);
  while (count.added < 1)
    g_main_context_iteration (NULL, TRUE);
  /* a round trip, so any late signal would have arrived */
  after = get_managed_objects (connection, NULL);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (count.added, ==, 1);
  g_assert_cmpuint (count.removed, ==, 0);
  g_assert_cmpuint (g_hash_table_size (after), ==, 5);
  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autofree gchar *was = object_prop_string (before, paths[i], "Uuid");
      g_autofree gchar *now = object_prop_string (after, paths[i], "Uuid");
      g_assert_cmpstr (was, ==, now);
    }
  g_dbus_connection_signal_unsubscribe (connection, sub);
  jmp_test_host_stop (host);
  jmp_test_rmdir (dir);
}

static void
assert_start_fails (const gchar *config, const gchar *expected)
{
  g_autoptr(GSubprocess) p = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *err = NULL;
  g_autofree gchar *dir = jmp_test_mkdtemp ();
  g_autofree gchar *listen = g_strdup_printf ("unix:path=%s/host.sock", dir);

  p = jmp_test_spawn (G_SUBPROCESS_FLAGS_STDERR_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE,
                        &error, g_getenv ("JMP_TEST_HOST"), "--config", config,
                        "--listen", listen, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (p, NULL, NULL, NULL, &err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (p));
  g_assert_cmpint (g_subprocess_get_exit_status (p), ==, 1);
  if (strstr (err, expected) == NULL)
    g_error ("expected \"%s\" in: %s", expected, err);
  g_assert_true (g_str_has_prefix (err, "jumpstarter-host: "));
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS) &&
                  g_file_test (listen + strlen ("unix:path="), G_FILE_TEST_EXISTS));
  jmp_test_rmdir (dir);
}

static void
test_start_failures (void)
{
  g_autofree gchar *dir = jmp_test_mkdtemp ();
  g_autofree gchar *missing = g_build_filename (dir, "missing.yaml", NULL);
  g_autofree gchar *unknown = jmp_test_write_file (dir, "unknown.yaml",
    "export:\n  x: {type: NoSuchDriver}\n");
  g_autofree gchar *badkey = jmp_test_write_file (dir, "badkey.yaml",
    "export:\n  x: {type: EchoNetwork, config: {colour: blue}}\n");
  g_autofree gchar *empty = jmp_test_write_file (dir, "empty.yaml", "");
  g_autofree gchar *json = jmp_test_write_file (dir, "bad.json", "{\"export\": {");

  assert_start_fails (missing, "missing.yaml");
  assert_start_fails (unknown, "NoSuchDriver");
  assert_start_fails (badkey, "export.x.config.colour");
  assert_start_fails (empty, "empty.yaml");
  assert_start_fails (json, "bad.json");
  jmp_test_rmdir (dir);
}

static void
test_bad_arguments (void)
{
  const gchar *cases[][2] = {
    { "--no-such-flag", "Unknown option" },
    { "--listen=tcp:host=0.0.0.0,port=1", "unix:path" },
    { "--listen=nonsense", "invalid D-Bus address" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GSubprocess) p = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree gchar *err = NULL;

      p = jmp_test_spawn (G_SUBPROCESS_FLAGS_STDERR_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE,
                            &error, g_getenv ("JMP_TEST_HOST"), cases[i][0], NULL);
      g_assert_no_error (error);
      g_subprocess_communicate_utf8 (p, NULL, NULL, NULL, &err, &error);
      g_assert_no_error (error);
      g_assert_cmpint (g_subprocess_get_exit_status (p), !=, 0);
      if (strstr (err, cases[i][1]) == NULL)
        g_error ("%s: expected \"%s\" in: %s", cases[i][0], cases[i][1], err);
    }
}

static void
test_inspect (void)
{
  g_autoptr(GSubprocess) p = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *out = NULL;

  p = jmp_test_spawn (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                        g_getenv ("JMP_TEST_HOST"), "--inspect", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (p, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_subprocess_get_exit_status (p), ==, 0);
  g_assert_nonnull (strstr (out, "EchoNetwork"));
  g_assert_nonnull (strstr (out, "Composite"));
  g_clear_object (&p);
  g_clear_pointer (&out, g_free);

  p = jmp_test_spawn (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                        g_getenv ("JMP_TEST_HOST"), "--inspect=jumpstarter_driver_network.driver.EchoNetwork",
                        NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (p, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_subprocess_get_exit_status (p), ==, 0);
  g_assert_nonnull (strstr (out, "EchoNetwork"));
  g_assert_nonnull (strstr (out, "JmpNetwork"));
}

static void
test_builtin_demo (void)
{
  g_autoptr(JmpTestHost) host = jmp_test_host_new (NULL, NULL);
  g_autoptr(GDBusConnection) connection = connect_peer (jmp_test_host_get_address (host));
  g_autoptr(GHashTable) objects = get_managed_objects (connection, NULL);
  g_autoptr(GVariant) name = host_prop (connection, NULL, "ExporterName");

  g_assert_cmpstr (g_variant_get_string (name, NULL), ==, "demo");
  g_assert_true (g_hash_table_contains (objects, HOST_PATH "/driver/echo"));
  jmp_test_host_stop (host);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_unsetenv ("JUMPSTARTER_HOST");
  /* map dev.jumpstarter.Error.* replies onto JMP_ERROR in raw calls too */
  g_assert_cmpuint (JMP_ERROR, !=, 0);

  g_test_add_func ("/host/session-bus/tree", test_session_bus_tree);
  g_test_add_func ("/host/peer/tree", test_peer_tree);
  g_test_add_func ("/host/peer/socket-in-use", test_peer_socket_in_use);
  g_test_add_func ("/host/peer/stale-socket", test_peer_stale_socket);
  g_test_add_func ("/host/peer/foreign-socket", test_peer_foreign_socket);
  g_test_add_func ("/host/peer/bus-tools", test_peer_bus_tools);
  g_test_add_func ("/host/peer/sender-after-hello", test_peer_sender_after_hello);
  g_test_add_func ("/host/bad-calls", test_bad_calls);
  g_test_add_func ("/host/list-plugins", test_list_plugins);
  g_test_add_func ("/host/list-drivers", test_list_drivers);
  g_test_add_func ("/host/get-driver", test_get_driver);
  g_test_add_func ("/host/reload", test_reload);
  g_test_add_func ("/host/reload-cancels-pending", test_reload_cancels_pending);
  g_test_add_func ("/host/calls-in-flight", test_calls_in_flight);
  g_test_add_func ("/host/silent-peer", test_silent_peer);
  g_test_add_func ("/host/many-reading-peers", test_many_reading_peers);
  g_test_add_func ("/host/reload-keeps-groups", test_reload_keeps_groups);
  g_test_add_func ("/host/start-failures", test_start_failures);
  g_test_add_func ("/host/bad-arguments", test_bad_arguments);
  g_test_add_func ("/host/inspect", test_inspect);
  g_test_add_func ("/host/builtin-demo", test_builtin_demo);
  return g_test_run ();
}
