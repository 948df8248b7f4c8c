#!/usr/bin/python3
# Copyright the jumpstarter-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Several hosts on one private session bus, one per exporter, as Python
# finds them and picks one through GObject introspection: listing, by
# name, the default, and the errors, sync and async.

import os
import shutil
import subprocess
import tempfile
import unittest

import gi

gi.require_version('GLib', '2.0')
gi.require_version('Gio', '2.0')
gi.require_version('Jumpstarter', '1.0')
from gi.repository import GLib, Gio, Jumpstarter  # noqa: E402

# Hang guard only.
TIMEOUT_SECONDS = 60


def exporter_yaml(name, n_drivers):
    lines = ['metadata: {name: %s}' % name, 'description: the %s board' % name, 'export:']
    lines += ['  echo%d: {type: EchoNetwork}' % i for i in range(1, n_drivers + 1)]
    return '\n'.join(lines) + '\n'


class Workstation(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix='jmp-gi-ws-')
        self.exporters = os.path.join(self.dir, 'jumpstarter', 'exporters')
        os.makedirs(self.exporters)
        os.environ['XDG_CONFIG_HOME'] = self.dir
        os.environ.pop('JUMPSTARTER_HOST', None)
        self.bus = Gio.TestDBus.new(Gio.TestDBusFlags.NONE)
        self.bus.up()
        self.hosts = []

    def tearDown(self):
        for host in self.hosts:
            host.terminate()
            host.wait(TIMEOUT_SECONDS)
            host.stdout.close()
        self.bus.down()
        shutil.rmtree(self.dir)

    def start(self, name, n_drivers):
        with open(os.path.join(self.exporters, name + '.yaml'), 'w') as f:
            f.write(exporter_yaml(name, n_drivers))
        host = subprocess.Popen(
            [os.environ['JMP_TEST_HOST'], '--exporter', name, '--print-address'],
            stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
        self.hosts.append(host)
        self.assertTrue(Gio.dbus_is_unique_name(host.stdout.readline().strip()))

    def run_async(self, start, finish):
        loop = GLib.MainLoop()
        result = {}

        def done(source, res, *args):
            try:
                result['value'] = finish(res)
            except GLib.Error as e:
                result['error'] = e
            loop.quit()

        start(done)
        GLib.timeout_add_seconds(TIMEOUT_SECONDS, loop.quit)
        loop.run()
        if 'error' in result:
            raise result['error']
        return result['value']

    def test_bus_name(self):
        self.assertEqual(Jumpstarter.exporter_bus_name('bench-7'),
                         'dev.jumpstarter.Host1.bench-7')
        self.assertEqual(Jumpstarter.exporter_bus_name('bench.7'),
                         'dev.jumpstarter.Host1.bench_2e7')
        self.assertEqual(Jumpstarter.exporter_bus_name('7'), 'dev.jumpstarter.Host1._7')
        self.assertEqual(Jumpstarter.exporter_bus_name('bänk'),
                         'dev.jumpstarter.Host1.b_c3_a4nk')
        with self.assertRaises(GLib.Error) as raised:
            Jumpstarter.exporter_bus_name('x' * 300)
        self.assertTrue(raised.exception.matches(Jumpstarter.error_quark(),
                                                 Jumpstarter.Error.INVALID_ARGS))
        self.assertTrue(Jumpstarter.exporter_is_bus_name('dev.jumpstarter.Host1'))
        self.assertTrue(Jumpstarter.exporter_is_bus_name('dev.jumpstarter.Host1.bench-7'))
        self.assertFalse(Jumpstarter.exporter_is_bus_name('dev.jumpstarter.Host1.a.b'))
        self.assertFalse(Jumpstarter.exporter_is_bus_name('dev.jumpstarter.Host10'))

    def test_list_and_pick(self):
        self.assertEqual(Jumpstarter.Client.list_hosts_sync(Gio.BusType.SESSION, None), [])
        self.start('bench-1', 1)
        self.start('bench-2', 2)

        hosts = Jumpstarter.Client.list_hosts_sync(Gio.BusType.SESSION, None)
        self.assertEqual([(h.get_exporter(), h.get_n_drivers(), h.get_description(),
                           h.get_bus_name(), h.get_address(), h.is_default())
                          for h in hosts],
                         [('bench-1', 1, 'the bench-1 board', 'dev.jumpstarter.Host1.bench-1',
                           None, False),
                          ('bench-2', 2, 'the bench-2 board', 'dev.jumpstarter.Host1.bench-2',
                           None, False)])
        hosts = self.run_async(
            lambda done: Jumpstarter.Client.list_hosts(Gio.BusType.SESSION, None, done),
            Jumpstarter.Client.list_hosts_finish)
        self.assertEqual([h.get_exporter() for h in hosts], ['bench-1', 'bench-2'])

        client = Jumpstarter.Client.new_for_exporter_sync(Gio.BusType.SESSION, 'bench-2', None)
        self.assertEqual(client.get_exporter_name(), 'bench-2')
        self.assertEqual(len(client.get_drivers()), 2)
        client = self.run_async(
            lambda done: Jumpstarter.Client.new_for_exporter(Gio.BusType.SESSION, 'bench-1',
                                                            None, done),
            Jumpstarter.Client.new_for_exporter_finish)
        self.assertEqual(client.get_exporter_name(), 'bench-1')
        stream = client.get_driver('echo1').get_network().open_sync(None)
        stream.get_output_stream().write_all(b'hi', None)
        stream.get_socket().shutdown(False, True)
        self.assertEqual(stream.get_input_stream().read_bytes(2, None).get_data(), b'hi')

        # none named, two running, neither the default: the error lists them
        with self.assertRaises(GLib.Error) as raised:
            Jumpstarter.Client.new_for_exporter_sync(Gio.BusType.SESSION, None, None)
        self.assertTrue(raised.exception.matches(Jumpstarter.error_quark(),
                                                 Jumpstarter.Error.INVALID_ARGS))
        self.assertIn('bench-1, bench-2', raised.exception.message)
        with self.assertRaises(GLib.Error) as raised:
            self.run_async(
                lambda done: Jumpstarter.Client.new_for_exporter(Gio.BusType.SESSION, 'bench-3',
                                                                None, done),
                Jumpstarter.Client.new_for_exporter_finish)
        self.assertTrue(raised.exception.matches(Jumpstarter.error_quark(),
                                                 Jumpstarter.Error.NOT_FOUND))

        # the default exporter's host wins once it runs
        self.start('default', 3)
        client = Jumpstarter.Client.new_for_exporter_sync(Gio.BusType.SESSION, None, None)
        self.assertEqual(client.get_exporter_name(), 'default')
        hosts = Jumpstarter.Client.list_hosts_sync(Gio.BusType.SESSION, None)
        self.assertEqual([(h.get_exporter(), h.is_default()) for h in hosts],
                         [('default', True), ('bench-1', False), ('bench-2', False)])
        self.assertEqual(hosts[0].get_bus_name(), 'dev.jumpstarter.Host1.default')


if __name__ == '__main__':
    unittest.main(verbosity=2)
