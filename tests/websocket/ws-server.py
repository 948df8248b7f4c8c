#!/usr/bin/python3
# Copyright the jumpstarter-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The WebSocket servers the tests talk to, on Debian's python3-websockets.
# Prints "PORT\n" once it listens on 127.0.0.1 (an ephemeral port unless
# --port is given), then serves until killed. Paths:
#
#   /echo             every message back, as the frame type it came in
#   /greet            text "hello ", binary "\0\1world", text "ünï", close 1000
#   /close/CODE       text "bye", then close with CODE and reason "test reason"
#   /headers          one text message: JSON of the request headers and the
#                     chosen subprotocol; then close 1000
#   /collect          takes every message until the client's close, then
#                     answers "N bytes, sha256 HEX\n" before its close frame
#   /source/N         sends N bytes of a repeating pattern in 64 KiB binary
#                     frames, then close 1000
#   /vanish           sends "x", then drops the TCP connection, no close frame
#
# --tls CERT KEY serves wss:// with that certificate.

import argparse
import asyncio
import hashlib
import http
import json
import logging
import ssl
import sys

import websockets
import websockets.legacy.server
from websockets.frames import Opcode

PATTERN = bytes(range(256)) * 256  # 64 KiB


class CollectingProtocol(websockets.legacy.server.WebSocketServerProtocol):
    """For /collect: the answer goes out in front of the close frame,
    which the library sends itself as soon as the client's arrives."""

    collected = None

    async def process_request(self, path, headers):
        # before the 101 goes out: not one frame of the client is missed
        if path == '/collect':
            self.collected = hashlib.sha256()
            self.collected_len = 0
        if path == '/missing':
            return (http.HTTPStatus.NOT_FOUND, [], b'no such thing\n')
        return None

    async def read_frame(self, max_size):
        frame = await super().read_frame(max_size)
        if self.collected is not None and frame.opcode in (
                Opcode.TEXT, Opcode.BINARY, Opcode.CONT):
            self.collected.update(frame.data)
            self.collected_len += len(frame.data)
        return frame

    async def write_close_frame(self, close, data=None):
        if self.collected is not None and self.state is websockets.protocol.State.OPEN:
            answer = '{} bytes, sha256 {}\n'.format(
                self.collected_len, self.collected.hexdigest()).encode()
            self.collected = None
            await self.write_frame(True, Opcode.BINARY, answer)
        await super().write_close_frame(close, data)


async def handler(ws, path):
    if path == '/echo':
        async for message in ws:
            await ws.send(message)
    elif path == '/greet':
        await ws.send('hello ')
        await ws.send(b'\x00\x01world')
        await ws.send('ünï')
        await ws.close(1000)
    elif path.startswith('/close/'):
        await ws.send('bye')
        await ws.close(int(path.split('/')[2]), 'test reason')
    elif path == '/headers':
        await ws.send(json.dumps({
            'headers': {k.lower(): v for k, v in ws.request_headers.raw_items()},
            'subprotocol': ws.subprotocol,
        }))
        await ws.close(1000)
    elif path == '/collect':
        async for _ in ws:
            pass
    elif path.startswith('/source/'):
        left = int(path.split('/')[2])
        while left > 0:
            chunk = PATTERN[:min(left, len(PATTERN))]
            await ws.send(chunk)
            left -= len(chunk)
        await ws.close(1000)
    elif path == '/vanish':
        await ws.send('x')
        await asyncio.sleep(0.1)
        ws.transport.abort()
    else:
        await ws.close(4404, 'no such path')


async def main():
    # the tests break connections on purpose: no tracebacks for those
    logging.getLogger('websockets').setLevel(logging.CRITICAL)
    parser = argparse.ArgumentParser()
    parser.add_argument('--port', type=int, default=0)
    parser.add_argument('--tls', nargs=2, metavar=('CERT', 'KEY'))
    args = parser.parse_args()

    context = None
    if args.tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.tls[0], args.tls[1])

    async with websockets.serve(handler, '127.0.0.1', args.port, ssl=context,
                                create_protocol=CollectingProtocol,
                                subprotocols=['console.v1', 'chat'],
                                max_size=None, max_queue=4,
                                ping_interval=None, compression=None) as server:
        port = server.sockets[0].getsockname()[1]
        print(port, flush=True)
        await asyncio.Future()


if __name__ == '__main__':
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
