/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * jmp shell: Jumpstarter's local mode. Starts a private jumpstarter-host on
 * a peer-to-peer socket in a fresh directory, runs a shell (or CMD) with
 * $JUMPSTARTER_HOST pointing at it, and takes everything down when the
 * shell ends, exiting with the shell's status.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <glib-unix.h>
#include <gio/gunixoutputstream.h>

#include "jmp-cli.h"

/* How long the host gets to exit after SIGTERM before it is killed. */
#define HOST_STOP_TIMEOUT_SECONDS 10

typedef struct {
  GMainLoop        *loop;
  GCancellable     *cancellable;

  gchar            *config_path;
  gchar           **command;        /* NULL: the user's shell */
  gboolean          interactive;

  gchar            *dir;
  GSubprocess      *host;
  GDataInputStream *host_output;
  gboolean          host_running;
  gboolean          host_stopping;
  guint             host_kill_id;
  gchar            *address;
  JmpClient        *client;

  GSubprocess      *child;
  gboolean          child_running;

  gint              status;
  guint             signal_ids[3];
} JmpShell;

static void jmp_shell_stop_host (JmpShell *shell);

static void
jmp_shell_host_child_setup (gpointer user_data)
{
  /* Its own session: a Ctrl-C meant for the shell must not reach the host
   * before the shell is done with it. */
  setsid ();
  /* ...but it must not outlive jmp if jmp is killed outright. */
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static void
jmp_shell_command_child_setup (gpointer user_data)
{
  /* jmp ignores SIGQUIT while the command runs; the command must not. */
  signal (SIGQUIT, SIG_DFL);
  /* nor does it need jmp's raised fd limit (select() stops at 1023) */
  jmp_cli_restore_fd_limit ();
}

static const gchar *
jmp_shell_host_program (void)
{
  const gchar *program = g_getenv ("JUMPSTARTER_HOST_PROGRAM");

  return program != NULL && *program != '\0' ? program : JMP_HOST_PROGRAM;
}

static void
jmp_shell_finish (JmpShell *shell)
{
  g_cancellable_cancel (shell->cancellable);
  g_main_loop_quit (shell->loop);
}

/* Something went wrong before the command ran: say so, stop the host. */
static void
jmp_shell_fail (JmpShell *shell, gint status, const GError *error)
{
  if (error != NULL)
    jmp_cli_fail (error);
  shell->status = status;
  g_cancellable_cancel (shell->cancellable);
  jmp_shell_stop_host (shell);
}

static gboolean
on_host_kill_timeout (gpointer user_data)
{
  JmpShell *shell = user_data;

  shell->host_kill_id = 0;
  jmp_cli_error (_("jumpstarter-host did not exit within %d s of SIGTERM; killing it"),
                 HOST_STOP_TIMEOUT_SECONDS);
  g_subprocess_force_exit (shell->host);
  return G_SOURCE_REMOVE;
}

static void
jmp_shell_stop_host (JmpShell *shell)
{
  if (!shell->host_running)
    {
      jmp_shell_finish (shell);
      return;
    }
  if (shell->host_stopping)
    return;

  shell->host_stopping = TRUE;
  g_subprocess_send_signal (shell->host, SIGTERM);
  shell->host_kill_id = g_timeout_add_seconds (HOST_STOP_TIMEOUT_SECONDS, on_host_kill_timeout, shell);
}

static void
on_host_exited (GObject *source, GAsyncResult *result, gpointer user_data)
{
  JmpShell *shell = user_data;
  GSubprocess *host = G_SUBPROCESS (source);

  /* Cannot fail without a cancellable. */
  g_subprocess_wait_finish (host, result, NULL);
  shell->host_running = FALSE;
  g_clear_handle_id (&shell->host_kill_id, g_source_remove);

  if (shell->host_stopping)
    {
      jmp_shell_finish (shell);
      return;
    }

  if (shell->child_running)
    {
      /* The shell goes on; its commands will say what they miss. */
      jmp_cli_error (_("jumpstarter-host exited while the shell was running (status %d)"),
                     jmp_cli_status_from_wait (g_subprocess_get_status (host)));
      return;
    }

  /* It failed before it was ready; it said why on stderr. */
  if (g_subprocess_get_if_exited (host) && g_subprocess_get_exit_status (host) != 0)
    shell->status = g_subprocess_get_exit_status (host);
  else
    {
      jmp_cli_error (_("jumpstarter-host exited before it was ready (status %d)"),
                     jmp_cli_status_from_wait (g_subprocess_get_status (host)));
      shell->status = JMP_CLI_EXIT_FAILURE;
    }
  jmp_shell_finish (shell);
}

static void
on_child_exited (GObject *source, GAsyncResult *result, gpointer user_data)
{
  JmpShell *shell = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  shell->child_running = FALSE;
  shell->status = jmp_cli_status_from_wait (g_subprocess_get_status (G_SUBPROCESS (source)));
  jmp_shell_stop_host (shell);
}

static void
on_host_output_spliced (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_output_stream_splice_finish (G_OUTPUT_STREAM (source), result, NULL);
}

static void
jmp_shell_run_command (JmpShell *shell)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_INHERIT);
  g_autoptr(GOutputStream) err = g_unix_output_stream_new (STDERR_FILENO, FALSE);
  g_autoptr(GError) error = NULL;
  g_autofree gchar *shell_program = NULL;
  const gchar *exporter = jmp_client_get_exporter_name (shell->client);
  const gchar *motd = jmp_client_get_motd (shell->client);
  const gchar * const *argv;
  const gchar *shell_argv[2] = { NULL, NULL };

  /* Whatever the host still prints goes to stderr, not into CMD's output. */
  g_output_stream_splice_async (err, G_INPUT_STREAM (shell->host_output),
                                G_OUTPUT_STREAM_SPLICE_NONE, G_PRIORITY_DEFAULT,
                                shell->cancellable, on_host_output_spliced, NULL);

  g_subprocess_launcher_setenv (launcher, JMP_HOST_ENV, shell->address, TRUE);
  /* inside, jmp means this host, not the exporter picked outside */
  g_subprocess_launcher_unsetenv (launcher, JMP_EXPORTER_ENV);
  if (exporter != NULL && *exporter != '\0')
    g_subprocess_launcher_setenv (launcher, "JMP_EXPORTER", exporter, TRUE);
  g_subprocess_launcher_set_child_setup (launcher, jmp_shell_command_child_setup, NULL, NULL);

  if (shell->command != NULL)
    argv = (const gchar * const *) shell->command;
  else
    {
      const gchar *user_shell = g_getenv ("SHELL");

      shell_program = g_strdup (user_shell != NULL && *user_shell != '\0' ? user_shell : "/bin/sh");
      shell_argv[0] = shell_program;
      argv = shell_argv;
    }

  if (shell->interactive && motd != NULL && *motd != '\0')
    {
      g_print ("%s%s", motd, g_str_has_suffix (motd, "\n") ? "" : "\n");
      fflush (stdout);
    }

  shell->child = g_subprocess_launcher_spawnv (launcher, argv, &error);
  if (shell->child == NULL)
    {
      /* As a shell does: 127 for a command not found, 126 for one that
       * cannot run. */
      gint status = g_error_matches (error, G_SPAWN_ERROR, G_SPAWN_ERROR_NOENT) ? 127 : 126;

      jmp_cli_error (_("cannot run \"%s\": %s"), argv[0], error->message);
      jmp_shell_fail (shell, status, NULL);
      return;
    }

  shell->child_running = TRUE;
  /* The child's terminal signals are its own; jmp waits for it. */
  signal (SIGQUIT, SIG_IGN);
  g_subprocess_wait_async (shell->child, NULL, on_child_exited, shell);
}

