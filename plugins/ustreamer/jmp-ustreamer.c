/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <gio/gunixsocketaddress.h>
#include <json-glib/json-glib.h>
#include <glib/gi18n-lib.h>

#include "jmp-ustreamer.h"
#include "jmp-ustreamer-args.h"
#include "jmp-ustreamer-process.h"
#include "jmp-ustreamer-state.h"

/*
 * UStreamer: a ustreamer child serving on a private Unix socket. State()
 * and Snapshot() are GET /state and /snapshot on that socket; Connect()
 * hands over a connection to the socket itself, where /stream serves
 * MJPEG, so the host is out of the data path.
 */

struct _JmpUstreamer
{
  JmpDriver            parent_instance;

  gchar               *executable;
  JsonObject          *args;
  gdouble              start_timeout;

  JmpUstreamerProcess *process;
};

static void jmp_ustreamer_video_iface_init (JmpVideoInterface *iface);
static void jmp_ustreamer_network_iface_init (JmpNetworkInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (JmpUstreamer, jmp_ustreamer, JMP_TYPE_DRIVER,
                               G_IMPLEMENT_INTERFACE (JMP_TYPE_VIDEO,
                                                      jmp_ustreamer_video_iface_init)
                               G_IMPLEMENT_INTERFACE (JMP_TYPE_NETWORK,
                                                      jmp_ustreamer_network_iface_init))

enum {
  PROP_0,
  PROP_EXECUTABLE,
  PROP_ARGS,
  PROP_START_TIMEOUT,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

#define DEFAULT_EXECUTABLE    "ustreamer"
#define DEFAULT_START_TIMEOUT 10.0

static JmpUstreamerClient *
jmp_ustreamer_get_client (JmpUstreamer *self, GError **error)
{
  if (self->process == NULL)
    {
      g_set_error (error, JMP_ERROR, JMP_ERROR_UNAVAILABLE, _("driver %s is stopped"),
                   jmp_driver_get_name (JMP_DRIVER (self)));
      return NULL;
    }
  return jmp_ustreamer_process_get_client (self->process, error);
}

/* Anything between the host and its own child is "ustreamer is not
 * there right now": a crash, a restart, a session aborted on its exit. */
static GError *
jmp_ustreamer_request_error (JmpUstreamer *self, GTask *task, const gchar *path, GError *error)
{
  g_autoptr(GError) cause = error;
  GCancellable *cancellable = g_task_get_cancellable (task);

  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
      cancellable != NULL && g_cancellable_is_cancelled (cancellable))
    return g_steal_pointer (&cause);
  return g_error_new (JMP_ERROR,
                      cause->domain == JMP_ERROR ? cause->code : JMP_ERROR_UNAVAILABLE,
                      _("%s: ustreamer's %s: %s"),
                      jmp_driver_get_name (JMP_DRIVER (self)), path, cause->message);
}

static void
jmp_ustreamer_get (JmpUstreamer        *self,
                   const gchar         *path,
                   GTask               *task,
                   GAsyncReadyCallback  callback)
{
  GError *error = NULL;
  JmpUstreamerClient *client = jmp_ustreamer_get_client (self, &error);

  if (client == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  jmp_ustreamer_client_get_async (client, path, g_task_get_cancellable (task), callback, task);
}

static void
jmp_ustreamer_state_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  JmpUstreamer *self = g_task_get_source_object (task);
  g_autoptr(GBytes) body = NULL;
  GError *error = NULL;
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);

  body = jmp_ustreamer_client_get_finish (JMP_USTREAMER_CLIENT (source), res, &error);
  if (body == NULL || !jmp_ustreamer_state_parse (body, &builder, &error))
    {
      g_task_return_error (task, jmp_ustreamer_request_error (self, task, "/state", error));
      return;
    }
  g_variant_builder_add (&builder, "{sv}", "restarts",
                         g_variant_new_uint32 (self->process != NULL ?
                                               jmp_ustreamer_process_get_restarts (self->process) : 0));
  g_task_return_pointer (task, g_variant_ref_sink (g_variant_builder_end (&builder)),
                         (GDestroyNotify) g_variant_unref);
}

