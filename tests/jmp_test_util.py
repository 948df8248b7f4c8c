# Copyright the jumpstarter-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""What the Python tests share."""

import ctypes
import os
import shutil
import signal
import subprocess
import tempfile

_PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True)


def die_with_parent():
    """preexec_fn: the child gets SIGKILL when the test dies, even hard
    (a crash, SIGKILL), so no host or bus is left holding meson's pipe."""
    _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def spawn(args, **kwargs):
    """subprocess.Popen whose child dies with the test."""
    return subprocess.Popen(args, preexec_fn=die_with_parent, **kwargs)


# Hang guard only: a host answers at once unless something is broken.
HOST_TIMEOUT_SECONDS = 60


class Host:
    """A jumpstarter-host ($JMP_TEST_HOST) serving @config on a socket in a
    temporary directory; .address is its D-Bus address."""

    def __init__(self, config):
        self.dir = tempfile.mkdtemp(prefix='jmp-test-')
        path = os.path.join(self.dir, 'bench.yaml')
        with open(path, 'w') as f:
            f.write(config)
        listen = 'unix:path=' + os.path.join(self.dir, 'host.sock')
        self.process = spawn(
            [os.environ['JMP_TEST_HOST'], '--config', path,
             '--listen', listen, '--print-address'],
            stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
        self.address = self.process.stdout.readline().strip()
        if not self.address:
            self.process.wait(HOST_TIMEOUT_SECONDS)
            raise RuntimeError('jumpstarter-host did not start (status %d)'
                               % self.process.returncode)

    def stop(self):
        """SIGTERM; returns the exit status."""
        self.process.send_signal(signal.SIGTERM)
        status = self.process.wait(HOST_TIMEOUT_SECONDS)
        self.process.stdout.close()
        shutil.rmtree(self.dir, ignore_errors=True)
        return status
