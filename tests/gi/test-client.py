#!/usr/bin/python3
# Copyright the jumpstarter-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The client library as Python sees it through GObject introspection,
# against a real jumpstarter-host on a peer-to-peer socket.

import contextlib
import os
import shutil
import socket
import stat
import subprocess
import tempfile
import textwrap
import threading
import unittest

import jmp_test_util  # from tests/, on PYTHONPATH

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



Host = jmp_test_util.Host


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


@contextlib.contextmanager
def host_env(value):
    """$JUMPSTARTER_HOST set to @value for the block, as inside jmp shell."""
    old = os.environ.get('JUMPSTARTER_HOST')
    os.environ['JUMPSTARTER_HOST'] = value
    try:
        yield
    finally:
        if old is None:
            del os.environ['JUMPSTARTER_HOST']
        else:
            os.environ['JUMPSTARTER_HOST'] = old


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
        stream = network.open_sync(None)
        self.assertIsInstance(stream, Gio.SocketConnection)
        data = bytes(range(256)) * 1024
        self.assertEqual(echo_through(stream, data), data)

    def test_echo_async(self):
        network = self.client.get_driver('echo').get_network()
        loop = GLib.MainLoop()
        result = {}

        def on_connected(source, res):
            result['stream'] = source.open_finish(res)

        network.open(None, on_connected)
        run_until(loop, lambda: 'stream' in result)
        self.assertEqual(echo_through(result['stream'], b'hello, async\n'), b'hello, async\n')

    def test_list_plugins(self):
        plugins = self.client.list_plugins_sync(None)
        by_name = {p.get_name(): p for p in plugins}
        self.assertIn('network', by_name)
        network = by_name['network']
        self.assertIsInstance(network, Jumpstarter.PluginInfo)
        self.assertIn('EchoNetwork', network.get_types())
        self.assertIn('jumpstarter_driver_network.driver.EchoNetwork', network.get_aliases())
        self.assertTrue(network.get_filename().endswith('.so'))
        self.assertIsNone(network.get_error())

        loop = GLib.MainLoop()
        result = {}

        def on_plugins(source, res):
            result['plugins'] = source.list_plugins_finish(res)
        self.client.list_plugins(None, on_plugins)
        run_until(loop, lambda: 'plugins' in result)
        self.assertEqual(sorted(p.get_name() for p in result['plugins']), sorted(by_name))

    def test_reload_async(self):
        loop = GLib.MainLoop()
        result = {}

        def on_reloaded(source, res):
            result['ok'] = source.reload_finish(res)
        self.client.reload(None, on_reloaded)
        run_until(loop, lambda: 'ok' in result)
        self.assertTrue(result['ok'])
        # the tree is unchanged and still serves
        self.assertIsNotNone(self.client.get_driver('echo').get_network())

    def test_gobject_connect_is_not_hidden(self):
        # Network1.Connect() is open() in bindings: connect() stays GObject's
        network = self.client.get_driver('echo').get_network()
        handler = network.connect('notify', lambda *args: None)
        self.assertGreater(handler, 0)
        network.disconnect(handler)

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
        with host_env(self.host.address[len('unix:path='):]):
            loop = GLib.MainLoop()
            result = {}

            def on_ready(source, res):
                result['client'] = Jumpstarter.Client.new_finish(res)

            Jumpstarter.Client.new(Gio.BusType.SESSION, None, on_ready)
            run_until(loop, lambda: result)
            client = result['client']
            self.assertEqual(client.get_exporter_name(), 'gi-bench')
            self.assertEqual(len(client.get_drivers()), len(self.client.get_drivers()))

    def test_no_host(self):
        path = os.path.join(self.host.dir, 'missing.sock')
        with self.assertRaises(GLib.Error) as cm:
            Jumpstarter.Client.new_for_address_sync('unix:path=' + path, None)
        self.assertTrue(cm.exception.matches(Jumpstarter.error_quark(),
                                             Jumpstarter.Error.UNAVAILABLE))
        self.assertIn(path, cm.exception.message)


