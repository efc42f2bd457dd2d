#!/usr/bin/env python3
"""Hostile clients for the tests/integration/hostile_*.sh scripts.

  hostile_clients.py slowloris --port P --sockets N --seconds S [--source IP,IP,...]
      N sockets (spread over the source addresses) that each send a request
      line and then one header line every half second, never finishing the
      header; a socket the server closes is opened again, so the pressure
      lasts S seconds.
  hostile_clients.py websocket --port P --subscribers N --sources IP,IP,... --seconds S
      N WebSocket subscribers of /v1/events, spread over the source addresses,
      that never send a frame; prints how many the server accepted.
  hostile_clients.py idle --port P --sockets N --seconds S [--source IP]
      N TCP sockets that never send a byte (to a p2p port); closed ones are
      opened again. Both hold commands open at most --reopen-per-second
      (default 100) new connections once all N are open.
  hostile_clients.py post-load --port P --path PATH --body JSON --clients N --seconds S [--source IP]
      N threads that each POST the body again and again for S seconds (for
      slow queries); prints how many answers of each status came back.
  hostile_clients.py probe --port P --path PATH --count N --interval SECONDS
                     [--source IP] [--timeout SECONDS] [--expect STATUS] [--max-ms MS]
      N GET requests from the source address; prints each status and the
      slowest answer, exits 1 unless every answer had the expected status
      (and, with --max-ms, came within MS milliseconds).

Only the standard library; every socket operation has a timeout.
"""
import argparse
import base64
import http.client
import os
import selectors
import socket
import sys
import threading
import time


def connect(port, source, timeout=2.0):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    sock.bind((source, 0))
    sock.connect(("127.0.0.1", port))
    return sock


def closed_by_server(sock):
    """True when the server closed or reset the socket (non-blocking check)."""
    try:
        sock.setblocking(False)
        data = sock.recv(4096)
        return data == b""
    except BlockingIOError:
        return False
    except OSError:
        return True
    finally:
        try:
            sock.setblocking(True)
            sock.settimeout(2.0)
        except OSError:
            pass


