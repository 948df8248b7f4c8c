/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The commands of video drivers (dev.jumpstarter.Video1): state,
 * snapshot and stream.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "jmp-cli.h"
#include "jmp-video-server.h"

static GOptionContext *
jmp_cmd_video_context (JmpDriverContext *ctx,
                       const gchar      *command,
                       const gchar      *summary)
{
  g_autofree gchar *name = g_strdup_printf ("%s %s", jmp_driver_proxy_get_path (ctx->driver), command);

  return jmp_cli_option_context_new (name, NULL, summary);
}

/* state ------------------------------------------------------------------- */

static gboolean
jmp_cmd_video_lookup_uint (GVariant *state, const gchar *key, guint32 *value)
{
  return g_variant_lookup (state, key, "u", value);
}

/* As Jumpstarter's client prints it, with only the lines the source knows. */
static void
jmp_cmd_video_print_state (GVariant *state)
{
  gboolean online = FALSE;
  guint32 width = 0, height = 0, captured = 0, desired = 0, quality = 0, value = 0;
  gboolean has_captured, has_desired;
  const gchar *encoder = NULL;

  if (g_variant_lookup (state, "online", "b", &online))
    g_print ("%s %s\n", _("Online:"), online ? "True" : "False");
  if (jmp_cmd_video_lookup_uint (state, "width", &width) &&
      jmp_cmd_video_lookup_uint (state, "height", &height))
    g_print ("%s %ux%u\n", _("Resolution:"), width, height);

  has_captured = jmp_cmd_video_lookup_uint (state, "captured_fps", &captured);
  has_desired = jmp_cmd_video_lookup_uint (state, "desired_fps", &desired);
  if (has_captured && has_desired)
    g_print ("%s %u/%u\n", _("FPS:"), captured, desired);
  else if (has_captured)
    g_print ("%s %u\n", _("FPS:"), captured);
  else if (has_desired)
    g_print ("%s ?/%u\n", _("FPS:"), desired);

  if (g_variant_lookup (state, "encoder", "&s", &encoder))
    {
      if (jmp_cmd_video_lookup_uint (state, "quality", &quality))
        g_print ("%s %s (%s %u)\n", _("Encoder:"), encoder, _("quality:"), quality);
      else
        g_print ("%s %s\n", _("Encoder:"), encoder);
    }
  if (jmp_cmd_video_lookup_uint (state, "clients", &value))
    g_print ("%s %u\n", _("Clients:"), value);
  if (jmp_cmd_video_lookup_uint (state, "restarts", &value))
    g_print ("%s %u\n", _("Restarts:"), value);
}

static gchar *
jmp_cmd_video_state_json (GVariant *state)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  jmp_video_state_add_members (builder, state);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  return json_generator_to_data (generator, NULL);
}

gint
jmp_cmd_video_state (JmpDriverContext *ctx, gint argc, gchar **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) state = NULL;
  gboolean as_json = FALSE;
  gint status = JMP_CLI_EXIT_OK;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &as_json, N_("Print the state as a JSON object"), NULL },
    G_OPTION_ENTRY_NULL
  };

  context = jmp_cmd_video_context (ctx, "state",
                                   _("Print what the video source says of itself: online, "
                                     "resolution, frame rates, encoder, clients; only what "
                                     "it knows."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!jmp_cli_parse (context, &argc, &argv, &status))
    return status;
  if (argc > 1)
    return jmp_cli_usage_error (_("state takes no arguments, got \"%s\""), argv[1]);

  state = jmp_video_proxy_get_state_sync (jmp_driver_proxy_get_video (ctx->driver), NULL, &error);
  if (state == NULL)
    return jmp_cli_fail (error);

  if (as_json)
    {
      g_autofree gchar *text = jmp_cmd_video_state_json (state);
      g_print ("%s\n", text);
    }
  else
    jmp_cmd_video_print_state (state);
  return JMP_CLI_EXIT_OK;
}

/* snapshot ---------------------------------------------------------------- */

static gboolean
jmp_cmd_video_write_stdout (GBytes *bytes, GError **error)
{
  gsize size = 0;
  const guint8 *data = g_bytes_get_data (bytes, &size);

  while (size > 0)
    {
      gssize n = write (STDOUT_FILENO, data, size);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          gint saved = errno;
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                       _("cannot write the snapshot to stdout: %s"), g_strerror (saved));
          return FALSE;
        }
      data += n;
      size -= n;
    }
  return TRUE;
}

gint
jmp_cmd_video_snapshot (JmpDriverContext *ctx, gint argc, gchar **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) jpeg = NULL;
  g_autofree gchar *output = NULL;
  gint status = JMP_CLI_EXIT_OK;
  const GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
      N_("Write to FILE (default snapshot.jpg; - for stdout)"), N_("FILE") },
    G_OPTION_ENTRY_NULL
  };

  context = jmp_cmd_video_context (ctx, "snapshot",
                                   _("Save one frame as the JPEG the source served, byte for byte."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!jmp_cli_parse (context, &argc, &argv, &status))
    return status;
  if (argc > 1)
    return jmp_cli_usage_error (_("snapshot takes no arguments, got \"%s\" (the file is -o FILE)"),
                                argv[1]);
  if (output == NULL)
    output = g_strdup ("snapshot.jpg");
  if (*output == '\0')
    return jmp_cli_usage_error (_("snapshot: the output file name is empty"));

  jpeg = jmp_video_proxy_snapshot_sync (jmp_driver_proxy_get_video (ctx->driver), NULL, &error);
  if (jpeg == NULL)
    return jmp_cli_fail (error);

  if (g_str_equal (output, "-"))
    {
      if (!jmp_cmd_video_write_stdout (jpeg, &error))
        return jmp_cli_fail (error);
      return JMP_CLI_EXIT_OK;
    }

  /* a reader of the file never sees half a JPEG */
  if (!g_file_set_contents_full (output, g_bytes_get_data (jpeg, NULL), g_bytes_get_size (jpeg),
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0666, &error))
    return jmp_cli_fail (error);
  return JMP_CLI_EXIT_OK;
}

