/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The video commands of the real jmp ($JMP_TEST_CLI) against a real
 * jumpstarter-host with a UStreamer (Debian's ustreamer, no camera: its
 * "NO SIGNAL" frame) and HttpVideo drivers on tests/video/mjpeg-server.py:
 * state, snapshot, and the stream server with many viewers, a stalled
 * viewer, a failing source and a real browser.
 *
 * One host and its sources serve every test case: starting them is most
 * of the time a case would take.
 */
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "jmp-mjpeg-reader.h"
#include "jmp-test-common.h"
#include "jmp-video-upstream.h"

/* the fast source: 30 fps of 100 KiB frames */
#define HTTP_FPS        30
#define HTTP_FRAME_SIZE (100 * 1024)

typedef struct {
  gchar       *dir;
  GSubprocess *mjpeg;          /* mjpeg-server.py, plain */
  GSubprocess *mjpeg_chunked;  /* mjpeg-server.py --chunked */
  guint16      mjpeg_port;
  guint16      mjpeg_chunked_port;
  JmpTestHost *host;
  JmpClient   *client;
  SoupSession *session;
} Bench;

static Bench bench;

/* ---- helpers ------------------------------------------------------------- */

/* g_strndup() of an empty GBytes' NULL data is NULL: never that here */
static gchar *
bytes_to_string (GBytes *bytes)
{
  gsize size = 0;
  const gchar *data = g_bytes_get_data (bytes, &size);

  return size > 0 ? g_strndup (data, size) : g_strdup ("");
}

static gchar *
read_line (GSubprocess *process)
{
  g_autoptr(GDataInputStream) in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  g_autoptr(GError) error = NULL;
  gchar *line;

  /* one line only: the buffered stream must not swallow more than that */
  g_buffered_input_stream_set_buffer_size (G_BUFFERED_INPUT_STREAM (in), 1);
  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (in), FALSE);
  line = g_data_input_stream_read_line (in, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  return line;
}

static GSubprocess *
start_mjpeg_server (gboolean chunked, guint16 *port)
{
  g_autofree gchar *script = g_test_build_filename (G_TEST_DIST, "video", "mjpeg-server.py", NULL);
  g_autofree gchar *fps = g_strdup_printf ("%u", HTTP_FPS);
  g_autofree gchar *size = g_strdup_printf ("%u", HTTP_FRAME_SIZE);
  g_autoptr(GError) error = NULL;
  g_autofree gchar *line = NULL;
  GSubprocess *process;
  guint64 value = 0;

  process = jmp_test_spawn (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                            "/usr/bin/python3", script, "--port", "0", "--fps", fps,
                            "--frame-size", size, chunked ? "--chunked" : NULL, NULL);
  g_assert_no_error (error);
  line = read_line (process);
  g_assert_true (g_ascii_string_to_unsigned (line, 10, 1, G_MAXUINT16, &value, NULL));
  *port = value;
  return process;
}

