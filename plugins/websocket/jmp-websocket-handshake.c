/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <jumpstarter/jumpstarter.h>

#include "jmp-network-util.h"
#include "jmp-websocket-handshake.h"

/*
 * libsoup 3.2 gives the upgraded connection only inside a
 * SoupWebsocketConnection, which reads the socket as fast as it can and
 * queues what it sends without limit. The host needs back-pressure both
 * ways, so it frames the stream itself (jmp-websocket-frame.c) and takes
 * the connection over from libsoup before it has read a byte:
 *
 *  - libsoup handles "101 Switching Protocols" in a "got-informational"
 *    handler: it steals the connection, builds the SoupWebsocketConnection
 *    (whose reader is a source on our main context, not yet dispatched)
 *    and completes its task, which calls us back at once;
 *  - we connect handlers before and after libsoup's, so we know that the
 *    callback came from inside that emission; there we keep the GIOStream
 *    and dispose of the SoupWebsocketConnection with the stream marked
 *    busy: its reader goes away without having run, and the close it
 *    attempts on dispose fails with G_IO_ERROR_PENDING, leaving the stream
 *    open for us. Bytes libsoup buffered past the response headers stay in
 *    the stream's input.
 *
 * A callback from anywhere else would mean libsoup's reader may have run;
 * that fails the handshake rather than lose bytes.
 */

typedef struct {
  SoupMessage             *msg;
  gchar                   *url;
  JmpNetDeadline          *deadline;
  gboolean                 in_upgrade;  /* inside libsoup's 101 handling */
  gulong                   first_id;
  gulong                   last_id;
} JmpWsHandshake;

static void
jmp_ws_handshake_free (JmpWsHandshake *hs)
{
  if (hs->msg != NULL)
    {
      g_clear_signal_handler (&hs->first_id, hs->msg);
      g_clear_signal_handler (&hs->last_id, hs->msg);
    }
  g_clear_object (&hs->msg);
  g_free (hs->url);
  jmp_net_deadline_free (hs->deadline);
  g_free (hs);
}

static void
jmp_ws_handshake_informational_first_cb (SoupMessage *msg, gpointer user_data)
{
  JmpWsHandshake *hs = user_data;

  hs->in_upgrade = soup_message_get_status (msg) == SOUP_STATUS_SWITCHING_PROTOCOLS;
}

static void
jmp_ws_handshake_informational_last_cb (SoupMessage *msg, gpointer user_data)
{
  JmpWsHandshake *hs = user_data;

  hs->in_upgrade = FALSE;
}

/* "certificate not trusted (unknown authority)": what the user can fix */
static gchar *
jmp_ws_describe_tls (GTlsCertificateFlags flags, const GError *error)
{
  g_autoptr(GString) why = g_string_new (NULL);
  const struct {
    GTlsCertificateFlags flag;
    const gchar *text;
  } reasons[] = {
    { G_TLS_CERTIFICATE_UNKNOWN_CA, N_("unknown authority") },
    { G_TLS_CERTIFICATE_BAD_IDENTITY, N_("issued for another host name") },
    { G_TLS_CERTIFICATE_NOT_ACTIVATED, N_("not valid yet") },
    { G_TLS_CERTIFICATE_EXPIRED, N_("expired") },
    { G_TLS_CERTIFICATE_REVOKED, N_("revoked") },
    { G_TLS_CERTIFICATE_INSECURE, N_("insecure algorithm") },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (reasons); i++)
    if (flags & reasons[i].flag)
      {
        if (why->len > 0)
          g_string_append (why, ", ");
        g_string_append (why, _(reasons[i].text));
      }
  if (why->len == 0)
    g_string_append (why, error->message);
  /* TRANSLATORS: the reasons, e.g. "unknown authority, expired" */
  return g_strdup_printf (_("certificate not trusted (%s)"), why->str);
}

