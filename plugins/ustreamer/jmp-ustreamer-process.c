/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gio/gunixinputstream.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <glib-unix.h>
#include <jumpstarter/jumpstarter.h>
#include <glib/gi18n-lib.h>

#include "jmp-ustreamer-process.h"

/*
 * One ustreamer child of a UStreamer driver: spawned on a socket in a
 * private 0700 directory, its output logged line by line under the driver's
 * name, restarted with back-off when it exits, stopped with SIGTERM, 5 s,
 * SIGKILL.
 *
 * The first start must fail with ustreamer's own words when it refuses
 * its options. jmp_ustreamer_process_start_async() (the host's way) waits
 * for the child as a restart does, from the main loop: the pipes are
 * watched, /state is probed every 100 ms, the child's exit ends the wait;
 * past start_timeout it gets SIGTERM (SIGKILL 5 s later) and the start
 * fails once it is gone. jmp_ustreamer_process_stop_async() waits for
 * the child's exit after SIGTERM the same way, SIGKILL 5 s later.
 * jmp_ustreamer_process_start() is the same
 * without any main loop, for a synchronous jmp_driver_start(): a bounded
 * loop that polls the child's pipes for 50 ms at a time, checks whether
 * the child exited (waitid WNOWAIT, which leaves the reaping to GLib) and
 * asks the socket for /state.
 */

/* enough for getopt's complaint and ustreamer's own lines around it */
#define TAIL_LINES     20
#define MAX_LINE_BYTES 4096
#define POLL_MS        50
#define PROBE_MS       100
#define TERM_TIMEOUT_S 5
#define FIRST_DELAY_S  0.5
#define MAX_DELAY_S    30.0
/* a child that ran this long resets the back-off */
#define STABLE_S       30

typedef enum {
  STATE_STOPPED,
  STATE_STARTING,  /* a started or restarted child that has not answered yet */
  STATE_RUNNING,
  STATE_DOWN,      /* exited, a restart is scheduled */
} JmpUstreamerState;

typedef struct {
  JmpUstreamerProcess *process;  /* unowned: the process removes the source */
  GInputStream        *stream;   /* owns the fd */
  gint                 fd;
  GSource             *source;
  GString             *partial;
  const gchar         *label;
} JmpUstreamerPipe;

struct _JmpUstreamerProcess
{
  GObject             parent_instance;

  gchar              *name;
  gchar              *executable;
  GStrv               options;
  gdouble             start_timeout;

  GMainContext       *context;
  gchar              *dir;
  gchar              *socket_path;
  JmpUstreamerClient *client;

  JmpUstreamerState   state;
  GSubprocess        *subprocess;
  GPid                pid;
  JmpUstreamerPipe    out;
  JmpUstreamerPipe    err;
  GQueue              tail;  /* the last lines of output, gchar* */

  guint               restarts;
  gdouble             delay;
  gint64              ready_time;
  GSource            *restart_source;
  GSource            *probe_source;
  gint64              probe_deadline;
  GCancellable       *probe_cancellable;  /* non-NULL while a probe is sent */

  GTask              *start_task;    /* the first start, until the child serves */
  GTask              *stop_task;     /* a stop_async, until the child is gone */
  GSource            *cancel_source; /* the start's or the stop's cancellable's */
  GSource            *kill_source;   /* SIGKILL for a start that gave up, or a stop */
  gboolean            start_timed_out;
};

G_DEFINE_FINAL_TYPE (JmpUstreamerProcess, jmp_ustreamer_process, G_TYPE_OBJECT)

/* ------------------------------------------------------------------------ */
/* Output: logged line by line, the last lines kept for error messages */

static void
jmp_ustreamer_process_log_line (JmpUstreamerProcess *self, const gchar *label,
                                const gchar *text, gsize len)
{
  g_autofree gchar *line = g_utf8_make_valid (text, len);

  /* ustreamer's own lines start with "-- INFO", "-- ERROR", …; anything
   * else (getopt, a crash) is worth seeing without -v. Nothing is a
   * warning: the device, not the host, is at fault. */
  if (strstr (line, "ERROR") != NULL ||
      (!g_str_has_prefix (line, "-- ") && !g_str_has_prefix (line, "=====")))
    g_message ("%s: ustreamer %s: %s", self->name, label, line);
  else
    g_info ("%s: ustreamer %s: %s", self->name, label, line);

  g_queue_push_tail (&self->tail, g_steal_pointer (&line));
  while (self->tail.length > TAIL_LINES)
    g_free (g_queue_pop_head (&self->tail));
}

static void
jmp_ustreamer_pipe_flush (JmpUstreamerPipe *pipe)
{
  if (pipe->partial->len > 0)
    jmp_ustreamer_process_log_line (pipe->process, pipe->label,
                                    pipe->partial->str, pipe->partial->len);
  g_string_truncate (pipe->partial, 0);
}

