#!/usr/bin/env python3
"""The live-document demo in a real browser: headless Chromium, two users, two nodes, one Redis.

Starts a redis-server and two `chorus serve --demo --redis ...` nodes on free loopback ports,
opens alice's page on node A and bob's on node B in two separate Chromium instances (two browser
contexts, nothing shared), with the real htmx 2 and its SSE extension served by the nodes, and
checks what the two users see:

- both streams connect (`data-sse-state="connected"`) and "here now" lists both users;
- alice's title edit reaches bob's heading and title input on the other node;
- alice's own title input is never replaced by an echo of her edit (an element property set
  before the edit survives a later change that alice does receive);
- a private note to bob reaches bob only;
- bob's tab, hidden while alice edits, catches up with Last-Event-ID when it is visible again;
- bob's node frozen (SIGSTOP: the socket stays open, heartbeats stop): chorus.js notices within
  its heartbeat timeout, retries with backoff, and once the node runs again (SIGCONT) reconnects
  and catches up with what alice wrote meanwhile;
- bob closed for good (POST /users/bob/close): his htmx stream and a plain chorus.js source both
  stop and stay stopped (htmx's SSE extension would otherwise make a new source within seconds).

Screenshots of both pages go to $ARTIFACTS (default .build/browser-artifacts). Every process it
starts is stopped by PID when it ends; every wait is bounded.

    CHORUS_BIN=.build/debug/chorus DEMO_ASSETS=.demo-assets python3 Tests/Browser/demo_test.py
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHORUS = os.environ.get("CHORUS_BIN", os.path.join(ROOT, ".build", "debug", "chorus"))
ASSETS = os.environ.get("DEMO_ASSETS", os.path.join(ROOT, ".demo-assets"))
ARTIFACTS = os.environ.get("ARTIFACTS", os.path.join(ROOT, ".build", "browser-artifacts"))
TIMEOUT = 20  # seconds for any one expectation
SECRET = "browser-test-secret-0123456789abcdef-0123456789"

started = []  # (name, Popen) of every process this test started


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(name, argv, log_dir):
    log = open(os.path.join(log_dir, name + ".log"), "wb")
    process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    started.append((name, process))
    return process


def stop_all():
    for _, process in reversed(started):
        if process.poll() is None:
            process.send_signal(signal.SIGCONT)  # in case a test left it stopped
            process.send_signal(signal.SIGTERM)
    deadline = time.time() + 10
    for _, process in reversed(started):
        try:
            process.wait(timeout=max(0.1, deadline - time.time()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_http(url, what):
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{what} did not answer {url} within 30 s")


def health(node):
    with urllib.request.urlopen(node + "/healthz", timeout=2) as response:
        return json.load(response)


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 "--window-size=1000,720", "--disable-background-networking"):
        options.add_argument(flag)
    service = Service(shutil.which("chromedriver") or "/usr/bin/chromedriver")
    return webdriver.Chrome(service=service, options=options)


def wait_until(driver, what, condition):
    try:
        return WebDriverWait(driver, TIMEOUT, poll_frequency=0.05).until(lambda d: condition(d))
    except Exception as error:
        raise AssertionError(f"timed out after {TIMEOUT} s waiting for: {what}") from error


# Read in one script call: an element looked up first and read later may have been swapped out
# by then (that is the point of the page), which Selenium reports as a stale element.
def text(driver, element_id):
    return driver.execute_script("const e = document.getElementById(arguments[0]); return e ? e.innerText.trim() : null", element_id)


def value(driver, element_id):
    return driver.execute_script("const e = document.getElementById(arguments[0]); return e ? e.value : null", element_id)


def state(driver):
    return driver.execute_script("return document.querySelector('main').getAttribute('data-sse-state')")


def type_into(driver, element_id, new_text):
    # Typed for real (htmx's input trigger), retried if the field is swapped out meanwhile.
    for _ in range(5):
        try:
            field = driver.find_element(By.ID, element_id)
            field.clear()
            field.send_keys(new_text)
            return
        except StaleElementReferenceException:
            continue
    raise AssertionError(f"could not type into #{element_id}: it kept being replaced")


def set_hidden(driver, hidden):
    driver.execute_script(
        "Object.defineProperty(document, 'hidden', {configurable: true, get: () => arguments[0]});"
        "Object.defineProperty(document, 'visibilityState', {configurable: true, get: () => arguments[0] ? 'hidden' : 'visible'});"
        "document.dispatchEvent(new Event('visibilitychange'));", hidden)


def side_by_side(left, right, out):
    """Both users' pages in one picture (for the README), when Pillow is there."""
    try:
        from PIL import Image
    except ImportError:
        print("(no Pillow: skipping the side-by-side screenshot)")
        return
    a, b = Image.open(left), Image.open(right)
    gap = 16
    both = Image.new("RGB", (a.width + b.width + gap, max(a.height, b.height)), (200, 205, 214))
    both.paste(a, (0, 0))
    both.paste(b, (a.width + gap, 0))
    both.save(out, optimize=True)