/* One message per failure a user can act on, with the URL in it. */
static GError *
jmp_ws_handshake_error (JmpWsHandshake *hs, GError *cause_in)
{
  g_autoptr(GError) cause = cause_in;
  guint status = soup_message_get_status (hs->msg);

  if (jmp_net_deadline_expired (hs->deadline))
    return jmp_net_timed_out_error (hs->url, jmp_net_deadline_get_seconds (hs->deadline));
  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_steal_pointer (&cause);

  if (g_error_matches (cause, SOUP_WEBSOCKET_ERROR, SOUP_WEBSOCKET_ERROR_NOT_WEBSOCKET) &&
      status != SOUP_STATUS_NONE && status != SOUP_STATUS_SWITCHING_PROTOCOLS)
    {
      const gchar *phrase = soup_message_get_reason_phrase (hs->msg);
      JmpError code = JMP_ERROR_FAILED;

      if (status == SOUP_STATUS_NOT_FOUND || status == SOUP_STATUS_GONE)
        code = JMP_ERROR_NOT_FOUND;
      else if (SOUP_STATUS_IS_SERVER_ERROR (status))
        code = JMP_ERROR_UNAVAILABLE;
      if (phrase == NULL || *phrase == '\0')
        phrase = soup_status_get_phrase (status);
      return g_error_new (JMP_ERROR, code,
                          /* TRANSLATORS: e.g. ws://host/x: server answered 404 Not Found */
                          _("%s: server answered %u %s"), hs->url, status,
                          phrase != NULL ? phrase : "");
    }
  if (cause->domain == SOUP_WEBSOCKET_ERROR)
    return g_error_new (JMP_ERROR, JMP_ERROR_FAILED,
                        _("%s: not a WebSocket server: %s"), hs->url, cause->message);
  if (cause->domain == G_TLS_ERROR)
    {
      g_autofree gchar *why = NULL;

      if (!g_error_matches (cause, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE) &&
          soup_message_get_tls_peer_certificate_errors (hs->msg) == 0)
        return g_error_new (JMP_ERROR, JMP_ERROR_FAILED,
                            _("%s: TLS handshake failed: %s"), hs->url, cause->message);
      why = jmp_ws_describe_tls (soup_message_get_tls_peer_certificate_errors (hs->msg), cause);
      return g_error_new (JMP_ERROR, JMP_ERROR_FAILED, "%s: %s", hs->url, why);
    }
  return jmp_net_connect_error (cause, hs->url);
}

/* glib-networking resumes TLS sessions from a cache of the whole process,
 * keyed by address and name only, and a resumed session skips the
 * certificate check: a session another driver made with other trust would
 * let this one in. So the chain is checked again, against this driver's
 * own store, whatever the handshake did. */
static gboolean
jmp_ws_handshake_check_peer (JmpWsHandshake *hs, SoupSession *session, GError **error)
{
  GTlsCertificate *peer = soup_message_get_tls_peer_certificate (hs->msg);
  GTlsDatabase *database = soup_session_get_tls_database (session);
  g_autoptr(GSocketConnectable) identity = NULL;
  g_autoptr(GError) local_error = NULL;
  GTlsCertificateFlags flags;
  GUri *uri = soup_message_get_uri (hs->msg);

  if (!g_str_equal (g_uri_get_scheme (uri), "wss") &&
      !g_str_equal (g_uri_get_scheme (uri), "https"))
    return TRUE;
  if (peer == NULL || database == NULL)
    flags = G_TLS_CERTIFICATE_GENERIC_ERROR;
  else
    {
      identity = g_network_address_new (g_uri_get_host (uri), (guint16) g_uri_get_port (uri));
      flags = g_tls_database_verify_chain (database, peer, G_TLS_DATABASE_PURPOSE_AUTHENTICATE_SERVER,
                                           identity, NULL, G_TLS_DATABASE_VERIFY_NONE, NULL,
                                           &local_error);
    }
  if (flags == 0 && local_error == NULL)
    return TRUE;
  {
    g_autoptr(GError) cause = g_error_new_literal (G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE,
                                                   local_error != NULL ? local_error->message
                                                                       : _("unverified"));
    g_autofree gchar *why = jmp_ws_describe_tls (flags, cause);

    g_set_error (error, JMP_ERROR, JMP_ERROR_FAILED, "%s: %s", hs->url, why);
  }
  return FALSE;
}

/* Keeps the stream, lets libsoup's object go; see the top of this file. */
static GIOStream *
jmp_ws_handshake_take_over (JmpWsHandshake *hs, SoupWebsocketConnection *connection,
                            GError **error)
{
  g_autoptr(GIOStream) stream = g_object_ref (soup_websocket_connection_get_io_stream (connection));
  gboolean busy;

  if (!hs->in_upgrade)
    {
      g_set_error (error, JMP_ERROR, JMP_ERROR_FAILED,
                   _("%s: the upgraded connection cannot be taken over"), hs->url);
      return NULL;
    }
  busy = g_io_stream_set_pending (stream, NULL);
  g_object_run_dispose (G_OBJECT (connection));
  if (busy)
    g_io_stream_clear_pending (stream);
  if (!busy || g_io_stream_is_closed (stream))
    {
      g_set_error (error, JMP_ERROR, JMP_ERROR_FAILED,
                   _("%s: the upgraded connection cannot be taken over"), hs->url);
      return NULL;
    }
  return g_steal_pointer (&stream);
}

