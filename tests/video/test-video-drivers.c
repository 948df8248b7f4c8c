/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * UStreamer against Debian's real ustreamer (no camera here: it serves its
 * "NO SIGNAL" frame with online false, which is all these tests need) and
 * HttpVideo against mjpeg-server.py, through a real jumpstarter-host and
 * the client library.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gio/gunixsocketaddress.h>
#include <json-glib/json-glib.h>

#include "jmp-test-common.h"

/* waits only guard against a hang, they time nothing */
#define HANG_GUARD_MS 30000
#define FRAME_SIZE    50000

/* ------------------------------------------------------------------------ */
/* Processes, from /proc */

static gchar *
read_proc_file (GPid pid, const gchar *name, gsize *length)
{
  g_autofree gchar *path = g_strdup_printf ("/proc/%d/%s", (gint) pid, name);
  gchar *contents = NULL;

  if (!g_file_get_contents (path, &contents, length, NULL))
    return NULL;
  return contents;
}

/* The state letter of /proc/PID/stat, or 0 if there is no such process. */
static gchar
proc_state (GPid pid)
{
  g_autofree gchar *stat = read_proc_file (pid, "stat", NULL);
  const gchar *end = stat != NULL ? strrchr (stat, ')') : NULL;

  return end != NULL && end[1] == ' ' ? end[2] : 0;
}

static GPid
proc_parent (GPid pid)
{
  g_autofree gchar *stat = read_proc_file (pid, "stat", NULL);
  const gchar *end = stat != NULL ? strrchr (stat, ')') : NULL;

  /* ") S PPID ..." */
  return end != NULL && strlen (end) > 4 ? (GPid) g_ascii_strtoll (end + 4, NULL, 10) : 0;
}

/* The one child process of @parent, waiting for it to appear. */
static GPid
find_child (GPid parent)
{
  gint64 deadline = g_get_monotonic_time () + HANG_GUARD_MS * 1000;

  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr(GDir) dir = g_dir_open ("/proc", 0, NULL);
      const gchar *name;

      while ((name = g_dir_read_name (dir)) != NULL)
        {
          GPid pid = (GPid) g_ascii_strtoll (name, NULL, 10);

          if (pid > 0 && proc_parent (pid) == parent && proc_state (pid) != 'Z')
            return pid;
        }
      g_usleep (20000);
    }
  g_error ("no child of %d appeared", (gint) parent);
}

static GStrv
proc_cmdline (GPid pid)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  gsize length = 0;
  g_autofree gchar *cmdline = read_proc_file (pid, "cmdline", &length);

  g_assert_nonnull (cmdline);
  for (gsize i = 0; i < length; i += strlen (cmdline + i) + 1)
    g_strv_builder_add (builder, cmdline + i);
  return g_strv_builder_end (builder);
}

static const gchar *
strv_option (GStrv argv, const gchar *option)
{
  for (guint i = 0; argv[i] != NULL; i++)
    if (g_str_equal (argv[i], option))
      return argv[i + 1];
  return NULL;
}

static gboolean
strv_has (GStrv argv, const gchar *arg)
{
  return g_strv_contains ((const gchar * const *) argv, arg);
}

/* Waits until @pid is gone; a zombie counts as still there. */
static void
assert_process_gone (GPid pid, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (proc_state (pid) != 0)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("process %d is still there (state %c)", (gint) pid, proc_state (pid));
      g_usleep (20000);
    }
}

/* ------------------------------------------------------------------------ */
/* Straight to ustreamer's socket, as a reference */

static GBytes *
http_get_unix (const gchar *socket_path, const gchar *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) address = g_unix_socket_address_new (socket_path);
  g_autofree gchar *request = g_strdup_printf ("GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n", path);
  g_autoptr(GByteArray) reply = g_byte_array_new ();
  const guint8 *body;
  gchar buffer[65536];
  gssize n;

  socket = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, 0, &error);
  g_assert_no_error (error);
  g_socket_set_timeout (socket, HANG_GUARD_MS / 1000);
  g_socket_connect (socket, address, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_socket_send (socket, request, strlen (request), NULL, &error), ==,
                   strlen (request));
  while ((n = g_socket_receive (socket, buffer, sizeof buffer, NULL, &error)) > 0)
    g_byte_array_append (reply, (guint8 *) buffer, n);
  g_assert_no_error (error);
  g_assert_true (reply->len > 12 && memcmp (reply->data, "HTTP/1.", 7) == 0);
  g_assert_true (memcmp (reply->data + 8, " 200", 4) == 0);
  body = memmem (reply->data, reply->len, "\r\n\r\n", 4);
  g_assert_nonnull (body);
  body += 4;
  return g_bytes_new (body, reply->len - (body - reply->data));
}

/* ------------------------------------------------------------------------ */
/* Host helpers */

typedef struct {
  gchar       *dir;
  JmpTestHost *host;
  JmpClient   *client;
} Fixture;

static void
fixture_start (Fixture *fx, const gchar *yaml)
{
  g_autofree gchar *config = NULL;

  fx->dir = jmp_test_mkdtemp ();
  config = jmp_test_write_file (fx->dir, "video.yaml", yaml);
  fx->host = jmp_test_host_new (config, NULL);
  fx->client = jmp_test_host_connect (fx->host);
}

static void
fixture_stop (Fixture *fx)
{
  g_clear_object (&fx->client);
  if (fx->host != NULL)
    jmp_test_host_stop (fx->host);
  g_clear_pointer (&fx->host, jmp_test_host_free);
  jmp_test_rmdir (fx->dir);
  g_clear_pointer (&fx->dir, g_free);
}

static JmpVideoProxy *
get_video (Fixture *fx, const gchar *name, JmpDriverProxy **driver_out)
{
  g_autoptr(GError) error = NULL;
  JmpDriverProxy *driver = jmp_client_get_driver (fx->client, name, &error);
  JmpVideoProxy *video;

  g_assert_no_error (error);
  video = jmp_driver_proxy_get_video (driver);
  g_assert_nonnull (video);
  *driver_out = driver;
  return video;
}

static void
assert_jpeg (GBytes *jpeg)
{
  gsize size = 0;
  const guint8 *data = g_bytes_get_data (jpeg, &size);

  g_assert_cmpuint (size, >, 4);
  g_assert_cmpuint (data[0], ==, 0xff);
  g_assert_cmpuint (data[1], ==, 0xd8);
  g_assert_cmpuint (data[size - 2], ==, 0xff);
  g_assert_cmpuint (data[size - 1], ==, 0xd9);
}

static guint32
state_uint (GVariant *state, const gchar *key)
{
  guint32 value = G_MAXUINT32;

  if (!g_variant_lookup (state, key, "u", &value))
    g_error ("state has no %s (u): %s", key, g_variant_print (state, TRUE));
  return value;
}

/* Runs the host on @yaml, expecting it to fail; returns its stderr. */
static gchar *
host_run_failing (const gchar *yaml, const gchar *path_env)
{
  g_autofree gchar *dir = jmp_test_mkdtemp ();
  g_autofree gchar *config = jmp_test_write_file (dir, "bad.yaml", yaml);
  g_autofree gchar *listen = g_strdup_printf ("unix:path=%s/host.sock", dir);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) host = NULL;
  g_autoptr(GError) error = NULL;
  gchar *err = NULL;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  if (path_env != NULL)
    g_subprocess_launcher_setenv (launcher, "PATH", path_env, TRUE);
  host = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("JMP_TEST_HOST"),
                                      "--listen", listen, "--config", config, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (host, NULL, NULL, NULL, &err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (host));
  g_assert_cmpint (g_subprocess_get_exit_status (host), !=, 0);
  jmp_test_rmdir (dir);
  return err;
}

static void
assert_contains (const gchar *haystack, const gchar *needle)
{
  if (haystack == NULL || strstr (haystack, needle) == NULL)
    g_error ("expected \"%s\" in: %s", needle, haystack);
}

