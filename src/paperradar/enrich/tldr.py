"""The ``tldr`` enricher: one sentence that says what a paper does.

Where the TL;DR comes from, first that applies:

1. a source that carries one (Hugging Face Daily Papers' ``ai_summary``):
   ``method: "source"``, kept as given;
2. a generative backend, when one is configured (``PAPERRADAR_LLM_URL`` and
   ``PAPERRADAR_LLM_MODEL``, see ``backend``) *and* asked for
   (``PAPERRADAR_TLDR=llm`` or the setting ``tldr_backend: true``):
   ``method: <backend name>``; replies are cached per (title + abstract hash,
   backend) in the store's backend cache; when the backend fails the paper
   gets the extractive TL;DR and the run a notice;
3. offline, extractive (``tldr_extractive``): the abstract's most central
   sentence, with a bonus for sentences that say what the paper does, trimmed
   to about 200 characters. Centrality by TF-IDF by default (``method:
   "extractive-tfidf"``), or by the embedding model with
   ``PAPERRADAR_TLDR=extractive`` (``method: "extractive"``): measured as
   close to the reference summaries in ``benchmarks/bench_tldr.py`` and ~100x
   slower.

A paper without an abstract gets no TL;DR (a title alone is not one).
"""

from __future__ import annotations

import logging
import os
import re
from typing import TYPE_CHECKING

from ..errors import PaperradarError
from .backend import CircuitBreaker, backend_from, cached_chat, is_true, text_hash
from .base import EnrichContext, Enrichment
from .tldr_extractive import LIMIT, extract

if TYPE_CHECKING:
    from ..models import Paper

log = logging.getLogger(__name__)

VERSION = "1"
PROMPT_VERSION = "tldr-1"
SYSTEM_PROMPT = "You write one-sentence TL;DRs of research papers for busy researchers."
USER_PROMPT = ("Title: {title}\n\nAbstract: {abstract}\n\n"
               "Write ONE sentence of at most 30 words that says what this paper does and what it finds. "
               "Do not start with 'This paper'. Answer with the sentence only.")
_ANSWER_PREFIX = re.compile(r"^\s*(?:tl;?dr|summary|one[- ]sentence summary)\s*[:：-]\s*", re.IGNORECASE)


def source_tldr(paper: Paper) -> tuple[str, str] | None:
    """(text, source) of a one-line summary a source carried (Hugging Face's
    ``ai_summary``), if any."""
    candidates = [(paper.source, paper.source_fields)] + [(s.source, s.fields) for s in paper.sources]
    for source, fields in candidates:
        text = (fields or {}).get("ai_summary")
        if isinstance(text, str) and text.strip():
            return " ".join(text.split()), source
    return None


def clean_reply(reply: str, limit: int = 2 * LIMIT) -> str:
    """A model's answer as one TL;DR line: first paragraph, no "TL;DR:" prefix or quotes."""
    text = reply.strip().split("\n\n")[0]
    text = _ANSWER_PREFIX.sub("", " ".join(text.split()))
    text = text.strip().strip('"“”').strip()
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return text


