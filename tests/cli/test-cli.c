/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Runs the real jmp ($JMP_TEST_CLI) against a real jumpstarter-host and
 * checks what a user sees: output, exit status, and exactly one line on
 * stderr for every failure.
 */
#include <signal.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "jmp-test-common.h"

#define TEST_CONFIG \
  "apiVersion: jumpstarter.dev/v1alpha1\n" \
  "kind: ExporterConfig\n" \
  "metadata: {namespace: default, name: cli-bench}\n" \
  "description: an exporter for the jmp tests\n" \
  "motd: hello from cli-bench\n" \
  "export:\n" \
  "  echo:\n" \
  "    type: EchoNetwork\n" \
  "    description: Echoes every byte back\n" \
  "  loopback:\n" \
  "    description: drivers under one name\n" \
  "    children:\n" \
  "      echo:\n" \
  "        type: jumpstarter_driver_network.driver.EchoNetwork\n" \
  "      deeper:\n" \
  "        children:\n" \
  "          echo: {type: EchoNetwork}\n"

typedef struct {
  gchar       *dir;
  gchar       *config;
  JmpTestHost *host;
} Fixture;

typedef struct {
  gint    status;
  GBytes *out;
  gchar  *out_text;
  gchar  *err;
} JmpRun;

static void
jmp_run_free (JmpRun *run)
{
  g_bytes_unref (run->out);
  g_free (run->out_text);
  g_free (run->err);
  g_free (run);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (JmpRun, jmp_run_free)

static const gchar *
jmp_run_stdout (JmpRun *run)
{
  return run->out_text;
}

static gchar *
bytes_to_string (GBytes *bytes)
{
  gsize size = 0;
  const gchar *data = g_bytes_get_data (bytes, &size);

  return size > 0 ? g_strndup (data, size) : g_strdup ("");
}

/* Runs jmp with @argv; @env is "NAME=VALUE" or "NAME" (to unset) pairs.
 * JUMPSTARTER_HOST is @address, or unset if NULL. */
static JmpRun *
run_jmp_full (const gchar         *address,
              const gchar * const *env,
              GBytes              *input,
              const gchar * const *argv)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) err = NULL;
  g_autoptr(GBytes) empty = NULL;
  const gchar *program = g_getenv ("JMP_TEST_CLI");
  JmpRun *run = g_new0 (JmpRun, 1);

  g_assert_nonnull (program);
  g_ptr_array_add (args, (gpointer) program);
  for (guint i = 0; argv[i] != NULL; i++)
    g_ptr_array_add (args, (gpointer) argv[i]);
  g_ptr_array_add (args, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                        G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  if (address != NULL)
    g_subprocess_launcher_setenv (launcher, JMP_HOST_ENV, address, TRUE);
  else
    g_subprocess_launcher_unsetenv (launcher, JMP_HOST_ENV);
  for (guint i = 0; env != NULL && env[i] != NULL; i++)
    {
      g_auto(GStrv) kv = g_strsplit (env[i], "=", 2);
      if (kv[1] != NULL)
        g_subprocess_launcher_setenv (launcher, kv[0], kv[1], TRUE);
      else
        g_subprocess_launcher_unsetenv (launcher, kv[0]);
    }

  process = g_subprocess_launcher_spawnv (launcher, (const gchar * const *) args->pdata, &error);
  g_assert_no_error (error);
  if (input == NULL)
    input = empty = g_bytes_new_static ("", 0);
  g_subprocess_communicate (process, input, NULL, &run->out, &err, &error);
  g_assert_no_error (error);

  run->err = bytes_to_string (err);
  run->out_text = bytes_to_string (run->out);
  if (g_subprocess_get_if_exited (process))
    run->status = g_subprocess_get_exit_status (process);
  else
    run->status = 128 + g_subprocess_get_term_sig (process);
  return run;
}

static JmpRun *
run_jmp (const gchar *address, const gchar * const *argv)
{
  return run_jmp_full (address, NULL, NULL, argv);
}

/* A failure is one line, "jmp: ...", and nothing else. */
static void
assert_one_error_line (JmpRun *run, gint status, const gchar *fragment)
{
  g_test_message ("stderr: %s", run->err);
  g_assert_cmpint (run->status, ==, status);
  g_assert_true (g_str_has_prefix (run->err, "jmp: "));
  g_assert_true (g_str_has_suffix (run->err, "\n"));
  g_assert_true (strchr (run->err, '\n') == run->err + strlen (run->err) - 1);
  g_assert_null (strstr (run->err, "GDBus.Error"));
  if (fragment != NULL)
    g_assert_nonnull (strstr (run->err, fragment));
}

static void
fixture_setup (Fixture *fixture, gconstpointer data)
{
  fixture->dir = jmp_test_mkdtemp ();
  fixture->config = jmp_test_write_file (fixture->dir, "bench.yaml", TEST_CONFIG);
  if (data == NULL)
    fixture->host = jmp_test_host_new (fixture->config, NULL);
}

static void
fixture_teardown (Fixture *fixture, gconstpointer data)
{
  if (fixture->host != NULL)
    {
      jmp_test_host_stop (fixture->host);
      jmp_test_host_free (fixture->host);
    }
  jmp_test_rmdir (fixture->dir);
  g_free (fixture->config);
  g_free (fixture->dir);
}

#define NO_HOST ((gconstpointer) "no host")

static const gchar *
host_address (Fixture *fixture)
{
  return jmp_test_host_get_address (fixture->host);
}

/* ---- list ---------------------------------------------------------------- */

static gint
line_index (gchar **lines, const gchar *prefix)
{
  for (gint i = 0; lines[i] != NULL; i++)
    {
      if (g_str_has_prefix (lines[i], prefix) &&
          (lines[i][strlen (prefix)] == ' ' || lines[i][strlen (prefix)] == '\0'))
        return i;
    }
  return -1;
}