/* ------------------------------------------------------------------------ */
/* UStreamer */

/* Jumpstarter's seed test, and more: state, snapshot, args on the command
 * line, the private socket, Connect(), and nothing left after a stop. */
static void
test_ustreamer_basics (void)
{
  Fixture fx = { 0 };
  JmpDriverProxy *driver = NULL;
  JmpVideoProxy *video;
  g_autoptr(GVariant) state = NULL;
  g_autoptr(GBytes) jpeg = NULL;
  g_autoptr(GBytes) direct = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) argv = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autofree gchar *socket_path = NULL;
  g_autofree gchar *socket_dir = NULL;
  const gchar *encoder = NULL;
  static const gchar request[] = "GET /state HTTP/1.0\r\nHost: localhost\r\n\r\n";
  gchar reply[4096];
  gsize got = 0;
  gssize n;
  gboolean online = TRUE;
  struct stat st;
  GPid ustreamer;

  fixture_start (&fx,
                 "export:\n"
                 "  cam:\n"
                 "    type: jumpstarter_driver_ustreamer.driver.UStreamer\n"
                 "    config:\n"
                 "      args: {desired-fps: 3, quality: 70, slowdown: true, persistent: false,\n"
                 "             dv-timings: null, device: /dev/jmp-test-no-such-camera}\n");
  video = get_video (&fx, "cam", &driver);
  g_assert_cmpstr (jmp_driver_proxy_get_type_name (driver), ==, "UStreamer");
  g_assert_cmpstr (jmp_video_proxy_get_stream_path (video), ==, "/stream");

  state = jmp_video_proxy_get_state_sync (video, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_variant_lookup (state, "online", "b", &online));
  g_assert_false (online);
  g_assert_cmpuint (state_uint (state, "width"), ==, 640);
  g_assert_cmpuint (state_uint (state, "height"), ==, 480);
  g_assert_cmpuint (state_uint (state, "desired_fps"), ==, 3);
  /* the encoder reports its quality once a device delivers frames */
  state_uint (state, "quality");
  g_assert_cmpuint (state_uint (state, "restarts"), ==, 0);
  state_uint (state, "captured_fps");
  state_uint (state, "clients");
  g_assert_true (g_variant_lookup (state, "encoder", "&s", &encoder));
  g_assert_cmpstr (encoder, ==, "CPU");

  jpeg = jmp_video_proxy_snapshot_sync (video, NULL, &error);
  g_assert_no_error (error);
  assert_jpeg (jpeg);

  /* the command line: args as written, and the options the driver owns */
  ustreamer = find_child (jmp_test_host_get_pid (fx.host));
  argv = proc_cmdline (ustreamer);
  g_assert_cmpstr (strv_option (argv, "--desired-fps"), ==, "3");
  g_assert_cmpstr (strv_option (argv, "--device"), ==, "/dev/jmp-test-no-such-camera");
  g_assert_true (strv_has (argv, "--slowdown"));
  g_assert_false (strv_has (argv, "--persistent"));
  g_assert_false (strv_has (argv, "--dv-timings"));
  g_assert_true (strv_has (argv, "--exit-on-parent-death"));
  socket_path = g_strdup (strv_option (argv, "--unix"));
  g_assert_nonnull (socket_path);
  socket_dir = g_path_get_dirname (socket_path);
  g_assert_cmpint (stat (socket_dir, &st), ==, 0);
  g_assert_cmpuint (st.st_mode & 0777, ==, 0700);

  /* the host hands over ustreamer's bytes as they are */
  direct = http_get_unix (socket_path, "/snapshot");
  g_assert_true (g_bytes_equal (direct, jpeg));

  /* Connect(): a raw stream to ustreamer's HTTP server */
  socket = jmp_network_proxy_connect_socket_sync (jmp_driver_proxy_get_network (driver),
                                                  NULL, &error);
  g_assert_no_error (error);
  g_socket_set_timeout (socket, HANG_GUARD_MS / 1000);
  g_assert_cmpint (g_socket_send (socket, request, sizeof request - 1, NULL, &error), ==,
                   sizeof request - 1);
  while ((n = g_socket_receive (socket, reply + got, sizeof reply - 1 - got, NULL, &error)) > 0)
    got += n;
  g_assert_no_error (error);
  reply[got] = '\0';
  assert_contains (reply, " 200 OK");
  assert_contains (reply, "\"desired_fps\": 3");

  /* stopped: no process, no zombie, no socket, no directory */
  g_object_unref (driver);
  fixture_stop (&fx);
  assert_process_gone (ustreamer, 1000);
  g_assert_false (g_file_test (socket_path, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (socket_dir, G_FILE_TEST_EXISTS));
}

static void
test_ustreamer_config_errors (void)
{
  static const struct {
    const gchar *config;
    const gchar *message;
  } cases[] = {
    { "{executable: /nonexistent/ustreamer}",
      "export.cam: failed to start UStreamer: executable /nonexistent/ustreamer does not exist" },
    { "{executable: /etc}", "executable /etc is not an executable file" },
    { "{args: {port: 8080}}",
      "failed to start UStreamer: args.port: the driver sets this option itself" },
    { "{args: {unix_rm: true}}", "args.unix_rm: the driver sets this option itself" },
    { "{args: {exit-on-parent-death: true}}", "args.exit-on-parent-death: the driver sets" },
    { "{args: {notify-parent: true}}", "args.notify-parent: the driver sets this option itself" },
    { "{args: {resolution: {width: 640}}}",
      "args.resolution: expected a string, a number, true, false or null, got a mapping" },
    { "{args: {device: [a, b]}}", "args.device: expected a string, a number, true, false or null, got a list" },
    { "{args: {\"unix=/tmp/x\": 1}}", "args.unix=/tmp/x: not a ustreamer option name" },
    { "{args: {\"--device\": /dev/video0}}", "args.--device: not a ustreamer option name" },
    { "{args: [device]}", "export.cam.config.args: expected a mapping" },
    { "{start_timeout: 0}", "export.cam.config.start_timeout: 0 is out of range" },
    /* ustreamer's own words */
    { "{args: {bogus: 1}}", "unrecognized option '--bogus'" },
    { "{args: {desired-fps: abc}}", "Invalid value for '--desired-fps=abc'" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree gchar *yaml = g_strdup_printf ("export:\n  cam: {type: UStreamer, config: %s}\n",
                                                cases[i].config);
      g_autofree gchar *err = host_run_failing (yaml, NULL);

      assert_contains (err, cases[i].message);
    }
}

/* A program that runs but never serves: TIMED_OUT after start_timeout,
 * and it is stopped, not left behind. */
static void
test_ustreamer_start_timeout (void)
{
  g_autofree gchar *dir = jmp_test_mkdtemp ();
  g_autofree gchar *silent = jmp_test_write_file (dir, "silent",
                                                  "#!/bin/sh\necho starting >&2\nexec sleep 60\n");
  g_autofree gchar *yaml = NULL;
  g_autofree gchar *err = NULL;
  gint64 start = g_get_monotonic_time ();

  g_assert_cmpint (chmod (silent, 0755), ==, 0);
  yaml = g_strdup_printf ("export:\n  cam: {type: UStreamer, config: {executable: %s, start_timeout: 0.5}}\n",
                          silent);
  err = host_run_failing (yaml, NULL);
  assert_contains (err, "did not answer on its socket within 0.5 s (start_timeout)");
  assert_contains (err, "starting");
  /* SIGTERM ends it: no 5 s wait for SIGKILL */
  g_assert_cmpint (g_get_monotonic_time () - start, <, 4 * G_USEC_PER_SEC);
  jmp_test_rmdir (dir);
}

static void
test_ustreamer_not_on_path (void)
{
  g_autofree gchar *err = host_run_failing ("export:\n  cam: {type: UStreamer}\n",
                                            "/nonexistent/bin");

  assert_contains (err, "export.cam: failed to start UStreamer: ustreamer was not found on PATH (/nonexistent/bin)");
}

static void
wait_pid_state (GPid pid, gboolean (*done) (gchar state))
{
  gint64 deadline = g_get_monotonic_time () + HANG_GUARD_MS * 1000;

  while (!done (proc_state (pid)))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (10000);
    }
}

