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
    var buffer = "", data = [], type = "", id = null, sawCR = false, extra = {};
    function line(text) {
      if (text === "") {
        if (id !== null) dispatch.id(id);
        if (data.length) dispatch.event(type || "message", data.join("\n"), id, extra);
        data = []; type = ""; id = null; extra = {};
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
      // A shared stream's own fields (any other parser ignores them, as the standard says).
      else if (field === "chorus-origin") extra.origin = decodeURIComponent(value);
      else if (field === "chorus-scope") extra.scope = decodeURIComponent(value);
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

  /* Gives `source` EventSource's surface: `url`, `withCredentials`, `readyState` (CONNECTING),
   * the `on*` handlers and the listener methods. Returns `fire(event, handler)`, which dispatches
   * `event` to the listeners, then calls `handler` (an `on*` property) if it is a function. */
  function eventSource(source, url) {
    var target = new EventTarget();
    source.url = url;
    source.withCredentials = true;
    source.readyState = 0;
    source.onopen = source.onmessage = source.onerror = null;
    source.addEventListener = target.addEventListener.bind(target);
    source.removeEventListener = target.removeEventListener.bind(target);
    source.dispatchEvent = target.dispatchEvent.bind(target);
    return function fire(event, handler) {
      source.dispatchEvent(event);
      if (typeof handler === "function") handler.call(source, event);
    };
  }

  /* EventSource's `readyState` values, on a source's class. */
  function eventSourceStates(Source) {
    Source.CONNECTING = 0;
    Source.OPEN = 1;
    Source.CLOSED = 2;
  }

  function ChorusSource(url, options) {
    var self = this;
    var raw = options && options.raw; // the leader of a shared stream: every frame goes here
    var fire = eventSource(this, raw ? new URL(url, location.href).toString() : withSession(url));

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
      if (!permanent && (raw || !document.hidden)) schedule(); // a shared stream reconnects while hidden too
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
        event: function (type, data, id, extra) {
          var message = raw ? null : new MessageEvent(type, { data: data, lastEventId: self.lastEventId, origin: location.origin });
          if (raw) raw(type, data, id, extra);
          if (type === "close") {
            var reconnect = true;
            try { reconnect = JSON.parse(data).reconnect !== false; } catch (e) { /* keep reconnecting */ }
            if (message) fire(message);
            if (reconnect) attempt = 0; // a node shutting down: go to another one at once
            lost("closed by the server", !reconnect);
            return;
          }
          if (message) fire(message, type === "message" ? self.onmessage : null);
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
      if (ended || raw) return; // a shared stream serves the other tabs too: it never pauses
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
    } else if (document.hidden && !raw) state("disconnected"); else connect();
  }
  eventSourceStates(ChorusSource);

  /* Event ids are `<milliseconds>-<sequence>`: compared as numbers; "" is before every id. */
  function compareIds(a, b) {
    if (a === b) return 0;
    if (!a) return -1;
    if (!b) return 1;
    var x = a.split("-"), y = b.split("-");
    for (var i = 0; i < 2; i++) {
      var d = Number(x[i] || 0) - Number(y[i] || 0);
      if (d) return d < 0 ? -1 : 1;
    }
    return a < b ? -1 : 1;
  }

  /* The `sse-connect` element whose stream is `url`, if any. */
  function elementFor(url) {
    var absolute = new URL(url, location.href).toString();
    var elements = document.querySelectorAll("[sse-connect],[data-sse-connect]");
    for (var i = 0; i < elements.length; i++) {
      var connect = elements[i].getAttribute("sse-connect") || elements[i].getAttribute("data-sse-connect");
      if (connect && new URL(connect, location.href).toString() === absolute) return elements[i];
    }
    return null;
  }

  /* One stream for all the tabs of this browser that open the same URL (or name the same group):
   * the tab holding the Web Lock `chorus-shared:<key>` is the leader and the only one connected
   * (`shared=1` on the URL, without a session), and relays every frame to the others over a
   * BroadcastChannel. Each tab filters for itself: not its own echo (`chorus-origin`), only its
   * scopes (`chorus-scope`), not its own presence join/leave; and drops ids it has already had,
   * so a handover, which resumes after the newest id any tab saw, doubles nothing. The leader
   * tells the node which tabs it carries (`tabs=`, then `POST …/events/tabs`), so presence shows
   * each tab. Without Web Locks or BroadcastChannel, Chorus.connect gives a tab its own stream. */
  function SharedSource(url, options) {
    var self = this;
    var fire = eventSource(this, withSession(url));

    var element = options.element || elementFor(url);
    var base = new URL(url, location.href);
    base.searchParams.delete("session");
    base.searchParams.delete("tab");
    var scopes = base.searchParams.getAll("scope");
    var group = typeof options.shared === "string" && options.shared ? "group:" + options.shared : base.toString();
    var channel = new BroadcastChannel("chorus-shared:" + group);
    var stopLock = new AbortController();
    // The newest id this tab has had, and the events it had with exactly that id (a rendered
    // change is several events with one id).
    var newest = String(options.lastEventId || renderedPosition(element, this.url) || "");
    var atNewest = {};
    var floor = ""; // where a stream that saw nothing yet resumes: the node's position at its start
    var ended = false;
    var leading = null; // the leader's state
    this.lastEventId = newest;

    function mark(name) {
      if (element) element.setAttribute("data-sse-state", name);
    }
    function post(message) {
      try { channel.postMessage(message); } catch (e) { /* closed */ }
    }
    function status(name) {
      if (ended) return;
      var was = self.readyState;
      mark(name);
      if (name === "connected") {
        self.readyState = 1;
        if (was !== 1) fire(new Event("open"), self.onopen);
      } else {
        self.readyState = 0;
        if (was === 1) fire(new Event("error"), self.onerror);
      }
    }
    function end() {
      if (ended) return;
      finished[self.url] = true;
      self.close();
      self.readyState = 2;
      var error = new Event("error");
      error.reason = "closed by the server";
      fire(error, self.onerror);
    }

    /* A relayed frame, as this tab takes it. */
    function receive(m) {
      if (ended) return;
      if (m.id) {
        var order = compareIds(m.id, newest);
        var signature = m.type + "\n" + m.data;
        if (order < 0) return; // had it
        if (order === 0) {
          if (atNewest[signature]) return;
        } else {
          newest = m.id;
          atNewest = {};
        }
        atNewest[signature] = true;
        self.lastEventId = newest;
      }
      if (m.origin !== undefined && m.origin === session) return; // this tab's own change
      if (m.scope !== undefined && scopes.indexOf(m.scope) < 0) return;
      if ((m.type === "join" || m.type === "leave") && m.scope === undefined) {
        try { if (JSON.parse(m.data).session === session) return; } catch (e) { /* not presence */ }
      }
      fire(new MessageEvent(m.type, { data: m.data, lastEventId: self.lastEventId, origin: location.origin }),
        m.type === "message" ? self.onmessage : null);
      if (m.type === "close") {
        try { if (JSON.parse(m.data).reconnect === false) end(); } catch (e) { /* keep going */ }
      }
    }

    /* The leader: its stream, and the tabs it carries. */
    function tabsURL() {
      var u = new URL(base.toString());
      u.pathname = u.pathname.replace(/\/?$/, "/tabs");
      u.search = "";
      return u.toString();
    }
    function open() {
      if (!leading || ended) return;
      var u = new URL(base.toString());
      u.searchParams.set("shared", "1");
      var tabs = Object.keys(leading.tabs);
      tabs.forEach(function (tab) { u.searchParams.append("tabs", tab); });
      leading.reported = tabs.sort().join("\n");
      leading.key = null;
      var resume = compareIds(leading.resume, newest) > 0 ? leading.resume : newest;
      if (!resume) resume = floor;
      var inner = leading.inner = new ChorusSource(u.toString(), { lastEventId: resume, raw: function (type, data, id, extra) {
        if (!leading || leading.inner !== inner) return;
        if (type === "chorus-stream") {
          var hello = {};
          try { hello = JSON.parse(data); } catch (e) { /* none */ }
          leading.key = hello.stream || null;
          if (hello.resumeFrom && !resume) {
            floor = hello.resumeFrom;
            post({ t: "floor", id: floor });
          }
          report();
          return;
        }
        var m = { t: "event", type: type, data: data, id: id || "" };
        if (extra.origin !== undefined) m.origin = extra.origin;
        if (extra.scope !== undefined) m.scope = extra.scope;
        post(m);
        receive(m);
      } });
      inner.addEventListener("open", function () { if (leading && leading.inner === inner) { post({ t: "state", name: "connected" }); status("connected"); } });
      inner.addEventListener("error", function () {
        if (!leading || leading.inner !== inner) return;
        if (inner.readyState === 2 && !ended) { post({ t: "end" }); end(); return; }
        post({ t: "state", name: "disconnected" });
        status("disconnected");
      });
    }
    /* Tells the node the tabs carried now, one request at a time; a node that does not know the
     * stream (it ended, or the request reached another node) gets it reopened with them. */
    function report() {
      if (!leading || !leading.key || leading.sending) return;
      var tabs = Object.keys(leading.tabs).sort();
      if (tabs.join("\n") === leading.reported) return;
      var inner = leading.inner;
      leading.sending = true;
      fetch(tabsURL(), { method: "POST", credentials: "include", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ stream: leading.key, tabs: tabs }) })
        .then(function (response) {
          if (!leading) return;
          leading.sending = false;
          if (response.ok) { leading.reported = tabs.join("\n"); report(); return; }
          if (response.status === 404 && leading.inner === inner) { inner.close(); open(); }
        }, function () { if (leading) { leading.sending = false; setTimeout(report, 1000); } });
    }
    /* A tab that vanished without `pagehide` (it crashed, or was killed) no longer holds its tab
     * lock: it leaves presence too. */
    function prune() {
      if (!leading) return;
      navigator.locks.query().then(function (state) {
        if (!leading) return;
        var alive = {};
        (state.held || []).concat(state.pending || []).forEach(function (lock) { alive[lock.name] = true; });
        Object.keys(leading.tabs).forEach(function (tab) {
          if (tab !== session && !alive["chorus-tab:" + tab]) delete leading.tabs[tab];
        });
        report();
      }, function () { /* keep the list */ });
    }
    function lead() {
      return new Promise(function (resign) {
        if (ended) return resign();
        leading = { tabs: {}, resume: "", inner: null, key: null, reported: "", sending: false, resign: resign, pruner: setInterval(prune, 5000) };
        if (element) element.setAttribute("data-chorus-leader", ""); // which tab holds the connection
        leading.tabs[session] = true;
        post({ t: "who" }); // the other tabs answer with their session and newest id
        setTimeout(open, 150);
      });
    }

    channel.onmessage = function (message) {
      var m = message.data || {};
      if (m.t === "event") receive(m);
      else if (m.t === "state") status(m.name);
      else if (m.t === "end") end();
      else if (m.t === "floor") { if (!newest) floor = m.id; }
      else if (m.t === "who") post({ t: "hello", session: session, newest: newest });
      else if (leading && m.t === "hello") {
        leading.tabs[m.session] = true;
        if (compareIds(m.newest, leading.resume) > 0) leading.resume = m.newest;
        if (leading.inner) { report(); if (self.readyState === 1) post({ t: "state", name: "connected" }); }
      } else if (leading && m.t === "bye") {
        delete leading.tabs[m.session];
        report();
      }
    };
    function leave() { post({ t: "bye", session: session }); }
    window.addEventListener("pagehide", leave);

    this.close = function () {
      if (ended) return;
      ended = true;
      leave();
      window.removeEventListener("pagehide", leave);
      stopLock.abort();
      if (leading) {
        clearInterval(leading.pruner);
        if (leading.inner) leading.inner.close();
        leading.resign();
        leading = null;
      }
      channel.close();
      mark("disconnected");
      self.readyState = 2;
    };

    if (finished[this.url]) {
      ended = true;
      this.readyState = 2;
      mark("disconnected");
      channel.close();
      return;
    }
    mark("connecting");
    // Held while this tab lives: how a leader tells a closed tab from a quiet one.
    navigator.locks.request("chorus-tab:" + session, function () { return new Promise(function () {}); });
    post({ t: "hello", session: session, newest: newest });
    navigator.locks.request("chorus-shared:" + group, { signal: stopLock.signal }, lead)
      .catch(function () { /* closed before it led */ });
  }
  eventSourceStates(SharedSource);

  /* Shared when asked and the browser can (Web Locks and BroadcastChannel: every current browser,
   * on https or localhost); otherwise the tab's own stream. */
  function open(url, options) {
    options = options || {};
    var canShare = window.BroadcastChannel && navigator.locks && typeof navigator.locks.request === "function";
    return options.shared && canShare ? new SharedSource(url, options) : new ChorusSource(url, options);
  }

  window.Chorus = {
    /** This tab's session id. */
    session: session,
    /** The EventSource-compatible class. */
    EventSource: ChorusSource,
    /** Opens a stream; `options.element` gets `data-sse-state`; `options.lastEventId` (or the
     *  element's `data-last-event-id`) is the position the page was rendered with;
     *  `options.shared` (true, or a group name) shares one connection among this browser's tabs. */
    connect: function (url, options) { return open(url, options); }
  };

  if (window.htmx) {
    // `data-chorus-shared` on the `sse-connect` element (a value names the group), or
    // `data-shared` on this script tag for every stream of the page: one connection for all tabs.
    var sharedPage = script && script.hasAttribute("data-shared");
    htmx.createEventSource = function (url) {
      var element = elementFor(url);
      var shared = element && element.hasAttribute("data-chorus-shared") ? (element.getAttribute("data-chorus-shared") || true) : sharedPage;
      return open(url, { shared: shared, element: shared ? element : undefined });
    };
  }
  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-Chorus-Session"] = session;
  });
})();
