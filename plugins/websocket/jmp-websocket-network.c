/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <libsoup/soup.h>

#include "jmp-network-util.h"
#include "jmp-websocket-handshake.h"
#include "jmp-websocket-network.h"
#include "jmp-websocket-pump.h"

/*
 * WebsocketNetwork: Connect() opens a WebSocket to `url` and hands the
 * client one end of a socketpair; the host pumps the other end. The
 * client's bytes go out as binary frames, text and binary frames from the
 * server come back as their bytes, and closes map onto half-closes both
 * ways (see jmp-websocket-pump.c). Address() gives the URL, as Jumpstarter
 * does.
 */

/* Many connections at once: libsoup's default of 10 would queue them. */
#define JMP_WS_MAX_HANDSHAKES 1024
#define JMP_WS_KEEPALIVE_MAX  3600

struct _JmpWebsocketNetwork
{
  JmpDriver      parent_instance;
  gchar         *url;
  gboolean       enable_address;
  GHashTable    *headers;
  gchar        **subprotocols;
  gchar         *origin;
  gchar         *ca_file;
  gdouble        connect_timeout;
  guint          keepalive_interval;

  SoupSession   *session;      /* while started */
  GCancellable  *cancellable;  /* ends every stream on stop */
};

static void jmp_websocket_network_iface_init (JmpNetworkInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (JmpWebsocketNetwork, jmp_websocket_network, JMP_TYPE_DRIVER,
                               G_IMPLEMENT_INTERFACE (JMP_TYPE_NETWORK,
                                                      jmp_websocket_network_iface_init))

enum {
  PROP_0,
  PROP_URL,
  PROP_ENABLE_ADDRESS,
  PROP_HEADERS,
  PROP_SUBPROTOCOLS,
  PROP_ORIGIN,
  PROP_CA_FILE,
  PROP_CONNECT_TIMEOUT,
  PROP_KEEPALIVE_INTERVAL,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

/* ---- config checks ----------------------------------------------------- */

/* RFC 9110 token: header names and subprotocols */
static gboolean
jmp_ws_is_token (const gchar *text)
{
  static const gchar extra[] = "!#$%&'*+-.^_`|~";

  if (text == NULL || *text == '\0')
    return FALSE;
  for (const gchar *p = text; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr (extra, *p) == NULL)
      return FALSE;
  return TRUE;
}

static gboolean
jmp_ws_check_url (const gchar *url, GError **error)
{
  g_autoptr(GUri) uri = NULL;
  const gchar *scheme;

  if (!jmp_net_check_required (url != NULL && *url != '\0', "url", error))
    return FALSE;
  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  scheme = uri != NULL ? g_uri_get_scheme (uri) : NULL;
  if (scheme == NULL ||
      (g_ascii_strcasecmp (scheme, "ws") != 0 && g_ascii_strcasecmp (scheme, "wss") != 0) ||
      g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                   /* TRANSLATORS: url is a config key, do not translate it */
                   _("url: \"%s\" is not a ws:// or wss:// URL with a host"), url);
      return FALSE;
    }
  return TRUE;
}

static gboolean
jmp_ws_check_headers (GHashTable *headers, GError **error)
{
  /* what the handshake itself must say */
  static const gchar * const reserved[] = {
    "Host", "Upgrade", "Connection", "Sec-WebSocket-Key", "Sec-WebSocket-Version",
    "Sec-WebSocket-Extensions", "Sec-WebSocket-Protocol", "Origin", NULL
  };
  GHashTableIter iter;
  gpointer name, value;

  if (headers == NULL)
    return TRUE;
  g_hash_table_iter_init (&iter, headers);
  while (g_hash_table_iter_next (&iter, &name, &value))
    {
      if (!jmp_ws_is_token (name))
        {
          g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                       _("headers: \"%s\" is not a valid header name"), (const gchar *) name);
          return FALSE;
        }
      for (guint i = 0; reserved[i] != NULL; i++)
        if (g_ascii_strcasecmp (name, reserved[i]) == 0)
          {
            g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                         _("headers.%s: set by the handshake itself (see the keys origin "
                           "and subprotocols)"), (const gchar *) name);
            return FALSE;
          }
      if (strpbrk (value, "\r\n") != NULL)
        {
          g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                       _("headers.%s: a header value is one line"), (const gchar *) name);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
jmp_ws_check_subprotocols (gchar **subprotocols, GError **error)
{
  for (guint i = 0; subprotocols != NULL && subprotocols[i] != NULL; i++)
    if (!jmp_ws_is_token (subprotocols[i]))
      {
        g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                     _("subprotocols[%u]: \"%s\" is not a valid subprotocol name"),
                     i, subprotocols[i]);
        return FALSE;
      }
  return TRUE;
}

