#!/usr/bin/python3
# Copyright the jumpstarter-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""An MJPEG camera for tests and benches, standard library only.

  /stream    multipart/x-mixed-replace; boundary=frame, one JPEG per part
  /snapshot  the current frame as image/jpeg
  /empty, /cut, /text-first, /bad-length
             short multipart streams that go wrong (see ODD_STREAMS)

Frames are real baseline JPEGs (grey, a bright bar that moves one step per
frame) of --width x --height, padded with COM segments to --frame-size
bytes. Each frame carries "frame NNNNNNNNNN" in a COM segment, so a client
can tell frames apart and count what it missed.

One ticker thread makes --fps frames a second; every client sends the
newest frame it has not sent yet, so a slow client skips frames and never
holds the others back. A frame is built once, whatever the number of
clients.

With --chunked, responses use Transfer-Encoding: chunked and every part is
split over two chunks at an odd offset; without it, /stream has no length
and ends with the connection.

--port 0 picks a free port; the port is printed as the only line on stdout.
"""

import argparse
import http.server
import socket
import sys
import threading
import time

BOUNDARY = b"frame"
COUNTER_TAG = b"frame "
COUNTER_DIGITS = 10


# --------------------------------------------------------------------------
# A tiny baseline JPEG encoder: 8-bit greyscale, quantisation all ones, and
# every 8x8 block flat (DC only, AC is a bare end-of-block), which is all a
# moving bar needs. Any decoder shows it.

# the DC luminance table of ITU T.81 Annex K
DC_BITS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]
DC_VALS = list(range(12))


def huffman_codes(bits, vals):
    codes = {}
    code = 0
    k = 0
    for length in range(1, 17):
        for _ in range(bits[length - 1]):
            codes[vals[k]] = (code, length)
            code += 1
            k += 1
        code <<= 1
    return codes


DC_CODES = huffman_codes(DC_BITS, DC_VALS)


class BitWriter:
    def __init__(self):
        self.out = bytearray()
        self.acc = 0
        self.n = 0

    def write(self, value, length):
        self.acc = (self.acc << length) | value
        self.n += length
        while self.n >= 8:
            self.n -= 8
            byte = (self.acc >> self.n) & 0xFF
            self.out.append(byte)
            if byte == 0xFF:
                self.out.append(0)  # byte stuffing
        self.acc &= (1 << self.n) - 1

    def flush(self):
        if self.n:
            self.write((1 << (8 - self.n)) - 1, 8 - self.n)
        return bytes(self.out)


def segment(marker, payload):
    return bytes([0xFF, marker]) + (len(payload) + 2).to_bytes(2, "big") + payload


def encode_jpeg(width, height, block_level):
    """block_level(bx, by) -> grey level 0..255 of the 8x8 block."""
    bw = (width + 7) // 8
    bh = (height + 7) // 8
    bits = BitWriter()
    previous = 0
    for by in range(bh):
        for bx in range(bw):
            dc = (block_level(bx, by) - 128) * 8  # F(0,0) of a flat block
            diff = dc - previous
            previous = dc
            size = abs(diff).bit_length()
            code, length = DC_CODES[size]
            bits.write(code, length)
            if size:
                bits.write(diff if diff > 0 else diff + (1 << size) - 1, size)
            bits.write(0, 1)  # AC: end of block, the only AC symbol
    dqt = bytes([0]) + bytes([1] * 64)
    sof = bytes([8]) + height.to_bytes(2, "big") + width.to_bytes(2, "big") + bytes([1, 1, 0x11, 0])
    dht_dc = bytes([0x00]) + bytes(DC_BITS) + bytes(DC_VALS)
    dht_ac = bytes([0x10]) + bytes([1] + [0] * 15) + bytes([0x00])
    sos = bytes([1, 1, 0x00, 0, 63, 0])
    return (b"\xff\xd8" + segment(0xDB, dqt) + segment(0xC0, sof) + segment(0xC4, dht_dc)
            + segment(0xC4, dht_ac) + segment(0xDA, sos) + bits.flush() + b"\xff\xd9")


def build_frames(width, height, frame_size):
    """One template per bar position; each has its counter COM first and
    padding up to @frame_size. Returns (templates, counter offset)."""
    bw = (width + 7) // 8
    steps = max(1, min(bw, 30))
    templates = []
    for step in range(steps):
        bar = step * bw // steps
        jpeg = encode_jpeg(width, height,
                           lambda bx, by: 235 if bx // 2 == bar // 2 else 40 + (by * 4) % 80)
        counter = segment(0xFE, COUNTER_TAG + b"0" * COUNTER_DIGITS)
        body = jpeg[2:]
        padding = bytearray()
        missing = frame_size - (2 + len(counter) + len(body))
        while missing > 4:
            n = min(missing - 4, 65533)
            padding += segment(0xFE, b"\x00" * n)
            missing -= n + 4
        templates.append(bytearray(b"\xff\xd8" + counter + bytes(padding) + body))
    return templates, 2 + 4 + len(COUNTER_TAG)


def part(data, content_type=b"image/jpeg"):
    return (b"--" + BOUNDARY + b"\r\nContent-Type: " + content_type
            + b"\r\nContent-Length: %d\r\n\r\n" % len(data) + data + b"\r\n")


# for a client's error paths: the body of each, from the current frame
ODD_STREAMS = {
    "/empty": lambda frame: b"",                                  # no part at all
    "/cut": lambda frame: part(frame)[:len(frame) // 2],          # ends inside the first frame
    "/text-first": lambda frame: (part(b"NO SIGNAL", b"text/plain") + part(frame)
                                  + b"--" + BOUNDARY + b"--\r\n"),
    "/bad-length": lambda frame: b"--" + BOUNDARY + b"\r\nContent-Length: -1\r\n\r\n",
}


class Camera:
    def __init__(self, args):
        self.templates, self.counter_at = build_frames(args.width, args.height, args.frame_size)
        self.fps = args.fps
        self.cond = threading.Condition()
        self.seq = 0
        self.frame = self.make(0)
        threading.Thread(target=self.tick, daemon=True).start()

    def make(self, seq):
        frame = self.templates[seq % len(self.templates)]
        frame[self.counter_at:self.counter_at + COUNTER_DIGITS] = b"%010d" % seq
        return bytes(frame)

    def tick(self):
        period = 1.0 / self.fps
        deadline = time.monotonic()
        while True:
            deadline += period
            delay = deadline - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            else:
                deadline = time.monotonic()  # behind: do not burst to catch up
            frame = self.make(self.seq + 1)
            with self.cond:
                self.seq += 1
                self.frame = frame
                self.cond.notify_all()

    def current(self):
        with self.cond:
            return self.seq, self.frame

    def next_after(self, seq):
        with self.cond:
            self.cond.wait_for(lambda: self.seq != seq, timeout=10)
            return self.seq, self.frame


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "mjpeg-server"

    def log_message(self, fmt, *args):
        pass

    def send_body(self, data, split=False):
        sock = self.connection
        if not self.server.chunked:
            sock.sendall(data)
            return
        pieces = [data[:len(data) // 2 | 1], data[len(data) // 2 | 1:]] if split else [data]
        for piece in pieces:
            if piece:
                sock.sendall(b"%x\r\n" % len(piece) + piece + b"\r\n")

    def start(self, content_type, length=None):
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Cache-Control", "no-store")
        if self.server.chunked:
            self.send_header("Transfer-Encoding", "chunked")
        elif length is not None:
            self.send_header("Content-Length", str(length))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        camera = self.server.camera
        try:
            if path == "/snapshot":
                _, frame = camera.current()
                self.start("image/jpeg", len(frame))
                self.send_body(frame)
                if self.server.chunked:
                    self.connection.sendall(b"0\r\n\r\n")
            elif path == "/stream":
                self.start("multipart/x-mixed-replace;boundary=" + BOUNDARY.decode())
                seq, frame = camera.current()
                while True:
                    head = (b"--" + BOUNDARY + b"\r\nContent-Type: image/jpeg\r\n"
                            b"Content-Length: %d\r\n\r\n" % len(frame))
                    self.send_body(head + frame + b"\r\n", split=True)
                    seq, frame = camera.next_after(seq)
            elif path in ODD_STREAMS:
                self.start("multipart/x-mixed-replace;boundary=" + BOUNDARY.decode())
                _, frame = camera.current()
                self.send_body(ODD_STREAMS[path](frame), split=True)
                if self.server.chunked:
                    self.connection.sendall(b"0\r\n\r\n")
            else:
                self.send_error(404)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--fps", type=float, default=10)
    parser.add_argument("--frame-size", type=int, default=0,
                        help="pad every frame to this many bytes")
    parser.add_argument("--width", type=int, default=320)
    parser.add_argument("--height", type=int, default=240)
    parser.add_argument("--chunked", action="store_true")
    args = parser.parse_args()
    if args.fps <= 0 or not (8 <= args.width <= 4096) or not (8 <= args.height <= 4096):
        parser.error("--fps must be positive, --width and --height in 8..4096")

    server = Server((args.host, args.port), Handler)
    server.camera = Camera(args)
    server.chunked = args.chunked
    print(server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