static gboolean
is_dead (gchar state)
{
  return state == 0 || state == 'Z';
}

/* ustreamer dies: calls fail with Unavailable until it is back, and the
 * restart is counted. */
static void
test_ustreamer_restart (void)
{
  Fixture fx = { 0 };
  JmpDriverProxy *driver = NULL;
  JmpVideoProxy *video;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) state = NULL;
  g_autoptr(GBytes) jpeg = NULL;
  g_autoptr(GSocket) socket = NULL;
  gint64 deadline;
  GPid first, second;

  fixture_start (&fx, "export:\n  cam: {type: UStreamer}\n");
  video = get_video (&fx, "cam", &driver);
  first = find_child (jmp_test_host_get_pid (fx.host));
  g_assert_cmpint (kill (first, SIGKILL), ==, 0);
  wait_pid_state (first, is_dead);

  /* down: clean errors, no hang, the host stays up */
  state = jmp_video_proxy_get_state_sync (video, NULL, &error);
  g_assert_error (error, JMP_ERROR, JMP_ERROR_UNAVAILABLE);
  assert_contains (error->message, "cam");
  g_clear_error (&error);
  jpeg = jmp_video_proxy_snapshot_sync (video, NULL, &error);
  g_assert_error (error, JMP_ERROR, JMP_ERROR_UNAVAILABLE);
  g_clear_error (&error);
  socket = jmp_network_proxy_connect_socket_sync (jmp_driver_proxy_get_network (driver),
                                                  NULL, &error);
  g_assert_error (error, JMP_ERROR, JMP_ERROR_UNAVAILABLE);
  g_clear_error (&error);

  /* back after the first back-off (0.5 s) */
  deadline = g_get_monotonic_time () + HANG_GUARD_MS * 1000;
  while ((state = jmp_video_proxy_get_state_sync (video, NULL, &error)) == NULL)
    {
      g_assert_error (error, JMP_ERROR, JMP_ERROR_UNAVAILABLE);
      g_clear_error (&error);
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (50000);
    }
  g_assert_cmpuint (state_uint (state, "restarts"), ==, 1);
  second = find_child (jmp_test_host_get_pid (fx.host));
  g_assert_cmpint (second, !=, first);
  jpeg = jmp_video_proxy_snapshot_sync (video, NULL, &error);
  g_assert_no_error (error);
  assert_jpeg (jpeg);

  g_object_unref (driver);
  fixture_stop (&fx);
  assert_process_gone (second, 1000);
}

/* kill -9 of the host: ustreamer goes too (PR_SET_PDEATHSIG and
 * --exit-on-parent-death). This test process is a subreaper, so the
 * orphan comes to it and is reaped here, not by whatever init is there. */
static void
test_ustreamer_host_killed (void)
{
  Fixture fx = { 0 };
  GPid host, ustreamer;
  gint64 deadline;
  int status;

  g_assert_cmpint (prctl (PR_SET_CHILD_SUBREAPER, 1), ==, 0);
  fixture_start (&fx, "export:\n  cam: {type: UStreamer}\n");
  host = jmp_test_host_get_pid (fx.host);
  ustreamer = find_child (host);
  g_clear_object (&fx.client);
  jmp_test_host_kill (fx.host);

  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  for (;;)
    {
      pid_t r = waitpid (ustreamer, &status, WNOHANG);

      if (r == ustreamer)
        break;
      /* not ours (yet): still a child of the dying host, or gone already */
      if (r < 0 && errno == ECHILD && proc_state (ustreamer) == 0)
        break;
      if (g_get_monotonic_time () > deadline)
        g_error ("ustreamer %d outlived its host (state %c)", (gint) ustreamer,
                 proc_state (ustreamer));
      g_usleep (20000);
    }
  assert_process_gone (ustreamer, 1000);
  jmp_test_host_free (fx.host);
  fx.host = NULL;
  fixture_stop (&fx);
  prctl (PR_SET_CHILD_SUBREAPER, 0);
}

/* ustreamer's JSON is input from outside: whatever it says, a clear error
 * and a host that goes on. */
/* A host with a UStreamer "cam" running fake-ustreamer.py with @args, a
 * flow mapping of its options. */
static JmpVideoProxy *
start_fake_ustreamer (Fixture *fx, const gchar *args, JmpDriverProxy **driver)
{
  g_autofree gchar *fake = g_test_build_filename (G_TEST_DIST, "video", "fake-ustreamer.py", NULL);
  g_autofree gchar *yaml = NULL;

  yaml = g_strdup_printf ("export:\n"
                          "  cam:\n"
                          "    type: UStreamer\n"
                          "    config:\n"
                          "      executable: %s\n"
                          "      args: %s\n",
                          fake, args);
  fixture_start (fx, yaml);
  return get_video (fx, "cam", driver);
}

static void
test_ustreamer_bad_json (void)
{
  static const gchar good[] =
    "{\"ok\": true, \"result\": {\"encoder\": {\"type\": \"CPU\", \"quality\": 80},"
    " \"source\": {\"resolution\": {\"width\": 1920, \"height\": 1080}, \"online\": true,"
    " \"desired_fps\": 30, \"captured_fps\": 29.0},"
    " \"stream\": {\"queued_fps\": 0, \"clients\": 2, \"clients_stat\": {}}}}";
  static const struct {
    const gchar *json;
    const gchar *message;
  } cases[] = {
    { "", "cam: ustreamer's /state: not JSON: empty" },
    { "{\"ok\": true} {\"ok\": true}", "cam: ustreamer's /state: not JSON: line 1: more text after the end of the document" },
    { "{\"ok\": tru", "cam: ustreamer's /state: not JSON: " },
    { "[1, 2]", "/state: not a JSON object" },
    { "{}", "/state: no field ok" },
    { "{\"ok\": false}", "/state: \"ok\" is false" },
    { "{\"ok\": true}", "/state: no field result" },
    { "{\"ok\": true, \"result\": 3}", "/state: result is not an object" },
    { "{\"ok\": true, \"result\": {\"source\": {\"online\": \"yes\"}}}",
      "/state: result.source.online is not a boolean" },
    { "{\"ok\": true, \"result\": {\"source\": {\"online\": true, \"resolution\": {\"width\": -1}}}}",
      "result.source.resolution.width is not a whole number" },
    { "{\"ok\": true, \"result\": {\"source\": {\"online\": true, \"resolution\": {\"width\": 1e20}}}}",
      "result.source.resolution.width is not a whole number" },
    { "{\"ok\": true, \"result\": {\"source\": {\"online\": true, \"resolution\": {\"width\": 1, \"height\": 1},"
      " \"desired_fps\": 1, \"captured_fps\": 1}, \"encoder\": {\"type\": 7}}}",
      "result.encoder.type is not a string" },
    { "{\"ok\": true, \"result\": {\"source\": {\"online\": true, \"resolution\": {\"width\": 1, \"height\": 1},"
      " \"desired_fps\": 1, \"captured_fps\": 1}, \"encoder\": {\"type\": \"HW\", \"quality\": 1},"
      " \"stream\": {\"clients\": \"3\"}}}",
      "result.stream.clients is not a number" },
  };
  Fixture fx = { 0 };
  JmpDriverProxy *driver = NULL;
  JmpVideoProxy *video;
  g_autofree gchar *dir = jmp_test_mkdtemp ();
  g_autofree gchar *state_file = jmp_test_write_file (dir, "state.json", good);
  g_autofree gchar *snapshot_file = jmp_test_write_file (dir, "frame.jpg", "\xff\xd8 not really \xff\xd9");
  g_autofree gchar *args = g_strdup_printf ("{state-file: %s, snapshot-file: %s}",
                                            state_file, snapshot_file);
  g_autoptr(GVariant) state = NULL;
  g_autoptr(GBytes) jpeg = NULL;
  g_autoptr(GError) error = NULL;
  const gchar *encoder = NULL;

  video = start_fake_ustreamer (&fx, args, &driver);

  state = jmp_video_proxy_get_state_sync (video, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (state_uint (state, "width"), ==, 1920);
  g_assert_cmpuint (state_uint (state, "captured_fps"), ==, 29);
  g_assert_cmpuint (state_uint (state, "clients"), ==, 2);
  g_assert_true (g_variant_lookup (state, "encoder", "&s", &encoder));
  g_assert_cmpstr (encoder, ==, "CPU");
  g_clear_pointer (&state, g_variant_unref);
  /* a snapshot is passed on as it came, JPEG or not */
  jpeg = jmp_video_proxy_snapshot_sync (video, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (jpeg, NULL), g_bytes_get_size (jpeg),
                   "\xff\xd8 not really \xff\xd9", 16);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_free (jmp_test_write_file (dir, "state.json", cases[i].json));
      state = jmp_video_proxy_get_state_sync (video, NULL, &error);
      g_assert_null (state);
      g_assert_error (error, JMP_ERROR, JMP_ERROR_FAILED);
      assert_contains (error->message, cases[i].message);
      assert_contains (error->message, "cam: ustreamer's /state: ");
      g_clear_error (&error);
    }

  /* and the host goes on */
  g_free (jmp_test_write_file (dir, "state.json", good));
  state = jmp_video_proxy_get_state_sync (video, NULL, &error);
  g_assert_no_error (error);

  g_object_unref (driver);
  fixture_stop (&fx);
  jmp_test_rmdir (dir);
}