FORWARD_CONFIG = '''\
apiVersion: jumpstarter.dev/v1alpha1
kind: ExporterConfig
metadata: {name: gi-forward}
export:
  echo: {type: EchoNetwork}
  tcp: {type: TcpNetwork, config: {host: 127.0.0.1, port: %(port)d}}
  tcp6: {type: TcpNetwork, config: {host: "::1", port: 2222}}
'''


def iterate_until(done):
    """Iterates the default main context, where a Portforward lives,
    until done() is true, with a hang guard."""
    context = GLib.MainContext.default()
    expired = []

    def on_timeout():
        expired.append(True)
        return GLib.SOURCE_REMOVE
    timeout = GLib.timeout_add_seconds(TIMEOUT_SECONDS, on_timeout)
    while not done():
        if expired:
            raise AssertionError('timed out after %d s' % TIMEOUT_SECONDS)
        context.iteration(True)
    if not expired:
        GLib.source_remove(timeout)


def in_thread(func, *args):
    """Runs func in a thread (blocking socket calls would stall the
    forward's main context) while this thread iterates that context;
    returns what func returned or raises what it raised."""
    outcome = {}

    def run():
        try:
            outcome['value'] = func(*args)
        except BaseException as e:  # noqa: B902 -- handed to the caller
            outcome['error'] = e
        finally:
            # iteration() may sleep with nothing else to do: mark the end,
            # then wake it
            outcome['done'] = True
            GLib.MainContext.default().wakeup()
    thread = threading.Thread(target=run)
    thread.start()
    iterate_until(lambda: 'done' in outcome)
    thread.join()
    if 'error' in outcome:
        raise outcome['error']
    return outcome['value']


def echo_client(family, address, data):
    """Sends data, closes for writing, reads until EOF."""
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.settimeout(TIMEOUT_SECONDS)
        s.connect(address)
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        received = bytearray()
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return bytes(received)
            received += chunk


