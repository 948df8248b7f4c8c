#!/usr/bin/python3
# Scale of the host: drivers × clients. For each build and each number of
# drivers, in one run:
#   start-up   spawn to the address printed (the tree is up), median
#   jmp list   wall time of `jmp list`, median
#   memory     host VmRSS idle (after CLIENTS came and went) and with
#              CLIENTS idle peer-to-peer clients (each asked
#              GetManagedObjects, as JmpClient does)
#   burst      BURST concurrent `jmp echo connect`: how many echoed, wall time
#   reload     with PEERS peers connected, Reload() to a config without 5% of
#              the drivers (50 of 1,000) and back: the call's time, the main loop's share as the
#              host reports it (a debug message; "-" for a build without it),
#              and the longest wait of a probe that reads a property on the
#              host's main thread meanwhile
#
#   bench/scale.py [--drivers 2,100,1000] [--clients 50] [--peers 100]
#                  [--burst 200] [--rounds 3] BUILD [BASE_BUILD]
#
# BUILD is a meson build directory; with BASE_BUILD, every figure is also
# taken from it in the same run, alternating.
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import gi

gi.require_version("Gio", "2.0")
from gi.repository import Gio, GLib  # noqa: E402


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def write_config(path, n_drivers):
    with open(path, "w") as f:
        f.write("metadata: {name: scale}\nexport:\n")
        f.write("  echo: {type: EchoNetwork}\n")
        for i in range(1, n_drivers):
            f.write(f"  d{i}: {{type: EchoNetwork, description: driver {i}}}\n")


class Host:
    def __init__(self, build, work, config):
        self.build = build
        self.sock = os.path.join(work, "host.sock")
        env = dict(os.environ, JUMPSTARTER_PLUGIN_PATH=os.path.join(build, "plugins", "network"))
        self.env = dict(env)
        self.log = os.path.join(work, "host.log")
        t0 = time.perf_counter()
        # GLib writes debug messages to stdout, where the address goes too
        with open(self.log, "w") as log:
            self.proc = subprocess.Popen(
                [os.path.join(build, "host", "daemon", "jumpstarter-host"), "--config", config,
                 "--listen", "unix:path=" + self.sock, "--print-address"],
                stdout=log, stderr=subprocess.STDOUT,
                env=dict(env, G_MESSAGES_DEBUG="jumpstarter-host"))
        self.address = ""
        while not self.address and self.proc.poll() is None:
            with open(self.log) as log:
                lines = [line for line in log if line.startswith("unix:path=")]
            if lines:
                self.address = lines[0].strip()
            else:
                time.sleep(0.0005)
        self.startup = time.perf_counter() - t0
        if not self.address:
            raise SystemExit("the host did not start")
        self.env["JUMPSTARTER_HOST"] = self.address

    def jmp(self, *args, **kw):
        return subprocess.run([os.path.join(self.build, "host", "cli", "jmp"), *args],
                              env=self.env, capture_output=True, **kw)

    def connect(self):
        conn = Gio.DBusConnection.new_for_address_sync(
            self.address, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT, None, None)
        conn.call_sync(None, "/dev/jumpstarter/Host1", "org.freedesktop.DBus.ObjectManager",
                       "GetManagedObjects", None, None, Gio.DBusCallFlags.NONE, -1, None)
        return conn

    def reload_main_loop_ms(self):
        """The main loop's share of each reload so far, as the host logs it."""
        with open(self.log) as f:
            return [float(m.group(1)) for m in
                    re.finditer(r"reload: the new tree took ([0-9.]+) ms", f.read())]

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def time_list(host, rounds):
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        r = host.jmp("list")
        times.append(time.perf_counter() - t0)
        if r.returncode != 0:
            raise SystemExit("jmp list failed: " + r.stderr.decode())
    return statistics.median(times)


