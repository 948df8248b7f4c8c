/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gi18n-lib.h>

#include "jmp-error.h"
#include "jmp-relay.h"

/*
 * Moves bytes between two stream sockets with splice(2): socket → pipe →
 * socket, so the payload never enters user space. One GSource per relay
 * watches both sockets; each direction waits for what it needs next
 * (input readable, or output writable while its pipe holds data).
 * EOF on one side becomes shutdown(SHUT_WR) on the other once its pipe
 * is drained, and the other direction keeps flowing.
 */

#define JMP_RELAY_PIPE_SIZE (1024 * 1024)
/* bounded work per dispatch, so one busy relay cannot starve the others */
#define JMP_RELAY_MAX_ROUNDS 8

typedef struct {
  gint     in;
  gint     out;
  gint     pipe[2];
  gsize    pipe_capacity;
  gsize    in_pipe;     /* bytes spliced into the pipe, not yet out */
  guint64  total;
  gboolean eof;         /* read side reached EOF */
  gboolean done;        /* EOF passed on as shutdown(SHUT_WR) */
} JmpRelayDirection;

struct _JmpRelay
{
  GSource           source;
  GSocket          *a;
  GSocket          *b;
  gpointer          tag_a;
  gpointer          tag_b;
  GIOCondition      events_a;  /* what tag_a waits for now */
  GIOCondition      events_b;
  gboolean          hup_a;     /* seen hung up; unwatched since */
  gboolean          hup_b;
  JmpRelayDirection a_to_b;
  JmpRelayDirection b_to_a;
  JmpRelayDoneFunc  done;
  gpointer          user_data;
  gboolean          closed;
};

static gboolean
jmp_relay_direction_init (JmpRelayDirection *dir, gint in, gint out, GError **error)
{
  gint size;

  dir->in = in;
  dir->out = out;
  if (pipe2 (dir->pipe, O_NONBLOCK | O_CLOEXEC) < 0)
    {
      int errsv = errno;
      dir->pipe[0] = dir->pipe[1] = -1;
      g_set_error (error, JMP_ERROR, JMP_ERROR_UNAVAILABLE,
                   _("cannot create a relay pipe: %s"), g_strerror (errsv));
      return FALSE;
    }
  /* a larger pipe means fewer wake-ups per byte; the default is fine too */
  size = fcntl (dir->pipe[1], F_SETPIPE_SZ, JMP_RELAY_PIPE_SIZE);
  if (size < 0)
    size = fcntl (dir->pipe[1], F_GETPIPE_SZ);
  dir->pipe_capacity = size > 0 ? (gsize) size : 65536;
  return TRUE;
}

static void
jmp_relay_direction_clear (JmpRelayDirection *dir)
{
  if (dir->pipe[0] >= 0)
    close (dir->pipe[0]);
  if (dir->pipe[1] >= 0)
    close (dir->pipe[1]);
  dir->pipe[0] = dir->pipe[1] = -1;
}

/* What a direction waits for next: input readable, output writable, both
 * (the pipe has data to send and room for more), or nothing (done). */
typedef enum {
  PUMP_WAIT_IN  = 1 << 0,
  PUMP_WAIT_OUT = 1 << 1,
  PUMP_DONE     = 1 << 2,
  PUMP_ERROR    = 1 << 3,
  PUMP_AGAIN    = 1 << 4,  /* stopped by the bound, not by the sockets */
} JmpPumpState;

static gboolean
jmp_relay_would_block (int errsv)
{
  return errsv == EAGAIN || errsv == EINTR;
}

/* Reads and writes overlap: while the output is full the input keeps
 * filling the pipe, so neither side waits for the other more than the
 * pipe's size requires. */