static void
on_client_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  JmpShell *shell = user_data;
  g_autoptr(GError) error = NULL;

  shell->client = jmp_client_new_for_address_finish (result, &error);
  if (shell->client == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        jmp_shell_fail (shell, JMP_CLI_EXIT_FAILURE, error);
      return;
    }
  jmp_shell_run_command (shell);
}

static void
on_address_line (GObject *source, GAsyncResult *result, gpointer user_data)
{
  JmpShell *shell = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *line = NULL;

  line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result, NULL, &error);
  if (line == NULL)
    {
      /* EOF: the host is exiting; on_host_exited() reports it. */
      if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        jmp_shell_fail (shell, JMP_CLI_EXIT_FAILURE, error);
      return;
    }

  g_strstrip (line);
  if (!g_dbus_is_address (line))
    {
      jmp_cli_error (_("jumpstarter-host printed \"%s\" where its D-Bus address was expected"), line);
      jmp_shell_fail (shell, JMP_CLI_EXIT_FAILURE, NULL);
      return;
    }

  shell->address = g_steal_pointer (&line);
  jmp_client_new_for_address (shell->address, shell->cancellable, on_client_ready, shell);
}

static gboolean
on_signal (JmpShell *shell, gint signum)
{
  if (shell->child_running)
    {
      /* Ctrl-C reached the command too (same process group) and is its
       * business; the others are meant for it, passed on. */
      if (signum != SIGINT)
        g_subprocess_send_signal (shell->child, signum);
      return G_SOURCE_CONTINUE;
    }

  if (shell->status == JMP_CLI_EXIT_OK)
    shell->status = 128 + signum;
  g_cancellable_cancel (shell->cancellable);
  jmp_shell_stop_host (shell);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_sigint (gpointer user_data)
{
  return on_signal (user_data, SIGINT);
}

static gboolean
on_sigterm (gpointer user_data)
{
  return on_signal (user_data, SIGTERM);
}

static gboolean
on_sighup (gpointer user_data)
{
  return on_signal (user_data, SIGHUP);
}

static gboolean
jmp_shell_start_host (JmpShell *shell, GError **error)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autofree gchar *socket_path = g_build_filename (shell->dir, "host.sock", NULL);
  g_autofree gchar *escaped = g_dbus_address_escape_value (socket_path);
  g_autofree gchar *listen = g_strdup_printf ("unix:path=%s", escaped);
  const gchar *program = jmp_shell_host_program ();
  const gchar *argv[] = {
    program,
    "--config", shell->config_path,
    "--listen", listen,
    "--local",
    "--print-address",
    NULL
  };

  g_subprocess_launcher_set_stdin_file_path (launcher, "/dev/null");
  g_subprocess_launcher_set_child_setup (launcher, jmp_shell_host_child_setup, NULL, NULL);
  shell->host = g_subprocess_launcher_spawnv (launcher, argv, error);
  if (shell->host == NULL)
    {
      g_prefix_error (error, _("cannot run jumpstarter-host (%s): "), program);
      return FALSE;
    }
  shell->host_running = TRUE;
  shell->host_output = g_data_input_stream_new (g_subprocess_get_stdout_pipe (shell->host));

  g_subprocess_wait_async (shell->host, NULL, on_host_exited, shell);
  g_data_input_stream_read_line_async (shell->host_output, G_PRIORITY_DEFAULT,
                                       shell->cancellable, on_address_line, shell);
  return TRUE;
}