/* ---- Connect() --------------------------------------------------------- */

static void
jmp_websocket_network_handshake_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  JmpWebsocketNetwork *self = g_task_get_source_object (task);
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GSocket) ours = NULL;
  g_autoptr(GSocket) theirs = NULL;
  g_autofree gchar *label = NULL;
  GError *error = NULL;
  gint fds[2];

  stream = jmp_ws_handshake_finish (res, &error);
  if (stream == NULL)
    {
      g_debug ("%s: %s", jmp_driver_get_name (JMP_DRIVER (self)), error->message);
      g_task_return_error (task, error);
      return;
    }
  if (!jmp_net_check_started (JMP_DRIVER (self), &error))
    {
      g_io_stream_close_async (stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
      g_task_return_error (task, error);
      return;
    }
  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0)
    {
      int errsv = errno;
      g_io_stream_close_async (stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
      g_task_return_new_error (task, JMP_ERROR, JMP_ERROR_UNAVAILABLE,
                               _("cannot create a stream: %s"), g_strerror (errsv));
      return;
    }
  ours = g_socket_new_from_fd (fds[0], &error);
  if (ours == NULL)
    close (fds[0]);
  theirs = g_socket_new_from_fd (fds[1], ours != NULL ? &error : NULL);
  if (theirs == NULL)
    close (fds[1]);
  if (ours == NULL || theirs == NULL)
    {
      g_io_stream_close_async (stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
      g_task_return_error (task, error);
      return;
    }

  label = g_strdup_printf ("%s (%s)", jmp_driver_get_name (JMP_DRIVER (self)), self->url);
  g_debug ("%s: connected", label);
  jmp_ws_pump_start (stream, ours, g_task_get_task_data (task), label,
                     self->keepalive_interval, self->cancellable);
  g_task_return_pointer (task, g_steal_pointer (&theirs), g_object_unref);
}

static void
jmp_websocket_network_connect_async (JmpNetwork          *network,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  JmpWebsocketNetwork *self = JMP_WEBSOCKET_NETWORK (network);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  JmpStreamLease *lease;
  GError *error = NULL;

  g_task_set_source_tag (task, jmp_websocket_network_connect_async);
  if (!jmp_net_check_started (JMP_DRIVER (self), &error))
    {
      g_task_return_error (task, error);
      return;
    }
  /* a connection to the server and the pump's buffers, from the
   * handshake on: counted against the caller */
  lease = jmp_stream_lease_acquire (cancellable, &error);
  if (lease == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_set_task_data (task, lease, g_object_unref);
  jmp_ws_handshake_async (self->session, self->url, self->headers, self->origin,
                          (const gchar * const *) self->subprotocols, self->connect_timeout,
                          cancellable, jmp_websocket_network_handshake_cb,
                          g_steal_pointer (&task));
}

static GSocket *
jmp_websocket_network_connect_finish (JmpNetwork    *network,
                                      GAsyncResult  *result,
                                      GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, network), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
jmp_websocket_network_get_address_async (JmpNetwork          *network,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data)
{
  JmpWebsocketNetwork *self = JMP_WEBSOCKET_NETWORK (network);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  GError *error = NULL;

  g_task_set_source_tag (task, jmp_websocket_network_get_address_async);
  if (!jmp_net_check_started (JMP_DRIVER (self), &error))
    g_task_return_error (task, error);
  else if (!self->enable_address)
    /* Jumpstarter's words, which its users know */
    g_task_return_new_error (task, JMP_ERROR, JMP_ERROR_ADDRESS_DISABLED,
                             _("%s has no published address: enable_address mode is not true"),
                             jmp_driver_get_name (JMP_DRIVER (self)));
  else
    g_task_return_pointer (task, g_strdup (self->url), g_free);
}

static gchar *
jmp_websocket_network_get_address_finish (JmpNetwork    *network,
                                          GAsyncResult  *result,
                                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, network), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
jmp_websocket_network_iface_init (JmpNetworkInterface *iface)
{
  iface->connect_async = jmp_websocket_network_connect_async;
  iface->connect_finish = jmp_websocket_network_connect_finish;
  iface->get_address_async = jmp_websocket_network_get_address_async;
  iface->get_address_finish = jmp_websocket_network_get_address_finish;
}

/* ---- the driver -------------------------------------------------------- */

static gboolean
jmp_websocket_network_start (JmpDriver *driver, GError **error)
{
  JmpWebsocketNetwork *self = JMP_WEBSOCKET_NETWORK (driver);
  g_autoptr(GTlsDatabase) database = NULL;
  g_autoptr(GProxyResolver) direct = NULL;
  g_autofree gchar *user_agent = NULL;

  if (!jmp_ws_check_url (self->url, error) ||
      !jmp_ws_check_headers (self->headers, error) ||
      !jmp_ws_check_subprotocols (self->subprotocols, error))
    return FALSE;
  if (self->ca_file != NULL && *self->ca_file != '\0')
    {
      g_autoptr(GError) local_error = NULL;

      database = g_tls_file_database_new (self->ca_file, &local_error);
      if (database == NULL)
        {
          g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                       _("ca_file: cannot load %s: %s"), self->ca_file, local_error->message);
          return FALSE;
        }
    }

  /* a lab target is reached directly, never through $http_proxy */
  direct = g_simple_proxy_resolver_new (NULL, NULL);
  user_agent = g_strdup_printf ("jumpstarter-glib/%s", PACKAGE_VERSION);
  g_clear_object (&self->session);
  self->session = soup_session_new_with_options ("max-conns", JMP_WS_MAX_HANDSHAKES,
                                                 "max-conns-per-host", JMP_WS_MAX_HANDSHAKES,
                                                 "proxy-resolver", direct,
                                                 "user-agent", user_agent,
                                                 NULL);
  /* the system's store otherwise, which the session picks itself */
  if (database != NULL)
    soup_session_set_tls_database (self->session, database);

  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  return TRUE;
}

static void
jmp_websocket_network_stop (JmpDriver *driver)
{
  JmpWebsocketNetwork *self = JMP_WEBSOCKET_NETWORK (driver);

  g_cancellable_cancel (self->cancellable);
  /* handshakes in flight fail as cancelled */
  if (self->session != NULL)
    soup_session_abort (self->session);
}

static GHashTable *
jmp_websocket_network_get_methods_description (JmpDriver *driver)
{
  GHashTable *methods = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  g_hash_table_insert (methods, g_strdup ("connect"),
                       g_strdup (_("Open a WebSocket as a byte stream: bytes go out as binary "
                                   "frames, text and binary frames come back as bytes")));
  g_hash_table_insert (methods, g_strdup ("address"),
                       g_strdup (_("The WebSocket URL")));
  return methods;
}

static void
jmp_websocket_network_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  JmpWebsocketNetwork *self = JMP_WEBSOCKET_NETWORK (object);

  switch (prop_id)
    {
    case PROP_URL:
      g_value_set_string (value, self->url);
      break;
    case PROP_ENABLE_ADDRESS:
      g_value_set_boolean (value, self->enable_address);
      break;
    case PROP_HEADERS:
      g_value_set_boxed (value, self->headers);
      break;
    case PROP_SUBPROTOCOLS:
      g_value_set_boxed (value, self->subprotocols);
      break;
    case PROP_ORIGIN:
      g_value_set_string (value, self->origin);
      break;
    case PROP_CA_FILE:
      g_value_set_string (value, self->ca_file);
      break;
    case PROP_CONNECT_TIMEOUT:
      g_value_set_double (value, self->connect_timeout);
      break;
    case PROP_KEEPALIVE_INTERVAL:
      g_value_set_uint (value, self->keepalive_interval);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
jmp_websocket_network_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  JmpWebsocketNetwork *self = JMP_WEBSOCKET_NETWORK (object);

  switch (prop_id)
    {
    case PROP_URL:
      g_free (self->url);
      self->url = g_value_dup_string (value);
      break;
    case PROP_ENABLE_ADDRESS:
      self->enable_address = g_value_get_boolean (value);
      break;
    case PROP_HEADERS:
      g_clear_pointer (&self->headers, g_hash_table_unref);
      self->headers = g_value_dup_boxed (value);
      break;
    case PROP_SUBPROTOCOLS:
      g_strfreev (self->subprotocols);
      self->subprotocols = g_value_dup_boxed (value);
      break;
    case PROP_ORIGIN:
      g_free (self->origin);
      self->origin = g_value_dup_string (value);
      break;
    case PROP_CA_FILE:
      g_free (self->ca_file);
      self->ca_file = g_value_dup_string (value);
      break;
    case PROP_CONNECT_TIMEOUT:
      self->connect_timeout = g_value_get_double (value);
      break;
    case PROP_KEEPALIVE_INTERVAL:
      self->keepalive_interval = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
    }
  g_object_notify_by_pspec (object, pspec);
}

static void
jmp_websocket_network_finalize (GObject *object)
{
  JmpWebsocketNetwork *self = JMP_WEBSOCKET_NETWORK (object);

  g_clear_object (&self->session);
  g_clear_object (&self->cancellable);
  g_free (self->url);
  g_clear_pointer (&self->headers, g_hash_table_unref);
  g_strfreev (self->subprotocols);
  g_free (self->origin);
  g_free (self->ca_file);
  G_OBJECT_CLASS (jmp_websocket_network_parent_class)->finalize (object);
}

static void
jmp_websocket_network_class_init (JmpWebsocketNetworkClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  JmpDriverClass *driver_class = JMP_DRIVER_CLASS (klass);

  object_class->get_property = jmp_websocket_network_get_property;
  object_class->set_property = jmp_websocket_network_set_property;
  object_class->finalize = jmp_websocket_network_finalize;
  driver_class->start = jmp_websocket_network_start;
  driver_class->stop = jmp_websocket_network_stop;
  driver_class->get_methods_description = jmp_websocket_network_get_methods_description;

  /**
   * JmpWebsocketNetwork:url:
   *
   * The endpoint, `ws://HOST[:PORT]/PATH` or `wss://…`. Required.
   */
  props[PROP_URL] =
    g_param_spec_string ("url", "URL",
                         _("The WebSocket endpoint, ws://HOST[:PORT]/PATH or wss://… (required)"),
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * JmpWebsocketNetwork:enable-address:
   *
   * Whether Address() tells clients the URL, so that they may reach the
   * endpoint directly.
   */
  props[PROP_ENABLE_ADDRESS] =
    g_param_spec_boolean ("enable-address", "Enable address",
                          _("Publish the URL through Address(), so clients may reach the "
                            "endpoint directly"),
                          TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * JmpWebsocketNetwork:headers: (type GLib.HashTable(utf8,utf8))
   *
   * Extra request headers of the handshake, e.g. an Authorization token.
   */
  props[PROP_HEADERS] =
    g_param_spec_boxed ("headers", "Headers",
                        _("Extra HTTP headers sent with the handshake, a mapping of name to "
                          "value (e.g. Authorization: Bearer …)"),
                        G_TYPE_HASH_TABLE,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * JmpWebsocketNetwork:subprotocols:
   *
   * Subprotocols offered in Sec-WebSocket-Protocol; the server picks one
   * of them or none.
   */
  props[PROP_SUBPROTOCOLS] =
    g_param_spec_boxed ("subprotocols", "Subprotocols",
                        _("Subprotocols offered to the server (Sec-WebSocket-Protocol), "
                          "a list; it may pick one of them or none"),
                        G_TYPE_STRV,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * JmpWebsocketNetwork:origin:
   *
   * The Origin header of the handshake, for servers that check it.
   */
  props[PROP_ORIGIN] =
    g_param_spec_string ("origin", "Origin",
                         _("The Origin header of the handshake, for servers that check it"),
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * JmpWebsocketNetwork:ca-file:
   *
   * A PEM file of certificate authorities that wss:// servers are checked
   * against instead of the system's. Verification cannot be turned off.
   */
  props[PROP_CA_FILE] =
    g_param_spec_string ("ca-file", "CA file",
                         _("PEM file of the certificate authorities to trust for wss:// "
                           "(instead of the system's); the server's certificate is always "
                           "verified"),
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * JmpWebsocketNetwork:connect-timeout:
   *
   * Seconds the name resolution, the TCP and TLS connection and the
   * handshake may take together.
   */
  props[PROP_CONNECT_TIMEOUT] =
    g_param_spec_double ("connect-timeout", "Connect timeout",
                         _("Seconds a connection attempt may take, name resolution, TLS and "
                           "the WebSocket handshake included; then it fails as timed out"),
                         JMP_NET_CONNECT_TIMEOUT_MIN, JMP_NET_CONNECT_TIMEOUT_MAX,
                         JMP_NET_CONNECT_TIMEOUT_DEFAULT,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * JmpWebsocketNetwork:keepalive-interval:
   *
   * Seconds between pings on an open stream, 0 for none.
   */
  props[PROP_KEEPALIVE_INTERVAL] =
    g_param_spec_uint ("keepalive-interval", "Keepalive interval",
                       _("Seconds between pings sent to the server on an open stream, "
                         "0 for none"),
                       0, JMP_WS_KEEPALIVE_MAX, 0,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
jmp_websocket_network_init (JmpWebsocketNetwork *self)
{
  self->enable_address = TRUE;
  self->connect_timeout = JMP_NET_CONNECT_TIMEOUT_DEFAULT;
  self->cancellable = g_cancellable_new ();
}
