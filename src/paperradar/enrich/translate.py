"""The ``translate`` enricher: a paper's title and summary in the reader's
other language, from a configured translator backend, never invented.

Configuration (settings, else environment)::

    PAPERRADAR_LLM_URL / PAPERRADAR_LLM_MODEL   the backend (see ``backend``)
    PAPERRADAR_LANGUAGES=zh                     target languages (settings["languages"])
    PAPERRADAR_TRANSLATE_SUMMARY=abstract       what "summary" translates: the
                                                abstract (default) or the TL;DR

Without a backend and target languages the enricher is skipped with a reason
that says what to set: no offline translation model is packaged, and a
translation is never made up.

Which translations a paper gets: each configured language other than the
paper's own, and English for a paper whose text is Chinese, Japanese or
Korean (told by the share of CJK characters). Translations a source carries
(the bilingual digest's Chinese title and summary, in ``paper.translations``)
are kept as they are and never requested again for that language.

"summary" is the translated abstract by default, like the digests' Chinese
summaries (``summary_of: "abstract"``); ``PAPERRADAR_TRANSLATE_SUMMARY=tldr``
translates the TL;DR instead (one sentence: much cheaper on a slow local
model). Every text is cached per (text hash, language, backend) in the
store's backend cache (task ``translate:<lang>``), so changing the model or
the text asks again and nothing else does.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from ..errors import InputError, PaperradarError
from .backend import (
    Backend,
    CircuitBreaker,
    backend_from,
    cached_chat,
    setting,
    text_hash,
)
from .base import EnrichContext, Enrichment, RetryLater

if TYPE_CHECKING:
    from ..models import Paper

log = logging.getLogger(__name__)

VERSION = "1"
PROMPT_VERSION = "translate-1"
NOT_CONFIGURED = "translation is not configured: set {missing} (see README)"
LANGUAGE_NAMES = {
    "en": "English", "zh": "Simplified Chinese", "zh-cn": "Simplified Chinese", "zh-hans": "Simplified Chinese",
    "zh-tw": "Traditional Chinese", "zh-hant": "Traditional Chinese", "ja": "Japanese", "ko": "Korean",
    "de": "German", "fr": "French", "es": "Spanish", "it": "Italian", "pt": "Portuguese", "ru": "Russian",
    "vi": "Vietnamese", "ar": "Arabic", "hi": "Hindi", "tr": "Turkish", "pl": "Polish", "nl": "Dutch",
}
SYSTEM_PROMPT = "You are a careful translator of machine-learning research papers."
USER_PROMPT = ("Translate this {what} of a research paper from {source} into {target}. Keep model names, "
               "acronyms, code, numbers and LaTeX unchanged. Answer with the translation only, no notes."
               "\n\n{text}")
_CODE = re.compile(r"^[a-z]{2,3}(?:-[a-z0-9]{2,8})?$")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")
_LATIN = re.compile(r"[A-Za-z]")
_ANSWER_PREFIX = re.compile(r"^\s*(?:translation|译文|翻译|title|标题)\s*[:：]\s*", re.IGNORECASE)


def configured_languages(settings: dict[str, Any]) -> list[str]:
    """Target language codes from ``settings["languages"]`` or PAPERRADAR_LANGUAGES
    (comma- or space-separated), lower-cased, without repeats."""
    raw = setting(settings, "languages", "PAPERRADAR_LANGUAGES") or []
    items = re.split(r"[,\s]+", raw) if isinstance(raw, str) else list(raw)
    out: list[str] = []
    for item in items:
        code = str(item).strip().lower().replace("_", "-")
        if not code:
            continue
        if not _CODE.match(code):
            raise InputError("PAPERRADAR_LANGUAGES", f"{item!r} is not a language code (examples: zh, ja, de)")
        if code not in out:
            out.append(code)
    return out


def text_language(paper: Paper) -> str:
    """"zh", "ja" or "ko" when the paper's text is mostly CJK, else "en"."""
    text = paper.abstract or paper.title or ""
    han, kana, hangul = len(_HAN.findall(text)), len(_KANA.findall(text)), len(_HANGUL.findall(text))
    cjk = han + kana + hangul
    if not cjk or cjk / (cjk + len(_LATIN.findall(text))) < 0.2:
        return "en"
    if hangul > han:
        return "ko"
    return "ja" if kana else "zh"


def _canonical(code: str) -> str:
    return "zh" if code in ("zh-cn", "zh-hans") else code


def _base(code: str) -> str:
    return code.split("-")[0]


def targets_for(paper: Paper, languages: list[str]) -> list[str]:
    """The languages this paper still needs: configured ones other than its own,
    English for a CJK paper, minus what a source already carries."""
    own = text_language(paper)
    wanted = [code for code in languages if _base(code) != own]
    if own != "en" and "en" not in wanted:
        wanted.append("en")
    carried = {_canonical(code.lower()) for code, value in paper.translations.items() if value}
    return [code for code in wanted if _canonical(code) not in carried]