/* jmp with JUMPSTARTER_HOST set, killed if the test dies. */
static void
jmp_child_setup (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static GSubprocess *
spawn_jmp (GSubprocessFlags flags, const gchar *cwd, const gchar * const *args)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (flags);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  GSubprocess *process;

  g_ptr_array_add (argv, (gpointer) g_getenv ("JMP_TEST_CLI"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  g_subprocess_launcher_setenv (launcher, JMP_HOST_ENV, jmp_test_host_get_address (bench.host), TRUE);
  g_subprocess_launcher_set_child_setup (launcher, jmp_child_setup, NULL, NULL);
  if (cwd != NULL)
    g_subprocess_launcher_set_cwd (launcher, cwd);
  process = g_subprocess_launcher_spawnv (launcher, (const gchar * const *) argv->pdata, &error);
  g_assert_no_error (error);
  return process;
}

typedef struct {
  gint    status;
  GBytes *out;
  gchar  *err;
} JmpRun;

static void
jmp_run_free (JmpRun *run)
{
  g_bytes_unref (run->out);
  g_free (run->err);
  g_free (run);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (JmpRun, jmp_run_free)

static JmpRun *
run_jmp_in (const gchar *cwd, const gchar * const *args)
{
  g_autoptr(GSubprocess) process = spawn_jmp (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                                              cwd, args);
  g_autoptr(GBytes) err = NULL;
  g_autoptr(GError) error = NULL;
  JmpRun *run = g_new0 (JmpRun, 1);

  g_subprocess_communicate (process, NULL, NULL, &run->out, &err, &error);
  g_assert_no_error (error);
  run->err = bytes_to_string (err);
  run->status = g_subprocess_get_if_exited (process) ? g_subprocess_get_exit_status (process) : 128;
  return run;
}

#define run_jmp(...) run_jmp_in (NULL, (const gchar * const[]) { __VA_ARGS__, NULL })

static void
assert_success (JmpRun *run)
{
  if (run->status != 0 || *run->err != '\0')
    g_test_message ("stderr: %s", run->err);
  g_assert_cmpint (run->status, ==, 0);
  g_assert_cmpstr (run->err, ==, "");
}

static gchar *
run_stdout (JmpRun *run)
{
  return bytes_to_string (run->out);
}

static JsonObject *
parse_object (const gchar *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonNode *root;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  root = json_parser_get_root (parser);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  return json_object_ref (json_node_get_object (root));
}

/* What `jmp DRIVER state --json` says. */
static JsonObject *
jmp_state_json (const gchar *driver)
{
  g_autoptr(JmpRun) run = run_jmp (driver, "state", "--json");
  g_autofree gchar *text = NULL;

  assert_success (run);
  text = run_stdout (run);
  return parse_object (text);
}

static gint64
ustreamer_clients (void)
{
  g_autoptr(JsonObject) state = jmp_state_json ("cam");

  g_assert_true (json_object_has_member (state, "clients"));
  return json_object_get_int_member (state, "clients");
}

static GBytes *
direct_snapshot (const gchar *driver)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JmpDriverProxy) proxy = jmp_client_get_driver (bench.client, driver, &error);
  GBytes *jpeg;

  g_assert_no_error (error);
  jpeg = jmp_video_proxy_snapshot_sync (jmp_driver_proxy_get_video (proxy), NULL, &error);
  g_assert_no_error (error);
  return jpeg;
}

static void
assert_jpeg (const guint8 *data, gsize size)
{
  g_assert_cmpuint (size, >, 4);
  g_assert_cmpuint (data[0], ==, 0xff);
  g_assert_cmpuint (data[1], ==, 0xd8);
  g_assert_cmpuint (data[size - 2], ==, 0xff);
  g_assert_cmpuint (data[size - 1], ==, 0xd9);
}

static guint64
process_rss_kib (GPid pid)
{
  g_autofree gchar *path = g_strdup_printf ("/proc/%d/status", (gint) pid);
  g_autofree gchar *text = NULL;
  const gchar *line;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  line = strstr (text, "VmRSS:");
  g_assert_nonnull (line);
  return g_ascii_strtoull (line + 6, NULL, 10);
}

/* ---- `jmp DRIVER stream` ---------------------------------------------------- */

typedef struct {
  GSubprocess *process;
  gchar       *url;
  guint16      port;
} StreamServer;

static StreamServer *
stream_server_start (const gchar *driver)
{
  StreamServer *server = g_new0 (StreamServer, 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(GUri) uri = NULL;

  server->process = spawn_jmp (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, NULL,
                               (const gchar * const[]) { driver, "stream", "--no-browser", NULL });
  server->url = read_line (server->process);
  g_test_message ("%s stream: %s", driver, server->url);
  uri = g_uri_parse (server->url, G_URI_FLAGS_NONE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_uri_get_scheme (uri), ==, "http");
  g_assert_cmpstr (g_uri_get_host (uri), ==, "127.0.0.1");
  g_assert_cmpstr (g_uri_get_path (uri), ==, "/");
  server->port = g_uri_get_port (uri);
  return server;
}

/* SIGTERM: a clean exit, and what it said on stderr. */
static gchar *
stream_server_stop (StreamServer *server)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GBytes) err = NULL;
  gchar *text;

  g_subprocess_send_signal (server->process, SIGTERM);
  g_subprocess_communicate (server->process, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (server->process));
  /* what it said on the way out (a sanitizer's report) */
  if (g_subprocess_get_exit_status (server->process) != 0)
    g_printerr ("%.*s", (gint) g_bytes_get_size (err), (const gchar *) g_bytes_get_data (err, NULL));
  g_assert_cmpint (g_subprocess_get_exit_status (server->process), ==, 0);
  /* the URL was the only line */
  g_assert_cmpuint (g_bytes_get_size (out), ==, 0);
  text = bytes_to_string (err);
  g_object_unref (server->process);
  g_free (server->url);
  g_free (server);
  return text;
}

static GBytes *
http_get (StreamServer *server, const gchar *path, guint *status, gchar **content_type)
{
  g_autofree gchar *url = g_strdup_printf ("http://127.0.0.1:%u%s", server->port, path);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(GError) error = NULL;
  GBytes *body;

  body = soup_session_send_and_read (bench.session, msg, NULL, &error);
  g_assert_no_error (error);
  *status = soup_message_get_status (msg);
  if (content_type != NULL)
    *content_type = g_strdup (soup_message_headers_get_content_type (soup_message_get_response_headers (msg), NULL));
  return body;
}

