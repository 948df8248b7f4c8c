/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `connect --fdpass`: the connected socket goes to our parent and no byte
 * passes through jmp. OpenSSH's ProxyUseFdpass=yes runs the ProxyCommand
 * with stdout on one end of a Unix socketpair and, once it has exited,
 * takes one byte carrying the fd in SCM_RIGHTS (its mm_receive_fd()).
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <glib-unix.h>
#include <glib/gi18n.h>

#include "jmp-cli.h"

/**
 * jmp_cli_fdpass_send:
 * @out_fd: a Unix socket, normally stdout
 * @fd: the descriptor to pass
 * @error: return location for a #GError
 *
 * Sends one byte with @fd attached. @fd goes in blocking mode, as
 * connect() would give it.
 *
 * Returns: %TRUE once the peer holds @fd
 */
gboolean
jmp_cli_fdpass_send (gint out_fd, gint fd, GError **error)
{
  union {
    struct cmsghdr align;
    gchar          buf[CMSG_SPACE (sizeof (gint))];
  } control;
  gchar byte = '\0';
  struct iovec iov = { &byte, 1 };
  struct msghdr msg = { 0, };
  struct cmsghdr *cmsg;
  gssize sent;

  if (!g_unix_set_fd_nonblocking (fd, FALSE, error))
    return FALSE;
  memset (&control, 0, sizeof control);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.buf;
  msg.msg_controllen = sizeof control.buf;
  cmsg = CMSG_FIRSTHDR (&msg);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN (sizeof (gint));
  memcpy (CMSG_DATA (cmsg), &fd, sizeof (gint));

  do
    sent = sendmsg (out_fd, &msg, MSG_NOSIGNAL);
  while (sent < 0 && errno == EINTR);
  if (sent < 0)
    {
      gint errsv = errno;

      if (errsv == ENOTSOCK)
        g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                     _("--fdpass needs stdout to be a Unix socket, as ssh's "
                       "ProxyUseFdpass=yes gives it"));
      else
        g_set_error (error, JMP_ERROR, JMP_ERROR_FAILED,
                     _("cannot pass the connection on stdout: %s"), g_strerror (errsv));
      return FALSE;
    }
  return TRUE;
}