static void
test_list (Fixture *fixture, gconstpointer data)
{
  const gchar *argv[] = { "list", NULL };
  g_autoptr(JmpRun) run = run_jmp (host_address (fixture), argv);
  g_auto(GStrv) lines = NULL;
  gint echo, loopback, nested, deeper, deepest;

  g_test_message ("%s", jmp_run_stdout (run));
  g_assert_cmpint (run->status, ==, 0);
  g_assert_cmpstr (run->err, ==, "");

  lines = g_strsplit (jmp_run_stdout (run), "\n", -1);
  g_assert_true (g_str_has_prefix (lines[0], "PATH"));
  echo = line_index (lines, "echo");
  loopback = line_index (lines, "loopback");
  nested = line_index (lines, "loopback.echo");
  deeper = line_index (lines, "loopback.deeper");
  deepest = line_index (lines, "loopback.deeper.echo");
  g_assert_cmpint (echo, >, 0);
  g_assert_cmpint (loopback, >, 0);
  g_assert_cmpint (nested, >, 0);
  g_assert_cmpint (deepest, >, 0);

  /* Depth first in the order of the file: a driver right before its
   * children, siblings as written (echo before deeper). */
  g_assert_cmpint (echo, <, loopback);
  g_assert_cmpint (loopback + 1, ==, nested);
  g_assert_cmpint (nested + 1, ==, deeper);
  g_assert_cmpint (deeper + 1, ==, deepest);

  g_assert_nonnull (strstr (lines[echo], "EchoNetwork"));
  g_assert_nonnull (strstr (lines[echo], "Echoes every byte back"));
  g_assert_nonnull (strstr (lines[nested], "EchoNetwork"));
}

static void
test_list_json (Fixture *fixture, gconstpointer data)
{
  const gchar *argv[] = { "list", "--json", NULL };
  g_autoptr(JmpRun) run = run_jmp (host_address (fixture), argv);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *root;
  JsonArray *drivers;
  gboolean found = FALSE;

  g_assert_cmpint (run->status, ==, 0);
  json_parser_load_from_data (parser, jmp_run_stdout (run), -1, &error);
  g_assert_no_error (error);

  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (root, "exporter"), ==, "cli-bench");
  drivers = json_object_get_array_member (root, "drivers");
  g_assert_cmpuint (json_array_get_length (drivers), >=, 5);
  for (guint i = 0; i < json_array_get_length (drivers); i++)
    {
      JsonObject *driver = json_array_get_object_element (drivers, i);

      if (g_strcmp0 (json_object_get_string_member (driver, "path"), "loopback.deeper.echo") != 0)
        continue;
      found = TRUE;
      g_assert_cmpstr (json_object_get_string_member (driver, "name"), ==, "echo");
      g_assert_cmpstr (json_object_get_string_member (driver, "type"), ==, "EchoNetwork");
      g_assert_cmpstr (json_object_get_string_member (driver, "parent_uuid"), !=, "");
      g_assert_true (json_object_has_member (driver, "labels"));
    }
  g_assert_true (found);
}

/* Labels, a description of two lines, UTF-8, a Composite and a ref: what
 * the table and the JSON show of each, byte for byte. */
#define LIST_CONFIG \
  "metadata: {name: exact}\n" \
  "export:\n" \
  "  power:\n" \
  "    type: EchoNetwork\n" \
  "    description: \"Mains switch\\nsecond line\"\n" \
  "    config: {labels: {vendor: acme, room: lab 3}}\n" \
  "  cam:\n" \
  "    type: EchoNetwork\n" \
  "    description: Kamera über USB\n" \
  "  harness:\n" \
  "    children:\n" \
  "      probe-1: {type: EchoNetwork, config: {labels: {b: \"2\", a: \"1\"}}}\n" \
  "  alias: {ref: harness.probe-1}\n"

static JmpTestHost *
list_host_new (Fixture *fixture)
{
  g_autofree gchar *config = jmp_test_write_file (fixture->dir, "list.yaml", LIST_CONFIG);

  return jmp_test_host_new (config, NULL);
}

static void
test_list_table_exact (Fixture *fixture, gconstpointer data)
{
  g_autoptr(JmpTestHost) host = list_host_new (fixture);
  const gchar *argv[] = { "list", NULL };
  g_autoptr(JmpRun) run = run_jmp (jmp_test_host_get_address (host), argv);

  g_assert_cmpint (run->status, ==, 0);
  g_assert_cmpstr (run->err, ==, "");
  g_assert_cmpstr (jmp_run_stdout (run), ==,
    "PATH             TYPE         DESCRIPTION      LABELS\n"
    "power            EchoNetwork  Mains switch     room=lab 3,vendor=acme\n"
    "cam              EchoNetwork  Kamera über USB\n"
    "harness          Composite\n"
    "harness.probe-1  EchoNetwork                   a=1,b=2\n"
    "alias            EchoNetwork                   a=1,b=2\n");
  jmp_test_host_stop (host);
}

static void
assert_json_table (JsonObject *object, const gchar *member, GVariant *table)
{
  JsonObject *json = json_object_get_object_member (object, member);
  GVariantIter iter;
  const gchar *key;
  const gchar *value;

  g_assert_cmpuint (json_object_get_size (json), ==, g_variant_n_children (table));
  g_variant_iter_init (&iter, table);
  while (g_variant_iter_next (&iter, "{&s&s}", &key, &value))
    g_assert_cmpstr (json_object_get_string_member (json, key), ==, value);
}

/* Every field of --json is what the host's objects say (GetManagedObjects,
 * read here without the library), in the order of Driver1.Index. */
