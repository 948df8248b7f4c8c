/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * N calls in a loop, one at a time, from C, so that the client's own cost
 * is as small on each side as it can be:
 *
 *   video-snapshots direct SOURCE N          GET /snapshot on ustreamer's
 *                                            Unix socket (a path) or on
 *                                            127.0.0.1:PORT, one kept-alive
 *                                            connection, blocking reads
 *   video-snapshots ping ADDRESS N           org.freedesktop.DBus.Peer.Ping
 *                                            to the host: an empty round
 *                                            trip, answered by GDBus's worker
 *                                            thread
 *   video-snapshots get ADDRESS DRIVER N     Properties.Get of the driver's
 *                                            StreamPath: an empty round trip
 *                                            dispatched to the host's main
 *                                            thread, as Snapshot() is
 *   video-snapshots host ADDRESS DRIVER N    JmpVideoProxy snapshot_sync()
 *
 * Prints "SECONDS BYTES_OF_LAST_REPLY".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <jumpstarter/jumpstarter.h>

static char header[8192];
static size_t header_len;  /* bytes in header[], a body's start included */

static void
die (const char *what)
{
  fprintf (stderr, "video-snapshots: %s\n", what);
  exit (1);
}

static void
write_all (int fd, const char *data, size_t len)
{
  while (len > 0)
    {
      ssize_t n = write (fd, data, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        die ("write to ustreamer failed");
      data += n;
      len -= (size_t) n;
    }
}

/* One GET /snapshot; returns the body's size. The body is read into
 * @body, as a client would keep it. */
static size_t
direct_get (int fd, char **body, size_t *body_size)
{
  static const char request[] = "GET /snapshot HTTP/1.1\r\nHost: localhost\r\n\r\n";
  char *end = NULL;
  const char *length;
  size_t head, len, have;

  write_all (fd, request, sizeof request - 1);
  for (;;)
    {
      ssize_t n;

      header[header_len] = '\0';
      end = strstr (header, "\r\n\r\n");
      if (end != NULL)
        break;
      if (header_len >= sizeof header - 1)
        die ("ustreamer's headers are too long");
      n = read (fd, header + header_len, sizeof header - 1 - header_len);
      if (n <= 0)
        die ("ustreamer closed the connection");
      header_len += (size_t) n;
    }
  if (strncmp (header, "HTTP/1.1 200", 12) != 0)
    die ("ustreamer did not answer 200");
  length = strcasestr (header, "\r\nContent-Length:");
  if (length == NULL || length > end)
    die ("ustreamer sent no Content-Length");
  len = strtoul (length + 17, NULL, 10);
  head = (size_t) (end + 4 - header);
  if (len > *body_size)
    {
      *body = realloc (*body, len);
      *body_size = len;
    }
  have = MIN (header_len - head, len);
  memcpy (*body, header + head, have);
  /* a pipelined reply's start stays for the next call */
  memmove (header, header + head + have, header_len - head - have);
  header_len -= head + have;
  while (have < len)
    {
      ssize_t n = read (fd, *body + have, len - have);

      if (n <= 0)
        die ("ustreamer closed the connection in a body");
      have += (size_t) n;
    }
  return len;
}

static int
direct_connect (const char *source)
{
  int fd;

  if (strchr (source, '/') != NULL)
    {
      struct sockaddr_un addr = { .sun_family = AF_UNIX };

      if (strlen (source) >= sizeof addr.sun_path)
        die ("socket path too long");
      strcpy (addr.sun_path, source);
      fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (fd < 0 || connect (fd, (struct sockaddr *) &addr, sizeof addr) < 0)
        die ("cannot connect to the source's socket");
    }
  else
    {
      struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons (atoi (source)),
                                  .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
      int one = 1;

      fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (fd < 0 || connect (fd, (struct sockaddr *) &addr, sizeof addr) < 0)
        die ("cannot connect to the source's port");
      setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
  return fd;
}

static size_t
direct_loop (const char *source, long n, double *seconds)
{
  int fd = direct_connect (source);
  char *body = NULL;
  size_t body_size = 0, len;
  gint64 start;

  len = direct_get (fd, &body, &body_size);  /* warm */
  start = g_get_monotonic_time ();
  for (long i = 0; i < n; i++)
    len = direct_get (fd, &body, &body_size);
  *seconds = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
  free (body);
  close (fd);
  return len;
}

static JmpClient *
connect_host (const char *address)
{
  g_autoptr(GError) error = NULL;
  JmpClient *client = jmp_client_new_for_address_sync (address, NULL, &error);

  if (client == NULL)
    die (error->message);
  return client;
}

static size_t
ping_loop (const char *address, long n, double *seconds)
{
  g_autoptr(JmpClient) client = connect_host (address);
  GDBusConnection *connection = jmp_client_get_connection (client);
  gint64 start = 0;

  for (long i = -1; i < n; i++)  /* the first one warms */
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GVariant) reply = NULL;

      if (i == 0)
        start = g_get_monotonic_time ();
      reply = g_dbus_connection_call_sync (connection, NULL, "/",
                                           "org.freedesktop.DBus.Peer", "Ping", NULL,
                                           G_VARIANT_TYPE_UNIT, G_DBUS_CALL_FLAGS_NONE,
                                           -1, NULL, &error);
      if (reply == NULL)
        die (error->message);
    }
  *seconds = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
  return 0;
}