static void
jmp_ustreamer_pipe_close (JmpUstreamerPipe *pipe)
{
  if (pipe->source != NULL)
    {
      g_source_destroy (pipe->source);
      g_clear_pointer (&pipe->source, g_source_unref);
    }
  if (pipe->partial != NULL)
    jmp_ustreamer_pipe_flush (pipe);
  g_clear_object (&pipe->stream);
  pipe->fd = -1;
}

/* Reads what the pipe holds now, without blocking. Returns FALSE at EOF. */
static gboolean
jmp_ustreamer_pipe_drain (JmpUstreamerPipe *pipe)
{
  gchar buffer[4096];

  if (pipe->fd < 0)
    return FALSE;
  for (;;)
    {
      gssize n = read (pipe->fd, buffer, sizeof buffer);
      gssize start = 0;

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == EAGAIN)
        return TRUE;
      if (n <= 0)
        {
          jmp_ustreamer_pipe_close (pipe);
          return FALSE;
        }
      for (gssize i = 0; i < n; i++)
        {
          if (buffer[i] != '\n')
            continue;
          g_string_append_len (pipe->partial, buffer + start, i - start);
          if (pipe->partial->len > 0 && pipe->partial->str[pipe->partial->len - 1] == '\r')
            g_string_truncate (pipe->partial, pipe->partial->len - 1);
          jmp_ustreamer_pipe_flush (pipe);
          start = i + 1;
        }
      g_string_append_len (pipe->partial, buffer + start, n - start);
      /* a child that never ends its line does not grow the host */
      if (pipe->partial->len >= MAX_LINE_BYTES)
        jmp_ustreamer_pipe_flush (pipe);
    }
}

static gboolean
jmp_ustreamer_pipe_ready_cb (gint fd, GIOCondition condition, gpointer user_data)
{
  JmpUstreamerPipe *pipe = user_data;

  if (!jmp_ustreamer_pipe_drain (pipe))
    {
      /* the source is already destroyed by the close */
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
jmp_ustreamer_pipe_open (JmpUstreamerPipe *pipe, JmpUstreamerProcess *self,
                         GInputStream *stream, const gchar *label)
{
  pipe->process = self;
  pipe->stream = g_object_ref (stream);
  pipe->fd = g_unix_input_stream_get_fd (G_UNIX_INPUT_STREAM (stream));
  pipe->label = label;
  if (pipe->partial == NULL)
    pipe->partial = g_string_new (NULL);
  g_unix_set_fd_nonblocking (pipe->fd, TRUE, NULL);
}

/* From the first start on, the pipes are read by the host's main loop. */
static void
jmp_ustreamer_pipe_watch (JmpUstreamerPipe *pipe)
{
  if (pipe->fd < 0 || pipe->source != NULL)
    return;
  pipe->source = g_unix_fd_source_new (pipe->fd, G_IO_IN | G_IO_HUP | G_IO_ERR);
  g_source_set_callback (pipe->source, G_SOURCE_FUNC (jmp_ustreamer_pipe_ready_cb), pipe, NULL);
  g_source_attach (pipe->source, pipe->process->context);
}

static gchar *
jmp_ustreamer_process_format_tail (JmpUstreamerProcess *self)
{
  g_autoptr(GString) str = g_string_new (NULL);

  for (GList *l = self->tail.head; l != NULL; l = l->next)
    {
      const gchar *line = l->data;

      if (*line == '\0' || g_str_has_prefix (line, "====="))
        continue;
      if (str->len > 0)
        g_string_append (str, "\n");
      g_string_append (str, line);
    }
  return g_string_free (g_steal_pointer (&str), FALSE);
}

/* ------------------------------------------------------------------------ */
/* The child */

static void
jmp_ustreamer_child_setup (gpointer user_data)
{
  pid_t parent = GPOINTER_TO_INT (user_data);

  /* Tied to the thread that forks: the host's main thread, which lives as
   * long as the host. With --exit-on-parent-death as a second guard, no
   * ustreamer outlives the host, even after kill -9. */
  prctl (PR_SET_PDEATHSIG, SIGTERM);
  /* the host died between fork and prctl */
  if (getppid () != parent)
    _exit (1);
}

static gboolean
jmp_ustreamer_process_spawn (JmpUstreamerProcess *self, GError **error)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) local_error = NULL;
  const gchar *id;

  g_ptr_array_add (argv, self->executable);
  for (guint i = 0; self->options[i] != NULL; i++)
    g_ptr_array_add (argv, self->options[i]);
  g_ptr_array_add (argv, "--unix");
  g_ptr_array_add (argv, self->socket_path);
  g_ptr_array_add (argv, "--unix-rm");  /* a socket left by a crash is in the way */
  g_ptr_array_add (argv, "--exit-on-parent-death");
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_set_stdin_file_path (launcher, "/dev/null");
  g_subprocess_launcher_set_child_setup (launcher, jmp_ustreamer_child_setup,
                                         GINT_TO_POINTER (getpid ()), NULL);
  self->subprocess = g_subprocess_launcher_spawnv (launcher,
                                                   (const gchar * const *) argv->pdata,
                                                   &local_error);
  if (self->subprocess == NULL)
    {
      g_set_error (error, JMP_ERROR, JMP_ERROR_UNAVAILABLE,
                   _("cannot run %s: %s"), self->executable, local_error->message);
      return FALSE;
    }
  id = g_subprocess_get_identifier (self->subprocess);
  self->pid = id != NULL ? (GPid) g_ascii_strtoll (id, NULL, 10) : 0;
  g_debug ("%s: ustreamer started, pid %d", self->name, (gint) self->pid);

  jmp_ustreamer_pipe_open (&self->out, self, g_subprocess_get_stdout_pipe (self->subprocess),
                           "stdout");
  jmp_ustreamer_pipe_open (&self->err, self, g_subprocess_get_stderr_pipe (self->subprocess),
                           "stderr");
  return TRUE;
}

