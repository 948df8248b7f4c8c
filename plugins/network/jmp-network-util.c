/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>

#include "jmp-network-util.h"

/**
 * jmp_net_format_host_port:
 * @host: a host name or address literal
 * @port: a port
 *
 * Returns: `host:port`, with an IPv6 literal in brackets (`[::1]:22`)
 */
gchar *
jmp_net_format_host_port (const gchar *host, guint port)
{
  if (host != NULL && strchr (host, ':') != NULL)
    return g_strdup_printf ("[%s]:%u", host, port);
  return g_strdup_printf ("%s:%u", host != NULL ? host : "", port);
}

/**
 * jmp_net_format_uri:
 * @scheme: "tcp" or "udp"
 * @address: the resolved address
 * @port: a port
 *
 * Returns: e.g. `tcp://192.0.2.1:22` or `tcp://[2001:db8::1]:443`
 */
gchar *
jmp_net_format_uri (const gchar *scheme, GInetAddress *address, guint port)
{
  g_autofree gchar *host = g_inet_address_to_string (address);
  g_autofree gchar *host_port = jmp_net_format_host_port (host, port);

  return g_strdup_printf ("%s://%s", scheme, host_port);
}

/* Seconds as a config file would write them, whatever the locale. */
gchar *
jmp_net_format_seconds (gdouble seconds)
{
  gchar buffer[G_ASCII_DTOSTR_BUF_SIZE];

  return g_strdup (g_ascii_formatd (buffer, sizeof buffer, "%g", seconds));
}

/**
 * jmp_net_socket_from_connection:
 * @connection: a connected #GSocketConnection
 * @error: return location for a #GError
 *
 * A #GSocketConnection closes its socket when it goes, so the socket the
 * host hands out gets a descriptor of its own.
 *
 * Returns: (transfer full): a new #GSocket on a dup of the connection's fd
 */
GSocket *
jmp_net_socket_from_connection (GSocketConnection *connection, GError **error)
{
  GSocket *socket = g_socket_connection_get_socket (connection);
  GSocket *ours;
  gint fd;

  fd = fcntl (g_socket_get_fd (socket), F_DUPFD_CLOEXEC, 3);
  if (fd < 0)
    {
      int errsv = errno;
      g_set_error (error, JMP_ERROR, JMP_ERROR_UNAVAILABLE,
                   _("cannot duplicate a socket: %s"), g_strerror (errsv));
      return NULL;
    }
  ours = g_socket_new_from_fd (fd, error);
  if (ours == NULL)
    close (fd);
  return ours;
}

/* The cause in a few words; GIO's own messages repeat the address. */
static const gchar *
jmp_net_describe_cause (const GError *error)
{
  if (error->domain == G_RESOLVER_ERROR)
    {
      switch (error->code)
        {
        case G_RESOLVER_ERROR_NOT_FOUND:
          return _("host name not found");
        case G_RESOLVER_ERROR_TEMPORARY_FAILURE:
          return _("host name lookup failed (temporary failure in name resolution)");
        default:
          return error->message;
        }
    }
  if (error->domain == G_IO_ERROR)
    {
      switch (error->code)
        {
        case G_IO_ERROR_CONNECTION_REFUSED:
          return _("connection refused");
        case G_IO_ERROR_HOST_UNREACHABLE:
          return _("host unreachable");
        case G_IO_ERROR_NETWORK_UNREACHABLE:
          return _("network unreachable");
        case G_IO_ERROR_TIMED_OUT:
          return _("timed out");
        case G_IO_ERROR_NOT_FOUND:
          return _("no such file or directory");
        case G_IO_ERROR_PERMISSION_DENIED:
          return _("permission denied");
        default:
          return error->message;
        }
    }
  return error->message;
}

/**
 * jmp_net_connect_error:
 * @error: what GIO or the resolver said
 * @target: `host:port`, a path or a vsock address, for the message
 *
 * Returns: (transfer full): a %JMP_ERROR naming @target, whose code tells
 *   a refusal, an unreachable or unknown host and a time-out apart
 */
GError *
jmp_net_connect_error (const GError *error, const gchar *target)
{
  g_autoptr(GError) mapped = g_error_copy (error);

  jmp_error_convert (&mapped);
  return g_error_new (JMP_ERROR, mapped->code, _("cannot connect to %s: %s"),
                      target, jmp_net_describe_cause (error));
}

/**
 * jmp_net_resolve_error:
 * @error: what the resolver said
 * @host: the host name
 *
 * Returns: (transfer full): a %JMP_ERROR naming @host
 */
