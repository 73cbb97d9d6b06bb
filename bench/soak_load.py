#!/usr/bin/env python3
"""The soak's load and its sampler (started by bench/soak.sh; Python 3 standard library only).

For `--seconds`, against every node given with `--node HOST:PORT:PID`:

- publishers send `--rate` events per second in all (1 kB each, to 4 scopes), half to each node;
- steady readers (2 per node) stay subscribed to every scope and read everything, reconnecting
  with Last-Event-ID if they are ever cut off: delivery must keep working for the whole run;
- `--churn` workers open and end streams without pause, each time one of these (weights in CHURN):
  normal close (FIN) after reading a while; reset (RST, SO_LINGER 0) after the response head;
  reset right after sending the request, before the head (the "ghost connection" case); a slow
  reader that stops reading for 5-15 s, then resets or closes; a reconnect with the Last-Event-ID
  of an event 5-30 s old that reads its replay; a reconnect with the oldest id still in the
  history (or, sometimes, one already trimmed) that never reads its replay (the "replay
  amplification" case);
- every `--interval` seconds each node's RSS (/proc/PID/status VmRSS), open file descriptors
  (/proc/PID/fd) and Hub connections (`GET /healthz` -> connections) go to the CSV, one row per
  node (and one for redis-server, for information).

Everything stops by itself at the deadline. Exits 2 if a node died or stopped answering
/healthz, 0 otherwise; the trend verdict is bench/soak_check.py's.
"""

import argparse
import collections
import csv
import http.client
import json
import os
import random
import socket
import struct
import sys
import threading
import time

SCOPES = ["soak:0", "soak:1", "soak:2", "soak:3"]
PAYLOAD = "x" * 1000
CHURN = [  # (behaviour, weight)
    ("normal", 30),
    ("reset-after-head", 15),
    ("reset-before-head", 15),
    ("slow-reader", 15),
    ("replay-recent", 15),
    ("replay-old-stalled", 10),
]


class Node:
    def __init__(self, spec):
        host, port, pid = spec.rsplit(":", 2)
        self.host, self.port, self.pid = host, int(port), int(pid)
        self.name = f"{host}:{port}"


class Run:
    def __init__(self, args):
        self.args = args
        self.nodes = [Node(spec) for spec in args.node]
        self.start = time.monotonic()
        self.deadline = self.start + args.seconds
        self.lock = threading.Lock()
        self.published = 0
        self.publish_errors = 0
        self.first_id = None
        self.recent_ids = collections.deque(maxlen=4096)  # (monotonic time, id)
        self.churn_counts = collections.Counter()
        self.churn_errors = collections.Counter()
        self.steady_events = collections.Counter()  # per node name
        self.fatal = None

    def running(self):
        return self.fatal is None and time.monotonic() < self.deadline

    def elapsed(self):
        return time.monotonic() - self.start

    def id_about(self, seconds_ago):
        """An id published about `seconds_ago` seconds ago, or None."""
        target = time.monotonic() - seconds_ago
        with self.lock:
            for when, event_id in self.recent_ids:
                if when >= target:
                    return event_id
        return None


# ------------------------------------------------------------------------------- HTTP helpers

def open_stream(node, scopes, last_event_id=None, presence=False, receive_buffer=None):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if receive_buffer:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.settimeout(5)
    sock.connect((node.host, node.port))
    query = "&".join(f"scope={scope}" for scope in scopes) + ("&presence=1" if presence else "")
    head = f"GET /events?{query} HTTP/1.1\r\nHost: {node.name}\r\nAccept: text/event-stream\r\n"
    if last_event_id:
        head += f"Last-Event-ID: {last_event_id}\r\n"
    sock.sendall((head + "\r\n").encode())
    return sock


