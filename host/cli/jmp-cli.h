/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What the parts of the jmp command line share.
 */
#pragma once

#include <json-glib/json-glib.h>
#include <jumpstarter/jumpstarter.h>

G_BEGIN_DECLS

/* Exit statuses: 2 is for a command line that is wrong, as click does. */
enum {
  JMP_CLI_EXIT_OK      = 0,
  JMP_CLI_EXIT_FAILURE = 1,
  JMP_CLI_EXIT_USAGE   = 2,
};

/* The global options, given before the command. */
typedef struct {
  GBusType     bus_type;
  const gchar *exporter;  /* --exporter or $JUMPSTARTER_EXPORTER, or NULL */
} JmpCliOptions;

/* The environment variable naming the exporter whose host jmp uses. */
#define JMP_EXPORTER_ENV "JUMPSTARTER_EXPORTER"

/* jmp-cli-util.c */
void        jmp_cli_error          (const gchar          *format,
                                    ...) G_GNUC_PRINTF (1, 2);
gint        jmp_cli_fail           (const GError         *error);
gint        jmp_cli_usage_error    (const gchar          *format,
                                    ...) G_GNUC_PRINTF (1, 2);
gboolean    jmp_cli_parse          (GOptionContext       *context,
                                    gint                 *argc,
                                    gchar              ***argv,
                                    gint                 *exit_status);
GOptionContext *jmp_cli_option_context_new (const gchar  *command,
                                    const gchar          *parameter_string,
                                    const gchar          *summary);
JmpClient  *jmp_cli_connect        (const JmpCliOptions  *options,
                                    JmpClientFlags        flags,
                                    GError              **error);
gint        jmp_cli_status_from_wait (gint                wait_status);
gchar      *jmp_cli_first_line     (const gchar          *text);
void        jmp_cli_print_json     (JsonBuilder          *builder);
void        jmp_cli_print_table    (const gchar * const  *headers,
                                    GPtrArray            *rows,
                                    guint                 n_columns);

/* jmp-main.c: the soft RLIMIT_NOFILE jmp started with; a child that is not
 * jmp gets it back (its select() may not cope with fds above 1023). */
void        jmp_cli_restore_fd_limit (void);

/* jmp-cli-host-watch.c */
typedef struct _JmpCliHostWatch JmpCliHostWatch;
typedef void (*JmpCliHostGoneFunc) (gpointer user_data);
JmpCliHostWatch *jmp_cli_host_watch_new (JmpClient        *client,
                                    JmpCliHostGoneFunc    func,
                                    gpointer              user_data);
gboolean    jmp_cli_host_watch_is_gone (JmpCliHostWatch *watch);
void        jmp_cli_host_watch_free (JmpCliHostWatch     *watch);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (JmpCliHostWatch, jmp_cli_host_watch_free)
gboolean    jmp_cli_host_gone      (JmpClient            *client);
void        jmp_cli_report_host_gone (void);

/* jmp-cli-relay.c: stdin → @socket, @socket → stdout, as nc does. */
gboolean    jmp_cli_relay_stdio    (GSocket              *socket,
                                    GError              **error);

/* jmp-cli-fdpass.c: @fd to the process at the other end of @out_fd. */
gboolean    jmp_cli_fdpass_send    (gint                  out_fd,
                                    gint                  fd,
                                    GError              **error);

/* One command each. @argv[0] is the command's own name. */
gint        jmp_cmd_list           (const JmpCliOptions  *options,
                                    gint                  argc,
                                    gchar               **argv);
gint        jmp_cmd_inspect        (const JmpCliOptions  *options,
                                    gint                  argc,
                                    gchar               **argv);
gint        jmp_cmd_exporters      (const JmpCliOptions  *options,
                                    gint                  argc,
                                    gchar               **argv);
gint        jmp_cmd_shell          (const JmpCliOptions  *options,
                                    gint                  argc,
                                    gchar               **argv);
/* @argv[0] is the driver's dotted path. */
gint        jmp_cmd_driver         (const JmpCliOptions  *options,
                                    gint                  argc,
                                    gchar               **argv);

/* Per-driver commands, dispatched by jmp-cmd-driver.c. */
typedef struct {
  const JmpCliOptions *options;
  JmpClient           *client;
  JmpDriverProxy      *driver;
} JmpDriverContext;

gint        jmp_cmd_call            (JmpDriverContext    *ctx,
                                     JmpDriverMethod     *method,
                                     gint                 argc,
                                     gchar              **argv);
gint        jmp_cmd_watch           (JmpDriverContext    *ctx,
                                     gint                 argc,
                                     gchar              **argv);
gboolean    jmp_cmd_watch_offered   (JmpDriverProxy      *driver);

gint        jmp_cmd_network_connect (JmpDriverContext    *ctx,
                                     gint                 argc,
                                     gchar              **argv);
gint        jmp_cmd_network_address (JmpDriverContext    *ctx,
                                     gint                 argc,
                                     gchar              **argv);
gint        jmp_cmd_network_forward_tcp (JmpDriverContext *ctx,
                                     gint                 argc,
                                     gchar              **argv);
gint        jmp_cmd_network_forward_unix (JmpDriverContext *ctx,
                                     gint                 argc,
                                     gchar              **argv);
gint        jmp_cmd_network_forward_udp (JmpDriverContext *ctx,
                                     gint                 argc,
                                     gchar              **argv);
gint        jmp_cmd_dbus_run        (JmpDriverContext    *ctx,
                                     gint                 argc,
                                     gchar              **argv);
gint        jmp_cmd_video_state     (JmpDriverContext    *ctx,
                                     gint                 argc,
                                     gchar              **argv);
gint        jmp_cmd_video_snapshot  (JmpDriverContext    *ctx,
                                     gint                 argc,
                                     gchar              **argv);
gint        jmp_cmd_video_stream    (JmpDriverContext    *ctx,
                                     gint                 argc,
                                     gchar              **argv);

G_END_DECLS