/* Whether the child exited, without reaping it: GLib's child watch does
 * that, and GSubprocess must see it. */
static gboolean
jmp_ustreamer_process_has_exited (JmpUstreamerProcess *self)
{
  siginfo_t info;

  if (self->pid <= 0)
    return TRUE;
  memset (&info, 0, sizeof info);
  if (waitid (P_PID, self->pid, &info, WEXITED | WNOHANG | WNOWAIT) < 0)
    return errno == ECHILD;  /* already reaped */
  return info.si_pid == self->pid;
}

/* Polls the pipes (logging what comes) for up to @timeout_ms. */
static void
jmp_ustreamer_process_poll_output (JmpUstreamerProcess *self, gint timeout_ms)
{
  struct pollfd fds[2];
  nfds_t n = 0;

  if (self->out.fd >= 0)
    fds[n++] = (struct pollfd) { .fd = self->out.fd, .events = POLLIN };
  if (self->err.fd >= 0)
    fds[n++] = (struct pollfd) { .fd = self->err.fd, .events = POLLIN };
  if (n == 0)
    g_usleep ((gulong) timeout_ms * 1000);
  else if (poll (fds, n, timeout_ms) < 0 && errno != EINTR)
    g_usleep ((gulong) timeout_ms * 1000);
  jmp_ustreamer_pipe_drain (&self->out);
  jmp_ustreamer_pipe_drain (&self->err);
}

static gchar *
jmp_ustreamer_process_describe_exit (GSubprocess *subprocess)
{
  if (g_subprocess_get_if_exited (subprocess))
    return g_strdup_printf (_("exited with status %d"), g_subprocess_get_exit_status (subprocess));
  if (g_subprocess_get_if_signaled (subprocess))
    return g_strdup_printf (_("was killed by signal %d (%s)"),
                            g_subprocess_get_term_sig (subprocess),
                            g_strsignal (g_subprocess_get_term_sig (subprocess)));
  return g_strdup (_("exited"));
}

/* Reaps an exited (or killed) child and reads the rest of its output.
 * Returns how it ended. */
static gchar *
jmp_ustreamer_process_reap (JmpUstreamerProcess *self)
{
  g_autoptr(GSubprocess) subprocess = g_steal_pointer (&self->subprocess);
  gint64 deadline = g_get_monotonic_time () + G_USEC_PER_SEC;
  gchar *how;

  /* returns as soon as GLib's child watch has collected the status */
  g_subprocess_wait (subprocess, NULL, NULL);
  /* the child is gone, so its pipes end: read them to EOF, unless
   * something it started still holds them */
  while ((self->out.fd >= 0 || self->err.fd >= 0) && g_get_monotonic_time () < deadline)
    jmp_ustreamer_process_poll_output (self, POLL_MS);
  jmp_ustreamer_pipe_close (&self->out);
  jmp_ustreamer_pipe_close (&self->err);
  how = jmp_ustreamer_process_describe_exit (subprocess);
  self->pid = 0;
  return how;
}

/* SIGTERM, up to 5 s, SIGKILL; then reaped. */
static void
jmp_ustreamer_process_terminate (JmpUstreamerProcess *self)
{
  gint64 deadline = g_get_monotonic_time () + TERM_TIMEOUT_S * G_USEC_PER_SEC;
  g_autofree gchar *how = NULL;

  if (self->subprocess == NULL)
    return;
  g_subprocess_send_signal (self->subprocess, SIGTERM);
  while (!jmp_ustreamer_process_has_exited (self))
    {
      if (g_get_monotonic_time () >= deadline)
        {
          g_message ("%s: ustreamer did not stop within %d s of SIGTERM; killing it",
                     self->name, TERM_TIMEOUT_S);
          g_subprocess_force_exit (self->subprocess);
          break;
        }
      jmp_ustreamer_process_poll_output (self, 20);
    }
  how = jmp_ustreamer_process_reap (self);
  g_debug ("%s: ustreamer %s", self->name, how);
}

/* ------------------------------------------------------------------------ */
/* Is it serving? */

/* One GET /state on a fresh connection, with blocking I/O bounded by
 * @timeout_s: only used while the first start waits. */
