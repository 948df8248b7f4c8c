/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <linux/vm_sockets.h>

#include <glib/gi18n-lib.h>

#include "jmp-network-util.h"
#include "jmp-vsock-network.h"

/*
 * VsockNetwork: a stream to a port of a virtual machine (or of the host,
 * from inside one) over AF_VSOCK. GIO has no vsock address type, so the
 * socket is made by hand in a worker thread: non-blocking connect, then a
 * poll() on the socket and the caller's cancellable, bounded by
 * connect-timeout.
 */

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

struct _JmpVsockNetwork
{
  JmpDriver parent_instance;
  guint     cid;
  guint     port;
  gboolean  cid_set;   /* both are required; their defaults only */
  gboolean  port_set;  /* document the range */
  gdouble   connect_timeout;
};

static void jmp_vsock_network_iface_init (JmpNetworkInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (JmpVsockNetwork, jmp_vsock_network, JMP_TYPE_DRIVER,
                               G_IMPLEMENT_INTERFACE (JMP_TYPE_NETWORK,
                                                      jmp_vsock_network_iface_init))

enum {
  PROP_0,
  PROP_CID,
  PROP_PORT,
  PROP_CONNECT_TIMEOUT,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

/* what the worker needs, copied: it must not touch the driver */
typedef struct {
  guint    cid;
  guint    port;
  gdouble  timeout;
  gchar   *target;
} JmpVsockCall;

static void
jmp_vsock_call_free (JmpVsockCall *call)
{
  g_free (call->target);
  g_free (call);
}

static JmpError
jmp_vsock_error_code (gint errsv)
{
  switch (errsv)
    {
    case ECONNREFUSED:
    case ECONNRESET:  /* no listener on the port: the peer answers with a reset */
      return JMP_ERROR_CONNECTION_REFUSED;
    case ENETUNREACH:
    case EHOSTUNREACH:
      return JMP_ERROR_UNREACHABLE;
    case ETIMEDOUT:
      return JMP_ERROR_TIMED_OUT;
    case ENODEV:  /* no transport reaches that CID */
    case EADDRNOTAVAIL:
    case EACCES:
    case EPERM:
      return JMP_ERROR_UNAVAILABLE;
    default:
      return JMP_ERROR_FAILED;
    }
}

static void
jmp_vsock_set_errno_error (GError **error, const gchar *target, gint errsv)
{
  g_set_error (error, JMP_ERROR, jmp_vsock_error_code (errsv),
               _("cannot connect to %s: %s"), target, g_strerror (errsv));
}

/* Waits for a non-blocking connect() to finish; FALSE with @error set if
 * it fails, times out or is cancelled. */
static gboolean
jmp_vsock_wait_connected (gint           fd,
                          JmpVsockCall  *call,
                          GCancellable  *cancellable,
                          GError       **error)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (call->timeout * G_USEC_PER_SEC);
  struct pollfd fds[2] = { { fd, POLLOUT, 0 }, { -1, POLLIN, 0 } };
  GPollFD cancel_fd = { -1, 0, 0 };
  gboolean have_cancel;
  gint errsv = 0;
  socklen_t len = sizeof errsv;
  gint r;

  have_cancel = g_cancellable_make_pollfd (cancellable, &cancel_fd);
  fds[1].fd = have_cancel ? cancel_fd.fd : -1;

  for (;;)
    {
      gint64 left = deadline - g_get_monotonic_time ();

      if (left <= 0)
        {
          r = 0;
          break;
        }
      r = poll (fds, 2, (gint) MIN ((left + 999) / 1000, G_MAXINT));
      if (r >= 0 || errno != EINTR)
        break;
    }
  if (have_cancel)
    g_cancellable_release_fd (cancellable);

  if (r < 0)
    {
      errsv = errno;
      jmp_vsock_set_errno_error (error, call->target, errsv);
      return FALSE;
    }
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  if (r == 0)
    {
      g_propagate_error (error, jmp_net_timed_out_error (call->target, call->timeout));
      return FALSE;
    }
  if (getsockopt (fd, SOL_SOCKET, SO_ERROR, &errsv, &len) < 0)
    errsv = errno;
  if (errsv != 0)
    {
      if (errsv == ETIMEDOUT)
        g_propagate_error (error, jmp_net_timed_out_error (call->target, call->timeout));
      else
        jmp_vsock_set_errno_error (error, call->target, errsv);
      return FALSE;
    }
  return TRUE;
}

static void
jmp_vsock_network_connect_thread (GTask        *task,
                                  gpointer      source_object,
                                  gpointer      task_data,
                                  GCancellable *cancellable)
{
  JmpVsockCall *call = task_data;
  struct sockaddr_vm addr = { 0 };
  struct timeval tv;
  GSocket *connected;
  GError *error = NULL;
  gint fd;
  gint errsv;

  fd = socket (AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0)
    {
      errsv = errno;
      g_task_return_new_error (task, JMP_ERROR, JMP_ERROR_UNAVAILABLE,
                               _("cannot connect to %s: this kernel has no vsock support (AF_VSOCK): %s"),
                               call->target, g_strerror (errsv));
      return;
    }

  /* Without the loopback transport the kernel sends a connection to CID 1
   * to the hypervisor, which never answers; binding there first tells the
   * two cases apart without any traffic. */
  if (call->cid == VMADDR_CID_LOCAL)
    {
      addr.svm_family = AF_VSOCK;
      addr.svm_cid = VMADDR_CID_LOCAL;
      addr.svm_port = VMADDR_PORT_ANY;
      if (bind (fd, (struct sockaddr *) &addr, sizeof addr) < 0)
        {
          errsv = errno;
          close (fd);
          if (errsv == EADDRNOTAVAIL)
            g_task_return_new_error (task, JMP_ERROR, JMP_ERROR_UNAVAILABLE,
                                     _("cannot connect to %s: this kernel has no vsock loopback "
                                       "transport for CID 1 (module vsock_loopback)"),
                                     call->target);
          else
            g_task_return_new_error (task, JMP_ERROR, jmp_vsock_error_code (errsv),
                                     _("cannot connect to %s: %s"),
                                     call->target, g_strerror (errsv));
          return;
        }
    }

  /* the kernel's own bound (2 s by default) would cut a longer one short */
  tv.tv_sec = (time_t) call->timeout;
  tv.tv_usec = (suseconds_t) ((call->timeout - (gdouble) tv.tv_sec) * G_USEC_PER_SEC);
  if (setsockopt (fd, AF_VSOCK, SO_VM_SOCKETS_CONNECT_TIMEOUT, &tv, sizeof tv) < 0)
    g_debug ("cannot set the vsock connect timeout: %s", g_strerror (errno));

  memset (&addr, 0, sizeof addr);
  addr.svm_family = AF_VSOCK;
  addr.svm_cid = call->cid;
  addr.svm_port = call->port;
  if (connect (fd, (struct sockaddr *) &addr, sizeof addr) < 0)
    {
      errsv = errno;
      if (errsv != EINPROGRESS && errsv != EINTR)
        {
          close (fd);
          jmp_vsock_set_errno_error (&error, call->target, errsv);
          g_task_return_error (task, error);
          return;
        }
      if (!jmp_vsock_wait_connected (fd, call, cancellable, &error))
        {
          close (fd);
          g_task_return_error (task, error);
          return;
        }
    }

  connected = g_socket_new_from_fd (fd, &error);
  if (connected == NULL)
    {
      close (fd);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, connected, g_object_unref);
}

static void
jmp_vsock_network_connect_async (JmpNetwork          *network,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  JmpVsockNetwork *self = JMP_VSOCK_NETWORK (network);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  JmpVsockCall *call;
  GError *error = NULL;

  g_task_set_source_tag (task, jmp_vsock_network_connect_async);
  if (!jmp_net_check_started (JMP_DRIVER (self), &error))
    {
      g_task_return_error (task, error);
      return;
    }
  call = g_new0 (JmpVsockCall, 1);
  call->cid = self->cid;
  call->port = self->port;
  call->timeout = self->connect_timeout;
  /* TRANSLATORS: a vsock address, CID and port */
  call->target = g_strdup_printf (_("vsock %u:%u"), self->cid, self->port);
  g_task_set_task_data (task, call, (GDestroyNotify) jmp_vsock_call_free);
  g_task_run_in_thread (task, jmp_vsock_network_connect_thread);
}

static GSocket *
jmp_vsock_network_connect_finish (JmpNetwork    *network,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, network), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
jmp_vsock_network_iface_init (JmpNetworkInterface *iface)
{
  iface->connect_async = jmp_vsock_network_connect_async;
  iface->connect_finish = jmp_vsock_network_connect_finish;
  /* no get_address_async: the interface answers NotSupported */
}

static gboolean
jmp_vsock_network_start (JmpDriver *driver, GError **error)
{
  JmpVsockNetwork *self = JMP_VSOCK_NETWORK (driver);

  return jmp_net_check_required (self->cid_set, "cid", error) &&
         jmp_net_check_required (self->port_set, "port", error);
}

static GHashTable *
jmp_vsock_network_get_methods_description (JmpDriver *driver)
{
  GHashTable *methods = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  g_hash_table_insert (methods, g_strdup ("connect"),
                       g_strdup (_("Open a vsock stream to the virtual machine's port")));
  return methods;
}

static void
jmp_vsock_network_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  JmpVsockNetwork *self = JMP_VSOCK_NETWORK (object);

  switch (prop_id)
    {
    case PROP_CID:
      g_value_set_uint (value, self->cid);
      break;
    case PROP_PORT:
      g_value_set_uint (value, self->port);
      break;
    case PROP_CONNECT_TIMEOUT:
      g_value_set_double (value, self->connect_timeout);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
jmp_vsock_network_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  JmpVsockNetwork *self = JMP_VSOCK_NETWORK (object);

  switch (prop_id)
    {
    case PROP_CID:
      self->cid_set = TRUE;
      if (self->cid == g_value_get_uint (value))
        return;
      self->cid = g_value_get_uint (value);
      break;
    case PROP_PORT:
      self->port_set = TRUE;
      if (self->port == g_value_get_uint (value))
        return;
      self->port = g_value_get_uint (value);
      break;
    case PROP_CONNECT_TIMEOUT:
      if (self->connect_timeout == g_value_get_double (value))
        return;
      self->connect_timeout = g_value_get_double (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
    }
  g_object_notify_by_pspec (object, pspec);
}

static void
jmp_vsock_network_class_init (JmpVsockNetworkClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  JmpDriverClass *driver_class = JMP_DRIVER_CLASS (klass);

  object_class->get_property = jmp_vsock_network_get_property;
  object_class->set_property = jmp_vsock_network_set_property;
  driver_class->start = jmp_vsock_network_start;
  driver_class->get_methods_description = jmp_vsock_network_get_methods_description;

  /**
   * JmpVsockNetwork:cid:
   *
   * Context id of the target: 2 is the host seen from a guest, 1 this
   * machine (with the vsock_loopback module), 3 and up virtual machines.
   * Required.
   */
  props[PROP_CID] =
    g_param_spec_uint ("cid", "CID",
                       _("Context id of the target: 1 this machine (loopback), 2 the host "
                         "seen from a guest, 3 and up virtual machines (required)"),
                       0, G_MAXUINT32, 0,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * JmpVsockNetwork:port:
   *
   * The target's vsock port. Required.
   */
  props[PROP_PORT] =
    g_param_spec_uint ("port", "Port",
                       _("vsock port of the target (required)"),
                       0, G_MAXUINT32, 0,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * JmpVsockNetwork:connect-timeout:
   *
   * Seconds a Connect() may take. Not in Jumpstarter.
   */
  props[PROP_CONNECT_TIMEOUT] =
    g_param_spec_double ("connect-timeout", "Connect timeout",
                         _("Seconds a connection attempt may take; then it fails as timed out"),
                         JMP_NET_CONNECT_TIMEOUT_MIN, JMP_NET_CONNECT_TIMEOUT_MAX,
                         JMP_NET_CONNECT_TIMEOUT_DEFAULT,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
jmp_vsock_network_init (JmpVsockNetwork *self)
{
  self->connect_timeout = JMP_NET_CONNECT_TIMEOUT_DEFAULT;
}