static JsonObject *
http_get_state (StreamServer *server)
{
  guint status = 0;
  g_autoptr(GBytes) body = http_get (server, "/state", &status, NULL);
  g_autofree gchar *text = bytes_to_string (body);

  g_assert_cmpuint (status, ==, 200);
  return parse_object (text);
}

static JsonObject *
stream_stats (StreamServer *server)
{
  g_autoptr(JsonObject) state = http_get_state (server);

  return json_object_ref (json_object_get_object_member (state, "stream"));
}

/* ---- viewers: a thread each, reading /stream as a browser would --------- */

typedef struct {
  guint16   port;
  gboolean  stall;         /* connects, asks, never reads */
  gint64    until;         /* monotonic µs */
  guint     frames;
  guint     bad_frames;    /* not starting with SOI or not ending with EOI */
  guint64   first_frame_us;
  gchar    *error;
  GThread  *thread;
} Viewer;

static gpointer
viewer_thread (gpointer data)
{
  Viewer *viewer = data;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(JmpMjpegReader) reader = jmp_mjpeg_reader_new (0);
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *buffer = g_malloc (65536);
  GSocket *socket;
  const gchar *request = "GET /stream HTTP/1.1\r\nHost: viewer\r\nConnection: close\r\n\r\n";
  gint64 start = g_get_monotonic_time ();

  connection = g_socket_client_connect_to_host (client, "127.0.0.1", viewer->port, NULL, &error);
  if (connection == NULL)
    goto fail;
  socket = g_socket_connection_get_socket (connection);
  if (viewer->stall)
    {
      /* a small receive buffer, so that the server's side fills soon */
      g_socket_set_option (socket, SOL_SOCKET, SO_RCVBUF, 4096, NULL);
    }
  if (g_socket_send (socket, request, strlen (request), NULL, &error) < 0)
    goto fail;

  if (viewer->stall)
    {
      while (g_get_monotonic_time () < viewer->until)
        g_usleep (50 * 1000);
      return NULL;
    }

  g_socket_set_timeout (socket, 10);
  while (g_get_monotonic_time () < viewer->until)
    {
      gssize n = g_socket_receive (socket, (gchar *) buffer, 65536, NULL, &error);
      GBytes *frame;

      if (n < 0)
        goto fail;
      if (n == 0)
        {
          viewer->error = g_strdup ("the stream ended");
          return NULL;
        }
      if (!jmp_mjpeg_reader_feed (reader, buffer, n, &error))
        goto fail;
      while ((frame = jmp_mjpeg_reader_pop_frame (reader)) != NULL)
        {
          gsize size = 0;
          const guint8 *bytes = g_bytes_get_data (frame, &size);

          if (viewer->frames++ == 0)
            viewer->first_frame_us = g_get_monotonic_time () - start;
          if (size < 4 || bytes[0] != 0xff || bytes[1] != 0xd8 ||
              bytes[size - 2] != 0xff || bytes[size - 1] != 0xd9)
            viewer->bad_frames++;
          g_bytes_unref (frame);
        }
    }
  return NULL;

fail:
  viewer->error = g_strdup (error->message);
  return NULL;
}

static Viewer *
viewers_start (guint16 port, guint n, guint n_stalled, guint seconds)
{
  Viewer *viewers = g_new0 (Viewer, n);
  gint64 until = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;

  for (guint i = 0; i < n; i++)
    {
      viewers[i].port = port;
      viewers[i].stall = i < n_stalled;
      viewers[i].until = until;
      viewers[i].thread = g_thread_new ("viewer", viewer_thread, &viewers[i]);
    }
  return viewers;
}

static void
viewers_join (Viewer *viewers, guint n)
{
  for (guint i = 0; i < n; i++)
    {
      g_thread_join (viewers[i].thread);
      if (viewers[i].error != NULL)
        g_test_message ("viewer %u: %s", i, viewers[i].error);
    }
}

static void
viewers_free (Viewer *viewers, guint n)
{
  for (guint i = 0; i < n; i++)
    g_free (viewers[i].error);
  g_free (viewers);
}

/* ---- state ----------------------------------------------------------------- */