static gboolean
jmp_ustreamer_process_probe_sync (JmpUstreamerProcess *self, guint timeout_s)
{
  static const gchar request[] = "GET /state HTTP/1.0\r\nHost: localhost\r\n\r\n";
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  gchar reply[64];
  gsize got = 0;

  if (!g_file_test (self->socket_path, G_FILE_TEST_EXISTS))
    return FALSE;
  socket = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_DEFAULT, NULL);
  if (socket == NULL)
    return FALSE;
  g_socket_set_timeout (socket, MAX (timeout_s, 1));
  address = g_unix_socket_address_new (self->socket_path);
  if (!g_socket_connect (socket, address, NULL, NULL) ||
      g_socket_send (socket, request, sizeof request - 1, NULL, NULL) != sizeof request - 1)
    return FALSE;
  while (got < sizeof reply - 1)
    {
      gssize n = g_socket_receive (socket, reply + got, sizeof reply - 1 - got, NULL, NULL);

      if (n <= 0)
        break;
      got += n;
    }
  reply[got] = '\0';
  /* "HTTP/1.x 200 OK" */
  return g_str_has_prefix (reply, "HTTP/1.") && got >= 12 && strncmp (reply + 8, " 200", 4) == 0;
}

static void jmp_ustreamer_process_exited_cb (GObject *source, GAsyncResult *res, gpointer user_data);

/* The child answers: from now on the main loop follows it. */
static void
jmp_ustreamer_process_set_running (JmpUstreamerProcess *self)
{
  self->state = STATE_RUNNING;
  self->ready_time = g_get_monotonic_time ();
}

static void
jmp_ustreamer_process_follow (JmpUstreamerProcess *self)
{
  jmp_ustreamer_pipe_watch (&self->out);
  jmp_ustreamer_pipe_watch (&self->err);
  g_subprocess_wait_async (self->subprocess, NULL, jmp_ustreamer_process_exited_cb,
                           g_object_ref (self));
}

static void
jmp_ustreamer_process_remove_socket (JmpUstreamerProcess *self)
{
  if (self->socket_path != NULL && g_unlink (self->socket_path) < 0 && errno != ENOENT)
    g_debug ("%s: cannot remove %s: %s", self->name, self->socket_path, g_strerror (errno));
}

static void
jmp_ustreamer_process_clear_dir (JmpUstreamerProcess *self)
{
  jmp_ustreamer_process_remove_socket (self);
  if (self->dir != NULL && g_rmdir (self->dir) < 0 && errno != ENOENT)
    g_message ("%s: cannot remove %s: %s", self->name, self->dir, g_strerror (errno));
  g_clear_pointer (&self->dir, g_free);
  g_clear_pointer (&self->socket_path, g_free);
}

static gboolean
jmp_ustreamer_process_make_dir (JmpUstreamerProcess *self, GError **error)
{
  g_autofree gchar *base = g_build_filename (g_get_user_runtime_dir (), "jumpstarter", NULL);
  g_autofree gchar *template = NULL;
  struct sockaddr_un sun;

  if (g_mkdir_with_parents (base, 0700) < 0)
    {
      int errsv = errno;
      g_set_error (error, JMP_ERROR, JMP_ERROR_UNAVAILABLE,
                   _("cannot create %s: %s"), base, g_strerror (errsv));
      return FALSE;
    }
  template = g_build_filename (base, "ustreamer-XXXXXX", NULL);
  if (g_mkdtemp_full (template, 0700) == NULL)
    {
      int errsv = errno;
      g_set_error (error, JMP_ERROR, JMP_ERROR_UNAVAILABLE,
                   _("cannot create a directory in %s: %s"), base, g_strerror (errsv));
      return FALSE;
    }
  self->dir = g_steal_pointer (&template);
  self->socket_path = g_build_filename (self->dir, "ustreamer.sock", NULL);
  if (strlen (self->socket_path) >= sizeof sun.sun_path)
    {
      g_set_error (error, JMP_ERROR, JMP_ERROR_UNAVAILABLE,
                   _("the socket path %s is too long for a Unix socket; set XDG_RUNTIME_DIR to a shorter directory"),
                   self->socket_path);
      jmp_ustreamer_process_clear_dir (self);
      return FALSE;
    }
  return TRUE;
}

/* Why the first start failed: @how the child ended, or %NULL if it did
 * not answer within start_timeout; with its last lines of output. */
static void
jmp_ustreamer_process_set_start_error (JmpUstreamerProcess  *self,
                                       const gchar          *how,
                                       GError              **error)
{
  g_autofree gchar *tail = jmp_ustreamer_process_format_tail (self);
  g_autofree gchar *seconds = NULL;

  if (how != NULL)
    {
      g_set_error (error, JMP_ERROR, JMP_ERROR_UNAVAILABLE,
                   _("%s %s before it served its socket%s%s"),
                   self->executable, how, *tail != '\0' ? ":\n" : "", tail);
      return;
    }
  seconds = g_strdup_printf ("%g", self->start_timeout);
  g_set_error (error, JMP_ERROR, JMP_ERROR_TIMED_OUT,
               _("%s did not answer on its socket within %s s (start_timeout)%s%s"),
               self->executable, seconds, *tail != '\0' ? ":\n" : "", tail);
}

