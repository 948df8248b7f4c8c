/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Declared methods and state (tests/host/declared) through a real host:
 * jmp_driver_proxy_call() and friends, errors, streams, PropertiesChanged.
 */
#include <fcntl.h>
#include <unistd.h>

#include "jmp-test-common.h"

#define CONFIG \
  "export:\n" \
  "  decl: {type: Declared}\n" \
  "  child: {type: DeclaredChild}\n"

typedef struct {
  gchar       *dir;
  JmpTestHost *host;
  JmpClient   *client;
} Fixture;

static void
fixture_setup (Fixture *fixture, gconstpointer data)
{
  const gchar *args[] = { "--plugin-dir", DECLARED_DIR, NULL };
  g_autofree gchar *config = NULL;

  fixture->dir = jmp_test_mkdtemp ();
  config = jmp_test_write_file (fixture->dir, "declared.yaml", CONFIG);
  fixture->host = jmp_test_host_new (config, args);
  fixture->client = jmp_test_host_connect (fixture->host);
}

static void
fixture_teardown (Fixture *fixture, gconstpointer data)
{
  g_clear_object (&fixture->client);
  jmp_test_host_stop (fixture->host);
  jmp_test_host_free (fixture->host);
  jmp_test_rmdir (fixture->dir);
  g_free (fixture->dir);
}

static JmpDriverProxy *
get_driver (Fixture *fixture, const gchar *name)
{
  g_autoptr(GError) error = NULL;
  JmpDriverProxy *driver = jmp_client_get_driver (fixture->client, name, &error);

  g_assert_no_error (error);
  return driver;
}

static void
test_methods_listed (Fixture *fixture, gconstpointer data)
{
  g_autoptr(JmpDriverProxy) driver = get_driver (fixture, "decl");
  g_autoptr(GPtrArray) methods = jmp_driver_proxy_get_methods (driver);
  g_autoptr(JmpDriverMethod) echo = jmp_driver_proxy_lookup_method (driver, "Echo");
  g_autoptr(JmpDriverMethod) later = jmp_driver_proxy_lookup_method (driver, "answer-later");
  const gchar *in_names[] = { "text", "times", NULL };
  const gchar *out_names[] = { "joined", "length", NULL };
  const gchar *names[] = { "echo", "fail", "bump", "answer-later", "stream" };
  g_autofree gchar *usage = NULL;

  g_assert_cmpuint (methods->len, ==, G_N_ELEMENTS (names));
  for (guint i = 0; i < methods->len; i++)
    g_assert_cmpstr (jmp_driver_method_get_name (g_ptr_array_index (methods, i)), ==, names[i]);

  g_assert_nonnull (echo);
  g_assert_cmpstr (jmp_driver_method_get_name (echo), ==, "echo");
  g_assert_cmpstr (jmp_driver_method_get_interface_name (echo), ==,
                   "dev.jumpstarter.test.Declared1");
  g_assert_cmpstr (jmp_driver_method_get_in_signature (echo), ==, "(si)");
  g_assert_cmpstr (jmp_driver_method_get_out_signature (echo), ==, "(su)");
  g_assert_cmpstrv (jmp_driver_method_get_in_names (echo), in_names);
  g_assert_cmpstrv (jmp_driver_method_get_out_names (echo), out_names);
  g_assert_cmpstr (jmp_driver_method_get_help (echo), ==, "Repeat TEXT TIMES times");
  usage = jmp_driver_method_get_usage (echo);
  g_assert_cmpstr (usage, ==, "echo TEXT TIMES");

  g_assert_nonnull (later);
  g_assert_cmpstr (jmp_driver_method_get_member (later), ==, "AnswerLater");
  g_assert_cmpstr (jmp_driver_method_get_out_names (later)[0], ==, "result");
  g_assert_null (jmp_driver_proxy_lookup_method (driver, "nope"));
}

static void
test_call_sync (Fixture *fixture, gconstpointer data)
{
  g_autoptr(JmpDriverProxy) driver = get_driver (fixture, "decl");
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GError) error = NULL;
  const gchar *joined;
  guint32 length;

  result = jmp_driver_proxy_call_sync (driver, "echo", g_variant_new ("(si)", "ab", 3), NULL, &error);
  g_assert_no_error (error);
  g_variant_get (result, "(&su)", &joined, &length);
  g_assert_cmpstr (joined, ==, "ababab");
  g_assert_cmpuint (length, ==, 6);
  g_clear_pointer (&result, g_variant_unref);

  /* the handler's GIO error reaches the caller through jmp_error_convert() */
  result = jmp_driver_proxy_call_sync (driver, "fail", NULL, NULL, &error);
  g_assert_null (result);
  g_assert_error (error, JMP_ERROR, JMP_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, "there is no widget here");
  g_clear_error (&error);

  result = jmp_driver_proxy_call_sync (driver, "echo", g_variant_new ("(s)", "ab"), NULL, &error);
  g_assert_null (result);
  g_assert_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS);
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  result = jmp_driver_proxy_call_sync (driver, "nope", NULL, NULL, &error);
  g_assert_null (result);
  g_assert_error (error, JMP_ERROR, JMP_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "echo, fail, bump, answer-later, stream"));
}