/* A private directory for the socket: $XDG_RUNTIME_DIR is per user and
 * 0700 already; the fallback is not, hence the mode. */
static gchar *
jmp_shell_make_dir (GError **error)
{
  const gchar *runtime_dir = g_getenv ("XDG_RUNTIME_DIR");
  g_autofree gchar *template = NULL;
  gint saved_errno;

  if (runtime_dir == NULL || *runtime_dir == '\0' || !g_file_test (runtime_dir, G_FILE_TEST_IS_DIR))
    runtime_dir = g_get_tmp_dir ();
  template = g_build_filename (runtime_dir, "jumpstarter-XXXXXX", NULL);
  if (g_mkdtemp_full (template, 0700) != NULL)
    return g_steal_pointer (&template);

  saved_errno = errno;
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
               _("cannot create a directory in %s: %s"), runtime_dir, g_strerror (saved_errno));
  return NULL;
}

/* The host removes its socket; anything it left goes too. */
static void
jmp_shell_remove_dir (const gchar *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const gchar *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree gchar *child = g_build_filename (path, name, NULL);
      g_unlink (child);
    }
  if (g_rmdir (path) != 0)
    {
      gint saved_errno = errno;
      jmp_cli_error (_("cannot remove %s: %s"), path, g_strerror (saved_errno));
    }
}

