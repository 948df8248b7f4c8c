/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * DbusNetwork through a real host, the client library and jmp. Each test
 * starts its own dbus-daemon as the device's bus and serves a name on it
 * from this process (DEVICE_NAME: a method, an fd-reading method, a
 * signal); busctl and gdbus reach it through `jmp DRIVER run --`, the
 * library through jmp_dbus_network_proxy_open_connection().
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <gio/gunixfdlist.h>
#include <glib/gstdio.h>
#include <glib-unix.h>

#include "jmp-test-common.h"

/* waits only guard against a hang, they time nothing */
#define HANG_GUARD_MS 60000

#define DEVICE_NAME  "dev.jumpstarter.Test.Device"
#define DEVICE_PATH  "/dev/jumpstarter/Test"
#define DEVICE_IFACE "dev.jumpstarter.Test1"

#define KIND_LABEL "jumpstarter.dev/dbusnetwork/kind"

/* What the desk has: no bus at all. A client that reaches the device's
 * bus did so through the forward. */
#define DESK_SESSION_BUS "unix:path=/nonexistent/jmp-test/desk-session-bus"
#define DESK_SYSTEM_BUS  "unix:path=/nonexistent/jmp-test/desk-system-bus"

static const gchar device_xml[] =
  "<node>"
  "  <interface name='" DEVICE_IFACE "'>"
  "    <method name='Greet'>"
  "      <arg name='name' type='s' direction='in'/>"
  "      <arg name='greeting' type='s' direction='out'/>"
  "    </method>"
  "    <method name='ReadFd'>"
  "      <arg name='fd' type='h' direction='in'/>"
  "      <arg name='text' type='s' direction='out'/>"
  "    </method>"
  "    <signal name='Ping'>"
  "      <arg name='text' type='s'/>"
  "    </signal>"
  "  </interface>"
  "</node>";

/* ------------------------------------------------------------------------ */
/* Small waits on the main context, which serves the device's name too */

static void
read_line_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  gchar **line = user_data;
  g_autoptr(GError) error = NULL;

  *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), res,
                                                     NULL, &error);
  if (*line == NULL)
    *line = g_strdup ("");
}

static gchar *
read_line (GInputStream *stream)
{
  g_autoptr(GDataInputStream) data = g_data_input_stream_new (stream);
  gchar *line = NULL;

  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (data), FALSE);
  g_data_input_stream_read_line_async (data, G_PRIORITY_DEFAULT, NULL, read_line_cb, &line);
  while (line == NULL)
    g_main_context_iteration (NULL, TRUE);
  return line;
}

/* Runs the main context until the call is over; the caller finishes it. */
static GAsyncResult *
async_wait_run (JmpTestAsync *wait)
{
  jmp_test_wait_flag (&wait->done, HANG_GUARD_MS);
  return wait->result;
}

static void
subprocess_wait (GSubprocess *process)
{
  JmpTestAsync wait = { FALSE, NULL };

  g_subprocess_wait_async (process, NULL, jmp_test_async_cb, &wait);
  g_subprocess_wait_finish (process, async_wait_run (&wait), NULL);
  g_object_unref (wait.result);
}

/* ------------------------------------------------------------------------ */
/* The device's bus: a dbus-daemon of our own, and a service on it */

typedef struct {
  GSubprocess     *daemon;
  gchar           *address;     /* as the daemon printed it */
  GDBusConnection *connection;  /* the service's */
  guint            registration_id;
  guint            n_calls;
  gchar           *last_sender;
  guint32          last_uid;    /* of the last caller, as the bus knows it */
} DeviceBus;

static void
device_bus_method_call (GDBusConnection       *connection,
                        const gchar           *sender,
                        const gchar           *object_path,
                        const gchar           *interface_name,
                        const gchar           *method_name,
                        GVariant              *parameters,
                        GDBusMethodInvocation *invocation,
                        gpointer               user_data)
{
  DeviceBus *bus = user_data;
  g_autoptr(GVariant) uid = NULL;
  g_autoptr(GError) error = NULL;

  bus->n_calls++;
  g_free (bus->last_sender);
  bus->last_sender = g_strdup (sender);
  /* who the bus thinks called: what EXTERNAL authenticated */
  uid = g_dbus_connection_call_sync (connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                     "org.freedesktop.DBus", "GetConnectionUnixUser",
                                     g_variant_new ("(s)", sender), G_VARIANT_TYPE ("(u)"),
                                     G_DBUS_CALL_FLAGS_NONE, HANG_GUARD_MS, NULL, &error);
  bus->last_uid = G_MAXUINT32;
  if (uid != NULL)
    g_variant_get (uid, "(u)", &bus->last_uid);

  if (g_strcmp0 (method_name, "Greet") == 0)
    {
      const gchar *name;
      g_autofree gchar *greeting = NULL;

      g_variant_get (parameters, "(&s)", &name);
      greeting = g_strdup_printf ("hello %s", name);
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(s)", greeting));
      return;
    }
  if (g_strcmp0 (method_name, "ReadFd") == 0)
    {
      GUnixFDList *fds = g_dbus_message_get_unix_fd_list (g_dbus_method_invocation_get_message (invocation));
      gchar buffer[256] = "";
      gint32 handle;
      gssize n;
      gint fd;

      g_variant_get (parameters, "(h)", &handle);
      g_assert_nonnull (fds);
      fd = g_unix_fd_list_get (fds, handle, &error);
      g_assert_no_error (error);
      /* the caller wrote and closed its end before calling */
      n = read (fd, buffer, sizeof buffer - 1);
      close (fd);
      g_assert_cmpint (n, >=, 0);
      buffer[n] = '\0';
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(s)", buffer));
      return;
    }
  g_assert_not_reached ();
}

static const GDBusInterfaceVTable device_bus_vtable = { device_bus_method_call, NULL, NULL, { 0 } };

/* Starts dbus-daemon with @args (--session --address=…, or --config-file=…),
 * and serves DEVICE_NAME on it. */