static void
call_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GVariant **result = user_data;
  g_autoptr(GError) error = NULL;

  *result = jmp_driver_proxy_call_finish (JMP_DRIVER_PROXY (source), res, &error);
  g_assert_no_error (error);
}

static void
test_call_async (Fixture *fixture, gconstpointer data)
{
  g_autoptr(JmpDriverProxy) driver = get_driver (fixture, "decl");
  g_autoptr(GVariant) result = NULL;
  const gchar *answer;

  jmp_driver_proxy_call (driver, "answer-later", NULL, NULL, call_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_variant_get (result, "(&s)", &answer);
  g_assert_cmpstr (answer, ==, "later");
}

static void
test_stream (Fixture *fixture, gconstpointer data)
{
  g_autoptr(JmpDriverProxy) driver = get_driver (fixture, "decl");
  g_autoptr(GUnixFDList) fds = NULL;
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GError) error = NULL;
  gchar buffer[16] = { 0 };
  gint32 handle;
  gint fd;

  result = jmp_driver_proxy_call_with_unix_fd_list_sync (driver, "stream", NULL, &fds, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (fds);
  g_variant_get (result, "(h)", &handle);
  fd = g_unix_fd_list_get (fds, handle, &error);
  g_assert_no_error (error);
  /* handed over blocking, as connect() gives a socket */
  g_assert_cmpint (fcntl (fd, F_GETFL) & O_NONBLOCK, ==, 0);
  g_assert_cmpint (read (fd, buffer, sizeof buffer), ==, 5);
  g_assert_cmpstr (buffer, ==, "hello");
  g_assert_cmpint (read (fd, buffer, sizeof buffer), ==, 0);
  close (fd);
}

static void
changed_cb (GDBusProxy *proxy, GVariant *changed, GStrv invalidated, gpointer user_data)
{
  guint *count = user_data;

  g_variant_lookup (changed, "Count", "u", count);
}

/* The declared state of @driver, and its change as PropertiesChanged. */
static void
check_state (JmpDriverProxy *driver)
{
  g_autoptr(GDBusInterface) iface = NULL;
  g_autoptr(GVariant) count = NULL;
  g_autoptr(GVariant) label = NULL;
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GError) error = NULL;
  guint seen = 0;

  iface = g_dbus_object_get_interface (jmp_driver_proxy_get_object (driver),
                                       "dev.jumpstarter.test.Declared1");
  g_assert_nonnull (iface);
  count = g_dbus_proxy_get_cached_property (G_DBUS_PROXY (iface), "Count");
  label = g_dbus_proxy_get_cached_property (G_DBUS_PROXY (iface), "Label");
  g_assert_cmpuint (g_variant_get_uint32 (count), ==, 0);
  /* a field starts at its property's default */
  g_assert_cmpstr (g_variant_get_string (label, NULL), ==, "none");
  g_clear_pointer (&label, g_variant_unref);

  g_signal_connect (iface, "g-properties-changed", G_CALLBACK (changed_cb), &seen);
  result = jmp_driver_proxy_call_sync (driver, "bump", NULL, NULL, &error);
  g_assert_no_error (error);
  while (seen != 1)
    g_main_context_iteration (NULL, TRUE);
  label = g_dbus_proxy_get_cached_property (G_DBUS_PROXY (iface), "Label");
  g_assert_cmpstr (g_variant_get_string (label, NULL), ==, "bumped 1");
  g_signal_handlers_disconnect_by_data (iface, &seen);
}

static void
test_state (Fixture *fixture, gconstpointer data)
{
  g_autoptr(JmpDriverProxy) driver = get_driver (fixture, "decl");

  check_state (driver);
}

/* A driver looked up alone, without the tree, follows its state too, and
 * reaches the methods its type declared. */
static void
test_lookup_state (Fixture *fixture, gconstpointer data)
{
  g_autoptr(JmpClient) client = NULL;
  g_autoptr(JmpDriverProxy) driver = NULL;
  g_autoptr(JmpDriverProxy) child = NULL;
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GError) error = NULL;

  client = g_initable_new (JMP_TYPE_CLIENT, NULL, &error,
                           "address", jmp_test_host_get_address (fixture->host),
                           "flags", JMP_CLIENT_FLAGS_DO_NOT_LOAD_DRIVERS, NULL);
  g_assert_no_error (error);
  driver = jmp_client_lookup_driver_sync (client, "decl", NULL, &error);
  g_assert_no_error (error);
  check_state (driver);

  child = jmp_client_lookup_driver_sync (client, "child", NULL, &error);
  g_assert_no_error (error);
  result = jmp_driver_proxy_call_sync (child, "hello", NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_variant_get_type_string (result), ==, "(s)");
}