static void
jmp_shell_clear (JmpShell *shell)
{
  for (guint i = 0; i < G_N_ELEMENTS (shell->signal_ids); i++)
    g_clear_handle_id (&shell->signal_ids[i], g_source_remove);
  g_clear_handle_id (&shell->host_kill_id, g_source_remove);
  g_clear_object (&shell->client);
  g_clear_object (&shell->child);
  g_clear_object (&shell->host_output);
  g_clear_object (&shell->host);
  g_clear_object (&shell->cancellable);
  g_clear_pointer (&shell->loop, g_main_loop_unref);
  g_free (shell->address);
  g_free (shell->dir);
  g_free (shell->config_path);
}

gint
jmp_cmd_shell (const JmpCliOptions *options, gint argc, gchar **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *config = NULL;
  g_autofree gchar *alias = NULL;
  JmpShell shell = { 0 };
  gint status = JMP_CLI_EXIT_OK;
  const GOptionEntry entries[] = {
    { "config", 0, 0, G_OPTION_ARG_FILENAME, &config,
      N_("Serve the exporter config FILE"), N_("FILE") },
    /* Jumpstarter's spelling. */
    { "exporter-config", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, &config,
      NULL, N_("FILE") },
    { "exporter", 0, 0, G_OPTION_ARG_STRING, &alias,
      N_("Serve the exporter config ALIAS from ~/.config/jumpstarter/exporters "
         "or /etc/jumpstarter/exporters"), N_("ALIAS") },
    G_OPTION_ENTRY_NULL
  };

  context = jmp_cli_option_context_new ("shell", _("[-- CMD [ARG…]]"),
                                        _("Start a private jumpstarter-host for an exporter config "
                                          "and run a shell, or CMD, that uses it through "
                                          "$JUMPSTARTER_HOST. The exit status is the shell's."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!jmp_cli_parse (context, &argc, &argv, &status))
    return status;

  if (config != NULL && alias != NULL)
    return jmp_cli_usage_error (_("shell takes --config or --exporter, not both"));
  if (config == NULL && alias == NULL)
    return jmp_cli_usage_error (_("shell needs --config FILE or --exporter ALIAS"));

  if (alias != NULL)
    {
      config = jmp_config_find_exporter (alias, &error);
      if (config == NULL)
        return jmp_cli_fail (error);
    }

  shell.config_path = g_canonicalize_filename (config, NULL);
  shell.command = argc > 1 ? argv + 1 : NULL;
  shell.interactive = shell.command == NULL && isatty (STDIN_FILENO);
  shell.cancellable = g_cancellable_new ();
  shell.loop = g_main_loop_new (NULL, FALSE);

  shell.dir = jmp_shell_make_dir (&error);
  if (shell.dir == NULL)
    {
      jmp_shell_clear (&shell);
      return jmp_cli_fail (error);
    }

  shell.signal_ids[0] = g_unix_signal_add (SIGINT, on_sigint, &shell);
  shell.signal_ids[1] = g_unix_signal_add (SIGTERM, on_sigterm, &shell);
  shell.signal_ids[2] = g_unix_signal_add (SIGHUP, on_sighup, &shell);

  if (jmp_shell_start_host (&shell, &error))
    g_main_loop_run (shell.loop);
  else
    {
      jmp_cli_fail (error);
      shell.status = JMP_CLI_EXIT_FAILURE;
    }

  signal (SIGQUIT, SIG_DFL);
  jmp_shell_remove_dir (shell.dir);
  status = shell.status;
  jmp_shell_clear (&shell);
  return status;
}
