/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "jmp-inet-network.h"
#include "jmp-net-literal.h"
#include "jmp-network-util.h"

/*
 * A target reached by host and port. Connect() to an address literal is one
 * non-blocking connect() (jmp-net-literal.c); to a name, GSocketClient
 * resolves it and tries every address it gets, under one deadline for the
 * whole attempt. Address() resolves the name and gives the first result, as
 * Jumpstarter does with getaddrinfo().
 */

typedef struct {
  gchar    *host;
  gint      port;
  gboolean  port_set;  /* required, so its default only documents the range */
  gboolean  enable_address;
  gdouble   connect_timeout;
} JmpInetNetworkPrivate;

static void jmp_inet_network_iface_init (JmpNetworkInterface *iface);

G_DEFINE_ABSTRACT_TYPE_WITH_CODE (JmpInetNetwork, jmp_inet_network, JMP_TYPE_DRIVER,
                                  G_ADD_PRIVATE (JmpInetNetwork)
                                  G_IMPLEMENT_INTERFACE (JMP_TYPE_NETWORK,
                                                         jmp_inet_network_iface_init))

#define GET_PRIVATE(o) ((JmpInetNetworkPrivate *) jmp_inet_network_get_instance_private (JMP_INET_NETWORK (o)))

enum {
  PROP_0,
  PROP_HOST,
  PROP_PORT,
  PROP_ENABLE_ADDRESS,
  PROP_CONNECT_TIMEOUT,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

typedef struct {
  JmpNetDeadline *deadline;  /* NULL for an address literal: its own bound */
  gchar          *host;
  guint           port;
  gdouble         seconds;
  gchar          *target;    /* host:port, formatted for a message only */
} JmpInetCall;

static void
jmp_inet_call_free (JmpInetCall *call)
{
  g_clear_pointer (&call->deadline, jmp_net_deadline_free);
  g_free (call->host);
  g_free (call->target);
  g_free (call);
}

/* @with_deadline: FALSE for the literal path, which bounds itself */
static JmpInetCall *
jmp_inet_call_new (JmpInetNetwork *self, GCancellable *cancellable, gboolean with_deadline)
{
  JmpInetNetworkPrivate *priv = GET_PRIVATE (self);
  JmpInetCall *call = g_new0 (JmpInetCall, 1);

  if (with_deadline)
    call->deadline = jmp_net_deadline_new (priv->connect_timeout, cancellable);
  call->host = g_strdup (priv->host);
  call->port = (guint) priv->port;
  call->seconds = priv->connect_timeout;
  return call;
}

static const gchar *
jmp_inet_call_get_target (JmpInetCall *call)
{
  if (call->target == NULL)
    call->target = jmp_net_format_host_port (call->host, call->port);
  return call->target;
}

/* The caller's own cancellation stays G_IO_ERROR_CANCELLED; only our bound
 * becomes a time-out. */
static GError *
jmp_inet_call_take_error (JmpInetCall *call, GError *error, gboolean resolving)
{
  g_autoptr(GError) cause = error;
  g_autofree gchar *seconds = NULL;

  if (!jmp_net_deadline_expired (call->deadline))
    {
      if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return g_steal_pointer (&cause);
      return resolving ? jmp_net_resolve_error (cause, call->host)
                       : jmp_net_connect_error (cause, jmp_inet_call_get_target (call));
    }
  if (!resolving)
    return jmp_net_timed_out_error (jmp_inet_call_get_target (call), call->seconds);
  seconds = jmp_net_format_seconds (jmp_net_deadline_get_seconds (call->deadline));
  return g_error_new (JMP_ERROR, JMP_ERROR_TIMED_OUT,
                      /* TRANSLATORS: e.g. resolving example.com timed out after 10 s */
                      _("resolving %s timed out after %s s"), call->host, seconds);
}

static void
jmp_inet_network_return_socket (GTask *task, GSocket *socket)
{
  JmpInetNetwork *self = g_task_get_source_object (task);
  JmpInetNetworkClass *klass = JMP_INET_NETWORK_GET_CLASS (self);
  JmpInetCall *call = g_task_get_task_data (task);
  GError *error = NULL;

  if (klass->prepare_socket != NULL && !klass->prepare_socket (self, socket, &error))
    {
      g_object_unref (socket);
      g_task_return_error (task, error);
      return;
    }
  if (G_UNLIKELY (!g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN)))
    g_debug ("%s: connected to %s", jmp_driver_get_name (JMP_DRIVER (self)),
             jmp_inet_call_get_target (call));
  g_task_return_pointer (task, socket, g_object_unref);
}