static void
test_list_json_exact (Fixture *fixture, gconstpointer data)
{
  g_autoptr(JmpTestHost) host = list_host_new (fixture);
  const gchar *argv[] = { "list", "--json", NULL };
  g_autoptr(JmpRun) run = run_jmp (jmp_test_host_get_address (host), argv);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) connection = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) objects = NULL;
  const gchar *strings[][2] = {
    { "name", "Name" }, { "path", "Path" }, { "type", "Type" }, { "uuid", "Uuid" },
    { "parent_uuid", "ParentUuid" }, { "description", "Description" },
  };
  JsonArray *drivers;

  g_assert_cmpint (run->status, ==, 0);
  json_parser_load_from_data (parser, jmp_run_stdout (run), -1, &error);
  g_assert_no_error (error);

  connection = g_dbus_connection_new_for_address_sync (jmp_test_host_get_address (host),
                                                       G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT,
                                                       NULL, NULL, &error);
  g_assert_no_error (error);
  reply = g_dbus_connection_call_sync (connection, NULL, "/dev/jumpstarter/Host1",
                                       "org.freedesktop.DBus.ObjectManager", "GetManagedObjects",
                                       NULL, G_VARIANT_TYPE ("(a{oa{sa{sv}}})"),
                                       G_DBUS_CALL_FLAGS_NONE, 10000, NULL, &error);
  g_assert_no_error (error);
  objects = g_variant_get_child_value (reply, 0);

  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (json_parser_get_root (parser)),
                                                  "exporter"), ==, "exact");
  drivers = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)),
                                          "drivers");
  g_assert_cmpuint (json_array_get_length (drivers), ==, g_variant_n_children (objects));
  for (guint i = 0; i < json_array_get_length (drivers); i++)
    {
      JsonObject *driver = json_array_get_object_element (drivers, i);
      const gchar *object_path = json_object_get_string_member (driver, "object_path");
      g_autoptr(GVariant) ifaces = g_variant_lookup_value (objects, object_path, NULL);
      g_autoptr(GVariant) props = NULL;
      g_autoptr(GVariant) index = NULL;
      g_autoptr(GVariant) labels = NULL;
      g_autoptr(GVariant) methods = NULL;

      g_assert_nonnull (ifaces);
      props = g_variant_lookup_value (ifaces, "dev.jumpstarter.Driver1", NULL);
      g_assert_nonnull (props);
      index = g_variant_lookup_value (props, "Index", G_VARIANT_TYPE_UINT32);
      g_assert_cmpuint (g_variant_get_uint32 (index), ==, i);
      for (guint f = 0; f < G_N_ELEMENTS (strings); f++)
        {
          g_autoptr(GVariant) value = g_variant_lookup_value (props, strings[f][1],
                                                              G_VARIANT_TYPE_STRING);

          g_assert_cmpstr (json_object_get_string_member (driver, strings[f][0]), ==,
                           g_variant_get_string (value, NULL));
        }
      labels = g_variant_lookup_value (props, "Labels", NULL);
      assert_json_table (driver, "labels", labels);
      methods = g_variant_lookup_value (props, "MethodsDescription", NULL);
      assert_json_table (driver, "methods_description", methods);
      g_assert_cmpuint (json_object_get_size (driver), ==, 9);
    }
  g_dbus_connection_close_sync (connection, NULL, NULL);
  jmp_test_host_stop (host);
}

/* jmp list reads the drivers in one ListDrivers() call: no
 * GetManagedObjects(), whose reply and proxies grow with the tree. */
static void
test_list_one_call (Fixture *fixture, gconstpointer data)
{
  const gchar *env[] = { "G_DBUS_DEBUG=message", NULL };
  const gchar *argv[] = { "list", "--json", NULL };
  g_autoptr(JmpRun) run = run_jmp_full (host_address (fixture), env, NULL, argv);

  g_assert_cmpint (run->status, ==, 0);
  /* GDBus prints what it sends and receives on stdout */
  g_assert_nonnull (strstr (jmp_run_stdout (run), "member -> 'ListDrivers'"));
  g_assert_null (strstr (jmp_run_stdout (run), "GetManagedObjects"));
}

/* jmp DRIVER COMMAND asks the host for that one driver (GetDriver()),
 * never for the whole tree: what it costs does not grow with the number
 * of drivers. Every kind of command still works, for a driver nested in a
 * group too, and a missing driver's error still names the others. */
#define ONE_DRIVER_CONFIG \
  "metadata: {name: one-driver}\n" \
  "export:\n" \
  "  tcp: {type: TcpNetwork, config: {host: 127.0.0.1, port: 9}}\n" \
  "  group:\n" \
  "    children:\n" \
  "      decl: {type: Declared}\n" \
  "      echo: {type: EchoNetwork}\n"

static JmpRun *
run_jmp_traced (const gchar *address, const gchar *input, const gchar * const *argv)
{
  const gchar *env[] = { "G_DBUS_DEBUG=message", NULL };
  g_autoptr(GBytes) bytes = input != NULL ? g_bytes_new_static (input, strlen (input)) : NULL;
  JmpRun *run = run_jmp_full (address, env, bytes, argv);

  /* GDBus prints what it sends and receives on stdout */
  g_assert_null (strstr (jmp_run_stdout (run), "GetManagedObjects"));
  return run;
}