/* ------------------------------------------------------------------------ */
/* Reloads that add a UStreamer: the host serves the old tree meanwhile */

#define ECHO_CONFIG "export:\n  echo: {type: EchoNetwork}\n"
/* far below the fake ustreamer's start delay: a hang guard, not a timing */
#define PROMPT_MS   1000

/* Rewrites the config to add a UStreamer "cam" running fake-ustreamer.py
 * with @fake_args and @config (flow mapping entries), and asks for a
 * reload on @connection. */
static void
reload_adding_cam (Fixture *fx, GDBusConnection *connection, const gchar *fake_args,
                   const gchar *config, JmpTestCall *call)
{
  g_autofree gchar *fake = g_test_build_filename (G_TEST_DIST, "video", "fake-ustreamer.py", NULL);
  g_autofree gchar *state = jmp_test_write_file (fx->dir, "state.json", "{\"ok\": true}");
  g_autofree gchar *yaml = g_strdup_printf (ECHO_CONFIG
                                            "  cam:\n"
                                            "    type: UStreamer\n"
                                            "    config: {executable: %s, %s,\n"
                                            "             args: {state-file: %s, %s}}\n",
                                            fake, config, state, fake_args);

  g_free (jmp_test_write_file (fx->dir, "video.yaml", yaml));
  jmp_test_call_reload (connection, call);
}

/* The host answers other clients while the new ustreamer comes up. */
static void
assert_served_while_pending (Fixture *fx, GDBusConnection *other)
{
  GPid host = jmp_test_host_get_pid (fx->host);

  /* the build is under way once the child is there */
  find_child (host);
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree gchar *name = jmp_test_get_driver_name (other, "echo", PROMPT_MS, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (name, ==, "echo");
      g_usleep (100000);
    }
}

static gboolean
has_child (GPid parent)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc", 0, NULL);
  const gchar *name;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      GPid pid = (GPid) g_ascii_strtoll (name, NULL, 10);

      if (pid > 0 && proc_parent (pid) == parent)
        return TRUE;
    }
  return FALSE;
}

static void
wait_no_child (GPid parent)
{
  gint64 deadline = g_get_monotonic_time () + HANG_GUARD_MS * 1000;

  while (has_child (parent))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("%d still has a child", (gint) parent);
      g_usleep (20000);
    }
}

/* A ustreamer slow to serve: the reload is answered once it does, and
 * the host's other clients are served all along. */
static void
test_ustreamer_reload_slow (void)
{
  Fixture fx = { 0 };
  g_autoptr(GDBusConnection) reloader = NULL;
  g_autoptr(GDBusConnection) other = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *name = NULL;
  JmpTestCall call = { 0 };

  fixture_start (&fx, ECHO_CONFIG);
  reloader = jmp_test_host_connect_dbus (fx.host);
  other = jmp_test_host_connect_dbus (fx.host);
  reload_adding_cam (&fx, reloader, "start-delay: 3", "start_timeout: 20", &call);
  assert_served_while_pending (&fx, other);

  jmp_test_wait_flag (&call.done, HANG_GUARD_MS);
  g_assert_no_error (call.error);
  name = jmp_test_get_driver_name (other, "cam", PROMPT_MS, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (name, ==, "cam");

  fixture_stop (&fx);
}

/* A ustreamer that never serves: the reload fails after start_timeout as
 * the start-up would, the old tree is still served, nothing is left. */
static void
test_ustreamer_reload_timeout (void)
{
  Fixture fx = { 0 };
  g_autoptr(GDBusConnection) reloader = NULL;
  g_autoptr(GDBusConnection) other = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *name = NULL;
  JmpTestCall call = { 0 };
  GPid host;
  guint fds;

  fixture_start (&fx, ECHO_CONFIG);
  host = jmp_test_host_get_pid (fx.host);
  reloader = jmp_test_host_connect_dbus (fx.host);
  other = jmp_test_host_connect_dbus (fx.host);
  fds = jmp_test_count_fds (host);
  reload_adding_cam (&fx, reloader, "start-delay: 600", "start_timeout: 3", &call);
  assert_served_while_pending (&fx, other);

  jmp_test_wait_flag (&call.done, HANG_GUARD_MS);
  g_assert_nonnull (call.error);
  assert_contains (call.error->message, "export.cam: failed to start UStreamer: ");
  assert_contains (call.error->message, "did not answer on its socket within 3 s (start_timeout)");
  assert_contains (call.error->message, "fake ustreamer starting");
  g_clear_error (&call.error);

  name = jmp_test_get_driver_name (other, "echo", PROMPT_MS, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (name, ==, "echo");
  g_assert_null (jmp_test_get_driver_name (other, "cam", PROMPT_MS, &error));
  g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD);

  /* the file watch may have asked for a reload of its own, which fails
   * the same way: once it did, no child and no fd is left */
  wait_no_child (host);
  g_assert_cmpuint (jmp_test_wait_fds (host, fds, HANG_GUARD_MS), ==, fds);
  fixture_stop (&fx);
}

/* SIGTERM while a reload waits for ustreamer: the host stops at once,
 * cleanly, and takes the child with it. */
static void
test_ustreamer_reload_sigterm (void)
{
  Fixture fx = { 0 };
  g_autoptr(GDBusConnection) reloader = NULL;
  JmpTestCall call = { 0 };
  GPid ustreamer;

  fixture_start (&fx, ECHO_CONFIG);
  reloader = jmp_test_host_connect_dbus (fx.host);
  reload_adding_cam (&fx, reloader, "start-delay: 600", "start_timeout: 60", &call);
  ustreamer = find_child (jmp_test_host_get_pid (fx.host));

  /* within jmp_test_host_stop's guard, far below start_timeout */
  jmp_test_host_stop (fx.host);
  assert_process_gone (ustreamer, HANG_GUARD_MS);
  jmp_test_wait_flag (&call.done, HANG_GUARD_MS);
  g_assert_nonnull (call.error);
  g_clear_error (&call.error);
  fixture_stop (&fx);
}

/* ------------------------------------------------------------------------ */
/* Reloads that remove a UStreamer whose ustreamer ignores SIGTERM */

typedef struct {
  gchar *mark;  /* created by the fake when SIGTERM comes */
  GPid   pid;
  gchar *dir;   /* its private directory */
} StuckCam;

static void
stuck_cam_clear (StuckCam *cam)
{
  g_clear_pointer (&cam->mark, g_free);
  g_clear_pointer (&cam->dir, g_free);
}

/* Adds a UStreamer "cam" whose ustreamer ignores SIGTERM, and waits for it. */
static void
add_stuck_cam (Fixture *fx, GDBusConnection *reloader, StuckCam *cam)
{
  g_autofree gchar *fake_args = NULL;
  g_auto(GStrv) argv = NULL;
  JmpTestCall call = { 0 };

  cam->mark = g_build_filename (fx->dir, "sigterm", NULL);
  fake_args = g_strdup_printf ("ignore-sigterm: %s", cam->mark);
  reload_adding_cam (fx, reloader, fake_args, "start_timeout: 20", &call);
  jmp_test_wait_flag (&call.done, HANG_GUARD_MS);
  g_assert_no_error (call.error);
  cam->pid = find_child (jmp_test_host_get_pid (fx->host));
  argv = proc_cmdline (cam->pid);
  g_assert_nonnull (strv_option (argv, "--unix"));
  cam->dir = g_path_get_dirname (strv_option (argv, "--unix"));
  g_assert_true (g_file_test (cam->dir, G_FILE_TEST_IS_DIR));
}

/* Reloads without the cam, and checks that the host serves @other while
 * the cam's ustreamer, sent SIGTERM, is still there. */
static void
remove_stuck_cam (Fixture *fx, GDBusConnection *reloader, GDBusConnection *other,
                  StuckCam *cam, JmpTestCall *call)
{
  gint64 deadline = g_get_monotonic_time () + HANG_GUARD_MS * 1000;

  g_free (jmp_test_write_file (fx->dir, "video.yaml", ECHO_CONFIG));
  jmp_test_call_reload (reloader, call);
  while (!g_file_test (cam->mark, G_FILE_TEST_EXISTS))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("the cam's ustreamer got no SIGTERM");
      g_usleep (20000);
    }
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree gchar *name = jmp_test_get_driver_name (other, "echo", PROMPT_MS, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (name, ==, "echo");
    }
  /* the answers came while the child still ran: SIGKILL is 5 s away */
  g_assert_cmpint (proc_state (cam->pid), !=, 0);
}

