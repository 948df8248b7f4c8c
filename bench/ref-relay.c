/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The floor of what a splice relay costs, for bench/portforward: no main
 * loop, no D-Bus, two threads per connection each blocking in splice(2).
 *   ref-relay LISTEN_PORT TARGET_PORT   (127.0.0.1 both)
 */
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct {
  int in;
  int out;
} Direction;

static void *
pump (void *data)
{
  Direction *d = data;
  int pipefd[2];

  if (pipe2 (pipefd, O_CLOEXEC) < 0)
    return NULL;
  fcntl (pipefd[1], F_SETPIPE_SZ, 1 << 20);
  for (;;)
    {
      ssize_t n = splice (d->in, NULL, pipefd[1], NULL, 1 << 20, SPLICE_F_MOVE);
      if (n <= 0)
        break;
      while (n > 0)
        {
          ssize_t m = splice (pipefd[0], NULL, d->out, NULL, n, SPLICE_F_MOVE);
          if (m <= 0)
            goto out;
          n -= m;
        }
    }
out:
  shutdown (d->out, SHUT_WR);
  close (pipefd[0]);
  close (pipefd[1]);
  return NULL;
}

static void
start (int in, int out)
{
  Direction *d = malloc (sizeof *d);
  pthread_t thread;

  d->in = in;
  d->out = out;
  pthread_create (&thread, NULL, pump, d);
  pthread_detach (thread);
}

int
main (int argc, char *argv[])
{
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  int one = 1;
  int listener;

  if (argc != 3)
    {
      fprintf (stderr, "usage: ref-relay LISTEN_PORT TARGET_PORT\n");
      return 2;
    }
  signal (SIGPIPE, SIG_IGN);
  listener = socket (AF_INET, SOCK_STREAM, 0);
  setsockopt (listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  addr.sin_port = htons (atoi (argv[1]));
  if (bind (listener, (struct sockaddr *) &addr, sizeof addr) < 0 || listen (listener, 128) < 0)
    {
      perror ("ref-relay: listen");
      return 1;
    }
  for (;;)
    {
      int client = accept (listener, NULL, NULL);
      int target = socket (AF_INET, SOCK_STREAM, 0);
      struct sockaddr_in to = addr;

      to.sin_port = htons (atoi (argv[2]));
      if (client < 0 || connect (target, (struct sockaddr *) &to, sizeof to) < 0)
        {
          close (client);
          close (target);
          continue;
        }
      /* both fds stay open for the process's life: good enough for a bench */
      start (client, target);
      start (target, client);
    }
}
