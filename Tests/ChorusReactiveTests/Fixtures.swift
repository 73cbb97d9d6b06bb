import ChorusCore
import ChorusReactive

/// A document page: blocks in every shape the reactive layer knows.
let docPage = """
<main hx-ext="sse" sse-connect="/events?scope=doc:1">
{{#doc}}
  <h1 id="title" sse-swap="title">{{$title}}{{title}}{{/title}}</h1>
  {{$body}}<article id="body" class="prose" sse-swap="body,refresh">{{{body_html}}}</article>{{/body}}
{{/doc}}
  {{$stats}}<p>{{doc.word_count}} words, {{#stats}}{{reading_time}} min{{/stats}}</p>{{/stats}}
  {{$cursor}}<div id="cursor" sse-swap="cursor"></div>{{/cursor}}
  <ul id="log" sse-swap="log"></ul>
  {{$footer}}{{>footer}}{{/footer}}
</main>
"""

let footerPartial = "<footer>{{site.name}} · {{uppercased(site.owner)}}</footer>"

func makeTemplates() throws -> ReactiveTemplates {
    var templates = ReactiveTemplates()
    try templates.register(docPage, named: "doc")
    try templates.register(footerPartial, named: "footer")
    return templates
}

let docContext: [String: any Sendable] = [
    "doc": ["title": "Hello <world>", "body_html": "<p>Hi</p>", "word_count": 2] as [String: any Sendable],
    "stats": ["reading_time": 1] as [String: any Sendable],
    "site": ["name": "Chorus", "owner": "ada"] as [String: any Sendable],
]