/* The first spawn of a start, in its own directory. */
static gboolean
jmp_ustreamer_process_launch (JmpUstreamerProcess *self, GError **error)
{
  g_clear_pointer (&self->context, g_main_context_unref);
  self->context = g_main_context_ref_thread_default ();
  g_queue_clear_full (&self->tail, g_free);
  self->restarts = 0;
  self->delay = FIRST_DELAY_S;
  if (!jmp_ustreamer_process_make_dir (self, error))
    return FALSE;
  if (!jmp_ustreamer_process_spawn (self, error))
    {
      jmp_ustreamer_process_clear_dir (self);
      return FALSE;
    }
  return TRUE;
}

/**
 * jmp_ustreamer_process_start:
 *
 * Spawns ustreamer and returns once it answers GET /state on its socket;
 * fails with its last lines of output if it exits first, or after
 * start_timeout. Blocks meanwhile: the host uses
 * jmp_ustreamer_process_start_async().
 */
gboolean
jmp_ustreamer_process_start (JmpUstreamerProcess *self, GError **error)
{
  gint64 deadline;
  gboolean ready = FALSE;

  g_return_val_if_fail (self->state == STATE_STOPPED, FALSE);

  if (!jmp_ustreamer_process_launch (self, error))
    return FALSE;

  deadline = g_get_monotonic_time () + (gint64) (self->start_timeout * G_USEC_PER_SEC);
  for (;;)
    {
      gint64 left = deadline - g_get_monotonic_time ();

      if (jmp_ustreamer_process_probe_sync (self, (guint) MAX (left / G_USEC_PER_SEC, 1)))
        {
          ready = TRUE;
          break;
        }
      if (jmp_ustreamer_process_has_exited (self) || left <= 0)
        break;
      jmp_ustreamer_process_poll_output (self, (gint) MIN (POLL_MS, left / 1000 + 1));
    }

  if (!ready)
    {
      g_autofree gchar *how = NULL;

      if (jmp_ustreamer_process_has_exited (self))
        how = jmp_ustreamer_process_reap (self);
      else
        jmp_ustreamer_process_terminate (self);
      jmp_ustreamer_process_set_start_error (self, how, error);
      jmp_ustreamer_process_clear_dir (self);
      return FALSE;
    }

  self->client = jmp_ustreamer_client_new (self->socket_path);
  jmp_ustreamer_process_set_running (self);
  jmp_ustreamer_process_follow (self);
  g_info ("%s: ustreamer serves %s", self->name, self->socket_path);
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Restarts */

static void
jmp_ustreamer_process_clear_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

static void
jmp_ustreamer_process_stop_probe (JmpUstreamerProcess *self)
{
  jmp_ustreamer_process_clear_source (&self->probe_source);
  if (self->probe_cancellable != NULL)
    g_cancellable_cancel (self->probe_cancellable);
  g_clear_object (&self->probe_cancellable);
}

static gboolean jmp_ustreamer_process_restart_cb (gpointer user_data);
static void jmp_ustreamer_process_end_start (JmpUstreamerProcess *self, GError *error);
static void jmp_ustreamer_process_give_up (JmpUstreamerProcess *self, gboolean timed_out);
static void jmp_ustreamer_process_first_exit (JmpUstreamerProcess *self);

static void
jmp_ustreamer_process_schedule_restart (JmpUstreamerProcess *self)
{
  gdouble delay = self->delay;

  self->state = STATE_DOWN;
  self->delay = MIN (self->delay * 2, MAX_DELAY_S);
  self->restart_source = g_timeout_source_new ((guint) (delay * 1000));
  g_source_set_callback (self->restart_source, jmp_ustreamer_process_restart_cb, self, NULL);
  g_source_attach (self->restart_source, self->context);
}

typedef struct {
  JmpUstreamerProcess *self;
  GCancellable        *cancellable;
} JmpUstreamerProbe;

static void
jmp_ustreamer_probe_free (JmpUstreamerProbe *probe)
{
  g_object_unref (probe->self);
  g_object_unref (probe->cancellable);
  g_free (probe);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (JmpUstreamerProbe, jmp_ustreamer_probe_free)

static void
jmp_ustreamer_process_probe_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(JmpUstreamerProbe) probe = user_data;
  JmpUstreamerProcess *self = probe->self;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;

  body = jmp_ustreamer_client_get_finish (JMP_USTREAMER_CLIENT (source), res, &error);
  /* a probe of an earlier attempt, or of a stopped process */
  if (probe->cancellable != self->probe_cancellable || self->state != STATE_STARTING)
    return;
  g_clear_object (&self->probe_cancellable);
  if (body == NULL)
    return;  /* the timer asks again */

  jmp_ustreamer_process_stop_probe (self);
  jmp_ustreamer_process_set_running (self);
  if (self->start_task != NULL)
    {
      g_info ("%s: ustreamer serves %s", self->name, self->socket_path);
      jmp_ustreamer_process_end_start (self, NULL);
      return;
    }
  g_message ("%s: ustreamer is back (restart %u)", self->name, self->restarts);
}

static gboolean
jmp_ustreamer_process_probe_timeout_cb (gpointer user_data)
{
  JmpUstreamerProcess *self = user_data;
  JmpUstreamerProbe *probe;

  if (g_get_monotonic_time () >= self->probe_deadline && self->start_task != NULL)
    {
      g_clear_pointer (&self->probe_source, g_source_unref);
      jmp_ustreamer_process_give_up (self, TRUE);
      return G_SOURCE_REMOVE;
    }
  if (g_get_monotonic_time () >= self->probe_deadline)
    {
      g_message ("%s: restarted ustreamer did not answer within %g s; killing it",
                 self->name, self->start_timeout);
      g_clear_pointer (&self->probe_source, g_source_unref);
      /* its exit schedules the next attempt */
      g_subprocess_force_exit (self->subprocess);
      return G_SOURCE_REMOVE;
    }
  if (self->probe_cancellable != NULL)
    return G_SOURCE_CONTINUE;
  probe = g_new0 (JmpUstreamerProbe, 1);
  probe->self = g_object_ref (self);
  probe->cancellable = g_cancellable_new ();
  self->probe_cancellable = g_object_ref (probe->cancellable);
  jmp_ustreamer_client_get_async (self->client, "/state", probe->cancellable,
                                  jmp_ustreamer_process_probe_cb, probe);
  return G_SOURCE_CONTINUE;
}

/* A child that has not answered yet: follow its output and exit, and
 * probe /state until it answers or start_timeout passes. */
static void
jmp_ustreamer_process_wait_ready (JmpUstreamerProcess *self)
{
  self->state = STATE_STARTING;
  jmp_ustreamer_process_follow (self);
  self->probe_deadline = g_get_monotonic_time () +
                         (gint64) (self->start_timeout * G_USEC_PER_SEC);
  self->probe_source = g_timeout_source_new (PROBE_MS);
  g_source_set_callback (self->probe_source, jmp_ustreamer_process_probe_timeout_cb, self, NULL);
  g_source_attach (self->probe_source, self->context);
}

/* Ends the first start: with @error (taken) it failed and the child is gone. */
static void
jmp_ustreamer_process_end_start (JmpUstreamerProcess *self, GError *error)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->start_task);

  jmp_ustreamer_process_clear_source (&self->cancel_source);
  jmp_ustreamer_process_clear_source (&self->kill_source);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static gboolean
