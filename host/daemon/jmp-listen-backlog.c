/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <glib/gi18n.h>
#include <jumpstarter/jumpstarter.h>

#include "jmp-listen-backlog.h"

/*
 * GDBusServer listens with GSocketListener's default backlog of 10 and keeps
 * its listener to itself: a burst of clients that arrives while the main
 * loop is busy finds the queue full and gets EAGAIN. Linux takes a second
 * listen() on a listening socket as a new backlog, so we find our socket by
 * the path it is bound to and give it SOMAXCONN (capped by the kernel's
 * net.core.somaxconn).
 */

static gboolean
jmp_listen_backlog_is_ours (gint fd, const gchar *socket_path)
{
  struct sockaddr_un addr;
  socklen_t len = sizeof addr;
  gint listening = 0;
  socklen_t optlen = sizeof listening;
  gsize path_len;

  if (getsockopt (fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &optlen) != 0 || !listening)
    return FALSE;
  memset (&addr, 0, sizeof addr);
  if (getsockname (fd, (struct sockaddr *) &addr, &len) != 0 || addr.sun_family != AF_UNIX)
    return FALSE;
  path_len = len - G_STRUCT_OFFSET (struct sockaddr_un, sun_path);
  return strnlen (addr.sun_path, path_len) == strlen (socket_path) &&
         strncmp (addr.sun_path, socket_path, path_len) == 0;
}

/**
 * jmp_listen_backlog_raise:
 * @socket_path: the path a listening Unix socket of this process is bound to
 * @error: return location for a #GError
 *
 * Sets the backlog of that socket to SOMAXCONN.
 *
 * Returns: %TRUE if it was found and changed
 */
gboolean
jmp_listen_backlog_raise (const gchar *socket_path, GError **error)
{
  g_autoptr(GDir) dir = NULL;
  const gchar *name;

  dir = g_dir_open ("/proc/self/fd", 0, error);
  if (dir == NULL)
    return FALSE;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      gint fd = atoi (name);

      if (fd < 0 || !jmp_listen_backlog_is_ours (fd, socket_path))
        continue;
      if (listen (fd, SOMAXCONN) != 0)
        {
          gint errsv = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                       _("cannot raise the backlog of %s: %s"), socket_path,
                       g_strerror (errsv));
          return FALSE;
        }
      return TRUE;
    }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
               _("no listening socket bound to %s"), socket_path);
  return FALSE;
}
