#!/usr/bin/python3
# Copyright the jumpstarter-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# A Python test that dies hard (SIGKILL: no cleanup, no finally) takes
# its dbus-daemon and host with it; left behind, they would hold meson's
# output pipe open and the run would hang.

import os
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TIMEOUT_SECONDS = 30


def alive(pid):
    """True while @pid runs; a zombie, waiting for init, is dead."""
    try:
        with open('/proc/%d/stat' % pid) as f:
            return f.read().rsplit(')', 1)[1].split()[0] != 'Z'
    except FileNotFoundError:
        return False


class ChildrenDieTest(unittest.TestCase):

    def test_killed_test_leaves_nothing(self):
        env = dict(os.environ, JMP_TEST_DIE_HARD='1')
        test = subprocess.Popen(
            [sys.executable, os.path.join(HERE, 'test-dbus-gi.py'),
             'DbusNetworkTest.test_kind'],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
            text=True)
        # one line, then the pipe may stay open in the orphans: no read
        # to the end
        pids = [int(p) for p in test.stdout.readline().split()]
        test.wait(TIMEOUT_SECONDS)
        self.assertEqual(test.returncode, -9)
        self.assertEqual(len(pids), 2)
        deadline = time.monotonic() + TIMEOUT_SECONDS
        while any(alive(p) for p in pids):
            if time.monotonic() > deadline:
                for p in pids:
                    if alive(p):
                        os.kill(p, 9)
                self.fail('left behind: %s' % [p for p in pids if alive(p)])
            time.sleep(0.05)
        test.stdout.close()


if __name__ == '__main__':
    unittest.main()
