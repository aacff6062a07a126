"""One shared catalogue of hostile strings, the records that carry them into a
store through the real ingest path, and the checks that an output is inert.

Every string carries a marker ``xss-<name>`` where it can, so a test can find
where a value landed. Import from tests: ``from hostile import HOSTILE_TEXT, ...``.
"""

from __future__ import annotations

import hashlib
import json
import re
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

# -- the catalogue -------------------------------------------------------------------------------

#: Markup that a browser, a mail client or a feed reader would run or load.
HTML = {
    "script": "<script>alert('xss-script')</script>",
    "script_src": "<SCRIPT SRC=//evil.example/xss-src.js></SCRIPT>",
    "img_onerror": "<img src=x onerror=alert('xss-img')>",
    "svg_onload": "<svg onload=alert('xss-svg')>",
    "svg_script": "<svg><script>alert('xss-svgscript')</script></svg>",
    "event_attrs": "\" onmouseover=\"alert('xss-attr')\" autofocus onfocus=\"alert(1)\" x=\"",
    "single_quote_attr": "' onmouseover='alert(1)' data-x='xss-squote",
    "tag_break": "\"><img src=x onerror=alert('xss-break')>",
    "iframe": "<iframe src=\"javascript:alert('xss-iframe')\"></iframe>",
    "a_javascript": "<a href=\"javascript:alert('xss-a')\">a link</a>",
    "a_data": "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">xss-data</a>",
    "meta_refresh": "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert('xss-meta')\">",
    "base_form": "<base href=\"https://evil.example/\"><form action=\"https://evil.example/\">"
                 "<button formaction=\"javascript:alert('xss-form')\">go</button></form>",
    "object_embed": "<object data=\"javascript:alert('xss-object')\"></object><embed src=x>",
    "style_tag": "<style>body{background:url(javascript:alert('xss-style'))}</style>",
    "style_attr": "<p style=\"background:url(javascript:alert('xss-css'))\">styled</p>",
    "css_expression": "<div style=\"width: expression(alert('xss-expr'))\">x</div>",
    "css_import": "<style>@import 'https://evil.example/xss-import.css';</style>",
    "comment_break": "--><script>alert('xss-comment')</script><!--",
    "cdata_break": "]]><script>alert('xss-cdata')</script><![CDATA[",
    "closing_tags": "</title></textarea></style></script><script>alert('xss-close')</script>",
    "entities": "&lt;script&gt;alert('xss-entity')&lt;/script&gt; &#106;avascript:alert(1) &amp;lt;",
    "template": "{{ 7*7 }} {% for x in range(3) %}{{ x }}{% endfor %} ${7*7} #{7*7} xss-ssti",
    "markdown": "[xss-md](javascript:alert(1)) ![img](javascript:alert(1)) <javascript:alert(1)> "
                "[ref]: javascript:alert(1) <div onclick=alert(1)>block</div>",
}

#: LaTeX that KaTeX (client side) or our renderer (publish/latex.py) must not turn into links or styles.
LATEX = {
    "katex_href": "$\\href{javascript:alert('xss-khref')}{click}$ and $x^2$",
    "katex_url": "$\\url{javascript:alert('xss-kurl')}$",
    "katex_html": "$\\htmlStyle{background:url(javascript:alert(1))}{x} \\htmlClass{xss-class}{y}"
                  " \\htmlId{xss-id}{z} \\htmlData{onclick=alert(1)}{w}$",
    "katex_graphics": "$\\includegraphics{https://evil.example/xss-graphics.png}$",
    "katex_color": "$\\color{red;background:url(javascript:alert('xss-color'))}{x}$",
    "katex_expand": "$\\def\\a{\\a\\a}\\a$ xss-expand",
    "latex_href": "\\href{javascript:alert('xss-lhref')}{a \\textbf{bold} link}",
    "latex_url": "\\url{javascript:alert('xss-lurl')} and \\url{data:text/html,<script>alert(1)</script>}",
    "latex_styled_script": "\\textbf{<script>alert('xss-bf')</script>} \\emph{<img src=x onerror=alert(1)>}",
    "latex_deep": "{" * 300 + "xss-deep" + "}" * 300,
}

