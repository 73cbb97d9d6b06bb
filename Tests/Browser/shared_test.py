#!/usr/bin/env python3
"""One connection for all of a user's tabs, in a real browser: headless Chromium, the real htmx 2
and its SSE extension, chorus.js with `data-chorus-shared` on the `sse-connect` element.

Eight tabs of one user open the same page (one origin, served by python's http.server; the node is
another origin, allowed with --cors-origin, so the stream and its connections are the node's, over
HTTP/1.1, where Chromium allows 6 connections per host: without sharing, tabs 7 and 8 never connect).

- All 8 tabs are live on 1 connection: `/healthz` and `/metrics` (chorus_streams_open) say 1, and
  the node's presence shows 8 entries, one per tab session, of 1 user.
- Echo suppression per tab: a tab publishes with its own session as origin; the 7 others get it, it
  does not (it does get the backend event published after it).
- Handover: the leader tab is closed and events are published while another tab takes over; every
  remaining tab shows every event exactly once, in order, and presence shows 7 tabs on 1 connection.
- A follower tab goes without a goodbye (its goodbye is dropped, as for a crashed tab): it leaves presence once the leader sees its tab lock gone.

One node with the in-memory bus; about 15 s. Every process it starts is stopped by PID.

    CHORUS_BIN=.build/debug/chorus DEMO_ASSETS=.demo-assets python3 Tests/Browser/shared_test.py
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

import demo_test as common
from demo_test import ASSETS, CHORUS, SECRET, browser, free_port, start, wait_http, wait_until

TABS = 8

PAGE = """<!doctype html>
<meta charset="utf-8">
<title>shared tab</title>
<script src="/htmx.min.js"></script>
<script src="/sse.js"></script>
<script src="NODE/chorus.js" data-heartbeat-timeout="5000"></script>
<script>
  window.got = [];
  document.addEventListener("htmx:sseBeforeMessage", function (event) {
    window.got.push({type: event.detail.type, data: event.detail.data, id: event.detail.lastEventId});
  }, true);
  window.publish = function (data) {
    return fetch("NODE/publish", {method: "POST", headers: {"Content-Type": "application/json"},
      body: JSON.stringify({scope: "room", event: "note", data: data, origin: Chorus.session})}).then(function (r) { return r.status; });
  };
</script>
<main id="live" hx-ext="sse" sse-connect="NODE/events?scope=room&token=TOKEN" data-chorus-shared>
  <ul id="notes" sse-swap="note" hx-swap="beforeend"></ul>
</main>
"""


def publish(node, data):
    """A backend's publish (no origin)."""
    body = json.dumps({"scope": "room", "event": "note", "data": data}).encode()
    request = urllib.request.Request(node + "/publish", data=body, method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 202, f"publish answered {response.status}"


def get_json(url):
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)


def streams_open(node):
    with urllib.request.urlopen(node + "/metrics", timeout=5) as response:
        for line in response.read().decode().splitlines():
            if line.startswith("chorus_streams_open "):
                return float(line.split()[1])
    return None


def notes(driver):
    return driver.execute_script("return window.got.filter(g => g.type === 'note').map(g => g.data)")


def on_every(driver, tabs, what, condition):
    for index, tab in enumerate(tabs):
        driver.switch_to.window(tab)
        wait_until(driver, f"tab {index + 1}: {what}", condition)


