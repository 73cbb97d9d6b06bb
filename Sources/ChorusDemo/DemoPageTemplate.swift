/// The demo's page: one mustache template whose blocks are the live parts. Every block is an
/// `sse-swap` element inside a `{{$block}}`, so ``ReactiveBlocks/registerSwapElements(in:excluding:)``
/// finds them all and reads what each depends on from the template itself.
enum DemoPageTemplate {
    static let name = "demo"

    static let source = #"""
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Chorus · live document</title>
    <style>
      :root { --ink: #1d2430; --muted: #6b7685; --line: #e3e7ee; --accent: #2f5bd3; }
      * { box-sizing: border-box; }
      body { font: 15px/1.5 system-ui, sans-serif; color: var(--ink); margin: 0; background: #f6f7f9; }
      main { max-width: 60rem; margin: 0 auto; padding: 1.2rem; display: grid; grid-template-columns: 2fr 1fr; gap: 1rem; }
      header { grid-column: 1 / -1; display: flex; align-items: center; gap: .8rem; }
      header h1 { font-size: 1.05rem; margin: 0; color: var(--muted); font-weight: 600; }
      .card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 1rem; }
      #heading { font-size: 1.6rem; margin: 0 0 .3rem; }
      .meta { color: var(--muted); font-size: 13px; display: flex; gap: 1rem; margin-bottom: .8rem; }
      label { display: block; font-size: 12px; color: var(--muted); margin: .6rem 0 .2rem; }
      input, textarea { width: 100%; font: inherit; padding: .45rem .55rem; border: 1px solid #c8cfda; border-radius: 5px; }
      textarea { min-height: 9rem; resize: vertical; }
      button { font: inherit; padding: .4rem .9rem; border: 0; border-radius: 5px; background: var(--accent); color: #fff; cursor: pointer; }
      ul { list-style: none; padding: 0; margin: 0; }
      #who li { padding: .2rem 0; } #who li::before { content: "●"; color: #2fa150; margin-right: .45rem; }
      #notes li { padding: .35rem .5rem; background: #fff8dc; border-radius: 4px; margin-bottom: .35rem; }
      #notes .empty { background: none; color: var(--muted); padding: 0; }
      h2 { font-size: .95rem; margin: 0 0 .5rem; }
      .state { font-size: 12px; padding: .1rem .5rem; border-radius: 10px; background: #ddd; }
      [data-sse-state=connected] .state { background: #bfe8c6; }
      [data-sse-state=connected] .state::after { content: "live"; }
      [data-sse-state=connecting] .state::after { content: "connecting…"; }
      [data-sse-state=disconnected] .state { background: #f3c1c1; }
      [data-sse-state=disconnected] .state::after { content: "offline"; }
      .you { margin-left: auto; color: var(--muted); }
      .hint { color: var(--muted); font-size: 12px; margin-top: .8rem; }
    </style>
    <script src="{{assets.htmx}}"></script>
    <script src="{{assets.sse}}"></script>
    <script src="/chorus.js" data-heartbeat-timeout="{{heartbeat_timeout}}"></script>
    </head>
    <body>
    <main hx-ext="sse" sse-connect="{{stream}}" data-last-event-id="{{position}}" data-sse-state="connecting">
      <header>
        <h1>Chorus · live document</h1><span class="state"></span>
        <span class="you">you are <b id="me">{{me.name}}</b> on node <code>{{node}}</code></span>
      </header>
      <section class="card">
        {{$heading}}<h2 id="heading" sse-swap="heading">{{doc.title}}</h2>{{/heading}}
        <div class="meta">
          {{$version}}<span id="version" sse-swap="version">version {{doc.version}}</span>{{/version}}
          {{$words}}<span id="words" sse-swap="words">{{doc.word_count}} words</span>{{/words}}
        </div>
        <form hx-post="/demo/doc" hx-trigger="input changed delay:200ms" hx-swap="none">
          <input type="hidden" name="user" value="{{me.name}}">
          <label for="title_input">Title</label>
          {{$title_input}}<input id="title_input" sse-swap="title_input" name="title" value="{{doc.title}}" autocomplete="off">{{/title_input}}
          <label for="body_input">Body</label>
          {{$body_input}}<textarea id="body_input" sse-swap="body_input" name="body">{{doc.body}}</textarea>{{/body_input}}
        </form>
        <p class="hint">Open this page as another user (<code>?user=bob</code>), or on another node: edits appear there as you type, never echoed back here.</p>
      </section>
      <aside>
        <section class="card">
          <h2>Here now</h2>
          {{$who}}<ul id="who" sse-swap="who">{{#presence}}<li>{{.}}</li>{{/presence}}</ul>{{/who}}
        </section>
        <section class="card" style="margin-top: 1rem">
          <h2>Private notes</h2>
          {{$notes}}<ul id="notes" sse-swap="notes">{{#me.notes}}<li><b>{{from}}</b>: {{text}}</li>{{/me.notes}}{{^me.notes}}<li class="empty">Only you see notes sent to you.</li>{{/me.notes}}</ul>{{/notes}}
          <form hx-post="/demo/notes" hx-swap="none" hx-on::after-request="if (event.detail.successful) this.reset()">
            <input type="hidden" name="user" value="{{me.name}}">
            <label for="note_to">To</label><input id="note_to" name="to" placeholder="a user name" required>
            <label for="note_text">Note</label><input id="note_text" name="text" required>
            <p><button>Send privately</button></p>
          </form>
        </section>
      </aside>
    </main>
    </body>
    </html>
    """#
}
