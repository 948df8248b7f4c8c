#!/usr/bin/python3
# Copyright the jumpstarter-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# A DbusNetwork from Python: the device's bus (a dbus-daemon of the test's
# own) as a Gio.DBusConnection, through a real jumpstarter-host.

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
DEVICE_NAME = 'dev.jumpstarter.Test.Python'

CONFIG = '''\
export:
  bus: {type: jumpstarter_driver_network.driver.DbusNetwork, config: {kind: system}}
'''


def run_until(done):
    """Iterates the default main context until done() is true."""
    expired = []

    def on_timeout():
        expired.append(True)
        return GLib.SOURCE_REMOVE
    timeout = GLib.timeout_add_seconds(TIMEOUT_SECONDS, on_timeout)
    context = GLib.MainContext.default()
    while not done():
        if expired:
            raise AssertionError('timed out: the test hangs')
        context.iteration(True)
    GLib.source_remove(timeout)


class DbusNetworkTest(unittest.TestCase):

    def setUp(self):
        # cleanups run even when setUp or a test fails, so no process is
        # left behind holding the test's output open
        self.dir = tempfile.mkdtemp(prefix='jmp-dbus-gi-')
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        bus_path = os.path.join(self.dir, 'bus')
        self.daemon = jmp_test_util.spawn(
            ['dbus-daemon', '--session', '--nofork', '--print-address',
             '--address=unix:path=' + bus_path],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.addCleanup(self.stop_daemon)
        self.bus_address = self.daemon.stdout.readline().strip()
        self.assertTrue(Gio.dbus_is_address(self.bus_address))

        # the device side: a name on its bus
        flags = (Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
                 Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION)
        self.device = Gio.DBusConnection.new_for_address_sync(
            self.bus_address, flags, None, None)
        reply = self.device.call_sync(
            'org.freedesktop.DBus', '/org/freedesktop/DBus',
            'org.freedesktop.DBus', 'RequestName',
            GLib.Variant('(su)', (DEVICE_NAME, 0)), GLib.VariantType('(u)'),
            Gio.DBusCallFlags.NONE, -1, None)
        self.assertEqual(reply.unpack(), (1,))

        config = os.path.join(self.dir, 'bench.yaml')
        with open(config, 'w') as f:
            f.write(CONFIG)
        env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=self.bus_address)
        listen = 'unix:path=' + os.path.join(self.dir, 'host.sock')
        self.host = jmp_test_util.spawn(
            [os.environ['JMP_TEST_HOST'], '--config', config,
             '--listen', listen, '--print-address'],
            stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env,
            text=True)
        self.addCleanup(self.stop_host)
        address = self.host.stdout.readline().strip()
        self.assertEqual(address, listen)
        self.client = Jumpstarter.Client.new_for_address_sync(address, None)
        if os.environ.get('JMP_TEST_DIE_HARD'):
            # for test-children-die.py: no cleanup runs
            print(self.daemon.pid, self.host.pid, flush=True)
            os.kill(os.getpid(), signal.SIGKILL)

    def stop_daemon(self):
        self.daemon.kill()
        self.daemon.wait(TIMEOUT_SECONDS)
        self.daemon.stdout.close()

    def stop_host(self):
        self.client = None
        self.host.send_signal(signal.SIGTERM)
        status = self.host.wait(TIMEOUT_SECONDS)
        self.host.stdout.close()
        # a clean exit: the host survived what the test did
        self.assertEqual(status, 0)

    def test_kind(self):
        driver = self.client.get_driver('bus')
        dbus = driver.get_dbus_network()
        self.assertIsNotNone(dbus)
        self.assertEqual(dbus.get_kind(), 'system')
        self.assertEqual(dbus.get_address_variable(), 'DBUS_SYSTEM_BUS_ADDRESS')
        self.assertEqual(driver.get_labels()['jumpstarter.dev/dbusnetwork/kind'],
                         'system')
        self.assertEqual(dbus.get_network().get_address_sync(None),
                         self.bus_address)

    def test_connection_sync(self):
        dbus = self.client.get_driver('bus').get_dbus_network()
        bus = dbus.open_connection_sync(None)
        names = bus.call_sync(
            'org.freedesktop.DBus', '/org/freedesktop/DBus',
            'org.freedesktop.DBus', 'ListNames', None,
            GLib.VariantType('(as)'), Gio.DBusCallFlags.NONE, -1,
            None).unpack()[0]
        self.assertIn(DEVICE_NAME, names)
        self.assertIn(bus.get_unique_name(), names)
        bus.close_sync(None)

    def test_signal(self):
        dbus = self.client.get_driver('bus').get_dbus_network()
        results = []
        dbus.open_connection(None, lambda source, res: results.append(
            source.open_connection_finish(res)))
        run_until(lambda: results)
        bus = results[0]

        pings = []
        bus.signal_subscribe(
            None, 'dev.jumpstarter.Test1', 'Ping', '/dev/jumpstarter/Test',
            None, Gio.DBusSignalFlags.NONE,
            lambda *args: pings.append(args[5].unpack()[0]))
        # a round trip after the subscription: the bus has the match rule
        bus.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus',
                      'org.freedesktop.DBus', 'GetId', None, None,
                      Gio.DBusCallFlags.NONE, -1, None)
        self.device.emit_signal(None, '/dev/jumpstarter/Test',
                                'dev.jumpstarter.Test1', 'Ping',
                                GLib.Variant('(s)', ('from python',)))
        run_until(lambda: pings)
        self.assertEqual(pings, ['from python'])
        bus.close_sync(None)

    def test_unreachable(self):
        self.daemon.kill()
        self.daemon.wait(TIMEOUT_SECONDS)
        dbus = self.client.get_driver('bus').get_dbus_network()
        with self.assertRaises(GLib.Error) as raised:
            dbus.open_connection_sync(None)
        self.assertTrue(raised.exception.matches(
            Jumpstarter.error_quark(), Jumpstarter.Error.CONNECTION_REFUSED))
        self.assertIn('the system bus at ' + self.bus_address,
                      raised.exception.message)


if __name__ == '__main__':
    unittest.main(verbosity=2)