#: Header injection: a name, title or topic that tries to add a header or a recipient.
HEADERS = {
    "crlf_bcc": "Eve\r\nBcc: victim1@example.com",
    "lf_to": "Eve\nTo: victim2@example.com",
    "cr_cc": "Eve\rCc: victim3@example.com",
    "unicode_line_sep": "Eve\u2028Bcc: victim4@example.com",
    "nel": "Eve\x85Bcc: victim5@example.com",
    "blank_line_body": "Eve\r\n\r\n<html>xss-body</html>",
    "encoded_word": "=?utf-8?q?Eve=0D=0ABcc=3A_victim6=40example=2Ecom?=",
}

#: Unicode that spoofs or breaks: bidi overrides, zero-width, controls; and sheer size.
UNICODE = {
    "bidi_override": "\u202egnp.exe\u202c xss-bidi",
    "bidi_isolates": "\u2067evil\u2069 \u2066xss-isolate \u200f",
    "zero_width": "ja\u200bvascript:alert(1) xss-zw\ufeff",
    "controls": "nul\x00 bell\x07 vt\x0b esc\x1b[31m xss-ctrl",
    "long": "xss-long " + "A" * 50_000,
}

#: URLs no output may make clickable (links and code/project links a paper carries).
BAD_URLS = [
    "javascript:alert('xss-u1')", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)",
    "\x01javascript:alert(1)", "javascript://https://ok.example/%0aalert(1)",
    "data:text/html,<script>alert(1)</script>", "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)", "file:///etc/passwd", "//evil.example/protocol-relative", "/\\evil.example",
    "https://ok.example/\"><script>alert('xss-u2')</script>", "https://ok.example/ onmouseover=alert(1)",
    "https://ok.example/a\nb", "https:javascript:alert(1)", "http://", "",
]
#: A link that must survive as a link.
GOOD_URL = "https://github.com/example/safe-repo"

#: Every hostile string, by name.
HOSTILE_TEXT = {**HTML, **LATEX, **HEADERS, **UNICODE}

#: Payloads for a value reflected from a query string into a page.
REFLECTED = [HTML["script"], HTML["tag_break"], HTML["event_attrs"], HTML["single_quote_attr"],
             "javascript:alert('xss-q')", HTML["closing_tags"], UNICODE["bidi_override"]]


# -- the records that carry it all in -------------------------------------------------------------

DAY = "2026-07-01"  # a day with only hostile papers: every one of them is in that day's digest
DAY_BEFORE = "2026-06-30"  # the BibTeX records' day: few papers, so a topic map of it is cheap


def _export_record(n: int, name: str, text: str) -> dict:
    """paperradar's own JSON-lines export form: sources with their own fields, translations,
    affiliations, categories and links are all taken as given."""
    bad = BAD_URLS[n % len(BAD_URLS)]
    other_bad = BAD_URLS[(n + 7) % len(BAD_URLS)]
    header = list(HEADERS.values())[n % len(HEADERS)]
    return {
        "id": f"hostile-{n:02d}" if n % 5 else f"hostile-{n:02d}\"><svg onload=alert('xss-id')>",
        "title": f"{text} title {name} xss-title-{n:02d}",
        "abstract": f"Abstract of {name}: {text} and $x^2$ math xss-abstract-{n:02d}",
        "authors": [f"{text} author", header, "Ada Lovelace"],
        "author_details": [{"name": f"{text} author", "affiliations": [f"{text} affiliation"]},
                           {"name": header, "affiliations": []}, {"name": "Ada Lovelace", "affiliations": []}],
        "paper_affiliations": [f"{text} lab"],
        "date": DAY,
        "categories": ["cs.LG", f"{text[:40]} category"] if n % 2 else ["cs.CV"],
        "links": [{"url": bad, "kind": "code"}, {"url": other_bad, "kind": "project"},
                  {"url": bad, "kind": "pdf"}, {"url": other_bad, "kind": "abstract"},
                  {"url": GOOD_URL + f"-{n}", "kind": "code"}],
        "translations": {"zh": {"title": f"{text} 标题", "summary": f"{text} 摘要"}},
        "comments": f"{text} comments", "journal_ref": f"{text} journal",
        "arxiv_id": None, "arxiv_version": None, "doi": None, "updated": None,
        "extra": {"note": text},
        "sources": [{"source": "hf-daily", "source_id": f"hostile-{n}", "first_seen": DAY, "last_seen": DAY,
                     "fields": {"upvotes": 100 - n, "submitted_on_daily_at": f"{DAY}T08:00:00.000Z", "github_repo": bad, "project_page": other_bad,
                                "ai_summary": f"{text} summary", "organization": f"{text} org",
                                "submitter": header}}],
    }


