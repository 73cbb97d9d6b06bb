#!/usr/bin/env python3
"""The page-load gap, in a real browser: headless Chromium, the real htmx 2 and its SSE extension.

The demo page is rendered with the stream position in `data-last-event-id`; its stream's opening
is held back (the browser blocks /events through the DevTools protocol, so chorus.js's first
attempts fail and it retries), a change is published meanwhile, then /events is let through. The
page must show that change, exactly once (counted as htmx's `htmx:sseBeforeMessage` events), and
then live changes as usual. Without the position the change would be lost to the page for good.

One node with the in-memory bus; about 10 s. Every process it starts is stopped by PID.

    CHORUS_BIN=.build/debug/chorus DEMO_ASSETS=.demo-assets python3 Tests/Browser/pageload_test.py
"""
import urllib.parse
import urllib.request

import demo_test as common
from demo_test import ASSETS, CHORUS, SECRET, browser, free_port, start, text, wait_http, wait_until

# Installed before the page's own scripts: every SSE message htmx is about to swap, in order.
COUNTER = """
window.chorusSwaps = [];
document.addEventListener('htmx:sseBeforeMessage', function (event) {
  window.chorusSwaps.push({type: event.detail.type, data: event.detail.data, id: event.detail.lastEventId});
}, true);
"""


def edit(node, title):
    form = urllib.parse.urlencode({"user": "dave", "title": title}).encode()
    with urllib.request.urlopen(urllib.request.Request(node + "/demo/doc", data=form, method="POST"), timeout=5) as response:
        assert response.status in (200, 204), f"POST /demo/doc answered {response.status}"


def headings(driver):
    return driver.execute_script("return window.chorusSwaps.filter(s => s.type === 'heading').map(s => s.data)")


def state(driver):
    return driver.execute_script("const m = document.querySelector('main'); return m && m.getAttribute('data-sse-state')")


def run(log_dir):
    port = free_port()
    start("node", [CHORUS, "serve", "--port", str(port), "--node-id", "pageload", "--demo", "--demo-assets", ASSETS,
                   "--token-secret", SECRET, "--heartbeat", "1s", "--drain-delay", "0", "--drain-window", "0"], log_dir)
    node = f"http://127.0.0.1:{port}"
    wait_http(node + "/readyz", "the node")

    driver = browser()
    try:
        driver.get(node + "/healthz")  # on the node's origin, before the page
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["*/events?*"]})
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": COUNTER})

        driver.get(node + "/?user=carol")  # rendered now (T0) ...
        position = driver.execute_script("return document.querySelector('main').getAttribute('data-last-event-id')")
        print(f"page rendered at position {position!r}")
        wait_until(driver, "the first stream attempt fails (held back)", lambda d: state(d) == "disconnected")

        title = "Written while the page loaded"
        edit(node, title)  # ... changed in between ...

        driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": []})  # ... stream opens (T1)
        wait_until(driver, "the stream connects", lambda d: state(d) == "connected")
        wait_until(driver, "the heading shows the change made while the page loaded", lambda d: text(d, "heading") == title)
        print("ok: a change published between render and stream open reached the page")

        edit(node, "A live change")
        wait_until(driver, "the heading shows a live change", lambda d: text(d, "heading") == "A live change")
        swaps = headings(driver)
        assert len(swaps) == 2 and title in swaps[0] and "A live change" in swaps[1], f"heading swaps: {swaps}"
        print("ok: that change arrived exactly once, then live changes")
    finally:
        driver.quit()


if __name__ == "__main__":
    common.run_browser_test(run, "page-load")