static void
wait_file_gone (const gchar *path)
{
  gint64 deadline = g_get_monotonic_time () + HANG_GUARD_MS * 1000;

  while (g_file_test (path, G_FILE_TEST_EXISTS))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("%s is still there", path);
      g_usleep (20000);
    }
}

/* The stop does not block the host; SIGKILL ends the child, and nothing
 * is left. */
static void
test_ustreamer_remove_stuck (void)
{
  Fixture fx = { 0 };
  g_autoptr(GDBusConnection) reloader = NULL;
  g_autoptr(GDBusConnection) other = NULL;
  g_autoptr(GError) error = NULL;
  JmpTestCall call = { 0 };
  StuckCam cam = { 0 };
  GPid host;
  guint fds;

  fixture_start (&fx, ECHO_CONFIG);
  host = jmp_test_host_get_pid (fx.host);
  reloader = jmp_test_host_connect_dbus (fx.host);
  other = jmp_test_host_connect_dbus (fx.host);
  fds = jmp_test_count_fds (host);
  add_stuck_cam (&fx, reloader, &cam);
  remove_stuck_cam (&fx, reloader, other, &cam, &call);

  /* answered with the new tree in place */
  jmp_test_wait_flag (&call.done, HANG_GUARD_MS);
  g_assert_no_error (call.error);
  g_assert_null (jmp_test_get_driver_name (other, "cam", PROMPT_MS, &error));
  g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD);

  /* it ignores SIGTERM: only SIGKILL ends it */
  assert_process_gone (cam.pid, HANG_GUARD_MS);
  wait_file_gone (cam.dir);
  wait_no_child (host);
  g_assert_cmpuint (jmp_test_wait_fds (host, fds, HANG_GUARD_MS), ==, fds);
  fixture_stop (&fx);
  stuck_cam_clear (&cam);
}

/* SIGTERM to the host while the stop waits: it exits 0 once the child is
 * killed, and leaves neither the child nor its directory. */
static void
test_ustreamer_remove_stuck_sigterm (void)
{
  Fixture fx = { 0 };
  g_autoptr(GDBusConnection) reloader = NULL;
  g_autoptr(GDBusConnection) other = NULL;
  JmpTestCall call = { 0 };
  StuckCam cam = { 0 };

  fixture_start (&fx, ECHO_CONFIG);
  reloader = jmp_test_host_connect_dbus (fx.host);
  other = jmp_test_host_connect_dbus (fx.host);
  add_stuck_cam (&fx, reloader, &cam);
  remove_stuck_cam (&fx, reloader, other, &cam, &call);

  jmp_test_host_stop (fx.host);
  /* the host is gone: what it left would stay */
  g_assert_cmpint (proc_state (cam.pid), ==, 0);
  g_assert_false (g_file_test (cam.dir, G_FILE_TEST_EXISTS));
  jmp_test_wait_flag (&call.done, HANG_GUARD_MS);
  g_clear_error (&call.error);
  fixture_stop (&fx);
  stuck_cam_clear (&cam);
}

/* The same cam added back while its old ustreamer is still stopping: the
 * reload waits for the old one to be gone, then starts a new one in a
 * directory of its own. */