static void
jmp_inet_network_connected_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  JmpInetCall *call = g_task_get_task_data (task);
  g_autoptr(GSocketConnection) connection = NULL;
  GSocket *socket;
  GError *error = NULL;

  connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), res, &error);
  if (connection == NULL)
    {
      g_task_return_error (task, jmp_inet_call_take_error (call, error, FALSE));
      return;
    }
  socket = jmp_net_socket_from_connection (connection, &error);
  if (socket == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  jmp_inet_network_return_socket (task, socket);
}

static void
jmp_inet_network_literal_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  JmpInetCall *call = g_task_get_task_data (task);
  GSocket *socket;
  GError *error = NULL;
  gboolean timed_out = FALSE;

  socket = jmp_net_connect_literal_finish (res, &timed_out, &error);
  if (socket != NULL)
    jmp_inet_network_return_socket (task, socket);
  else if (timed_out)
    {
      g_error_free (error);
      g_task_return_error (task, jmp_net_timed_out_error (jmp_inet_call_get_target (call),
                                                          call->seconds));
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_task_return_error (task, error);
  else
    {
      g_task_return_error (task, jmp_net_connect_error (error, jmp_inet_call_get_target (call)));
      g_error_free (error);
    }
}

/* An IPv4 or IPv6 literal (no scope name, which needs the resolver), or NULL. */
static GSocketAddress *
jmp_inet_network_literal_address (JmpInetNetworkPrivate *priv)
{
  g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (priv->host);

  if (inet == NULL)
    return NULL;
  return g_inet_socket_address_new (inet, (guint16) priv->port);
}

static void
jmp_inet_network_connect_async (JmpNetwork          *network,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  JmpInetNetwork *self = JMP_INET_NETWORK (network);
  JmpInetNetworkClass *klass = JMP_INET_NETWORK_GET_CLASS (self);
  JmpInetNetworkPrivate *priv = GET_PRIVATE (self);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GSocketClient) client = NULL;
  g_autoptr(GSocketConnectable) connectable = NULL;
  g_autoptr(GSocketAddress) literal = NULL;
  JmpInetCall *call;
  GError *error = NULL;

  g_task_set_source_tag (task, jmp_inet_network_connect_async);
  if (!jmp_net_check_started (JMP_DRIVER (self), &error))
    {
      g_task_return_error (task, error);
      return;
    }

  literal = jmp_inet_network_literal_address (priv);
  call = jmp_inet_call_new (self, cancellable, literal == NULL);
  g_task_set_task_data (task, call, (GDestroyNotify) jmp_inet_call_free);
  if (literal != NULL)
    {
      jmp_net_connect_literal_async (literal, klass->socket_type, klass->protocol,
                                     priv->connect_timeout, cancellable,
                                     jmp_inet_network_literal_cb, g_steal_pointer (&task));
      return;
    }

  client = g_socket_client_new ();
  g_socket_client_set_socket_type (client, klass->socket_type);
  g_socket_client_set_protocol (client, klass->protocol);
  /* a lab target is reached directly, never through $http_proxy */
  g_socket_client_set_enable_proxy (client, FALSE);
  connectable = g_network_address_new (priv->host, (guint16) priv->port);
  g_socket_client_connect_async (client, connectable,
                                 jmp_net_deadline_get_cancellable (call->deadline),
                                 jmp_inet_network_connected_cb, g_steal_pointer (&task));
}