def clean_translation(reply: str, one_line: bool) -> str:
    """A model's answer as the translation: no "Translation:" prefix, no wrapping quotes."""
    text = reply.strip()
    if one_line:
        text = text.split("\n")[0]
    text = _ANSWER_PREFIX.sub("", text).strip()
    if len(text) >= 2 and text[0] in "\"“「『" and text[-1] in "\"”」』":
        text = text[1:-1].strip()
    return text


class TranslateEnricher:
    """Title and summary in the configured languages, from a translator backend."""

    name = "translate"
    requires: tuple[str, ...] = ("tldr",)
    description = "title and summary in other languages (needs a translator backend: PAPERRADAR_LLM_URL)"

    def __init__(self) -> None:
        self.version = f"{VERSION}:unconfigured"
        self._backend: CircuitBreaker | None = None
        self._languages: list[str] = []
        self._summary_of = "abstract"
        self._noticed = False

    def prepare(self, ctx: EnrichContext) -> str | None:
        """Skip (saying what to set) unless a backend and target languages are configured."""
        backend = backend_from(ctx.settings)  # InputError: the runner shows it as the skip reason
        languages = configured_languages(ctx.settings)
        missing = []
        if backend is None:
            missing.append("PAPERRADAR_LLM_URL and PAPERRADAR_LLM_MODEL (an OpenAI-compatible translator)")
        if not languages:
            missing.append("PAPERRADAR_LANGUAGES (such as zh)")
        if missing:
            return NOT_CONFIGURED.format(missing=" and ".join(missing))
        summary_of = str(setting(ctx.settings, "translate_summary", "PAPERRADAR_TRANSLATE_SUMMARY") or "abstract")
        if summary_of not in ("abstract", "tldr"):
            raise InputError("PAPERRADAR_TRANSLATE_SUMMARY", f"{summary_of!r}: use abstract or tldr")
        self._backend = CircuitBreaker(backend)
        self._noticed = False
        self._languages = languages
        self._summary_of = summary_of
        self.version = f"{VERSION}:{backend.name}:{','.join(languages)}:{summary_of}"
        return None

    def enrich(self, papers: list[Paper], ctx: EnrichContext) -> list[Enrichment | None]:
        """Translations per paper (None when nothing is needed). When the backend
        fails for some papers, raises after trying all of them, so the runner
        stores the others (their replies are cached) and retries the failed ones."""
        assert self._backend is not None, "prepare() first"
        out: list[Enrichment | None] = []
        failed: list[str] = []
        for paper in papers:
            try:
                out.append(self._one(paper, ctx, self._backend))
            except PaperradarError as exc:
                failed.append(str(exc))
                out.append(None)
        if failed:
            if not self._noticed:
                self._noticed = True
                ctx.notice(f"translate: the backend failed; papers left untranslated are retried on the "
                           f"next run ({failed[0]})")
            many = f"{len(failed)} of {len(papers)} papers not translated; first: " if len(papers) > 1 else ""
            raise TranslationFailed(many + failed[0])
        return out

    def _one(self, paper: Paper, ctx: EnrichContext, backend: Backend) -> Enrichment | None:
        targets = targets_for(paper, self._languages)
        summary, summary_of = self._summary(paper)
        if not targets or not (paper.title or summary):
            return None
        source = text_language(paper)
        what = "one-sentence summary" if summary_of == "tldr" else "abstract"
        data: dict[str, Any] = {}
        for code in targets:
            data[code] = {
                "title": self._translate(ctx, backend, paper.title, "title", source, code),
                "summary": self._translate(ctx, backend, summary, what, source, code),
            }
        data["backend"] = backend.name
        data["summary_of"] = summary_of
        return Enrichment(data)

    def _summary(self, paper: Paper) -> tuple[str | None, str]:
        """The text to translate as "summary" and what it is ("tldr" or "abstract")."""
        if self._summary_of == "tldr":
            tldr = (paper.enrichments.get("tldr") or {}).get("text")
            if tldr:
                return tldr, "tldr"
        return paper.abstract or None, "abstract"

    def _translate(self, ctx: EnrichContext, backend: Backend, text: str | None, what: str,
                   source: str, target: str) -> str | None:
        if not text or not text.strip():
            return None
        prompt = USER_PROMPT.format(what=what, source=LANGUAGE_NAMES.get(source, source),
                                    target=LANGUAGE_NAMES.get(target, target), text=text)
        messages = [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": prompt}]
        key = text_hash(PROMPT_VERSION, what, source, text)
        max_tokens = 160 if what == "title" else min(2048, max(256, len(text)))
        reply = cached_chat(ctx.store, backend, f"translate:{target}", key, messages, max_tokens=max_tokens)
        return clean_translation(reply, one_line=(what == "title")) or None


class TranslationFailed(RetryLater):
    """Some papers of a batch could not be translated (the runner retries them one by one)."""


ENRICHERS = [TranslateEnricher()]