static void
test_driver_one_lookup (Fixture *fixture, gconstpointer data)
{
  const gchar *args[] = { "--plugin-dir", DECLARED_DIR, NULL };
  const gchar *connect[] = { "group.echo", "connect", NULL };
  const gchar *address[] = { "tcp", "address", NULL };
  const gchar *method[] = { "group.decl", "echo", "ab", "2", NULL };
  const gchar *by_path[] = { "/dev/jumpstarter/Host1/driver/group/decl", "echo", "cd", "1", NULL };
  const gchar *help[] = { "group.decl", "--help", NULL };
  const gchar *missing[] = { "group.nope", "connect", NULL };
  g_autofree gchar *config = jmp_test_write_file (fixture->dir, "one.yaml", ONE_DRIVER_CONFIG);
  JmpTestHost *host = jmp_test_host_new (config, args);
  const gchar *addr = jmp_test_host_get_address (host);
  g_autoptr(JmpRun) run_connect = run_jmp_traced (addr, "ping", connect);
  g_autoptr(JmpRun) run_address = run_jmp_traced (addr, NULL, address);
  g_autoptr(JmpRun) run_method = run_jmp_traced (addr, NULL, method);
  g_autoptr(JmpRun) run_by_path = run_jmp_traced (addr, NULL, by_path);
  g_autoptr(JmpRun) run_help = run_jmp_traced (addr, NULL, help);
  g_autoptr(JmpRun) run_missing = run_jmp_traced (addr, NULL, missing);

  g_assert_cmpint (run_connect->status, ==, 0);
  g_assert_nonnull (strstr (jmp_run_stdout (run_connect), "member -> 'GetDriver'"));
  g_assert_nonnull (strstr (jmp_run_stdout (run_connect), "ping"));
  g_assert_cmpint (run_address->status, ==, 0);
  g_assert_nonnull (strstr (jmp_run_stdout (run_address), "127.0.0.1:9\n"));
  g_assert_cmpint (run_method->status, ==, 0);
  g_assert_nonnull (strstr (jmp_run_stdout (run_method), "abab"));
  g_assert_cmpint (run_by_path->status, ==, 0);
  g_assert_nonnull (strstr (jmp_run_stdout (run_by_path), "cd"));
  g_assert_cmpint (run_help->status, ==, 0);
  g_assert_nonnull (strstr (jmp_run_stdout (run_help), "echo TEXT TIMES"));
  g_assert_nonnull (strstr (jmp_run_stdout (run_help), "watch"));
  assert_one_error_line (run_missing, 1,
                         "no driver \"group.nope\" on exporter one-driver; "
                         "drivers: tcp, group, group.decl, group.echo\n");

  jmp_test_host_stop (host);
  jmp_test_host_free (host);
}

/* ---- inspect ------------------------------------------------------------- */

static void
test_inspect (Fixture *fixture, gconstpointer data)
{
  const gchar *argv[] = { "inspect", NULL };
  g_autoptr(JmpRun) run = run_jmp (NULL, argv);

  g_test_message ("%s", jmp_run_stdout (run));
  g_assert_cmpint (run->status, ==, 0);
  g_assert_nonnull (strstr (jmp_run_stdout (run), "EchoNetwork"));
}

static void
test_inspect_type (Fixture *fixture, gconstpointer data)
{
  const gchar *argv[] = { "inspect", "EchoNetwork", NULL };
  const gchar *alias_argv[] = { "inspect", "jumpstarter_driver_network.driver.EchoNetwork", NULL };
  g_autoptr(JmpRun) run = run_jmp (NULL, argv);
  g_autoptr(JmpRun) alias_run = run_jmp (NULL, alias_argv);

  g_test_message ("%s", jmp_run_stdout (run));
  g_assert_cmpint (run->status, ==, 0);
  g_assert_nonnull (strstr (jmp_run_stdout (run), "EchoNetwork"));
  g_assert_cmpint (alias_run->status, ==, 0);
  g_assert_nonnull (strstr (jmp_run_stdout (alias_run), "EchoNetwork"));
}

static void
test_inspect_unknown (Fixture *fixture, gconstpointer data)
{
  const gchar *argv[] = { "inspect", "Nope", NULL };
  g_autoptr(JmpRun) run = run_jmp (NULL, argv);

  assert_one_error_line (run, 1, "Nope");
  g_assert_cmpuint (g_bytes_get_size (run->out), ==, 0);
}

/* ---- connect ------------------------------------------------------------- */

static void
check_echo (Fixture *fixture, const gchar *driver, GBytes *input)
{
  const gchar *argv[] = { driver, "connect", NULL };
  g_autoptr(JmpRun) run = run_jmp_full (host_address (fixture), NULL, input, argv);

  g_assert_cmpstr (run->err, ==, "");
  g_assert_cmpint (run->status, ==, 0);
  g_assert_cmpuint (g_bytes_get_size (run->out), ==, g_bytes_get_size (input));
  g_assert_true (g_bytes_equal (run->out, input));
}

static void
test_connect_text (Fixture *fixture, gconstpointer data)
{
  g_autoptr(GBytes) input = g_bytes_new_static ("hello, bench\n", 13);

  check_echo (fixture, "echo", input);
  check_echo (fixture, "loopback.deeper.echo", input);
}

static void
test_connect_empty (Fixture *fixture, gconstpointer data)
{
  g_autoptr(GBytes) input = g_bytes_new_static ("", 0);

  check_echo (fixture, "echo", input);
}

static void
test_connect_binary (Fixture *fixture, gconstpointer data)
{
  gsize size = 1024 * 1024;
  guint8 *buffer = g_malloc (size);
  g_autoptr(GRand) rand = g_rand_new_with_seed (20240611);
  g_autoptr(GBytes) input = NULL;

  for (gsize i = 0; i < size; i++)
    buffer[i] = g_rand_int (rand) & 0xff;
  /* every byte value, NULs and newlines included */
  for (gsize i = 0; i < 256; i++)
    buffer[i] = i;
  input = g_bytes_new_take (buffer, size);

  check_echo (fixture, "loopback.echo", input);
}

/* ---- address ------------------------------------------------------------- */

static void
check_address (const gchar *address, const gchar *driver, const gchar *option1,
               const gchar *option2, const gchar *expected)
{
  const gchar *argv[] = { driver, "address", option1, option2, NULL };
  g_autoptr(JmpRun) run = run_jmp (address, argv);

  g_assert_cmpstr (run->err, ==, "");
  g_assert_cmpint (run->status, ==, 0);
  g_assert_cmpstr (jmp_run_stdout (run), ==, expected);
}

