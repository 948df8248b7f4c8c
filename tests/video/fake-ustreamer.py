#!/usr/bin/python3
# Copyright the jumpstarter-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A stand-in for ustreamer that serves whatever /state the test wants.

Takes ustreamer's --unix PATH (and ignores its other options), and serves
on it GET /state with the bytes of --state-file, read again on every
request, so that a test can hand the driver broken JSON; GET /snapshot
serves --snapshot-file, or with --snapshot-reply-file the bytes of that
file as the whole reply (status line and headers included), then closes
the connection. --close-after-reply closes every connection after its
reply without saying so, as ustreamer does with idle ones. --start-delay S
waits S seconds before it serves, as a slow camera would keep ustreamer.
--ignore-sigterm MARK carries on after SIGTERM, as a ustreamer stuck in a
V4L2 ioctl does, and creates the file MARK when it comes; it still ends
when its parent does (--exit-on-parent-death), so a failed test leaves
nothing behind.
"""

import argparse
import http.server
import os
import signal
import socketserver
import sys
import threading
import time


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def address_string(self):
        return "unix"

    def do_GET(self):
        if self.path == "/snapshot" and self.server.snapshot_reply_file is not None:
            with open(self.server.snapshot_reply_file, "rb") as f:
                self.wfile.write(f.read())
            self.wfile.flush()
            self.close_connection = True
            return
        files = {"/state": (self.server.state_file, "application/json"),
                 "/snapshot": (self.server.snapshot_file, "image/jpeg")}
        if self.path not in files or files[self.path][0] is None:
            self.send_error(404)
            return
        path, content_type = files[self.path]
        with open(path, "rb") as f:
            body = f.read()
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        if self.server.close_after_reply:
            self.close_connection = True


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--unix", required=True)
    parser.add_argument("--state-file")
    parser.add_argument("--snapshot-file")
    parser.add_argument("--snapshot-reply-file")
    parser.add_argument("--close-after-reply", action="store_true")
    parser.add_argument("--start-delay", type=float, default=0.0)
    parser.add_argument("--ignore-sigterm", metavar="MARK")
    args, _ = parser.parse_known_args()
    if args.ignore_sigterm is not None:
        def ignore(signum, frame):
            with open(args.ignore_sigterm, "w"):
                pass
        signal.signal(signal.SIGTERM, ignore)
        parent = os.getppid()

        def watch_parent():
            while os.getppid() == parent:
                time.sleep(0.2)
            os._exit(1)
        threading.Thread(target=watch_parent, daemon=True).start()
    print("fake ustreamer starting", file=sys.stderr, flush=True)
    time.sleep(args.start_delay)
    if os.path.exists(args.unix):
        os.unlink(args.unix)
    server = Server(args.unix, Handler)
    server.state_file = args.state_file
    server.snapshot_file = args.snapshot_file
    server.snapshot_reply_file = args.snapshot_reply_file
    server.close_after_reply = args.close_after_reply
    print("fake ustreamer on " + args.unix, file=sys.stderr, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