static void
test_state_ustreamer (void)
{
  g_autoptr(JmpRun) run = run_jmp ("cam", "state");
  g_autofree gchar *out = NULL;

  assert_success (run);
  out = run_stdout (run);
  g_test_message ("%s", out);
  /* Jumpstarter's lines, and ours for clients and restarts */
  g_assert_true (g_str_has_prefix (out, "Online: "));
  g_assert_nonnull (strstr (out, "\nResolution: 640x480\n"));
  g_assert_nonnull (strstr (out, "\nFPS: "));
  g_assert_nonnull (strstr (out, "/7\n"));          /* desired-fps from the config */
  g_assert_nonnull (strstr (out, "\nEncoder: "));
  g_assert_nonnull (strstr (out, " (quality: "));
  g_assert_nonnull (strstr (out, "\nClients: "));
  g_assert_nonnull (strstr (out, "\nRestarts: 0\n"));
}

static void
test_state_json (void)
{
  g_autoptr(JsonObject) cam = jmp_state_json ("cam");
  g_autoptr(JsonObject) http = jmp_state_json ("http");
  g_autoptr(JmpRun) run = run_jmp ("http", "state");
  g_autofree gchar *out = NULL;

  g_assert_true (JSON_NODE_HOLDS_VALUE (json_object_get_member (cam, "online")));
  g_assert_cmpint (json_node_get_value_type (json_object_get_member (cam, "online")), ==, G_TYPE_BOOLEAN);
  g_assert_cmpint (json_object_get_int_member (cam, "width"), ==, 640);
  g_assert_cmpint (json_object_get_int_member (cam, "height"), ==, 480);
  g_assert_cmpint (json_object_get_int_member (cam, "desired_fps"), ==, 7);
  g_assert_true (json_object_has_member (cam, "encoder"));
  g_assert_true (json_object_has_member (cam, "quality"));
  g_assert_true (json_object_has_member (cam, "clients"));
  g_assert_true (json_object_has_member (cam, "restarts"));

  /* HttpVideo knows less, and says only that */
  g_assert_true (json_object_get_boolean_member (http, "online"));
  g_assert_cmpint (json_object_get_int_member (http, "width"), >, 0);
  g_assert_false (json_object_has_member (http, "clients"));
  g_assert_false (json_object_has_member (http, "encoder"));

  assert_success (run);
  out = run_stdout (run);
  g_assert_true (g_str_has_prefix (out, "Online: True\nResolution: "));
  g_assert_null (strstr (out, "Clients:"));
  g_assert_null (strstr (out, "Encoder:"));
  g_assert_null (strstr (out, "FPS:"));
}

static void
test_state_usage (void)
{
  g_autoptr(JmpRun) run = run_jmp ("cam", "state", "extra");

  g_assert_cmpint (run->status, ==, 2);
  g_assert_true (g_str_has_prefix (run->err, "jmp: "));
  g_assert_true (strchr (run->err, '\n') == run->err + strlen (run->err) - 1);
}

/* ---- snapshot ---------------------------------------------------------------- */

static void
test_snapshot_file (void)
{
  g_autofree gchar *path = g_build_filename (bench.dir, "cam.jpg", NULL);
  g_autoptr(JmpRun) run = run_jmp ("cam", "snapshot", "-o", path);
  g_autoptr(GBytes) direct = direct_snapshot ("cam");
  g_autofree gchar *data = NULL;
  gsize size = 0;

  assert_success (run);
  g_assert_cmpuint (g_bytes_get_size (run->out), ==, 0);
  g_assert_true (g_file_get_contents (path, &data, &size, NULL));
  assert_jpeg ((const guint8 *) data, size);
  /* ustreamer's frame without a camera does not change: byte for byte the same */
  g_assert_cmpmem (data, size, g_bytes_get_data (direct, NULL), g_bytes_get_size (direct));
}

static void
test_snapshot_default_name (void)
{
  g_autofree gchar *cwd = g_build_filename (bench.dir, "cwd", NULL);
  g_autofree gchar *path = g_build_filename (cwd, "snapshot.jpg", NULL);
  g_autoptr(JmpRun) run = NULL;
  g_autofree gchar *data = NULL;
  gsize size = 0;

  g_assert_cmpint (g_mkdir_with_parents (cwd, 0700), ==, 0);
  run = run_jmp_in (cwd, (const gchar * const[]) { "http", "snapshot", NULL });
  assert_success (run);
  g_assert_true (g_file_get_contents (path, &data, &size, NULL));
  assert_jpeg ((const guint8 *) data, size);
  /* mjpeg-server.py pads every frame to the size it was given */
  g_assert_cmpuint (size, ==, HTTP_FRAME_SIZE);
}

static void
test_snapshot_stdout (void)
{
  g_autoptr(JmpRun) run = run_jmp ("cam", "snapshot", "-o", "-");
  g_autoptr(GBytes) direct = direct_snapshot ("cam");

  assert_success (run);
  assert_jpeg (g_bytes_get_data (run->out, NULL), g_bytes_get_size (run->out));
  g_assert_true (g_bytes_equal (run->out, direct));
}

