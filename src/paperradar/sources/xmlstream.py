"""Safe, streaming XML reading shared by the XML sources (arXiv Atom/RSS, OAI-PMH).

``stream_elements(inp, wanted)`` walks an XML input once and yields each
wanted element (every ``<entry>``, ``<record>``...) whole, with the line its
start tag is on, building nothing else, so memory stays flat on big harvests.

* The parser is defusedxml's: a DTD, entity declaration or external
  reference is refused with an ``InputError`` (billion laughs, XXE).
* Broken XML (truncated download, hand edit) ends the stream with a
  ``Problem`` naming the line, after the elements read before the break.
* A file that declares UTF-8 (or nothing) but holds other bytes is read on:
  lines that are not UTF-8 are read as cp1252, and a ``Notice`` says so.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from typing import BinaryIO, Iterator
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from ..errors import InputError
from ..normalize import clean_space
from .base import MAX_FIELD_CHARS, MAX_LINE_BYTES, Input, Notice, Problem, clip

_BLOCK_BYTES = 256 * 1024
#: Text and attribute characters (and 64 per element) one wanted element may hold; a
#: bigger one is skipped with a Problem, so no record can fill memory.
MAX_ELEMENT_WEIGHT = MAX_LINE_BYTES
#: Characters of an element's text cleaned before it is clipped to MAX_FIELD_CHARS.
_CLEAN_CHARS = 4 * MAX_FIELD_CHARS
_DECLARED_ENCODING = re.compile(rb"^\s*<\?xml[^>]*encoding\s*=\s*[\"']([A-Za-z0-9._-]+)")
# Each part matches one way only (no backtracking blowup on '<?a?>' * 30 and no root).
_ROOT = re.compile(
    r"^(?:\s|<\?(?:[^?]|\?(?!>))*\?>|<!--(?:[^-]|-(?!->))*-->"
    r"|<!DOCTYPE(?:[^\[>]|\[[^\]]*\])*>)*<(?:[\w.-]+:)?([\w.-]+)"
)


@dataclass
class Found:
    """A wanted element, complete, and the line of its start tag."""

    element: Element
    line: int


@dataclass(frozen=True)
class XmlBreak(Problem):
    """The Problem that ends a stream whose XML broke off (the rest is unread)."""


def local_name(tag: str) -> str:
    """'{http://www.w3.org/2005/Atom}entry' -> 'entry'."""
    return tag.rpartition("}")[2]


def root_name(head_text: str) -> str | None:
    """The local name of the first element of an XML text, for sniffing."""
    m = _ROOT.match(head_text.lstrip("\ufeff"))
    return m.group(1) if m else None


class _Collector:
    """Parser target that builds only the wanted elements (outermost ones)."""

    def __init__(self, wanted: set[str], origin: str):
        self.wanted = wanted
        self.origin = origin
        self.found: list[Found | Problem] = []
        self.line = lambda: 0
        self._builder: TreeBuilder | None = None
        self._depth = 0
        self._start_line = 0
        self._weight = 0  # grows with the element; past MAX_ELEMENT_WEIGHT nothing is kept

    def start(self, tag: str, attrib: dict) -> None:
        if self._builder is None:
            if local_name(tag) not in self.wanted:
                return
            self._builder, self._depth, self._start_line = TreeBuilder(), 0, self.line()
            self._weight = 0
        self._depth += 1
        self._weight += 64 + sum(len(k) + len(v) for k, v in attrib.items())
        if self._weight <= MAX_ELEMENT_WEIGHT:
            self._builder.start(tag, attrib)

    def end(self, tag: str) -> None:
        if self._builder is None:
            return
        kept = self._weight <= MAX_ELEMENT_WEIGHT
        if kept:
            self._builder.end(tag)
        self._depth -= 1
        if self._depth == 0:
            self.found.append(Found(self._builder.close(), self._start_line) if kept else Problem(
                f"{self.origin}:{self._start_line}", f"a <{local_name(tag)}> of more than "
                f"{MAX_ELEMENT_WEIGHT} characters or elements; skipped (is the file broken?)"))
            self._builder = None

    def data(self, text: str) -> None:
        if self._builder is not None:
            self._weight += len(text)
            if self._weight <= MAX_ELEMENT_WEIGHT:
                self._builder.data(text)

    def close(self) -> None:
        return None


def stream_elements(inp: Input, wanted: set[str]) -> Iterator[Found | Problem | Notice]:
    """Each wanted element of ``inp`` in document order (see the module doc).

    Raises InputError for a DTD or entity declaration, and for XML that
    breaks before any wanted element was read.
    """
    collector = _Collector(wanted, inp.origin)
    parser = DefusedXMLParser(target=collector, forbid_dtd=True,
                              forbid_entities=True, forbid_external=True)
    collector.line = lambda: parser.parser.CurrentLineNumber
    notes: list[Notice] = []
    count = 0
    try:
        with inp.open_binary() as fh:
            for block in _blocks(fh, inp.origin, notes):
                yield from notes
                notes.clear()
                parser.feed(block)
                count += len(collector.found)
                yield from collector.found
                collector.found.clear()
        parser.close()
    except DefusedXmlException as exc:
        where = f"{inp.origin}:{parser.parser.CurrentLineNumber}"
        raise InputError(where, f"refusing XML with a DTD or entity declaration ({exc}); "
                                "these feeds never need one: remove the <!DOCTYPE ...> block "
                                "or get the file again from the source") from None
    except (LookupError, ValueError) as exc:  # ValueError: UnicodeError, multi-byte codecs
        where = f"{inp.origin}:{parser.parser.CurrentLineNumber}"
        raise InputError(where, f"cannot read the XML in the encoding it declares ({exc}); "
                                "save it as UTF-8 or fetch it again from the source") from None
    except ParseError as exc:
        count += len(collector.found)
        yield from collector.found
        collector.found.clear()
        line, column = exc.position
        reason = str(exc).split(": line ")[0]
        if reason in ("no element found", "unclosed token"):
            reason = "the XML ends in the middle (truncated download?)"
        where = f"{inp.origin}:{line}"
        if not count:
            raise InputError(where, f"not well-formed XML: {reason} "
                                    f"(column {column + 1})") from None
        records = f"{count} record" + ("s" if count > 1 else "")
        yield XmlBreak(where, f"the XML breaks here: {reason} (column {column + 1}); read "
                              f"{records} before the break, the rest is lost; fetch it again")
    yield from collector.found


def _blocks(fh: BinaryIO, origin: str, notes: list[Notice]) -> Iterator[bytes]:
    """Blocks of the input, cut at line ends; non-UTF-8 lines re-encoded if UTF-8 is declared."""
    first = fh.read(_BLOCK_BYTES)
    declared = _DECLARED_ENCODING.match(first)
    encoding = declared.group(1).decode("ascii").lower() if declared else "utf-8"
    if encoding.replace("-", "").replace("_", "") != "utf8" or first.startswith(
        (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
    ):
        while first:
            yield first
            first = fh.read(_BLOCK_BYTES)
        return
    pending, lines_before, block, warned = b"", 0, first, False
    while block or pending:
        data = pending + block
        cut = data.rfind(b"\n") + 1 or (len(data) if len(data) > MAX_LINE_BYTES or not block else 0)
        data, pending = data[:cut], data[cut:]
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            if not warned:
                line = lines_before + data.count(b"\n", 0, exc.start) + 1
                notes.append(Notice(f"line {line} is not valid UTF-8 although the file says it "
                                    "is; such lines were read as cp1252", origin))
                warned = True
            data = data.decode("utf-8", errors="paperradar-cp1252").encode("utf-8")
        yield data
        lines_before += data.count(b"\n")
        block = fh.read(_BLOCK_BYTES)


def _cp1252_fallback(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    bad = exc.object[exc.start:exc.end]
    return "".join(_cp1252_char(b) for b in bad), exc.end


def _cp1252_char(byte: int) -> str:
    try:
        return bytes([byte]).decode("cp1252")
    except UnicodeDecodeError:
        return bytes([byte]).decode("latin-1")


codecs.register_error("paperradar-cp1252", _cp1252_fallback)

# UTF-8 read as latin-1/cp1252 and saved again ("RamÃ­rez"): a lead byte
# Â..ô followed by what a continuation byte looks like in cp1252.
_MOJIBAKE = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192"
    "\u02c6\u02dc\u2013\u2014\u2018-\u201a\u201c-\u201e\u2020-\u2022\u2026\u2030"
    "\u2039\u203a\u20ac\u2122]"
)


def repair_mojibake(text: str) -> str:
    """'RamÃ­rez' -> 'Ramírez' when the whole text is doubly encoded UTF-8; else unchanged."""
    if not _MOJIBAKE.search(text):
        return text
    for encoding in ("cp1252", "latin-1"):
        try:
            return text.encode(encoding).decode("utf-8")
        except UnicodeError:
            continue
    return text


def child(elem: Element, name: str) -> Element | None:
    """The first child with this local name."""
    for sub in elem:
        if local_name(sub.tag) == name:
            return sub
    return None


def children(elem: Element, name: str) -> list[Element]:
    return [sub for sub in elem if local_name(sub.tag) == name]


def all_text(elem: Element | None) -> str | None:
    """The element's text (nested text included), whitespace collapsed, repaired, clipped."""
    if elem is None:
        return None
    return clip(clean_space(repair_mojibake("".join(elem.itertext())[:_CLEAN_CHARS])))


def child_text(elem: Element, name: str) -> str | None:
    return all_text(child(elem, name))