jmp_ustreamer_process_kill_cb (gpointer user_data)
{
  JmpUstreamerProcess *self = user_data;

  g_clear_pointer (&self->kill_source, g_source_unref);
  g_message ("%s: ustreamer did not stop within %d s of SIGTERM; killing it",
             self->name, TERM_TIMEOUT_S);
  g_subprocess_force_exit (self->subprocess);
  return G_SOURCE_REMOVE;
}

/* The first start gives up on the child: past start_timeout it gets
 * SIGTERM (and SIGKILL if it ignores it), on cancellation SIGKILL; its
 * exit ends the start. */
static void
jmp_ustreamer_process_give_up (JmpUstreamerProcess *self, gboolean timed_out)
{
  jmp_ustreamer_process_stop_probe (self);
  self->start_timed_out = timed_out;
  if (!timed_out)
    {
      g_subprocess_force_exit (self->subprocess);
      return;
    }
  g_subprocess_send_signal (self->subprocess, SIGTERM);
  self->kill_source = g_timeout_source_new_seconds (TERM_TIMEOUT_S);
  g_source_set_callback (self->kill_source, jmp_ustreamer_process_kill_cb, self, NULL);
  g_source_attach (self->kill_source, self->context);
}

static gboolean
jmp_ustreamer_process_cancelled_cb (GCancellable *cancellable, gpointer user_data)
{
  JmpUstreamerProcess *self = user_data;

  g_clear_pointer (&self->cancel_source, g_source_unref);
  g_debug ("%s: start cancelled; killing ustreamer", self->name);
  jmp_ustreamer_process_give_up (self, FALSE);
  return G_SOURCE_REMOVE;
}

/* The child exited before the first start was over. */
static void
jmp_ustreamer_process_first_exit (JmpUstreamerProcess *self)
{
  GCancellable *cancellable = g_task_get_cancellable (self->start_task);
  g_autofree gchar *how = jmp_ustreamer_process_reap (self);
  GError *error = NULL;

  jmp_ustreamer_process_stop_probe (self);
  self->state = STATE_STOPPED;
  g_clear_object (&self->client);
  if (!g_cancellable_set_error_if_cancelled (cancellable, &error))
    jmp_ustreamer_process_set_start_error (self, self->start_timed_out ? NULL : how, &error);
  jmp_ustreamer_process_clear_dir (self);
  jmp_ustreamer_process_end_start (self, error);
}

