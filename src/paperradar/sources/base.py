"""What every source shares: the items a source yields and the input it reads.

A source turns bytes into a stream of items:

* ``Paper``       a good record;
* ``Problem``     a rejected record, naming the file and line or record;
* ``Notice``      something the user should know (an empty day, a guessed
                  encoding, which layout was recognised);
* ``Checkpoint``  a position the pipeline may persist once every paper before
                  it is committed, so an interrupted run resumes from there.

Sources never import the store.
"""

from __future__ import annotations

import codecs
import io
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterator, Union

from ..models import Paper

#: Largest text a whole-text parser reads (pasted layouts, BibTeX, XML).
MAX_TEXT_BYTES = 64 * 1024 * 1024
#: Largest single line a line-based parser accepts (JSON lines, CSV).
MAX_LINE_BYTES = 8 * 1024 * 1024
#: Longest value kept for any one text field of a record.
MAX_FIELD_CHARS = 200_000


@dataclass(frozen=True)
class Problem:
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass(frozen=True)
class Notice:
    message: str
    where: str = ""

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


@dataclass(frozen=True)
class Checkpoint:
    """Opaque resume state of one source (for example an OAI-PMH token)."""

    key: str
    state: Any


Item = Union[Paper, Problem, Notice, Checkpoint]


@dataclass
class Input:
    """A file, stdin or an in-memory blob, read lazily.

    ``origin`` is what messages call it: a path, ``<stdin>`` or a URL.
    """

    origin: str
    path: Path | None = None
    data: bytes | None = None
    _head: bytes | None = field(default=None, repr=False)

    @classmethod
    def from_path(cls, path: str | os.PathLike) -> "Input":
        p = Path(path)
        return cls(origin=str(path), path=p)

    @classmethod
    def from_bytes(cls, data: bytes, origin: str) -> "Input":
        return cls(origin=origin, data=data)

    @classmethod
    def from_stdin(cls) -> "Input":
        return cls(origin="<stdin>", data=sys.stdin.buffer.read())

    def open_binary(self) -> BinaryIO:
        if self.data is not None:
            return io.BytesIO(self.data)
        assert self.path is not None
        return open(self.path, "rb")

    def size(self) -> int:
        if self.data is not None:
            return len(self.data)
        assert self.path is not None
        return self.path.stat().st_size

    def head(self, n: int = 64 * 1024) -> bytes:
        """The first bytes of the input, for sniffing its format."""
        if self._head is None or len(self._head) < min(n, self.size()):
            with self.open_binary() as fh:
                self._head = fh.read(n)
        return self._head[:n]

    def head_text(self, n: int = 64 * 1024) -> str:
        return decode_bytes(self.head(n), partial=True)[0]

    def text(self) -> tuple[str, str | None]:
        """The whole input decoded, and a note when the encoding was guessed.

        Raises InputError for an input larger than MAX_TEXT_BYTES.
        """
        from ..errors import InputError

        if self.size() > MAX_TEXT_BYTES:
            raise InputError(
                self.origin,
                f"{self.size()} bytes is more than the {MAX_TEXT_BYTES} a whole-text "
                "layout may have; split it, or use JSON lines for bulk imports",
            )
        with self.open_binary() as fh:
            data = fh.read()
        return decode_bytes(data)

    def lines(self) -> Iterator[tuple[int, bytes]]:
        """(1-based line number, raw line) pairs, streamed, never loaded whole."""
        with self.open_binary() as fh:
            for lineno, raw in enumerate(fh, 1):
                yield lineno, raw


def decode_bytes(data: bytes, partial: bool = False) -> tuple[str, str | None]:
    """Decode bytes as UTF-8 (with or without BOM) or UTF-16 with a BOM.

    Falls back to cp1252 (then latin-1) and says so in the returned note.
    With ``partial`` the data may end mid-character (a sniffing head).
    """
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace"), None
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        if partial and exc.start >= len(data) - 3:
            return data[: exc.start].decode("utf-8"), None
        bad_at = exc.start
    for enc in ("cp1252", "latin-1"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        line = data.count(b"\n", 0, bad_at) + 1
        return text, f"not valid UTF-8 (first bad byte on line {line}); read as {enc}"
    raise AssertionError("latin-1 decodes any bytes")


def looks_binary(head: bytes) -> bool:
    """True for data that is not text: NUL bytes or mostly control characters."""
    if not head:
        return False
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    if b"\x00" in head:
        return True
    sample = head[:4096]
    ctrl = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    return ctrl / len(sample) > 0.1


def clip(value: str | None, limit: int = MAX_FIELD_CHARS) -> str | None:
    """Trim a text field to the size paperradar keeps."""
    if value is None:
        return None
    return value if len(value) <= limit else value[:limit]


@dataclass(frozen=True)
class FileFormat:
    """A layout of files paperradar reads.

    ``sniff(head_text)`` says whether a text starting so is in this format;
    ``parse(inp)`` yields items. Formats are tried in ``priority`` order
    (lower first); the pasted-listing family comes last.
    """

    name: str
    description: str
    sniff: Callable[[str], bool]
    parse: Callable[[Input], Iterator[Item]]
    priority: int = 50


@dataclass(frozen=True)
class OnlineSource:
    """A source named ``scheme:ARG`` on the command line (``hf:2026-11-20``)."""

    scheme: str
    description: str
    example: str
    fetch: Callable[..., Iterator[Item]]
    """fetch(arg, http, resume_state) -> items; http is a paperradar.sources.http.Http."""