static JmpPumpState
jmp_relay_pump (JmpRelayDirection *dir, GError **error)
{
  gboolean in_blocked = FALSE;
  gboolean out_blocked = FALSE;

  for (guint round = 0; round < JMP_RELAY_MAX_ROUNDS; round++)
    {
      gboolean progress = FALSE;
      ssize_t n;

      if (dir->done)
        return PUMP_DONE;

      if (dir->in_pipe > 0)
        {
          n = splice (dir->pipe[0], NULL, dir->out, NULL, dir->in_pipe,
                      SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
          if (n > 0)
            {
              dir->in_pipe -= n;
              dir->total += n;
              progress = TRUE;
              out_blocked = FALSE;
            }
          else if (n < 0 && jmp_relay_would_block (errno))
            out_blocked = TRUE;
          else
            {
              int errsv = n < 0 ? errno : EPIPE;
              g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                           _("writing to the peer failed: %s"), g_strerror (errsv));
              return PUMP_ERROR;
            }
        }

      if (!dir->eof && dir->in_pipe < dir->pipe_capacity)
        {
          n = splice (dir->in, NULL, dir->pipe[1], NULL, dir->pipe_capacity - dir->in_pipe,
                      SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
          if (n > 0)
            {
              dir->in_pipe += n;
              progress = TRUE;
              in_blocked = FALSE;
            }
          else if (n == 0)
            {
              dir->eof = TRUE;
              progress = TRUE;
            }
          else if (jmp_relay_would_block (errno))
            in_blocked = TRUE;
          else
            {
              int errsv = errno;
              g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                           _("reading from the peer failed: %s"), g_strerror (errsv));
              return PUMP_ERROR;
            }
        }

      if (dir->eof && dir->in_pipe == 0)
        {
          /* ENOTCONN: the peer is already gone both ways; nothing to tell */
          if (shutdown (dir->out, SHUT_WR) < 0 && errno != ENOTCONN)
            {
              int errsv = errno;
              g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                           _("passing on EOF failed: %s"), g_strerror (errsv));
              return PUMP_ERROR;
            }
          dir->done = TRUE;
          return PUMP_DONE;
        }

      if (!progress)
        break;
    }

  /* Input is watched whenever the pipe has room; output only once it
   * refused data. Watches change rarely that way: each change wakes the
   * main context up. A batch cut short by the bound comes back at once. */
  {
    JmpPumpState state = 0;

    if (!dir->eof && dir->in_pipe < dir->pipe_capacity)
      state |= PUMP_WAIT_IN;
    if (dir->in_pipe > 0 && out_blocked)
      state |= PUMP_WAIT_OUT;
    if (!in_blocked && !out_blocked)
      state |= PUMP_AGAIN;
    return state;
  }
}

static GIOCondition
jmp_relay_wanted (JmpPumpState state, gboolean is_input)
{
  if (is_input && (state & PUMP_WAIT_IN))
    return G_IO_IN;
  if (!is_input && (state & PUMP_WAIT_OUT))
    return G_IO_OUT;
  return 0;
}

static void
jmp_relay_finish (JmpRelay *self, GError *error)
{
  JmpRelayDoneFunc done = self->done;

  if (self->closed)
    return;
  self->closed = TRUE;
  g_socket_close (self->a, NULL);
  g_socket_close (self->b, NULL);
  jmp_relay_direction_clear (&self->a_to_b);
  jmp_relay_direction_clear (&self->b_to_a);
  self->done = NULL;
  if (done != NULL)
    done (self, error, self->user_data);
  g_source_destroy (&self->source);
}

static gboolean
jmp_relay_hung_up (GSource *source, gpointer tag, gboolean hup)
{
  if (tag == NULL)
    return hup;
  return (g_source_query_unix_fd (source, tag) & (G_IO_HUP | G_IO_ERR)) != 0;
}

/* Watches @fd for @want. Modifying a watch wakes the main context up (an
 * eventfd write and read), so it changes only when it must. HUP and ERR
 * are reported whatever is asked for: a socket that hung up while neither
 * direction needs it (its pipe full, or its EOF already read) is taken out
 * of the poll set until one does, or every poll would report it. */
static void
jmp_relay_watch (GSource      *source,
                 gpointer     *tag,
                 GIOCondition *events,
                 gboolean     *hup,
                 gint          fd,
                 GIOCondition  want)
{
  if (*tag == NULL)
    {
      if (want != 0)
        *tag = g_source_add_unix_fd (source, fd, *events = want | G_IO_ERR);
      return;
    }
  if (want == 0 && (g_source_query_unix_fd (source, *tag) & (G_IO_HUP | G_IO_ERR)))
    {
      g_source_remove_unix_fd (source, *tag);
      *tag = NULL;
      *hup = TRUE;
      return;
    }
  if ((want | G_IO_ERR) != *events)
    g_source_modify_unix_fd (source, *tag, *events = want | G_IO_ERR);
}