static GSocket *
jmp_inet_network_connect_finish (JmpNetwork    *network,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, network), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
jmp_inet_network_resolved_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  JmpInetNetwork *self = g_task_get_source_object (task);
  JmpInetNetworkPrivate *priv = GET_PRIVATE (self);
  JmpInetCall *call = g_task_get_task_data (task);
  GList *addresses;
  GError *error = NULL;

  addresses = g_resolver_lookup_by_name_finish (G_RESOLVER (source), res, &error);
  if (addresses == NULL)
    {
      if (error == NULL)
        error = g_error_new (G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND,
                             _("no address"));
      g_task_return_error (task, jmp_inet_call_take_error (call, error, TRUE));
      return;
    }
  /* the first, as getaddrinfo() orders them */
  g_task_return_pointer (task,
                         jmp_net_format_uri (JMP_INET_NETWORK_GET_CLASS (self)->scheme,
                                                 addresses->data, (guint) priv->port),
                         g_free);
  g_resolver_free_addresses (addresses);
}

static void
jmp_inet_network_get_address_async (JmpNetwork          *network,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  JmpInetNetwork *self = JMP_INET_NETWORK (network);
  JmpInetNetworkPrivate *priv = GET_PRIVATE (self);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GResolver) resolver = NULL;
  JmpInetCall *call;
  GError *error = NULL;

  g_task_set_source_tag (task, jmp_inet_network_get_address_async);
  if (!jmp_net_check_started (JMP_DRIVER (self), &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (!priv->enable_address)
    {
      /* Jumpstarter's words, which its users know */
      g_task_return_new_error (task, JMP_ERROR, JMP_ERROR_ADDRESS_DISABLED,
                               _("%s has no published address: enable_address mode is not true"),
                               jmp_driver_get_name (JMP_DRIVER (self)));
      return;
    }

  call = jmp_inet_call_new (self, cancellable, TRUE);
  g_task_set_task_data (task, call, (GDestroyNotify) jmp_inet_call_free);
  /* an address literal comes back at once, without a lookup */
  resolver = g_resolver_get_default ();
  g_resolver_lookup_by_name_async (resolver, priv->host,
                                   jmp_net_deadline_get_cancellable (call->deadline),
                                   jmp_inet_network_resolved_cb, g_steal_pointer (&task));
}

static gchar *
jmp_inet_network_get_address_finish (JmpNetwork    *network,
                                     GAsyncResult  *result,
                                     GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, network), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static GSocketType
jmp_inet_network_get_socket_type (JmpNetwork *network)
{
  return JMP_INET_NETWORK_GET_CLASS (network)->socket_type;
}

static void
jmp_inet_network_iface_init (JmpNetworkInterface *iface)
{
  iface->get_socket_type = jmp_inet_network_get_socket_type;
  iface->connect_async = jmp_inet_network_connect_async;
  iface->connect_finish = jmp_inet_network_connect_finish;
  iface->get_address_async = jmp_inet_network_get_address_async;
  iface->get_address_finish = jmp_inet_network_get_address_finish;
}

static gboolean
jmp_inet_network_start (JmpDriver *driver, GError **error)
{
  JmpInetNetworkPrivate *priv = GET_PRIVATE (driver);

  return jmp_net_check_required (priv->host != NULL && *priv->host != '\0', "host", error) &&
         jmp_net_check_required (priv->port_set, "port", error);
}

const gchar *
jmp_inet_network_get_host (JmpInetNetwork *self)
{
  g_return_val_if_fail (JMP_IS_INET_NETWORK (self), NULL);
  return GET_PRIVATE (self)->host;
}

guint
jmp_inet_network_get_port (JmpInetNetwork *self)
{
  g_return_val_if_fail (JMP_IS_INET_NETWORK (self), 0);
  return (guint) GET_PRIVATE (self)->port;
}

gboolean
jmp_inet_network_get_enable_address (JmpInetNetwork *self)
{
  g_return_val_if_fail (JMP_IS_INET_NETWORK (self), FALSE);
  return GET_PRIVATE (self)->enable_address;
}

gdouble
jmp_inet_network_get_connect_timeout (JmpInetNetwork *self)
{
  g_return_val_if_fail (JMP_IS_INET_NETWORK (self), 0);
  return GET_PRIVATE (self)->connect_timeout;
}

static void
jmp_inet_network_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  JmpInetNetworkPrivate *priv = GET_PRIVATE (object);

  switch (prop_id)
    {
    case PROP_HOST:
      g_value_set_string (value, priv->host);
      break;
    case PROP_PORT:
      g_value_set_int (value, priv->port);
      break;
    case PROP_ENABLE_ADDRESS:
      g_value_set_boolean (value, priv->enable_address);
      break;
    case PROP_CONNECT_TIMEOUT:
      g_value_set_double (value, priv->connect_timeout);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
jmp_inet_network_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  JmpInetNetworkPrivate *priv = GET_PRIVATE (object);

  switch (prop_id)
    {
    case PROP_HOST:
      if (g_strcmp0 (priv->host, g_value_get_string (value)) == 0)
        return;
      g_free (priv->host);
      priv->host = g_value_dup_string (value);
      break;
    case PROP_PORT:
      priv->port_set = TRUE;
      if (priv->port == g_value_get_int (value))
        return;
      priv->port = g_value_get_int (value);
      break;
    case PROP_ENABLE_ADDRESS:
      if (priv->enable_address == g_value_get_boolean (value))
        return;
      priv->enable_address = g_value_get_boolean (value);
      break;
    case PROP_CONNECT_TIMEOUT:
      if (priv->connect_timeout == g_value_get_double (value))
        return;
      priv->connect_timeout = g_value_get_double (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
    }
  g_object_notify_by_pspec (object, pspec);
}

static void
jmp_inet_network_finalize (GObject *object)
{
  JmpInetNetworkPrivate *priv = GET_PRIVATE (object);

  g_free (priv->host);
  G_OBJECT_CLASS (jmp_inet_network_parent_class)->finalize (object);
}

static void
jmp_inet_network_class_init (JmpInetNetworkClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  JmpDriverClass *driver_class = JMP_DRIVER_CLASS (klass);

  object_class->get_property = jmp_inet_network_get_property;
  object_class->set_property = jmp_inet_network_set_property;
  object_class->finalize = jmp_inet_network_finalize;
  driver_class->start = jmp_inet_network_start;

  klass->scheme = "tcp";
  klass->socket_type = G_SOCKET_TYPE_STREAM;
  klass->protocol = G_SOCKET_PROTOCOL_DEFAULT;

  /**
   * JmpInetNetwork:host:
   *
   * The target: a host name, an IPv4 or an IPv6 address. Required.
   */
  props[PROP_HOST] =
    g_param_spec_string ("host", "Host",
                         _("Host name, IPv4 or IPv6 address of the target (required)"),
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * JmpInetNetwork:port:
   *
   * The target's port. Required.
   */
  props[PROP_PORT] =
    g_param_spec_int ("port", "Port",
                      _("Port of the target (required)"),
                      1, G_MAXUINT16, 1,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * JmpInetNetwork:enable-address:
   *
   * Whether Address() tells clients where the target is, so that they may
   * reach it directly.
   */
  props[PROP_ENABLE_ADDRESS] =
    g_param_spec_boolean ("enable-address", "Enable address",
                          _("Publish the target's address through Address(), so clients "
                            "may reach it directly"),
                          TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * JmpInetNetwork:connect-timeout:
   *
   * Seconds a Connect() may take, resolving the name and trying every
   * address included; Address() resolves under the same bound. Not in
   * Jumpstarter, which waits as long as the kernel does.
   */
  props[PROP_CONNECT_TIMEOUT] =
    g_param_spec_double ("connect-timeout", "Connect timeout",
                         _("Seconds a connection attempt may take, name resolution and every "
                           "address of the host included; then it fails as timed out"),
                         JMP_NET_CONNECT_TIMEOUT_MIN, JMP_NET_CONNECT_TIMEOUT_MAX,
                         JMP_NET_CONNECT_TIMEOUT_DEFAULT,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
jmp_inet_network_init (JmpInetNetwork *self)
{
  JmpInetNetworkPrivate *priv = GET_PRIVATE (self);

  priv->port = 1;
  priv->enable_address = TRUE;
  priv->connect_timeout = JMP_NET_CONNECT_TIMEOUT_DEFAULT;
}