static JmpDriverProxy *
find_driver (JmpClient *client, const char *name)
{
  g_autoptr(GError) error = NULL;
  JmpDriverProxy *driver = jmp_client_get_driver (client, name, &error);

  if (driver == NULL)
    die (error->message);
  return driver;
}

static size_t
get_loop (const char *address, const char *name, long n, double *seconds)
{
  g_autoptr(JmpClient) client = connect_host (address);
  g_autoptr(JmpDriverProxy) driver = find_driver (client, name);
  GDBusConnection *connection = jmp_client_get_connection (client);
  const char *path = jmp_driver_proxy_get_object_path (driver);
  size_t len = 0;
  gint64 start = 0;

  for (long i = -1; i < n; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GVariant) reply = NULL;
      g_autoptr(GVariant) value = NULL;

      if (i == 0)
        start = g_get_monotonic_time ();
      reply = g_dbus_connection_call_sync (connection, NULL, path,
                                           "org.freedesktop.DBus.Properties", "Get",
                                           g_variant_new ("(ss)", "dev.jumpstarter.Video1",
                                                          "StreamPath"),
                                           G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE,
                                           -1, NULL, &error);
      if (reply == NULL)
        die (error->message);
      g_variant_get (reply, "(v)", &value);
      len = g_variant_get_size (value);
    }
  *seconds = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
  return len;
}

static size_t
host_loop (const char *address, const char *name, long n, double *seconds)
{
  g_autoptr(JmpClient) client = connect_host (address);
  g_autoptr(JmpDriverProxy) driver = find_driver (client, name);
  JmpVideoProxy *video = jmp_driver_proxy_get_video (driver);
  size_t len = 0;
  gint64 start = 0;

  if (video == NULL)
    die ("the driver is not a video driver");
  for (long i = -1; i < n; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) jpeg = NULL;

      if (i == 0)
        start = g_get_monotonic_time ();
      jpeg = jmp_video_proxy_snapshot_sync (video, NULL, &error);
      if (jpeg == NULL)
        die (error->message);
      len = g_bytes_get_size (jpeg);
    }
  *seconds = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
  return len;
}

int
main (int argc, char **argv)
{
  double seconds = 0;
  size_t len;

  if (argc == 4 && strcmp (argv[1], "direct") == 0)
    len = direct_loop (argv[2], atol (argv[3]), &seconds);
  else if (argc == 4 && strcmp (argv[1], "ping") == 0)
    len = ping_loop (argv[2], atol (argv[3]), &seconds);
  else if (argc == 5 && strcmp (argv[1], "get") == 0)
    len = get_loop (argv[2], argv[3], atol (argv[4]), &seconds);
  else if (argc == 5 && strcmp (argv[1], "host") == 0)
    len = host_loop (argv[2], argv[3], atol (argv[4]), &seconds);
  else
    {
      fprintf (stderr, "usage: video-snapshots direct SOCKET|PORT N | ping ADDRESS N |"
                       " get ADDRESS DRIVER N | host ADDRESS DRIVER N\n");
      return 2;
    }
  printf ("%.6f %zu\n", seconds, len);
  return 0;
}
