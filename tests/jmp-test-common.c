/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "jmp-test-common.h"

#if defined(__SANITIZE_ADDRESS__)
#define JMP_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define JMP_TEST_ASAN 1
#endif
#endif

#ifdef JMP_TEST_ASAN
static pid_t jmp_test_pid;

__attribute__((constructor)) static void
jmp_test_remember_pid (void)
{
  jmp_test_pid = getpid ();
}

/* LeakSanitizer asks this before its check at exit. GTestDBus forks a
 * watcher (watcher_init() in GLib's gtestdbus.c) from a test that already
 * runs GDBus's threads; in the fork only the forking thread exists, so all
 * the others held on their stacks and in thread-local storage looks lost
 * ("Running thread … was not suspended. False leaks are possible."). That
 * fork runs only GLib's code and nobody reads its exit status: it is left
 * unchecked. The test process itself and every program it executes are
 * checked. */
int __lsan_is_turned_off (void);

__attribute__((visibility ("default"))) int
__lsan_is_turned_off (void)
{
  return getpid () != jmp_test_pid;
}
#endif

struct _JmpTestHost
{
  GSubprocess *process;
  gchar       *dir;
  gchar       *address;
};

gchar *
jmp_test_mkdtemp (void)
{
  g_autoptr(GError) error = NULL;
  gchar *dir = g_dir_make_tmp ("jmp-test-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
jmp_test_rmdir_recursive (GFile *dir)
{
  g_autoptr(GFileEnumerator) children = NULL;
  GFileInfo *info;

  children = g_file_enumerate_children (dir, G_FILE_ATTRIBUTE_STANDARD_NAME ","
                                        G_FILE_ATTRIBUTE_STANDARD_TYPE,
                                        G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
  while (children != NULL &&
         (info = g_file_enumerator_next_file (children, NULL, NULL)) != NULL)
    {
      g_autoptr(GFile) child = g_file_get_child (dir, g_file_info_get_name (info));
      if (g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
        jmp_test_rmdir_recursive (child);
      else
        g_file_delete (child, NULL, NULL);
      g_object_unref (info);
    }
  g_file_delete (dir, NULL, NULL);
}

void
jmp_test_rmdir (const gchar *path)
{
  g_autoptr(GFile) dir = NULL;

  if (path == NULL)
    return;
  dir = g_file_new_for_path (path);
  jmp_test_rmdir_recursive (dir);
}

gchar *
jmp_test_write_file (const gchar *dir, const gchar *name, const gchar *contents)
{
  g_autoptr(GError) error = NULL;
  gchar *path = g_build_filename (dir, name, NULL);

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  return path;
}

static void
jmp_test_child_setup (gpointer user_data)
{
  /* a test that aborts must not leave its host behind, holding meson's
   * output pipe open */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

GSubprocess *
jmp_test_spawnv (GSubprocessFlags flags, const gchar * const *argv, GError **error)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (flags);

  g_subprocess_launcher_set_child_setup (launcher, jmp_test_child_setup, NULL, NULL);
  return g_subprocess_launcher_spawnv (launcher, argv, error);
}

GSubprocess *
jmp_test_spawn (GSubprocessFlags flags, GError **error, const gchar *argv0, ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  const gchar *arg;
  va_list ap;

  g_ptr_array_add (argv, (gpointer) argv0);
  va_start (ap, argv0);
  while ((arg = va_arg (ap, const gchar *)) != NULL)
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  return jmp_test_spawnv (flags, (const gchar * const *) argv->pdata, error);
}

static void
jmp_test_read_line_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  gchar **line = user_data;
  g_autoptr(GError) error = NULL;

  *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source),
                                                     res, NULL, &error);
  if (*line == NULL)
    *line = g_strdup (error != NULL ? error->message : "");
}

JmpTestHost *
jmp_test_host_new (const gchar *config_path, const gchar * const *extra_args)
{
  return jmp_test_host_new_wrapped (config_path, extra_args, NULL, 0);
}

JmpTestHost *
jmp_test_host_new_wrapped (const gchar         *config_path,
                           const gchar * const *extra_args,
                           const gchar * const *wrapper,
                           GSubprocessFlags     flags)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree gchar *listen = NULL;
  g_autofree gchar *line = NULL;
  const gchar *program = g_getenv ("JMP_TEST_HOST");
  JmpTestHost *self = g_new0 (JmpTestHost, 1);

  g_assert_nonnull (program);
  self->dir = jmp_test_mkdtemp ();
  listen = g_strdup_printf ("unix:path=%s/host.sock", self->dir);

  for (guint i = 0; wrapper != NULL && wrapper[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (wrapper[i]));
  g_ptr_array_add (argv, g_strdup (program));
  g_ptr_array_add (argv, g_strdup ("--listen"));
  g_ptr_array_add (argv, g_strdup (listen));
  g_ptr_array_add (argv, g_strdup ("--print-address"));
  if (config_path != NULL)
    {
      g_ptr_array_add (argv, g_strdup ("--config"));
      g_ptr_array_add (argv, g_strdup (config_path));
    }
  for (guint i = 0; extra_args != NULL && extra_args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (extra_args[i]));
  g_ptr_array_add (argv, NULL);

  self->process = jmp_test_spawnv (G_SUBPROCESS_FLAGS_STDOUT_PIPE | flags,
                                  (const gchar * const *) argv->pdata, &error);
  g_assert_no_error (error);

  /* the host prints its address once its tree is up: that is "ready" */
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (self->process));
  g_data_input_stream_read_line_async (out, G_PRIORITY_DEFAULT, NULL,
                                       jmp_test_read_line_cb, &line);
  while (line == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (line, ==, listen);
  self->address = g_steal_pointer (&line);
  return self;
}

const gchar *
jmp_test_host_get_address (JmpTestHost *self)
{
  return self->address;
}

GInputStream *
jmp_test_host_get_stderr (JmpTestHost *self)
{
  return g_subprocess_get_stderr_pipe (self->process);
}

GPid
jmp_test_host_get_pid (JmpTestHost *self)
{
  const gchar *id = g_subprocess_get_identifier (self->process);

  g_assert_nonnull (id);
  return (GPid) g_ascii_strtoll (id, NULL, 10);
}

JmpClient *
jmp_test_host_connect (JmpTestHost *self)
{
  g_autoptr(GError) error = NULL;
  JmpClient *client = jmp_client_new_for_address_sync (self->address, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (client);
  return client;
}

GDBusConnection *
jmp_test_host_connect_dbus (JmpTestHost *self)
{
  g_autoptr(GError) error = NULL;
  GDBusConnection *connection;

  connection = g_dbus_connection_new_for_address_sync (
    self->address, G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT, NULL, NULL, &error);
  g_assert_no_error (error);
  return connection;
}

static void
jmp_test_reload_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  JmpTestCall *call = user_data;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), res,
                                                             &call->error);

  call->done = TRUE;
}