static gboolean
jmp_ws_handshake_return_cb (gpointer user_data)
{
  GTask *task = user_data;
  GIOStream *stream = g_object_get_data (G_OBJECT (task), "jmp-ws-stream");

  if (!g_task_return_error_if_cancelled (task))
    g_task_return_pointer (task, g_object_ref (stream), g_object_unref);
  return G_SOURCE_REMOVE;
}

static void
jmp_ws_handshake_done_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  JmpWsHandshake *hs = g_task_get_task_data (task);
  g_autoptr(SoupWebsocketConnection) connection = NULL;
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GSource) idle = NULL;
  GError *error = NULL;

  connection = soup_session_websocket_connect_finish (SOUP_SESSION (source), res, &error);
  if (connection == NULL)
    {
      g_task_return_error (task, jmp_ws_handshake_error (hs, error));
      return;
    }
  stream = jmp_ws_handshake_take_over (hs, connection, &error);
  if (stream == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (!jmp_ws_handshake_check_peer (hs, SOUP_SESSION (source), &error))
    {
      g_io_stream_close_async (stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
      g_task_return_error (task, error);
      return;
    }
  /* the caller starts reading it: not from inside libsoup's handler */
  g_object_set_data_full (G_OBJECT (task), "jmp-ws-stream", g_steal_pointer (&stream),
                          g_object_unref);
  idle = g_idle_source_new ();
  g_source_set_static_name (idle, "[jmp-websocket] handshake done");
  g_source_attach (idle, g_task_get_context (task));
  g_source_set_callback (idle, jmp_ws_handshake_return_cb, g_steal_pointer (&task),
                         g_object_unref);
}

/**
 * jmp_ws_handshake_async:
 * @session: the driver's session
 * @url: a ws:// or wss:// URL
 * @headers: (nullable) (element-type utf8 utf8): sent with the request
 * @origin: (nullable): the Origin header
 * @subprotocols: (nullable): offered in Sec-WebSocket-Protocol
 * @timeout: seconds the whole handshake may take
 * @cancellable: (nullable): a #GCancellable
 * @callback: called on the thread-default main context
 * @user_data: for @callback
 */
void
jmp_ws_handshake_async (SoupSession          *session,
                        const gchar          *url,
                        GHashTable           *headers,
                        const gchar          *origin,
                        const gchar * const  *subprotocols,
                        gdouble               timeout,
                        GCancellable         *cancellable,
                        GAsyncReadyCallback   callback,
                        gpointer              user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  JmpWsHandshake *hs = g_new0 (JmpWsHandshake, 1);
  SoupMessageHeaders *request;

  g_task_set_source_tag (task, jmp_ws_handshake_async);
  hs->url = g_strdup (url);
  hs->msg = soup_message_new (SOUP_METHOD_GET, url);
  hs->deadline = jmp_net_deadline_new (timeout, cancellable);
  g_task_set_task_data (task, hs, (GDestroyNotify) jmp_ws_handshake_free);
  if (hs->msg == NULL)
    {
      g_task_return_new_error (task, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                               _("%s is not a valid URL"), url);
      return;
    }

  request = soup_message_get_request_headers (hs->msg);
  if (headers != NULL)
    {
      GHashTableIter iter;
      gpointer name, value;

      g_hash_table_iter_init (&iter, headers);
      while (g_hash_table_iter_next (&iter, &name, &value))
        soup_message_headers_replace (request, name, value);
    }

  /* before libsoup's own handler of the 101, and after it */
  hs->first_id = g_signal_connect (hs->msg, "got-informational",
                                   G_CALLBACK (jmp_ws_handshake_informational_first_cb), hs);
  soup_session_websocket_connect_async (session, hs->msg, origin, (gchar **) subprotocols,
                                        G_PRIORITY_DEFAULT,
                                        jmp_net_deadline_get_cancellable (hs->deadline),
                                        jmp_ws_handshake_done_cb, g_steal_pointer (&task));
  hs->last_id = g_signal_connect_after (hs->msg, "got-informational",
                                        G_CALLBACK (jmp_ws_handshake_informational_last_cb), hs);
}

/**
 * jmp_ws_handshake_finish:
 * @result: the result given to the callback
 * @error: return location for a %JMP_ERROR naming the URL
 *
 * Returns: (transfer full): the connection, past the handshake
 */
GIOStream *
jmp_ws_handshake_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
