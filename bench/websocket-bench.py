#!/usr/bin/python3
# Copyright the jumpstarter-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The measuring half of bench/websocket: one figure per call, on stdout.
#
#   websocket-bench.py direct-down URL          seconds to receive all of /source/N
#   websocket-bench.py direct-up URL BYTES      seconds to send BYTES to /collect
#   websocket-bench.py host-down HOST DRIVER    the same through Connect()
#   websocket-bench.py host-up HOST DRIVER BYTES
#   websocket-bench.py direct-rtt URL COUNT     median µs: connect, echo 1 byte, close
#   websocket-bench.py host-rtt HOST DRIVER COUNT

import asyncio
import os
import socket
import statistics
import sys
import time

CHUNK = 1024 * 1024


def direct_down(url):
    import websockets

    async def run():
        start = time.perf_counter()
        total = 0
        async with websockets.connect(url, max_size=None, compression=None,
                                      ping_interval=None) as ws:
            async for message in ws:
                total += len(message)
        return time.perf_counter() - start, total
    return asyncio.run(run())


def direct_up(url, size):
    import websockets
    block = os.urandom(CHUNK)

    async def run():
        start = time.perf_counter()
        async with websockets.connect(url, max_size=None, compression=None,
                                      ping_interval=None) as ws:
            left = size
            while left > 0:
                n = min(left, CHUNK)
                await ws.send(block[:n])
                left -= n
        # leaving the block waits for the server's close: it has it all
        return time.perf_counter() - start, size
    return asyncio.run(run())


def host_socket(client, driver):
    network = client.get_driver(driver).get_network()
    gsock = network.connect_socket_sync(None)
    sock = socket.socket(fileno=os.dup(gsock.get_fd()))
    sock.setblocking(True)  # GSocket made the shared description non-blocking
    return sock, gsock


def client_for(address):
    import gi
    gi.require_version('Jumpstarter', '1.0')
    from gi.repository import Jumpstarter
    return Jumpstarter.Client.new_for_address_sync(address, None)


def host_down(address, driver):
    client = client_for(address)
    start = time.perf_counter()
    sock, gsock = host_socket(client, driver)
    gsock.close()
    buf = bytearray(CHUNK)
    total = 0
    while True:
        n = sock.recv_into(buf)
        if n == 0:
            break
        total += n
    sock.close()
    return time.perf_counter() - start, total


def host_up(address, driver, size):
    client = client_for(address)
    block = os.urandom(CHUNK)
    start = time.perf_counter()
    sock, gsock = host_socket(client, driver)
    gsock.close()
    left = size
    while left > 0:
        n = min(left, CHUNK)
        sock.sendall(block[:n])
        left -= n
    sock.shutdown(socket.SHUT_WR)
    answer = b''
    while True:
        data = sock.recv(4096)
        if not data:
            break
        answer += data
    sock.close()
    assert answer.startswith(b'%d bytes' % size), answer
    return time.perf_counter() - start, size


def direct_rtt(url, count):
    import websockets

    async def run():
        times = []
        for _ in range(count):
            start = time.perf_counter()
            async with websockets.connect(url, compression=None, ping_interval=None) as ws:
                await ws.send(b'x')
                assert await ws.recv() == b'x'
            times.append(time.perf_counter() - start)
        return times
    return asyncio.run(run())


def host_rtt(address, driver, count):
    client = client_for(address)
    times = []
    for _ in range(count):
        start = time.perf_counter()
        sock, gsock = host_socket(client, driver)
        gsock.close()
        sock.sendall(b'x')
        assert sock.recv(1) == b'x'
        sock.close()
        times.append(time.perf_counter() - start)
    return times


def main():
    what = sys.argv[1]
    args = sys.argv[2:]
    if what == 'direct-down':
        result = direct_down(args[0])
    elif what == 'direct-up':
        result = direct_up(args[0], int(args[1]))
    elif what == 'host-down':
        result = host_down(args[0], args[1])
    elif what == 'host-up':
        result = host_up(args[0], args[1], int(args[2]))
    elif what == 'direct-rtt':
        print('%.0f' % (statistics.median(direct_rtt(args[0], int(args[1]))) * 1e6))
        return
    elif what == 'host-rtt':
        print('%.0f' % (statistics.median(host_rtt(args[0], args[1], int(args[2]))) * 1e6))
        return
    seconds, total = result
    print('%.3f %d' % (seconds, total))


if __name__ == '__main__':
    main()