static void
test_address_forms (Fixture *fixture, gconstpointer data)
{
  g_autoptr(GSocket) blocker = NULL;
  g_autoptr(GSocketAddress) any = NULL;
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JmpTestHost) host = NULL;
  g_autofree gchar *config_text = NULL;
  g_autofree gchar *config = NULL;
  g_autoptr(JmpRun) refused = NULL;
  const gchar *address;
  const gchar *connect[] = { "refused", "connect", NULL };

  /* A bound socket that does not listen: connecting to it is refused, and
   * nobody else can take the port meanwhile. */
  blocker = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  any = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  g_socket_bind (blocker, any, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (blocker, &error);
  g_assert_no_error (error);

  config_text = g_strdup_printf (
    "apiVersion: jumpstarter.dev/v1alpha1\n"
    "kind: ExporterConfig\n"
    "metadata: {name: addresses}\n"
    "export:\n"
    "  v4: {type: TcpNetwork, config: {host: 192.0.2.1, port: 22, enable_address: true}}\n"
    "  v6: {type: TcpNetwork, config: {host: \"2001:db8::1\", port: 2222, enable_address: true}}\n"
    "  refused: {type: TcpNetwork, config: {host: 127.0.0.1, port: %u}}\n",
    g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  config = jmp_test_write_file (fixture->dir, "addresses.yaml", config_text);
  host = jmp_test_host_new (config, NULL);
  address = jmp_test_host_get_address (host);

  check_address (address, "v4", NULL, NULL, "192.0.2.1:22\n");
  check_address (address, "v4", "--host", NULL, "192.0.2.1\n");
  check_address (address, "v4", "--port", NULL, "22\n");
  check_address (address, "v4", "--host", "--port", "192.0.2.1:22\n");
  check_address (address, "v6", NULL, NULL, "[2001:db8::1]:2222\n");
  check_address (address, "v6", "--host", NULL, "2001:db8::1\n");
  check_address (address, "v6", "--port", NULL, "2222\n");
  check_address (address, "v6", "--port", "--host", "[2001:db8::1]:2222\n");

  refused = run_jmp (address, connect);
  assert_one_error_line (refused, 1, NULL);

  jmp_test_host_stop (host);
}

/* ---- errors -------------------------------------------------------------- */

static void
test_address_not_supported (Fixture *fixture, gconstpointer data)
{
  const gchar *argv[] = { "echo", "address", NULL };
  g_autoptr(JmpRun) run = run_jmp (host_address (fixture), argv);

  /* not offered at all, as Network1.HasAddress is false */
  assert_one_error_line (run, 2, "has no command \"address\"");
  g_assert_cmpuint (g_bytes_get_size (run->out), ==, 0);
}

static void
test_unknown_driver (Fixture *fixture, gconstpointer data)
{
  const gchar *argv[] = { "nope", "connect", NULL };
  g_autoptr(JmpRun) run = run_jmp (host_address (fixture), argv);

  assert_one_error_line (run, 1, "no driver \"nope\" on exporter cli-bench; drivers: ");
  g_assert_nonnull (strstr (run->err, "loopback.deeper.echo"));
}

static void
test_unknown_command (Fixture *fixture, gconstpointer data)
{
  const gchar *argv[] = { "echo", "snapshot", NULL };
  g_autoptr(JmpRun) run = run_jmp (host_address (fixture), argv);

  assert_one_error_line (run, 2,
                         "driver \"echo\" (EchoNetwork) has no command \"snapshot\"; its commands: ");
  g_assert_nonnull (strstr (run->err, "connect"));
  g_assert_null (strstr (run->err, "address"));
}

static void
test_bad_arguments (Fixture *fixture, gconstpointer data)
{
  const gchar *extra[] = { "echo", "connect", "surplus", NULL };
  const gchar *option[] = { "echo", "connect", "--bogus", NULL };
  const gchar *global[] = { "--bogus", "list", NULL };
  const gchar *nothing[] = { NULL };
  g_autoptr(JmpRun) run_extra = run_jmp (host_address (fixture), extra);
  g_autoptr(JmpRun) run_option = run_jmp (host_address (fixture), option);
  g_autoptr(JmpRun) run_global = run_jmp (host_address (fixture), global);
  g_autoptr(JmpRun) run_nothing = run_jmp (host_address (fixture), nothing);

  assert_one_error_line (run_extra, 2, "surplus");
  assert_one_error_line (run_option, 2, "--bogus");
  assert_one_error_line (run_global, 2, "--bogus");
  g_assert_cmpint (run_nothing->status, ==, 2);
}

static void
test_driver_help (Fixture *fixture, gconstpointer data)
{
  const gchar *alone[] = { "echo", NULL };
  const gchar *help[] = { "echo", "--help", NULL };
  g_autoptr(JmpRun) run_alone = run_jmp (host_address (fixture), alone);
  g_autoptr(JmpRun) run_help = run_jmp (host_address (fixture), help);

  g_test_message ("%s", jmp_run_stdout (run_help));
  g_assert_cmpint (run_alone->status, ==, 0);
  g_assert_cmpint (run_help->status, ==, 0);
  g_assert_cmpstr (jmp_run_stdout (run_alone), ==, jmp_run_stdout (run_help));
  g_assert_nonnull (strstr (jmp_run_stdout (run_help), "EchoNetwork"));
  g_assert_nonnull (strstr (jmp_run_stdout (run_help), "  connect "));
  /* an EchoNetwork has no address: only what the driver can do is offered */
  g_assert_null (strstr (jmp_run_stdout (run_help), "  address "));
  g_assert_null (strstr (jmp_run_stdout (run_help), "  forward-udp "));
  /* nor state to watch */
  g_assert_null (strstr (jmp_run_stdout (run_help), "  watch "));
}

/* Without JUMPSTARTER_HOST and without a session bus, jmp says how to get a
 * host rather than only why D-Bus could not autolaunch. */
static void
test_no_host_hint (Fixture *fixture, gconstpointer data)
{
  const gchar *env[] = { "DBUS_SESSION_BUS_ADDRESS", "DISPLAY", "WAYLAND_DISPLAY", NULL };
  const gchar *argv[] = { "list", NULL };
  g_autoptr(JmpRun) run = run_jmp_full (NULL, env, NULL, argv);

  assert_one_error_line (run, 1, "JUMPSTARTER_HOST");
  g_assert_nonnull (strstr (run->err, "jmp shell --config"));
}

/* The host dies under a pumped stream: jmp says so and fails, rather
 * than take the stream's end for the target's. */
static void
test_connect_host_dies (Fixture *fixture, gconstpointer data)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) err = NULL;
  g_autoptr(GBytes) empty = NULL;
  g_autofree gchar *line = NULL;
  g_autofree gchar *err_text = NULL;
  gsize written = 0;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                        G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_setenv (launcher, JMP_HOST_ENV, host_address (fixture), TRUE);
  process = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("JMP_TEST_CLI"),
                                         "echo", "connect", NULL);
  g_assert_no_error (error);
  g_output_stream_write_all (g_subprocess_get_stdin_pipe (process), "hello\n", 6,
                             &written, NULL, &error);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (line, ==, "hello");

  /* the stream ends with the host, not with the end of stdin: the host
   * is dead before stdin closes */
  jmp_test_host_kill (fixture->host);
  empty = g_bytes_new_static ("", 0);
  g_subprocess_communicate (process, empty, NULL, NULL, &err, &error);
  g_assert_no_error (error);
  err_text = bytes_to_string (err);
  g_test_message ("stderr: %s", err_text);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 1);
  g_assert_cmpstr (err_text, ==, "jmp: the host went away (it exited or closed the connection)\n");
}