class TldrEnricher:
    """One-sentence TL;DR per paper: from the source, a configured backend, or extractive."""

    name = "tldr"
    requires: tuple[str, ...] = ()
    description = "one-sentence TL;DR (extractive offline; an OpenAI-compatible backend when asked)"

    def __init__(self) -> None:
        self.version = f"{VERSION}:extractive"
        self._backend: CircuitBreaker | None = None
        self._embed = None
        self._method = "extractive"
        self._fallbacks = 0

    def prepare(self, ctx: EnrichContext) -> str | None:
        """Pick the backend (when asked) and the sentence scorer; set ``version``."""
        self._backend = None
        self._fallbacks = 0
        mode = _mode(ctx)
        if mode == "llm":
            try:
                backend = backend_from(ctx.settings)
                problem = None if backend else "no backend is configured"
            except PaperradarError as exc:
                backend, problem = None, str(exc)
            if problem:
                ctx.notice(f"tldr: a generative TL;DR was asked for but {problem} "
                           "(set PAPERRADAR_LLM_URL and PAPERRADAR_LLM_MODEL); using extractive TL;DRs")
            if backend is not None:
                self._backend = CircuitBreaker(backend)
        scorer = self._load_scorer(ctx, tfidf=(mode == "tfidf" or (mode == "llm" and DEFAULT_MODE == "tfidf")))
        self.version = f"{VERSION}:{scorer}" + (f":{self._backend.name}" if self._backend else "")
        return None

    def _load_scorer(self, ctx: EnrichContext, tfidf: bool = False) -> str:
        from ..index.embed import EmbeddingModelMissing, default_embedder

        if tfidf:
            self._embed, self._method = None, "extractive-tfidf"
            return "tfidf"
        try:
            embedder = default_embedder()
        except EmbeddingModelMissing as exc:
            self._embed, self._method = None, "extractive-tfidf"
            ctx.notice(f"tldr: {exc}; choosing TL;DR sentences by TF-IDF instead")
            return "tfidf"
        self._embed, self._method = embedder.embed, "extractive"
        return embedder.name

    def enrich(self, papers: list[Paper], ctx: EnrichContext) -> list[Enrichment | None]:
        """One TL;DR per paper with an abstract (None without one)."""
        out = [self._one(paper, ctx) for paper in papers]
        if self._fallbacks and self._backend is not None:
            error = self._backend.last_error
            ctx.notice(f"tldr: {self._fallbacks} papers got an extractive TL;DR because the backend failed"
                       f" ({error}); run `paperradar enrich --only tldr --redo` when it is back")
            self._fallbacks = 0
        return out

    def _one(self, paper: Paper, ctx: EnrichContext) -> Enrichment | None:
        given = source_tldr(paper)
        if given:
            return Enrichment({"text": given[0], "method": "source", "source": given[1] or None})
        if not paper.abstract or not paper.abstract.strip():
            return None
        if self._backend is not None:
            text = self._generate(paper, ctx)
            if text:
                return Enrichment({"text": text, "method": self._backend.name})
            self._fallbacks += 1
        found = extract(paper.abstract, self._embed)
        if found is None:
            return None
        return Enrichment({"text": found.text, "method": self._method, "sentence": found.index,
                           "cut": found.cut})

    def _generate(self, paper: Paper, ctx: EnrichContext) -> str | None:
        assert self._backend is not None
        messages = [{"role": "system", "content": SYSTEM_PROMPT},
                    {"role": "user", "content": USER_PROMPT.format(title=paper.title or "(none)",
                                                                   abstract=paper.abstract)}]
        key = text_hash(PROMPT_VERSION, paper.title, paper.abstract)
        was_open = self._backend.open  # an open breaker still serves what the cache has
        try:
            reply = cached_chat(ctx.store, self._backend, "tldr", key, messages, max_tokens=96)
        except PaperradarError as exc:
            if not was_open:
                log.warning("tldr for %s: %s", paper.id, exc)
            return None
        return clean_reply(reply) or None


MODES = ("extractive", "tfidf", "llm")
#: TF-IDF scoring: as close to the reference summaries as the embedding model
#: (ROUGE-1 0.354 vs 0.337 on the held-out 200, within noise) at ~100x the speed.
DEFAULT_MODE = "tfidf"


def _mode(ctx: EnrichContext) -> str:
    """How TL;DRs are made: settings["tldr"] or PAPERRADAR_TLDR ("tfidf", the
    default: sentences scored by TF-IDF centrality; "extractive": scored with the
    embedding model, as good on benchmarks/bench_tldr.py and ~100x slower;
    "llm": the configured backend); ``tldr_backend: true`` means "llm"."""
    if is_true(ctx.settings.get("tldr_backend")):
        return "llm"
    mode = str(ctx.settings.get("tldr") or os.environ.get("PAPERRADAR_TLDR") or DEFAULT_MODE).strip().lower()
    if mode not in MODES:
        ctx.notice(f"tldr: PAPERRADAR_TLDR={mode!r} is not one of {', '.join(MODES)}; using {DEFAULT_MODE}")
        return DEFAULT_MODE
    return mode


ENRICHERS = [TldrEnricher()]