def reset(sock):
    """Abortive close: SO_LINGER 0 makes close() send RST and drop anything unsent or unread."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    sock.close()


def close(sock):
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


def read_for(sock, seconds, run):
    """Waits up to 5 s for the response head, then reads for `seconds` (never past the deadline).
    Returns the status code ("200", "503", …, or "no-head")."""
    head = b""
    end = min(time.monotonic() + 5, run.deadline)
    while b"\r\n" not in head and time.monotonic() < end:
        sock.settimeout(max(0.05, end - time.monotonic()))
        try:
            data = sock.recv(65536)
        except socket.timeout:
            break
        if not data:
            break
        head += data
    if b"\r\n" not in head:
        # Cut by the end of the run is not the node's doing.
        return "no-head" if time.monotonic() < run.deadline - 0.1 else "-"
    status = head.split(b" ", 2)[1].decode(errors="replace") if head.count(b" ") >= 2 else "bad-head"
    end = min(time.monotonic() + seconds, run.deadline)
    while time.monotonic() < end:
        sock.settimeout(max(0.05, min(1.0, end - time.monotonic())))
        try:
            data = sock.recv(65536)
        except socket.timeout:
            continue
        if not data:
            break
    return status


def health(node, timeout=3):
    connection = http.client.HTTPConnection(node.host, node.port, timeout=timeout)
    try:
        connection.request("GET", "/healthz")
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            return None
        return json.loads(body)["connections"]
    except (OSError, ValueError, KeyError, http.client.HTTPException):
        return None
    finally:
        connection.close()


# ------------------------------------------------------------------------------- the load

def publisher(run, node, share):
    """Publishes `share` of the rate to `node`, one event per request on a kept-alive connection."""
    connections = {}
    interval = len(run.nodes) / run.args.rate
    next_at = time.monotonic()
    index = share
    while run.running():
        index += len(run.nodes)
        body = json.dumps({"scope": SCOPES[index % len(SCOPES)], "event": "tick", "data": PAYLOAD})
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {run.args.key}"}
        try:
            connection = connections.get(node.name)
            if connection is None:
                connection = connections[node.name] = http.client.HTTPConnection(node.host, node.port, timeout=5)
            connection.request("POST", "/publish", body=body, headers=headers)
            response = connection.getresponse()
            answer = response.read()
            if response.status == 202:
                event_id = json.loads(answer)["ids"][0]
                with run.lock:
                    run.published += 1
                    run.first_id = run.first_id or event_id
                    run.recent_ids.append((time.monotonic(), event_id))
            else:
                with run.lock:
                    run.publish_errors += 1
        except (OSError, ValueError, http.client.HTTPException):
            with run.lock:
                run.publish_errors += 1
            connections.pop(node.name, None)
        next_at += interval
        delay = next_at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        elif delay < -1:
            next_at = time.monotonic()  # fell behind: do not burst to catch up


def steady_reader(run, node):
    """Reads every scope for the whole run; counts the events it gets."""
    last_id = None
    buffer = b""
    while run.running():
        try:
            sock = open_stream(node, SCOPES, last_event_id=last_id)
        except OSError:
            time.sleep(0.5)
            continue
        try:
            while run.running():
                sock.settimeout(1.0)
                try:
                    data = sock.recv(65536)
                except socket.timeout:
                    continue
                if not data:
                    break
                buffer += data
                lines = buffer.split(b"\n")
                buffer = lines.pop()
                for line in lines:
                    if line.startswith(b"id: "):
                        last_id = line[4:].strip().decode()
                        with run.lock:
                            run.steady_events[node.name] += 1
        except OSError:
            pass
        finally:
            close(sock)


def stall(run, low, high):
    time.sleep(max(0, min(random.uniform(low, high), run.deadline - time.monotonic())))


def churn_once(run, node, behaviour):
    """One stream of the given behaviour; returns its status ("200", … or "-" when not read)."""
    scopes = random.sample(SCOPES, random.randint(1, len(SCOPES)))
    status = "-"
    if behaviour == "normal":
        sock = open_stream(node, scopes, presence=random.random() < 0.3)
        status = read_for(sock, random.uniform(0.5, 3), run)
        close(sock)
    elif behaviour == "reset-after-head":
        sock = open_stream(node, scopes)
        status = read_for(sock, random.uniform(0.1, 1), run)
        reset(sock)
    elif behaviour == "reset-before-head":
        sock = open_stream(node, scopes, presence=random.random() < 0.5)
        reset(sock)
    elif behaviour == "slow-reader":
        sock = open_stream(node, scopes, receive_buffer=4096)
        stall(run, 5, 15)
        reset(sock) if random.random() < 0.5 else close(sock)
    elif behaviour == "replay-recent":
        sock = open_stream(node, scopes, last_event_id=run.id_about(random.uniform(5, 30)))
        status = read_for(sock, random.uniform(0.5, 2), run)
        close(sock)
    elif behaviour == "replay-old-stalled":
        # Mostly the oldest events still in the history (bench/soak.sh keeps ~40 s of them), so
        # the replay is as long as it gets; sometimes the first id of the run, long trimmed away
        # (the stream gets a reset event).
        old = run.id_about(run.args.history_seconds) if random.random() < 0.8 else run.first_id
        sock = open_stream(node, scopes, last_event_id=old, receive_buffer=4096)
        stall(run, 5, 10)
        reset(sock)
    else:
        raise ValueError(behaviour)
    return status


def churner(run, seed):
    rng = random.Random(seed)
    mix = [(name, weight) for name, weight in CHURN if name not in run.args.without]
    names = [name for name, _ in mix]
    weights = [weight for _, weight in mix]
    while run.running():
        behaviour = rng.choices(names, weights)[0]
        node = rng.choice(run.nodes)
        try:
            status = churn_once(run, node, behaviour)
        except OSError as error:
            status = type(error).__name__
        with run.lock:
            run.churn_counts[behaviour] += 1
            if status not in ("200", "-"):
                run.churn_errors[f"{behaviour} {status}"] += 1
        time.sleep(rng.uniform(0, 0.2))


# ------------------------------------------------------------------------------- the sampler

def rss_kb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def sampler(run, writer, output):
    unanswered = collections.Counter()
    next_at = time.monotonic()
    while time.monotonic() < run.deadline and run.fatal is None:
        elapsed = round(run.elapsed(), 1)
        for node in run.nodes:
            try:
                rss, fds = rss_kb(node.pid), len(os.listdir(f"/proc/{node.pid}/fd"))
            except OSError:
                run.fatal = f"node {node.name} (pid {node.pid}) died at {elapsed}s"
                return
            connections = health(node)
            unanswered[node.name] = 0 if connections is not None else unanswered[node.name] + 1
            if unanswered[node.name] >= 3:
                run.fatal = f"node {node.name} did not answer /healthz 3 times in a row (at {elapsed}s)"
            writer.writerow([elapsed, node.name, rss, fds, connections if connections is not None else "", run.published])
        if run.args.redis_pid:
            try:
                writer.writerow([elapsed, "redis", rss_kb(run.args.redis_pid),
                                 len(os.listdir(f"/proc/{run.args.redis_pid}/fd")), "", run.published])
            except OSError:
                run.fatal = f"redis-server died at {elapsed}s"
        output.flush()
        next_at += run.args.interval
        time.sleep(max(0, next_at - time.monotonic()))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--node", action="append", required=True, help="HOST:PORT:PID of a node (repeat)")
    parser.add_argument("--redis-pid", type=int, default=0)
    parser.add_argument("--key", required=True, help="the nodes' publisher key")
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--rate", type=float, default=50, help="events published per second")
    parser.add_argument("--churn", type=int, default=24, help="concurrent churning clients")
    parser.add_argument("--interval", type=float, default=5, help="seconds between samples")
    parser.add_argument("--history-seconds", type=float, default=35,
                        help="age of the oldest event still in the nodes' history, about")
    parser.add_argument("--csv", required=True)
    parser.add_argument("--without", action="append", default=[], choices=[name for name, _ in CHURN],
                        help="leave this churn behaviour out (repeat); for calibrating the tolerances")
    args = parser.parse_args()

    run = Run(args)
    threads = [threading.Thread(target=publisher, args=(run, node, share), daemon=True) for share, node in enumerate(run.nodes)]
    for node in run.nodes:
        threads += [threading.Thread(target=steady_reader, args=(run, node), daemon=True) for _ in range(2)]
    threads += [threading.Thread(target=churner, args=(run, seed), daemon=True) for seed in range(args.churn)]
    for thread in threads:
        thread.start()
    with open(args.csv, "w", newline="") as output:
        writer = csv.writer(output)
        writer.writerow(["elapsed_s", "process", "rss_kb", "fds", "hub_connections", "published"])
        sampler(run, writer, output)
    run.deadline = min(run.deadline, time.monotonic())
    for thread in threads:
        thread.join(timeout=20)  # the slowest churn step is a 15 s stall, cut at the deadline

    minutes = run.elapsed() / 60
    print(f"soak load: {run.published} events published ({run.published / max(run.elapsed(), 1):.1f}/s), "
          f"{run.publish_errors} publish errors, over {minutes:.1f} min")
    print("soak load: churn " + ", ".join(f"{name} {run.churn_counts[name]}" for name, _ in CHURN))
    if run.churn_errors:
        print("soak load: streams not answered 200: " + ", ".join(f"{key} x{count}" for key, count in sorted(run.churn_errors.items())))
    print("soak load: steady readers got " + ", ".join(f"{name} {count}" for name, count in sorted(run.steady_events.items()))
          + f" events (2 readers per node, each should get every one of the {run.published})")
    if run.fatal:
        print(f"soak load: FAILED: {run.fatal}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
