#!/usr/bin/python3
# Copyright the jumpstarter-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The system host hands out no privilege. On a private bus of the system
# type with the shipped policy, the host runs as the user that
# sysusers.d/jumpstarter.conf creates, and:
# - a client of a forwarded bus (DbusNetwork, kind system) cannot claim
#   uid 0, and is the host's uid when it claims that; a UnixNetwork target
#   sees the host's uid;
# - the host refuses --system as root unless told --allow-root;
# - reading the tree is for everyone, Connect() and Reload() are for root,
#   the host's user and the group "jumpstarter", by the bus policy and,
#   under a looser policy, by the host itself.
# Needs root (to create the user and to switch uids); skipped otherwise.

import ctypes
import os
import pwd
import grp
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import unittest

import gi

gi.require_version('GLib', '2.0')
gi.require_version('Gio', '2.0')
from gi.repository import GLib, Gio  # noqa: E402

HOST = os.environ['JMP_TEST_HOST']
TOP = os.environ['JMP_TEST_TOP']
USER = 'jumpstarter'
OUTSIDER = 'nobody'
HOST_NAME = 'dev.jumpstarter.Host1'
HOST_PATH = '/dev/jumpstarter/Host1'
DRIVER_PATH = HOST_PATH + '/driver/'
NETWORK = 'dev.jumpstarter.Network1'
ROOT_ONLY_NAME = 'dev.jumpstarter.Test.RootOnly'
# hang guard only, never a measure
TIMEOUT_SECONDS = 60

CONFIG = '''\
metadata: {name: privilege}
export:
  echo: {type: EchoNetwork}
  bus: {type: DbusNetwork, config: {kind: system}}
  target: {type: UnixNetwork, config: {path: %s}}
'''

# what a looser system.d file could add: every call let through to the host
LOOSE_POLICY = '''\
  <policy context="default">
    <allow send_destination="dev.jumpstarter.Host1"/>
  </policy>
</busconfig>'''


def die_with_parent():
    """Runs in the child after its uid switch, which would clear it."""
    libc = ctypes.CDLL(None, use_errno=True)
    PR_SET_PDEATHSIG = 1
    libc.prctl(PR_SET_PDEATHSIG, 9)


def spawn(argv, user=None, groups=(), env=None, **kwargs):
    """A child that dies with the test, as @user with only @groups added."""
    if user is not None:
        entry = pwd.getpwnam(user)
        kwargs.update(user=entry.pw_uid, group=entry.pw_gid, extra_groups=list(groups))
    return subprocess.Popen(argv, env=env, preexec_fn=die_with_parent, **kwargs)


def stop(process):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    for stream in (process.stdout, process.stderr):
        if stream is not None:
            stream.close()


class SystemBus:
    """A dbus-daemon of the system type with the shipped policy."""

    def __init__(self, directory, loose=False):
        conf = subprocess.run([os.path.join(TOP, 'tests', 'data', 'system-bus-conf.sh'),
                               TOP, directory],
                              check=True, capture_output=True, text=True).stdout
        if loose:
            conf = conf.replace('</busconfig>', LOOSE_POLICY)
        path = os.path.join(directory, 'bus.conf')
        with open(path, 'w') as f:
            f.write(conf)
        self.process = spawn(['dbus-daemon', '--config-file=' + path, '--nofork',
                              '--print-address'],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.address = self.process.stdout.readline().strip()
        if not Gio.dbus_is_address(self.address):
            raise AssertionError('dbus-daemon did not start: ' + self.process.stderr.read())

    def connect(self, test):
        flags = (Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
                 Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION)
        connection = Gio.DBusConnection.new_for_address_sync(self.address, flags, None, None)
        test.addCleanup(connection.close_sync, None)
        return connection


def bus_call(connection, method, args, reply_type):
    return connection.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus',
                                'org.freedesktop.DBus', method, args,
                                GLib.VariantType(reply_type), Gio.DBusCallFlags.NONE,
                                TIMEOUT_SECONDS * 1000, None).unpack()


class RawBusClient:
    """Speaks to a bus over a socket the host handed over, with nothing
    between: the SASL lines by hand, then messages GDBus serializes."""

    def __init__(self, fd):
        self.sock = socket.socket(fileno=fd)
        self.sock.settimeout(TIMEOUT_SECONDS)
        self.sock.sendall(b'\0')
        self.serial = 0

    def auth_external(self, uid):
        claimed = str(uid).encode().hex().encode()
        self.sock.sendall(b'AUTH EXTERNAL ' + claimed + b'\r\n')
        return self.read_line()

    def read_line(self):
        line = b''
        while not line.endswith(b'\r\n'):
            chunk = self.sock.recv(1)
            if not chunk:
                return line
            line += chunk
        return line

    def begin(self):
        self.sock.sendall(b'BEGIN\r\n')

    def read_exactly(self, n):
        data = b''
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise AssertionError('the bus closed the connection')
            data += chunk
        return data

    def call(self, method, args):
        """A method call to the bus itself; returns the reply message."""
        self.serial += 1
        message = Gio.DBusMessage.new_method_call('org.freedesktop.DBus',
                                                  '/org/freedesktop/DBus',
                                                  'org.freedesktop.DBus', method)
        if args is not None:
            message.set_body(args)
        message.set_serial(self.serial)
        self.sock.sendall(message.to_blob(Gio.DBusCapabilityFlags.NONE))
        while True:
            header = self.read_exactly(16)
            blob = header + self.read_exactly(Gio.DBusMessage.bytes_needed(header) - 16)
            reply = Gio.DBusMessage.new_from_blob(blob, Gio.DBusCapabilityFlags.NONE)
            if reply.get_reply_serial() == self.serial:
                return reply


class PrivilegeTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        # the shipped sysusers.d entry makes the host's user, as on install
        subprocess.run(['systemd-sysusers',
                        os.path.join(TOP, 'data', 'system', 'jumpstarter.sysusers')],
                       check=True, capture_output=True)
        cls.host_uid = pwd.getpwnam(USER).pw_uid
        cls.host_gid = grp.getgrnam(USER).gr_gid
        cls.assertNotEqual(cls, cls.host_uid, 0)

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix='jmp-privilege-')
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        # the host's user and the callers reach the bus and the config
        os.chmod(self.dir, 0o755)
        self.target_path = os.path.join(self.dir, 'target.sock')
        self.config = os.path.join(self.dir, 'host.yaml')
        with open(self.config, 'w') as f:
            f.write(CONFIG % self.target_path)

    def start_bus(self, loose=False):
        bus = SystemBus(self.dir, loose)
        self.addCleanup(stop, bus.process)
        return bus

    def host_env(self, bus):
        return dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=bus.address)

    def start_host(self, bus, user=USER, extra=()):
        host = spawn([HOST, '--system', '--config', self.config, '--print-address'] +
                     list(extra),
                     user=user, env=self.host_env(bus),
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(stop, host)
        line = host.stdout.readline().strip()
        if not line.startswith(':'):
            host.kill()
            self.fail('the host did not come up: ' + host.stderr.read())
        return host

    def caller(self, bus, user, groups, *args):
        """`gdbus call` on the host as @user with @groups; (status, output)."""
        result = spawn(['gdbus', 'call', '--system', '--dest', HOST_NAME] + list(args),
                       user=user, groups=groups,
                       env=dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=bus.address),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        output, _ = result.communicate(timeout=TIMEOUT_SECONDS)
        return result.returncode, output

    def connect_fd(self, connection, driver):
        reply, fds = connection.call_with_unix_fd_list_sync(
            HOST_NAME, DRIVER_PATH + driver, NETWORK, 'Connect', None,
            GLib.VariantType('(h)'), Gio.DBusCallFlags.NONE, TIMEOUT_SECONDS * 1000,
            None, None)
        return fds.get(reply.unpack()[0])

    # (a) --------------------------------------------------------------

    def test_forwarded_bus_never_root(self):
        bus = self.start_bus()
        self.start_host(bus)
        connection = bus.connect(self)

        # the bus sees the host's socket: claiming root is refused
        client = RawBusClient(self.connect_fd(connection, 'bus'))
        self.addCleanup(client.sock.close)
        self.assertTrue(client.auth_external(0).startswith(b'REJECTED'))
        # claiming the host's uid passes, and the client is that uid
        self.assertTrue(client.auth_external(self.host_uid).startswith(b'OK '))
        client.begin()
        hello = client.call('Hello', None)
        self.assertEqual(hello.get_message_type(), Gio.DBusMessageType.METHOD_RETURN)
        unique = hello.get_body().unpack()[0]
        reply = client.call('GetConnectionUnixUser', GLib.Variant('(s)', (unique,)))
        self.assertEqual(reply.get_body().unpack(), (self.host_uid,))
        # so a name only root may own stays out of reach
        reply = client.call('RequestName', GLib.Variant('(su)', (ROOT_ONLY_NAME, 4)))
        self.assertEqual(reply.get_message_type(), Gio.DBusMessageType.ERROR)
        self.assertEqual(reply.get_error_name(), 'org.freedesktop.DBus.Error.AccessDenied')

    def test_unix_target_sees_host_user(self):
        bus = self.start_bus()
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.addCleanup(listener.close)
        listener.bind(self.target_path)
        os.chmod(self.target_path, 0o777)
        listener.listen(1)
        listener.settimeout(TIMEOUT_SECONDS)
        self.start_host(bus)

        stream = socket.socket(fileno=self.connect_fd(bus.connect(self), 'target'))
        self.addCleanup(stream.close)
        accepted, _ = listener.accept()
        self.addCleanup(accepted.close)
        creds = accepted.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                    struct.calcsize('3i'))
        _, uid, _ = struct.unpack('3i', creds)
        self.assertEqual(uid, self.host_uid)

    # (b) --------------------------------------------------------------

    def test_system_as_root_refused(self):
        bus = self.start_bus()
        refused = subprocess.run([HOST, '--system', '--config', self.config],
                                 env=self.host_env(bus), capture_output=True, text=True,
                                 timeout=TIMEOUT_SECONDS, preexec_fn=die_with_parent)
        self.assertEqual(refused.returncode, 2)
        self.assertEqual(refused.stdout, '')
        lines = refused.stderr.splitlines()
        self.assertEqual(len(lines), 1, refused.stderr)
        self.assertIn('refusing to serve the system bus as root', lines[0])
        self.assertIn('--allow-root', lines[0])

    def test_allow_root_warns(self):
        bus = self.start_bus()
        host = spawn([HOST, '--system', '--config', self.config, '--print-address',
                      '--allow-root'], env=self.host_env(bus),
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(stop, host)
        self.assertTrue(host.stdout.readline().startswith(':'))
        warning = host.stderr.readline()
        self.assertIn('warning: serving the system bus as root', warning)
        self.assertIn("root's identity", warning)

    def test_unknown_allow_group(self):
        bus = self.start_bus()
        result = subprocess.run([HOST, '--system', '--config', self.config,
                                 '--allow-group', 'jmp-no-such-group'],
                                user=USER, env=self.host_env(bus), capture_output=True,
                                text=True, timeout=TIMEOUT_SECONDS, preexec_fn=die_with_parent)
        self.assertEqual(result.returncode, 2)
        self.assertIn('no group named "jmp-no-such-group"', result.stderr)

    # (c) --------------------------------------------------------------

    def check_rule(self, bus, denied_by):
        outsider = (OUTSIDER, ())
        member = (OUTSIDER, (self.host_gid,))
        connect = ('--object-path', DRIVER_PATH + 'echo', '--method', NETWORK + '.Connect')
        reload = ('--object-path', HOST_PATH, '--method', 'dev.jumpstarter.Host1.Reload')

        for call in (connect, reload):
            status, output = self.caller(bus, *outsider, *call)
            self.assertNotEqual(status, 0, output)
            self.assertIn('org.freedesktop.DBus.Error.AccessDenied', output)
            self.assertIn(denied_by, output)

        # reading is for everyone
        reads = [
            ('--object-path', HOST_PATH, '--method',
             'org.freedesktop.DBus.ObjectManager.GetManagedObjects'),
            ('--object-path', HOST_PATH, '--method', 'org.freedesktop.DBus.Properties.Get',
             'dev.jumpstarter.Host1', 'ExporterName'),
            ('--object-path', HOST_PATH, '--method', 'dev.jumpstarter.Host1.ListPlugins'),
            ('--object-path', HOST_PATH, '--method', 'dev.jumpstarter.Host1.ListDrivers'),
            ('--object-path', DRIVER_PATH + 'bus', '--method', NETWORK + '.Address'),
        ]
        for call in reads:
            status, output = self.caller(bus, *outsider, *call)
            self.assertEqual(status, 0, output)
        self.assertIn('privilege', self.caller(bus, *outsider, *reads[1])[1])

        # a member may act
        status, output = self.caller(bus, *member, *connect)
        self.assertEqual((status, output.strip()), (0, '(handle 0,)'))
        status, output = self.caller(bus, *member, *reload)
        self.assertEqual((status, output.strip()), (0, '()'))

    def test_rule_by_bus_policy(self):
        bus = self.start_bus()
        self.start_host(bus)
        self.check_rule(bus, 'Rejected send message')

    def test_rule_by_host(self):
        # a policy that lets everything through: the host still decides
        bus = self.start_bus(loose=True)
        self.start_host(bus)
        self.check_rule(bus, 'is only for members of the group "jumpstarter"')


    def test_rule_holds_for_every_call(self):
        # the host asks the bus about a caller once; its answer holds for
        # that caller's every call, and for that caller only
        script = """if True:
            import sys
            from gi.repository import GLib, Gio
            bus = Gio.bus_get_sync(Gio.BusType.SYSTEM, None)
            for i in range(3):
                try:
                    bus.call_with_unix_fd_list_sync(
                        '%s', '%s', '%s', 'Connect', None, GLib.VariantType('(h)'),
                        0, -1, None, None)
                    print('allowed')
                except GLib.Error as e:
                    print(Gio.DBusError.get_remote_error(e))
            """ % (HOST_NAME, DRIVER_PATH + 'echo', NETWORK)
        bus = self.start_bus(loose=True)
        self.start_host(bus)
        env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=bus.address)
        for groups, expected in (((), 'org.freedesktop.DBus.Error.AccessDenied'),
                                 ((self.host_gid,), 'allowed'),
                                 ((), 'org.freedesktop.DBus.Error.AccessDenied')):
            caller = spawn(['/usr/bin/python3', '-c', script], user=OUTSIDER, groups=groups,
                           env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True)
            output, _ = caller.communicate(timeout=TIMEOUT_SECONDS)
            self.assertEqual(output.split(), [expected] * 3, output)

if __name__ == '__main__':
    if os.geteuid() != 0 or shutil.which('systemd-sysusers') is None:
        print('needs root and systemd-sysusers: skipped')
        sys.exit(77)
    unittest.main(verbosity=2)