static void
test_snapshot_bad_path (void)
{
  g_autoptr(JmpRun) run = run_jmp ("cam", "snapshot", "-o", "/nonexistent/dir/x.jpg");

  g_assert_cmpint (run->status, ==, 1);
  g_assert_true (g_str_has_prefix (run->err, "jmp: "));
  g_assert_nonnull (strstr (run->err, "/nonexistent/dir/x.jpg"));
  g_assert_true (strchr (run->err, '\n') == run->err + strlen (run->err) - 1);
}

/* A source that is down: one line, nothing on stdout, no file left. */
static void
test_snapshot_source_down (void)
{
  g_autofree gchar *path = g_build_filename (bench.dir, "down.jpg", NULL);
  g_autoptr(JmpRun) run = run_jmp ("down", "snapshot", "-o", path);

  g_test_message ("%s", run->err);
  g_assert_cmpint (run->status, ==, 1);
  g_assert_true (g_str_has_prefix (run->err, "jmp: "));
  g_assert_true (strchr (run->err, '\n') == run->err + strlen (run->err) - 1);
  g_assert_null (strstr (run->err, "GDBus.Error"));
  g_assert_cmpuint (g_bytes_get_size (run->out), ==, 0);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

/* ---- stream ------------------------------------------------------------------ */

/* The page, the state and a snapshot as a browser gets them. */
static void
test_stream_endpoints (void)
{
  StreamServer *server = stream_server_start ("http");
  g_autofree gchar *type = NULL;
  g_autofree gchar *page = NULL;
  g_autofree gchar *err = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonObject) state = NULL;
  guint status = 0;

  body = http_get (server, "/", &status, &type);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (type, ==, "text/html");
  page = bytes_to_string (body);
  g_assert_nonnull (strstr (page, "<title>http · jmp stream</title>"));
  g_assert_nonnull (strstr (page, "<img id=\"live\""));
  g_assert_nonnull (strstr (page, "<img src=\"/stream\""));
  g_assert_nonnull (strstr (page, "href=\"/snapshot\""));
  g_assert_nonnull (strstr (page, "fetch('/state'"));
  g_clear_pointer (&body, g_bytes_unref);
  g_clear_pointer (&type, g_free);

  body = http_get (server, "/snapshot", &status, &type);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (type, ==, "image/jpeg");
  assert_jpeg (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  g_clear_pointer (&body, g_bytes_unref);

  state = http_get_state (server);
  g_assert_true (json_object_get_boolean_member (state, "online"));
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (state, "stream"), "upstream"),
                   ==, "idle");

  body = http_get (server, "/nothing-here", &status, NULL);
  g_assert_cmpuint (status, ==, 404);

  err = stream_server_stop (server);
  g_assert_cmpstr (err, ==, "");
}

/* Ten viewers, one client of ustreamer; each viewer gets whole frames; the
 * upstream stays a few seconds after the last viewer, then closes. */
static void
test_stream_one_upstream (void)
{
  const guint n = 10;
  StreamServer *server = stream_server_start ("cam");
  Viewer *viewers = NULL;
  g_autoptr(JsonObject) stats = NULL;
  g_autofree gchar *err = NULL;
  gint64 clients = -1;
  gint64 left;

  g_assert_cmpint (ustreamer_clients (), ==, 0);
  viewers = viewers_start (server->port, n, 0, 4);
  /* while they watch */
  g_usleep (2 * G_USEC_PER_SEC);
  clients = ustreamer_clients ();
  stats = stream_stats (server);
  g_assert_cmpint (json_object_get_int_member (stats, "viewers"), ==, n);
  g_assert_cmpstr (json_object_get_string_member (stats, "upstream"), ==, "streaming");
  g_assert_cmpint (clients, ==, 1);
  viewers_join (viewers, n);
  left = g_get_monotonic_time ();

  for (guint i = 0; i < n; i++)
    {
      g_assert_null (viewers[i].error);
      g_assert_cmpuint (viewers[i].frames, >=, 2);
      g_assert_cmpuint (viewers[i].bad_frames, ==, 0);
    }
  g_clear_pointer (&stats, json_object_unref);
  stats = stream_stats (server);
  g_assert_cmpint (json_object_get_int_member (stats, "upstream_opened"), ==, 1);

  /* kept for a moment, in case a viewer comes back */
  g_usleep (500 * 1000);
  g_clear_pointer (&stats, json_object_unref);
  stats = stream_stats (server);
  if (g_get_monotonic_time () - left < 2 * G_USEC_PER_SEC)
    g_assert_cmpstr (json_object_get_string_member (stats, "upstream"), ==, "streaming");

  /* then closed, and ustreamer sees no client */
  for (guint i = 0; i < 100; i++)
    {
      g_clear_pointer (&stats, json_object_unref);
      stats = stream_stats (server);
      if (g_str_equal (json_object_get_string_member (stats, "upstream"), "idle"))
        break;
      g_usleep (100 * 1000);
    }
  g_assert_cmpstr (json_object_get_string_member (stats, "upstream"), ==, "idle");
  g_test_message ("upstream closed %.1f s after the last viewer left",
                  (g_get_monotonic_time () - left) / 1e6);
  g_assert_cmpint (g_get_monotonic_time () - left, >=, 2 * G_USEC_PER_SEC);
  for (guint i = 0; i < 50 && (clients = ustreamer_clients ()) != 0; i++)
    g_usleep (100 * 1000);
  g_assert_cmpint (clients, ==, 0);

  viewers_free (viewers, n);
  err = stream_server_stop (server);
  g_assert_cmpstr (err, ==, "");
}