def export_records() -> list[dict]:
    """One export-form record per hostile string."""
    return [_export_record(n, name, text) for n, (name, text) in enumerate(HOSTILE_TEXT.items())]


def plain_records() -> list[dict]:
    """Plain JSON lines (the generic reader): bad URLs as bare links and ``url``."""
    return [{"id": f"plain-{n:02d}", "title": f"Plain record {n} {url!r} xss-plain", "date": DAY,
             "abstract": f"{HTML['script']} plain", "authors": "Eve\r\nBcc: victim7@example.com; Bo",
             "links": [url, {"url": url, "kind": "code"}], "url": url}
            for n, url in enumerate(BAD_URLS[:8])]


def _bib_escape(text: str) -> str:
    return text.replace("\\", " ").replace("{", "(").replace("}", ")").replace("@", "(at)")


def bibtex_text() -> str:
    """A BibTeX file whose fields carry hostile strings (url, note, keywords included)."""
    entries = []
    for n, name in enumerate(("script", "img_onerror", "tag_break", "style_attr", "markdown")):
        text = _bib_escape(HTML[name])
        entries.append(
            f"@article{{hostile_bib_{n},\n  title = {{{text} bib title xss-bib-{n}}},\n"
            f"  author = {{{_bib_escape(HEADERS['crlf_bcc'])} and Lovelace, Ada}},\n"
            f"  abstract = {{{text} $\\href{{javascript:alert(1)}}{{x}}$ \\url{{javascript:alert(2)}}}},\n"
            f"  year = {{2026}},\n  date = {{{DAY_BEFORE}}},\n  url = {{{BAD_URLS[n]}}},\n"
            f"  note = {{{text}}},\n  keywords = {{{text}}}\n}}\n")
    return "\n".join(entries)


def write_inputs(directory: Path) -> list[str]:
    """The hostile input files (JSON lines in both forms, BibTeX) in ``directory``."""
    exported = directory / "hostile-export.jsonl"
    exported.write_text("\n".join(json.dumps(r) for r in export_records()) + "\n", encoding="utf-8")
    plain = directory / "hostile-plain.jsonl"
    plain.write_text("\n".join(json.dumps(r) for r in plain_records()) + "\n", encoding="utf-8")
    bib = directory / "hostile.bib"
    bib.write_text(bibtex_text(), encoding="utf-8")
    return [str(exported), str(plain), str(bib)]


def hostile_enrichments(store) -> None:
    """Enricher outputs in their documented shapes, carrying hostile values, on every hostile paper."""
    from paperradar.store import PaperQuery
    from paperradar.store.dedupe import content_hash

    rows = {name: [] for name in ("tldr", "links", "results", "translate")}
    for n, paper in enumerate(store.papers(PaperQuery(since=DAY_BEFORE, until=DAY))):
        text = list(HOSTILE_TEXT.values())[n % len(HOSTILE_TEXT)]
        pk, digest = store.pk_of(paper.id), content_hash(paper)
        rows["tldr"].append((pk, digest, {"text": f"{text} tldr", "method": f"{HTML['script']}"}, []))
        rows["links"].append((pk, digest, {"links": [{"url": BAD_URLS[n % len(BAD_URLS)], "kind": "code"},
                                                     {"url": HTML["a_javascript"], "kind": "project"}],
                                           "datasets": [], "models": []}, ["code"]))
        rows["results"].append((pk, digest, {"claims": [
            {"method": f"{HTML['img_onerror']} Net", "metric": f"{HTML['script']} top-1", "value": 90.0 + n / 10,
             "unit": "%", "dataset": "ImageNet-1K", "baseline": HTML["svg_onload"], "baseline_value": 76.1,
             "sentence": f"{text} reaches 90% on ImageNet-1K."}]}, ["dataset:imagenet-1k"]))
        rows["translate"].append((pk, digest, {"zh": {"title": f"{text} 机器", "summary": f"{text} 机器摘要"},
                                               "backend": HTML["script"]}, []))
    for name, batch in rows.items():
        store.save_enrichments(name, "hostile-test", batch)


