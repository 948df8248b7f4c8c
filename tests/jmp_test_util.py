# Copyright the jumpstarter-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""What the Python tests share."""

import ctypes
import signal
import subprocess

_PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True)


def die_with_parent():
    """preexec_fn: the child gets SIGKILL when the test dies, even hard
    (a crash, SIGKILL), so no host or bus is left holding meson's pipe."""
    _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def spawn(args, **kwargs):
    """subprocess.Popen whose child dies with the test."""
    return subprocess.Popen(args, preexec_fn=die_with_parent, **kwargs)