static void
test_host_not_running (Fixture *fixture, gconstpointer data)
{
  g_autofree gchar *socket = g_build_filename (fixture->dir, "missing.sock", NULL);
  g_autofree gchar *address = g_strdup_printf ("unix:path=%s", socket);
  const gchar *list[] = { "list", NULL };
  const gchar *connect[] = { "echo", "connect", NULL };
  g_autoptr(JmpRun) run_list = run_jmp (address, list);
  g_autoptr(JmpRun) run_connect = run_jmp (address, connect);
  /* Jumpstarter puts a bare socket path there. */
  g_autoptr(JmpRun) run_path = run_jmp (socket, list);

  assert_one_error_line (run_list, 1, socket);
  assert_one_error_line (run_connect, 1, socket);
  assert_one_error_line (run_path, 1, socket);
}

static void
test_bare_path (Fixture *fixture, gconstpointer data)
{
  const gchar *address = host_address (fixture);
  const gchar *argv[] = { "list", NULL };
  g_autoptr(JmpRun) run = NULL;

  g_assert_true (g_str_has_prefix (address, "unix:path="));
  run = run_jmp (address + strlen ("unix:path="), argv);
  g_assert_cmpint (run->status, ==, 0);
  g_assert_nonnull (strstr (jmp_run_stdout (run), "loopback.echo"));
}

/* ---- on a bus ------------------------------------------------------------ */

static void
on_name_appeared (GDBusConnection *connection, const gchar *name,
                  const gchar *owner, gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
}

/* Without $JUMPSTARTER_HOST, jmp looks for dev.jumpstarter.Host1 on the
 * session bus: here a private one. */
static void
test_session_bus (Fixture *fixture, gconstpointer data)
{
  g_autoptr(GTestDBus) bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_autoptr(GSubprocess) host = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JmpRun) run_none = NULL;
  g_autoptr(JmpRun) run_list = NULL;
  g_autoptr(JmpRun) run_echo = NULL;
  g_autoptr(GBytes) input = g_bytes_new_static ("over the bus\n", 13);
  const gchar *list[] = { "list", NULL };
  const gchar *echo[] = { "loopback.echo", "connect", NULL };
  gboolean appeared = FALSE;
  guint watch;

  g_test_dbus_up (bus);

  run_none = run_jmp (NULL, list);
  assert_one_error_line (run_none, 1, "no jumpstarter-host is running on the session bus");

  host = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error,
                           g_getenv ("JMP_TEST_HOST"), "--config", fixture->config, NULL);
  g_assert_no_error (error);
  watch = g_bus_watch_name (G_BUS_TYPE_SESSION, "dev.jumpstarter.Host1",
                            G_BUS_NAME_WATCHER_FLAGS_NONE,
                            on_name_appeared, NULL, &appeared, NULL);
  jmp_test_wait_flag (&appeared, 30000);
  g_bus_unwatch_name (watch);

  run_list = run_jmp (NULL, list);
  g_assert_cmpint (run_list->status, ==, 0);
  g_assert_nonnull (strstr (jmp_run_stdout (run_list), "loopback.deeper.echo"));

  run_echo = run_jmp_full (NULL, NULL, input, echo);
  g_assert_cmpint (run_echo->status, ==, 0);
  g_assert_true (g_bytes_equal (run_echo->out, input));

  g_subprocess_send_signal (host, SIGTERM);
  g_subprocess_wait (host, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (host));
  g_assert_cmpint (g_subprocess_get_exit_status (host), ==, 0);

  g_test_dbus_down (bus);
}

/* ---- shell --------------------------------------------------------------- */

/* Whether a process still runs with @needle in its command line. */
static gboolean
process_with_argument_exists (const gchar *needle)
{
  g_autoptr(GDir) proc = g_dir_open ("/proc", 0, NULL);
  const gchar *name;

  g_assert_nonnull (proc);
  while ((name = g_dir_read_name (proc)) != NULL)
    {
      g_autofree gchar *path = NULL;
      g_autofree gchar *cmdline = NULL;
      gsize length = 0;

      if (!g_ascii_isdigit (name[0]))
        continue;
      path = g_build_filename ("/proc", name, "cmdline", NULL);
      if (!g_file_get_contents (path, &cmdline, &length, NULL))
        continue;
      for (gsize i = 0; i < length; i += strlen (cmdline + i) + 1)
        {
          if (strstr (cmdline + i, needle) != NULL)
            return TRUE;
        }
    }
  return FALSE;
}

