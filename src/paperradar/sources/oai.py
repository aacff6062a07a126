"""OAI-PMH: saved ListRecords/GetRecord answers (arXivRaw, arXiv, oai_dc) and ``oai:``.

``oai:SET[:FROM[:UNTIL]]`` (``oai:cs``, ``oai:cs:cs:LG:2024-06-01``) harvests
ListRecords in arXivRaw (every version with its date, the submitter, all DOIs).
After each page it yields ``Checkpoint("oai:ARG", next resumptionToken)`` (None
after the last page), so an interrupted harvest resumes where it stopped; an
expired token restarts the harvest with a Notice (the store skips papers it has).
"""

from __future__ import annotations

import logging
import re
from datetime import date
from typing import Any, Iterator, NamedTuple, Optional
from xml.etree.ElementTree import Element

from ..errors import InputError, SourceError
from ..models import Author, Link, Paper
from ..normalize import (
    latex_to_text, normalize_category, normalize_doi, parse_arxiv_id, parse_date, split_categories,
)
from .arxiv_feeds import arxiv_links, broken_xml_page, id_month, split_authors
from .base import Checkpoint, FileFormat, Input, Item, Notice, OnlineSource, Problem
from .http import broken_page_error, get_whole_page
from .xmlstream import (
    Found, all_text, child, child_text, children, local_name, root_name, stream_elements,
)

log = logging.getLogger(__name__)

SOURCE = "oai"
OAI_URL = "https://oaipmh.arxiv.org/oai"
METADATA_PREFIX = "arXivRaw"

_ARG = re.compile(r"(?P<set>[a-z-]+(?::[a-z-]+(?::[A-Za-z-]+)?)?)"
                  r"(?::(?P<since>\d{4}-\d{2}-\d{2})?(?::(?P<until>\d{4}-\d{2}-\d{2}))?)?")
#: Elements of arXiv/arXivRaw kept as source fields (the rest that is unknown goes to extra).
_SOURCE_FIELDS = {"submitter": "submitter", "license": "license", "proxy": "proxy",
                  "report-no": "report_no", "msc-class": "msc_class", "acm-class": "acm_class"}
_MAPPED = {"id", "title", "abstract", "authors", "categories", "comments", "journal-ref", "doi",
           "version", "created", "updated"} | set(_SOURCE_FIELDS)
#: Category names as oai_dc's <dc:subject> gives them, to put the primary category first.
_SUBJECTS = {"artificial intelligence": ["cs.AI"], "computation and language": ["cs.CL"],
             "computer vision and pattern recognition": ["cs.CV"], "robotics": ["cs.RO"],
             "machine learning": ["cs.LG", "stat.ML"], "information retrieval": ["cs.IR"],
             "neural and evolutionary computing": ["cs.NE"], "sound": ["cs.SD"]}


#: What an OAI-PMH answer says besides records: the next page, or an error.
_Token = NamedTuple("_Token", [("token", Optional[str]), ("attrs", dict)])
_OaiError = NamedTuple("_OaiError", [("code", str), ("message", str)])


def sniff(head: str) -> bool:
    return root_name(head) == "OAI-PMH"


def _oai_answer(inp: Input) -> Iterator[Item | _Token | _OaiError]:
    deleted = 0
    for found in stream_elements(inp, {"record", "resumptionToken", "error"}):
        if not isinstance(found, Found):
            yield found
            continue
        elem, name = found.element, local_name(found.element.tag)
        if name == "resumptionToken":
            yield _Token((elem.text or "").strip() or None, dict(elem.attrib))
        elif name == "error":
            yield _OaiError(elem.get("code", "unknown"), all_text(elem) or "")
        elif (header := child(elem, "header")) is not None and header.get("status") == "deleted":
            deleted += 1
        else:
            try:
                yield record_to_paper(elem)
            except ValueError as exc:
                yield Problem(f"{inp.origin}:{found.line}", str(exc))
    if deleted:
        yield Notice(f"{deleted} records are marked deleted in the repository; skipped", inp.origin)


def parse(inp: Input) -> Iterator[Item]:
    """A saved OAI-PMH answer -> items; an OAI error becomes a Notice or a Problem."""
    for item in _oai_answer(inp):
        if isinstance(item, _Token):
            if item.token:
                size = item.attrs.get("completeListSize", "?")
                yield Notice(f"one page of a longer OAI-PMH list ({size} records in all; "
                             f"resumptionToken {item.token}): harvest the rest with oai:SET",
                             inp.origin)
        elif isinstance(item, _OaiError):
            if item.code == "noRecordsMatch":
                yield Notice(f"no records: {item.message}", inp.origin)
            else:
                yield Problem(inp.origin, f"the OAI-PMH answer is an error, {item.code}: "
                                          f"{item.message}")
        else:
            yield item