GError *
jmp_net_resolve_error (const GError *error, const gchar *host)
{
  g_autoptr(GError) mapped = g_error_copy (error);

  jmp_error_convert (&mapped);
  return g_error_new (JMP_ERROR, mapped->code, _("cannot resolve %s: %s"),
                      host, jmp_net_describe_cause (error));
}

/**
 * jmp_net_timed_out_error:
 * @target: what was being reached
 * @seconds: the bound that passed
 *
 * Returns: (transfer full): %JMP_ERROR_TIMED_OUT
 */
GError *
jmp_net_timed_out_error (const gchar *target, gdouble seconds)
{
  g_autofree gchar *text = jmp_net_format_seconds (seconds);

  return g_error_new (JMP_ERROR, JMP_ERROR_TIMED_OUT,
                      /* TRANSLATORS: e.g. connecting to 192.0.2.1:22 timed out after 10 s */
                      _("connecting to %s timed out after %s s"), target, text);
}

gboolean
jmp_net_check_started (JmpDriver *driver, GError **error)
{
  if (jmp_driver_is_started (driver))
    return TRUE;
  g_set_error (error, JMP_ERROR, JMP_ERROR_UNAVAILABLE,
               _("driver %s is stopped"), jmp_driver_get_name (driver));
  return FALSE;
}

/* @key as a config file spells it, e.g. "host" */
gboolean
jmp_net_check_required (gboolean is_set, const gchar *key, GError **error)
{
  if (is_set)
    return TRUE;
  g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
               _("config key %s is required"), key);
  return FALSE;
}

struct _JmpNetDeadline
{
  GCancellable *cancellable;  /* ours, handed to the operation */
  GCancellable *parent;       /* the caller's, if any */
  gulong        parent_id;
  GSource      *timeout;
  gdouble       seconds;
  gboolean      expired;
};

static gboolean
jmp_net_deadline_expired_cb (gpointer user_data)
{
  JmpNetDeadline *self = user_data;

  self->expired = TRUE;
  g_cancellable_cancel (self->cancellable);
  g_clear_pointer (&self->timeout, g_source_unref);
  return G_SOURCE_REMOVE;
}

static void
jmp_net_deadline_parent_cancelled_cb (GCancellable *parent, gpointer user_data)
{
  g_cancellable_cancel (G_CANCELLABLE (user_data));
}

/**
 * jmp_net_deadline_new:
 * @seconds: the bound
 * @cancellable: (nullable): the caller's cancellable
 *
 * Returns: (transfer full): a running deadline; free it when the operation
 *   is over, which stops its timer
 */
JmpNetDeadline *
jmp_net_deadline_new (gdouble seconds, GCancellable *cancellable)
{
  JmpNetDeadline *self = g_new0 (JmpNetDeadline, 1);
  g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();
  guint ms = (guint) ceil (CLAMP (seconds, 0.001, G_MAXUINT / 1000.0) * 1000.0);

  self->seconds = seconds;
  self->cancellable = g_cancellable_new ();
  if (cancellable != NULL)
    {
      self->parent = g_object_ref (cancellable);
      self->parent_id = g_cancellable_connect (cancellable,
                                               G_CALLBACK (jmp_net_deadline_parent_cancelled_cb),
                                               g_object_ref (self->cancellable),
                                               g_object_unref);
    }
  self->timeout = g_timeout_source_new (ms);
  g_source_set_static_name (self->timeout, "[jmp-network] connect deadline");
  g_source_set_callback (self->timeout, jmp_net_deadline_expired_cb, self, NULL);
  g_source_attach (self->timeout, context);
  return self;
}

GCancellable *
jmp_net_deadline_get_cancellable (JmpNetDeadline *self)
{
  return self->cancellable;
}

/* TRUE if the bound passed (rather than the caller cancelling) */
gboolean
jmp_net_deadline_expired (JmpNetDeadline *self)
{
  return self->expired;
}

gdouble
jmp_net_deadline_get_seconds (JmpNetDeadline *self)
{
  return self->seconds;
}

void
jmp_net_deadline_free (JmpNetDeadline *self)
{
  if (self == NULL)
    return;
  if (self->timeout != NULL)
    {
      g_source_destroy (self->timeout);
      g_source_unref (self->timeout);
    }
  if (self->parent != NULL)
    {
      g_cancellable_disconnect (self->parent, self->parent_id);
      g_object_unref (self->parent);
    }
  g_object_unref (self->cancellable);
  g_free (self);
}
