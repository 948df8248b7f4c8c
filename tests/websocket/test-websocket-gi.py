#!/usr/bin/python3
# Copyright the jumpstarter-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# A WebsocketNetwork from Python through GObject introspection: the stream
# is a Gio.IOStream, against ws-server.py and a real jumpstarter-host.

import os
import shutil
import signal
import subprocess
import tempfile
import unittest

import jmp_test_util  # from tests/, on PYTHONPATH

import gi

gi.require_version('GLib', '2.0')
gi.require_version('Gio', '2.0')
gi.require_version('Jumpstarter', '1.0')
from gi.repository import GLib, Gio, Jumpstarter  # noqa: E402

# Hang guard only.
TIMEOUT_SECONDS = 60
HERE = os.path.dirname(os.path.abspath(__file__))


class WebsocketNetworkTest(unittest.TestCase):

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix='jmp-ws-gi-')
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        self.server = jmp_test_util.spawn(
            ['/usr/bin/python3', os.path.join(HERE, 'ws-server.py')],
            stdout=subprocess.PIPE, text=True)
        self.addCleanup(self.stop, self.server)
        port = int(self.server.stdout.readline())

        config = os.path.join(self.dir, 'ws.yaml')
        with open(config, 'w') as f:
            f.write('export:\n'
                    '  ws: {type: WebsocketNetwork, '
                    'config: {url: "ws://127.0.0.1:%d/echo"}}\n'
                    '  greet: {type: WebsocketNetwork, '
                    'config: {url: "ws://127.0.0.1:%d/greet"}}\n' % (port, port))
        self.url = 'ws://127.0.0.1:%d/echo' % port
        listen = 'unix:path=' + os.path.join(self.dir, 'host.sock')
        self.host = jmp_test_util.spawn(
            [os.environ['JMP_TEST_HOST'], '--config', config,
             '--listen', listen, '--print-address'],
            stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
        self.addCleanup(self.stop_host)
        self.assertEqual(self.host.stdout.readline().strip(), listen)
        self.client = Jumpstarter.Client.new_for_address_sync(listen, None)

    def stop(self, process):
        process.send_signal(signal.SIGTERM)
        process.wait(TIMEOUT_SECONDS)
        process.stdout.close()

    def stop_host(self):
        self.client = None
        self.host.send_signal(signal.SIGTERM)
        status = self.host.wait(TIMEOUT_SECONDS)
        self.host.stdout.close()
        self.assertEqual(status, 0)

    def read_to_eof(self, stream):
        data = b''
        while True:
            chunk = stream.get_input_stream().read_bytes(65536, None).get_data()
            if not chunk:
                return data
            data += chunk

    def test_echo(self):
        network = self.client.get_driver('ws').get_network()
        self.assertEqual(network.get_address_sync(None), self.url)
        stream = network.open_sync(None)
        out = stream.get_output_stream()
        out.write_all(b'hello from python', None)
        got = b''
        while len(got) < 17:
            got += stream.get_input_stream().read_bytes(64, None).get_data()
        self.assertEqual(got, b'hello from python')
        stream.close(None)

    def test_frames(self):
        network = self.client.get_driver('greet').get_network()
        stream = network.open_sync(None)
        self.assertEqual(self.read_to_eof(stream),
                         b'hello \x00\x01world' + 'ünï'.encode())
        stream.close(None)


if __name__ == '__main__':
    unittest.main(verbosity=2)
