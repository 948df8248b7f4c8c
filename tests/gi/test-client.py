#!/usr/bin/python3
# Copyright the jumpstarter-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The client library as Python sees it through GObject introspection,
# against a real jumpstarter-host on a peer-to-peer socket.

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import unittest

import gi

gi.require_version('GLib', '2.0')
gi.require_version('Gio', '2.0')
gi.require_version('Jumpstarter', '1.0')
from gi.repository import GLib, Gio, Jumpstarter  # noqa: E402

CONFIG = '''\
apiVersion: jumpstarter.dev/v1alpha1
kind: ExporterConfig
metadata: {name: gi-bench}
motd: hello from gi-bench
export:
  echo:
    type: EchoNetwork
    description: Echoes every byte back
  loopback:
    children:
      echo: {type: jumpstarter_driver_network.driver.EchoNetwork}
'''

# Hang guard only: the host answers at once unless something is broken.
TIMEOUT_SECONDS = 60


class Host:
    """A jumpstarter-host on a socket in a temporary directory."""

    def __init__(self, config):
        self.dir = tempfile.mkdtemp(prefix='jmp-gi-')
        path = os.path.join(self.dir, 'bench.yaml')
        with open(path, 'w') as f:
            f.write(config)
        listen = 'unix:path=' + os.path.join(self.dir, 'host.sock')
        self.process = subprocess.Popen(
            [os.environ['JMP_TEST_HOST'], '--config', path,
             '--listen', listen, '--print-address'],
            stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
        self.address = self.process.stdout.readline().strip()
        if not self.address:
            self.process.wait(TIMEOUT_SECONDS)
            raise RuntimeError('jumpstarter-host did not start (status %d)'
                               % self.process.returncode)

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        status = self.process.wait(TIMEOUT_SECONDS)
        self.process.stdout.close()
        shutil.rmtree(self.dir, ignore_errors=True)
        return status


def run_until(loop, done):
    """Runs @loop's context until done() is true, with a hang guard."""
    expired = []

    def on_timeout():
        expired.append(True)
        return GLib.SOURCE_REMOVE
    timeout = GLib.timeout_add_seconds(TIMEOUT_SECONDS, on_timeout)
    while not done():
        if expired:
            raise AssertionError('timed out after %d s' % TIMEOUT_SECONDS)
        loop.get_context().iteration(True)
    GLib.source_remove(timeout)


def echo_through(stream, data):
    """Writes @data, closes for writing, reads until EOF."""
    out = stream.get_output_stream()
    ok, written = out.write_all(data, None)
    assert ok and written == len(data)
    # half-close: the echo comes back, then EOF
    stream.get_socket().shutdown(False, True)
    received = bytearray()
    inp = stream.get_input_stream()
    while True:
        chunk = inp.read_bytes(65536, None).get_data()
        if not chunk:
            break
        received += chunk
    stream.close(None)
    return bytes(received)


class ClientTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.host = Host(CONFIG)
        cls.client = Jumpstarter.Client.new_for_address_sync(cls.host.address, None)

    @classmethod
    def tearDownClass(cls):
        cls.client = None
        assert cls.host.stop() == 0

    def test_host_properties(self):
        self.assertEqual(self.client.get_exporter_name(), 'gi-bench')
        self.assertEqual(self.client.get_motd(), 'hello from gi-bench')
        self.assertTrue(self.client.get_version())
        self.assertIsInstance(self.client.get_connection(), Gio.DBusConnection)
        self.assertIsInstance(self.client.get_labels(), dict)

    def test_drivers(self):
        drivers = self.client.get_drivers()
        paths = [d.get_path() for d in drivers]
        self.assertIn('echo', paths)
        self.assertIn('loopback', paths)
        self.assertIn('loopback.echo', paths)
        # depth first: a driver right before its children
        self.assertEqual(paths.index('loopback') + 1, paths.index('loopback.echo'))

        by_path = {d.get_path(): d for d in drivers}
        echo = by_path['echo']
        self.assertEqual(echo.get_name(), 'echo')
        self.assertEqual(echo.get_type_name(), 'EchoNetwork')
        self.assertEqual(echo.get_description(), 'Echoes every byte back')
        self.assertTrue(echo.get_uuid())
        self.assertEqual(echo.get_parent_uuid(), '')
        self.assertTrue(echo.has_interface('dev.jumpstarter.Network1'))
        self.assertIsInstance(echo.get_labels(), dict)
        self.assertIsInstance(echo.get_methods_description(), dict)
        self.assertTrue(echo.get_object_path().startswith('/dev/jumpstarter/Host1/driver/'))

        nested = by_path['loopback.echo']
        self.assertEqual(nested.get_name(), 'echo')
        self.assertEqual(nested.get_type_name(), 'EchoNetwork')
        self.assertEqual(nested.get_parent_uuid(), by_path['loopback'].get_uuid())
        self.assertIsNone(by_path['loopback'].get_network())

    def test_echo_sync(self):
        network = self.client.get_driver('loopback.echo').get_network()
        self.assertIsNotNone(network)
        stream = network.connect_sync(None)
        self.assertIsInstance(stream, Gio.SocketConnection)
        data = bytes(range(256)) * 1024
        self.assertEqual(echo_through(stream, data), data)

    def test_echo_async(self):
        network = self.client.get_driver('echo').get_network()
        loop = GLib.MainLoop()
        result = {}

        def on_connected(source, res):
            result['stream'] = source.connect_finish(res)

        network.connect(None, on_connected)
        run_until(loop, lambda: 'stream' in result)
        self.assertEqual(echo_through(result['stream'], b'hello, async\n'), b'hello, async\n')

    def test_connect_socket(self):
        network = self.client.get_driver('echo').get_network()
        sock = network.connect_socket_sync(None)
        self.assertIsInstance(sock, Gio.Socket)
        sock.close()

    def test_missing_driver(self):
        with self.assertRaises(GLib.Error) as cm:
            self.client.get_driver('nope')
        error = cm.exception
        self.assertTrue(error.matches(Jumpstarter.error_quark(), Jumpstarter.Error.NOT_FOUND),
                        error)
        self.assertIn('no driver "nope" on exporter gi-bench', error.message)
        self.assertIn('loopback.echo', error.message)

    def test_address_not_supported(self):
        network = self.client.get_driver('echo').get_network()
        with self.assertRaises(GLib.Error) as cm:
            network.get_address_sync(None)
        error = cm.exception
        self.assertTrue(error.matches(Jumpstarter.error_quark(), Jumpstarter.Error.NOT_SUPPORTED),
                        error)
        self.assertNotIn('GDBus.Error', error.message)

    def test_address_async_error(self):
        network = self.client.get_driver('echo').get_network()
        loop = GLib.MainLoop()
        result = {}

        def on_address(source, res):
            try:
                result['address'] = source.get_address_finish(res)
            except GLib.Error as e:
                result['error'] = e

        network.get_address(None, on_address)
        run_until(loop, lambda: result)
        self.assertIn('error', result)
        self.assertEqual(result['error'].code, Jumpstarter.Error.NOT_SUPPORTED)

    def test_new_from_environment(self):
        # Inside jmp shell, $JUMPSTARTER_HOST names the host; a bare path works.
        old = os.environ.get('JUMPSTARTER_HOST')
        os.environ['JUMPSTARTER_HOST'] = self.host.address[len('unix:path='):]
        try:
            loop = GLib.MainLoop()
            result = {}

            def on_ready(source, res):
                result['client'] = Jumpstarter.Client.new_finish(res)

            Jumpstarter.Client.new(Gio.BusType.SESSION, None, on_ready)
            run_until(loop, lambda: result)
            client = result['client']
            self.assertEqual(client.get_exporter_name(), 'gi-bench')
            self.assertEqual(len(client.get_drivers()), len(self.client.get_drivers()))
        finally:
            if old is None:
                del os.environ['JUMPSTARTER_HOST']
            else:
                os.environ['JUMPSTARTER_HOST'] = old

    def test_no_host(self):
        path = os.path.join(self.host.dir, 'missing.sock')
        with self.assertRaises(GLib.Error) as cm:
            Jumpstarter.Client.new_for_address_sync('unix:path=' + path, None)
        self.assertTrue(cm.exception.matches(Jumpstarter.error_quark(),
                                             Jumpstarter.Error.UNAVAILABLE))
        self.assertIn(path, cm.exception.message)


class DriverSignalsTest(unittest.TestCase):
    def test_driver_removed_when_host_exits(self):
        host = Host(CONFIG)
        try:
            client = Jumpstarter.Client.new_for_address_sync(host.address, None)
            count = len(client.get_drivers())
            removed = []
            client.connect('driver-removed', lambda c, d: removed.append(d.get_path()))
            self.assertEqual(host.stop(), 0)
            run_until(GLib.MainLoop(), lambda: len(removed) == count)
            self.assertIn('loopback.echo', removed)
            self.assertEqual(client.get_drivers(), [])
        finally:
            if host.process.poll() is None:
                host.stop()


if __name__ == '__main__':
    unittest.main(verbosity=2)
