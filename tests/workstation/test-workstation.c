/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A workstation with several benches: hosts started by exporter name from
 * a temporary XDG_CONFIG_HOME, all on one private session bus per test,
 * found by jmp, started by D-Bus activation, and following edits of
 * their config files.
 */
#include <signal.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "jmp-test-common.h"

#define HOST_PATH "/dev/jumpstarter/Host1"

typedef struct {
  GTestDBus *bus;
  gchar     *dir;        /* XDG_CONFIG_HOME */
  gchar     *exporters;  /* its jumpstarter/exporters */
  GPtrArray *hosts;      /* GSubprocess, stopped at teardown */
} Fixture;

typedef struct {
  gint   status;
  gchar *out;
  gchar *err;
} Run;

static void
run_free (Run *run)
{
  g_free (run->out);
  g_free (run->err);
  g_free (run);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Run, run_free)

/* An exporter with @n_drivers echoes, named echo1…echoN. */
static gchar *
write_exporter (Fixture *fixture, const gchar *name, guint n_drivers)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree gchar *file = g_strconcat (name, ".yaml", NULL);

  g_string_append_printf (text, "metadata: {name: %s}\ndescription: the %s board\nexport:\n",
                          name, name);
  for (guint i = 1; i <= n_drivers; i++)
    g_string_append_printf (text, "  echo%u: {type: EchoNetwork}\n", i);
  return jmp_test_write_file (fixture->exporters, file, text->str);
}

static void
fixture_setup (Fixture *fixture, gconstpointer data)
{
  fixture->dir = jmp_test_mkdtemp ();
  fixture->exporters = g_build_filename (fixture->dir, "jumpstarter", "exporters", NULL);
  g_assert_cmpint (g_mkdir_with_parents (fixture->exporters, 0700), ==, 0);
  /* the hosts, jmp and an activated host inherit these */
  g_setenv ("XDG_CONFIG_HOME", fixture->dir, TRUE);
  g_unsetenv (JMP_HOST_ENV);
  g_unsetenv ("JUMPSTARTER_EXPORTER");
  fixture->hosts = g_ptr_array_new_with_free_func (g_object_unref);
  fixture->bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  if (data != NULL)
    g_test_dbus_add_service_dir (fixture->bus, data);
}

static void
fixture_teardown (Fixture *fixture, gconstpointer data)
{
  for (guint i = 0; i < fixture->hosts->len; i++)
    {
      GSubprocess *host = g_ptr_array_index (fixture->hosts, i);

      g_subprocess_send_signal (host, SIGTERM);
      g_subprocess_wait (host, NULL, NULL);
    }
  g_ptr_array_unref (fixture->hosts);
  g_test_dbus_down (fixture->bus);
  g_object_unref (fixture->bus);
  jmp_test_rmdir (fixture->dir);
  g_free (fixture->exporters);
  g_free (fixture->dir);
}

/* Starts jumpstarter-host with @args (NULL-terminated) and waits until it
 * owns its names (--print-address prints its unique name then). */