def record_to_paper(record: Element) -> Paper:
    """One OAI-PMH ``<record>`` (arXivRaw, arXiv or oai_dc) -> Paper. ValueError if unusable."""
    header = child(record, "header")
    header = Element("header") if header is None else header
    identifier = child_text(header, "identifier") or "(no id)"
    metadata = child(record, "metadata")
    meta = metadata[0] if metadata is not None and len(metadata) else None
    fmt = local_name(meta.tag) if meta is not None else "nothing"
    sets = [s for e in children(header, "setSpec") if (s := all_text(e))]
    if fmt == "arXivRaw":
        paper = _raw_paper(meta)
    elif fmt == "arXiv":
        paper = _arxiv_paper(meta)
    elif fmt == "dc":
        paper = _dc_paper(meta, sets)
    else:
        raise ValueError(f"record {identifier}: its metadata is <{fmt}>, not a format paperradar "
                         "reads; harvest with metadataPrefix=arXivRaw (or arXiv, oai_dc)")
    if not paper.arxiv_id:
        paper.arxiv_id, paper.arxiv_version = parse_arxiv_id(identifier)
    if not paper.arxiv_id or not paper.title:
        missing = "title" if paper.arxiv_id else "arXiv id"
        raise ValueError(f"record {identifier} has no {missing}; skipped")
    paper.source, paper.source_id = SOURCE, paper.arxiv_id
    paper.links = arxiv_links(paper.arxiv_id, paper.arxiv_version) + paper.links
    stamp = child_text(header, "datestamp")
    paper.source_fields.update({k: v for k, v in (("datestamp", stamp), ("sets", sets)) if v})
    return paper


def _common(meta: Element) -> Paper:
    """The fields arXiv and arXivRaw share."""
    arxiv_id, version = parse_arxiv_id(child_text(meta, "id"))
    raw_dois = re.split(r"[\s,;]+", child_text(meta, "doi") or "")
    dois = [d for x in raw_dois if (d := normalize_doi(x))]
    paper = Paper(
        title=child_text(meta, "title"), abstract=child_text(meta, "abstract"),
        categories=split_categories(child_text(meta, "categories")), arxiv_id=arxiv_id,
        arxiv_version=version, doi=dois[0] if dois else None, comments=child_text(meta, "comments"),
        journal_ref=child_text(meta, "journal-ref"),
        links=[Link(f"https://doi.org/{d}", "doi") for d in dois],
    )
    if dois[1:]:
        paper.source_fields["other_dois"] = dois[1:]
    for sub in meta:
        name = local_name(sub.tag)
        if name in _SOURCE_FIELDS and all_text(sub):
            paper.source_fields[_SOURCE_FIELDS[name]] = all_text(sub)
        elif name not in _MAPPED:
            paper.extra[name] = all_text(sub)
    return paper


def _raw_paper(meta: Element) -> Paper:
    paper = _common(meta)
    versions = [{**{local_name(e.tag): all_text(e) for e in v}, "version": v.get("version", "")}
                for v in children(meta, "version")]
    for version in versions:
        version["date"] = parse_date(version.get("date"))
    numbered = sorted(((int(v["version"][1:]), v["date"]) for v in versions
                       if re.fullmatch(r"v[0-9]{1,6}", v["version"])), key=lambda n: n[0])
    if numbered:
        paper.date, paper.updated = numbered[0][1], numbered[-1][1]
        paper.arxiv_version = numbered[-1][0]
        paper.source_fields["versions"] = versions
    paper.authors = split_authors(child_text(meta, "authors"))
    return paper


def _arxiv_paper(meta: Element) -> Paper:
    paper = _common(meta)
    for author in meta.iterfind("{*}authors/{*}author"):
        name = " ".join(filter(None, (child_text(author, n)
                                      for n in ("forenames", "keyname", "suffix"))))
        if name:
            affiliations = [a for e in children(author, "affiliation") if (a := all_text(e))]
            paper.authors.append(Author(latex_to_text(name) or name,
                                        [latex_to_text(a) or a for a in affiliations]))
    created, month = parse_date(child_text(meta, "created")), id_month(paper.arxiv_id)
    # oaipmh.arxiv.org gives the latest version's date as "created"; one later
    # than the id's month is not the first version's date, so keep the month.
    paper.date = month if created and month and created[:7] > month else created
    paper.updated = parse_date(child_text(meta, "updated"))
    if created and paper.date != created:
        paper.source_fields["created"] = created
    return paper