def burst(host, n):
    jmp = os.path.join(host.build, "host", "cli", "jmp")
    t0 = time.perf_counter()
    procs = [subprocess.Popen([jmp, "echo", "connect"], env=host.env, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for _ in range(n)]
    ok = 0
    errors = {}
    for p in procs:
        out, err = p.communicate(b"x")
        if p.returncode == 0 and out == b"x":
            ok += 1
        else:
            line = err.decode().strip().splitlines()[-1] if err else f"status {p.returncode}"
            errors[line] = errors.get(line, 0) + 1
    return ok, time.perf_counter() - t0, errors


def reload_time(host, n_drivers, n_peers):
    peers = [host.connect() for _ in range(n_peers)]
    stop = threading.Event()
    worst = [0.0]

    def probe():
        conn = host.connect()
        while not stop.is_set():
            t0 = time.perf_counter()
            conn.call_sync(None, "/dev/jumpstarter/Host1", "org.freedesktop.DBus.Properties",
                           "Get", GLib.Variant("(ss)", ("dev.jumpstarter.Host1", "Version")),
                           None, Gio.DBusCallFlags.NONE, -1, None)
            worst[0] = max(worst[0], time.perf_counter() - t0)
            time.sleep(0.001)
        conn.close_sync(None)

    calls = []
    prober = threading.Thread(target=probe)
    prober.start()
    time.sleep(0.05)
    for size in (max(2, n_drivers - n_drivers // 20), n_drivers):
        write_config(host.config, size)
        t0 = time.perf_counter()
        peers[0].call_sync(None, "/dev/jumpstarter/Host1", "dev.jumpstarter.Host1", "Reload",
                           None, None, Gio.DBusCallFlags.NONE, 600000, None)
        calls.append(time.perf_counter() - t0)
    time.sleep(0.05)
    stop.set()
    prober.join()
    for p in peers:
        p.close_sync(None)
    main_loop = host.reload_main_loop_ms()
    return max(calls), worst[0], max(main_loop) if main_loop else None


def measure(build, n_drivers, args, work):
    config = os.path.join(work, "scale.yaml")
    write_config(config, n_drivers)
    res = {}
    startups = []
    for _ in range(args.rounds):
        h = Host(build, work, config)
        startups.append(h.startup)
        h.stop()
    res["startup"] = statistics.median(startups)

    h = Host(build, work, config)
    h.config = config
    try:
        res["list"] = time_list(h, args.rounds)
        # as many clients come and go first, so that the heap their
        # GetManagedObjects() replies grow is not counted as what each
        # keeps (jmp list, run above, no longer asks for it)
        for c in [h.connect() for _ in range(args.clients)]:
            c.close_sync(None)
        time.sleep(0.2)
        idle = rss_kib(h.proc.pid)
        clients = [h.connect() for _ in range(args.clients)]
        time.sleep(0.2)
        res["rss_idle"] = idle
        res["rss_clients"] = rss_kib(h.proc.pid)
        for c in clients:
            c.close_sync(None)
        res["burst"] = burst(h, args.burst)
        res["reload"] = reload_time(h, n_drivers, args.peers)
    finally:
        h.stop()
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--drivers", default="2,100,1000")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--peers", type=int, default=100)
    ap.add_argument("--burst", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("builds", nargs="+")
    args = ap.parse_args()
    sizes = [int(x) for x in args.drivers.split(",")]

    results = {}
    for n in sizes:
        for build in args.builds:
            with tempfile.TemporaryDirectory() as work:
                results[(build, n)] = measure(os.path.abspath(build), n, args, work)

    for build in args.builds:
        print(f"\n{build}")
        base = results[(build, sizes[0])]
        print(f"  {'drivers':>7} {'start-up':>9} {'jmp list':>16} "
              f"{'RSS idle':>9} {'per client':>11} {'burst ok':>9} {'burst':>7} "
              f"{'reload':>8} {'main loop':>9} {'probe max':>9}")
        for n in sizes:
            r = results[(build, n)]
            per_client = (r["rss_clients"] - r["rss_idle"]) / args.clients
            ok, wall, errors = r["burst"]
            main_loop = "-" if r["reload"][2] is None else f"{r['reload'][2]:.0f}ms"
            print(f"  {n:>7} {r['startup'] * 1e3:>7.0f}ms {r['list'] * 1e3:>7.0f}ms "
                  f"({r['list'] / base['list']:4.1f}x) {r['rss_idle'] / 1024:>7.1f}Mi "
                  f"{per_client:>8.0f}KiB {ok:>5}/{args.burst} {wall:>6.1f}s "
                  f"{r['reload'][0] * 1e3:>6.0f}ms {main_loop:>9} "
                  f"{r['reload'][1] * 1e3:>7.0f}ms")
            for line, count in errors.items():
                print(f"          {count} × {line}")
    print(f"\n(per client: ({args.clients} idle clients' RSS - idle RSS) / {args.clients}; "
          f"burst: {args.burst} concurrent `jmp echo connect`; reload: 5% of the drivers "
          f"removed and back with {args.peers} peers: the slower call, its main-loop share, "
          f"and the longest property read meanwhile; jmp list ratio against {sizes[0]} "
          f"drivers)")


if __name__ == "__main__":
    sys.exit(main())
