/* chorus.js: the browser side of a Chorus stream. No dependencies.
 *
 * - A per-tab session id, kept in sessionStorage: sent as `session=` on every stream and as the
 *   `X-Chorus-Session` header on every htmx request, so the server can publish a change with
 *   that tab as its origin and the tab does not get its own echo (the user's other tabs do).
 * - `data-sse-state` on the `sse-connect` element: `connecting`, `connected`, `disconnected`.
 * - A dead connection is noticed when nothing (not even a heartbeat comment) arrived for
 *   `data-heartbeat-timeout` ms (default 45000; a few of the node's heartbeat intervals), or a
 *   connection attempt got no answer in that time; it reconnects with capped, jittered backoff.
 * - Paused while the tab is hidden, resumed with `Last-Event-ID` when it is visible again.
 * - No gap at page load: a page rendered with the stream position (`bus.position()` on the server)
 *   puts it in `data-last-event-id` on the `sse-connect` element (or passes
 *   `{lastEventId: "…"}` to `Chorus.connect`); the first connection resumes after it, so what
 *   was published while the page loaded is replayed. Later connections resume after the newest
 *   id seen, as always.
 * - A `close` event from the server with `"reconnect":false` (user closed), or a refusal (4xx),
 *   ends the stream for good: until the page is reloaded, a new source for the same URL (htmx's
 *   SSE extension makes one after every error) stays closed and never connects.
 *
 * With htmx's SSE extension, load it after htmx: it becomes `htmx.createEventSource`. Without htmx:
 * `const source = Chorus.connect("/events?scope=doc:1"); source.addEventListener("title", …)`.
 * It reads the stream with fetch (not EventSource) because only then are heartbeat comments
 * visible, and `Last-Event-ID` can be sent after a pause.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var option = function (name, fallback) {
    var value = script && script.getAttribute("data-" + name);
    var number = value === null || value === undefined ? NaN : Number(value);
    return isFinite(number) && number >= 0 ? number : fallback;
  };
  var heartbeatTimeout = option("heartbeat-timeout", 45000);
  var maximumDelay = option("max-retry", 30000);

  var KEY = "chorus-session";
  var session = sessionStorage.getItem(KEY);
  if (!session) {
    session = window.crypto && crypto.randomUUID ? crypto.randomUUID()
      : Math.random().toString(36).slice(2) + Date.now().toString(36);
    sessionStorage.setItem(KEY, session);
  }

  function withSession(url) {
    var absolute = new URL(url, location.href);
    if (!absolute.searchParams.has("session")) absolute.searchParams.set("session", session);
    return absolute.toString();
  }

  /* The SSE wire format (WHATWG "event stream interpretation"), fed with decoded text chunks. */
  function Parser(dispatch) {
    var buffer = "", data = [], type = "", id = null, sawCR = false;
    function line(text) {
      if (text === "") {
        if (id !== null) dispatch.id(id);
        if (data.length) dispatch.event(type || "message", data.join("\n"));
        data = []; type = ""; id = null;
        return;
      }
      if (text.charCodeAt(0) === 58) return; // ":" a comment (heartbeat)
      var colon = text.indexOf(":");
      var field = colon < 0 ? text : text.slice(0, colon);
      var value = colon < 0 ? "" : text.slice(text.charCodeAt(colon + 1) === 32 ? colon + 2 : colon + 1);
      if (field === "data") data.push(value);
      else if (field === "event") type = value;
      else if (field === "id" && value.indexOf("\0") < 0) id = value;
      else if (field === "retry" && /^\d+$/.test(value)) dispatch.retry(Number(value));
    }
    this.push = function (chunk) {
      var start = 0;
      for (var i = 0; i < chunk.length; i++) {
        var c = chunk.charCodeAt(i);
        if (c === 10 && sawCR) { sawCR = false; start = i + 1; continue; } // the LF of a CRLF
        sawCR = false;
        if (c === 10 || c === 13) {
          line(buffer + chunk.slice(start, i));
          buffer = ""; start = i + 1; sawCR = c === 13;
        }
      }
      buffer += chunk.slice(start);
    };
  }

  /* The `data-last-event-id` of `element`, or else of the `sse-connect` element for this URL. */
  function renderedPosition(element, url) {
    var elements = element ? [element] : document.querySelectorAll("[sse-connect],[data-sse-connect]");
    for (var i = 0; i < elements.length; i++) {
      var el = elements[i];
      var connect = el.getAttribute("sse-connect") || el.getAttribute("data-sse-connect");
      if (el === element || (connect && withSession(connect) === url)) return el.getAttribute("data-last-event-id");
    }
    return null;
  }

  /* Stream URLs the server ended for good on this page (close with reconnect:false, or a 4xx). */
  var finished = {};

  function ChorusSource(url, options) {
    var target = new EventTarget();
    var self = this;
    this.url = withSession(url);
    this.withCredentials = true;
    this.readyState = 0;
    this.onopen = this.onmessage = this.onerror = null;
    this.addEventListener = target.addEventListener.bind(target);
    this.removeEventListener = target.removeEventListener.bind(target);
    this.dispatchEvent = target.dispatchEvent.bind(target);

    var element = options && options.element;
    // Where the page was rendered: the first connection resumes after it.
    this.lastEventId = String((options && options.lastEventId) || renderedPosition(element, this.url) || "");
    var retry = 1000, attempt = 0, controller = null, retryTimer = null, watchdog = null, ended = false;

    function state(name) {
      var elements = element ? [element] : document.querySelectorAll("[sse-connect],[data-sse-connect]");
      for (var i = 0; i < elements.length; i++) {
        var el = elements[i];
        var connect = el.getAttribute("sse-connect") || el.getAttribute("data-sse-connect");
        if (el === element || (connect && withSession(connect) === self.url)) el.setAttribute("data-sse-state", name);
      }
    }
    function fire(event, handler) {
      self.dispatchEvent(event);
      if (typeof handler === "function") handler.call(self, event);
    }
    function stop() {
      if (controller) { controller.abort(); controller = null; }
      clearTimeout(watchdog); clearTimeout(retryTimer);
    }
    function kick() {
      clearTimeout(watchdog);
      if (heartbeatTimeout > 0) watchdog = setTimeout(function () { lost("no heartbeat for " + heartbeatTimeout + " ms"); }, heartbeatTimeout);
    }
    function lost(reason, permanent) {
      stop();
      if (ended) return;
      if (permanent) { ended = true; finished[self.url] = true; self.readyState = 2; } else { self.readyState = 0; }
      state("disconnected");
      var error = new Event("error");
      error.reason = reason;
      fire(error, self.onerror);
      if (!permanent && !document.hidden) schedule();
    }
    function schedule() {
      var delay = Math.min(retry * Math.pow(2, attempt), maximumDelay);
      attempt += 1;
      delay = delay / 2 + Math.random() * delay / 2;
      retryTimer = setTimeout(connect, delay);
    }
    function connect() {
      stop();
      if (ended) return;
      var mine = controller = new AbortController();
      self.readyState = 0;
      state("connecting");
      kick(); // a node that accepts the connection but never answers counts as dead too
      var headers = { "Accept": "text/event-stream" };
      if (self.lastEventId) headers["Last-Event-ID"] = self.lastEventId;
      var parser = new Parser({
        id: function (id) { self.lastEventId = id; },
        retry: function (ms) { retry = Math.max(ms, 100); },
        event: function (type, data) {
          var message = new MessageEvent(type, { data: data, lastEventId: self.lastEventId, origin: location.origin });
          if (type === "close") {
            var reconnect = true;
            try { reconnect = JSON.parse(data).reconnect !== false; } catch (e) { /* keep reconnecting */ }
            fire(message);
            if (reconnect) attempt = 0; // a node shutting down: go to another one at once
            lost("closed by the server", !reconnect);
            return;
          }
          fire(message, type === "message" ? self.onmessage : null);
        }
      });
      fetch(self.url, { headers: headers, credentials: "include", cache: "no-store", signal: mine.signal })
        .then(function (response) {
          var type = response.headers.get("content-type") || "";
          if (!response.ok || type.indexOf("text/event-stream") !== 0) {
            // Like EventSource: a refused stream (bad token, bad scope) is not retried; overload is.
            var permanent = response.status >= 400 && response.status < 500 && response.status !== 429;
            lost("HTTP " + response.status, permanent);
            return;
          }
          self.readyState = 1;
          attempt = 0;
          state("connected");
          kick();
          fire(new Event("open"), self.onopen);
          var reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
          var pump = function () {
            return reader.read().then(function (chunk) {
              if (mine !== controller) return;
              if (chunk.done) { lost("the stream ended"); return; }
              kick();
              parser.push(chunk.value);
              if (mine === controller) return pump();
            });
          };
          return pump();
        })
        .catch(function (error) {
          if (mine === controller) lost(String(error));
        });
    }

    function visibility() {
      if (ended) return;
      if (document.hidden) {
        stop();
        self.readyState = 0;
        state("disconnected");
      } else if (!controller) {
        attempt = 0;
        connect();
      }
    }
    document.addEventListener("visibilitychange", visibility);

    this.close = function () {
      ended = true;
      stop();
      self.readyState = 2;
      state("disconnected");
      document.removeEventListener("visibilitychange", visibility);
    };

    if (finished[this.url]) {
      // Ended for good earlier on this page: stay closed, and say nothing (an error would make
      // htmx try again).
      ended = true;
      this.readyState = 2;
      state("disconnected");
      document.removeEventListener("visibilitychange", visibility);
    } else if (document.hidden) state("disconnected"); else connect();
  }
  ChorusSource.CONNECTING = 0;
  ChorusSource.OPEN = 1;
  ChorusSource.CLOSED = 2;

  window.Chorus = {
    /** This tab's session id. */
    session: session,
    /** The EventSource-compatible class. */
    EventSource: ChorusSource,
    /** Opens a stream; `options.element` gets `data-sse-state`; `options.lastEventId` (or the
     *  element's `data-last-event-id`) is the position the page was rendered with. */
    connect: function (url, options) { return new ChorusSource(url, options); }
  };

  if (window.htmx) {
    htmx.createEventSource = function (url) { return new ChorusSource(url); };
  }
  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-Chorus-Session"] = session;
  });
})();