static guint
count_entries (const gchar *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

static void
test_shell_command (Fixture *fixture, gconstpointer data)
{
  g_autofree gchar *runtime = g_build_filename (fixture->dir, "runtime", NULL);
  g_autofree gchar *runtime_env = g_strdup_printf ("XDG_RUNTIME_DIR=%s", runtime);
  const gchar *env[] = { runtime_env, NULL };
  const gchar *argv[] = {
    "shell", "--config", fixture->config, "--",
    "sh", "-c",
    "\"$JMP_TEST_CLI\" list > /dev/null || exit 99; "
    "echo \"$JUMPSTARTER_HOST\"; echo \"$JMP_EXPORTER\"; exit 7",
    NULL
  };
  g_autoptr(JmpRun) run = NULL;
  g_auto(GStrv) lines = NULL;

  g_assert_cmpint (g_mkdir (runtime, 0700), ==, 0);
  run = run_jmp_full (NULL, env, NULL, argv);
  g_test_message ("stdout: %s\nstderr: %s", jmp_run_stdout (run), run->err);
  g_assert_cmpint (run->status, ==, 7);

  lines = g_strsplit (jmp_run_stdout (run), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 3);
  g_assert_true (g_str_has_prefix (lines[0], "unix:path="));
  g_assert_nonnull (strstr (lines[0], runtime));
  g_assert_nonnull (strstr (lines[0], "/jumpstarter-"));
  g_assert_cmpstr (lines[1], ==, "cli-bench");

  /* jmp waited for its host and cleaned up after it. */
  g_assert_false (process_with_argument_exists (runtime));
  g_assert_cmpuint (count_entries (runtime), ==, 0);
}

static void
test_shell_signal_status (Fixture *fixture, gconstpointer data)
{
  const gchar *argv[] = {
    "shell", "--config", fixture->config, "--", "sh", "-c", "kill -TERM $$", NULL
  };
  g_autoptr(JmpRun) run = run_jmp (NULL, argv);

  g_assert_cmpint (run->status, ==, 128 + SIGTERM);
}

/* A Ctrl-C reaches jmp too (same process group as CMD); it must leave the
 * host alone while CMD goes on. */
static void
test_shell_sigint_ignored (Fixture *fixture, gconstpointer data)
{
  const gchar *argv[] = {
    "shell", "--config", fixture->config, "--", "sh", "-c",
    "kill -INT $PPID && \"$JMP_TEST_CLI\" loopback.echo connect < /dev/null && exit 5",
    NULL
  };
  g_autoptr(JmpRun) run = run_jmp (NULL, argv);

  g_test_message ("stderr: %s", run->err);
  g_assert_cmpint (run->status, ==, 5);
  g_assert_cmpstr (run->err, ==, "");
}

/* SIGTERM to jmp goes on to CMD, and jmp still cleans up. */
static void
test_shell_sigterm_forwarded (Fixture *fixture, gconstpointer data)
{
  g_autofree gchar *runtime = g_build_filename (fixture->dir, "runtime", NULL);
  g_autofree gchar *runtime_env = g_strdup_printf ("XDG_RUNTIME_DIR=%s", runtime);
  const gchar *env[] = { runtime_env, NULL };
  const gchar *argv[] = {
    "shell", "--config", fixture->config, "--", "sh", "-c",
    "kill -TERM $PPID; exec sleep 600", NULL
  };
  g_autoptr(JmpRun) run = NULL;

  g_assert_cmpint (g_mkdir (runtime, 0700), ==, 0);
  run = run_jmp_full (NULL, env, NULL, argv);
  g_assert_cmpint (run->status, ==, 128 + SIGTERM);
  g_assert_false (process_with_argument_exists (runtime));
  g_assert_cmpuint (count_entries (runtime), ==, 0);
}

static void
test_shell_missing_command (Fixture *fixture, gconstpointer data)
{
  g_autofree gchar *runtime = g_build_filename (fixture->dir, "runtime", NULL);
  g_autofree gchar *runtime_env = g_strdup_printf ("XDG_RUNTIME_DIR=%s", runtime);
  const gchar *env[] = { runtime_env, NULL };
  const gchar *argv[] = {
    "shell", "--config", fixture->config, "--", "/nonexistent/jmp-test-command", NULL
  };
  g_autoptr(JmpRun) run = NULL;

  g_assert_cmpint (g_mkdir (runtime, 0700), ==, 0);
  run = run_jmp_full (NULL, env, NULL, argv);
  assert_one_error_line (run, 127, "/nonexistent/jmp-test-command");
  g_assert_false (process_with_argument_exists (runtime));
  g_assert_cmpuint (count_entries (runtime), ==, 0);
}

static void
test_shell_stdin (Fixture *fixture, gconstpointer data)
{
  /* No CMD and no terminal: the shell reads its commands from stdin. */
  const gchar *text = "echo \"$JMP_EXPORTER\"; exit 3\n";
  g_autoptr(GBytes) script = g_bytes_new_static (text, strlen (text));
  const gchar *env[] = { "SHELL=/bin/sh", NULL };
  const gchar *argv[] = { "shell", "--config", fixture->config, NULL };
  g_autoptr(JmpRun) run = run_jmp_full (NULL, env, script, argv);

  g_assert_cmpint (run->status, ==, 3);
  /* not interactive: no motd */
  g_assert_cmpstr (jmp_run_stdout (run), ==, "cli-bench\n");
}

static void
test_shell_broken_config (Fixture *fixture, gconstpointer data)
{
  g_autofree gchar *runtime = g_build_filename (fixture->dir, "runtime", NULL);
  g_autofree gchar *runtime_env = g_strdup_printf ("XDG_RUNTIME_DIR=%s", runtime);
  g_autofree gchar *broken = NULL;
  g_autofree gchar *missing = g_build_filename (fixture->dir, "missing.yaml", NULL);
  const gchar *env[] = { runtime_env, NULL };
  g_autoptr(JmpRun) run = NULL;
  g_autoptr(JmpRun) run_missing = NULL;

  broken = jmp_test_write_file (fixture->dir, "broken.yaml",
                                "apiVersion: jumpstarter.dev/v1alpha1\n"
                                "kind: ExporterConfig\n"
                                "metadata: {name: broken}\n"
                                "export:\n"
                                "  thing: {type: NoSuchDriverType}\n");
  g_assert_cmpint (g_mkdir (runtime, 0700), ==, 0);

  {
    const gchar *argv[] = { "shell", "--config", broken, "--", "sh", "-c", "echo ran", NULL };
    run = run_jmp_full (NULL, env, NULL, argv);
  }
  g_test_message ("stderr: %s", run->err);
  g_assert_cmpint (run->status, !=, 0);
  g_assert_nonnull (strstr (run->err, "NoSuchDriverType"));
  g_assert_cmpstr (jmp_run_stdout (run), ==, "");

  {
    const gchar *argv[] = { "shell", "--config", missing, "--", "sh", "-c", "echo ran", NULL };
    run_missing = run_jmp_full (NULL, env, NULL, argv);
  }
  g_test_message ("stderr: %s", run_missing->err);
  g_assert_cmpint (run_missing->status, !=, 0);
  g_assert_nonnull (strstr (run_missing->err, "missing.yaml"));
  g_assert_cmpstr (jmp_run_stdout (run_missing), ==, "");

  g_assert_cmpuint (count_entries (runtime), ==, 0);
}

static void
test_shell_exporter_alias (Fixture *fixture, gconstpointer data)
{
  g_autofree gchar *config_home = g_build_filename (fixture->dir, "config", NULL);
  g_autofree gchar *exporters = g_build_filename (config_home, "jumpstarter", "exporters", NULL);
  g_autofree gchar *config_env = g_strdup_printf ("XDG_CONFIG_HOME=%s", config_home);
  g_autofree gchar *path = NULL;
  const gchar *env[] = { config_env, NULL };
  const gchar *argv[] = {
    "shell", "--exporter", "alias-bench", "--", "sh", "-c", "echo \"$JMP_EXPORTER\"", NULL
  };
  const gchar *missing_argv[] = {
    "shell", "--exporter", "no-such-bench", "--", "sh", "-c", "echo ran", NULL
  };
  g_autoptr(JmpRun) run = NULL;
  g_autoptr(JmpRun) run_missing = NULL;

  g_assert_cmpint (g_mkdir_with_parents (exporters, 0700), ==, 0);
  path = jmp_test_write_file (exporters, "alias-bench.yaml", TEST_CONFIG);

  run = run_jmp_full (NULL, env, NULL, argv);
  g_test_message ("stderr: %s", run->err);
  g_assert_cmpint (run->status, ==, 0);
  g_assert_cmpstr (jmp_run_stdout (run), ==, "cli-bench\n");

  run_missing = run_jmp_full (NULL, env, NULL, missing_argv);
  assert_one_error_line (run_missing, 1, "no-such-bench");
}

static void
test_shell_usage (Fixture *fixture, gconstpointer data)
{
  const gchar *neither[] = { "shell", "--", "true", NULL };
  const gchar *both[] = { "shell", "--config", fixture->config, "--exporter", "x", NULL };
  g_autoptr(JmpRun) run_neither = run_jmp (NULL, neither);
  g_autoptr(JmpRun) run_both = run_jmp (NULL, both);

  assert_one_error_line (run_neither, 2, NULL);
  assert_one_error_line (run_both, 2, NULL);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func, data) \
  g_test_add (path, Fixture, data, fixture_setup, func, fixture_teardown)

  ADD ("/cli/list", test_list, NULL);
  ADD ("/cli/list/json", test_list_json, NULL);
  ADD ("/cli/list/table-exact", test_list_table_exact, NO_HOST);
  ADD ("/cli/list/json-exact", test_list_json_exact, NO_HOST);
  ADD ("/cli/list/one-call", test_list_one_call, NULL);
  ADD ("/cli/driver/one-lookup", test_driver_one_lookup, NO_HOST);
  ADD ("/cli/inspect", test_inspect, NO_HOST);
  ADD ("/cli/inspect/type", test_inspect_type, NO_HOST);
  ADD ("/cli/inspect/unknown", test_inspect_unknown, NO_HOST);
  ADD ("/cli/connect/text", test_connect_text, NULL);
  ADD ("/cli/connect/empty", test_connect_empty, NULL);
  ADD ("/cli/connect/binary", test_connect_binary, NULL);
  ADD ("/cli/connect/host-dies", test_connect_host_dies, NULL);
  ADD ("/cli/address/forms", test_address_forms, NO_HOST);
  ADD ("/cli/error/address-not-supported", test_address_not_supported, NULL);
  ADD ("/cli/error/unknown-driver", test_unknown_driver, NULL);
  ADD ("/cli/error/unknown-command", test_unknown_command, NULL);
  ADD ("/cli/error/bad-arguments", test_bad_arguments, NULL);
  ADD ("/cli/error/host-not-running", test_host_not_running, NO_HOST);
  ADD ("/cli/error/no-host-hint", test_no_host_hint, NO_HOST);
  ADD ("/cli/driver-help", test_driver_help, NULL);
  ADD ("/cli/bare-path", test_bare_path, NULL);
  ADD ("/cli/session-bus", test_session_bus, NO_HOST);
  ADD ("/cli/shell/command", test_shell_command, NO_HOST);
  ADD ("/cli/shell/signal-status", test_shell_signal_status, NO_HOST);
  ADD ("/cli/shell/sigint-ignored", test_shell_sigint_ignored, NO_HOST);
  ADD ("/cli/shell/sigterm-forwarded", test_shell_sigterm_forwarded, NO_HOST);
  ADD ("/cli/shell/missing-command", test_shell_missing_command, NO_HOST);
  ADD ("/cli/shell/stdin", test_shell_stdin, NO_HOST);
  ADD ("/cli/shell/broken-config", test_shell_broken_config, NO_HOST);
  ADD ("/cli/shell/exporter-alias", test_shell_exporter_alias, NO_HOST);
  ADD ("/cli/shell/usage", test_shell_usage, NO_HOST);

#undef ADD

  return g_test_run ();
}
