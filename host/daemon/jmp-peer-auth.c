/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <sys/socket.h>

#include "jmp-peer-auth.h"

/*
 * The server side of a peer's D-Bus handshake, as GDBusServer does it:
 * GDBus's blocking authentication in a thread. Not in GTask's shared pool
 * (where g_dbus_connection_new() would run it): peers that connect and say
 * nothing would hold the threads that reloads and other peers wait for.
 *
 * Cancelling shuts the socket down, which ends a handshake blocked on it at
 * once. A cancellable passed to GDBus would instead be polled through an
 * fd of its own, and creating one when the host is out of fds aborts.
 */

typedef struct {
  GSocketConnection *stream;
  gchar             *guid;
  GDBusAuthObserver *observer;
  GCancellable      *cancellable;
  gulong             cancelled_id;
} JmpPeerAuth;

static void
jmp_peer_auth_free (JmpPeerAuth *auth)
{
  g_object_unref (auth->stream);
  g_free (auth->guid);
  g_clear_object (&auth->observer);
  g_clear_object (&auth->cancellable);
  g_free (auth);
}

/* shutdown(2) on the fd, not g_socket_shutdown(): the GSocket's state
 * belongs to the thread running the handshake. The fd stays open until
 * the handler is disconnected. */
static void
jmp_peer_auth_cancelled_cb (GCancellable *cancellable, GSocket *socket)
{
  shutdown (g_socket_get_fd (socket), SHUT_RDWR);
}

static void
jmp_peer_auth_run (gpointer data, gpointer pool_data)
{
  g_autoptr(GTask) task = data;
  JmpPeerAuth *auth = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  GDBusConnection *connection;

  connection = g_dbus_connection_new_sync (G_IO_STREAM (auth->stream), auth->guid,
                                           G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_SERVER |
                                           G_DBUS_CONNECTION_FLAGS_DELAY_MESSAGE_PROCESSING,
                                           auth->observer, NULL, &error);
  /* waits for a handler running in another thread */
  g_cancellable_disconnect (auth->cancellable, auth->cancelled_id);
  if (connection == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, connection, g_object_unref);
}

static GThreadPool *
jmp_peer_auth_pool (void)
{
  static GThreadPool *pool;

  if (g_once_init_enter (&pool))
    g_once_init_leave (&pool, g_thread_pool_new (jmp_peer_auth_run, NULL, -1, FALSE, NULL));
  return pool;
}

/**
 * jmp_peer_auth_async:
 * @stream: a connection a peer opened
 * @guid: the server's D-Bus GUID
 * @observer: (nullable): decides which peers pass
 * @cancellable: (nullable): a #GCancellable; cancelling shuts @stream down
 * @callback: called when the peer has authenticated or failed to
 * @user_data: data for @callback
 *
 * Runs the server side of D-Bus authentication on @stream in a thread.
 */
void
jmp_peer_auth_async (GSocketConnection   *stream,
                     const gchar         *guid,
                     GDBusAuthObserver   *observer,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;
  JmpPeerAuth *auth = g_new0 (JmpPeerAuth, 1);

  g_task_set_source_tag (task, jmp_peer_auth_async);
  auth->stream = g_object_ref (stream);
  auth->guid = g_strdup (guid);
  auth->observer = observer != NULL ? g_object_ref (observer) : NULL;
  auth->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;
  g_task_set_task_data (task, auth, (GDestroyNotify) jmp_peer_auth_free);
  /* the socket lives as long as the task: the handler may use it */
  if (cancellable != NULL)
    auth->cancelled_id = g_cancellable_connect (cancellable,
                                                G_CALLBACK (jmp_peer_auth_cancelled_cb),
                                                g_socket_connection_get_socket (stream), NULL);
  /* a thread that cannot be started now leaves the work queued for the
   * next one free */
  if (!g_thread_pool_push (jmp_peer_auth_pool (), g_object_ref (task), &error))
    g_debug ("authentication of a peer waits for a thread: %s", error->message);
}

/**
 * jmp_peer_auth_finish:
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the authenticated connection, its message
 *   processing not yet started, or %NULL with @error set
 */
GDBusConnection *
jmp_peer_auth_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