# -- checking that an output is inert -------------------------------------------------------------

#: Elements the app's own pages, digests and KaTeX use. Anything else came from data.
ALLOWED_TAGS = {
    "html", "head", "meta", "title", "link", "script", "body", "header", "nav", "a", "div", "span", "form",
    "input", "button", "main", "footer", "section", "h1", "h2", "h3", "h4", "p", "ol", "ul", "li", "label",
    "select", "option", "article", "table", "thead", "tbody", "tr", "th", "td", "details", "summary", "pre",
    "code", "svg", "g", "rect", "circle", "line", "path", "text", "iframe", "b", "i", "em", "strong",
    "small", "br", "hr", "abbr", "time", "textarea", "fieldset", "legend", "dl", "dt", "dd", "sup", "sub",
    "img",
    # KaTeX's MathML
    "math", "semantics", "mrow", "mi", "mn", "mo", "msup", "msub", "msubsup", "mfrac", "mtext", "mstyle",
    "mspace", "annotation", "mpadded", "mover", "munder", "munderover", "msqrt", "mroot", "mtable", "mtr",
    "mtd", "menclose", "mphantom", "merror",
}
_URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "poster", "background", "cite", "data",
              "srcset", "ping", "manifest", "codebase"}
_STYLE_DANGER = re.compile(r"javascript|expression\s*\(|url\s*\(|@import|behavio(u)?r|-moz-binding", re.IGNORECASE)


def link_ok(value: str, relative: bool = True, need_host: bool = True) -> bool:
    """An http(s) URL (with a host, unless not ``need_host``), or (``relative``) a path
    or fragment on this site."""
    value = value or ""
    if relative and (value.startswith("#") or (value.startswith("/") and not value.startswith(("//", "/\\")))):
        return True
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and (bool(parts.hostname) or not need_host) \
        and value.lower().startswith(("http://", "https://")) \
        and not re.search(r'[\x00-\x20"<>\\`]', value)


class InertCheck(HTMLParser):
    """Collects anything in an HTML document that could run, load or restyle something
    foreign: unknown elements, event handler attributes, non-http(s) URLs, scripts that
    are not the app's own static files, and style attributes the templates did not write."""

    def __init__(self, allowed_styles: set[str] | None = None, img_ok: bool = False, relative: bool = True,
                 need_host: bool = True):
        super().__init__(convert_charrefs=True)
        self.allowed_styles = allowed_styles
        self.img_ok = img_ok
        self.relative = relative
        self.need_host = need_host
        self.problems: list[str] = []
        self._raw: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED_TAGS or (tag == "img" and not self.img_ok):
            self.problems.append(f"element <{tag}>")
        if tag == "meta" and any(n == "http-equiv" for n, _ in attrs):
            self.problems.append("<meta http-equiv>")
        for name, value in attrs:
            value = value or ""
            if name.startswith("on") or name in ("srcdoc", "formaction") or ":" in name \
                    and name != "xlink:href" and not name.startswith("xml"):
                self.problems.append(f"<{tag} {name}={value[:60]!r}>")
            if name in _URL_ATTRS and value and not link_ok(value, self.relative, self.need_host):  # '' goes nowhere
                self.problems.append(f"<{tag} {name}={value[:80]!r}>")
            if name == "style":
                if _STYLE_DANGER.search(value):
                    self.problems.append(f"<{tag} style={value[:80]!r}>")
                elif self.allowed_styles is not None and value not in self.allowed_styles:
                    self.problems.append(f"<{tag} style={value[:80]!r}> (not the template's)")
            if name == "content" and tag == "meta" and re.search(r"url\s*=", value, re.IGNORECASE):
                self.problems.append(f"<meta content={value[:80]!r}>")
        if tag in ("script", "style"):
            src = dict(attrs).get("src") or ""
            if tag == "script" and not src.startswith("/static/"):
                self.problems.append(f"script not from /static/: {src[:80]!r}")
            self._raw = tag

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in ("script", "style"):
            self._raw = None

    def handle_endtag(self, tag):
        if tag == self._raw:
            self._raw = None

    def handle_data(self, data):
        if self._raw and data.strip():
            self.problems.append(f"inline <{self._raw}>: {data.strip()[:80]!r}")

    def handle_comment(self, data):
        if "<" in data:
            self.problems.append(f"markup in a comment: {data[:80]!r}")

    def handle_pi(self, data):
        self.problems.append(f"processing instruction {data[:40]!r}")


