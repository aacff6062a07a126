"""A digest: the period's ranked papers laid out like the bilingual digest posts.

``build_digest`` asks ``rank`` for the ranking (trending, or a reader's for-you
ranking when that is available) and turns each paper into an ``EntryView``:
numbered, ``[CAT]`` tag (a predicted category is marked ``[CV?]``), title (and
its Chinese title for ``zh``/``both``), authors, affiliations, TL;DR or summary
in the asked language, abstract and links; then a short "also worth a look"
list. Renderers (Markdown, text, HTML, email, RSS, Atom) only lay this out.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..enrich.base import predicted_categories
from ..errors import InputError, PaperradarError
from ..models import Paper
from ..normalize import SHORT_CATEGORIES
from ..rank.trending import Period, Trending, rank_trending
from ..store import Store

log = logging.getLogger(__name__)

LANGUAGES = ("en", "zh", "both")
MAX_AUTHORS = 10
LABELS = {
    "en": {"heading": "Trending papers", "also": "Also worth a look", "tldr": "TL;DR",
           "summary": "Summary", "abstract": "Abstract", "pdf": "PDF", "code": "Code", "project": "Project",
           "hf": "Hugging Face", "other": "Link", "why": "Why", "for": "for", "unsubscribe": "Unsubscribe",
           "ranked_trending": "Ranked by Hugging Face upvotes, readers' likes, code and sources.",
           "ranked_foryou": "Ranked for you from your library.", "empty": "No papers."},
    "zh": {"heading": "论文速递", "also": "另外几篇值得关注的论文", "tldr": "TL;DR", "summary": "摘要",
           "abstract": "Abstract", "pdf": "PDF", "code": "代码", "project": "项目主页", "hf": "Hugging Face",
           "other": "链接", "why": "推荐理由", "for": "给", "unsubscribe": "退订",
           "ranked_trending": "按 Hugging Face 点赞、读者喜欢、是否开源代码和来源数排序。",
           "ranked_foryou": "按你的文献库为你排序。", "empty": "没有论文。"},
}
LINK_ORDER = ("abstract", "pdf", "code", "project", "hf", "other")
_SHORT = {v: k for k, v in SHORT_CATEGORIES.items()}


def labels_for(language: str) -> dict[str, str]:
    """UI words in a digest language; ``both`` puts English and Chinese side by side."""
    if language == "both":
        en, zh = LABELS["en"], LABELS["zh"]
        return {k: en[k] if en[k] == zh[k] else f"{en[k]} · {zh[k]}" for k in en}
    return LABELS["zh" if language == "zh" else "en"]


@dataclass
class Ranked:
    """One ranked paper, from whichever ranking made the digest."""

    pk: int
    paper: Paper
    score: float
    reasons: list[str] = field(default_factory=list)
    day: str | None = None  # the day it appeared (listed or announced)


@dataclass
class EntryView:
    number: int
    pk: int
    paper: Paper
    score: float
    reasons: list[str]
    tag: str | None  # "CV", or "CV?" when predicted
    title: str  # LaTeX-bearing, as stored; renderers convert it
    alt_title: str | None  # the Chinese title for zh/both
    authors: list[str]
    affiliations: list[str]
    summaries: list[tuple[str, str]]  # (label, text): TL;DR and/or translated summary
    abstract: str | None
    links: list[tuple[str, str, str]]  # (kind, label, url), http(s) only
    day: str | None = None

    def link(self, kind: str) -> str | None:
        return next((url for k, _, url in self.links if k == kind), None)


@dataclass
class Digest:
    title: str
    period: Period
    language: str
    entries: list[EntryView]
    also: list[EntryView]
    ranking: str = "trending"  # or "for you"
    notes: list[str] = field(default_factory=list)
    empty_reason: str | None = None
    reader: str | None = None
    topic: str | None = None
    unsubscribe_url: str | None = None
    generated: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def labels(self) -> dict[str, str]:
        return labels_for(self.language)

    @property
    def pks(self) -> list[int]:
        return [e.pk for e in self.entries + self.also]

    def __len__(self) -> int:
        return len(self.entries) + len(self.also)


# -- one entry ---------------------------------------------------------------------------

def category_tag(paper: Paper) -> str | None:
    """'CV' for a given cs.CV, 'CV?' for a predicted one, None when neither."""
    if paper.categories:
        return _SHORT.get(paper.categories[0], paper.categories[0])
    predicted = predicted_categories(paper)
    if predicted and predicted[0].get("category"):
        return _SHORT.get(predicted[0]["category"], predicted[0]["category"]) + "?"
    return None


def translation(paper: Paper, language: str) -> dict[str, str]:
    """The paper's title and summary in ``language`` (zh matches zh-cn...), from a source or
    the translate enricher; empty when there is none."""
    found = (paper.enrichments.get("translate") or {})
    for pool in (paper.translations, found):
        for code, value in pool.items():
            if isinstance(value, dict) and (code == language or code.startswith(language + "-")):
                return {k: v for k, v in value.items() if isinstance(v, str) and v.strip()}
    return {}


def tldr_of(paper: Paper) -> str | None:
    text = (paper.enrichments.get("tldr") or {}).get("text")
    if isinstance(text, str) and text.strip():
        return text.strip()
    from ..enrich.tldr import source_tldr

    found = source_tldr(paper)
    return found[0] if found else None


def _safe_url(url: Any) -> str | None:
    return url.strip() if isinstance(url, str) and url.strip().lower().startswith(("https://", "http://")) \
        and not any(c in url.strip() for c in " \r\n\t<>\"") else None


def links_of(paper: Paper, labels: dict[str, str]) -> list[tuple[str, str, str]]:
    """(kind, label, url) for the abstract, PDF, code, project and Hugging Face pages."""
    found: dict[str, str] = {}
    extra = (paper.enrichments.get("links") or {}).get("links") or []
    candidates = [(link.kind, link.url) for link in paper.links]
    candidates += [(x.get("kind"), x.get("url")) for x in extra if isinstance(x, dict)]
    if paper.arxiv_id:
        candidates += [("abstract", f"https://arxiv.org/abs/{paper.arxiv_id}"),
                       ("pdf", f"https://arxiv.org/pdf/{paper.arxiv_id}")]
    if paper.doi:
        candidates.append(("abstract", f"https://doi.org/{paper.doi}"))
    for kind, url in candidates:
        url = _safe_url(url)
        if url and kind == "other" and "huggingface.co/papers/" in url:
            kind = "hf"
        if url and kind in LINK_ORDER:
            found.setdefault(kind, url)
    if len(found) > 1:  # a plain link only when there is nothing better (a pasted post's)
        found.pop("other", None)
    return [(k, labels[k], found[k]) for k in LINK_ORDER if k in found]


def _affiliations(paper: Paper) -> list[str]:
    found = paper.all_affiliations()
    if not found:
        orgs = [s.fields.get("organization") for s in paper.sources]
        found = [o for o in orgs if isinstance(o, str) and o.strip()][:1]
    return found


def entry_view(number: int, ranked: Ranked, language: str) -> EntryView:
    """A ranked paper laid out for a digest in ``language`` (en, zh or both)."""
    paper, labels = ranked.paper, labels_for(language)
    other = translation(paper, "zh") if language in ("zh", "both") else {}
    tldr = tldr_of(paper)
    summaries: list[tuple[str, str]] = []
    if tldr and (language != "zh" or not other.get("summary")):
        summaries.append((LABELS["en"]["tldr"], tldr))
    if other.get("summary"):
        summaries.append((LABELS["zh"]["summary"], other["summary"]))
    names = paper.author_names
    authors = names[:MAX_AUTHORS] + (["et al."] if len(names) > MAX_AUTHORS else [])
    return EntryView(
        number=number, pk=ranked.pk, paper=paper, score=ranked.score, reasons=ranked.reasons,
        tag=category_tag(paper), title=paper.display_title(), alt_title=other.get("title"),
        authors=authors, affiliations=_affiliations(paper), summaries=summaries,
        abstract=paper.abstract, links=links_of(paper, labels), day=ranked.day)


# -- the digest ---------------------------------------------------------------------------

def _as_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value] if value else []
    return [str(v) for v in value or [] if v]


def for_you(store: Store, reader: Any, candidates: list[Ranked]) -> tuple[list[Ranked] | None, str | None]:
    """The reader's for-you ranking of the candidates (``rank.foryou.recommend(store, reader,
    papers, limit=n)``), or None and a note saying why trending is shown instead."""
    try:
        from ..rank.foryou import recommend
    except ImportError as exc:
        return None, f"for-you ranking is not available ({exc}); showing trending instead"
    by_id = {c.paper.id: c for c in candidates}
    try:
        recommended = recommend(store, reader, [c.paper for c in candidates], limit=len(candidates))
    except (PaperradarError, ImportError) as exc:  # no library yet; the [embed] extra missing
        return None, f"no for-you ranking for {reader.name}: {exc}; showing trending instead"
    out = []
    for item in recommended or []:
        paper = item if isinstance(item, Paper) else getattr(item, "paper", None)
        known = by_id.get(getattr(paper, "id", None))
        if known is None:
            continue
        why = _as_list(getattr(item, "why", None) or getattr(item, "reasons", None)) or known.reasons
        out.append(Ranked(known.pk, known.paper, float(getattr(item, "score", known.score) or 0.0), why,
                          known.day))
    return out, None


def digest_title(period: Period, language: str, topic: str | None = None, reader: str | None = None) -> str:
    labels = labels_for(language)
    title = f"paperradar · {labels['heading']} {period.label}"
    if topic:
        title += f" · {topic}"
    if reader:
        title += f" · {labels['for']} {reader}"
    return title


def build_digest(store: Store, period: Period, *, language: str = "en", limit: int = 10, also: int = 5,
                 reader: str | None = None, allowed: set[int] | None = None, exclude: set[int] = frozenset(),
                 topic: str | None = None, trending: Trending | None = None,
                 now: datetime | None = None) -> Digest:
    """The digest of a period: ``limit`` numbered entries, then ``also`` more titles.

    ``allowed`` keeps only those papers (a subscription's or feed's topics), ``exclude``
    drops papers already sent. With ``reader`` the entries are that reader's for-you
    ranking when paperradar has one, else trending with a note.
    """
    if language not in LANGUAGES:
        raise InputError("--lang", f"language is one of {', '.join(LANGUAGES)}, not {language!r}")
    if limit < 1 or also < 0:
        raise InputError("--limit", "a digest needs at least one entry (--limit 1 or more)")
    trending = trending or rank_trending(store, period, now=now)
    ranked = [Ranked(e.pk, e.paper, e.score, e.reasons, e.appeared) for e in trending.entries
              if (allowed is None or e.pk in allowed) and e.pk not in exclude]
    notes, ranking = [], "trending"
    if reader is not None and ranked:
        person = store.reader(reader, create=False)
        mine, note = for_you(store, person, ranked)
        if mine is not None:
            ranked, ranking = mine, "for you"
        else:
            notes.append(note)
    empty = trending.empty_reason
    if not ranked and empty is None:
        empty = ("nothing new on these topics" if allowed is not None else "nothing new") + f" for {period.label}"
    views = [entry_view(i, r, language) for i, r in enumerate(ranked[:limit + also], 1)]
    return Digest(title=digest_title(period, language, topic, reader), period=period, language=language,
                  entries=views[:limit], also=views[limit:], ranking=ranking, notes=notes,
                  empty_reason=None if views else empty, reader=reader, topic=topic,
                  generated=now or datetime.now(UTC))