static void
test_ustreamer_readd_while_stopping (void)
{
  Fixture fx = { 0 };
  g_autoptr(GDBusConnection) reloader = NULL;
  g_autoptr(GDBusConnection) other = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *name = NULL;
  g_autofree gchar *fake_args = NULL;
  JmpTestCall removed = { 0 };
  JmpTestCall added = { 0 };
  StuckCam cam = { 0 };
  g_auto(GStrv) argv = NULL;
  GPid ustreamer;

  fixture_start (&fx, ECHO_CONFIG);
  reloader = jmp_test_host_connect_dbus (fx.host);
  other = jmp_test_host_connect_dbus (fx.host);
  add_stuck_cam (&fx, reloader, &cam);
  remove_stuck_cam (&fx, reloader, other, &cam, &removed);

  fake_args = g_strdup_printf ("ignore-sigterm: %s", cam.mark);
  reload_adding_cam (&fx, reloader, fake_args, "start_timeout: 20", &added);
  jmp_test_wait_flag (&added.done, HANG_GUARD_MS);
  g_assert_no_error (added.error);
  /* an order, not a time: the new tree came after the old child went */
  g_assert_cmpint (proc_state (cam.pid), ==, 0);
  g_assert_false (g_file_test (cam.dir, G_FILE_TEST_EXISTS));
  name = jmp_test_get_driver_name (other, "cam", PROMPT_MS, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (name, ==, "cam");
  ustreamer = find_child (jmp_test_host_get_pid (fx.host));
  g_assert_cmpint (ustreamer, !=, cam.pid);
  argv = proc_cmdline (ustreamer);
  g_assert_false (g_str_has_prefix (strv_option (argv, "--unix"), cam.dir));

  jmp_test_wait_flag (&removed.done, HANG_GUARD_MS);
  g_assert_no_error (removed.error);
  /* the new child ignores SIGTERM too: the host's stop kills it */
  fixture_stop (&fx);
  assert_process_gone (ustreamer, HANG_GUARD_MS);
  stuck_cam_clear (&cam);
}

/* ------------------------------------------------------------------------ */
/* HttpVideo */

static GSubprocess *
mjpeg_server_new (gboolean chunked, guint16 *port)
{
  g_autofree gchar *script = g_test_build_filename (G_TEST_DIST, "video", "mjpeg-server.py", NULL);
  g_autofree gchar *size = g_strdup_printf ("%d", FRAME_SIZE);
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *line = NULL;
  GSubprocess *server;

  const gchar *argv[] = { "/usr/bin/python3", script, "--port", "0", "--fps", "25",
                          "--frame-size", size, chunked ? "--chunked" : NULL, NULL };

  server = jmp_test_spawnv (G_SUBPROCESS_FLAGS_STDOUT_PIPE, argv, &error);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  *port = (guint16) g_ascii_strtoull (line, NULL, 10);
  g_assert_cmpuint (*port, >, 0);
  return server;
}

static void
mjpeg_server_free (GSubprocess *server)
{
  g_subprocess_force_exit (server);
  g_subprocess_wait (server, NULL, NULL);
  g_object_unref (server);
}

static void
assert_test_frame (GBytes *jpeg)
{
  assert_jpeg (jpeg);
  g_assert_cmpuint (g_bytes_get_size (jpeg), ==, FRAME_SIZE);
  g_assert_nonnull (memmem (g_bytes_get_data (jpeg, NULL), 64, "frame ", 6));
}

static void
check_http_video (Fixture *fx, const gchar *name, const gchar *url, const gchar *stream_path)
{
  JmpDriverProxy *driver = NULL;
  JmpVideoProxy *video = get_video (fx, name, &driver);
  JmpNetworkProxy *network = jmp_driver_proxy_get_network (driver);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) state = NULL;
  g_autofree gchar *address = NULL;
  g_autoptr(GSocket) socket = NULL;
  static const gchar request[] = "GET /snapshot HTTP/1.0\r\nHost: localhost\r\n\r\n";
  gchar reply[64] = { 0 };
  gboolean online = FALSE;
  guint32 fps;

  g_assert_cmpstr (jmp_driver_proxy_get_type_name (driver), ==, "HttpVideo");
  g_assert_cmpstr (jmp_video_proxy_get_stream_path (video), ==, stream_path);

  /* several in a row: a snapshot taken from the endless stream lets go of it */
  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(GBytes) jpeg = jmp_video_proxy_snapshot_sync (video, NULL, &error);

      g_assert_no_error (error);
      assert_test_frame (jpeg);
    }

  state = jmp_video_proxy_get_state_sync (video, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_variant_lookup (state, "online", "b", &online));
  g_assert_true (online);
  g_assert_cmpuint (state_uint (state, "width"), ==, 320);
  g_assert_cmpuint (state_uint (state, "height"), ==, 240);
  /* only what the source knows */
  g_assert_false (g_variant_lookup (state, "desired_fps", "u", &fps));

  address = jmp_network_proxy_get_address_sync (network, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (address, ==, url);

  socket = jmp_network_proxy_connect_socket_sync (network, NULL, &error);
  g_assert_no_error (error);
  g_socket_set_timeout (socket, HANG_GUARD_MS / 1000);
  g_assert_cmpint (g_socket_send (socket, request, sizeof request - 1, NULL, &error), ==,
                   sizeof request - 1);
  g_assert_cmpint (g_socket_receive (socket, reply, 12, NULL, &error), >, 0);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (reply, "HTTP/1."));
  g_object_unref (driver);
}

/* ustreamer's HTTP replies are read by the plugin itself: a broken one is
 * a clear error, never a crash or a hang, and the host goes on. */
static void
test_ustreamer_bad_reply (void)
{
  static const struct {
    const gchar *reply;
    gint         code;
    const gchar *message;
  } cases[] = {
    { "SSH-2.0-OpenSSH_9.2\r\n", JMP_ERROR_FAILED, "not a valid HTTP reply: bad status line" },
    { "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort", JMP_ERROR_UNAVAILABLE,
      "ustreamer closed the connection before the end of its reply" },
    { "HTTP/1.1 200 OK\r\nContent-Length: 999999999999\r\n\r\n", JMP_ERROR_FAILED,
      "the reply is 999999999999 bytes, more than" },
    { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
      JMP_ERROR_FAILED, "Transfer-Encoding" },
    { "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
      JMP_ERROR_FAILED, "conflicting Content-Length" },
    { "HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n", JMP_ERROR_UNAVAILABLE, "HTTP 503 Busy" },
    { "HTTP/1.1 200 OK\r\n", JMP_ERROR_UNAVAILABLE,
      "ustreamer closed the connection before the end of its reply" },
    { "", JMP_ERROR_UNAVAILABLE, "ustreamer closed the connection before the end of its reply" },
  };
  Fixture fx = { 0 };
  JmpDriverProxy *driver = NULL;
  JmpVideoProxy *video;
  g_autofree gchar *dir = jmp_test_mkdtemp ();
  g_autofree gchar *reply_file = jmp_test_write_file (dir, "reply", "");
  g_autofree gchar *state_file = jmp_test_write_file (dir, "state.json", "{}");
  g_autofree gchar *args = g_strdup_printf ("{state-file: %s, snapshot-reply-file: %s}",
                                            state_file, reply_file);
  g_autoptr(GBytes) jpeg = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) huge = g_string_new ("HTTP/1.1 200 OK\r\n");

  video = start_fake_ustreamer (&fx, args, &driver);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_free (jmp_test_write_file (dir, "reply", cases[i].reply));
      jpeg = jmp_video_proxy_snapshot_sync (video, NULL, &error);
      g_assert_null (jpeg);
      g_assert_error (error, JMP_ERROR, cases[i].code);
      assert_contains (error->message, "cam: ustreamer's /snapshot: ");
      assert_contains (error->message, cases[i].message);
      g_clear_error (&error);
    }

  /* headers without end */
  while (huge->len < 100000)
    g_string_append (huge, "X-Filler: 0123456789abcdef\r\n");
  g_free (jmp_test_write_file (dir, "reply", huge->str));
  jpeg = jmp_video_proxy_snapshot_sync (video, NULL, &error);
  g_assert_null (jpeg);
  g_assert_error (error, JMP_ERROR, JMP_ERROR_FAILED);
  assert_contains (error->message, "a head longer than 16384 bytes");
  g_clear_error (&error);

  /* a body that runs until the server closes is whole */
  g_free (jmp_test_write_file (dir, "reply", "HTTP/1.0 200 OK\r\n\r\n\xff\xd8 until the end \xff\xd9"));
  jpeg = jmp_video_proxy_snapshot_sync (video, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (jpeg, NULL), g_bytes_get_size (jpeg),
                   "\xff\xd8 until the end \xff\xd9", 19);
  g_clear_pointer (&jpeg, g_bytes_unref);

  /* and the host goes on */
  g_free (jmp_test_write_file (dir, "reply", "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n\xff\xd8 .\xff\xd9"));
  jpeg = jmp_video_proxy_snapshot_sync (video, NULL, &error);
  g_assert_no_error (error);
  assert_jpeg (jpeg);

  g_object_unref (driver);
  fixture_stop (&fx);
  jmp_test_rmdir (dir);
}

static void
count_snapshot_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  guint *done = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) jpeg = jmp_video_proxy_snapshot_finish (JMP_VIDEO_PROXY (source), res, &error);

  g_assert_no_error (error);
  assert_jpeg (jpeg);
  (*done)++;
}

/* Snapshots one after the other, then more at once than the driver opens
 * connections to ustreamer (the others wait their turn, or for room in the
 * server's backlog): all are answered, and no more connections stay open
 * than the few kept alive. With @close_after_reply, the server closes
 * every connection after its reply, as ustreamer closes idle ones (its
 * --server-timeout): the driver replaces them and no call fails. */