static void
jmp_ustreamer_get_state_async (JmpVideo            *video,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  GTask *task = g_task_new (video, cancellable, callback, user_data);

  g_task_set_source_tag (task, jmp_ustreamer_get_state_async);
  jmp_ustreamer_get (JMP_USTREAMER (video), "/state", task, jmp_ustreamer_state_cb);
}

static GVariant *
jmp_ustreamer_get_state_finish (JmpVideo *video, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, video), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
jmp_ustreamer_snapshot_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  JmpUstreamer *self = g_task_get_source_object (task);
  GError *error = NULL;
  GBytes *jpeg = jmp_ustreamer_client_get_finish (JMP_USTREAMER_CLIENT (source), res, &error);

  if (jpeg == NULL)
    g_task_return_error (task, jmp_ustreamer_request_error (self, task, "/snapshot", error));
  else
    g_task_return_pointer (task, jpeg, (GDestroyNotify) g_bytes_unref);
}

static void
jmp_ustreamer_snapshot_async (JmpVideo            *video,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  GTask *task = g_task_new (video, cancellable, callback, user_data);

  g_task_set_source_tag (task, jmp_ustreamer_snapshot_async);
  jmp_ustreamer_get (JMP_USTREAMER (video), "/snapshot", task, jmp_ustreamer_snapshot_cb);
}

static GBytes *
jmp_ustreamer_snapshot_finish (JmpVideo *video, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, video), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static const gchar *
jmp_ustreamer_get_stream_path (JmpVideo *video)
{
  return "/stream";
}

static void
jmp_ustreamer_video_iface_init (JmpVideoInterface *iface)
{
  iface->get_state_async = jmp_ustreamer_get_state_async;
  iface->get_state_finish = jmp_ustreamer_get_state_finish;
  iface->snapshot_async = jmp_ustreamer_snapshot_async;
  iface->snapshot_finish = jmp_ustreamer_snapshot_finish;
  iface->get_stream_path = jmp_ustreamer_get_stream_path;
}

/* A connect() to a listening Unix socket completes at once or fails at
 * once (a full backlog gives EAGAIN on a non-blocking socket), so it is
 * done here without a round trip through the main loop. */