void
jmp_test_call_reload (GDBusConnection *connection, JmpTestCall *call)
{
  g_dbus_connection_call (connection, NULL, "/dev/jumpstarter/Host1", "dev.jumpstarter.Host1",
                          "Reload", NULL, NULL, G_DBUS_CALL_FLAGS_NONE, 60000, NULL,
                          jmp_test_reload_cb, call);
}

gchar *
jmp_test_get_driver_name (GDBusConnection  *connection,
                          const gchar      *driver,
                          gint              timeout_ms,
                          GError          **error)
{
  g_autofree gchar *path = g_strdup_printf ("/dev/jumpstarter/Host1/driver/%s", driver);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) value = NULL;

  reply = g_dbus_connection_call_sync (connection, NULL, path, "org.freedesktop.DBus.Properties",
                                       "Get", g_variant_new ("(ss)", "dev.jumpstarter.Driver1", "Name"),
                                       G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE, timeout_ms,
                                       NULL, error);
  if (reply == NULL)
    return NULL;
  g_variant_get (reply, "(v)", &value);
  return g_variant_dup_string (value, NULL);
}

static void
jmp_test_wait_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  gboolean *done = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), res, NULL);
  *done = TRUE;
}

void
jmp_test_host_stop (JmpTestHost *self)
{
  gboolean done = FALSE;

  if (self->process == NULL)
    return;
  g_subprocess_send_signal (self->process, SIGTERM);
  g_subprocess_wait_async (self->process, NULL, jmp_test_wait_cb, &done);
  jmp_test_wait_flag (&done, 20000);
  g_assert_true (g_subprocess_get_if_exited (self->process));
  g_assert_cmpint (g_subprocess_get_exit_status (self->process), ==, 0);
  g_clear_object (&self->process);
}