static void
test_ustreamer_connections (gconstpointer close_after_reply)
{
  Fixture fx = { 0 };
  JmpDriverProxy *driver = NULL;
  JmpVideoProxy *video;
  g_autofree gchar *dir = jmp_test_mkdtemp ();
  g_autofree gchar *state_file = jmp_test_write_file (dir, "state.json", "{}");
  g_autofree gchar *snapshot_file = jmp_test_write_file (dir, "frame.jpg", "\xff\xd8 frame \xff\xd9");
  g_autofree gchar *args = g_strdup_printf ("{state-file: %s, snapshot-file: %s, close-after-reply: %s}",
                                            state_file, snapshot_file,
                                            close_after_reply != NULL ? "true" : "false");
  gint64 deadline = g_get_monotonic_time () + HANG_GUARD_MS * 1000;
  guint done = 0, fds;

  video = start_fake_ustreamer (&fx, args, &driver);
  fds = jmp_test_count_fds (jmp_test_host_get_pid (fx.host));

  for (guint i = 0; i < 50; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) jpeg = jmp_video_proxy_snapshot_sync (video, NULL, &error);

      g_assert_no_error (error);
      assert_jpeg (jpeg);
      /* now and then, give a close time to arrive before the next request */
      if (i % 10 == 0)
        g_usleep (20000);
    }

  for (guint i = 0; i < 60; i++)
    jmp_video_proxy_snapshot (video, NULL, count_snapshot_cb, &done);
  while (done < 60 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (done, ==, 60);
  /* four connections kept alive at most */
  jmp_test_wait_fds_at_most (jmp_test_host_get_pid (fx.host), fds + 4, HANG_GUARD_MS);

  g_object_unref (driver);
  fixture_stop (&fx);
  jmp_test_rmdir (dir);
}

static void
test_http_video (void)
{
  Fixture fx = { 0 };
  guint16 plain_port, chunked_port;
  GSubprocess *plain = mjpeg_server_new (FALSE, &plain_port);
  GSubprocess *chunked = mjpeg_server_new (TRUE, &chunked_port);
  g_autofree gchar *plain_url = g_strdup_printf ("http://127.0.0.1:%u/stream", plain_port);
  g_autofree gchar *query_url = g_strdup_printf ("http://127.0.0.1:%u/stream?fps=25&q=1", plain_port);
  g_autofree gchar *chunked_url = g_strdup_printf ("http://127.0.0.1:%u/stream", chunked_port);
  g_autofree gchar *yaml = NULL;
  guint fds;

  yaml = g_strdup_printf ("export:\n"
                          "  plain: {type: HttpVideo, config: {url: \"%s\"}}\n"
                          "  query: {type: jumpstarter_driver_video.driver.HttpVideo, config: {url: \"%s\"}}\n"
                          "  chunked: {type: HttpVideo, config: {url: \"%s\"}}\n"
                          "  snap: {type: HttpVideo, config: {url: \"%s\", snapshot_url: \"http://127.0.0.1:%u/snapshot\"}}\n"
                          "  chunkedsnap: {type: HttpVideo, config: {url: \"%s\", snapshot_url: \"http://127.0.0.1:%u/snapshot\"}}\n",
                          plain_url, query_url, chunked_url, plain_url, plain_port,
                          chunked_url, chunked_port);
  fixture_start (&fx, yaml);
  check_http_video (&fx, "plain", plain_url, "/stream");
  fds = jmp_test_count_fds (jmp_test_host_get_pid (fx.host));
  check_http_video (&fx, "query", query_url, "/stream?fps=25&q=1");
  check_http_video (&fx, "chunked", chunked_url, "/stream");
  check_http_video (&fx, "snap", plain_url, "/stream");
  check_http_video (&fx, "chunkedsnap", chunked_url, "/stream");
  /* the endless streams were let go, not kept open */
  check_http_video (&fx, "plain", plain_url, "/stream");
  jmp_test_wait_fds_at_most (jmp_test_host_get_pid (fx.host), fds + 8, HANG_GUARD_MS);

  fixture_stop (&fx);
  mjpeg_server_free (plain);
  mjpeg_server_free (chunked);
}

/* A host that takes a snapshot every second runs for months: many
 * snapshots from the first part of the endless stream, plain and chunked,
 * are all whole frames, and every connection is let go (the sanitizer
 * run checks that nothing of them is left in memory either). */
static void
test_http_video_many_snapshots (void)
{
  Fixture fx = { 0 };
  guint16 plain_port, chunked_port;
  GSubprocess *plain = mjpeg_server_new (FALSE, &plain_port);
  GSubprocess *chunked = mjpeg_server_new (TRUE, &chunked_port);
  g_autofree gchar *yaml = NULL;
  JmpDriverProxy *drivers[2] = { NULL, NULL };
  JmpVideoProxy *videos[2];
  GPid host;
  guint fds;

  yaml = g_strdup_printf ("export:\n"
                          "  plain: {type: HttpVideo, config: {url: \"http://127.0.0.1:%u/stream\"}}\n"
                          "  chunked: {type: HttpVideo, config: {url: \"http://127.0.0.1:%u/stream\"}}\n",
                          plain_port, chunked_port);
  fixture_start (&fx, yaml);
  host = jmp_test_host_get_pid (fx.host);
  videos[0] = get_video (&fx, "plain", &drivers[0]);
  videos[1] = get_video (&fx, "chunked", &drivers[1]);
  fds = jmp_test_count_fds (host);

  for (guint i = 0; i < 300; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) jpeg = jmp_video_proxy_snapshot_sync (videos[i % 2], NULL, &error);

      g_assert_no_error (error);
      assert_test_frame (jpeg);
    }
  g_assert_cmpuint (jmp_test_wait_fds_at_most (host, fds, HANG_GUARD_MS), <=, fds);

  g_object_unref (drivers[0]);
  g_object_unref (drivers[1]);
  fixture_stop (&fx);
  mjpeg_server_free (plain);
  mjpeg_server_free (chunked);
}

/* Streams that go wrong before their first JPEG: each a clear error, a
 * part that is no JPEG skipped, and the host goes on. */
static void
test_http_video_odd_streams (void)
{
  static const struct {
    const gchar *path;
    gint         code;
    const gchar *message;   /* NULL: a frame */
  } cases[] = {
    { "/empty", JMP_ERROR_UNAVAILABLE, "the stream ended before its first frame" },
    { "/cut", JMP_ERROR_UNAVAILABLE, "the stream ended before its first frame" },
    { "/text-first", 0, NULL },
    { "/bad-length", JMP_ERROR_FAILED, "invalid Content-Length \"-1\"" },
    { "/stream", 0, NULL },
  };
  Fixture fx = { 0 };
  guint16 plain_port, chunked_port;
  GSubprocess *plain = mjpeg_server_new (FALSE, &plain_port);
  GSubprocess *chunked = mjpeg_server_new (TRUE, &chunked_port);
  g_autoptr(GString) yaml = g_string_new ("export:\n");

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    for (guint c = 0; c < 2; c++)
      g_string_append_printf (yaml, "  cam%zu%c: {type: HttpVideo, config: {url: \"http://127.0.0.1:%u%s\"}}\n",
                              i, c ? 'c' : 'p', c ? chunked_port : plain_port, cases[i].path);
  fixture_start (&fx, yaml->str);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    for (guint c = 0; c < 2; c++)
      {
        g_autofree gchar *name = g_strdup_printf ("cam%zu%c", i, c ? 'c' : 'p');
        g_autofree gchar *prefix = g_strdup_printf ("%s: GET http://127.0.0.1:%u%s: ", name,
                                                    c ? chunked_port : plain_port, cases[i].path);
        JmpDriverProxy *driver = NULL;
        JmpVideoProxy *video = get_video (&fx, name, &driver);
        g_autoptr(GError) error = NULL;
        g_autoptr(GBytes) jpeg = jmp_video_proxy_snapshot_sync (video, NULL, &error);

        g_test_message ("%s %s", name, cases[i].path);
        if (cases[i].message == NULL)
          {
            g_assert_no_error (error);
            assert_test_frame (jpeg);
          }
        else
          {
            g_assert_null (jpeg);
            g_assert_error (error, JMP_ERROR, cases[i].code);
            assert_contains (error->message, prefix);
            assert_contains (error->message, cases[i].message);
          }
        g_object_unref (driver);
      }

  fixture_stop (&fx);
  mjpeg_server_free (plain);
  mjpeg_server_free (chunked);
}

