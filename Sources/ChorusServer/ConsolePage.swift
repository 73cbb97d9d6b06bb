/// The console served at `/console` (and at `/` when no app serves it): a scope's live events,
/// with the browser's own `EventSource`, and a form that publishes to the same node. No scripts
/// from elsewhere, so it works offline.
enum ConsolePage {
    static let html = #"""
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Chorus</title>
    <style>
      body { font: 15px/1.5 system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; color: #1d2430; }
      h1 { font-size: 1.4rem; } code { background: #eef1f5; padding: 0 .3em; border-radius: 3px; }
      form { display: flex; gap: .5rem; flex-wrap: wrap; margin: .8rem 0; }
      input { padding: .35rem .5rem; border: 1px solid #b8c0cc; border-radius: 4px; }
      button { padding: .35rem .9rem; border: 0; border-radius: 4px; background: #2f5bd3; color: #fff; cursor: pointer; }
      #state { display: inline-block; padding: 0 .5em; border-radius: 3px; background: #ddd; }
      #state[data-state=connected] { background: #bfe8c6; } #state[data-state=disconnected] { background: #f3c1c1; }
      #log { list-style: none; padding: 0; font-family: ui-monospace, monospace; font-size: 13px; }
      #log li { border-bottom: 1px solid #eceff3; padding: .25rem 0; white-space: pre-wrap; }
      .meta { color: #6b7685; }
    </style>
    </head>
    <body>
    <h1>Chorus <span id="state" data-state="connecting">connecting</span></h1>
    <p>Live events for scope <code id="scope-name"></code> on this node. Send one below, or from a shell:
    <code id="cli"></code></p>
    <form id="sub"><input id="scope" placeholder="scope" required><button>Listen</button></form>
    <form id="pub">
      <input id="event" placeholder="event name (optional)">
      <input id="data" placeholder="data" size="40" required>
      <button>Publish</button>
    </form>
    <ul id="log"></ul>
    <script>
    const params = new URLSearchParams(location.search);
    const scope = params.get("scope") || "demo";
    const tab = sessionStorage.getItem("chorus-tab") || Math.random().toString(36).slice(2);
    sessionStorage.setItem("chorus-tab", tab);
    document.getElementById("scope").value = scope;
    document.getElementById("scope-name").textContent = scope;
    document.getElementById("cli").textContent = `chorus publish --scope ${scope} --data hello`;
    const state = document.getElementById("state");
    const log = document.getElementById("log");
    function show(kind, e) {
      const li = document.createElement("li");
      li.innerHTML = `<span class="meta">${new Date().toLocaleTimeString()} ${kind} id=${e.lastEventId || "-"}</span> `;
      li.append(document.createTextNode(e.data));
      log.prepend(li);
    }
    function setState(s) { state.dataset.state = s; state.textContent = s; }
    const source = new EventSource(`/events?scope=${encodeURIComponent(scope)}&tab=${tab}`);
    source.onopen = () => setState("connected");
    source.onerror = () => setState(source.readyState === EventSource.CLOSED ? "disconnected" : "connecting");
    source.onmessage = (e) => show("message", e);
    const seen = new Set(["message"]);
    const origListen = (name) => { if (!seen.has(name)) { seen.add(name); source.addEventListener(name, (e) => show(name, e)); } };
    ["update", "close", "reset"].forEach(origListen);
    document.getElementById("sub").onsubmit = (e) => { e.preventDefault(); location.search = "?scope=" + encodeURIComponent(document.getElementById("scope").value); };
    document.getElementById("pub").onsubmit = async (e) => {
      e.preventDefault();
      const event = document.getElementById("event").value.trim();
      if (event) origListen(event);
      const body = { scope, data: document.getElementById("data").value };
      if (event) body.event = event;
      const res = await fetch("/publish", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      if (!res.ok) show("error", { data: await res.text() });
      document.getElementById("data").value = "";
    };
    </script>
    </body>
    </html>
    """#
}