def run(log_dir):
    redis_port, port_a, port_b = free_port(), free_port(), free_port()
    start("redis", ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
                    "--appendonly", "no"], log_dir)
    redis_url = f"redis://127.0.0.1:{redis_port}"
    prefix = f"browser{os.getpid()}"
    for name, port in (("node-a", port_a), ("node-b", port_b)):
        start(name, [CHORUS, "serve", "--port", str(port), "--node-id", name, "--redis", redis_url,
                     "--redis-prefix", prefix, "--demo", "--demo-assets", ASSETS, "--token-secret", SECRET,
                     "--heartbeat", "1s", "--drain-delay", "0", "--drain-window", "0"], log_dir)  # chorus.js then gives up on a silent stream after 5 s
    node_a, node_b = f"http://127.0.0.1:{port_a}", f"http://127.0.0.1:{port_b}"
    process_b = next(process for name, process in started if name == "node-b")
    wait_http(node_a + "/readyz", "node A")
    wait_http(node_b + "/readyz", "node B")

    alice, bob = browser(), browser()
    try:
        alice.get(node_a + "/?user=alice")
        bob.get(node_b + "/?user=bob")
        wait_until(alice, "alice's stream is connected", lambda d: state(d) == "connected")
        wait_until(bob, "bob's stream is connected", lambda d: state(d) == "connected")
        print("ok: both streams connected, through htmx's SSE extension and chorus.js")

        for driver, name in ((alice, "alice"), (bob, "bob")):
            wait_until(driver, f"{name} sees alice and bob here", lambda d: text(d, "who").split() == ["alice", "bob"])
        print("ok: presence shows both users on both nodes")

        # Mark alice's title input: an echo of her own edit would replace the element.
        alice.execute_script("document.getElementById('title_input').chorusMark = 'mine'")
        type_into(alice, "title_input", "Shared title")
        wait_until(bob, "bob's heading shows alice's title", lambda d: text(d, "heading") == "Shared title")
        wait_until(bob, "bob's title input shows alice's title", lambda d: value(d, "title_input") == "Shared title")
        wait_until(alice, "alice's own heading follows (from her edit's response)", lambda d: text(d, "heading") == "Shared title")
        print("ok: alice's edit on node A updated bob's blocks on node B")

        # Bob edits the body: alice must receive that (it comes after any echo of her edit would have).
        type_into(bob, "body_input", "Bob was here with five words")
        wait_until(alice, "alice's body shows bob's text", lambda d: value(d, "body_input") == "Bob was here with five words")
        wait_until(alice, "alice's word count follows", lambda d: text(d, "words") == "6 words")
        mark = alice.execute_script("return document.getElementById('title_input').chorusMark")
        assert mark == "mine", "alice's title input was replaced: she got an echo of her own edit"
        assert value(alice, "title_input") == "Shared title"
        print("ok: no echo: alice's own title input was never replaced")

        # A private note from alice to bob.
        type_into(alice, "note_to", "bob")
        type_into(alice, "note_text", "psst, only for bob")
        alice.find_element(By.CSS_SELECTOR, "form[hx-post='/demo/notes'] button").click()
        wait_until(bob, "bob sees alice's note", lambda d: "alice: psst, only for bob" in text(d, "notes"))
        # A later shared change that alice does receive, so a note sent to her too would be there by now.
        type_into(bob, "title_input", "After the note")
        wait_until(alice, "alice sees bob's later title", lambda d: text(d, "heading") == "After the note")
        assert "psst" not in text(alice, "notes"), "alice sees the note meant for bob"
        print("ok: the private note reached bob only")

        # Bob's tab is hidden (the stream pauses) while alice edits; visible again, it catches up.
        set_hidden(bob, True)
        wait_until(bob, "bob's hidden tab disconnects", lambda d: state(d) == "disconnected")
        type_into(alice, "title_input", "While bob was away")
        wait_until(alice, "alice's edit is stored", lambda d: text(d, "heading") == "While bob was away")
        time.sleep(0.5)
        assert text(bob, "heading") == "After the note", "bob's paused tab should not have received anything"
        set_hidden(bob, False)
        wait_until(bob, "bob's tab reconnects", lambda d: state(d) == "connected")
        wait_until(bob, "bob catches up with the edit he missed", lambda d: text(d, "heading") == "While bob was away")
        print("ok: a hidden tab paused and resumed with Last-Event-ID")

        # Bob's node freezes: no close, no heartbeats. chorus.js must notice and retry on its own.
        process_b.send_signal(signal.SIGSTOP)
        try:
            wait_until(bob, "bob's tab notices the silent stream", lambda d: state(d) != "connected")
            type_into(alice, "title_input", "Written during the outage")
            wait_until(alice, "alice's outage edit is stored", lambda d: text(d, "heading") == "Written during the outage")
        finally:
            process_b.send_signal(signal.SIGCONT)
        wait_until(bob, "bob's tab reconnects after the outage", lambda d: state(d) == "connected")
        wait_until(bob, "bob catches up with the outage edit", lambda d: text(d, "heading") == "Written during the outage")
        print("ok: a frozen node was noticed by the heartbeat timeout, and the tab recovered by itself")

        os.makedirs(ARTIFACTS, exist_ok=True)
        alice.save_screenshot(os.path.join(ARTIFACTS, "demo-alice.png"))
        bob.save_screenshot(os.path.join(ARTIFACTS, "demo-bob.png"))
        side_by_side(os.path.join(ARTIFACTS, "demo-alice.png"), os.path.join(ARTIFACTS, "demo-bob.png"),
                     os.path.join(ARTIFACTS, "demo.png"))
        print(f"screenshots in {ARTIFACTS}")

        # Bob is closed for good (logout, ban): his tab must stay closed, under htmx (whose SSE
        # extension makes a new source after every error) and without it.
        stream_url = bob.execute_script("return document.querySelector('[sse-connect]').getAttribute('sse-connect')")
        bob.execute_script("window.plainSource = Chorus.connect(arguments[0])", stream_url)
        wait_until(bob, "bob's plain chorus.js source is open", lambda d: d.execute_script("return window.plainSource.readyState") == 1)
        wait_until(bob, "node B holds bob's two streams", lambda d: health(node_b)["connections"] == 2)
        request = urllib.request.Request(node_a + "/users/bob/close", method="POST", data=b"")
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 202, f"close-user answered {response.status}"
        wait_until(bob, "bob's tab is disconnected", lambda d: state(d) == "disconnected")
        wait_until(bob, "bob's plain source is closed", lambda d: d.execute_script("return window.plainSource.readyState") == 2)
        time.sleep(5)  # htmx retries a closed source within about 2 s: none may come back
        assert state(bob) == "disconnected", "bob's tab reconnected after a close with reconnect:false"
        connections = health(node_b)["connections"]
        assert connections == 0, f"node B holds {connections} streams of a closed user"
        print("ok: a close with reconnect:false stopped bob's tab for good, under htmx and without it")
    finally:
        for driver in (alice, bob):
            driver.quit()


def run_browser_test(run, name):
    """Checks the binary and the htmx files, runs `run(log_dir)`, and on failure prints the end of
    every started process's log; stops them all either way. Shared by the browser tests."""
    if not os.access(CHORUS, os.X_OK):
        sys.exit(f"no chorus binary at {CHORUS}: run `swift build` first or set CHORUS_BIN")
    for asset in ("htmx.min.js", "sse.js"):
        if not os.path.isfile(os.path.join(ASSETS, asset)):
            sys.exit(f"no {asset} in {ASSETS}: run scripts/fetch-htmx.sh {ASSETS} or set DEMO_ASSETS")
    log_dir = tempfile.mkdtemp(prefix=f"chorus-{name}-")
    try:
        run(log_dir)
        print(f"{name} browser test passed")
    except BaseException:
        traceback.print_exc()
        for process_name, _ in started:
            with open(os.path.join(log_dir, process_name + ".log"), errors="replace") as log:
                print(f"---- last lines of {process_name}.log\n" + "".join(log.readlines()[-25:]), file=sys.stderr)
        sys.exit(1)
    finally:
        stop_all()


if __name__ == "__main__":
    run_browser_test(run, "demo")