void
jmp_test_host_kill (JmpTestHost *self)
{
  gboolean done = FALSE;

  g_assert_nonnull (self->process);
  g_subprocess_force_exit (self->process);
  g_subprocess_wait_async (self->process, NULL, jmp_test_wait_cb, &done);
  jmp_test_wait_flag (&done, 20000);
  g_clear_object (&self->process);
}

void
jmp_test_host_free (JmpTestHost *self)
{
  /* stopped as a service manager would stop it: every test also checks
   * that the host then exits 0 (under the sanitizers: without a leak) */
  jmp_test_host_stop (self);
  jmp_test_rmdir (self->dir);
  g_free (self->dir);
  g_free (self->address);
  g_free (self);
}

guint
jmp_test_count_fds (GPid pid)
{
  g_autofree gchar *path = pid == 0 ? g_strdup ("/proc/self/fd")
                                    : g_strdup_printf ("/proc/%d/fd", (gint) pid);
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    n++;
  /* our own look at /proc/self/fd is one of them */
  return pid == 0 ? n - 1 : n;
}

static gboolean
jmp_test_tick_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static guint
jmp_test_wait_fds_until (GPid pid, guint expected, gboolean at_most, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  guint n;

  while ((n = jmp_test_count_fds (pid)) != expected && !(at_most && n < expected) &&
         g_get_monotonic_time () < deadline)
    {
      gboolean tick = FALSE;
      g_timeout_add (20, jmp_test_tick_cb, &tick);
      while (!tick)
        g_main_context_iteration (NULL, TRUE);
    }
  return n;
}

guint
jmp_test_wait_fds (GPid pid, guint expected, guint timeout_ms)
{
  return jmp_test_wait_fds_until (pid, expected, FALSE, timeout_ms);
}

guint
jmp_test_wait_fds_at_most (GPid pid, guint limit, guint timeout_ms)
{
  return jmp_test_wait_fds_until (pid, limit, TRUE, timeout_ms);
}

static gboolean
jmp_test_timeout_cb (gpointer user_data)
{
  g_error ("timed out waiting (%u ms): the test hangs", GPOINTER_TO_UINT (user_data));
  return G_SOURCE_REMOVE;
}

void
jmp_test_async_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  JmpTestAsync *async = user_data;

  async->result = g_object_ref (res);
  async->done = TRUE;
}

void
jmp_test_wait_flag (gboolean *flag, guint timeout_ms)
{
  guint id = g_timeout_add (timeout_ms, jmp_test_timeout_cb, GUINT_TO_POINTER (timeout_ms));

  while (!*flag)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (id);
}

void
jmp_test_send_all (GSocket *socket, const void *data, gsize len)
{
  g_autoptr(GError) error = NULL;
  gsize done = 0;

  while (done < len)
    {
      gssize n = g_socket_send (socket, (const gchar *) data + done, len - done, NULL, &error);
      g_assert_no_error (error);
      done += n;
    }
}

GBytes *
jmp_test_receive_to_eof (GSocket *socket)
{
  g_autoptr(GError) error = NULL;
  GByteArray *buffer = g_byte_array_new ();
  guint8 chunk[65536];
  gssize n;

  while ((n = g_socket_receive (socket, (gchar *) chunk, sizeof chunk, NULL, &error)) > 0)
    g_byte_array_append (buffer, chunk, n);
  g_assert_no_error (error);
  return g_byte_array_free_to_bytes (buffer);
}

GBytes *
jmp_test_random_bytes (gsize len)
{
  guint8 *data = g_malloc (len);
  gsize i = 0;

  /* a word at a time: the suites move tens of MiB of it */
  for (; i + 4 <= len; i += 4)
    {
      guint32 word = g_random_int ();
      memcpy (data + i, &word, 4);
    }
  for (; i < len; i++)
    data[i] = g_random_int_range (0, 256);
  return g_bytes_new_take (data, len);
}
