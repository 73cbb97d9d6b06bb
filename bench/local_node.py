"""One `chorus serve` node on a free loopback port, for the bench scripts that measure a node alone
(bench/replay-amplification.py, bench/slow-clients.py): started, waited for, and stopped by PID."""
import contextlib
import json
import signal
import socket
import subprocess
import time
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port, path, body=None, timeout=10):
    """GET (or POST a JSON body to) the node; returns the decoded JSON answer."""
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, method="POST" if body else "GET",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as response:
        return json.load(response)


@contextlib.contextmanager
def node(chorus, *flags):
    """Runs `chorus serve` on a free port until the block ends; yields (port, process)."""
    port = free_port()
    process = subprocess.Popen([chorus, "serve", "--port", str(port), "--log-level", "warning",
                                "--drain-delay", "0", "--drain-window", "0", *flags],
                               stdin=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                request(port, "/healthz")
                break
            except OSError:
                time.sleep(0.1)
        yield port, process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