/* stream ------------------------------------------------------------------ */

typedef struct {
  GMainLoop *loop;
  gint       status;
} JmpStreamRun;

static gboolean
jmp_cmd_video_signal_cb (gpointer user_data)
{
  JmpStreamRun *run = user_data;

  g_debug ("stopping on a signal");
  g_main_loop_quit (run->loop);
  return G_SOURCE_CONTINUE;
}

static void
jmp_cmd_video_closed_cb (GDBusConnection *connection,
                         gboolean         remote_peer_vanished,
                         GError          *error,
                         gpointer         user_data)
{
  JmpStreamRun *run = user_data;

  if (remote_peer_vanished || error == NULL)
    jmp_cli_error (_("the host closed the connection; the video cannot be streamed any more"));
  else
    jmp_cli_error (_("lost the connection to the host: %s"), error->message);
  run->status = JMP_CLI_EXIT_FAILURE;
  g_main_loop_quit (run->loop);
}

/* Without --browser or --no-browser: a browser for someone at a desktop
 * (a display, and stdout a terminal), none for a script or over ssh. */
static gboolean
jmp_cmd_video_want_browser (gboolean browser, gboolean no_browser)
{
  if (browser || no_browser)
    return browser;
  return (g_getenv ("DISPLAY") != NULL || g_getenv ("WAYLAND_DISPLAY") != NULL) &&
         isatty (STDOUT_FILENO);
}

static gboolean
jmp_cmd_video_parse_port (const gchar *text, guint16 *port)
{
  guint64 value = 0;

  if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT16, &value, NULL))
    return FALSE;
  *port = (guint16) value;
  return TRUE;
}

gint
jmp_cmd_video_stream (JmpDriverContext *ctx, gint argc, gchar **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JmpVideoServer) server = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autofree gchar *address = NULL;
  g_autofree gchar *port_text = NULL;
  g_autofree gchar *url = NULL;
  gboolean browser = FALSE, no_browser = FALSE;
  guint16 port = 0;
  gint status = JMP_CLI_EXIT_OK;
  GDBusConnection *connection = jmp_client_get_connection (ctx->client);
  const gint signals[] = { SIGINT, SIGTERM, SIGHUP };
  guint signal_ids[G_N_ELEMENTS (signals)];
  JmpStreamRun run = { 0, };
  gulong closed_id;
  const GOptionEntry entries[] = {
    { "address", 'a', 0, G_OPTION_ARG_STRING, &address,
      N_("Listen on this address or name (default 127.0.0.1)"), N_("ADDRESS") },
    { "port", 'p', 0, G_OPTION_ARG_STRING, &port_text,
      N_("Listen on this port (default 0: a free one)"), N_("PORT") },
    { "browser", 0, 0, G_OPTION_ARG_NONE, &browser,
      N_("Open the page in the default browser"), NULL },
    { "no-browser", 0, 0, G_OPTION_ARG_NONE, &no_browser,
      N_("Do not open a browser (the default without a display or a terminal)"), NULL },
    G_OPTION_ENTRY_NULL
  };

  context = jmp_cmd_video_context (ctx, "stream",
                                   _("Serve the video on a local web page: / shows it live with "
                                     "the state, /stream is the MJPEG stream, /snapshot a JPEG, "
                                     "/state the state as JSON. One stream from the source serves "
                                     "every viewer. Prints the page's URL, then runs until "
                                     "interrupted."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!jmp_cli_parse (context, &argc, &argv, &status))
    return status;
  if (argc > 1)
    return jmp_cli_usage_error (_("stream takes no arguments, got \"%s\""), argv[1]);
  if (browser && no_browser)
    return jmp_cli_usage_error (_("--browser and --no-browser exclude each other"));
  if (port_text != NULL && !jmp_cmd_video_parse_port (port_text, &port))
    return jmp_cli_usage_error (_("PORT \"%s\" is not a number from 0 to 65535"), port_text);

  server = jmp_video_server_new (ctx->driver);
  if (!jmp_video_server_listen (server, address, port, &error))
    return jmp_cli_fail (error);
  url = jmp_video_server_get_url (server);

  loop = g_main_loop_new (NULL, FALSE);
  run.loop = loop;
  run.status = JMP_CLI_EXIT_OK;
  /* handlers first: a script may signal as soon as it has read the line */
  for (gsize i = 0; i < G_N_ELEMENTS (signals); i++)
    signal_ids[i] = g_unix_signal_add (signals[i], jmp_cmd_video_signal_cb, &run);
  closed_id = g_signal_connect (connection, "closed", G_CALLBACK (jmp_cmd_video_closed_cb), &run);

  g_print ("%s\n", url);
  fflush (stdout);

  if (jmp_cmd_video_want_browser (browser, no_browser) &&
      !g_app_info_launch_default_for_uri (url, NULL, &error))
    {
      /* the page is served all the same; say where */
      jmp_cli_error (_("cannot open a browser (%s); open %s yourself"), error->message, url);
      g_clear_error (&error);
    }

  if (!g_dbus_connection_is_closed (connection))
    g_main_loop_run (loop);
  else
    jmp_cmd_video_closed_cb (connection, TRUE, NULL, &run);

  g_signal_handler_disconnect (connection, closed_id);
  for (gsize i = 0; i < G_N_ELEMENTS (signals); i++)
    g_source_remove (signal_ids[i]);
  jmp_video_server_stop (server);
  return run.status;
}
