/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A peer costs the host the same whatever the size of the tree: peers
 * share one export. Memory only, never time (the machines are shared).
 */
#include "jmp-test-common.h"

#define N_DRIVERS 500
#define N_PEERS   20

static guint64
rss_kib (GPid pid)
{
  g_autofree gchar *path = g_strdup_printf ("/proc/%d/status", (gint) pid);
  g_autofree gchar *status = NULL;
  const gchar *line;

  g_assert_true (g_file_get_contents (path, &status, NULL, NULL));
  line = strstr (status, "VmRSS:");
  g_assert_nonnull (line);
  return g_ascii_strtoull (line + strlen ("VmRSS:"), NULL, 10);
}

static gchar *
tree_yaml (guint n)
{
  GString *yaml = g_string_new ("export:\n");

  for (guint i = 0; i < n; i++)
    g_string_append_printf (yaml, "  d%u: {type: EchoNetwork, description: driver %u}\n", i, i);
  return g_string_free (yaml, FALSE);
}

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

static guint
count_objects (GDBusConnection *connection)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) objects = NULL;

  reply = g_dbus_connection_call_sync (connection, NULL, "/dev/jumpstarter/Host1",
                                       "org.freedesktop.DBus.ObjectManager", "GetManagedObjects",
                                       NULL, G_VARIANT_TYPE ("(a{oa{sa{sv}}})"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  objects = g_variant_get_child_value (reply, 0);
  return (guint) g_variant_n_children (objects);
}

static void
removed_cb (GDBusConnection *connection, const gchar *sender, const gchar *path,
            const gchar *iface, const gchar *signal, GVariant *params, gpointer user_data)
{
  (*(guint *) user_data)++;
}

static void
test_peer_cost (void)
{
  g_autofree gchar *dir = jmp_test_mkdtemp ();
  g_autofree gchar *yaml = tree_yaml (N_DRIVERS);
  g_autofree gchar *config = jmp_test_write_file (dir, "tree.yaml", yaml);
  g_autofree gchar *half = NULL;
  g_autoptr(JmpTestHost) host = jmp_test_host_new (config, NULL);
  g_autoptr(GPtrArray) peers = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  GPid pid = jmp_test_host_get_pid (host);
  guint removed[N_PEERS] = { 0, };
  guint64 before, after;

  /* one peer first: what a first peer sets up for good is not per peer */
  g_ptr_array_add (peers, connect_peer (jmp_test_host_get_address (host)));
  g_assert_cmpuint (count_objects (g_ptr_array_index (peers, 0)), ==, N_DRIVERS);
  before = rss_kib (pid);
  for (guint i = 1; i < N_PEERS; i++)
    {
      g_ptr_array_add (peers, connect_peer (jmp_test_host_get_address (host)));
      g_assert_cmpuint (count_objects (g_ptr_array_index (peers, i)), ==, N_DRIVERS);
    }
  after = rss_kib (pid);
  g_test_message ("%u peers at %u drivers: %" G_GUINT64_FORMAT " KiB -> %" G_GUINT64_FORMAT
                  " KiB", N_PEERS - 1, N_DRIVERS, before, after);
  /* a private export per peer was ~5 KiB per driver: 47 MiB here (under
   * ASan its quarantine keeps freed memory: no bound there) */
  if (g_getenv ("JMP_TEST_SANITIZED") == NULL)
    g_assert_cmpuint (after - before, <, (N_PEERS - 1) * 256);

  /* every peer still hears every change of the shared export */
  for (guint i = 0; i < N_PEERS; i++)
    g_dbus_connection_signal_subscribe (g_ptr_array_index (peers, i), NULL,
                                        "org.freedesktop.DBus.ObjectManager", "InterfacesRemoved",
                                        NULL, NULL, G_DBUS_SIGNAL_FLAGS_NONE, removed_cb,
                                        &removed[i], NULL);
  half = tree_yaml (N_DRIVERS / 2);
  g_free (jmp_test_write_file (dir, "tree.yaml", half));
  /* not D-Bus's 25 s: under ASan's slow unwinder, beside other suites, the
   * reload took longer; this bound only guards against a hang */
  reply = g_dbus_connection_call_sync (g_ptr_array_index (peers, 0), NULL,
                                       "/dev/jumpstarter/Host1", "dev.jumpstarter.Host1",
                                       "Reload", NULL, NULL, G_DBUS_CALL_FLAGS_NONE, 300000, NULL,
                                       &error);
  g_assert_no_error (error);
  for (guint i = 0; i < N_PEERS; i++)
    {
      while (removed[i] < N_DRIVERS / 2)
        g_main_context_iteration (NULL, TRUE);
      g_assert_cmpuint (count_objects (g_ptr_array_index (peers, i)), ==, N_DRIVERS / 2);
    }

  g_ptr_array_set_size (peers, 0);
  jmp_test_host_stop (host);
  jmp_test_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/scale/peer-cost", test_peer_cost);
  return g_test_run ();
}