static void
jmp_ustreamer_connect_async (JmpNetwork          *network,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  JmpUstreamer *self = JMP_USTREAMER (network);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  GError *error = NULL;

  g_task_set_source_tag (task, jmp_ustreamer_connect_async);
  if (jmp_ustreamer_get_client (self, &error) == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  socket = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_DEFAULT, &error);
  if (socket == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_socket_set_blocking (socket, FALSE);
  address = g_unix_socket_address_new (jmp_ustreamer_process_get_socket_path (self->process));
  if (!g_socket_connect (socket, address, cancellable, &error))
    {
      g_task_return_error (task, jmp_ustreamer_request_error (self, task, _("socket"), error));
      return;
    }
  g_socket_set_blocking (socket, TRUE);
  g_task_return_pointer (task, g_steal_pointer (&socket), g_object_unref);
}

static GSocket *
jmp_ustreamer_connect_finish (JmpNetwork *network, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, network), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
jmp_ustreamer_network_iface_init (JmpNetworkInterface *iface)
{
  iface->connect_async = jmp_ustreamer_connect_async;
  iface->connect_finish = jmp_ustreamer_connect_finish;
}

static gchar *
jmp_ustreamer_find_executable (JmpUstreamer *self, GError **error)
{
  const gchar *wanted = self->executable != NULL ? self->executable : DEFAULT_EXECUTABLE;
  g_autofree gchar *path = NULL;

  if (strchr (wanted, '/') != NULL)
    {
      if (!g_file_test (wanted, G_FILE_TEST_EXISTS))
        {
          g_set_error (error, JMP_ERROR, JMP_ERROR_NOT_FOUND,
                       _("executable %s does not exist"), wanted);
          return NULL;
        }
      if (g_file_test (wanted, G_FILE_TEST_IS_DIR) ||
          !g_file_test (wanted, G_FILE_TEST_IS_EXECUTABLE))
        {
          g_set_error (error, JMP_ERROR, JMP_ERROR_NOT_FOUND,
                       _("executable %s is not an executable file"), wanted);
          return NULL;
        }
      return g_strdup (wanted);
    }
  path = g_find_program_in_path (wanted);
  if (path == NULL)
    {
      const gchar *search = g_getenv ("PATH");

      g_set_error (error, JMP_ERROR, JMP_ERROR_NOT_FOUND,
                   _("%s was not found on PATH (%s); install it (Debian: apt install ustreamer) or set executable"),
                   wanted, search != NULL ? search : "");
      return NULL;
    }
  return g_steal_pointer (&path);
}

static JmpUstreamerProcess *
jmp_ustreamer_new_process (JmpUstreamer *self, GError **error)
{
  g_auto(GStrv) options = NULL;
  g_autofree gchar *executable = NULL;

  options = jmp_ustreamer_args_build (self->args, error);
  if (options == NULL)
    return NULL;
  executable = jmp_ustreamer_find_executable (self, error);
  if (executable == NULL)
    return NULL;
  return jmp_ustreamer_process_new (jmp_driver_get_name (JMP_DRIVER (self)), executable,
                                    (const gchar * const *) options, self->start_timeout);
}

static gboolean
jmp_ustreamer_start (JmpDriver *driver, GError **error)
{
  JmpUstreamer *self = JMP_USTREAMER (driver);
  g_autoptr(JmpUstreamerProcess) process = jmp_ustreamer_new_process (self, error);

  if (process == NULL || !jmp_ustreamer_process_start (process, error))
    return FALSE;
  self->process = g_steal_pointer (&process);
  return TRUE;
}

static void
jmp_ustreamer_started_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  JmpUstreamer *self = g_task_get_source_object (task);
  GError *error = NULL;

  if (!jmp_ustreamer_process_start_finish (JMP_USTREAMER_PROCESS (source), res, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_set_object (&self->process, JMP_USTREAMER_PROCESS (source));
  g_task_return_boolean (task, TRUE);
}

/* The host's way: ustreamer takes a while to serve, and the host's other
 * clients are served meanwhile. */
static void
jmp_ustreamer_start_async (JmpDriver           *driver,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (driver, cancellable, callback, user_data);
  g_autoptr(JmpUstreamerProcess) process = NULL;
  GError *error = NULL;

  g_task_set_source_tag (task, jmp_ustreamer_start_async);
  /* a started child is the caller's to stop, even if it cancelled meanwhile */
  g_task_set_check_cancellable (task, FALSE);
  process = jmp_ustreamer_new_process (JMP_USTREAMER (driver), &error);
  if (process == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  jmp_ustreamer_process_start_async (process, cancellable, jmp_ustreamer_started_cb,
                                     g_steal_pointer (&task));
}

static gboolean
jmp_ustreamer_start_finish (JmpDriver *driver, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, driver), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
jmp_ustreamer_stop (JmpDriver *driver)
{
  JmpUstreamer *self = JMP_USTREAMER (driver);

  if (self->process != NULL)
    jmp_ustreamer_process_stop (self->process);
  g_clear_object (&self->process);
}

static void
jmp_ustreamer_stopped_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;

  jmp_ustreamer_process_stop_finish (JMP_USTREAMER_PROCESS (source), res);
  g_task_return_boolean (task, TRUE);
}

/* The host's way: a ustreamer stuck in the kernel may take its 5 s to
 * go, and the host's other clients are served meanwhile. */
static void
jmp_ustreamer_stop_async (JmpDriver           *driver,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  JmpUstreamer *self = JMP_USTREAMER (driver);
  g_autoptr(GTask) task = g_task_new (driver, cancellable, callback, user_data);
  g_autoptr(JmpUstreamerProcess) process = g_steal_pointer (&self->process);

  g_task_set_source_tag (task, jmp_ustreamer_stop_async);
  g_task_set_check_cancellable (task, FALSE);
  if (process == NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  jmp_ustreamer_process_stop_async (process, cancellable, jmp_ustreamer_stopped_cb,
                                    g_steal_pointer (&task));
}

static void
jmp_ustreamer_stop_finish (JmpDriver *driver, GAsyncResult *result)
{
  g_return_if_fail (g_task_is_valid (result, driver));
  g_task_propagate_boolean (G_TASK (result), NULL);
}

static GHashTable *
jmp_ustreamer_get_methods_description (JmpDriver *driver)
{
  GHashTable *methods = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  g_hash_table_insert (methods, g_strdup ("state"),
                       g_strdup (_("ustreamer's state: online, resolution, FPS, encoder, clients, restarts")));
  g_hash_table_insert (methods, g_strdup ("snapshot"),
                       g_strdup (_("One JPEG frame, as ustreamer served it")));
  g_hash_table_insert (methods, g_strdup ("connect"),
                       g_strdup (_("A stream to ustreamer's HTTP server (MJPEG on /stream)")));
  return methods;
}

static void
jmp_ustreamer_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  JmpUstreamer *self = JMP_USTREAMER (object);

  switch (prop_id)
    {
    case PROP_EXECUTABLE:
      g_value_set_string (value, self->executable);
      break;
    case PROP_ARGS:
      g_value_set_boxed (value, self->args);
      break;
    case PROP_START_TIMEOUT:
      g_value_set_double (value, self->start_timeout);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
jmp_ustreamer_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  JmpUstreamer *self = JMP_USTREAMER (object);

  switch (prop_id)
    {
    case PROP_EXECUTABLE:
      g_free (self->executable);
      self->executable = g_value_dup_string (value);
      break;
    case PROP_ARGS:
      g_clear_pointer (&self->args, json_object_unref);
      self->args = g_value_dup_boxed (value);
      break;
    case PROP_START_TIMEOUT:
      self->start_timeout = g_value_get_double (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
jmp_ustreamer_finalize (GObject *object)
{
  JmpUstreamer *self = JMP_USTREAMER (object);

  g_clear_object (&self->process);
  g_free (self->executable);
  g_clear_pointer (&self->args, json_object_unref);
  G_OBJECT_CLASS (jmp_ustreamer_parent_class)->finalize (object);
}

static void
jmp_ustreamer_class_init (JmpUstreamerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  JmpDriverClass *driver_class = JMP_DRIVER_CLASS (klass);

  object_class->get_property = jmp_ustreamer_get_property;
  object_class->set_property = jmp_ustreamer_set_property;
  object_class->finalize = jmp_ustreamer_finalize;
  driver_class->start = jmp_ustreamer_start;
  driver_class->start_async = jmp_ustreamer_start_async;
  driver_class->start_finish = jmp_ustreamer_start_finish;
  driver_class->stop = jmp_ustreamer_stop;
  driver_class->stop_async = jmp_ustreamer_stop_async;
  driver_class->stop_finish = jmp_ustreamer_stop_finish;
  driver_class->get_methods_description = jmp_ustreamer_get_methods_description;

  props[PROP_EXECUTABLE] =
    g_param_spec_string ("executable", NULL,
                         _("The ustreamer program: a path, or a name looked up on PATH when the driver starts (default: ustreamer)"),
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS);
  props[PROP_ARGS] =
    g_param_spec_boxed ("args", NULL,
                        _("ustreamer long options: a string or number gives --key value, true the flag --key, false or null leaves it out (e.g. {device: /dev/video0, desired-fps: 30})"),
                        JSON_TYPE_OBJECT,
                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS);
  props[PROP_START_TIMEOUT] =
    g_param_spec_double ("start-timeout", NULL,
                         _("Seconds to wait for ustreamer to answer on its socket at start"),
                         0.1, 600.0, DEFAULT_START_TIMEOUT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
jmp_ustreamer_init (JmpUstreamer *self)
{
  self->start_timeout = DEFAULT_START_TIMEOUT;
}
