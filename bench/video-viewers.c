/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * N viewers of an MJPEG stream, a thread each, as light as a viewer can
 * be: they read and count boundaries, nothing else, so that what is
 * measured is the server.
 *
 *   video-viewers PORT PATH BOUNDARY N WARMUP_S SECONDS
 *
 * Prints one line per viewer: the frames per second it received in the
 * SECONDS after WARMUP_S; then "bytes TOTAL".
 */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

typedef struct {
  pthread_t thread;
  long      frames;
  long long bytes;
  int       failed;
} Viewer;

static int port;
static const char *path;
static char delimiter[256];
static size_t delimiter_len;
static double t_start, t_end, t_stop;

static double
now (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *
viewer_main (void *data)
{
  Viewer *viewer = data;
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons (port) };
  char request[512];
  static __thread char buffer[256 * 1024];
  size_t carry = 0;
  int fd = socket (AF_INET, SOCK_STREAM, 0);

  struct timeval timeout = { .tv_sec = 5 };

  inet_pton (AF_INET, "127.0.0.1", &addr.sin_addr);
  setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  if (fd < 0 || connect (fd, (struct sockaddr *) &addr, sizeof addr) < 0)
    {
      viewer->failed = errno;
      return NULL;
    }
  snprintf (request, sizeof request,
            "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", path);
  if (write (fd, request, strlen (request)) < 0)
    {
      viewer->failed = errno;
      close (fd);
      return NULL;
    }

  for (;;)
    {
      ssize_t n = read (fd, buffer + carry, sizeof buffer - carry);
      double t = now ();
      size_t len, at = 0;
      char *hit;

      if (n <= 0 || t > t_stop)
        break;
      len = carry + n;
      while ((hit = memmem (buffer + at, len - at, delimiter, delimiter_len)) != NULL)
        {
          if (t >= t_start && t < t_end)
            viewer->frames++;
          at = hit - buffer + delimiter_len;
        }
      if (t >= t_start && t < t_end)
        viewer->bytes += n;
      /* keep a tail that may be the start of a delimiter */
      carry = len - at < delimiter_len - 1 ? len - at : delimiter_len - 1;
      memmove (buffer, buffer + len - carry, carry);
    }
  close (fd);
  return NULL;
}

int
main (int argc, char **argv)
{
  Viewer *viewers;
  int n;
  double warmup, seconds;
  long long total = 0;

  if (argc != 7)
    {
      fprintf (stderr, "usage: video-viewers PORT PATH BOUNDARY N WARMUP_S SECONDS\n");
      return 2;
    }
  port = atoi (argv[1]);
  path = argv[2];
  snprintf (delimiter, sizeof delimiter, "--%s\r\n", argv[3]);
  delimiter_len = strlen (delimiter);
  n = atoi (argv[4]);
  warmup = atof (argv[5]);
  seconds = atof (argv[6]);

  t_start = now () + warmup;
  t_end = t_start + seconds;
  t_stop = t_end + 0.2;
  viewers = calloc (n, sizeof *viewers);
  for (int i = 0; i < n; i++)
    pthread_create (&viewers[i].thread, NULL, viewer_main, &viewers[i]);
  for (int i = 0; i < n; i++)
    pthread_join (viewers[i].thread, NULL);

  for (int i = 0; i < n; i++)
    {
      if (viewers[i].failed)
        printf ("failed %s\n", strerror (viewers[i].failed));
      else
        printf ("%.2f\n", viewers[i].frames / seconds);
      total += viewers[i].bytes;
    }
  printf ("bytes %lld\n", total);
  free (viewers);
  return 0;
}