static gboolean
jmp_ustreamer_process_restart_cb (gpointer user_data)
{
  JmpUstreamerProcess *self = user_data;
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&self->restart_source, g_source_unref);
  self->restarts++;
  jmp_ustreamer_process_remove_socket (self);
  if (!jmp_ustreamer_process_spawn (self, &error))
    {
      g_message ("%s: %s; trying again in %g s", self->name, error->message, self->delay);
      jmp_ustreamer_process_schedule_restart (self);
      return G_SOURCE_REMOVE;
    }
  jmp_ustreamer_process_wait_ready (self);
  return G_SOURCE_REMOVE;
}

static void
jmp_ustreamer_process_exited_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(JmpUstreamerProcess) self = user_data;
  g_autofree gchar *how = NULL;
  gboolean stable;

  g_subprocess_wait_finish (G_SUBPROCESS (source), res, NULL);
  /* stopped by us (its stop_async has a wait of its own), or a child of
   * an earlier run */
  if (G_SUBPROCESS (source) != self->subprocess || self->stop_task != NULL)
    return;
  if (self->start_task != NULL)
    {
      jmp_ustreamer_process_first_exit (self);
      return;
    }

  stable = self->state == STATE_RUNNING &&
           g_get_monotonic_time () - self->ready_time >= STABLE_S * G_USEC_PER_SEC;
  how = jmp_ustreamer_process_reap (self);
  jmp_ustreamer_process_stop_probe (self);
  /* requests on the dead child's connections fail now, not at their time-out */
  jmp_ustreamer_client_abort (self->client);
  if (stable)
    self->delay = FIRST_DELAY_S;
  g_message ("%s: ustreamer %s; restarting it in %g s", self->name, how, self->delay);
  jmp_ustreamer_process_schedule_restart (self);
}

/**
 * jmp_ustreamer_process_start_async:
 *
 * Spawns ustreamer and calls back once it answers GET /state on its
 * socket, without blocking; fails as jmp_ustreamer_process_start() does.
 * Cancelling kills the child.
 */