def run(log_dir):
    port, page_port = free_port(), free_port()
    page_origin = f"http://127.0.0.1:{page_port}"
    start("node", [CHORUS, "serve", "--host", "127.0.0.1", "--port", str(port), "--node-id", "shared", "--token-secret", SECRET,
                   "--cors-origin", page_origin, "--heartbeat", "1s", "--drain-delay", "0", "--drain-window", "0"], log_dir)
    node = f"http://127.0.0.1:{port}"
    token = subprocess.run([CHORUS, "token", "--secret", SECRET, "--sub", "carol", "--scope", "room"],
                           check=True, capture_output=True, text=True).stdout.strip()
    page_dir = tempfile.mkdtemp(prefix="chorus-shared-page-")
    for asset in ("htmx.min.js", "sse.js"):
        shutil.copy(os.path.join(ASSETS, asset), page_dir)
    with open(os.path.join(page_dir, "index.html"), "w") as page:
        page.write(PAGE.replace("NODE", node).replace("TOKEN", token))
    start("page-server", [sys.executable, "-m", "http.server", str(page_port), "--bind", "127.0.0.1", "--directory", page_dir], log_dir)
    wait_http(node + "/readyz", "the node")
    wait_http(page_origin + "/index.html", "the page server")

    driver = browser()
    driver.set_script_timeout(10)
    try:
        tabs = []
        for index in range(TABS):
            if index:
                driver.switch_to.new_window("tab")
            driver.get(page_origin + "/index.html")
            tabs.append(driver.current_window_handle)
        on_every(driver, tabs, "the stream is live", lambda d: d.execute_script("return document.getElementById('live').getAttribute('data-sse-state')") == "connected")
        sessions = []
        for tab in tabs:
            driver.switch_to.window(tab)
            sessions.append(driver.execute_script("return Chorus.session"))
        assert len(set(sessions)) == TABS, f"tab sessions: {sessions}"

        def presence_is(expected):
            def check(_):
                entries = get_json(node + "/presence/room")
                return sorted(c["session"] for c in entries["connections"]) == sorted(expected) and entries["users"] == 1
            return check
        wait_until(driver, f"presence shows the {TABS} tabs", presence_is(sessions))
        assert get_json(node + "/healthz")["connections"] == 1, get_json(node + "/healthz")
        assert streams_open(node) == 1, f"chorus_streams_open {streams_open(node)}"
        print(f"ok: {TABS} tabs live on 1 connection; presence shows {TABS} tab sessions of 1 user; /metrics says 1 stream")

        publish(node, "backend-1")
        on_every(driver, tabs, "the backend's event", lambda d: notes(d) == ["backend-1"])
        driver.switch_to.window(tabs[2])
        assert driver.execute_async_script("window.publish('from-tab-3').then(arguments[arguments.length - 1])") == 202
        publish(node, "backend-2")
        for index, tab in enumerate(tabs):
            driver.switch_to.window(tab)
            expected = ["backend-1", "backend-2"] if index == 2 else ["backend-1", "from-tab-3", "backend-2"]
            wait_until(driver, f"tab {index + 1} shows {expected}", lambda d: notes(d) == expected)
        print("ok: the tab that published did not get its own change; the 7 others did")

        leader = None
        for tab in tabs:
            driver.switch_to.window(tab)
            if driver.execute_script("return document.getElementById('live').hasAttribute('data-chorus-leader')"):
                assert leader is None, "two leaders"
                leader = tab
        assert leader is not None, "no tab says it leads"
        driver.switch_to.window(leader)
        driver.close()
        remaining = [tab for tab in tabs if tab != leader]
        during = []
        for index in range(6):  # while another tab takes the lock and reconnects
            during.append(f"handover-{index}")
            publish(node, during[-1])
            time.sleep(0.1)
        expected = ["backend-1", "from-tab-3", "backend-2"] + during
        for index, tab in enumerate(remaining):
            driver.switch_to.window(tab)
            want = [n for n in expected if not (n == "from-tab-3" and tab == tabs[2])]
            wait_until(driver, f"remaining tab {index + 1} shows every event once", lambda d: notes(d) == want)
        publish(node, "after")
        for index, tab in enumerate(remaining):
            driver.switch_to.window(tab)
            wait_until(driver, f"remaining tab {index + 1} shows a live event after the handover", lambda d: notes(d)[-1:] == ["after"])
            got = notes(driver)
            assert len(got) == len(set(got)), f"a tab got an event twice: {got}"
        wait_until(driver, "presence shows the 7 remaining tabs", presence_is([s for s, t in zip(sessions, tabs) if t != leader]))
        wait_until(driver, "one connection after the handover", lambda _: get_json(node + "/healthz")["connections"] == 1 and streams_open(node) == 1)
        print("ok: the leader closed; another tab took over with nothing missed or doubled; presence shows 7 tabs on 1 connection")

        # A follower goes without a goodbye (as a crashed or killed tab does: its `bye` is dropped);
        # the leader sees its tab lock gone.
        def leads(tab):
            driver.switch_to.window(tab)
            return driver.execute_script("return document.getElementById('live').hasAttribute('data-chorus-leader')")
        vanished = next(tab for tab in remaining if tab != tabs[2] and not leads(tab))
        driver.switch_to.window(vanished)
        driver.execute_script("var post = BroadcastChannel.prototype.postMessage;"
                              "BroadcastChannel.prototype.postMessage = function (m) { if (!(m && m.t === 'bye')) post.call(this, m); };")
        driver.close()
        left = [s for s, t in zip(sessions, tabs) if t not in (leader, vanished)]
        wait_until(driver, "presence drops the tab that left without a goodbye", presence_is(left))
        print("ok: a tab that left without a goodbye left presence (its tab lock was gone)")
    finally:
        driver.quit()


if __name__ == "__main__":
    common.run_browser_test(run, "shared-tabs")