static GSubprocess *
start_host (Fixture *fixture, GSubprocessFlags flags, const gchar *first, ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree gchar *line = NULL;
  GSubprocess *host;
  const gchar *arg;
  va_list ap;

  g_ptr_array_add (argv, (gpointer) g_getenv ("JMP_TEST_HOST"));
  g_ptr_array_add (argv, (gpointer) "--print-address");
  va_start (ap, first);
  for (arg = first; arg != NULL; arg = va_arg (ap, const gchar *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);

  host = jmp_test_spawnv (flags | G_SUBPROCESS_FLAGS_STDOUT_PIPE,
                          (const gchar * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_ptr_array_add (fixture->hosts, host);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (host));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_true (g_dbus_is_unique_name (line));
  return host;
}

static Run *
run_jmp (const gchar * const *env, const gchar *first, ...)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  Run *run = g_new0 (Run, 1);
  const gchar *arg;
  va_list ap;

  g_ptr_array_add (argv, (gpointer) g_getenv ("JMP_TEST_CLI"));
  va_start (ap, first);
  for (arg = first; arg != NULL; arg = va_arg (ap, const gchar *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  for (guint i = 0; env != NULL && env[i] != NULL; i += 2)
    g_subprocess_launcher_setenv (launcher, env[i], env[i + 1], TRUE);
  process = g_subprocess_launcher_spawnv (launcher, (const gchar * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &run->out, &run->err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  run->status = g_subprocess_get_exit_status (process);
  g_test_message ("jmp %s: %d\n%s%s", first, run->status, run->out, run->err);
  return run;
}

static void
assert_one_error_line (Run *run, const gchar *fragment)
{
  g_assert_cmpint (run->status, ==, 1);
  g_assert_true (g_str_has_prefix (run->err, "jmp: "));
  g_assert_true (strchr (run->err, '\n') == run->err + strlen (run->err) - 1);
  g_assert_nonnull (strstr (run->err, fragment));
}

/* The drivers' paths in `jmp list`, one a line, after the header. */
static gchar *
listed_drivers (Run *run)
{
  g_auto(GStrv) lines = g_strsplit (run->out, "\n", -1);
  g_autoptr(GString) paths = g_string_new (NULL);

  g_assert_cmpint (run->status, ==, 0);
  for (guint i = 1; lines[i] != NULL; i++)
    {
      g_auto(GStrv) cells = g_strsplit (lines[i], " ", 2);

      if (*lines[i] == '\0')
        continue;
      if (paths->len > 0)
        g_string_append_c (paths, ' ');
      g_string_append (paths, cells[0]);
    }
  return g_string_free (g_steal_pointer (&paths), FALSE);
}

static gboolean
bus_has_name (const gchar *name)
{
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autoptr(GVariant) reply = NULL;
  gboolean has = FALSE;

  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "NameHasOwner",
                                       g_variant_new ("(s)", name), G_VARIANT_TYPE ("(b)"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  g_assert_nonnull (reply);
  g_variant_get (reply, "(b)", &has);
  return has;
}

/* ---- several hosts on one bus -------------------------------------------- */

static void
test_three_exporters (Fixture *fixture, gconstpointer data)
{
  g_autofree gchar *config = NULL;
  g_autoptr(JmpTestHost) peer = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonArray *hosts;

  g_test_dbus_up (fixture->bus);
  for (guint i = 1; i <= 3; i++)
    {
      g_autofree gchar *name = g_strdup_printf ("bench-%u", i);

      g_free (write_exporter (fixture, name, i));
      start_host (fixture, 0, "--exporter", name, NULL);
    }
  g_assert_true (bus_has_name ("dev.jumpstarter.Host1.bench-1"));
  g_assert_true (bus_has_name ("dev.jumpstarter.Host1.bench-2"));
  g_assert_true (bus_has_name ("dev.jumpstarter.Host1.bench-3"));
  g_assert_false (bus_has_name ("dev.jumpstarter.Host1"));

  /* jmp exporters: name, drivers, description, where */
  {
    g_autoptr(Run) run = run_jmp (NULL, "exporters", NULL);
    g_auto(GStrv) lines = g_strsplit (run->out, "\n", -1);

    g_assert_cmpint (run->status, ==, 0);
    g_assert_cmpstr (run->err, ==, "");
    g_assert_cmpuint (g_strv_length (lines), ==, 5);
    g_assert_true (g_str_has_prefix (lines[0], "EXPORTER"));
    for (guint i = 1; i <= 3; i++)
      {
        g_autofree gchar *want = g_strdup_printf ("bench-%u   %u        the bench-%u board  "
                                                  "dev.jumpstarter.Host1.bench-%u", i, i, i, i);
        g_assert_cmpstr (lines[i], ==, want);
      }
  }

  /* the peer-to-peer host of $JUMPSTARTER_HOST is one of them */
  config = write_exporter (fixture, "peer", 2);
  peer = jmp_test_host_new (config, NULL);
  {
    const gchar *env[] = { JMP_HOST_ENV, jmp_test_host_get_address (peer), NULL };
    g_autoptr(Run) run = run_jmp (env, "exporters", "--json", NULL);
    JsonObject *first;

    g_assert_cmpint (run->status, ==, 0);
    json_parser_load_from_data (parser, run->out, -1, &error);
    g_assert_no_error (error);
    hosts = json_node_get_array (json_parser_get_root (parser));
    g_assert_cmpuint (json_array_get_length (hosts), ==, 4);
    first = json_array_get_object_element (hosts, 0);
    g_assert_cmpstr (json_object_get_string_member (first, "exporter"), ==, "peer");
    g_assert_cmpstr (json_object_get_string_member (first, "address"), ==,
                     jmp_test_host_get_address (peer));
    g_assert_cmpint (json_object_get_int_member (first, "drivers"), ==, 2);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (hosts, 3),
                                                    "bus_name"), ==,
                     "dev.jumpstarter.Host1.bench-3");
    g_assert_false (json_object_get_boolean_member (json_array_get_object_element (hosts, 3),
                                                    "default"));
  }
  jmp_test_host_stop (peer);
}

static void
test_pick (Fixture *fixture, gconstpointer data)
{
  g_test_dbus_up (fixture->bus);
  g_free (write_exporter (fixture, "bench-1", 1));
  g_free (write_exporter (fixture, "bench-2", 2));
  g_free (write_exporter (fixture, "default", 3));

  /* no host at all: the error says so */
  {
    g_autoptr(Run) run = run_jmp (NULL, "--exporter", "bench-1", "list", NULL);
    assert_one_error_line (run, "no jumpstarter-host serves exporter \"bench-1\": none runs");
  }

  /* a single host is the one, named or not */
  start_host (fixture, 0, "--exporter", "bench-1", NULL);
  {
    g_autoptr(Run) run = run_jmp (NULL, "list", NULL);
    g_autofree gchar *drivers = listed_drivers (run);
    g_assert_cmpstr (drivers, ==, "echo1");
  }

  /* two, neither the default: pick one, or get the list */
  start_host (fixture, 0, "--exporter", "bench-2", NULL);
  {
    g_autoptr(Run) run = run_jmp (NULL, "list", NULL);
    assert_one_error_line (run, "2 jumpstarter-hosts run on the session bus and none is the "
                                "default; pick one by exporter name: bench-1, bench-2");
  }
  {
    g_autoptr(Run) run = run_jmp (NULL, "--exporter", "bench-2", "list", NULL);
    g_autofree gchar *drivers = listed_drivers (run);
    g_assert_cmpstr (drivers, ==, "echo1 echo2");
  }
  {
    const gchar *env[] = { "JUMPSTARTER_EXPORTER", "bench-1", NULL };
    g_autoptr(Run) run = run_jmp (env, "list", NULL);
    g_autofree gchar *drivers = listed_drivers (run);
    g_assert_cmpstr (drivers, ==, "echo1");
  }
  {
    /* the option wins over the environment */
    const gchar *env[] = { "JUMPSTARTER_EXPORTER", "bench-1", NULL };
    g_autoptr(Run) run = run_jmp (env, "-e", "bench-2", "list", NULL);
    g_autofree gchar *drivers = listed_drivers (run);
    g_assert_cmpstr (drivers, ==, "echo1 echo2");
  }
  {
    g_autoptr(Run) run = run_jmp (NULL, "--exporter", "bench-9", "echo1", "address", NULL);
    assert_one_error_line (run, "no jumpstarter-host serves exporter \"bench-9\" on the session "
                                "bus; running: bench-1, bench-2");
  }

  /* the default exporter's host, once it runs, is the one */
  start_host (fixture, 0, NULL);
  g_assert_true (bus_has_name ("dev.jumpstarter.Host1"));
  g_assert_true (bus_has_name ("dev.jumpstarter.Host1.default"));
  {
    g_autoptr(Run) run = run_jmp (NULL, "list", NULL);
    g_autofree gchar *drivers = listed_drivers (run);
    g_assert_cmpstr (drivers, ==, "echo1 echo2 echo3");
  }
  {
    g_autoptr(Run) run = run_jmp (NULL, "exporters", NULL);
    g_auto(GStrv) lines = g_strsplit (run->out, "\n", -1);

    g_assert_cmpuint (g_strv_length (lines), ==, 5);
    g_assert_true (g_str_has_prefix (lines[1], "default "));
    g_assert_true (g_str_has_suffix (lines[1], " dev.jumpstarter.Host1.default (default)"));
  }
}

/* One host per exporter on a bus: the second fails with one line. */
static void
test_same_exporter_twice (Fixture *fixture, gconstpointer data)
{
  g_autoptr(GSubprocess) second = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *err = NULL;

  g_test_dbus_up (fixture->bus);
  g_free (write_exporter (fixture, "bench-7", 1));
  start_host (fixture, 0, "--exporter", "bench-7", NULL);

  second = jmp_test_spawn (G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                           g_getenv ("JMP_TEST_HOST"), "--exporter", "bench-7", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (second, NULL, NULL, NULL, &err, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_subprocess_get_exit_status (second), ==, 1);
  g_assert_cmpstr (err, ==, "jumpstarter-host: cannot own dev.jumpstarter.Host1.bench-7: "
                            "a host for exporter \"bench-7\" runs on this bus already\n");

  /* an exporter that has no config is one line as well */
  g_clear_object (&second);
  g_clear_pointer (&err, g_free);
  second = jmp_test_spawn (G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                           g_getenv ("JMP_TEST_HOST"), "--exporter", "bench-8", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (second, NULL, NULL, NULL, &err, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_subprocess_get_exit_status (second), ==, 1);
  g_assert_true (g_str_has_prefix (err, "jumpstarter-host: no exporter config named \"bench-8\""));
  g_assert_true (strchr (err, '\n') == err + strlen (err) - 1);
}

/* Without --config or --exporter: the default exporter, else the demo,
 * and the log says which. */
static void
test_default_or_demo (Fixture *fixture, gconstpointer data)
{
  GSubprocess *host;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) err = NULL;
  g_autofree gchar *line = NULL;
  g_autofree gchar *path = NULL;

  g_test_dbus_up (fixture->bus);
  host = start_host (fixture, G_SUBPROCESS_FLAGS_STDERR_PIPE, NULL);
  err = g_data_input_stream_new (g_subprocess_get_stderr_pipe (host));
  line = g_data_input_stream_read_line_utf8 (err, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (line, "serving the built-in demo: no exporter config named \"default\""));
  {
    g_autoptr(Run) run = run_jmp (NULL, "exporters", "--json", NULL);
    g_assert_nonnull (strstr (run->out, "\"exporter\" : \"demo\""));
    g_assert_nonnull (strstr (run->out, "\"bus_name\" : \"dev.jumpstarter.Host1\""));
  }
  g_subprocess_send_signal (host, SIGTERM);
  g_subprocess_wait (host, NULL, NULL);
  g_clear_object (&err);
  g_clear_pointer (&line, g_free);

  path = write_exporter (fixture, "default", 2);
  host = start_host (fixture, G_SUBPROCESS_FLAGS_STDERR_PIPE, NULL);
  err = g_data_input_stream_new (g_subprocess_get_stderr_pipe (host));
  line = g_data_input_stream_read_line_utf8 (err, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (line, "serving the default exporter"));
  g_assert_nonnull (strstr (line, path));
  {
    g_autoptr(Run) run = run_jmp (NULL, "list", NULL);
    g_autofree gchar *drivers = listed_drivers (run);
    g_assert_cmpstr (drivers, ==, "echo1 echo2");
  }
}

/* D-Bus activation of dev.jumpstarter.Host1, as a desktop session starts
 * it: the default exporter is served. */
static void
test_activation (Fixture *fixture, gconstpointer data)
{
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  g_free (write_exporter (fixture, "default", 3));
  g_test_dbus_up (fixture->bus);
  g_assert_false (bus_has_name ("dev.jumpstarter.Host1"));
  {
    g_autoptr(Run) run = run_jmp (NULL, "list", NULL);
    g_autofree gchar *drivers = listed_drivers (run);
    g_assert_cmpstr (drivers, ==, "echo1 echo2 echo3");
  }
  g_assert_true (bus_has_name ("dev.jumpstarter.Host1.default"));

  /* the activated host is the bus's child: stop it before the bus goes */
  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "GetConnectionUnixProcessID",
                                       g_variant_new ("(s)", "dev.jumpstarter.Host1"),
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1,
                                       NULL, &error);
  g_assert_no_error (error);
  {
    guint32 pid;

    g_variant_get (reply, "(u)", &pid);
    kill (pid, SIGTERM);
  }
  for (guint i = 0; i < 600 && bus_has_name ("dev.jumpstarter.Host1"); i++)
    g_usleep (50 * G_USEC_PER_SEC / 1000);
}

/* Inside `jmp shell`, jmp means the shell's host, whatever exporter was
 * picked outside. */
static void
test_shell_ignores_exporter (Fixture *fixture, gconstpointer data)
{
  g_autofree gchar *config = write_exporter (fixture, "bench-5", 2);
  const gchar *env[] = { "JUMPSTARTER_EXPORTER", "bench-1",
                         "JUMPSTARTER_HOST_PROGRAM", g_getenv ("JMP_TEST_HOST"), NULL };
  g_autoptr(Run) run = NULL;
  g_autofree gchar *drivers = NULL;

  g_test_dbus_up (fixture->bus);
  g_free (write_exporter (fixture, "bench-1", 1));
  start_host (fixture, 0, "--exporter", "bench-1", NULL);
  run = run_jmp (env, "shell", "--exporter", "bench-5", "--", g_getenv ("JMP_TEST_CLI"), "list",
                 NULL);
  drivers = listed_drivers (run);
  g_assert_cmpstr (drivers, ==, "echo1 echo2");
}

/* ---- live config --------------------------------------------------------- */

/* Reads the host's stderr until a line has @fragment; returns how many
 * lines before it had @count (NULL: none). */
static guint
read_until (GDataInputStream *err, const gchar *fragment, const gchar *count)
{
  guint n = 0;

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      g_autofree gchar *line = g_data_input_stream_read_line_utf8 (err, NULL, NULL, &error);

      g_assert_no_error (error);
      g_assert_nonnull (line);  /* the host went away */
      if (count != NULL && strstr (line, count) != NULL)
        n++;
      if (strstr (line, fragment) != NULL)
        return n;
    }
}

static GVariant *
driver_property (GDBusConnection *bus, const gchar *driver, const gchar *property)
{
  g_autofree gchar *path = g_strdup_printf (HOST_PATH "/driver/%s", driver);
  g_autoptr(GVariant) reply = NULL;
  GVariant *value = NULL;

  reply = g_dbus_connection_call_sync (bus, "dev.jumpstarter.Host1.bench-1", path,
                                       "org.freedesktop.DBus.Properties", "Get",
                                       g_variant_new ("(ss)", "dev.jumpstarter.Driver1", property),
                                       G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE, -1,
                                       NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(v)", &value);
  return value;
}

/* Polls until @driver is exported; a bound only against a hang. */
static void
wait_for_driver (GDBusConnection *bus, const gchar *driver)
{
  for (guint i = 0; i < 600; i++)
    {
      g_autoptr(GVariant) name = driver_property (bus, driver, "Name");

      if (name != NULL)
        return;
      g_usleep (50 * G_USEC_PER_SEC / 1000);
    }
  g_error ("%s never appeared", driver);
}

static void
write_in_place (const gchar *path, const gchar *text)
{
  FILE *file = fopen (path, "w");

  g_assert_nonnull (file);
  g_assert_cmpint (fputs (text, file), >=, 0);
  g_assert_cmpint (fclose (file), ==, 0);
}

#define LIVE_ONE "metadata: {name: bench-1}\nexport:\n  one: {type: EchoNetwork}\n"
#define LIVE_TWO LIVE_ONE "  two: {type: EchoNetwork}\n"
#define LIVE_THREE LIVE_TWO "  three: {type: EchoNetwork}\n"
#define LIVE_BROKEN LIVE_TWO "  three: {type: EchoNetwork, config: {nosuchkey: 1}}\n"

static void
test_live_edit (Fixture *fixture, gconstpointer data)
{
  g_autofree gchar *path = NULL;
  g_autofree gchar *temp = NULL;
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GDataInputStream) err = NULL;
  g_autoptr(GVariant) uuid = NULL;
  g_autoptr(GVariant) uuid_after = NULL;
  GSubprocess *host;
  guint reported;

  g_test_dbus_up (fixture->bus);
  path = jmp_test_write_file (fixture->exporters, "bench-1.yaml", LIVE_ONE);
  host = start_host (fixture, G_SUBPROCESS_FLAGS_STDERR_PIPE,
                     "--exporter", "bench-1", "--verbose", NULL);
  err = g_data_input_stream_new (g_subprocess_get_stderr_pipe (host));
  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  uuid = driver_property (bus, "one", "Uuid");
  g_assert_nonnull (uuid);

  /* an edit in place adds a driver */
  write_in_place (path, LIVE_TWO);
  wait_for_driver (bus, "two");

  /* a broken edit: said once, with where; the tree stays */
  write_in_place (path, LIVE_BROKEN);
  reported = read_until (err, "the edited config is broken", NULL);
  write_in_place (path, LIVE_BROKEN "# saved again\n");
  reported += read_until (err, "still broken as before", "the edited config is broken");
  g_assert_cmpuint (reported, ==, 0);
  {
    g_autoptr(GVariant) two = driver_property (bus, "two", "Name");
    g_assert_nonnull (two);
  }

  /* an editor's save: a new file renamed over the config */
  temp = jmp_test_write_file (fixture->exporters, ".bench-1.yaml.swp", LIVE_THREE);
  g_assert_cmpint (g_rename (temp, path), ==, 0);
  wait_for_driver (bus, "three");

  /* the first driver was never touched */
  uuid_after = driver_property (bus, "one", "Uuid");
  g_assert_true (g_variant_equal (uuid, uuid_after));
}

/* A config that is a symlink: edits where it points are seen. */
static void
test_live_edit_symlink (Fixture *fixture, gconstpointer data)
{
  g_autofree gchar *checkout = g_build_filename (fixture->dir, "checkout", NULL);
  g_autofree gchar *target = NULL;
  g_autofree gchar *link = g_build_filename (fixture->exporters, "bench-1.yaml", NULL);
  g_autoptr(GDBusConnection) bus = NULL;

  g_test_dbus_up (fixture->bus);
  g_assert_cmpint (g_mkdir (checkout, 0700), ==, 0);
  target = jmp_test_write_file (checkout, "bench.yaml", LIVE_ONE);
  g_assert_cmpint (symlink (target, link), ==, 0);
  start_host (fixture, 0, "--exporter", "bench-1", NULL);
  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  write_in_place (target, LIVE_TWO);
  wait_for_driver (bus, "two");
}

/* The broken edit's report names the file, the line and the key. */
static void
test_live_edit_error (Fixture *fixture, gconstpointer data)
{
  g_autofree gchar *path = NULL;
  g_autoptr(GDataInputStream) err = NULL;
  g_autofree gchar *line = NULL;
  g_autoptr(GError) error = NULL;
  GSubprocess *host;

  g_test_dbus_up (fixture->bus);
  path = jmp_test_write_file (fixture->exporters, "bench-1.yaml", LIVE_ONE);
  host = start_host (fixture, G_SUBPROCESS_FLAGS_STDERR_PIPE, "--exporter", "bench-1", NULL);
  err = g_data_input_stream_new (g_subprocess_get_stderr_pipe (host));
  write_in_place (path, LIVE_BROKEN);
  do
    {
      g_clear_pointer (&line, g_free);
      line = g_data_input_stream_read_line_utf8 (err, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_nonnull (line);
    }
  while (strstr (line, "the edited config is broken") == NULL);
  g_test_message ("%s", line);
  g_assert_nonnull (strstr (line, path));
  g_assert_nonnull (strstr (line, "nosuchkey"));
}

int
main (int argc, char **argv)
{
  g_autofree gchar *services = NULL;
  g_autofree gchar *service = NULL;
  g_autoptr(GError) error = NULL;
  gint status;

  g_test_init (&argc, &argv, NULL);

  /* a service directory for the activation test: the bus starts the
   * built host as a session's bus would start the installed one */
  services = jmp_test_mkdtemp ();
  service = g_strdup_printf ("[D-BUS Service]\nName=dev.jumpstarter.Host1\nExec=%s\n",
                             g_getenv ("JMP_TEST_HOST"));
  g_free (jmp_test_write_file (services, "dev.jumpstarter.Host1.service", service));

#define ADD(name, func, data) \
  g_test_add ("/workstation/" name, Fixture, data, fixture_setup, func, fixture_teardown)
  ADD ("three-exporters", test_three_exporters, NULL);
  ADD ("pick", test_pick, NULL);
  ADD ("same-exporter-twice", test_same_exporter_twice, NULL);
  ADD ("default-or-demo", test_default_or_demo, NULL);
  ADD ("activation", test_activation, services);
  ADD ("shell-ignores-exporter", test_shell_ignores_exporter, NULL);
  ADD ("live-edit", test_live_edit, NULL);
  ADD ("live-edit-error", test_live_edit_error, NULL);
  ADD ("live-edit-symlink", test_live_edit_symlink, NULL);
#undef ADD

  status = g_test_run ();
  jmp_test_rmdir (services);
  return status;
}
