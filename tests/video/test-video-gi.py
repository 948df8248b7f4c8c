#!/usr/bin/python3
# Copyright the jumpstarter-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# A video driver as Python sees it through GObject introspection: state as
# a dict, the snapshot as the JPEG bytes ustreamer served, sync and async,
# against a real jumpstarter-host running Debian's ustreamer.

import sys
import unittest

import jmp_test_util  # from tests/, on PYTHONPATH

import gi

gi.require_version('GLib', '2.0')
gi.require_version('Jumpstarter', '1.0')
from gi.repository import GLib, Jumpstarter  # noqa: E402

CONFIG = '''\
export:
  cam:
    type: jumpstarter_driver_ustreamer.driver.UStreamer
    config:
      args: {desired-fps: 5, slowdown: true}
'''

# Hang guard only.
TIMEOUT_SECONDS = 60



Host = jmp_test_util.Host


class VideoTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.host = Host(CONFIG)
        cls.client = Jumpstarter.Client.new_for_address_sync(cls.host.address, None)

    @classmethod
    def tearDownClass(cls):
        cls.client = None
        assert cls.host.stop() == 0

    def video(self):
        driver = self.client.get_driver('cam')
        self.assertEqual(driver.get_type_name(), 'UStreamer')
        video = driver.get_video()
        self.assertIsNotNone(video)
        return video

    def test_state(self):
        state = self.video().get_state_sync(None).unpack()
        self.assertIs(state['online'], False)
        self.assertEqual((state['width'], state['height']), (640, 480))
        self.assertEqual(state['desired_fps'], 5)
        self.assertEqual(state['encoder'], 'CPU')
        self.assertEqual(state['restarts'], 0)
        for key in ('captured_fps', 'quality', 'clients'):
            self.assertIsInstance(state[key], int)

    def test_snapshot(self):
        jpeg = self.video().snapshot_sync(None).get_data()
        self.assertIsInstance(jpeg, bytes)
        self.assertTrue(jpeg.startswith(b'\xff\xd8'))
        self.assertTrue(jpeg.endswith(b'\xff\xd9'))

    def test_snapshot_async(self):
        video = self.video()
        loop = GLib.MainLoop()
        result = {}

        def done(source, res):
            try:
                result['jpeg'] = source.snapshot_finish(res).get_data()
            except GLib.Error as e:
                result['error'] = e
            loop.quit()
        video.snapshot(None, done)
        GLib.timeout_add_seconds(TIMEOUT_SECONDS, loop.quit)
        loop.run()
        self.assertNotIn('error', result)
        self.assertTrue(result['jpeg'].startswith(b'\xff\xd8'))

    def test_stream_path(self):
        self.assertEqual(self.video().get_stream_path(), '/stream')


if __name__ == '__main__':
    sys.exit(unittest.main(verbosity=2))
