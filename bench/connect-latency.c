/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The time to open a stream and echo one byte, direct and through the host,
 * split into its parts. The echo target runs in this process (a thread,
 * no fork per connection), so the direct figure is the kernel's own cost.
 *
 *   connect-latency HOST_PROGRAM JMP_PROGRAM N
 *
 * Starts a host with one TcpNetwork "echo" to the target and `jmp echo
 * forward-tcp 0`, then N rounds, each measuring once, one after the other:
 *
 *   direct     connect() + 1-byte echo + close, to the target
 *   ping       org.freedesktop.DBus.Peer.Ping to the host (GDBus's worker
 *              thread answers: the D-Bus transport alone)
 *   get        Properties.Get of the driver's SocketType (dispatched to the
 *              host's main thread and back: transport + thread hop)
 *   connect    Connect() through JmpNetworkProxy + 1-byte echo + close
 *   forward    connect() to jmp's forward-tcp port + 1-byte echo + close
 *   relay      the same through a bare relay in a thread of this process
 *              (accept, connect to the target, poll() and copy: no main
 *              loop, no D-Bus), the floor of any relaying process
 *
 * and prints the median and p90 of each in microseconds, then each path
 * against its physical limit measured in the same run: a connection
 * through any D-Bus host needs at least one round trip (ping) on top of
 * what it does without one, so the ideal of `connect` is direct + ping
 * and the ideal of `forward` is relay + ping.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <glib-unix.h>
#include <jumpstarter/jumpstarter.h>

enum { DIRECT, PING, GET, CONNECT, FORWARD, RELAY, N_KINDS };
static const char *kind_names[N_KINDS] = { "direct", "ping", "get", "connect", "forward", "relay" };

static gpointer
echo_thread (gpointer data)
{
  int listener = GPOINTER_TO_INT (data);

  for (;;)
    {
      int fd = accept (listener, NULL, NULL);
      char buf[64];
      ssize_t n;

      if (fd < 0)
        continue;
      while ((n = read (fd, buf, sizeof buf)) > 0)
        if (write (fd, buf, n) != n)
          break;
      close (fd);
    }
  return NULL;
}

static int
listen_loopback (guint16 *port)
{
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t len = sizeof addr;
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  if (fd < 0 || bind (fd, (struct sockaddr *) &addr, sizeof addr) != 0 ||
      listen (fd, SOMAXCONN) != 0 || getsockname (fd, (struct sockaddr *) &addr, &len) != 0)
    g_error ("echo target: %s", g_strerror (errno));
  *port = ntohs (addr.sin_port);
  return fd;
}

static void
echo_one (int fd)
{
  char c = 'x';
  int one = 1;

  /* GSocket made a passed fd non-blocking */
  g_unix_set_fd_nonblocking (fd, FALSE, NULL);
  setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (write (fd, &c, 1) != 1 || read (fd, &c, 1) != 1)
    g_error ("echo: %s", g_strerror (errno));
  close (fd);
}

static void
echo_direct (guint16 port)
{
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK),
                              .sin_port = htons (port) };
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  if (connect (fd, (struct sockaddr *) &addr, sizeof addr) != 0)
    g_error ("connect: %s", g_strerror (errno));
  echo_one (fd);
}

/* Copies what @from has to @to; FALSE at EOF or on an error. */
static gboolean
relay_copy (int from, int to)
{
  char buf[4096];
  ssize_t n = read (from, buf, sizeof buf);

  return n > 0 && write (to, buf, n) == n;
}

/* One connection at a time, as the rounds come: accept, connect to the
 * target, copy both ways until either side closes. */
typedef struct {
  int     listener;
  guint16 target_port;
} RelayConfig;

static gpointer
relay_thread (gpointer data)
{
  RelayConfig *config = data;
  int listener = config->listener;
  struct sockaddr_in target = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK),
                                .sin_port = htons (config->target_port) };
  int one = 1;

  for (;;)
    {
      int client = accept (listener, NULL, NULL);
      int upstream = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

      if (client < 0 || upstream < 0 ||
          connect (upstream, (struct sockaddr *) &target, sizeof target) != 0)
        g_error ("relay: %s", g_strerror (errno));
      setsockopt (client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      setsockopt (upstream, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      for (;;)
        {
          struct pollfd fds[2] = { { client, POLLIN, 0 }, { upstream, POLLIN, 0 } };

          if (poll (fds, 2, -1) < 0)
            continue;
          if ((fds[0].revents && !relay_copy (client, upstream)) ||
              (fds[1].revents && !relay_copy (upstream, client)))
            break;
        }
      close (upstream);
      close (client);
    }
  return NULL;
}

static gchar *
read_line (GSubprocess *process)
{
  g_autoptr(GDataInputStream) in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));

  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (in), FALSE);
  return g_data_input_stream_read_line (in, NULL, NULL, NULL);
}