static gboolean
jmp_relay_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
  JmpRelay *self = (JmpRelay *) source;
  g_autoptr(GError) error = NULL;
  JmpPumpState ab, ba;
  GIOCondition want_a, want_b;

  g_source_set_ready_time (source, -1);
  ab = jmp_relay_pump (&self->a_to_b, &error);
  ba = ab == PUMP_ERROR ? PUMP_ERROR : jmp_relay_pump (&self->b_to_a, &error);
  if (ab == PUMP_ERROR || ba == PUMP_ERROR)
    {
      jmp_relay_finish (self, error);
      return G_SOURCE_REMOVE;
    }
  if (ab == PUMP_DONE && ba == PUMP_DONE)
    {
      jmp_relay_finish (self, NULL);
      return G_SOURCE_REMOVE;
    }
  /* A socket that hung up (its peer closed both ways, or reset) is
   * reported by every poll. Once its EOF was read and both pipes are
   * empty, no pump would touch it again and the relay would wake up
   * forever; nothing can reach that peer any more, so the relay ends. */
  if (self->a_to_b.in_pipe == 0 && self->b_to_a.in_pipe == 0 &&
      ((self->a_to_b.eof && jmp_relay_hung_up (source, self->tag_a, self->hup_a)) ||
       (self->b_to_a.eof && jmp_relay_hung_up (source, self->tag_b, self->hup_b))))
    {
      jmp_relay_finish (self, NULL);
      return G_SOURCE_REMOVE;
    }

  want_a = jmp_relay_wanted (ab, TRUE) | jmp_relay_wanted (ba, FALSE);
  want_b = jmp_relay_wanted (ba, TRUE) | jmp_relay_wanted (ab, FALSE);
  if ((ab | ba) & PUMP_AGAIN)
    g_source_set_ready_time (source, 0);
  jmp_relay_watch (source, &self->tag_a, &self->events_a, &self->hup_a,
                   g_socket_get_fd (self->a), want_a);
  jmp_relay_watch (source, &self->tag_b, &self->events_b, &self->hup_b,
                   g_socket_get_fd (self->b), want_b);
  return G_SOURCE_CONTINUE;
}

static void
jmp_relay_source_finalize (GSource *source)
{
  JmpRelay *self = (JmpRelay *) source;

  jmp_relay_direction_clear (&self->a_to_b);
  jmp_relay_direction_clear (&self->b_to_a);
  g_clear_object (&self->a);
  g_clear_object (&self->b);
}

static GSourceFuncs jmp_relay_source_funcs = {
  NULL, NULL, jmp_relay_dispatch, jmp_relay_source_finalize, NULL, NULL,
};

/**
 * jmp_relay_start: (skip)
 * @a: a connected stream socket
 * @b: another one
 * @done: called once when the relay ends
 * @user_data: data for @done
 * @error: return location for a #GError
 *
 * Relays @a ↔ @b on the thread-default main context until both directions
 * reached EOF or one failed. Both sockets are closed at the end.
 *
 * Returns: (transfer none): the relay, owned by its main context
 */
JmpRelay *
jmp_relay_start (GSocket          *a,
                 GSocket          *b,
                 JmpRelayDoneFunc  done,
                 gpointer          user_data,
                 GError          **error)
{
  GSource *source = g_source_new (&jmp_relay_source_funcs, sizeof (JmpRelay));
  JmpRelay *self = (JmpRelay *) source;
  gint fa = g_socket_get_fd (a);
  gint fb = g_socket_get_fd (b);

  self->a_to_b.pipe[0] = self->a_to_b.pipe[1] = -1;
  self->b_to_a.pipe[0] = self->b_to_a.pipe[1] = -1;
  self->a = g_object_ref (a);
  self->b = g_object_ref (b);
  if (!jmp_relay_direction_init (&self->a_to_b, fa, fb, error) ||
      !jmp_relay_direction_init (&self->b_to_a, fb, fa, error))
    {
      g_source_unref (source);
      return NULL;
    }
  g_socket_set_blocking (a, FALSE);
  g_socket_set_blocking (b, FALSE);
  self->done = done;
  self->user_data = user_data;
  self->events_a = self->events_b = G_IO_IN | G_IO_ERR;
  self->tag_a = g_source_add_unix_fd (source, fa, self->events_a);
  self->tag_b = g_source_add_unix_fd (source, fb, self->events_b);
  g_source_set_static_name (source, "[jumpstarter] relay");
  /* a blocked source (the default while it dispatches) has its fds taken
   * out of the poll set and put back afterwards, and putting them back
   * wakes the context through its eventfd: two syscalls per dispatch on
   * the data path. The relay never iterates a main loop from dispatch. */
  g_source_set_can_recurse (source, TRUE);
  g_source_attach (source, g_main_context_get_thread_default ());
  g_source_unref (source);
  return self;
}

/**
 * jmp_relay_close: (skip)
 * @relay: a running relay
 *
 * Ends the relay now; its done callback runs with a cancellation error.
 */
void
jmp_relay_close (JmpRelay *relay)
{
  g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                 _("the relay was closed"));
  jmp_relay_finish (relay, error);
}

guint64
jmp_relay_get_bytes_a_to_b (JmpRelay *relay)
{
  return relay->a_to_b.total;
}

guint64
jmp_relay_get_bytes_b_to_a (JmpRelay *relay)
{
  return relay->b_to_a.total;
}