static void
test_http_video_offline (void)
{
  Fixture fx = { 0 };
  JmpDriverProxy *driver = NULL;
  JmpVideoProxy *video;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) state = NULL;
  g_autoptr(GBytes) jpeg = NULL;
  g_autoptr(GSocket) socket = NULL;
  gboolean online = TRUE;
  guint32 width;

  /* port 1 on loopback: nothing listens there */
  fixture_start (&fx,
                 "export:\n"
                 "  cam: {type: HttpVideo, config: {url: \"http://127.0.0.1:1/stream\"}}\n"
                 "  tls: {type: HttpVideo, config: {url: \"https://127.0.0.1:1/stream\"}}\n");
  video = get_video (&fx, "cam", &driver);
  state = jmp_video_proxy_get_state_sync (video, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_variant_lookup (state, "online", "b", &online));
  g_assert_false (online);
  g_assert_false (g_variant_lookup (state, "width", "u", &width));
  jpeg = jmp_video_proxy_snapshot_sync (video, NULL, &error);
  g_assert_error (error, JMP_ERROR, JMP_ERROR_CONNECTION_REFUSED);
  assert_contains (error->message, "cam: GET http://127.0.0.1:1/stream: ");
  g_clear_error (&error);
  socket = jmp_network_proxy_connect_socket_sync (jmp_driver_proxy_get_network (driver),
                                                  NULL, &error);
  g_assert_error (error, JMP_ERROR, JMP_ERROR_CONNECTION_REFUSED);
  g_clear_error (&error);
  g_object_unref (driver);

  /* https: snapshots would work, a raw stream is refused with the reason */
  video = get_video (&fx, "tls", &driver);
  socket = jmp_network_proxy_connect_socket_sync (jmp_driver_proxy_get_network (driver),
                                                  NULL, &error);
  g_assert_error (error, JMP_ERROR, JMP_ERROR_NOT_SUPPORTED);
  assert_contains (error->message, "https");
  g_object_unref (driver);
  fixture_stop (&fx);
}

static void
test_http_video_config_errors (void)
{
  static const struct {
    const gchar *config;
    const gchar *message;
  } cases[] = {
    { "{}", "export.cam: failed to start HttpVideo: config key url is required" },
    { "{url: \"ftp://example.com/x\"}", "url: \"ftp://example.com/x\" is not an http or https URL" },
    { "{url: \"http:///stream\"}", "url: \"http:///stream\" has no host" },
    { "{url: \"not a url\"}", "url: \"not a url\" is not a URL" },
    { "{url: \"http://cam/stream\", snapshot_url: \"file:///etc/passwd\"}",
      "snapshot_url: \"file:///etc/passwd\" is not an http or https URL" },
    { "{url: 42}", "export.cam.config.url: expected a string, got 42" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree gchar *yaml = g_strdup_printf ("export:\n  cam: {type: HttpVideo, config: %s}\n",
                                                cases[i].config);
      g_autofree gchar *err = host_run_failing (yaml, NULL);

      assert_contains (err, cases[i].message);
    }
}

/* The plugin's types, as `jmp inspect` and the config loader see them */
static void
test_registry (void)
{
  static const struct {
    const gchar *name;
    const gchar *alias;
    const gchar *keys[4];
  } types[] = {
    { "UStreamer", "jumpstarter_driver_ustreamer.driver.UStreamer",
      { "executable", "args", "start-timeout", NULL } },
    { "HttpVideo", "jumpstarter_driver_video.driver.HttpVideo",
      { "url", "snapshot-url", NULL } },
  };
  g_autoptr(JmpRegistry) registry = jmp_registry_new ();
  g_auto(GStrv) dirs = g_strsplit (g_getenv ("JUMPSTARTER_PLUGIN_PATH"), ":", -1);
  g_autoptr(GTypeClass) ustreamer_class = NULL;
  GParamSpec *pspec;

  for (guint i = 0; dirs[i] != NULL; i++)
    jmp_registry_load_dir (registry, dirs[i]);

  for (gsize i = 0; i < G_N_ELEMENTS (types); i++)
    {
      GType type = jmp_registry_lookup (registry, types[i].name);
      g_autoptr(GTypeClass) klass = NULL;

      g_assert_true (type != G_TYPE_INVALID);
      g_assert_true (g_type_is_a (type, JMP_TYPE_VIDEO));
      g_assert_true (g_type_is_a (type, JMP_TYPE_NETWORK));
      g_assert_true (jmp_registry_lookup (registry, types[i].alias) == type);
      klass = g_type_class_ref (type);
      for (guint k = 0; types[i].keys[k] != NULL; k++)
        {
          pspec = g_object_class_find_property (G_OBJECT_CLASS (klass), types[i].keys[k]);
          if (pspec == NULL)
            g_error ("%s has no config key %s", types[i].name, types[i].keys[k]);
          g_assert_nonnull (g_param_spec_get_blurb (pspec));
          g_assert_true ((pspec->flags & G_PARAM_READWRITE) == G_PARAM_READWRITE);
        }
    }

  ustreamer_class = g_type_class_ref (jmp_registry_lookup (registry, "UStreamer"));
  pspec = g_object_class_find_property (G_OBJECT_CLASS (ustreamer_class), "args");
  g_assert_true (G_PARAM_SPEC_VALUE_TYPE (pspec) == JSON_TYPE_OBJECT);
  pspec = g_object_class_find_property (G_OBJECT_CLASS (ustreamer_class), "start-timeout");
  g_assert_cmpfloat (G_PARAM_SPEC_DOUBLE (pspec)->default_value, ==, 10);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/video/registry", test_registry);
  g_test_add_func ("/video/ustreamer/basics", test_ustreamer_basics);
  g_test_add_func ("/video/ustreamer/config-errors", test_ustreamer_config_errors);
  g_test_add_func ("/video/ustreamer/not-on-path", test_ustreamer_not_on_path);
  g_test_add_func ("/video/ustreamer/start-timeout", test_ustreamer_start_timeout);
  g_test_add_func ("/video/ustreamer/restart", test_ustreamer_restart);
  g_test_add_func ("/video/ustreamer/host-killed", test_ustreamer_host_killed);
  g_test_add_func ("/video/ustreamer/bad-json", test_ustreamer_bad_json);
  g_test_add_func ("/video/ustreamer/bad-reply", test_ustreamer_bad_reply);
  g_test_add_func ("/video/ustreamer/reload-slow", test_ustreamer_reload_slow);
  g_test_add_func ("/video/ustreamer/reload-timeout", test_ustreamer_reload_timeout);
  g_test_add_func ("/video/ustreamer/reload-sigterm", test_ustreamer_reload_sigterm);
  g_test_add_func ("/video/ustreamer/remove-stuck", test_ustreamer_remove_stuck);
  g_test_add_func ("/video/ustreamer/remove-stuck-sigterm", test_ustreamer_remove_stuck_sigterm);
  g_test_add_func ("/video/ustreamer/readd-while-stopping", test_ustreamer_readd_while_stopping);
  g_test_add_data_func ("/video/ustreamer/connections", NULL, test_ustreamer_connections);
  g_test_add_data_func ("/video/ustreamer/connections-closed", GINT_TO_POINTER (1),
                        test_ustreamer_connections);
  g_test_add_func ("/video/http-video/streams", test_http_video);
  g_test_add_func ("/video/http-video/many-snapshots", test_http_video_many_snapshots);
  g_test_add_func ("/video/http-video/odd-streams", test_http_video_odd_streams);
  g_test_add_func ("/video/http-video/offline", test_http_video_offline);
  g_test_add_func ("/video/http-video/config-errors", test_http_video_config_errors);
  return g_test_run ();
}