def hold(args, first_bytes, trickle):
    """Keeps args.sockets sockets open for args.seconds, reopening closed ones."""
    deadline = time.monotonic() + args.seconds
    sockets = [None] * args.sockets
    opened = reopened = failed = 0
    next_trickle = time.monotonic()
    while time.monotonic() < deadline:
        # At most --reopen-per-second new connections once all are open, so
        # that the attacker does not spend the shared machine's CPU on connects.
        budget = max(1, args.reopen_per_second // 20) if opened >= args.sockets else args.sockets
        for index, sock in enumerate(sockets):
            if sock is not None and not closed_by_server(sock):
                continue
            if budget == 0:
                break
            budget -= 1
            if sock is not None:
                sock.close()
                sockets[index] = None
                reopened += 1
            try:
                sources = args.source.split(",")
                sockets[index] = connect(args.port, sources[index % len(sources)])
                if first_bytes:
                    sockets[index].sendall(first_bytes)
                opened += 1
            except OSError:
                sockets[index] = None
                failed += 1
        if trickle and time.monotonic() >= next_trickle:
            next_trickle = time.monotonic() + 0.5
            for sock in sockets:
                if sock is not None:
                    try:
                        sock.sendall(trickle)
                    except OSError:
                        pass
        time.sleep(0.05)
    print(f"held {args.sockets} sockets for {args.seconds} s: {opened} opened, {reopened} closed by the server "
          f"and opened again, {failed} connects failed", flush=True)
    for sock in sockets:
        if sock is not None:
            sock.close()


def slowloris(args):
    hold(args, b"GET /v1/status HTTP/1.1\r\nHost: attacker\r\n", b"X-Slow: 1\r\n")


def idle(args):
    hold(args, b"", b"")


def websocket(args):
    sources = args.sources.split(",")
    accepted = refused = 0
    held = []
    for index in range(args.subscribers):
        source = sources[index % len(sources)]
        key = base64.b64encode(os.urandom(16)).decode()
        try:
            sock = connect(args.port, source)
            sock.sendall((f"GET /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                          f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")
                         .encode())
            answer = b""
            while b"\r\n\r\n" not in answer:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                answer += chunk
            if answer.startswith(b"HTTP/1.1 101"):
                accepted += 1
                held.append(sock)
            else:
                refused += 1
                sock.close()
        except OSError:
            refused += 1
    print(f"subscribers: {accepted} accepted, {refused} refused", flush=True)
    time.sleep(args.seconds)
    alive = sum(1 for sock in held if not closed_by_server(sock))
    print(f"subscribers still connected after {args.seconds} s: {alive}", flush=True)
    for sock in held:
        sock.close()


def post_load(args):
    deadline = time.monotonic() + args.seconds
    counts = {}
    lock = threading.Lock()

    def worker():
        while time.monotonic() < deadline:
            status = 0
            try:
                connection = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30,
                                                        source_address=(args.source, 0))
                connection.request("POST", args.path, body=args.body.encode(),
                                   headers={"Content-Type": "application/json"})
                response = connection.getresponse()
                response.read()
                status = response.status
                connection.close()
            except (OSError, http.client.HTTPException):
                time.sleep(0.05)
            with lock:
                counts[status] = counts.get(status, 0) + 1

    threads = [threading.Thread(target=worker) for _ in range(args.clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(f"{args.clients} clients posting to {args.path} for {args.seconds} s: answers by status {counts}", flush=True)


def probe(args):
    statuses = []
    slowest = 0.0
    for _ in range(args.count):
        started = time.monotonic()
        status = 0
        try:
            connection = http.client.HTTPConnection("127.0.0.1", args.port, timeout=args.timeout,
                                                    source_address=(args.source, 0))
            connection.request("GET", args.path)
            status = connection.getresponse().status
            connection.close()
        except (OSError, http.client.HTTPException):
            status = 0
        elapsed = time.monotonic() - started
        slowest = max(slowest, elapsed)
        statuses.append(status)
        time.sleep(args.interval)
    good = sum(1 for status in statuses if status == args.expect)
    print(f"probes of {args.path} from {args.source}: {good}/{len(statuses)} answered {args.expect}, "
          f"slowest {slowest * 1000:.0f} ms; statuses {statuses}", flush=True)
    too_slow = args.max_ms > 0 and slowest * 1000 > args.max_ms
    if too_slow:
        print(f"the slowest answer took more than {args.max_ms} ms", flush=True)
    sys.exit(0 if good == len(statuses) and not too_slow else 1)


def main():
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("slowloris", "idle"):
        command = commands.add_parser(name)
        command.add_argument("--port", type=int, required=True)
        command.add_argument("--sockets", type=int, required=True)
        command.add_argument("--seconds", type=float, required=True)
        command.add_argument("--source", default="127.0.0.1")
        command.add_argument("--reopen-per-second", type=int, default=100)
    command = commands.add_parser("websocket")
    command.add_argument("--port", type=int, required=True)
    command.add_argument("--subscribers", type=int, required=True)
    command.add_argument("--sources", default="127.0.0.1")
    command.add_argument("--seconds", type=float, required=True)
    command = commands.add_parser("post-load")
    command.add_argument("--port", type=int, required=True)
    command.add_argument("--path", required=True)
    command.add_argument("--body", required=True)
    command.add_argument("--clients", type=int, required=True)
    command.add_argument("--seconds", type=float, required=True)
    command.add_argument("--source", default="127.0.0.1")
    command = commands.add_parser("probe")
    command.add_argument("--port", type=int, required=True)
    command.add_argument("--path", required=True)
    command.add_argument("--count", type=int, required=True)
    command.add_argument("--interval", type=float, default=0.1)
    command.add_argument("--source", default="127.0.0.2")
    command.add_argument("--timeout", type=float, default=2.0)
    command.add_argument("--expect", type=int, default=200)
    command.add_argument("--max-ms", type=float, default=0)
    args = parser.parse_args()
    commands_by_name = {"slowloris": slowloris, "idle": idle, "websocket": websocket, "post-load": post_load,
                        "probe": probe}
    commands_by_name[args.command](args)


if __name__ == "__main__":
    main()
