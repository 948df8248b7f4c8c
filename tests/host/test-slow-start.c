/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A plugin whose driver has only start_async (slow-start/), loaded by
 * jumpstarter-host with --plugin-dir: it starts at start-up, on a reload
 * while the host serves its other clients, fails a reload with its own
 * error, and a SIGTERM during its start stops the host at once.
 */
#include <string.h>

#include <gio/gunixfdlist.h>

#include "jmp-test-common.h"

/* far below the drivers' start delay: a hang guard, not a timing */
#define PROMPT_MS   1000
#define GUARD_MS    30000
#define BASE_CONFIG "export:\n" \
                    "  echo: {type: EchoNetwork}\n" \
                    "  early: {type: SlowStart, config: {delay_ms: 200}}\n"

typedef struct {
  gchar           *dir;
  gchar           *config;
  JmpTestHost     *host;
  GDBusConnection *reloader;
  GDBusConnection *other;
} Fixture;

static void
fixture_setup (Fixture *fx, gconstpointer data)
{
  const gchar *args[] = { "--plugin-dir", SLOW_START_DIR, NULL };

  fx->dir = jmp_test_mkdtemp ();
  fx->config = jmp_test_write_file (fx->dir, "tree.yaml", BASE_CONFIG);
  fx->host = jmp_test_host_new (fx->config, args);
  fx->reloader = jmp_test_host_connect_dbus (fx->host);
  fx->other = jmp_test_host_connect_dbus (fx->host);
}

static void
fixture_teardown (Fixture *fx, gconstpointer data)
{
  g_clear_object (&fx->reloader);
  g_clear_object (&fx->other);
  jmp_test_host_stop (fx->host);
  jmp_test_host_free (fx->host);
  jmp_test_rmdir (fx->dir);
  g_free (fx->config);
  g_free (fx->dir);
}

static void
assert_driver (Fixture *fx, const gchar *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *got = jmp_test_get_driver_name (fx->other, name, PROMPT_MS, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (got, ==, name);
}

/* Connect() of the echo driver, which runs in the host's main loop */
static void
assert_echo_connects (Fixture *fx)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GUnixFDList) fds = NULL;
  g_autoptr(GVariant) reply = NULL;

  reply = g_dbus_connection_call_with_unix_fd_list_sync (fx->other, NULL,
                                                         "/dev/jumpstarter/Host1/driver/echo",
                                                         "dev.jumpstarter.Network1", "Connect",
                                                         NULL, G_VARIANT_TYPE ("(h)"),
                                                         G_DBUS_CALL_FLAGS_NONE, PROMPT_MS,
                                                         NULL, &fds, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_unix_fd_list_get_length (fds), ==, 1);
}

static void
reload_adding (Fixture *fx, const gchar *entry, JmpTestCall *call)
{
  g_autofree gchar *yaml = g_strconcat (BASE_CONFIG, "  ", entry, "\n", NULL);

  g_free (jmp_test_write_file (fx->dir, "tree.yaml", yaml));
  jmp_test_call_reload (fx->reloader, call);
}

/* At start-up the host builds the tree synchronously: the driver starts
 * through jmp_driver_start() on a private context. */
static void
test_startup (Fixture *fx, gconstpointer data)
{
  assert_driver (fx, "early");
  assert_driver (fx, "echo");
}

static void
test_reload_slow (Fixture *fx, gconstpointer data)
{
  JmpTestCall call = { 0 };

  reload_adding (fx, "late: {type: SlowStart, config: {delay_ms: 3000}}", &call);
  /* the reload is under way, asked for before these calls on another
   * connection; the test's main context does not run, so it is answered
   * after them */
  g_usleep (300000);
  for (guint i = 0; i < 3; i++)
    {
      assert_echo_connects (fx);
      assert_driver (fx, "echo");
      assert_driver (fx, "early");
    }

  jmp_test_wait_flag (&call.done, GUARD_MS);
  g_assert_no_error (call.error);
  assert_driver (fx, "late");
}

static void
test_reload_failing (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  JmpTestCall call = { 0 };

  reload_adding (fx, "broken: {type: SlowStart, config: {delay_ms: 500, fail: true}}", &call);
  jmp_test_wait_flag (&call.done, GUARD_MS);
  g_assert_error (call.error, JMP_ERROR, JMP_ERROR_UNAVAILABLE);
  g_assert_nonnull (strstr (call.error->message,
                            "tree.yaml: export.broken: failed to start SlowStart: the device did not come up"));
  g_clear_error (&call.error);
  assert_driver (fx, "early");
  g_assert_null (jmp_test_get_driver_name (fx->other, "broken", PROMPT_MS, &error));
  g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD);
}

/* SIGTERM while the new driver starts: the host stops cleanly (exit 0,
 * within jmp_test_host_stop()'s guard), the reload is answered. */
static void
test_reload_sigterm (Fixture *fx, gconstpointer data)
{
  JmpTestCall call = { 0 };

  reload_adding (fx, "late: {type: SlowStart, config: {delay_ms: 600000}}", &call);
  g_usleep (300000);
  assert_echo_connects (fx);
  jmp_test_host_stop (fx->host);
  jmp_test_wait_flag (&call.done, GUARD_MS);
  g_assert_nonnull (call.error);
  g_clear_error (&call.error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* registers the D-Bus names of the host's errors */
  g_assert_cmpuint (JMP_ERROR, !=, 0);

  g_test_add ("/slow-start/startup", Fixture, NULL, fixture_setup, test_startup, fixture_teardown);
  g_test_add ("/slow-start/reload", Fixture, NULL, fixture_setup, test_reload_slow,
              fixture_teardown);
  g_test_add ("/slow-start/reload-failing", Fixture, NULL, fixture_setup, test_reload_failing,
              fixture_teardown);
  g_test_add ("/slow-start/reload-sigterm", Fixture, NULL, fixture_setup, test_reload_sigterm,
              fixture_teardown);
  return g_test_run ();
}
