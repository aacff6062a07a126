"""Finding, repairing, normalising and classifying the URLs written in a
paper's abstract or comments. Pure functions over text.

What counts as what (``kind``):

- ``code``: a repository (GitHub, GitLab, Bitbucket, Gitee, Codeberg, an
  anonymous review repository, a Colab notebook), or a page on another host
  that the sentence announces as code ("the program is available at ...").
- ``project``: a project page: ``*.github.io`` and similar static hosts,
  ``sites.google.com``, a Hugging Face Space (a demo), a page on any host that
  the sentence announces as a project page / website / homepage / demo, and a
  GitHub repository announced as the homepage (``.../FIND-website``).
- ``other``: everything else: Hugging Face models, datasets and collections
  (resources, not code), videos, blog posts, publisher and conference pages,
  PDFs and slides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

CODE_HOSTS = frozenset({"github.com", "gitlab.com", "bitbucket.org", "gitee.com", "codeberg.org",
                        "anonymous.4open.science", "colab.research.google.com", "sourceforge.net"})
#: Hosts whose repositories are owner/name (the rest of the path is dropped).
_TWO_SEGMENT_HOSTS = frozenset({"github.com", "bitbucket.org", "gitee.com", "codeberg.org"})
PROJECT_HOSTS = frozenset({"sites.google.com"})
PROJECT_HOST_SUFFIXES = (".github.io", ".gitlab.io", ".notion.site", ".netlify.app", ".vercel.app",
                         ".pages.dev")
OTHER_HOSTS = frozenset({"youtube.com", "youtu.be", "doi.org", "dx.doi.org", "arxiv.org", "openreview.net",
                         "twitter.com", "x.com", "weibo.com", "zenodo.org", "drive.google.com",
                         "kaggle.com", "paperswithcode.com", "aclanthology.org", "ieeexplore.ieee.org",
                         "dl.acm.org", "linkedin.com", "medium.com", "bilibili.com", "vimeo.com"})
_DOCUMENT = re.compile(r"\.(?:pdf|ps|ppt|pptx|doc|docx|mp4|avi|mov|png|jpe?g|gif)$", re.I)
#: First path segments of github.com that are not an owner.
_GITHUB_RESERVED = frozenset({"features", "topics", "marketplace", "sponsors", "about", "pricing", "login",
                              "collections", "trending", "explore", "settings", "orgs", "apps", "site"})

# Characters that end a URL in running text (LaTeX braces and brackets included).
_URL_BODY = r"[^\s<>\"'{}|\\^`\[\]]"
_BARE_HOSTS = (r"(?:github|gitlab)\.com/|bitbucket\.org/|gitee\.com/|codeberg\.org/|huggingface\.co/|hf\.co/"
               r"|anonymous\.4open\.science/|sites\.google\.com/|[a-z0-9][a-z0-9-]*\.github\.io\b")
URL_IN_TEXT = re.compile(rf"(?:https?://|www\.){_URL_BODY}+|(?<![\w@./-])(?:{_BARE_HOSTS}){_URL_BODY}*",
                         re.I)

# LaTeX and HTML wrappers around URLs, and escapes inside them.
_LATEX_WRAPPERS = re.compile(r"\\(?:url|href|path|nolinkurl)\s*\{")
_LATEX_ESCAPES = [(re.compile(r"\\textasciitilde(?:\{\})?|\\~\{\}|\$\\sim\$|\\sim\b"), "~"),
                  (re.compile(r"\\([_%#&~])"), r"\1")]
_HTML_ANCHOR = re.compile(r"<a\s+href\s*=\s*", re.I)

# Repairs of URLs broken by spaces or line wraps in pasted text.
_SPACE_AFTER_SCHEME = re.compile(r"\b(https?://)\s+(?=[\w-]+\.)", re.I)
_HOST_SLASH_THEN_SPACE = re.compile(
    r"\b((?:https?://)?(?:www\.)?(?:github\.com|gitlab\.com|bitbucket\.org|huggingface\.co)/([\w.-]+/)?)"
    r"\s+([A-Za-z0-9][\w.-]*(?:/[\w.-]+)?)(?=[\s.,;:)]|$)", re.I)
_WRAPPED_HYPHEN = re.compile(
    r"\b((?:https?://)?(?:www\.)?(?:github\.com|gitlab\.com|huggingface\.co)/[\w.-]+/[\w.-]*-)\s+"
    r"(?=[a-z0-9][\w.-]*(?:[\s.,;:)]|$))", re.I)
_PROSE = frozenset("a an and as at by for from in is it of on or our see the this to we with".split())
_GLUED_SENTENCE = re.compile(r"(?<=[a-z0-9/])\.(?:[A-Z][a-z]{1,12})$")
_TRAILING = ".,;:!?'\"*…>"
_CLOSERS = {")": "(", "]": "[", "}": "{"}

_PAGE_WORDS = re.compile(r"home ?page|project (?:page|website|site)|web ?page|web ?site|\bdemos?\b|\bsite\b")
#: What turns a repository URL into a project page: a homepage, not a demo.
_HOMEPAGE_WORDS = re.compile(r"home ?page|project (?:page|website|site)|web ?page|web ?site")
_CODE_WORDS = re.compile(r"\bcodes?\b|implementation|source|\bprogram\b|toolkit|library|package"
                         r"|repositor|\brepo\b")
_PAGE_REPO = re.compile(r"(?i)[-_.](?:website|homepage|webpage|page|site|web|projectpage|project-page)$"
                        r"|\.github\.io$")


@dataclass(frozen=True)
class FoundUrl:
    """A URL found in text: normalised address, kind, and where it was written."""

    url: str
    kind: str
    raw: str
    start: int


def prepare_text(text: str) -> str:
    """Unwrap LaTeX/HTML link markup, unescape LaTeX inside URLs, and mend
    URLs that pasted text broke with spaces or line wraps."""
    if "\\" in text or "$" in text:
        text = _LATEX_WRAPPERS.sub(" ", text)
        for pattern, repl in _LATEX_ESCAPES:
            text = pattern.sub(repl, text)
    if "<a" in text or "<A" in text:
        text = _HTML_ANCHOR.sub(" ", text)
    low = text.lower()
    if ":// " in text or (("/ " in text or "- " in text)
                          and any(host in low for host in ("github", "gitlab", "bitbucket", "huggingface"))):
        text = _SPACE_AFTER_SCHEME.sub(r"\1", text)
        text = _HOST_SLASH_THEN_SPACE.sub(_join_path, text)
        text = _WRAPPED_HYPHEN.sub(r"\1", text)
    return text


def _join_path(m: re.Match) -> str:
    """Join "github.com/ owner/repo" and "github.com/owner/ repo" when the
    next word looks like the missing path, not like prose."""
    head, owner, tail = m.group(1), m.group(2), m.group(3)
    if tail.lower() in _PROSE or (not owner and "/" not in tail):
        return m.group(0)
    return head + tail


def strip_trailing(url: str) -> str:
    """Drop punctuation that ends the sentence rather than the URL; keep
    closing brackets that the URL itself opened."""
    while url:
        last = url[-1]
        if last in _TRAILING:
            url = url[:-1]
        elif last in _CLOSERS and url.count(_CLOSERS[last]) < url.count(last):
            url = url[:-1]
        else:
            glued = _GLUED_SENTENCE.search(url)
            if not glued:
                break
            url = url[: glued.start()]
    return url


def normalize_url(raw: str) -> str | None:
    """https, lowercase host, no ``www.`` on code hosts, no trailing slash or
    ``.git``; repository URLs cut to the repository (GitHub owner/repo).
    None for text that is not a usable web address."""
    url = raw.strip()
    if not re.match(r"https?://", url, re.I):
        url = "https://" + url
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower().rstrip(".")
        port = parts.port
    except ValueError:
        return None
    if not re.fullmatch(r"[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}", host):
        return None
    if host.startswith("www.") and (host[4:] in CODE_HOSTS or host[4:] in ("huggingface.co", "youtube.com")):
        host = host[4:]
    if host == "hf.co":
        host = "huggingface.co"
    if host == "dx.doi.org":
        host = "doi.org"
    segs = [s for s in parts.path.split("/") if s]
    query, keep_query = parts.query, True
    if host in _TWO_SEGMENT_HOSTS or host == "gitlab.com" or host == "huggingface.co" \
            or host == "anonymous.4open.science":
        segs, keep_query = _repository_path(host, segs), False
    path = "/".join(segs)
    if host == "doi.org":  # DOIs are case-insensitive; sources give them lowercase
        path = path.lower()
    netloc = host + (f":{port}" if port and port not in (80, 443) else "")
    out = f"https://{netloc}" + (f"/{path}" if path else "")
    if query and keep_query:
        out += "?" + query
    return out


def _repository_path(host: str, segs: list[str]) -> list[str]:
    if host == "gitlab.com":
        for stop in ("-", "tree", "blob"):
            if stop in segs:
                segs = segs[: segs.index(stop)]
    elif host == "huggingface.co":
        head = 3 if segs and segs[0] in ("datasets", "spaces", "collections") else 2
        segs = segs[:head]
    elif host == "anonymous.4open.science":
        segs = segs[:2]
    else:
        segs = segs[:2]
    if segs and segs[-1].lower().endswith(".git"):
        segs[-1] = segs[-1][:-4]
    return [s for s in segs if s]


def classify(url: str, context: str = "") -> str:
    """code | project | other, from the normalised URL and the words that
    announce it (the sentence before it, lowercase)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    segs = [s for s in parts.path.split("/") if s]
    bare = host[4:] if host.startswith("www.") else host
    if _DOCUMENT.search(parts.path):
        return "other"
    if bare in OTHER_HOSTS:
        return "other"
    if bare == "huggingface.co":
        return "project" if segs[:1] == ["spaces"] and len(segs) >= 2 else "other"
    if bare == "github.com" and (not segs or segs[0].lower() in _GITHUB_RESERVED):
        return "other"
    if bare in CODE_HOSTS:
        if not segs:
            return "other"
        if _PAGE_REPO.search(segs[-1]):
            return "project"
        if _HOMEPAGE_WORDS.search(context) and not _CODE_WORDS.search(context):
            return "project"
        return "code"
    if bare in PROJECT_HOSTS or bare.endswith(PROJECT_HOST_SUFFIXES):
        return "project"
    if _PAGE_WORDS.search(context):
        return "project"
    if _CODE_WORDS.search(context):
        return "code"
    return "other"


def announcing_context(text: str, start: int, width: int = 110) -> str:
    """The words before a URL in its sentence (lowercase), which say what it is."""
    before = text[max(0, start - width): start]
    cuts = [i for i in range(len(before) - 1) if before[i] in ".;?!" and before[i + 1] == " "]
    # "Check out our webpage! https://...": the words are in the sentence before.
    while cuts and len(before) - cuts[-1] < 16:
        cuts.pop()
    return before[cuts[-1] + 1:].lower() if cuts else before.lower()


def find_urls(text: str | None) -> list[FoundUrl]:
    """Every URL in ``text``, normalised and classified, first occurrence
    of each address only, in order of appearance."""
    if not text or ("." not in text):
        return []
    text = prepare_text(text)
    found: dict[str, FoundUrl] = {}
    for m in URL_IN_TEXT.finditer(text):
        raw = strip_trailing(m.group(0))
        url = normalize_url(raw)
        if not url or url in found:
            continue
        kind = classify(url, announcing_context(text, m.start()))
        found[url] = FoundUrl(url, kind, raw, m.start())
    return list(found.values())
