#!/usr/bin/python3
# Copyright the jumpstarter-glib authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Loads a `jmp DRIVER stream` page in headless Chromium and waits until the
page has shown MIN_FRAMES frames (its window.jmpFrames) and its image has a
size, i.e. the browser decoded JPEGs from the live stream.

    browser-check.py URL [MIN_FRAMES] [TIMEOUT_SECONDS]

Talks the DevTools protocol over --remote-debugging-pipe (fds 3 and 4,
NUL-terminated JSON): no port, no extra Python package. Prints one JSON
line with what it saw; exits 0 on success, 1 with a reason otherwise.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time


def find_chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


class Pipe:
    def __init__(self, to_browser, from_browser):
        self.out = to_browser
        self.inp = from_browser
        self.buf = b""
        self.next_id = 0

    def send(self, method, params=None, session=None):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.out, json.dumps(message).encode() + b"\0")
        return self.next_id

    def call(self, method, params=None, session=None, deadline=None):
        wanted = self.send(method, params, session)
        while True:
            message = self.receive(deadline)
            if message.get("id") == wanted:
                if "error" in message:
                    raise RuntimeError("%s: %s" % (method, message["error"]))
                return message.get("result", {})

    def receive(self, deadline):
        while b"\0" not in self.buf:
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError("no answer from the browser")
            chunk = os.read(self.inp, 65536)
            if not chunk:
                raise RuntimeError("the browser closed its pipe")
            self.buf += chunk
        raw, self.buf = self.buf.split(b"\0", 1)
        return json.loads(raw)


PROBE = """JSON.stringify({
  frames: window.jmpFrames || 0,
  width: document.getElementById('live') ? document.getElementById('live').naturalWidth : 0,
  height: document.getElementById('live') ? document.getElementById('live').naturalHeight : 0,
  status: document.getElementById('status') ? document.getElementById('status').textContent : '',
  state: document.getElementById('state') ? document.getElementById('state').textContent : ''
})"""


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    url = sys.argv[1]
    min_frames = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    timeout = float(sys.argv[3]) if len(sys.argv) > 3 else 30.0

    chromium = find_chromium()
    if chromium is None:
        print("browser-check: no chromium on PATH (scripts/setup.sh installs it)", file=sys.stderr)
        return 1

    profile = tempfile.mkdtemp(prefix="jmp-browser-")
    to_browser_r, to_browser_w = os.pipe()
    from_browser_r, from_browser_w = os.pipe()

    def child_fds():
        # the pipe's own fds may already be 3 or 4; dup2 onto itself would
        # keep close-on-exec, so move both out of the way first
        reading = os.dup(to_browser_r)
        writing = os.dup(from_browser_w)
        os.dup2(reading, 3)
        os.dup2(writing, 4)

    browser = subprocess.Popen(
        [chromium, "--headless=new", "--no-sandbox", "--disable-gpu",
         "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
         "--disable-extensions", "--disable-background-networking",
         "--user-data-dir=" + profile, "--remote-debugging-pipe", "about:blank"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        preexec_fn=child_fds, close_fds=False)
    os.close(to_browser_r)
    os.close(from_browser_w)
    pipe = Pipe(to_browser_w, from_browser_r)
    seen = {}
    try:
        deadline = time.monotonic() + timeout
        target = pipe.call("Target.createTarget", {"url": url}, deadline=deadline)["targetId"]
        session = pipe.call("Target.attachToTarget", {"targetId": target, "flatten": True},
                            deadline=deadline)["sessionId"]
        while time.monotonic() < deadline:
            result = pipe.call("Runtime.evaluate", {"expression": PROBE, "returnByValue": True},
                               session=session, deadline=deadline)
            value = result.get("result", {}).get("value")
            if value:
                seen = json.loads(value)
                if seen["frames"] >= min_frames and seen["width"] > 0 and seen["height"] > 0:
                    print(json.dumps(seen))
                    return 0
            time.sleep(0.25)
        print("browser-check: the page showed %d frames in %.0f s, wanted %d (seen: %s)"
              % (seen.get("frames", 0), timeout, min_frames, json.dumps(seen)), file=sys.stderr)
        return 1
    except (RuntimeError, TimeoutError, OSError, ValueError, KeyError) as error:
        print("browser-check: %s (seen: %s)" % (error, json.dumps(seen)), file=sys.stderr)
        return 1
    finally:
        try:
            pipe.send("Browser.close")
        except OSError:
            pass
        try:
            browser.wait(timeout=10)
        except subprocess.TimeoutExpired:
            browser.kill()
            browser.wait()
        os.close(to_browser_w)
        os.close(from_browser_r)
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