static void
test_inherited (Fixture *fixture, gconstpointer data)
{
  g_autoptr(JmpDriverProxy) driver = get_driver (fixture, "child");
  g_autoptr(JmpDriverMethod) hello = jmp_driver_proxy_lookup_method (driver, "hello");
  g_autoptr(JmpDriverMethod) echo = jmp_driver_proxy_lookup_method (driver, "echo");
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (hello);
  g_assert_nonnull (echo);
  /* a class that names no interface gets one after its type */
  g_assert_cmpstr (jmp_driver_method_get_interface_name (hello), ==,
                   "dev.jumpstarter.driver.JmpTestDeclaredChild");
  g_assert_cmpstr (jmp_driver_method_get_interface_name (echo), ==,
                   "dev.jumpstarter.test.Declared1");
  result = jmp_driver_proxy_call_sync (driver, "hello", NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_variant_get_type_string (result), ==, "(s)");
}

/* A caller that goes away mid-call disturbs nobody. */
static void
test_caller_gone (Fixture *fixture, gconstpointer data)
{
  g_autoptr(JmpClient) other = jmp_test_host_connect (fixture->host);
  g_autoptr(JmpDriverProxy) driver = NULL;
  g_autoptr(JmpDriverProxy) mine = get_driver (fixture, "decl");
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GError) error = NULL;

  driver = jmp_client_get_driver (other, "decl", &error);
  g_assert_no_error (error);
  jmp_driver_proxy_call (driver, "answer-later", NULL, NULL, NULL, NULL);
  g_dbus_connection_close_sync (jmp_client_get_connection (other), NULL, NULL);
  g_clear_object (&driver);
  g_clear_object (&other);

  result = jmp_driver_proxy_call_sync (mine, "answer-later", NULL, NULL, &error);
  g_assert_no_error (error);
}

static gint
call_pump (JmpDriverProxy *driver, GError **error)
{
  g_autoptr(GUnixFDList) fds = NULL;
  g_autoptr(GVariant) result = NULL;

  result = jmp_driver_proxy_call_with_unix_fd_list_sync (driver, "pump", NULL, &fds, NULL, error);
  if (result == NULL)
    return -1;
  return g_unix_fd_list_get (fds, 0, error);
}

/* A plugin's own method that keeps pumping the stream it hands over
 * draws on the caller's budget as the built-in drivers do. */
static void
test_pump_budget (void)
{
  const gchar *args[] = { "--plugin-dir", DECLARED_DIR, "--max-streams-per-peer", "2", NULL };
  g_autofree gchar *dir = jmp_test_mkdtemp ();
  g_autofree gchar *config = jmp_test_write_file (dir, "pump.yaml",
                                                  "export:\n  pump: {type: DeclaredPump}\n");
  g_autoptr(JmpTestHost) host = jmp_test_host_new (config, args);
  g_autoptr(JmpClient) client = jmp_test_host_connect (host);
  g_autoptr(JmpDriverProxy) driver = NULL;
  g_autoptr(GError) error = NULL;
  gint first, second, third = -1;

  driver = jmp_client_get_driver (client, "pump", &error);
  g_assert_no_error (error);
  first = call_pump (driver, &error);
  g_assert_no_error (error);
  second = call_pump (driver, &error);
  g_assert_no_error (error);
  g_assert_cmpint (call_pump (driver, &error), ==, -1);
  g_assert_error (error, JMP_ERROR, JMP_ERROR_UNAVAILABLE);
  g_assert_nonnull (strstr (error->message, " 2 "));
  g_clear_error (&error);

  /* the plugin's pump sees the close and drops its lease */
  close (first);
  for (guint i = 0; i < 2000 && third < 0; i++)
    {
      third = call_pump (driver, &error);
      if (third < 0)
        {
          g_assert_error (error, JMP_ERROR, JMP_ERROR_UNAVAILABLE);
          g_clear_error (&error);
          g_usleep (10 * 1000);
        }
    }
  g_assert_cmpint (third, >=, 0);
  close (second);
  close (third);
  g_clear_object (&driver);
  g_clear_object (&client);
  jmp_test_host_stop (host);
  jmp_test_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("/declared/methods-listed", test_methods_listed);
  ADD ("/declared/call-sync", test_call_sync);
  ADD ("/declared/call-async", test_call_async);
  ADD ("/declared/stream", test_stream);
  ADD ("/declared/state", test_state);
  ADD ("/declared/lookup-state", test_lookup_state);
  ADD ("/declared/inherited", test_inherited);
  ADD ("/declared/caller-gone", test_caller_gone);

#undef ADD
  g_test_add_func ("/declared/pump-budget", test_pump_budget);

  return g_test_run ();
}
