/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "jmp-peer-connect-private.h"

/*
 * A peer-to-peer connection to a host. A Unix socket whose listen queue is
 * full refuses connect() with EAGAIN at once, where TCP would wait: a host
 * busy with a burst of clients is not a host that is gone. Such a refusal
 * is retried with a growing pause, for a bounded time; any other error is
 * final.
 */

#define JMP_PEER_CONNECT_RETRY_US    (3 * G_USEC_PER_SEC)
#define JMP_PEER_CONNECT_FIRST_PAUSE 1    /* ms, doubled up to … */
#define JMP_PEER_CONNECT_MAX_PAUSE   100  /* ms */

static gboolean
jmp_peer_connect_should_retry (GError *error, gint64 deadline, guint *pause_ms)
{
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK) ||
      g_get_monotonic_time () + *pause_ms * 1000 > deadline)
    return FALSE;
  g_debug ("the host's listen queue is full; trying again in %u ms", *pause_ms);
  return TRUE;
}

static guint
jmp_peer_connect_next_pause (guint pause_ms)
{
  return MIN (pause_ms * 2, JMP_PEER_CONNECT_MAX_PAUSE);
}

GDBusConnection *
jmp_peer_connect_sync (const gchar   *address,
                       GCancellable  *cancellable,
                       GError       **error)
{
  gint64 deadline = g_get_monotonic_time () + JMP_PEER_CONNECT_RETRY_US;
  guint pause_ms = JMP_PEER_CONNECT_FIRST_PAUSE;

  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      GDBusConnection *connection;

      connection = g_dbus_connection_new_for_address_sync (address,
                                                           G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT,
                                                           NULL, cancellable, &local_error);
      if (connection != NULL)
        return connection;
      if (!jmp_peer_connect_should_retry (local_error, deadline, &pause_ms))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      g_usleep (pause_ms * 1000);
      pause_ms = jmp_peer_connect_next_pause (pause_ms);
    }
}

typedef struct {
  gchar  *address;
  gint64  deadline;
  guint   pause_ms;
} JmpPeerConnect;

static void
jmp_peer_connect_free (JmpPeerConnect *data)
{
  g_free (data->address);
  g_free (data);
}

static void jmp_peer_connect_attempt (GTask *task);

static gboolean
jmp_peer_connect_pause_done_cb (gpointer user_data)
{
  jmp_peer_connect_attempt (G_TASK (user_data));
  return G_SOURCE_REMOVE;
}

static void
jmp_peer_connect_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  JmpPeerConnect *data = g_task_get_task_data (task);
  g_autoptr(GSource) pause = NULL;
  GDBusConnection *connection;
  GError *error = NULL;

  connection = g_dbus_connection_new_for_address_finish (res, &error);
  if (connection != NULL)
    {
      g_task_return_pointer (task, connection, g_object_unref);
      return;
    }
  if (!jmp_peer_connect_should_retry (error, data->deadline, &data->pause_ms))
    {
      g_task_return_error (task, error);
      return;
    }
  g_error_free (error);
  pause = g_timeout_source_new (data->pause_ms);
  data->pause_ms = jmp_peer_connect_next_pause (data->pause_ms);
  g_task_attach_source (task, pause, jmp_peer_connect_pause_done_cb);
}

static void
jmp_peer_connect_attempt (GTask *task)
{
  JmpPeerConnect *data = g_task_get_task_data (task);

  g_dbus_connection_new_for_address (data->address,
                                     G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT,
                                     NULL, g_task_get_cancellable (task),
                                     jmp_peer_connect_cb, g_object_ref (task));
}

void
jmp_peer_connect_async (const gchar         *address,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  JmpPeerConnect *data = g_new0 (JmpPeerConnect, 1);

  g_task_set_source_tag (task, jmp_peer_connect_async);
  data->address = g_strdup (address);
  data->deadline = g_get_monotonic_time () + JMP_PEER_CONNECT_RETRY_US;
  data->pause_ms = JMP_PEER_CONNECT_FIRST_PAUSE;
  g_task_set_task_data (task, data, (GDestroyNotify) jmp_peer_connect_free);
  jmp_peer_connect_attempt (task);
}

GDBusConnection *
jmp_peer_connect_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