static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *dir = NULL, *config = NULL, *yaml = NULL, *listen = NULL;
  g_autofree gchar *address = NULL, *forward_line = NULL;
  g_autoptr(GSubprocess) host = NULL, forward = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(JmpClient) client = NULL;
  g_autoptr(JmpDriverProxy) driver = NULL;
  GDBusConnection *connection;
  JmpNetworkProxy *network;
  guint16 target_port, forward_port, relay_port;
  double median[N_KINDS];
  double *times[N_KINDS];
  guint n;

  if (argc != 4)
    {
      g_printerr ("usage: %s HOST_PROGRAM JMP_PROGRAM N\n", argv[0]);
      return 2;
    }
  n = (guint) atoi (argv[3]);
  signal (SIGPIPE, SIG_IGN);
  g_thread_unref (g_thread_new ("echo", echo_thread,
                                GINT_TO_POINTER (listen_loopback (&target_port))));
  {
    RelayConfig *relay = g_new0 (RelayConfig, 1);  /* the thread's for good */

    relay->listener = listen_loopback (&relay_port);
    relay->target_port = target_port;
    g_thread_unref (g_thread_new ("relay", relay_thread, relay));
  }

  dir = g_dir_make_tmp ("jmp-latency-XXXXXX", &error);
  g_assert_no_error (error);
  config = g_build_filename (dir, "echo.yaml", NULL);
  yaml = g_strdup_printf ("export:\n  echo: {type: TcpNetwork, config: {host: 127.0.0.1, port: %u}}\n",
                          target_port);
  g_file_set_contents (config, yaml, -1, &error);
  g_assert_no_error (error);
  listen = g_strdup_printf ("unix:path=%s/host.sock", dir);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  /* children that outlive a failed bench would hold the terminal */
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  host = g_subprocess_launcher_spawn (launcher, &error, argv[1], "--config", config,
                                      "--listen", listen, "--print-address", NULL);
  g_assert_no_error (error);
  address = read_line (host);
  g_assert_nonnull (address);

  g_subprocess_launcher_setenv (launcher, "JUMPSTARTER_HOST", address, TRUE);
  forward = g_subprocess_launcher_spawn (launcher, &error, argv[2], "echo", "forward-tcp", "0", NULL);
  g_assert_no_error (error);
  forward_line = read_line (forward);
  g_assert_nonnull (forward_line);
  forward_port = (guint16) atoi (strrchr (forward_line, ':') + 1);

  client = jmp_client_new_for_address_sync (address, NULL, &error);
  g_assert_no_error (error);
  driver = jmp_client_get_driver (client, "echo", &error);
  g_assert_no_error (error);
  network = jmp_driver_proxy_get_network (driver);
  connection = jmp_client_get_connection (client);

  for (guint k = 0; k < N_KINDS; k++)
    times[k] = g_new (double, n);
  for (guint i = 0; i < n; i++)
    for (guint k = 0; k < N_KINDS; k++)
      {
        gint64 t0 = g_get_monotonic_time ();
        g_autoptr(GVariant) reply = NULL;
        g_autoptr(GSocket) socket = NULL;

        switch (k)
          {
          case DIRECT:
            echo_direct (target_port);
            break;
          case PING:
          case GET:
            reply = g_dbus_connection_call_sync (connection, NULL,
                                                 k == PING ? "/" : "/dev/jumpstarter/Host1/driver/echo",
                                                 k == PING ? "org.freedesktop.DBus.Peer" :
                                                             "org.freedesktop.DBus.Properties",
                                                 k == PING ? "Ping" : "Get",
                                                 k == PING ? NULL :
                                                   g_variant_new ("(ss)", "dev.jumpstarter.Network1",
                                                                  "SocketType"),
                                                 NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
            g_assert_no_error (error);
            break;
          case CONNECT:
            socket = jmp_network_proxy_connect_socket_sync (network, NULL, &error);
            g_assert_no_error (error);
            echo_one (dup (g_socket_get_fd (socket)));
            break;
          case FORWARD:
            echo_direct (forward_port);
            break;
          case RELAY:
            echo_direct (relay_port);
            break;
          }
        times[k][i] = (double) (g_get_monotonic_time () - t0);
      }

  g_print ("open + 1-byte echo + close, microseconds (median / p90 of %u, interleaved)\n", n);
  for (guint k = 0; k < N_KINDS; k++)
    {
      qsort (times[k], n, sizeof (double), cmp_double);
      median[k] = times[k][n / 2];
      g_print ("  %-8s %7.0f / %7.0f\n", kind_names[k], median[k], times[k][n * 9 / 10]);
      g_free (times[k]);
    }
  g_print ("against direct and against the ideal (the same path plus one D-Bus round trip), medians\n");
  g_print ("  connect  %5.2fx direct   ideal = direct + ping = %4.0f us   %5.2fx ideal\n",
           median[CONNECT] / median[DIRECT], median[DIRECT] + median[PING],
           median[CONNECT] / (median[DIRECT] + median[PING]));
  g_print ("  forward  %5.2fx direct   ideal = relay + ping  = %4.0f us   %5.2fx ideal\n",
           median[FORWARD] / median[DIRECT], median[RELAY] + median[PING],
           median[FORWARD] / (median[RELAY] + median[PING]));
  g_print ("  (a bare relay alone: %.2fx direct; one D-Bus round trip alone: %.2fx direct)\n",
           median[RELAY] / median[DIRECT], median[PING] / median[DIRECT]);

  g_subprocess_send_signal (forward, SIGTERM);
  g_subprocess_wait (forward, NULL, NULL);
  g_subprocess_send_signal (host, SIGTERM);
  g_subprocess_wait (host, NULL, NULL);
  g_clear_object (&client);
  g_unlink (config);
  g_rmdir (dir);
  return 0;
}