static DeviceBus *
device_bus_new_with_args (const gchar * const *args)
{
  DeviceBus *bus = g_new0 (DeviceBus, 1);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusNodeInfo) info = NULL;
  g_autoptr(GVariant) reply = NULL;
  guint32 owned = 0;

  g_ptr_array_add (argv, (gpointer) "dbus-daemon");
  g_ptr_array_add (argv, (gpointer) "--nofork");
  g_ptr_array_add (argv, (gpointer) "--print-address");
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  /* its stderr says it cannot raise its fd limit as a user: noise */
  bus->daemon = jmp_test_spawnv (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                                 (const gchar * const *) argv->pdata, &error);
  g_assert_no_error (error);
  bus->address = read_line (g_subprocess_get_stdout_pipe (bus->daemon));
  g_test_message ("device bus at %s", bus->address);
  g_assert_true (g_dbus_is_address (bus->address));

  bus->connection = g_dbus_connection_new_for_address_sync (bus->address,
                                                            G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                            G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                            NULL, NULL, &error);
  g_assert_no_error (error);
  g_dbus_connection_set_exit_on_close (bus->connection, FALSE);

  info = g_dbus_node_info_new_for_xml (device_xml, &error);
  g_assert_no_error (error);
  bus->registration_id = g_dbus_connection_register_object (bus->connection, DEVICE_PATH,
                                                            info->interfaces[0], &device_bus_vtable,
                                                            bus, NULL, &error);
  g_assert_no_error (error);

  reply = g_dbus_connection_call_sync (bus->connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "RequestName",
                                       g_variant_new ("(su)", DEVICE_NAME, 0), G_VARIANT_TYPE ("(u)"),
                                       G_DBUS_CALL_FLAGS_NONE, HANG_GUARD_MS, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(u)", &owned);
  g_assert_cmpuint (owned, ==, 1);  /* DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER */
  return bus;
}

/* A bus on a Unix socket at @path, as a session bus is. */
static DeviceBus *
device_bus_new (const gchar *path)
{
  g_autofree gchar *escaped = g_dbus_address_escape_value (path);
  g_autofree gchar *address = g_strdup_printf ("--address=unix:path=%s", escaped);
  const gchar *args[] = { "--session", address, NULL };

  return device_bus_new_with_args (args);
}

/* The bus dies at once, as with a crash or an OOM kill. */
static void
device_bus_kill (DeviceBus *bus)
{
  g_subprocess_send_signal (bus->daemon, SIGKILL);
  subprocess_wait (bus->daemon);
}

static void
device_bus_free (DeviceBus *bus)
{
  g_dbus_connection_unregister_object (bus->connection, bus->registration_id);
  g_dbus_connection_close_sync (bus->connection, NULL, NULL);
  g_object_unref (bus->connection);
  if (g_subprocess_get_identifier (bus->daemon) != NULL)
    {
      g_subprocess_force_exit (bus->daemon);
      subprocess_wait (bus->daemon);
    }
  g_object_unref (bus->daemon);
  g_free (bus->address);
  g_free (bus->last_sender);
  g_free (bus);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DeviceBus, device_bus_free)

/* ------------------------------------------------------------------------ */
/* A host with a session and a system DbusNetwork, and a client */

#define BENCH_CONFIG \
  "export:\n" \
  "  session: {type: DbusNetwork, config: {kind: session}}\n" \
  "  system:\n" \
  "    type: jumpstarter_driver_network.driver.DbusNetwork\n" \
  "    config: {kind: system, connect_timeout: 30}\n" \
  "  echo: {type: EchoNetwork}\n"

typedef struct {
  gchar       *dir;
  gchar       *runtime_dir;  /* jmp's $XDG_RUNTIME_DIR */
  JmpTestHost *host;
  JmpClient   *client;
} Bench;

/* The host reads the two variables when its drivers start; jmp and its
 * commands then see the desk's. */
static Bench *
bench_new (const gchar *session_address, const gchar *system_address)
{
  Bench *bench = g_new0 (Bench, 1);
  g_autofree gchar *config = NULL;

  bench->dir = jmp_test_mkdtemp ();
  bench->runtime_dir = g_build_filename (bench->dir, "runtime", NULL);
  g_assert_cmpint (g_mkdir (bench->runtime_dir, 0700), ==, 0);
  config = jmp_test_write_file (bench->dir, "bench.yaml", BENCH_CONFIG);

  g_setenv ("DBUS_SESSION_BUS_ADDRESS", session_address, TRUE);
  g_setenv ("DBUS_SYSTEM_BUS_ADDRESS", system_address, TRUE);
  bench->host = jmp_test_host_new (config, NULL);
  bench->client = jmp_test_host_connect (bench->host);

  g_setenv ("DBUS_SESSION_BUS_ADDRESS", DESK_SESSION_BUS, TRUE);
  g_setenv ("DBUS_SYSTEM_BUS_ADDRESS", DESK_SYSTEM_BUS, TRUE);
  g_setenv ("XDG_RUNTIME_DIR", bench->runtime_dir, TRUE);
  g_setenv ("JUMPSTARTER_HOST", jmp_test_host_get_address (bench->host), TRUE);
  return bench;
}

static void
bench_free (Bench *bench)
{
  g_clear_object (&bench->client);
  /* asserts a clean exit: a driver that crashed the host fails the test */
  jmp_test_host_stop (bench->host);
  jmp_test_host_free (bench->host);
  g_unsetenv ("JUMPSTARTER_HOST");
  jmp_test_rmdir (bench->dir);
  g_free (bench->runtime_dir);
  g_free (bench->dir);
  g_free (bench);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Bench, bench_free)

static JmpDriverProxy *
bench_get_driver (Bench *bench, const gchar *name)
{
  g_autoptr(GError) error = NULL;
  JmpDriverProxy *driver = jmp_client_get_driver (bench->client, name, &error);

  g_assert_no_error (error);
  g_assert_nonnull (driver);
  return driver;
}

static JmpDbusNetworkProxy *
bench_get_dbus (Bench *bench, const gchar *name)
{
  g_autoptr(JmpDriverProxy) driver = bench_get_driver (bench, name);
  JmpDbusNetworkProxy *dbus = jmp_driver_proxy_get_dbus_network (driver);

  g_assert_nonnull (dbus);
  return g_object_ref (dbus);
}

/* No forward socket, nor its directory, is left behind. */
static void
bench_assert_runtime_dir_empty (Bench *bench)
{
  g_autoptr(GDir) dir = g_dir_open (bench->runtime_dir, 0, NULL);
  const gchar *name;

  g_assert_nonnull (dir);
  name = g_dir_read_name (dir);
  if (name != NULL)
    g_error ("left in $XDG_RUNTIME_DIR: %s", name);
}