void
jmp_ustreamer_process_start_async (JmpUstreamerProcess *self,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  GError *error = NULL;

  g_task_set_source_tag (task, jmp_ustreamer_process_start_async);
  /* a child that serves is started: the caller stops it */
  g_task_set_check_cancellable (task, FALSE);
  g_return_if_fail (self->state == STATE_STOPPED && self->start_task == NULL);

  if (!jmp_ustreamer_process_launch (self, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  self->client = jmp_ustreamer_client_new (self->socket_path);
  self->start_task = g_steal_pointer (&task);
  self->start_timed_out = FALSE;
  if (cancellable != NULL)
    {
      self->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (self->cancel_source, G_SOURCE_FUNC (jmp_ustreamer_process_cancelled_cb),
                             self, NULL);
      g_source_attach (self->cancel_source, self->context);
    }
  jmp_ustreamer_process_wait_ready (self);
}

gboolean
jmp_ustreamer_process_start_finish (JmpUstreamerProcess  *self,
                                    GAsyncResult         *result,
                                    GError              **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ------------------------------------------------------------------------ */

/* No more restarts, probes or requests: the driver is stopped. */
static void
jmp_ustreamer_process_halt (JmpUstreamerProcess *self)
{
  self->state = STATE_STOPPED;
  jmp_ustreamer_process_clear_source (&self->restart_source);
  jmp_ustreamer_process_stop_probe (self);
  if (self->client != NULL)
    jmp_ustreamer_client_abort (self->client);
  g_clear_object (&self->client);
}

/**
 * jmp_ustreamer_process_stop:
 *
 * Stops the child (SIGTERM, 5 s, SIGKILL) and any restart, and removes the
 * socket and its directory. Blocks meanwhile: the host uses
 * jmp_ustreamer_process_stop_async().
 */
void
jmp_ustreamer_process_stop (JmpUstreamerProcess *self)
{
  if (self->state == STATE_STOPPED)
    return;
  jmp_ustreamer_process_halt (self);
  jmp_ustreamer_process_terminate (self);
  jmp_ustreamer_process_clear_dir (self);
}

/* The child of a stop_async is gone: reaped as jmp_ustreamer_process_stop()
 * reaps it, its directory removed. */
static void
jmp_ustreamer_process_stopped_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(JmpUstreamerProcess) self = user_data;
  g_autoptr(GTask) task = g_steal_pointer (&self->stop_task);
  g_autofree gchar *how = NULL;

  g_subprocess_wait_finish (G_SUBPROCESS (source), res, NULL);
  jmp_ustreamer_process_clear_source (&self->cancel_source);
  jmp_ustreamer_process_clear_source (&self->kill_source);
  how = jmp_ustreamer_process_reap (self);
  g_debug ("%s: ustreamer %s", self->name, how);
  jmp_ustreamer_process_clear_dir (self);
  g_task_return_boolean (task, TRUE);
}

static gboolean
jmp_ustreamer_process_stop_cancelled_cb (GCancellable *cancellable, gpointer user_data)
{
  JmpUstreamerProcess *self = user_data;

  g_clear_pointer (&self->cancel_source, g_source_unref);
  g_debug ("%s: stop hurried; killing ustreamer", self->name);
  g_subprocess_force_exit (self->subprocess);
  return G_SOURCE_REMOVE;
}

/**
 * jmp_ustreamer_process_stop_async:
 *
 * jmp_ustreamer_process_stop() without blocking: SIGTERM, the exit waited
 * for from the main loop, SIGKILL after 5 s (at once if @cancellable is
 * cancelled). The process is stopped from the start: it serves nothing
 * and restarts nothing while its child goes.
 */
void
jmp_ustreamer_process_stop_async (JmpUstreamerProcess *self,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, jmp_ustreamer_process_stop_async);
  g_task_set_check_cancellable (task, FALSE);
  if (self->state == STATE_STOPPED)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  g_return_if_fail (self->start_task == NULL && self->stop_task == NULL);
  jmp_ustreamer_process_halt (self);
  if (self->subprocess == NULL)
    {
      /* between two restarts */
      jmp_ustreamer_process_clear_dir (self);
      g_task_return_boolean (task, TRUE);
      return;
    }
  self->stop_task = g_steal_pointer (&task);
  g_subprocess_send_signal (self->subprocess, SIGTERM);
  self->kill_source = g_timeout_source_new_seconds (TERM_TIMEOUT_S);
  g_source_set_callback (self->kill_source, jmp_ustreamer_process_kill_cb, self, NULL);
  g_source_attach (self->kill_source, self->context);
  if (cancellable != NULL)
    {
      self->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (self->cancel_source,
                             G_SOURCE_FUNC (jmp_ustreamer_process_stop_cancelled_cb), self, NULL);
      g_source_attach (self->cancel_source, self->context);
    }
  g_subprocess_wait_async (self->subprocess, NULL, jmp_ustreamer_process_stopped_cb,
                           g_object_ref (self));
}

void
jmp_ustreamer_process_stop_finish (JmpUstreamerProcess *self,
                                   GAsyncResult        *result)
{
  g_return_if_fail (g_task_is_valid (result, self));
  g_task_propagate_boolean (G_TASK (result), NULL);
}

/**
 * jmp_ustreamer_process_get_client:
 *
 * Returns: (transfer none): a client of the child's socket, or %NULL with
 *   %JMP_ERROR_UNAVAILABLE while it is not serving
 */
JmpUstreamerClient *
jmp_ustreamer_process_get_client (JmpUstreamerProcess *self, GError **error)
{
  switch (self->state)
    {
    case STATE_RUNNING:
      return self->client;
    case STATE_STOPPED:
      g_set_error (error, JMP_ERROR, JMP_ERROR_UNAVAILABLE,
                   _("driver %s is stopped"), self->name);
      return NULL;
    case STATE_STARTING:
      g_set_error (error, JMP_ERROR, JMP_ERROR_UNAVAILABLE,
                   _("%s: ustreamer is restarting (restart %u)"), self->name, self->restarts);
      return NULL;
    case STATE_DOWN:
    default:
      g_set_error (error, JMP_ERROR, JMP_ERROR_UNAVAILABLE,
                   _("%s: ustreamer exited and is about to be restarted"), self->name);
      return NULL;
    }
}

const gchar *
jmp_ustreamer_process_get_socket_path (JmpUstreamerProcess *self)
{
  return self->socket_path;
}

guint
jmp_ustreamer_process_get_restarts (JmpUstreamerProcess *self)
{
  return self->restarts;
}

JmpUstreamerProcess *
jmp_ustreamer_process_new (const gchar         *name,
                           const gchar         *executable,
                           const gchar * const *options,
                           gdouble              start_timeout)
{
  JmpUstreamerProcess *self = g_object_new (JMP_TYPE_USTREAMER_PROCESS, NULL);

  self->name = g_strdup (name);
  self->executable = g_strdup (executable);
  self->options = g_strdupv ((gchar **) options);
  self->start_timeout = start_timeout;
  return self;
}

static void
jmp_ustreamer_process_dispose (GObject *object)
{
  JmpUstreamerProcess *self = JMP_USTREAMER_PROCESS (object);

  jmp_ustreamer_process_stop (self);
  G_OBJECT_CLASS (jmp_ustreamer_process_parent_class)->dispose (object);
}

static void
jmp_ustreamer_process_finalize (GObject *object)
{
  JmpUstreamerProcess *self = JMP_USTREAMER_PROCESS (object);

  if (self->out.partial != NULL)
    g_string_free (self->out.partial, TRUE);
  if (self->err.partial != NULL)
    g_string_free (self->err.partial, TRUE);
  g_queue_clear_full (&self->tail, g_free);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->name);
  g_free (self->executable);
  g_strfreev (self->options);
  G_OBJECT_CLASS (jmp_ustreamer_process_parent_class)->finalize (object);
}

static void
jmp_ustreamer_process_class_init (JmpUstreamerProcessClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = jmp_ustreamer_process_dispose;
  object_class->finalize = jmp_ustreamer_process_finalize;
}

static void
jmp_ustreamer_process_init (JmpUstreamerProcess *self)
{
  self->state = STATE_STOPPED;
  self->out.fd = -1;
  self->err.fd = -1;
  g_queue_init (&self->tail);
  self->delay = FIRST_DELAY_S;
}
