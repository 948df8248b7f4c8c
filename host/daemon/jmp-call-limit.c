/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "jmp-call-limit.h"
#include "jmp-peer-describe.h"

/*
 * One peer cannot take the host's fds and memory from the others by
 * sending calls it never waits for (2,000 Connect()s, each a socket).
 *
 * A filter on the connection counts, per sender, the calls that expect a
 * reply and have not had it written yet. GDBus runs outgoing filters in
 * its worker just before it writes a message, so a reply counts until it
 * leaves for the socket: a peer that does not read keeps its count. Past
 * JMP_CALL_LIMIT_IN_FLIGHT a call is answered at once with Unavailable
 * and never reaches a handler; peer-to-peer, past JMP_CALL_LIMIT_UNREAD
 * the peer is dropped. Filters run in GDBus's worker thread, hence the
 * lock. This knows nothing of drivers: every method, of the host or of a
 * plugin, counts alike.
 */

typedef struct {
  GMutex      lock;
  gboolean    peer_to_peer;
  gboolean    dropping;
  GHashTable *owed;     /* sender ("" peer-to-peer) → number of replies owed */
  GHashTable *pending;  /* "sender serial" of each call owed a reply */
} JmpCallLimit;

static void
jmp_call_limit_free (gpointer data)
{
  JmpCallLimit *limit = data;

  g_hash_table_unref (limit->owed);
  g_hash_table_unref (limit->pending);
  g_mutex_clear (&limit->lock);
  g_free (limit);
}

static gchar *
jmp_call_limit_key (const gchar *peer, guint32 serial)
{
  return g_strdup_printf ("%s %u", peer, serial);
}

static gboolean
jmp_call_limit_drop_cb (gpointer user_data)
{
  GDBusConnection *connection = user_data;
  g_autofree gchar *who = jmp_peer_describe (connection);

  g_message ("dropping %s: it sent %u calls without reading their replies",
             who, (guint) JMP_CALL_LIMIT_UNREAD);
  g_dbus_connection_close (connection, NULL, NULL, NULL);
  return G_SOURCE_REMOVE;
}

/* Answers @call with Unavailable, without a handler. */
static void
jmp_call_limit_refuse (GDBusConnection *connection, GDBusMessage *call)
{
  g_autoptr(GDBusMessage) reply = NULL;

  reply = g_dbus_message_new_method_error (call, "dev.jumpstarter.Error.Unavailable",
                                           _("too many calls in flight from this client "
                                             "(at most %u); wait for their replies"),
                                           (guint) JMP_CALL_LIMIT_IN_FLIGHT);
  g_dbus_connection_send_message (connection, reply, G_DBUS_SEND_MESSAGE_FLAGS_NONE,
                                  NULL, NULL);
}

static GDBusMessage *
jmp_call_limit_filter (GDBusConnection *connection,
                       GDBusMessage    *message,
                       gboolean         incoming,
                       gpointer         user_data)
{
  JmpCallLimit *limit = user_data;
  g_autoptr(GMutexLocker) locker = NULL;
  GDBusMessageType type = g_dbus_message_get_message_type (message);
  const gchar *peer;
  guint owed;

  if (incoming)
    {
      if (type != G_DBUS_MESSAGE_TYPE_METHOD_CALL ||
          (g_dbus_message_get_flags (message) & G_DBUS_MESSAGE_FLAGS_NO_REPLY_EXPECTED))
        return message;
      peer = limit->peer_to_peer ? "" : (g_dbus_message_get_sender (message) ?: "");
      locker = g_mutex_locker_new (&limit->lock);
      owed = GPOINTER_TO_UINT (g_hash_table_lookup (limit->owed, peer)) + 1;
      g_hash_table_replace (limit->owed, g_strdup (peer), GUINT_TO_POINTER (owed));
      g_hash_table_add (limit->pending,
                        jmp_call_limit_key (peer, g_dbus_message_get_serial (message)));
      if (owed <= JMP_CALL_LIMIT_IN_FLIGHT)
        return message;
      if (limit->peer_to_peer && owed > JMP_CALL_LIMIT_UNREAD && !limit->dropping)
        {
          limit->dropping = TRUE;
          g_idle_add_full (G_PRIORITY_DEFAULT, jmp_call_limit_drop_cb,
                           g_object_ref (connection), g_object_unref);
        }
      g_clear_pointer (&locker, g_mutex_locker_free);
      jmp_call_limit_refuse (connection, message);
      g_object_unref (message);
      return NULL;
    }

  if (type != G_DBUS_MESSAGE_TYPE_METHOD_RETURN && type != G_DBUS_MESSAGE_TYPE_ERROR)
    return message;
  peer = limit->peer_to_peer ? "" : (g_dbus_message_get_destination (message) ?: "");
  locker = g_mutex_locker_new (&limit->lock);
  {
    g_autofree gchar *key = jmp_call_limit_key (peer, g_dbus_message_get_reply_serial (message));

    if (!g_hash_table_remove (limit->pending, key))
      return message;
  }
  owed = GPOINTER_TO_UINT (g_hash_table_lookup (limit->owed, peer));
  if (owed <= 1)
    g_hash_table_remove (limit->owed, peer);
  else
    g_hash_table_replace (limit->owed, g_strdup (peer), GUINT_TO_POINTER (owed - 1));
  return message;
}

/**
 * jmp_call_limit_install:
 * @connection: a connection the host serves
 * @peer_to_peer: %TRUE for a peer of `--listen` (one peer, which may be
 *   dropped), %FALSE for a bus (many senders, and the bus drops)
 *
 * Returns: the filter id
 */
guint
jmp_call_limit_install (GDBusConnection *connection, gboolean peer_to_peer)
{
  JmpCallLimit *limit = g_new0 (JmpCallLimit, 1);

  g_mutex_init (&limit->lock);
  limit->peer_to_peer = peer_to_peer;
  limit->owed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  limit->pending = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return g_dbus_connection_add_filter (connection, jmp_call_limit_filter, limit,
                                       jmp_call_limit_free);
}
