/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Moves bytes between stdin/stdout and a stream, as nc does: the end of
 * stdin becomes shutdown(SHUT_WR) on the stream while the other direction
 * keeps flowing, and the stream's EOF ends the relay.
 *
 * Both directions run in one poll() loop with a buffer each, so neither can
 * stall the other (an echoing target only reads while we read its answers).
 * stdin and stdout stay blocking: they may be shared with the parent shell,
 * and O_NONBLOCK on a shared terminal would surprise it.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "jmp-cli.h"

#define RELAY_BUFFER_SIZE (64 * 1024)

typedef struct {
  gchar    data[RELAY_BUFFER_SIZE];
  gsize    offset;
  gsize    length;     /* bytes from @offset still to write */
  gboolean eof;        /* the source reached its end */
  gboolean done;       /* nothing more will pass this way */
} RelayBuffer;

static gboolean
errno_is_transient (gint err)
{
  return err == EINTR || err == EAGAIN || err == EWOULDBLOCK;
}

gboolean
jmp_cli_relay_stdio (GSocket *socket, GError **error)
{
  g_autofree RelayBuffer *up = g_new0 (RelayBuffer, 1);     /* stdin → stream */
  g_autofree RelayBuffer *down = g_new0 (RelayBuffer, 1);   /* stream → stdout */
  gint fd = g_socket_get_fd (socket);
  gboolean datagram = g_socket_get_socket_type (socket) == G_SOCKET_TYPE_DATAGRAM;

  /* A closed stdout is the reader going away, not a reason to die. */
  signal (SIGPIPE, SIG_IGN);

  while (!down->done)
    {
      struct pollfd fds[3];
      nfds_t n = 0;
      gint in_index = -1;
      gint sock_index = -1;
      gint out_index = -1;
      short sock_events = 0;

      if (!up->done && up->eof && up->length == 0)
        {
          up->done = TRUE;
          /* Datagrams have no end of stream: stdin's end is ours. */
          if (datagram)
            break;
          if (shutdown (fd, SHUT_WR) < 0 && errno != ENOTCONN)
            {
              gint err = errno;
              g_set_error (error, G_IO_ERROR, g_io_error_from_errno (err),
                           _("closing the stream for writing failed: %s"), g_strerror (err));
              return FALSE;
            }
        }

      if (!up->done && up->length == 0)
        {
          fds[n] = (struct pollfd) { .fd = STDIN_FILENO, .events = POLLIN };
          in_index = n++;
        }
      if (!up->done && up->length > 0)
        sock_events |= POLLOUT;
      if (down->length == 0)
        sock_events |= POLLIN;
      else
        {
          fds[n] = (struct pollfd) { .fd = STDOUT_FILENO, .events = POLLOUT };
          out_index = n++;
        }
      if (sock_events != 0)
        {
          fds[n] = (struct pollfd) { .fd = fd, .events = sock_events };
          sock_index = n++;
        }

      if (poll (fds, n, -1) < 0)
        {
          gint err = errno;
          if (err == EINTR)
            continue;
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (err),
                       "poll: %s", g_strerror (err));
          return FALSE;
        }

      /* stdin → buffer */
      if (in_index >= 0 && fds[in_index].revents != 0)
        {
          gssize r = read (STDIN_FILENO, up->data, sizeof up->data);

          if (r > 0)
            {
              up->offset = 0;
              up->length = r;
            }
          else if (r == 0 || errno == EBADF)
            up->eof = TRUE;   /* no stdin at all counts as an empty one */
          else if (!errno_is_transient (errno))
            {
              gint err = errno;
              g_set_error (error, G_IO_ERROR, g_io_error_from_errno (err),
                           _("reading standard input failed: %s"), g_strerror (err));
              return FALSE;
            }
        }

      if (sock_index >= 0 && fds[sock_index].revents != 0)
        {
          /* buffer → stream */
          if (!up->done && up->length > 0)
            {
              gssize w = send (fd, up->data + up->offset, up->length, MSG_NOSIGNAL);

              if (w >= 0)
                {
                  up->offset += w;
                  up->length -= w;
                }
              else if (errno == EPIPE || errno == ECONNRESET)
                {
                  /* The target stopped reading; still take what it sends. */
                  up->done = TRUE;
                  up->length = 0;
                }
              else if (!errno_is_transient (errno))
                {
                  gint err = errno;
                  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (err),
                               _("writing to the stream failed: %s"), g_strerror (err));
                  return FALSE;
                }
            }

          /* stream → buffer */
          if (down->length == 0)
            {
              gssize r = recv (fd, down->data, sizeof down->data, 0);

              if (r > 0)
                {
                  down->offset = 0;
                  down->length = r;
                }
              else if (r == 0 && !datagram)
                down->done = TRUE;
              else if (r < 0 && !errno_is_transient (errno))
                {
                  gint err = errno;
                  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (err),
                               _("reading from the stream failed: %s"), g_strerror (err));
                  return FALSE;
                }
            }
        }

      /* buffer → stdout */
      if (out_index >= 0 && fds[out_index].revents != 0)
        {
          gssize w = write (STDOUT_FILENO, down->data + down->offset, down->length);

          if (w >= 0)
            {
              down->offset += w;
              down->length -= w;
            }
          else if (errno == EPIPE)
            return TRUE;
          else if (!errno_is_transient (errno))
            {
              gint err = errno;
              g_set_error (error, G_IO_ERROR, g_io_error_from_errno (err),
                           _("writing to standard output failed: %s"), g_strerror (err));
              return FALSE;
            }
        }
    }

  return TRUE;
}