/* One viewer that reads nothing: the others still get about every frame,
 * and jmp's memory does not grow with what the stalled one misses. */
static void
test_stream_stalled_viewer (void)
{
  const guint n = 6, seconds = 4;
  StreamServer *server = stream_server_start ("http");
  GPid pid = atoi (g_subprocess_get_identifier (server->process));
  Viewer *warmup, *viewers;
  g_autoptr(JsonObject) before = NULL;
  g_autoptr(JsonObject) after = NULL;
  g_autofree gchar *err = NULL;
  guint64 rss_before, rss_after;
  gint64 received;

  /* the upstream open and jmp's heap warm */
  warmup = viewers_start (server->port, 1, 0, 1);
  viewers_join (warmup, 1);
  g_assert_cmpuint (warmup[0].frames, >, 0);
  viewers_free (warmup, 1);
  rss_before = process_rss_kib (pid);

  before = stream_stats (server);
  viewers = viewers_start (server->port, n, 1, seconds);
  viewers_join (viewers, n);
  after = stream_stats (server);
  rss_after = process_rss_kib (pid);

  received = json_object_get_int_member (after, "frames_received") -
             json_object_get_int_member (before, "frames_received");
  g_test_message ("%" G_GINT64_FORMAT " frames from the source in %u s; skipped for the stalled viewer: %"
                  G_GINT64_FORMAT "; RSS %" G_GUINT64_FORMAT " → %" G_GUINT64_FORMAT " KiB",
                  received, seconds,
                  json_object_get_int_member (after, "frames_skipped") -
                  json_object_get_int_member (before, "frames_skipped"),
                  rss_before, rss_after);
  g_assert_cmpint (received, >=, HTTP_FPS * seconds * 7 / 10);
  for (guint i = 1; i < n; i++)
    {
      g_test_message ("viewer %u: %u frames", i, viewers[i].frames);
      g_assert_null (viewers[i].error);
      g_assert_cmpuint (viewers[i].bad_frames, ==, 0);
      /* all but the frames before its first and a few at the edges */
      g_assert_cmpuint (viewers[i].frames, >=, received * 9 / 10 - 3);
    }
  /* the stalled one fell behind and skipped */
  g_assert_cmpint (json_object_get_int_member (after, "frames_skipped"), >,
                   json_object_get_int_member (before, "frames_skipped"));
  /* what it holds is its socket's and a few frames, not what it missed
   * (ASan keeps freed memory in quarantine: not under it) */
  if (g_getenv ("JMP_TEST_SANITIZED") == NULL)
    g_assert_cmpuint (rss_after, <, rss_before + 16 * 1024);

  viewers_free (viewers, n);
  err = stream_server_stop (server);
  g_assert_cmpstr (err, ==, "");
}

/* A chunked source: the same whole frames. */
static void
test_stream_chunked_source (void)
{
  StreamServer *server = stream_server_start ("chunked");
  Viewer *viewers = viewers_start (server->port, 2, 0, 2);
  g_autofree gchar *err = NULL;

  viewers_join (viewers, 2);
  for (guint i = 0; i < 2; i++)
    {
      g_assert_null (viewers[i].error);
      g_assert_cmpuint (viewers[i].frames, >=, HTTP_FPS);
      g_assert_cmpuint (viewers[i].bad_frames, ==, 0);
    }
  viewers_free (viewers, 2);
  err = stream_server_stop (server);
  g_assert_cmpstr (err, ==, "");
}

/* A source that is down: 502 to the viewer, one line on stderr, and the
 * next viewer tries again. */