def refused_client(address):
    """Connects; the forward closes the connection without a byte."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(TIMEOUT_SECONDS)
        s.connect(address)
        try:
            return s.recv(1)
        except ConnectionResetError:
            return b''


class PortforwardTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # bound, never listening: a TCP target that refuses, on a port
        # nobody else can take meanwhile
        cls.closed = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        cls.closed.bind(('127.0.0.1', 0))
        cls.closed_port = cls.closed.getsockname()[1]
        cls.host = Host(FORWARD_CONFIG % {'port': cls.closed_port})
        cls.client = Jumpstarter.Client.new_for_address_sync(cls.host.address, None)
        cls.echo = cls.client.get_driver('echo').get_network()

    @classmethod
    def tearDownClass(cls):
        cls.echo = None
        cls.client = None
        assert cls.host.stop() == 0
        cls.closed.close()

    def test_forward_in_plain_script(self):
        # a script that never runs a main loop: start_thread() serves it
        script = textwrap.dedent('''\
            import socket, sys
            import gi
            gi.require_version("Jumpstarter", "1.0")
            from gi.repository import Jumpstarter
            client = Jumpstarter.Client.new_for_address_sync(sys.argv[1], None)
            echo = client.get_driver("echo").get_network()
            forward = Jumpstarter.Portforward.new_tcp(echo, "127.0.0.1", 0)
            forward.start_thread()
            data = bytes(range(256)) * 4096
            for _ in range(3):
                with socket.create_connection(("127.0.0.1", forward.get_port()), 30) as s:
                    s.sendall(data)
                    s.shutdown(socket.SHUT_WR)
                    received = bytearray()
                    while chunk := s.recv(65536):
                        received += chunk
                assert bytes(received) == data
            try:
                forward.start_thread()
                raise AssertionError("started twice")
            except gi.repository.GLib.Error as e:
                assert "before it serves" in e.message, e.message
            forward.close()
            print("served", forward.get_n_accepted())
        ''')
        out = subprocess.run(['/usr/bin/python3', '-c', script, self.host.address],
                             capture_output=True, text=True, timeout=TIMEOUT_SECONDS,
                             preexec_fn=None)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(out.stdout, 'served 3\n')

    def test_address(self):
        tcp = self.client.get_driver('tcp').get_network()
        self.assertEqual(tcp.get_address_sync(None), 'tcp://127.0.0.1:%d' % self.closed_port)
        tcp6 = self.client.get_driver('tcp6').get_network()
        result = {}

        def on_address(source, res):
            result['address'] = source.get_address_finish(res)
        tcp6.get_address(None, on_address)
        iterate_until(lambda: result)
        self.assertEqual(result['address'], 'tcp://[::1]:2222')

    def test_forward_tcp_thread(self):
        forward = Jumpstarter.Portforward.new_tcp(self.echo, '127.0.0.1', 0)
        port = forward.get_port()
        self.assertGreater(port, 0)
        self.assertEqual(forward.get_kind(), Jumpstarter.PortforwardKind.TCP)
        self.assertEqual(forward.get_display_address(), '127.0.0.1:%d' % port)
        data = bytes(range(256)) * 4096
        for _ in range(3):
            self.assertEqual(in_thread(echo_client, socket.AF_INET, ('127.0.0.1', port), data),
                             data)
        self.assertEqual(forward.get_n_accepted(), 3)
        self.assertEqual(forward.get_n_failed(), 0)
        iterate_until(lambda: forward.get_n_active() == 0)
        forward.close()
        with self.assertRaises(ConnectionRefusedError):
            echo_client(socket.AF_INET, ('127.0.0.1', port), b'x')

    def test_forward_tcp_main_loop_only(self):
        # no thread: the client socket is watched by the same main context
        forward = Jumpstarter.Portforward.new_tcp(self.echo, None, 0)
        received = bytearray()
        eof = []

        def on_readable(fd, condition):
            chunk = s.recv(65536)
            if not chunk:
                eof.append(True)
                return GLib.SOURCE_REMOVE
            received.extend(chunk)
            return GLib.SOURCE_CONTINUE

        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            # the kernel completes the connection before the forward accepts
            s.connect(('127.0.0.1', forward.get_port()))
            s.setblocking(False)
            s.send(b'hello from the main loop')
            s.shutdown(socket.SHUT_WR)
            GLib.unix_fd_add_full(GLib.PRIORITY_DEFAULT, s.fileno(), GLib.IOCondition.IN,
                                  on_readable)
            iterate_until(lambda: eof)
        self.assertEqual(bytes(received), b'hello from the main loop')
        forward.close()

    def test_forward_unix(self):
        forward = Jumpstarter.Portforward.new_unix(self.echo, None)
        path = forward.get_path()
        self.assertEqual(forward.get_kind(), Jumpstarter.PortforwardKind.UNIX)
        self.assertEqual(forward.get_display_address(), path)
        self.assertTrue(path.startswith(os.path.join(GLib.get_user_runtime_dir(), 'jumpstarter-')))
        mode = os.lstat(path).st_mode
        self.assertTrue(stat.S_ISSOCK(mode))
        self.assertEqual(stat.S_IMODE(mode), 0o600)
        self.assertEqual(in_thread(echo_client, socket.AF_UNIX, path, b'over unix\n'),
                         b'over unix\n')
        forward.close()
        self.assertFalse(os.path.exists(path))
        self.assertFalse(os.path.exists(os.path.dirname(path)))

    def test_forward_connection_failed(self):
        refused = self.client.get_driver('tcp').get_network()
        forward = Jumpstarter.Portforward.new_tcp(refused, '127.0.0.1', 0)
        messages = []
        forward.connect('connection-failed', lambda f, message: messages.append(message))
        address = ('127.0.0.1', forward.get_port())
        self.assertEqual(in_thread(refused_client, address), b'')
        iterate_until(lambda: messages)
        self.assertIn('127.0.0.1:%d' % self.closed_port, messages[0])
        self.assertEqual(forward.get_n_failed(), 1)
        # the listener goes on: it takes the next connection too (refused
        # again, the target is still down)
        self.assertEqual(in_thread(refused_client, address), b'')
        iterate_until(lambda: len(messages) == 2)
        self.assertEqual(forward.get_n_accepted(), 2)
        forward.close()

    def test_forward_port_in_use(self):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as occupant:
            occupant.bind(('127.0.0.1', 0))
            occupant.listen()
            port = occupant.getsockname()[1]
            with self.assertRaises(GLib.Error) as cm:
                Jumpstarter.Portforward.new_tcp(self.echo, '127.0.0.1', port)
        self.assertTrue(cm.exception.matches(Jumpstarter.error_quark(),
                                             Jumpstarter.Error.UNAVAILABLE))
        self.assertEqual(cm.exception.message,
                         'cannot listen on 127.0.0.1:%d: address already in use' % port)


def driver_fields(driver):
    """What a listing shows of a driver, JmpDriverProxy or JmpDriverInfo."""
    return (driver.get_object_path(), driver.get_name(), driver.get_path(),
            driver.get_type_name(), driver.get_uuid(), driver.get_parent_uuid(),
            driver.get_description(), driver.get_labels(),
            driver.get_methods_description())


class LabelledHostTest(unittest.TestCase):
    """A host of labelled drivers, a client with its tree, and clients
    without."""

    LABELLED = CONFIG + '''\
  power:
    type: EchoNetwork
    description: |-
      Mains switch
      second line
    methods_description: {connect: switch it}
    config: {labels: {vendor: acme, room: lab 3}}
  alias: {ref: loopback.echo}
'''

    @classmethod
    def setUpClass(cls):
        cls.host = Host(cls.LABELLED)
        cls.full = Jumpstarter.Client.new_for_address_sync(cls.host.address, None)

    @classmethod
    def tearDownClass(cls):
        cls.full = None
        assert cls.host.stop() == 0

    def lean_client(self, address=None):
        client = Jumpstarter.Client(address=address or self.host.address,
                                    flags=Jumpstarter.ClientFlags.DO_NOT_LOAD_DRIVERS)
        client.init(None)
        return client


class ListDriversTest(LabelledHostTest):
    """A client that lists drivers without loading the tree."""

    def test_rows_match_proxies(self):
        client = self.lean_client()
        self.assertEqual(client.get_flags(), Jumpstarter.ClientFlags.DO_NOT_LOAD_DRIVERS)
        self.assertEqual(client.get_exporter_name(), 'gi-bench')
        infos = client.list_drivers_sync(None)
        self.assertTrue(all(isinstance(i, Jumpstarter.DriverInfo) for i in infos))
        self.assertEqual([driver_fields(i) for i in infos],
                         [driver_fields(d) for d in self.full.get_drivers()])
        power = [i for i in infos if i.get_path() == 'power'][0]
        self.assertEqual(power.get_labels(), {'vendor': 'acme', 'room': 'lab 3',
                                              'jumpstarter.dev/name': 'power'})
        self.assertEqual(power.get_description(), 'Mains switch\nsecond line')
        self.assertEqual(power.get_methods_description()['connect'], 'switch it')
        # the full client lists the same, in one call too
        self.assertEqual([driver_fields(i) for i in self.full.list_drivers_sync(None)],
                         [driver_fields(i) for i in infos])

    def test_no_tree(self):
        client = self.lean_client()
        self.assertEqual(client.get_drivers(), [])
        with self.assertRaises(GLib.Error) as cm:
            client.get_driver('echo')
        self.assertTrue(cm.exception.matches(Jumpstarter.error_quark(),
                                             Jumpstarter.Error.NOT_SUPPORTED))
        self.assertIn('echo', cm.exception.message)

    def test_async(self):
        loop = GLib.MainLoop()
        result = {}

        def on_client(source, res):
            result['client'] = Jumpstarter.Client.new_for_exporter_finish(res)
            result['client'].list_drivers(None, on_list)

        def on_list(client, res):
            result['infos'] = client.list_drivers_finish(res)

        with host_env(self.host.address):
            Jumpstarter.Client.new_for_exporter_full(
                Gio.BusType.SESSION, None, Jumpstarter.ClientFlags.DO_NOT_LOAD_DRIVERS,
                None, on_client)
            run_until(loop, lambda: 'infos' in result)
        self.assertEqual(result['client'].get_drivers(), [])
        self.assertEqual([i.get_path() for i in result['infos']],
                         [d.get_path() for d in self.full.get_drivers()])

    def test_sync_for_exporter(self):
        with host_env(self.host.address):
            client = Jumpstarter.Client.new_for_exporter_full_sync(
                Gio.BusType.SESSION, None, Jumpstarter.ClientFlags.DO_NOT_LOAD_DRIVERS, None)
        self.assertEqual(client.get_flags(), Jumpstarter.ClientFlags.DO_NOT_LOAD_DRIVERS)
        self.assertEqual(len(client.list_drivers_sync(None)), len(self.full.get_drivers()))

    def test_host_gone(self):
        host = Host(CONFIG)
        try:
            client = Jumpstarter.Client(address=host.address,
                                        flags=Jumpstarter.ClientFlags.DO_NOT_LOAD_DRIVERS)
            client.init(None)
            self.assertEqual(len(client.list_drivers_sync(None)), 3)
            self.assertEqual(host.stop(), 0)
            with self.assertRaises(GLib.Error) as cm:
                client.list_drivers_sync(None)
            self.assertTrue(cm.exception.matches(Jumpstarter.error_quark(),
                                                 Jumpstarter.Error.UNAVAILABLE))
            self.assertIn('cannot list the drivers', cm.exception.message)
        finally:
            if host.process.poll() is None:
                host.stop()


class LookupDriverTest(LabelledHostTest):
    """One driver without the tree: Host1.GetDriver() and proxies for that
    driver alone."""

    def test_sync(self):
        client = self.lean_client()
        for path in ('echo', 'loopback', 'loopback.echo', 'power', 'alias'):
            driver = client.lookup_driver_sync(path, None)
            self.assertIsInstance(driver, Jumpstarter.DriverProxy)
            self.assertEqual(driver_fields(driver), driver_fields(self.full.get_driver(path)))
        self.assertIsNone(client.lookup_driver_sync('loopback', None).get_network())
        # the client still holds no tree
        self.assertEqual(client.get_drivers(), [])
        # by object path; the same proxy when looked up again
        nested = client.lookup_driver_sync('/dev/jumpstarter/Host1/driver/loopback/echo', None)
        self.assertIs(nested, client.lookup_driver_sync('loopback.echo', None))
        self.assertTrue(nested.has_interface('dev.jumpstarter.Network1'))
        self.assertIsInstance(nested.get_object(), Gio.DBusObject)
        self.assertEqual(echo_through(nested.get_network().open_sync(None), b'hi'), b'hi')

    def test_async(self):
        client = self.lean_client()
        loop = GLib.MainLoop()
        result = {}

        def on_driver(source, res):
            result['driver'] = source.lookup_driver_finish(res)
        client.lookup_driver('loopback.echo', None, on_driver)
        run_until(loop, lambda: 'driver' in result)
        self.assertEqual(result['driver'].get_path(), 'loopback.echo')
        self.assertEqual(echo_through(result['driver'].get_network().open_sync(None), b'x'), b'x')

    def test_missing(self):
        client = self.lean_client()
        with self.assertRaises(GLib.Error) as full:
            self.full.get_driver('loopback.nope')
        for name in ('loopback.nope', 'a..b', '', '/dev/jumpstarter/Host1/driver/nope'):
            with self.assertRaises(GLib.Error) as cm:
                client.lookup_driver_sync(name, None)
            self.assertTrue(cm.exception.matches(Jumpstarter.error_quark(),
                                                 Jumpstarter.Error.NOT_FOUND))
            self.assertEqual(cm.exception.message,
                             full.exception.message.replace('loopback.nope', name))

        loop = GLib.MainLoop()
        result = {}

        def on_driver(source, res):
            try:
                source.lookup_driver_finish(res)
            except GLib.Error as e:
                result['error'] = e
        client.lookup_driver('loopback.nope', None, on_driver)
        run_until(loop, lambda: 'error' in result)
        self.assertEqual(result['error'].message, full.exception.message)

    def test_client_with_tree(self):
        self.assertIs(self.full.lookup_driver_sync('echo', None), self.full.get_driver('echo'))

    def test_removed_by_reload(self):
        host = Host(LabelledHostTest.LABELLED)
        try:
            client = self.lean_client(host.address)
            power = client.lookup_driver_sync('power', None)
            echo = client.lookup_driver_sync('echo', None)
            removed = []
            client.connect('driver-removed', lambda c, d: removed.append(d))
            with open(os.path.join(host.dir, 'bench.yaml'), 'w') as f:
                f.write(CONFIG)
            client.reload_sync(None)
            run_until(GLib.MainLoop(), lambda: removed)
            self.assertEqual(removed, [power])
            # a kept driver stays, and serves
            self.assertEqual(echo_through(echo.get_network().open_sync(None), b'y'), b'y')
            # the host going away removes the rest
            self.assertEqual(host.stop(), 0)
            run_until(GLib.MainLoop(), lambda: len(removed) == 2)
            self.assertEqual(removed, [power, echo])
        finally:
            if host.process.poll() is None:
                host.stop()


class FakeHost:
    """A peer-to-peer D-Bus server with Host1 at its path, served from a
    thread of its own, whose ListDrivers() answers @answer(invocation)."""

    def __init__(self, answer):
        xml = os.path.join(os.environ['G_TEST_SRCDIR'], '..', 'data', 'dbus',
                           'dev.jumpstarter.Host1.xml')
        with open(xml) as f:
            self.info = Gio.DBusNodeInfo.new_for_xml(f.read()).interfaces[0]
        self.answer = answer
        self.connections = []  # a server keeps none: a dropped one closes
        self.dir = tempfile.mkdtemp(prefix='jmp-test-')
        self.address = 'unix:path=' + os.path.join(self.dir, 'fake.sock')
        self.context = GLib.MainContext()
        self.loop = GLib.MainLoop(self.context)
        ready = threading.Event()
        self.thread = threading.Thread(target=self.serve, args=(ready,))
        self.thread.start()
        ready.wait(TIMEOUT_SECONDS)

    def serve(self, ready):
        self.context.push_thread_default()
        server = Gio.DBusServer.new_sync(self.address, Gio.DBusServerFlags.NONE,
                                         Gio.dbus_generate_guid(), None, None)
        server.connect('new-connection', self.on_connection)
        server.start()
        ready.set()
        self.loop.run()
        server.stop()
        self.context.pop_thread_default()

    def on_connection(self, server, connection):
        def on_call(conn, sender, path, iface, method, params, invocation):
            if method == 'ListDrivers':
                self.answer(invocation)
            else:
                invocation.return_dbus_error('org.freedesktop.DBus.Error.NotSupported', method)
        connection.register_object('/dev/jumpstarter/Host1', self.info, on_call, None, None)
        self.connections.append(connection)
        return True

    def stop(self):
        self.context.invoke_full(GLib.PRIORITY_DEFAULT, self.loop.quit)
        self.thread.join(TIMEOUT_SECONDS)
        self.connections.clear()
        shutil.rmtree(self.dir, ignore_errors=True)


class BadHostTest(unittest.TestCase):
    """What a host answers is input: a clear error, never a crash."""

    def list_from(self, answer):
        host = FakeHost(answer)
        try:
            client = Jumpstarter.Client(address=host.address,
                                        flags=Jumpstarter.ClientFlags.DO_NOT_LOAD_DRIVERS)
            client.init(None)
            with self.assertRaises(GLib.Error) as cm:
                client.list_drivers_sync(None)
            return cm.exception
        finally:
            host.stop()

    def test_malformed_rows(self):
        def garbage(invocation):
            invocation.return_value(GLib.Variant('(ay)', (b'\x07\xff\x00not rows',)))
        error = self.list_from(garbage)
        self.assertTrue(error.matches(Jumpstarter.error_quark(), Jumpstarter.Error.FAILED))
        self.assertIn("the host's list of drivers is malformed", error.message)

    def test_wrong_type(self):
        def wrong(invocation):
            invocation.get_connection().send_message(
                self.reply_of_type(invocation), Gio.DBusSendMessageFlags.NONE)
        error = self.list_from(wrong)
        self.assertIn('cannot list the drivers of the host', error.message)

    @staticmethod
    def reply_of_type(invocation):
        reply = Gio.DBusMessage.new_method_reply(invocation.get_message())
        reply.set_body(GLib.Variant('(s)', ('not bytes',)))
        return reply

    def test_old_host(self):
        def unknown(invocation):
            invocation.return_dbus_error('org.freedesktop.DBus.Error.UnknownMethod',
                                         'No such method ListDrivers')
        error = self.list_from(unknown)
        self.assertTrue(error.matches(Jumpstarter.error_quark(),
                                      Jumpstarter.Error.NOT_SUPPORTED))
        self.assertIn('cannot list the drivers of the host', error.message)


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