def inert_problems(html: str, allowed_styles: set[str] | None = None, img_ok: bool = False,
                   relative: bool = True, need_host: bool = True) -> list[str]:
    """What in ``html`` is not inert (empty when all of it is)."""
    check = InertCheck(allowed_styles, img_ok, relative, need_host)
    check.feed(html)
    check.close()
    return check.problems


def template_styles(*sources: str) -> set[str]:
    """The style attribute values written in template sources (the only ones allowed)."""
    return {m for text in sources for m in re.findall(r'style="([^"{}]*)"', text)}


def math_spans(text: str) -> list[str]:
    """The ``$...$`` spans of a string, as KaTeX's auto-render would find them."""
    return [m[1:-1] for m in re.findall(r"\$[^$]+\$", text)]


# -- the web app's routes --------------------------------------------------------------------------

def app_routes(app) -> list:
    """Every route of a FastAPI app, flattened (included routers walked, mounts skipped):
    objects with ``path``, ``methods``, ``dependant``, ``include_in_schema``."""
    out = []

    def walk(routes):
        for route in routes:
            if hasattr(route, "effective_candidates"):  # FastAPI >= 0.16x: included routers stay lazy
                walk(route.effective_candidates())
            elif getattr(route, "methods", None) and hasattr(route, "dependant"):
                out.append(route)
            elif getattr(route, "routes", None) and not hasattr(route, "app"):
                walk(route.routes)

    walk(app.routes)
    return out


def query_params(route) -> list[str]:
    """The query parameter names a route reads (its own and its dependencies')."""
    found: set[str] = set()

    def walk(dependant):
        found.update(p.alias for p in dependant.query_params)
        for sub in dependant.dependencies:
            walk(sub)

    walk(route.dependant)
    return sorted(found)


def path_params(route) -> list[str]:
    return re.findall(r"{([^}:]+)(?::[^}]*)?}", route.path)


# -- a store of the hostile records, on either backend ----------------------------------------------

@contextmanager
def hostile_store(request, directory: Path):
    """For a module-scoped fixture parametrised with web_helpers' ``module_backends``: the
    location (SQLite file or PostgreSQL URL) of a new, empty store; its indexes under
    ``directory`` (on PostgreSQL through $XDG_DATA_HOME, for as long as the fixture lives)."""
    if getattr(request, "param", "sqlite") != "postgresql":
        yield str(directory / "radar.db")
        return
    import uuid

    import psycopg
    import pytest

    cluster = request.getfixturevalue("pg_cluster")
    env = pytest.MonkeyPatch()
    env.setenv("XDG_DATA_HOME", str(directory / "data"))
    env.delenv("PAPERRADAR_DATA_DIR", raising=False)
    admin = psycopg.connect(cluster.url(), autocommit=True)
    name = f"h_{uuid.uuid4().hex[:12]}"
    admin.execute(f"CREATE DATABASE {name} TEMPLATE radar_template STRATEGY FILE_COPY")
    try:
        yield cluster.url(name)
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()
        env.undo()


def store_state(location) -> dict:
    """What a refused request must leave as it was: a checksum of every paper, the count,
    every reader's library, subscriptions, accounts, API tokens, and the integrity check."""
    from paperradar.codec import paper_to_dict
    from paperradar.store import open_store

    store = open_store(str(location))
    try:
        papers = sorted((paper_to_dict(p) for p in store.papers()), key=lambda p: p["id"])
        readers = store.readers()
        return {"papers": hashlib.sha256(json.dumps(papers, sort_keys=True, default=str).encode()).hexdigest(),
                "count": store.count(), "listed": len(papers),
                "libraries": {r.name: sorted((e.pk, e.rating, e.saved, sorted(e.tags)) for e in store.library(r.id))
                              for r in readers},
                "subscriptions": sorted((s.id, s.reader_id, s.email, s.active, json.dumps(s.topics, sort_keys=True))
                                        for s in store.subscriptions(active_only=False)),
                "accounts": store.account_names(),
                "tokens": {r.name: len(store.api_tokens(r.id)) for r in readers},
                "integrity": store.integrity_problems()}
    finally:
        store.close()