/* Bytes sent to the EchoNetwork come back: the host serves. */
static void
bench_assert_echo (Bench *bench)
{
  g_autoptr(JmpDriverProxy) driver = bench_get_driver (bench, "echo");
  g_autoptr(GError) error = NULL;
  g_autoptr(GIOStream) stream = NULL;
  gchar buffer[16] = "";
  gsize n = 0;

  stream = jmp_network_proxy_connect_sync (jmp_driver_proxy_get_network (driver), NULL, &error);
  g_assert_no_error (error);
  g_output_stream_write_all (g_io_stream_get_output_stream (stream), "still here", 10, NULL, NULL, &error);
  g_assert_no_error (error);
  g_input_stream_read_all (g_io_stream_get_input_stream (stream), buffer, 10, &n, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (buffer, ==, "still here");
}

/* ------------------------------------------------------------------------ */
/* jmp, run as a user runs it, while this process serves the device's name */

typedef struct {
  gint   status;
  gchar *out;
  gchar *err;
} JmpRun;

static void
jmp_run_free (JmpRun *run)
{
  g_free (run->out);
  g_free (run->err);
  g_free (run);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (JmpRun, jmp_run_free)

static JmpRun *
run_jmp (const gchar *first_arg, ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  JmpTestAsync wait = { FALSE, NULL };
  JmpRun *run = g_new0 (JmpRun, 1);
  const gchar *arg;
  va_list ap;

  g_ptr_array_add (argv, (gpointer) g_getenv ("JMP_TEST_CLI"));
  g_assert_nonnull (argv->pdata[0]);
  va_start (ap, first_arg);
  for (arg = first_arg; arg != NULL; arg = va_arg (ap, const gchar *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);

  process = jmp_test_spawnv (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                             G_SUBPROCESS_FLAGS_STDERR_PIPE,
                             (const gchar * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (process, "", NULL, jmp_test_async_cb, &wait);
  g_subprocess_communicate_utf8_finish (process, async_wait_run (&wait), &run->out, &run->err, &error);
  g_assert_no_error (error);
  g_object_unref (wait.result);
  subprocess_wait (process);
  if (g_subprocess_get_if_exited (process))
    run->status = g_subprocess_get_exit_status (process);
  else
    run->status = 128 + g_subprocess_get_term_sig (process);
  g_test_message ("jmp %s …: status %d\nstdout: %s\nstderr: %s", first_arg, run->status,
                  run->out, run->err);
  return run;
}

/* ------------------------------------------------------------------------ */
/* busctl and gdbus through `jmp DRIVER run --` */

static void
test_run_busctl (void)
{
  g_autofree gchar *dir = jmp_test_mkdtemp ();
  g_autofree gchar *socket = g_build_filename (dir, "bus", NULL);
  g_autoptr(DeviceBus) bus = device_bus_new (socket);
  g_autoptr(Bench) bench = bench_new (bus->address, bus->address);
  const struct {
    const gchar *driver;
    const gchar *option;
  } cases[] = {
    { "session", "--user" },
    { "system", "--system" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JmpRun) run = run_jmp (cases[i].driver, "run", "--", "busctl", cases[i].option,
                                       "--no-pager", "--no-legend", "list", NULL);

      g_assert_cmpint (run->status, ==, 0);
      if (strstr (run->out, DEVICE_NAME " ") == NULL)
        g_error ("busctl %s list through jmp %s run does not list %s", cases[i].option,
                 cases[i].driver, DEVICE_NAME);
      bench_assert_runtime_dir_empty (bench);
    }
  jmp_test_rmdir (dir);
}

/* The kind's variable points at a fresh socket under $XDG_RUNTIME_DIR; the
 * other one, and jmp's own environment, are as they were. */
static void
test_run_environment (void)
{
  g_autofree gchar *dir = jmp_test_mkdtemp ();
  g_autofree gchar *socket = g_build_filename (dir, "bus", NULL);
  g_autoptr(DeviceBus) bus = device_bus_new (socket);
  g_autoptr(Bench) bench = bench_new (bus->address, bus->address);
  g_autofree gchar *prefix = g_strdup_printf ("unix:path=%s/", bench->runtime_dir);
  const gchar *script = "printf '%s\\n%s\\n' \"$DBUS_SESSION_BUS_ADDRESS\" \"$DBUS_SYSTEM_BUS_ADDRESS\"";
  g_autoptr(JmpRun) session = run_jmp ("session", "run", "--", "sh", "-c", script, NULL);
  g_autoptr(JmpRun) system = run_jmp ("system", "run", "sh", "-c", script, NULL);
  g_auto(GStrv) session_lines = g_strsplit (session->out, "\n", -1);
  g_auto(GStrv) system_lines = g_strsplit (system->out, "\n", -1);

  g_assert_cmpint (session->status, ==, 0);
  g_assert_cmpuint (g_strv_length (session_lines), ==, 3);
  g_assert_true (g_str_has_prefix (session_lines[0], prefix));
  g_assert_true (g_str_has_suffix (session_lines[0], "/socket"));
  g_assert_cmpstr (session_lines[1], ==, DESK_SYSTEM_BUS);

  /* without "--" too: the command starts at the first word that is not an option */
  g_assert_cmpint (system->status, ==, 0);
  g_assert_cmpuint (g_strv_length (system_lines), ==, 3);
  g_assert_cmpstr (system_lines[0], ==, DESK_SESSION_BUS);
  g_assert_true (g_str_has_prefix (system_lines[1], prefix));
  /* a fresh socket per run */
  g_assert_cmpstr (system_lines[1], !=, session_lines[0]);

  bench_assert_runtime_dir_empty (bench);
  jmp_test_rmdir (dir);
}

static void
test_run_gdbus_call (void)
{
  g_autofree gchar *dir = jmp_test_mkdtemp ();
  g_autofree gchar *socket = g_build_filename (dir, "bus", NULL);
  g_autoptr(DeviceBus) bus = device_bus_new (socket);
  g_autoptr(Bench) bench = bench_new (bus->address, bus->address);
  const struct {
    const gchar *driver;
    const gchar *option;
    const gchar *reply;
  } cases[] = {
    { "session", "--session", "('hello session',)\n" },
    { "system", "--system", "('hello system',)\n" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      guint n_calls = bus->n_calls;
      g_autoptr(JmpRun) run = run_jmp (cases[i].driver, "run", "--", "gdbus", "call",
                                       cases[i].option, "--dest", DEVICE_NAME,
                                       "--object-path", DEVICE_PATH,
                                       "--method", DEVICE_IFACE ".Greet", cases[i].driver, NULL);

      g_assert_cmpint (run->status, ==, 0);
      g_assert_cmpstr (run->out, ==, cases[i].reply);
      g_assert_cmpuint (bus->n_calls, ==, n_calls + 1);
      /* EXTERNAL went through the forward: the bus knows the caller's uid
       * (the host's, which is ours here) */
      g_assert_cmpuint (bus->last_uid, ==, getuid ());
    }

  /* gdbus's own failure is the command's status */
  {
    g_autoptr(JmpRun) run = run_jmp ("session", "run", "--", "gdbus", "call", "--session",
                                     "--dest", DEVICE_NAME, "--object-path", DEVICE_PATH,
                                     "--method", DEVICE_IFACE ".NoSuchMethod", NULL);

    g_assert_cmpint (run->status, !=, 0);
    g_assert_nonnull (strstr (run->err, "NoSuchMethod"));
  }
  bench_assert_runtime_dir_empty (bench);
  jmp_test_rmdir (dir);
}

/* The status is the command's, as a shell gives it. */
static void
test_run_status (void)
{
  g_autofree gchar *dir = jmp_test_mkdtemp ();
  g_autofree gchar *socket = g_build_filename (dir, "bus", NULL);
  g_autoptr(DeviceBus) bus = device_bus_new (socket);
  g_autoptr(Bench) bench = bench_new (bus->address, bus->address);
  g_autoptr(JmpRun) exited = run_jmp ("session", "run", "--", "sh", "-c", "exit 7", NULL);
  g_autoptr(JmpRun) killed = run_jmp ("session", "run", "--", "sh", "-c", "kill -TERM $$", NULL);
  g_autoptr(JmpRun) missing = run_jmp ("session", "run", "--", "jmp-test-no-such-command", NULL);
  g_autoptr(JmpRun) nothing = run_jmp ("session", "run", "--", NULL);
  g_autoptr(JmpRun) echo = run_jmp ("echo", "run", "--", "true", NULL);

  g_assert_cmpint (exited->status, ==, 7);
  g_assert_cmpint (killed->status, ==, 128 + SIGTERM);
  g_assert_cmpint (missing->status, ==, 127);
  g_assert_nonnull (strstr (missing->err, "jmp-test-no-such-command"));
  g_assert_cmpint (nothing->status, ==, 2);
  g_assert_nonnull (strstr (nothing->err, "run needs a COMMAND"));
  /* only drivers with a bus have run */
  g_assert_cmpint (echo->status, ==, 2);
  g_assert_nonnull (strstr (echo->err, "has no command \"run\""));
  bench_assert_runtime_dir_empty (bench);
  jmp_test_rmdir (dir);
}

/* The host dies while CMD runs: one line of jmp's own, not GLib's words
 * for a closed socket, and a failure whatever CMD's status. */
static void
test_run_host_dies (void)
{
  g_autofree gchar *dir = jmp_test_mkdtemp ();
  g_autofree gchar *socket = g_build_filename (dir, "bus", NULL);
  g_autoptr(DeviceBus) bus = device_bus_new (socket);
  g_autoptr(Bench) bench = bench_new (bus->address, bus->address);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) err = NULL;
  g_autofree gchar *ready = NULL;
  g_autofree gchar *line = NULL;
  g_autofree gchar *rest = NULL;

  process = jmp_test_spawn (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                            G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                            g_getenv ("JMP_TEST_CLI"), "session", "run", "--",
                            "sh", "-c", "echo ready; exec cat", NULL);
  g_assert_no_error (error);
  ready = read_line (g_subprocess_get_stdout_pipe (process));
  g_assert_cmpstr (ready, ==, "ready");

  /* nothing here serves the device's bus from now on: sync reads do */
  jmp_test_host_kill (bench->host);
  err = g_data_input_stream_new (g_subprocess_get_stderr_pipe (process));
  line = g_data_input_stream_read_line_utf8 (err, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (line, ==, "jmp: the host went away (it exited or closed the connection)");
  /* CMD ends well; jmp does not */
  g_output_stream_close (g_subprocess_get_stdin_pipe (process), NULL, NULL);
  rest = g_data_input_stream_read_line_utf8 (err, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (rest);
  subprocess_wait (process);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 1);
  bench_assert_runtime_dir_empty (bench);
  jmp_test_rmdir (dir);
}

/* ------------------------------------------------------------------------ */
/* The library: a GDBusConnection to the device's bus */

typedef struct {
  gboolean  done;
  gchar    *text;
} SignalWait;

static void
ping_cb (GDBusConnection *connection,
         const gchar     *sender,
         const gchar     *object_path,
         const gchar     *interface_name,
         const gchar     *signal_name,
         GVariant        *parameters,
         gpointer         user_data)
{
  SignalWait *wait = user_data;

  g_variant_get (parameters, "(s)", &wait->text);
  wait->done = TRUE;
}

static GDBusConnection *
open_connection (JmpDbusNetworkProxy *dbus)
{
  g_autoptr(GError) error = NULL;
  JmpTestAsync wait = { FALSE, NULL };
  GDBusConnection *connection;

  jmp_dbus_network_proxy_open_connection (dbus, NULL, jmp_test_async_cb, &wait);
  connection = jmp_dbus_network_proxy_open_connection_finish (dbus, async_wait_run (&wait), &error);
  g_object_unref (wait.result);
  g_assert_no_error (error);
  g_assert_nonnull (connection);
  return connection;
}

static const gchar *
reply_string (GVariant *reply)
{
  const gchar *text = NULL;

  g_variant_get (reply, "(&s)", &text);
  return text;
}

/* Calls a device method without blocking the main context, which serves it. */
static GVariant *
call_device (GDBusConnection *connection,
             const gchar     *method,
             GVariant        *parameters,
             GUnixFDList     *fd_list)
{
  g_autoptr(GError) error = NULL;
  JmpTestAsync wait = { FALSE, NULL };
  GVariant *reply;

  g_dbus_connection_call_with_unix_fd_list (connection, DEVICE_NAME, DEVICE_PATH, DEVICE_IFACE,
                                            method, parameters, G_VARIANT_TYPE ("(s)"),
                                            G_DBUS_CALL_FLAGS_NONE, HANG_GUARD_MS, fd_list,
                                            NULL, jmp_test_async_cb, &wait);
  reply = g_dbus_connection_call_with_unix_fd_list_finish (connection, NULL,
                                                           async_wait_run (&wait), &error);
  g_object_unref (wait.result);
  g_assert_no_error (error);
  return reply;
}

static void
test_library_connection (void)
{
  g_autofree gchar *dir = jmp_test_mkdtemp ();
  g_autofree gchar *socket = g_build_filename (dir, "bus", NULL);
  g_autoptr(DeviceBus) bus = device_bus_new (socket);
  g_autoptr(Bench) bench = bench_new (bus->address, bus->address);
  g_autoptr(JmpDbusNetworkProxy) dbus = bench_get_dbus (bench, "session");
  g_autoptr(GDBusConnection) connection = open_connection (dbus);
  g_autoptr(GDBusConnection) sync_connection = NULL;
  g_autoptr(GVariant) greeting = NULL;
  g_autoptr(GVariant) fd_reply = NULL;
  g_autoptr(GVariant) names = NULL;
  g_autoptr(GUnixFDList) fds = g_unix_fd_list_new ();
  g_autoptr(GError) error = NULL;
  SignalWait ping = { FALSE, NULL };
  gint pipe_fds[2];
  guint subscription;

  /* a bus client: it said Hello() and has a unique name */
  g_assert_nonnull (g_dbus_connection_get_unique_name (connection));
  g_assert_false (g_dbus_connection_get_exit_on_close (connection));

  subscription = g_dbus_connection_signal_subscribe (connection, NULL, DEVICE_IFACE, "Ping",
                                                     DEVICE_PATH, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                                     ping_cb, &ping, NULL);
  /* a call after the subscription returns once the bus has the match
   * rule, which was sent first on the same connection */
  greeting = call_device (connection, "Greet", g_variant_new ("(s)", "library"), NULL);
  g_assert_cmpstr (reply_string (greeting), ==, "hello library");
  g_assert_cmpstr (bus->last_sender, ==, g_dbus_connection_get_unique_name (connection));
  g_assert_cmpuint (bus->last_uid, ==, getuid ());

  /* a signal on the device's bus reaches the client */
  g_dbus_connection_emit_signal (bus->connection, NULL, DEVICE_PATH, DEVICE_IFACE, "Ping",
                                 g_variant_new ("(s)", "from the device"), &error);
  g_assert_no_error (error);
  jmp_test_wait_flag (&ping.done, HANG_GUARD_MS);
  g_assert_cmpstr (ping.text, ==, "from the device");
  g_dbus_connection_signal_unsubscribe (connection, subscription);
  g_free (ping.text);

  /* the socket is the host's own connection to the bus, so even file
   * descriptors pass */
  g_assert_true (g_dbus_connection_get_capabilities (connection) &
                 G_DBUS_CAPABILITY_FLAGS_UNIX_FD_PASSING);
  g_assert_true (g_unix_open_pipe (pipe_fds, FD_CLOEXEC, &error));
  g_assert_no_error (error);
  g_assert_cmpint (write (pipe_fds[1], "passed as an fd", 15), ==, 15);
  close (pipe_fds[1]);
  g_unix_fd_list_append (fds, pipe_fds[0], &error);
  g_assert_no_error (error);
  close (pipe_fds[0]);
  fd_reply = call_device (connection, "ReadFd", g_variant_new ("(h)", 0), fds);
  g_assert_cmpstr (reply_string (fd_reply), ==, "passed as an fd");

  /* the blocking variant, on the system driver */
  g_clear_object (&dbus);
  dbus = bench_get_dbus (bench, "system");
  sync_connection = jmp_dbus_network_proxy_open_connection_sync (dbus, NULL, &error);
  g_assert_no_error (error);
  names = g_dbus_connection_call_sync (sync_connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "ListNames", NULL,
                                       G_VARIANT_TYPE ("(as)"), G_DBUS_CALL_FLAGS_NONE,
                                       HANG_GUARD_MS, NULL, &error);
  g_assert_no_error (error);
  {
    g_autofree const gchar **list = NULL;

    g_variant_get (names, "(^a&s)", &list);
    g_assert_true (g_strv_contains (list, DEVICE_NAME));
    g_assert_true (g_strv_contains (list, g_dbus_connection_get_unique_name (connection)));
  }

  g_dbus_connection_close_sync (connection, NULL, NULL);
  g_dbus_connection_close_sync (sync_connection, NULL, NULL);
  jmp_test_rmdir (dir);
}

/* ------------------------------------------------------------------------ */
/* Kind, label, address */

static void
test_kind_and_label (void)
{
  g_autofree gchar *dir = jmp_test_mkdtemp ();
  g_autofree gchar *socket = g_build_filename (dir, "bus", NULL);
  g_autoptr(DeviceBus) bus = device_bus_new (socket);
  /* a list: the first entry has no bus, the second is tried next */
  g_autofree gchar *system_address = g_strdup_printf ("unix:path=%s/missing;%s", dir, bus->address);
  g_autoptr(Bench) bench = bench_new (bus->address, system_address);
  const struct {
    const gchar *name;
    const gchar *kind;
    const gchar *variable;
    const gchar *address;
  } cases[] = {
    { "session", "session", "DBUS_SESSION_BUS_ADDRESS", bus->address },
    { "system", "system", "DBUS_SYSTEM_BUS_ADDRESS", system_address },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JmpDriverProxy) driver = bench_get_driver (bench, cases[i].name);
      JmpDbusNetworkProxy *dbus = jmp_driver_proxy_get_dbus_network (driver);
      g_autoptr(GError) error = NULL;
      g_autofree gchar *address = NULL;
      g_autofree gchar *expected = g_strdup_printf ("%s\n", cases[i].address);
      g_autoptr(JmpRun) run = run_jmp (cases[i].name, "address", NULL);
      g_autoptr(JmpRun) help = run_jmp (cases[i].name, NULL);
      g_autoptr(GDBusConnection) connection = NULL;

      /* the class path is an alias of the short name */
      g_assert_cmpstr (jmp_driver_proxy_get_type_name (driver), ==, "DbusNetwork");
      g_assert_cmpstr (g_hash_table_lookup (jmp_driver_proxy_get_labels (driver), KIND_LABEL), ==,
                       cases[i].kind);
      g_assert_true (jmp_driver_proxy_has_interface (driver, "dev.jumpstarter.DBusNetwork1"));
      g_assert_true (jmp_driver_proxy_has_interface (driver, "dev.jumpstarter.Network1"));

      g_assert_nonnull (dbus);
      g_assert_cmpstr (jmp_dbus_network_proxy_get_kind (dbus), ==, cases[i].kind);
      g_assert_cmpstr (jmp_dbus_network_proxy_get_address_variable (dbus), ==, cases[i].variable);
      g_assert_true (jmp_dbus_network_proxy_get_network (dbus) == jmp_driver_proxy_get_network (driver));
      /* the same proxy each time */
      g_assert_true (jmp_driver_proxy_get_dbus_network (driver) == dbus);

      /* Address() is the bus address the host uses, and jmp prints it as it is */
      address = jmp_network_proxy_get_address_sync (jmp_dbus_network_proxy_get_network (dbus),
                                                    NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (address, ==, cases[i].address);
      g_assert_cmpint (run->status, ==, 0);
      g_assert_cmpstr (run->out, ==, expected);

      g_assert_cmpint (help->status, ==, 0);
      g_assert_nonnull (strstr (help->out, "\n  run "));
      g_assert_nonnull (strstr (help->out, "\n  forward-unix "));

      connection = jmp_dbus_network_proxy_open_connection_sync (dbus, NULL, &error);
      g_assert_no_error (error);
      g_dbus_connection_close_sync (connection, NULL, NULL);
    }

  /* a driver without a bus has no such side */
  {
    g_autoptr(JmpDriverProxy) echo = bench_get_driver (bench, "echo");
    g_autoptr(JmpRun) help = run_jmp ("echo", NULL);

    g_assert_null (jmp_driver_proxy_get_dbus_network (echo));
    g_assert_null (strstr (help->out, "\n  run "));
  }
  jmp_test_rmdir (dir);
}

/* ------------------------------------------------------------------------ */
/* Address forms: abstract sockets, tcp: with family= */

#define TCP_BUS_CONFIG \
  "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n" \
  " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n" \
  "<busconfig>\n" \
  "  <type>session</type>\n" \
  "  <listen>tcp:host=127.0.0.1,bind=127.0.0.1,port=0,family=ipv4</listen>\n" \
  "  <auth>ANONYMOUS</auth>\n" \
  "  <allow_anonymous/>\n" \
  "  <policy context=\"default\">\n" \
  "    <allow send_destination=\"*\" eavesdrop=\"true\"/>\n" \
  "    <allow eavesdrop=\"true\"/>\n" \
  "    <allow own=\"*\"/>\n" \
  "  </policy>\n" \
  "</busconfig>\n"

static guint
address_get_port (const gchar *address)
{
  const gchar *port = strstr (address, "port=");
  guint64 value = 0;

  g_assert_nonnull (port);
  value = g_ascii_strtoull (port + 5, NULL, 10);
  g_assert_cmpuint (value, >, 0);
  g_assert_cmpuint (value, <=, G_MAXUINT16);
  return (guint) value;
}

static void
test_address_forms (void)
{
  g_autofree gchar *dir = jmp_test_mkdtemp ();
  g_autofree gchar *tcp_config = jmp_test_write_file (dir, "tcp.conf", TCP_BUS_CONFIG);
  g_autofree gchar *tcp_arg = g_strdup_printf ("--config-file=%s", tcp_config);
  g_autofree gchar *abstract_arg = g_strdup_printf ("--address=unix:abstract=jmp-test-%d-%08x",
                                                    (gint) getpid (), g_random_int ());
  const gchar *tcp_args[] = { tcp_arg, NULL };
  const gchar *abstract_args[] = { "--session", abstract_arg, NULL };
  g_autoptr(DeviceBus) tcp_bus = device_bus_new_with_args (tcp_args);
  g_autoptr(DeviceBus) abstract_bus = device_bus_new_with_args (abstract_args);
  guint port = address_get_port (tcp_bus->address);
  /* a missing path first: the abstract socket is the second entry */
  g_autofree gchar *session_address = g_strdup_printf ("unix:path=%s/missing;%s", dir,
                                                       abstract_bus->address);
  g_autofree gchar *system_address = g_strdup_printf ("tcp:host=localhost,port=%u,family=ipv4", port);
  g_autoptr(Bench) bench = bench_new (session_address, system_address);
  g_autoptr(JmpDbusNetworkProxy) session = bench_get_dbus (bench, "session");
  g_autoptr(JmpDbusNetworkProxy) system = bench_get_dbus (bench, "system");
  g_autoptr(GDBusConnection) abstract_connection = open_connection (session);
  g_autoptr(GDBusConnection) tcp_connection = open_connection (system);
  g_autoptr(GVariant) greeting = NULL;
  g_autoptr(JmpRun) run = NULL;
  g_autoptr(Bench) v6 = NULL;
  g_autoptr(JmpDbusNetworkProxy) v6_system = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autofree gchar *v6_entry = NULL;

  g_assert_true (g_str_has_prefix (abstract_bus->address, "unix:abstract="));
  greeting = call_device (abstract_connection, "Greet", g_variant_new ("(s)", "abstract"), NULL);
  g_assert_cmpstr (reply_string (greeting), ==, "hello abstract");
  g_clear_pointer (&greeting, g_variant_unref);
  g_assert_cmpuint (abstract_bus->n_calls, ==, 1);

  /* over TCP there are no credentials: ANONYMOUS, which GDBus falls back to */
  greeting = call_device (tcp_connection, "Greet", g_variant_new ("(s)", "tcp"), NULL);
  g_assert_cmpstr (reply_string (greeting), ==, "hello tcp");
  g_assert_cmpuint (tcp_bus->n_calls, ==, 1);

  /* gdbus through a forward, over TCP to the bus (busctl has no ANONYMOUS) */
  run = run_jmp ("system", "run", "--", "gdbus", "call", "--system", "--dest", DEVICE_NAME,
                 "--object-path", DEVICE_PATH, "--method", DEVICE_IFACE ".Greet", "tcp-run", NULL);
  g_assert_cmpint (run->status, ==, 0);
  g_assert_cmpstr (run->out, ==, "('hello tcp-run',)\n");
  g_assert_cmpuint (tcp_bus->n_calls, ==, 2);

  g_dbus_connection_close_sync (abstract_connection, NULL, NULL);
  g_dbus_connection_close_sync (tcp_connection, NULL, NULL);

  /* family=ipv6 leaves out the IPv4 address the bus listens on */
  v6_entry = g_strdup_printf ("tcp:host=localhost,port=%u,family=ipv6", port);
  v6 = bench_new (session_address, v6_entry);
  v6_system = bench_get_dbus (v6, "system");
  socket = jmp_network_proxy_connect_socket_sync (jmp_dbus_network_proxy_get_network (v6_system),
                                                  NULL, &error);
  g_assert_null (socket);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_true (error->domain == JMP_ERROR);
  g_assert_nonnull (strstr (error->message, v6_entry));
  jmp_test_rmdir (dir);
}

/* ------------------------------------------------------------------------ */
/* Addresses the host refuses to start with */

typedef struct {
  gboolean  done;
  gchar    *err;
} HostRun;

static void
host_run_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  HostRun *run = user_data;
  g_autoptr(GError) error = NULL;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), res, NULL, &run->err, &error);
  g_assert_no_error (error);
  run->done = TRUE;
}

static void
test_bad_address (void)
{
  static const struct {
    const gchar *kind;
    const gchar *address;
    const gchar *message;
  } cases[] = {
    /* malformed */
    { "system", "unix:nopath=1",
      "DBUS_SYSTEM_BUS_ADDRESS: invalid bus address \"unix:nopath=1\": missing path" },
    { "session", "no-colon", "DBUS_SESSION_BUS_ADDRESS: invalid bus address \"no-colon\": " },
    { "system", "unix:path=%zz", "invalid bus address \"unix:path=%zz\": " },
    { "system", "unix:path=/run/a,abstract=b", "path= and abstract= exclude each other" },
    { "system", "unix:path=/run/a,bogus=1", "unknown key \"bogus\"" },
    { "system", "unix:path=/run/a,path=/run/b", "path is given twice" },
    { "system", "tcp:host=127.0.0.1", "invalid bus address \"tcp:host=127.0.0.1\": missing port" },
    { "system", "tcp:host=127.0.0.1,port=70000", "port \"70000\" is not a number from 1 to 65535" },
    { "system", "tcp:host=127.0.0.1,port=1,family=ipx", "family \"ipx\" is neither ipv4 nor ipv6" },
    { "session", "unix:path=/run/a;unix:nopath=1",
      "invalid bus address \"unix:path=/run/a;unix:nopath=1\": in \"unix:nopath=1\": missing path" },
    /* not a socket a client can be given */
    { "system", "unixexec:path=/bin/true",
      "DBUS_SYSTEM_BUS_ADDRESS: unsupported bus address \"unixexec:path=/bin/true\": the unixexec: transport" },
    { "session", "launchd:env=X", "unsupported bus address \"launchd:env=X\": the launchd: transport" },
    { "session", "autolaunch:", "unsupported bus address \"autolaunch:\": the autolaunch: transport" },
    { "session", "nonce-tcp:host=127.0.0.1,port=1,noncefile=/tmp/n", "the nonce-tcp: transport" },
    { "session", "unix:tmpdir=/tmp", "unsupported bus address \"unix:tmpdir=/tmp\": unix:tmpdir=" },
    { "session", "unix:runtime=yes", "unix:runtime=" },
    { "system", "kernel:path=/sys/fs/kdbus/0-system/bus", "unknown transport \"kernel:\"" },
    { "system", "unix:path=/run/a;unixexec:path=/bin/true", "in \"unixexec:path=/bin/true\"" },
    /* the kind itself */
    { "sytem", "unix:path=/run/a", "config key kind: \"sytem\" is neither system nor session" },
    { "\"\"", "unix:path=/run/a", "config key kind is required" },
  };
  g_autofree gchar *dir = jmp_test_mkdtemp ();
  g_autofree gchar *listen = g_strdup_printf ("unix:path=%s/host.sock", dir);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree gchar *yaml = g_strdup_printf ("export:\n  bus: {type: DbusNetwork, config: {kind: %s}}\n",
                                                cases[i].kind);
      g_autofree gchar *config = jmp_test_write_file (dir, "bad.yaml", yaml);
      g_autoptr(GSubprocess) host = NULL;
      g_autoptr(GError) error = NULL;
      HostRun run = { FALSE, NULL };

      g_setenv ("DBUS_SYSTEM_BUS_ADDRESS", cases[i].address, TRUE);
      g_setenv ("DBUS_SESSION_BUS_ADDRESS", cases[i].address, TRUE);
      host = jmp_test_spawn (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                             &error, g_getenv ("JMP_TEST_HOST"), "--listen", listen,
                             "--config", config, NULL);
      g_assert_no_error (error);
      g_subprocess_communicate_utf8_async (host, NULL, NULL, host_run_cb, &run);
      jmp_test_wait_flag (&run.done, HANG_GUARD_MS);
      subprocess_wait (host);
      g_assert_true (g_subprocess_get_if_exited (host));
      g_assert_cmpint (g_subprocess_get_exit_status (host), !=, 0);
      if (run.err == NULL || strstr (run.err, "export.bus: failed to start DbusNetwork: ") == NULL ||
          strstr (run.err, cases[i].message) == NULL)
        g_error ("%s (kind %s): expected \"%s\" on stderr, got: %s", cases[i].address,
                 cases[i].kind, cases[i].message, run.err);
      g_test_message ("%s", run.err);
      g_free (run.err);
    }
  jmp_test_rmdir (dir);
}

/* ------------------------------------------------------------------------ */
/* A bus that is not there, or goes away */

static guint16
closed_tcp_port (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, &error);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  g_autoptr(GSocketAddress) bound = NULL;

  g_assert_no_error (error);
  g_socket_bind (socket, any, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  /* closed when it goes: nothing listens there */
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static GError *
connect_error (JmpDbusNetworkProxy *dbus)
{
  GError *error = NULL;
  g_autoptr(GSocket) socket =
    jmp_network_proxy_connect_socket_sync (jmp_dbus_network_proxy_get_network (dbus), NULL, &error);

  g_assert_null (socket);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  return error;
}

static void
assert_error_contains (const GError *error, JmpError code, const gchar *fragment)
{
  g_assert_error (error, JMP_ERROR, (gint) code);
  if (strstr (error->message, fragment) == NULL)
    g_error ("expected \"%s\" in: %s", fragment, error->message);
}

/* The host starts (it only checks the address); Connect() says why it
 * cannot reach the bus, naming the address. */
static void
test_unreachable (void)
{
  g_autofree gchar *dir = jmp_test_mkdtemp ();
  g_autofree gchar *missing = g_strdup_printf ("unix:path=%s/missing.sock", dir);
  g_autofree gchar *refused = g_strdup_printf ("tcp:host=127.0.0.1,port=%u", closed_tcp_port ());
  g_autofree gchar *list = g_strdup_printf ("%s;%s", missing, refused);
  g_autoptr(Bench) bench = bench_new (missing, list);
  g_autoptr(JmpDbusNetworkProxy) session = bench_get_dbus (bench, "session");
  g_autoptr(JmpDbusNetworkProxy) system = bench_get_dbus (bench, "system");
  g_autofree gchar *session_target = g_strdup_printf ("the session bus at %s", missing);
  g_autofree gchar *missing_target = g_strdup_printf ("the system bus at %s", missing);
  g_autofree gchar *refused_target = g_strdup_printf ("the system bus at %s", refused);
  g_autoptr(GError) first = NULL;
  g_autoptr(GDBusConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JmpRun) run = NULL;
  GPid pid = jmp_test_host_get_pid (bench->host);
  guint baseline;

  /* what a first call sets up for good is not a leak: count after one */
  first = connect_error (session);
  g_clear_error (&first);
  first = connect_error (system);
  baseline = jmp_test_count_fds (pid);

  for (guint round = 0; round < 3; round++)
    {
      g_autoptr(GError) e1 = connect_error (session);
      g_autoptr(GError) e2 = connect_error (system);

      assert_error_contains (e1, JMP_ERROR_NOT_FOUND, session_target);
      /* every entry of a list is named, with its own reason; the code is
       * the last one's */
      assert_error_contains (e2, JMP_ERROR_CONNECTION_REFUSED, missing_target);
      assert_error_contains (e2, JMP_ERROR_CONNECTION_REFUSED, "no such file or directory");
      assert_error_contains (e2, JMP_ERROR_CONNECTION_REFUSED, refused_target);
      assert_error_contains (e2, JMP_ERROR_CONNECTION_REFUSED, "connection refused");
    }

  /* the library says the same */
  connection = jmp_dbus_network_proxy_open_connection_sync (session, NULL, &error);
  g_assert_null (connection);
  assert_error_contains (error, JMP_ERROR_NOT_FOUND, session_target);

  /* busctl only sees its connection close; jmp says why */
  run = run_jmp ("session", "run", "--", "busctl", "--user", "--no-pager", "list", NULL);
  g_assert_cmpint (run->status, !=, 0);
  g_assert_nonnull (strstr (run->err, "session: a connection to the bus failed: "));
  g_assert_nonnull (strstr (run->err, session_target));
  bench_assert_runtime_dir_empty (bench);

  /* the host serves on, and kept nothing of the failed attempts */
  bench_assert_echo (bench);
  g_assert_cmpuint (jmp_test_wait_fds_at_most (pid, baseline, HANG_GUARD_MS), <=, baseline);
  jmp_test_rmdir (dir);
}

static void
closed_cb (GDBusConnection *connection,
           gboolean         remote_peer_vanished,
           GError          *error,
           gpointer         user_data)
{
  gboolean *closed = user_data;

  g_assert_true (remote_peer_vanished);
  *closed = TRUE;
}

static void
test_bus_killed (void)
{
  g_autofree gchar *dir = jmp_test_mkdtemp ();
  g_autofree gchar *socket = g_build_filename (dir, "bus", NULL);
  g_autoptr(DeviceBus) bus = device_bus_new (socket);
  g_autoptr(Bench) bench = bench_new (bus->address, bus->address);
  g_autoptr(JmpDbusNetworkProxy) dbus = bench_get_dbus (bench, "session");
  g_autoptr(GDBusConnection) connection = open_connection (dbus);
  g_autoptr(GVariant) greeting = NULL;
  g_autoptr(GError) refused = NULL;
  g_autofree gchar *target = g_strdup_printf ("the session bus at %s", bus->address);
  g_autoptr(DeviceBus) again = NULL;
  g_autoptr(GDBusConnection) reconnected = NULL;
  gboolean closed = FALSE;

  greeting = call_device (connection, "Greet", g_variant_new ("(s)", "before"), NULL);
  g_signal_connect (connection, "closed", G_CALLBACK (closed_cb), &closed);

  device_bus_kill (bus);
  jmp_test_wait_flag (&closed, HANG_GUARD_MS);
  g_assert_true (g_dbus_connection_is_closed (connection));

  /* the host serves on: other drivers, and this one says what is wrong */
  bench_assert_echo (bench);
  refused = connect_error (dbus);
  assert_error_contains (refused, JMP_ERROR_CONNECTION_REFUSED, target);

  /* a bus started again at the same place is reached without a reload */
  g_assert_cmpint (g_unlink (socket), ==, 0);
  again = device_bus_new (socket);
  reconnected = open_connection (dbus);
  g_clear_pointer (&greeting, g_variant_unref);
  greeting = call_device (reconnected, "Greet", g_variant_new ("(s)", "after"), NULL);
  g_assert_cmpstr (reply_string (greeting), ==, "hello after");
  g_assert_cmpuint (again->n_calls, ==, 1);
  g_dbus_connection_close_sync (reconnected, NULL, NULL);
  jmp_test_rmdir (dir);
}

/* ------------------------------------------------------------------------ */
/* The plugin's type, as `jmp inspect` and the config loader see it */

static void
test_registry (void)
{
  g_autoptr(JmpRegistry) registry = jmp_registry_new ();
  g_auto(GStrv) dirs = g_strsplit (g_getenv ("JUMPSTARTER_PLUGIN_PATH"), ":", -1);
  g_autoptr(GTypeClass) klass = NULL;
  GParamSpec *pspec;
  GType type;

  for (guint i = 0; dirs[i] != NULL; i++)
    jmp_registry_load_dir (registry, dirs[i]);
  type = jmp_registry_lookup (registry, "DbusNetwork");
  g_assert_true (type != G_TYPE_INVALID);
  g_assert_true (g_type_is_a (type, JMP_TYPE_NETWORK));
  g_assert_true (jmp_registry_lookup (registry, "jumpstarter_driver_network.driver.DbusNetwork") == type);

  klass = g_type_class_ref (type);
  pspec = g_object_class_find_property (G_OBJECT_CLASS (klass), "kind");
  g_assert_nonnull (pspec);
  g_assert_true (G_IS_PARAM_SPEC_STRING (pspec));
  g_assert_nonnull (g_param_spec_get_blurb (pspec));
  pspec = g_object_class_find_property (G_OBJECT_CLASS (klass), "connect-timeout");
  g_assert_nonnull (pspec);
  g_assert_cmpfloat (G_PARAM_SPEC_DOUBLE (pspec)->default_value, ==, 10);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_unsetenv ("JUMPSTARTER_HOST");
  /* the buses are reached directly, even where a proxy resolver would
   * honour these */
  g_setenv ("http_proxy", "http://127.0.0.1:9/", TRUE);
  g_setenv ("all_proxy", "socks://127.0.0.1:9/", TRUE);

  g_test_add_func ("/dbus/run/busctl", test_run_busctl);
  g_test_add_func ("/dbus/run/environment", test_run_environment);
  g_test_add_func ("/dbus/run/gdbus-call", test_run_gdbus_call);
  g_test_add_func ("/dbus/run/status", test_run_status);
  g_test_add_func ("/dbus/run/host-dies", test_run_host_dies);
  g_test_add_func ("/dbus/library/connection", test_library_connection);
  g_test_add_func ("/dbus/kind-and-label", test_kind_and_label);
  g_test_add_func ("/dbus/address-forms", test_address_forms);
  g_test_add_func ("/dbus/bad-address", test_bad_address);
  g_test_add_func ("/dbus/unreachable", test_unreachable);
  g_test_add_func ("/dbus/bus-killed", test_bus_killed);
  g_test_add_func ("/dbus/registry", test_registry);
  return g_test_run ();
}
