#!/usr/bin/python3
# Helpers for bench/portforward.
#   latency PORT N         median/p90 microseconds to connect, echo 1 byte, close
#   hold PORT N PIDS...    open N echoing connections, print each PID's RSS
#                          (KiB) before and with them open, then close them
import socket
import statistics
import sys
import time


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def echo_once(port):
    t0 = time.perf_counter()
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.sendall(b"x")
    if s.recv(1) != b"x":
        raise SystemExit("echo mismatch")
    t1 = time.perf_counter()
    s.close()
    return (t1 - t0) * 1e6


def latency(port, n):
    for _ in range(20):  # warm-up
        echo_once(port)
    samples = sorted(echo_once(port) for _ in range(n))
    print(f"{statistics.median(samples):.0f} {samples[int(len(samples) * 0.9)]:.0f}")


def hold(port, n, pids):
    before = [rss_kib(p) for p in pids]
    conns = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port))
        conns.append(s)
    # every relay is up once every connection echoed a byte
    for s in conns:
        s.sendall(b"y")
    for s in conns:
        if s.recv(1) != b"y":
            raise SystemExit("echo mismatch")
    time.sleep(0.5)
    during = [rss_kib(p) for p in pids]
    for s in conns:
        s.close()
    print(" ".join(f"{b} {d}" for b, d in zip(before, during)))


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "latency":
        latency(int(sys.argv[2]), int(sys.argv[3]))
    elif cmd == "hold":
        hold(int(sys.argv[2]), int(sys.argv[3]), [int(p) for p in sys.argv[4:]])
    else:
        raise SystemExit(f"unknown command {cmd}")
