/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <sys/socket.h>

#include <glib/gi18n-lib.h>

#include "jmp-echo-network.h"

/*
 * EchoNetwork: every stream echoes what it receives. The caller gets one end
 * of a socketpair; the host reads the other end and writes each chunk back.
 * EOF from the caller is answered with EOF once every byte went back.
 */

#define ECHO_BUFFER_SIZE (64 * 1024)

struct _JmpEchoNetwork
{
  JmpDriver     parent_instance;
  GCancellable *cancellable;  /* cancels every pump on stop */
  guint         n_streams;
};

static void jmp_echo_network_iface_init (JmpNetworkInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (JmpEchoNetwork, jmp_echo_network, JMP_TYPE_DRIVER,
                               G_IMPLEMENT_INTERFACE (JMP_TYPE_NETWORK,
                                                      jmp_echo_network_iface_init))

typedef struct {
  JmpEchoNetwork    *driver;  /* owned: a pump keeps its driver alive */
  JmpStreamLease    *lease;   /* the stream, counted against its client */
  GSocketConnection *connection;
  guint8            *buffer;
} JmpEchoPump;

static void
jmp_echo_pump_free (JmpEchoPump *pump)
{
  pump->driver->n_streams--;
  g_io_stream_close (G_IO_STREAM (pump->connection), NULL, NULL);
  g_object_unref (pump->connection);
  g_object_unref (pump->driver);
  g_object_unref (pump->lease);
  g_free (pump->buffer);
  g_free (pump);
}

static void jmp_echo_pump_read (JmpEchoPump *pump);

static void
jmp_echo_pump_written_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  JmpEchoPump *pump = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), res, NULL, &error))
    {
      g_debug ("echo stream closed while writing: %s", error->message);
      jmp_echo_pump_free (pump);
      return;
    }
  jmp_echo_pump_read (pump);
}

static void
jmp_echo_pump_read_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  JmpEchoPump *pump = user_data;
  g_autoptr(GError) error = NULL;
  GOutputStream *output;
  gssize n;

  n = g_input_stream_read_finish (G_INPUT_STREAM (source), res, &error);
  if (n < 0)
    {
      g_debug ("echo stream closed while reading: %s", error->message);
      jmp_echo_pump_free (pump);
      return;
    }
  if (n == 0)
    {
      /* the caller half-closed: every byte is back, so answer with EOF */
      g_socket_shutdown (g_socket_connection_get_socket (pump->connection),
                         FALSE, TRUE, NULL);
      jmp_echo_pump_free (pump);
      return;
    }
  output = g_io_stream_get_output_stream (G_IO_STREAM (pump->connection));
  g_output_stream_write_all_async (output, pump->buffer, n, G_PRIORITY_DEFAULT,
                                   pump->driver->cancellable,
                                   jmp_echo_pump_written_cb, pump);
}

static void
jmp_echo_pump_read (JmpEchoPump *pump)
{
  GInputStream *input = g_io_stream_get_input_stream (G_IO_STREAM (pump->connection));

  g_input_stream_read_async (input, pump->buffer, ECHO_BUFFER_SIZE,
                             G_PRIORITY_DEFAULT, pump->driver->cancellable,
                             jmp_echo_pump_read_cb, pump);
}

static GSocket *
jmp_echo_socket_new (gint fd, GError **error)
{
  GSocket *socket = g_socket_new_from_fd (fd, error);

  if (socket == NULL)
    close (fd);
  return socket;
}

static void
jmp_echo_network_connect_async (JmpNetwork          *network,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  JmpEchoNetwork *self = JMP_ECHO_NETWORK (network);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GSocket) ours = NULL;
  g_autoptr(GSocket) theirs = NULL;
  g_autoptr(JmpStreamLease) lease = NULL;
  g_autoptr(GError) error = NULL;
  JmpEchoPump *pump;
  gint fds[2];

  g_task_set_source_tag (task, jmp_echo_network_connect_async);

  if (!jmp_driver_is_started (JMP_DRIVER (self)))
    {
      g_task_return_new_error (task, JMP_ERROR, JMP_ERROR_UNAVAILABLE,
                               _("driver %s is stopped"),
                               jmp_driver_get_name (JMP_DRIVER (self)));
      return;
    }
  /* the pump keeps an fd and a buffer: counted against the caller */
  lease = jmp_stream_lease_acquire (cancellable, &error);
  if (lease == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0)
    {
      int errsv = errno;
      g_task_return_new_error (task, JMP_ERROR, JMP_ERROR_UNAVAILABLE,
                               _("cannot create an echo stream: %s"),
                               g_strerror (errsv));
      return;
    }
  ours = jmp_echo_socket_new (fds[0], &error);
  theirs = jmp_echo_socket_new (fds[1], ours != NULL ? &error : NULL);
  if (ours == NULL || theirs == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  pump = g_new0 (JmpEchoPump, 1);
  pump->driver = g_object_ref (self);
  pump->lease = g_steal_pointer (&lease);
  pump->connection = g_socket_connection_factory_create_connection (ours);
  pump->buffer = g_malloc (ECHO_BUFFER_SIZE);
  self->n_streams++;
  jmp_echo_pump_read (pump);

  g_task_return_pointer (task, g_steal_pointer (&theirs), g_object_unref);
}

static GSocket *
jmp_echo_network_connect_finish (JmpNetwork    *network,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, network), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
jmp_echo_network_iface_init (JmpNetworkInterface *iface)
{
  iface->connect_async = jmp_echo_network_connect_async;
  iface->connect_finish = jmp_echo_network_connect_finish;
}

static gboolean
jmp_echo_network_start (JmpDriver *driver, GError **error)
{
  JmpEchoNetwork *self = JMP_ECHO_NETWORK (driver);

  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  return TRUE;
}

static void
jmp_echo_network_stop (JmpDriver *driver)
{
  JmpEchoNetwork *self = JMP_ECHO_NETWORK (driver);

  g_cancellable_cancel (self->cancellable);
}

static GHashTable *
jmp_echo_network_get_methods_description (JmpDriver *driver)
{
  GHashTable *methods = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  g_hash_table_insert (methods, g_strdup ("connect"),
                       g_strdup (_("Open a stream that echoes every byte back")));
  return methods;
}

static void
jmp_echo_network_finalize (GObject *object)
{
  JmpEchoNetwork *self = JMP_ECHO_NETWORK (object);

  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (jmp_echo_network_parent_class)->finalize (object);
}

static void
jmp_echo_network_class_init (JmpEchoNetworkClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  JmpDriverClass *driver_class = JMP_DRIVER_CLASS (klass);

  object_class->finalize = jmp_echo_network_finalize;
  driver_class->start = jmp_echo_network_start;
  driver_class->stop = jmp_echo_network_stop;
  driver_class->get_methods_description = jmp_echo_network_get_methods_description;
}

static void
jmp_echo_network_init (JmpEchoNetwork *self)
{
  self->cancellable = g_cancellable_new ();
}