def _dc_paper(meta: Element, sets: list[str]) -> Paper:
    texts: dict[str, list[str]] = {}
    for sub in meta:
        if text := all_text(sub):
            texts.setdefault(local_name(sub.tag), []).append(text)
    descriptions = texts.get("description", [None])
    paper = Paper(title=texts.get("title", [None])[0], abstract=descriptions[0])
    if descriptions[1:]:
        paper.comments = re.sub(r"^Comments?:\s*", "", " ".join(descriptions[1:]))
    for creator in texts.get("creator", []):
        last, _, first = creator.partition(",")
        name = f"{first.strip()} {last.strip()}".strip()
        paper.authors.append(Author(latex_to_text(name) or name))
    dates = sorted(d for d in map(parse_date, texts.get("date", [])) if d) or [None]
    paper.date, paper.updated = dates[0], dates[-1]
    for ident in texts.get("identifier", []):
        if ident.lower().startswith("doi:") or ident.startswith("10."):
            paper.doi = paper.doi or normalize_doi(ident)
        elif "arxiv.org/" in ident:
            paper.arxiv_id, paper.arxiv_version = parse_arxiv_id(ident)
        elif not ident.startswith("http"):
            paper.journal_ref = paper.journal_ref or ident
    if paper.doi:
        paper.links.append(Link(f"https://doi.org/{paper.doi}", "doi"))
    # Sets name categories ("cs:cs:LG" -> cs.LG); the first subject names the primary.
    paper.categories = [c for c in (normalize_category(".".join(s.split(":")[1:]))
                                    for s in sets if ":" in s) if c]
    subjects = texts.get("subject", [])
    name = re.sub(r"^[\w ]+ - ", "", subjects[0]).lower() if subjects else ""
    primary = [c for c in _SUBJECTS.get(name, []) if c in paper.categories]
    if len(primary) == 1:
        paper.categories.sort(key=lambda c: c != primary[0])
    paper.source_fields = {"subjects": subjects} if subjects else {}
    mapped = {"title", "description", "creator", "date", "identifier", "subject", "type"}
    paper.extra = {k: v for k, v in texts.items() if k not in mapped}
    return paper


def parse_harvest_arg(arg: str) -> tuple[str, str | None, str | None]:
    """'cs:cs:LG:2024-06-01:2024-06-30' -> ('cs:cs:LG', '2024-06-01', '2024-06-30')."""
    m = _ARG.fullmatch(arg.strip())
    problem = None if m else f"{arg!r} is not SET[:FROM[:UNTIL]] with dates as YYYY-MM-DD"
    if m:
        try:
            since, until = (date.fromisoformat(d) if d else None for d in m.group("since", "until"))
            if since and until and since > until:
                problem = f"FROM {since} is after UNTIL {until}"
        except ValueError as exc:
            problem = f"not a real date ({exc})"
    if problem or not m:
        raise InputError(f"oai:{arg}", f"{problem}; write e.g. oai:cs, oai:cs:cs:LG or "
                                       "oai:cs:cs:LG:2024-06-01:2024-06-30")
    return m.group("set"), m.group("since"), m.group("until")


def fetch(arg: str, http, resume_state: Any = None) -> Iterator[Item]:
    """``oai:SET[:FROM[:UNTIL]]``: harvest ListRecords in arXivRaw, page by page, resumably."""
    set_spec, since, until = parse_harvest_arg(arg)
    key = where = f"oai:{arg}"
    first = {"verb": "ListRecords", "metadataPrefix": METADATA_PREFIX, "set": set_spec}
    first.update({k: v for k, v in (("from", since), ("until", until)) if v})
    token, restarted = (resume_state if isinstance(resume_state, str) else None) or None, False
    while True:
        params = {"verb": "ListRecords", "resumptionToken": token} if token else first
        (items, next_token, error), broken, response = get_whole_page(
            http, OAI_URL, params, _read_page)
        if error and error.code == "badResumptionToken" and token and not restarted:
            yield Notice(f"the harvest position was refused ({error.message}); the token "
                         f"has probably expired, so the harvest of {set_spec} restarts from the "
                         "beginning (papers already stored are not added twice)", where)
            token, restarted = None, True
            continue
        if error and error.code == "noRecordsMatch":
            span = f" from {since or 'the start'} until {until or 'now'}" if since or until else ""
            yield Notice(f"no records in set {set_spec}{span}: {error.message}", where)
            yield Checkpoint(key, None)
            return
        if error or response.status_code != 200:
            said = f"{error.code}: {error.message}" if error else f"HTTP {response.status_code}"
            raise SourceError(f"{where}: the OAI-PMH server answered {said} ({response.url})")
        yield from items
        if broken:  # the papers before the break are in; no checkpoint past this page
            raise broken_page_error(where, response.url, broken)
        log.info("%s: page read; next resumptionToken %s", where, next_token)
        yield Checkpoint(key, next_token)
        if not next_token:
            return
        token = next_token


def _read_page(response) -> tuple[tuple[list[Item], str | None, _OaiError | None], str | None]:
    """One ListRecords answer -> (items, next token, error), and why a 200 is not whole."""
    items, token, error, unreadable = [], None, None, None
    try:
        for item in _oai_answer(Input.from_bytes(response.content, str(response.url))):
            if isinstance(item, _Token):
                token = item.token
            elif isinstance(item, _OaiError):
                error = error or item
            else:
                items.append(item)
    except InputError as exc:
        unreadable = exc.message
    broken = None if response.status_code != 200 or error else broken_xml_page(
        response.content, items, unreadable, ("OAI-PMH",), "OAI-PMH answer")
    return (items, token, error), broken


FORMATS = [FileFormat("oai-pmh", "OAI-PMH ListRecords/GetRecord in arXivRaw, arXiv or oai_dc",
                      sniff, parse, priority=20)]
SOURCES = [OnlineSource("oai", "harvest arXiv's OAI-PMH metadata for a set, optionally from/until "
                               "dates; resumable", "oai:cs:cs:LG:2024-06-01", fetch)]
