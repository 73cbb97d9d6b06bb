#!/usr/bin/env python3
"""CORS in a real browser: a page on another origin uses a Chorus node through chorus.js.

Serves a test page from a second loopback port (python's http.server: another origin than the
node's), opens it in headless Chromium, and there opens a stream through chorus.js and publishes
with fetch (JSON body, Idempotency-Key: a preflight). Twice:

- the node without --cors-origin: the browser refuses (no event reaches the page, the publish
  fetch fails), though the node itself is up;
- the node with --cors-origin <page origin>: the stream connects, gets a backend's event and the
  page's own publish; hidden for a while (chorus.js stops), it comes back with Last-Event-ID (a
  header, so a preflight) and gets exactly what it missed.

Every process it starts is stopped by PID; every wait is bounded (about 10 s in all).

    CHORUS_BIN=.build/debug/chorus python3 Tests/Browser/cors_test.py
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.request

from selenium import webdriver

from demo_test import browser, free_port, set_hidden, start, started, wait_http, wait_until

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHORUS = os.environ.get("CHORUS_BIN", os.path.join(ROOT, ".build", "debug", "chorus"))
TIMEOUT = 15  # seconds for any one expectation

PAGE = """<!doctype html>
<meta charset="utf-8">
<title>cross-origin page</title>
<script src="NODE/chorus.js"></script>
<script>
  window.got = [];
  window.opened = 0;
  window.source = Chorus.connect("NODE/events?scope=cors");
  source.addEventListener("open", () => { window.opened += 1; });
  source.addEventListener("message", (event) => { window.got.push(event.data); });
  window.publish = (data) => fetch("NODE/publish", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Idempotency-Key": "page-" + data },
      body: JSON.stringify({ scope: "cors", data: data }),
    })
    .then((response) => response.json().then((body) => ({ status: response.status, body: body })))
    .catch((error) => ({ error: String(error) }));
</script>
"""



def stop(process):
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def publish(node, data):
    """A backend's publish (no Origin: not a browser)."""
    body = json.dumps({"scope": "cors", "data": data}).encode()
    request = urllib.request.Request(node + "/publish", data=body, method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 202, f"publish answered {response.status}"


def connections(node):
    with urllib.request.urlopen(node + "/healthz", timeout=2) as response:
        return json.load(response)["connections"]


def got(driver):
    return driver.execute_script("return window.got")


def start_node(name, page_origin, cors, log_dir):
    port = free_port()
    argv = [CHORUS, "serve", "--host", "127.0.0.1", "--port", str(port), "--drain-delay", "0", "--drain-window", "0"]
    if cors:
        argv += ["--cors-origin", page_origin]
    process = start(name, argv, log_dir)
    node = f"http://127.0.0.1:{port}"
    wait_http(node + "/readyz", name)
    return node, process


def open_page(driver, page_dir, page_origin, node):
    with open(os.path.join(page_dir, "index.html"), "w") as page:
        page.write(PAGE.replace("NODE", node))
    driver.get(page_origin + "/index.html?" + str(time.time()))


def refused_without_cors(driver, page_dir, page_origin, log_dir):
    node, process = start_node("node-without-cors", page_origin, False, log_dir)
    try:
        open_page(driver, page_dir, page_origin, node)
        result = driver.execute_async_script("window.publish('from-page').then(arguments[arguments.length - 1])")
        assert "error" in result, f"the browser let a page on another origin read a publish answer: {result}"
        publish(node, "from-backend")
        time.sleep(1)  # a refusal is an absence: give a wrongly allowed stream time to show it
        assert got(driver) == [], f"the browser gave the page events without CORS: {got(driver)}"
        assert driver.execute_script("return window.opened") == 0, "the stream opened without CORS"
        print("ok: without --cors-origin the browser refuses the stream and the publish")
    finally:
        driver.execute_script("window.source && window.source.close()")
        stop(process)


def works_with_cors(driver, page_dir, page_origin, log_dir):
    node, process = start_node("node-with-cors", page_origin, True, log_dir)
    try:
        open_page(driver, page_dir, page_origin, node)
        wait_until(driver, "the stream opens", lambda d: d.execute_script("return window.opened") == 1)
        publish(node, "one")
        wait_until(driver, "a backend's event reaches the page", lambda d: got(d) == ["one"])
        result = driver.execute_async_script("window.publish('two').then(arguments[arguments.length - 1])")
        assert result.get("status") == 202 and len(result["body"]["ids"]) == 1, f"the page's publish: {result}"
        wait_until(driver, "the page's own publish comes back", lambda d: got(d) == ["one", "two"])

        set_hidden(driver, True)  # chorus.js stops the stream while the tab is hidden
        wait_until(driver, "the hidden tab's stream is gone", lambda d: connections(node) == 0)
        publish(node, "three")
        publish(node, "four")
        set_hidden(driver, False)  # back with Last-Event-ID: a header, so a preflight first
        wait_until(driver, "the page resumes and gets what it missed", lambda d: got(d) == ["one", "two", "three", "four"])
        assert driver.execute_script("return window.opened") == 2
        publish(node, "five")
        wait_until(driver, "live events after the resume", lambda d: got(d) == ["one", "two", "three", "four", "five"])
        print("ok: with --cors-origin the page streams, publishes and resumes with Last-Event-ID")
    finally:
        driver.execute_script("window.source && window.source.close()")
        stop(process)


def main():
    if not os.access(CHORUS, os.X_OK):
        sys.exit(f"no chorus binary at {CHORUS}: run `swift build` first or set CHORUS_BIN")
    log_dir = tempfile.mkdtemp(prefix="chorus-cors-")
    page_dir = tempfile.mkdtemp(prefix="chorus-cors-page-")
    page_port = free_port()
    page_origin = f"http://127.0.0.1:{page_port}"
    driver = None
    try:
        start("page-server", [sys.executable, "-m", "http.server", str(page_port), "--bind", "127.0.0.1", "--directory", page_dir], log_dir)
        with open(os.path.join(page_dir, "probe.html"), "w") as probe:
            probe.write("ok")
        wait_http(page_origin + "/probe.html", "the page server")
        driver = browser()
        driver.set_script_timeout(TIMEOUT)
        refused_without_cors(driver, page_dir, page_origin, log_dir)
        works_with_cors(driver, page_dir, page_origin, log_dir)
        print("cors browser test passed")
    except BaseException:
        traceback.print_exc()
        for name, _ in started:
            with open(os.path.join(log_dir, name + ".log"), errors="replace") as log:
                print(f"---- last lines of {name}.log", file=sys.stderr)
                print("".join(log.readlines()[-25:]), file=sys.stderr)
        sys.exit(1)
    finally:
        if driver:
            driver.quit()
        for _, process in reversed(started):
            stop(process)


if __name__ == "__main__":
    main()
