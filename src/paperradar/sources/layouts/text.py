"""Line-level helpers shared by the pasted layouts.

Everything here is linear in the length of its input: no regex can backtrack
over more than a bounded prefix of a line, so a 10 MB paste parses quickly.
"""

from __future__ import annotations

import codecs
import re
from typing import Iterator, NamedTuple

from ...models import Link, Paper
from ...normalize import clean_space, link_kind, normalize_doi, parse_arxiv_id
from ..base import MAX_FIELD_CHARS, Problem, clip

#: ``source`` of every paper from a pasted text.
SOURCE_NAME = "paste"


class Line(NamedTuple):
    """A non-blank line of the text: its 1-based number and stripped text."""

    number: int
    text: str


_new_line = tuple.__new__  # Line(number, text) without the Python-level __new__
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufffd]")
_EDGE_CHARS = "\ufeff\u200b\u200e\u200f\u2060"
#: Share of control / replacement characters above which a line is binary junk.
_JUNK_SHARE = 0.05
#: At most this many junk reports; the rest are counted in the last one.
_MAX_JUNK_PROBLEMS = 20


def _cp1252_fallback(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: bytes that are not UTF-8 are read as cp1252."""
    assert isinstance(exc, UnicodeDecodeError)
    return exc.object[exc.start:exc.end].decode("cp1252", errors="replace"), exc.end


codecs.register_error("paperradar.cp1252", _cp1252_fallback)


def decode_mixed(data: bytes) -> str:
    """Decode UTF-8 where the bytes are UTF-8 and cp1252 where they are not.

    Used when the whole text is not valid UTF-8, so one bad line does not turn
    the Chinese of every other line into mojibake.
    """
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    return data.decode("utf-8", errors="paperradar.cp1252")


class TextLines:
    """The non-blank lines of a text, stripped, as ``Line``s; iterable many times.

    Lines are made as they are read, never all held at once. ``\r\n`` and bare
    ``\r`` end lines; a BOM and zero-width marks at line edges are dropped;
    binary junk lines (NUL bytes, or many control characters) are skipped and
    reported by ``junk_problems``.
    """

    def __init__(self, text: str, origin: str):
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        self.text = text
        self.origin = origin
        self._may_have_junk = _CONTROL.search(text) is not None

    def __iter__(self) -> Iterator[Line]:
        for number, stripped, junk in self._scan():
            if not junk:
                yield _new_line(Line, (number, stripped))

    def first(self) -> Line | None:
        """The first line, or None for a text with none."""
        return next(iter(self), None)

    def junk_problems(self) -> list[Problem]:
        """One Problem per run of binary junk lines (the first few runs, then a count)."""
        runs: list[list[int]] = []
        if self._may_have_junk:
            for number, _, junk in self._scan():
                if not junk:
                    continue
                if runs and runs[-1][1] == number - 1:
                    runs[-1][1] = number
                else:
                    runs.append([number, number])
        return _junk_problems(runs, self.origin)

    def _scan(self) -> Iterator[tuple[int, str, bool]]:
        text, check_junk = self.text, self._may_have_junk
        pos, number, size = 0, 0, len(text)
        while pos <= size:
            end = text.find("\n", pos)
            if end < 0:
                end = size
            number += 1
            stripped = text[pos:end].strip()
            pos = end + 1
            if stripped and (stripped[0] in _EDGE_CHARS or stripped[-1] in _EDGE_CHARS):
                stripped = stripped.strip(_EDGE_CHARS).strip()
            if not stripped:
                continue
            if check_junk and _CONTROL.search(stripped):
                if _is_junk(stripped):
                    yield number, "", True
                    continue
                stripped = _CONTROL.sub("", stripped).strip()
                if not stripped:
                    continue
            yield number, stripped, False


def _is_junk(text: str) -> bool:
    bad = len(_CONTROL.findall(text))
    return "\x00" in text or bad >= max(1.0, _JUNK_SHARE * len(text))


def _junk_problems(runs: list[list[int]], origin: str) -> list[Problem]:
    problems = []
    for first, last in runs[:_MAX_JUNK_PROBLEMS]:
        where = f"{origin}:{first}" if first == last else f"{origin}:{first}-{last}"
        problems.append(Problem(where, "binary data, not text; skipped"))
    if len(runs) > _MAX_JUNK_PROBLEMS:
        problems.append(Problem(origin, f"{len(runs) - _MAX_JUNK_PROBLEMS} more runs of "
                                "binary lines skipped; is this really a pasted text?"))
    return problems


_ABSTRACT_MARKER = re.compile(r"(?i)abstract[ \t]*[:：]")
_SENTENCE_END = re.compile(r"[.!?。！？](?:\s+[A-Z0-9(\"“]|\s*$)")


def strip_abstract_marker(text: str) -> str:
    """'Abstract: We ...' -> 'We ...'; other text unchanged."""
    m = _ABSTRACT_MARKER.match(text)
    return text[m.end():].strip() if m else text


def starts_with_abstract_marker(text: str) -> bool:
    """True for 'Abstract:...', 'Abstract : ...' and a bare 'Abstract' line."""
    return bool(_ABSTRACT_MARKER.match(text)) or text.lower() == "abstract"


def is_prose(text: str) -> bool:
    """True for a paragraph of running text (an abstract), not a title or name list.

    A paragraph is 300+ characters, or 80+ with at least two sentence ends,
    or anything introduced by 'Abstract:'.
    """
    size = len(text)
    if size < 80:
        return text[:1] in ("a", "A") and _ABSTRACT_MARKER.match(text) is not None
    if size >= 300 or _ABSTRACT_MARKER.match(text):
        return True
    return len(_SENTENCE_END.findall(text)) >= 2


_CJK = re.compile(r"[\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uff00-\uffef]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")


def is_cjk_text(text: str) -> bool:
    """True for a line written mostly in Chinese, Japanese or Korean."""
    sample = text[:400]
    cjk = len(sample) - len(_CJK.sub("", sample))
    return cjk >= 2 and cjk >= 0.2 * len(sample.replace(" ", ""))


def cjk_language(text: str) -> str:
    """The language code of a CJK line: 'ja' with kana, 'ko' with Hangul, else 'zh'."""
    sample = text[:2000]
    if _KANA.search(sample):
        return "ja"
    if _HANGUL.search(sample):
        return "ko"
    return "zh"


_URL_LINE = re.compile(r"^(?:([^\s:]{1,30}(?:\s[^\s:]{1,30}){0,3})\s*[:：]\s*)?(https?://\S+)$", re.I)


def link_in_line(text: str) -> Link | None:
    """A Link for a line that is a URL, optionally after a short label ('Code: https://...')."""
    if len(text) > 4000 or "://" not in text:
        return None
    m = _URL_LINE.match(text)
    if not m:
        return None
    url = m.group(2)
    return Link(url, link_kind(url, m.group(1) or ""))


def make_paper(layout: str, title: str | None = None, abstract: str | None = None,
               **fields) -> Paper:
    """A Paper from a pasted layout, with whitespace collapsed and fields clipped."""
    paper = Paper(
        title=clip(clean_space(title)),
        abstract=clip(clean_space(abstract)),
        source=SOURCE_NAME,
        source_fields={"layout": layout},
        **fields,
    )
    add_identifiers(paper)
    return paper


def add_identifiers(paper: Paper) -> None:
    """Fill arxiv_id / doi (and source_id) from the paper's links, where they have one."""
    for link in paper.links:
        if paper.arxiv_id is None and "arxiv.org/" in link.url.lower():
            paper.arxiv_id, paper.arxiv_version = parse_arxiv_id(link.url)
        if paper.doi is None and link.kind == "doi":
            paper.doi = normalize_doi(link.url)
    if paper.arxiv_id and not paper.source_id:
        paper.source_id = paper.arxiv_id


def where(origin: str, line: Line | int) -> str:
    """'file:12' for a line of the text."""
    number = line.number if isinstance(line, Line) else line
    return f"{origin}:{number}"


class CappedText:
    """Pieces of one text field, holding no more than a paper keeps of it."""

    def __init__(self, limit: int = 2 * MAX_FIELD_CHARS):
        self.pieces: list[str] = []
        self.size = 0
        self.limit = limit

    def add(self, piece: str) -> None:
        if self.size < self.limit:
            self.pieces.append(piece[: self.limit - self.size])
            self.size += len(self.pieces[-1]) + 1

    def text(self) -> str:
        return " ".join(self.pieces)