static void
test_stream_source_down (void)
{
  StreamServer *server = stream_server_start ("down");
  g_autoptr(JsonObject) stats = NULL;
  g_autofree gchar *err = NULL;
  g_auto(GStrv) lines = NULL;

  for (guint round = 0; round < 2; round++)
    {
      guint status = 0;
      g_autoptr(GBytes) body = http_get (server, "/stream", &status, NULL);
      g_autofree gchar *text = bytes_to_string (body);

      g_test_message ("%u %s", status, text);
      g_assert_cmpuint (status, ==, 502);
      g_assert_nonnull (strstr (text, "the video source failed"));
    }
  stats = stream_stats (server);
  g_assert_cmpint (json_object_get_int_member (stats, "upstream_opened"), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (stats, "upstream"), ==, "idle");
  g_assert_true (json_object_has_member (stats, "last_error"));

  err = stream_server_stop (server);
  g_test_message ("stderr: %s", err);
  lines = g_strsplit (err, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 3);   /* two lines and the empty rest */
  for (guint i = 0; i < 2; i++)
    {
      g_assert_true (g_str_has_prefix (lines[i], "jmp: down: the video stream failed: "));
      g_assert_nonnull (strstr (lines[i], "next viewer"));
    }
}

/* Headless Chromium loads the page and shows frames. */
static void
test_stream_browser (void)
{
  StreamServer *server = stream_server_start ("http");
  g_autofree gchar *script = g_test_build_filename (G_TEST_DIST, "video", "browser-check.py", NULL);
  g_autoptr(GSubprocess) browser = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GBytes) err_bytes = NULL;
  g_autoptr(JsonObject) seen = NULL;
  g_autofree gchar *text = NULL;
  g_autofree gchar *err = NULL;

  browser = jmp_test_spawn (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                            "/usr/bin/python3", script, server->url, "10", "40", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate (browser, NULL, NULL, &out, &err_bytes, &error);
  g_assert_no_error (error);
  text = bytes_to_string (out);
  g_test_message ("browser: %s%.*s", text, (int) g_bytes_get_size (err_bytes),
                  (const gchar *) g_bytes_get_data (err_bytes, NULL));
  g_assert_true (g_subprocess_get_if_exited (browser));
  g_assert_cmpint (g_subprocess_get_exit_status (browser), ==, 0);

  seen = parse_object (text);
  g_assert_cmpint (json_object_get_int_member (seen, "frames"), >=, 10);
  g_assert_cmpint (json_object_get_int_member (seen, "width"), >, 0);
  /* the page's state table was filled from /state */
  g_assert_nonnull (strstr (json_object_get_string_member (seen, "state"), "Online"));

  err = stream_server_stop (server);
  g_assert_cmpstr (err, ==, "");
}

static void
test_stream_usage (void)
{
  g_autoptr(JmpRun) bad_port = run_jmp ("http", "stream", "--port", "70000");
  g_autoptr(JmpRun) both = run_jmp ("http", "stream", "--browser", "--no-browser");
  g_autoptr(JmpRun) bad_address = run_jmp ("http", "stream", "--address", "no.such.host.invalid");

  g_assert_cmpint (bad_port->status, ==, 2);
  g_assert_nonnull (strstr (bad_port->err, "70000"));
  g_assert_cmpint (both->status, ==, 2);
  g_assert_cmpint (bad_address->status, ==, 1);
  g_assert_true (g_str_has_prefix (bad_address->err, "jmp: "));
  g_assert_nonnull (strstr (bad_address->err, "no.such.host.invalid"));
  g_assert_cmpuint (g_bytes_get_size (bad_address->out), ==, 0);
}

