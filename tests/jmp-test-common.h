/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Helpers shared by the test suites: temporary files, a jumpstarter-host
 * child process on a peer-to-peer socket, and fd accounting.
 */
#pragma once

#include <jumpstarter/jumpstarter.h>

G_BEGIN_DECLS

typedef struct _JmpTestHost JmpTestHost;

/* A fresh directory under g_get_tmp_dir(), removed by jmp_test_rmdir(). */
gchar       *jmp_test_mkdtemp          (void);
void         jmp_test_rmdir            (const gchar *path);

/* Writes @contents to DIR/NAME and returns the path. */
gchar       *jmp_test_write_file       (const gchar *dir,
                                        const gchar *name,
                                        const gchar *contents);

/* Like g_subprocess_new(), but the child is killed when the test dies. */
GSubprocess *jmp_test_spawnv           (GSubprocessFlags     flags,
                                        const gchar * const *argv,
                                        GError             **error);
GSubprocess *jmp_test_spawn            (GSubprocessFlags     flags,
                                        GError             **error,
                                        const gchar         *argv0,
                                        ...) G_GNUC_NULL_TERMINATED;

/* Starts $JMP_TEST_HOST --listen unix:path=… --config @config_path with any
 * @extra_args, and returns once the socket accepts connections. */
JmpTestHost *jmp_test_host_new         (const gchar         *config_path,
                                        const gchar * const *extra_args);
/* Same, with @wrapper (such as prlimit or env and its arguments) before
 * the host's argv, and @flags added to the subprocess's (STDERR_PIPE). */
JmpTestHost *jmp_test_host_new_wrapped (const gchar         *config_path,
                                        const gchar * const *extra_args,
                                        const gchar * const *wrapper,
                                        GSubprocessFlags     flags);
const gchar *jmp_test_host_get_address (JmpTestHost *self);
/* With G_SUBPROCESS_FLAGS_STDERR_PIPE: its stderr. */
GInputStream *jmp_test_host_get_stderr (JmpTestHost *self);
GPid         jmp_test_host_get_pid     (JmpTestHost *self);
/* Connects a client to it (asserting success). */
JmpClient   *jmp_test_host_connect     (JmpTestHost *self);
/* The same as a raw D-Bus connection. */
GDBusConnection *jmp_test_host_connect_dbus (JmpTestHost *self);

/* Reload() on @connection, not waited for: @done is set, and @error if it
 * failed, once it is answered. */
typedef struct {
  gboolean  done;
  GError   *error;
} JmpTestCall;
void         jmp_test_call_reload      (GDBusConnection *connection,
                                        JmpTestCall     *call);
/* Driver1.Name of @driver through Properties.Get, with a @timeout_ms
 * bound; %NULL with @error if it failed. */
gchar       *jmp_test_get_driver_name  (GDBusConnection *connection,
                                        const gchar     *driver,
                                        gint             timeout_ms,
                                        GError         **error);
/* SIGTERM, waits, asserts exit status 0. */
void         jmp_test_host_stop        (JmpTestHost *self);
/* SIGKILL, as a crash would, and waits: a later stop does nothing. */
void         jmp_test_host_kill        (JmpTestHost *self);
void         jmp_test_host_free        (JmpTestHost *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (JmpTestHost, jmp_test_host_free)

/* Number of open fds of @pid (0 = this process), from /proc. */
guint        jmp_test_count_fds        (GPid pid);
/* Polls until @pid has @expected fds or @timeout_ms passes; returns the last count. */
guint        jmp_test_wait_fds         (GPid pid, guint expected, guint timeout_ms);
/* Same, until it has at most @limit (a transient fd elsewhere may close). */
guint        jmp_test_wait_fds_at_most (GPid pid, guint limit, guint timeout_ms);

/* Blocking socket I/O for tests: every byte of @data; everything up to EOF. */
void         jmp_test_send_all         (GSocket     *socket,
                                        const void  *data,
                                        gsize        len);
GBytes      *jmp_test_receive_to_eof   (GSocket     *socket);
/* @len random bytes. */
GBytes      *jmp_test_random_bytes     (gsize        len);

/* An async call's result, for a test that waits for it: pass
 * jmp_test_async_cb and the struct as callback and user_data, run
 * jmp_test_wait_flag() on @done, finish with @result and unref it. */
typedef struct {
  gboolean      done;
  GAsyncResult *result;
} JmpTestAsync;
void         jmp_test_async_cb         (GObject      *source,
                                        GAsyncResult *res,
                                        gpointer      user_data);

/* Runs the main context until @flag is TRUE (asserting within @timeout_ms). */
void         jmp_test_wait_flag        (gboolean *flag, guint timeout_ms);

G_END_DECLS
