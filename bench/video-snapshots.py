#!/usr/bin/python3
# Copyright the jumpstarter-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""N snapshots in a loop, one at a time, two ways written alike:

    video-snapshots.py host ADDRESS DRIVER N   JmpVideoProxy.snapshot_sync()
                                                through a jumpstarter-host
    video-snapshots.py direct SOURCE N         GET /snapshot on ustreamer's
                                                Unix socket (a path) or on
                                                127.0.0.1:PORT, one kept-alive
                                                connection (its best case)
    video-snapshots.py ping ADDRESS N          org.freedesktop.DBus.Peer.Ping
                                                to the host: the floor of any
                                                call through it

Prints "SECONDS BYTES_OF_LAST_SNAPSHOT".
"""

import http.client
import socket
import sys
import time


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost")
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.unix_path)


def host_loop(address, driver, n):
    import gi
    gi.require_version("Jumpstarter", "1.0")
    from gi.repository import Jumpstarter

    client = Jumpstarter.Client.new_for_address_sync(address, None)
    video = client.get_driver(driver).get_video()
    jpeg = video.snapshot_sync(None).get_data()   # warm
    start = time.perf_counter()
    for _ in range(n):
        jpeg = video.snapshot_sync(None).get_data()
    return time.perf_counter() - start, len(jpeg)


def ping_loop(address, n):
    import gi
    gi.require_version("Jumpstarter", "1.0")
    from gi.repository import GLib, Gio, Jumpstarter

    connection = Jumpstarter.Client.new_for_address_sync(address, None).get_connection()

    def ping():
        connection.call_sync(None, "/", "org.freedesktop.DBus.Peer", "Ping", None,
                             GLib.VariantType.new("()"), Gio.DBusCallFlags.NONE, -1, None)

    ping()   # warm
    start = time.perf_counter()
    for _ in range(n):
        ping()
    return time.perf_counter() - start, 0


def direct_loop(source, n):
    if "/" in source:
        connection = UnixHTTPConnection(source)
    else:
        connection = http.client.HTTPConnection("127.0.0.1", int(source))

    def get():
        connection.request("GET", "/snapshot")
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError("ustreamer answered %d" % response.status)
        return body

    jpeg = get()   # warm
    start = time.perf_counter()
    for _ in range(n):
        jpeg = get()
    return time.perf_counter() - start, len(jpeg)


def main():
    if len(sys.argv) >= 5 and sys.argv[1] == "host":
        seconds, size = host_loop(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif len(sys.argv) >= 4 and sys.argv[1] == "ping":
        seconds, size = ping_loop(sys.argv[2], int(sys.argv[3]))
    elif len(sys.argv) >= 4 and sys.argv[1] == "direct":
        seconds, size = direct_loop(sys.argv[2], int(sys.argv[3]))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    print("%.6f %d" % (seconds, size))
    return 0


if __name__ == "__main__":
    sys.exit(main())