/* The Host header jmp sends upstream: an IP camera may want its own name. */
static void
test_host_header (void)
{
  const struct { const gchar *address, *host; } cases[] = {
    { "http://cam.lab:8080/stream?x=1", "cam.lab:8080" },
    { "http://192.168.1.20/mjpg/video.mjpg", "192.168.1.20" },
    { "https://[fe80::1]:8443/", "[fe80::1]:8443" },
    { "unix:///run/ustreamer.sock", "localhost" },
    { "/run/jumpstarter/cam/socket", "localhost" },
    { NULL, "localhost" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree gchar *host = jmp_video_upstream_host_header (cases[i].address);
      g_assert_cmpstr (host, ==, cases[i].host);
    }
}

/* The video commands are offered where Video1 is, and only there. */
static void
test_driver_help (void)
{
  g_autoptr(JmpRun) cam = run_jmp ("cam", "--help");
  g_autoptr(JmpRun) http = run_jmp ("http", "--help");
  g_autofree gchar *cam_out = NULL;
  g_autofree gchar *http_out = NULL;

  assert_success (cam);
  assert_success (http);
  cam_out = run_stdout (cam);
  http_out = run_stdout (http);
  for (guint i = 0; i < 2; i++)
    {
      const gchar *out = i == 0 ? cam_out : http_out;

      g_assert_nonnull (strstr (out, "\n  state "));
      g_assert_nonnull (strstr (out, "\n  snapshot "));
      g_assert_nonnull (strstr (out, "\n  stream "));
    }
}

/* ------------------------------------------------------------------------------ */

static void
bench_setup (void)
{
  g_autofree gchar *config = NULL;
  g_autofree gchar *path = NULL;

  bench.dir = jmp_test_mkdtemp ();
  bench.mjpeg = start_mjpeg_server (FALSE, &bench.mjpeg_port);
  bench.mjpeg_chunked = start_mjpeg_server (TRUE, &bench.mjpeg_chunked_port);
  config = g_strdup_printf (
    "apiVersion: jumpstarter.dev/v1alpha1\n"
    "kind: ExporterConfig\n"
    "metadata: {name: video-stream}\n"
    "export:\n"
    "  cam:\n"
    "    type: UStreamer\n"
    "    config: {args: {resolution: 640x480, desired-fps: 7}}\n"
    "  http:\n"
    "    type: jumpstarter_driver_video.driver.HttpVideo\n"
    "    config: {url: 'http://127.0.0.1:%u/stream', snapshot_url: 'http://127.0.0.1:%u/snapshot'}\n"
    "  chunked:\n"
    "    type: HttpVideo\n"
    "    config: {url: 'http://127.0.0.1:%u/stream'}\n"
    "  down:\n"
    "    type: HttpVideo\n"
    "    config: {url: 'http://127.0.0.1:1/stream'}\n",
    bench.mjpeg_port, bench.mjpeg_port, bench.mjpeg_chunked_port);
  path = jmp_test_write_file (bench.dir, "video.yaml", config);
  bench.host = jmp_test_host_new (path, NULL);
  bench.client = jmp_test_host_connect (bench.host);
  bench.session = soup_session_new ();
}

static void
bench_teardown (void)
{
  g_clear_object (&bench.session);
  g_clear_object (&bench.client);
  jmp_test_host_stop (bench.host);
  jmp_test_host_free (bench.host);
  g_subprocess_force_exit (bench.mjpeg);
  g_subprocess_force_exit (bench.mjpeg_chunked);
  g_subprocess_wait (bench.mjpeg, NULL, NULL);
  g_subprocess_wait (bench.mjpeg_chunked, NULL, NULL);
  g_clear_object (&bench.mjpeg);
  g_clear_object (&bench.mjpeg_chunked);
  jmp_test_rmdir (bench.dir);
  g_free (bench.dir);
}

int
main (int argc, char **argv)
{
  gint status;

  g_test_init (&argc, &argv, NULL);
  /* a viewer that goes away must not kill the test with SIGPIPE */
  signal (SIGPIPE, SIG_IGN);

  g_test_add_func ("/video-stream/host-header", test_host_header);
  g_test_add_func ("/video-stream/driver-help", test_driver_help);
  g_test_add_func ("/video-stream/state/ustreamer", test_state_ustreamer);
  g_test_add_func ("/video-stream/state/json", test_state_json);
  g_test_add_func ("/video-stream/state/usage", test_state_usage);
  g_test_add_func ("/video-stream/snapshot/file", test_snapshot_file);
  g_test_add_func ("/video-stream/snapshot/default-name", test_snapshot_default_name);
  g_test_add_func ("/video-stream/snapshot/stdout", test_snapshot_stdout);
  g_test_add_func ("/video-stream/snapshot/bad-path", test_snapshot_bad_path);
  g_test_add_func ("/video-stream/snapshot/source-down", test_snapshot_source_down);
  g_test_add_func ("/video-stream/stream/endpoints", test_stream_endpoints);
  g_test_add_func ("/video-stream/stream/one-upstream", test_stream_one_upstream);
  g_test_add_func ("/video-stream/stream/stalled-viewer", test_stream_stalled_viewer);
  g_test_add_func ("/video-stream/stream/chunked-source", test_stream_chunked_source);
  g_test_add_func ("/video-stream/stream/source-down", test_stream_source_down);
  g_test_add_func ("/video-stream/stream/browser", test_stream_browser);
  g_test_add_func ("/video-stream/stream/usage", test_stream_usage);

  bench_setup ();
  status = g_test_run ();
  bench_teardown ();
  return status;
}
