"""Sources: every way papers come in. Each turns bytes into items (see base).

``expand(spec)`` turns what a user typed (a file, a directory, ``-`` or
``scheme:ARG``) into ``SourceRef``s; ``SourceRef.items()`` yields from it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterator

from ..errors import InputError, UnknownLayout
from .base import Checkpoint, FileFormat, Input, Item, Notice, OnlineSource, Problem, looks_binary

__all__ = [
    "Checkpoint", "FileFormat", "Input", "Item", "Notice", "OnlineSource", "Problem",
    "SourceRef", "detect_format", "expand", "file_formats", "online_sources", "read_input",
]


@lru_cache(maxsize=1)
def file_formats() -> tuple[FileFormat, ...]:
    from ..plugins import plugin_manager

    found: list[FileFormat] = []
    plugin_manager().hook.register_formats(register=found.append)
    return tuple(sorted(found, key=lambda f: f.priority))


@lru_cache(maxsize=1)
def online_sources() -> dict[str, OnlineSource]:
    from ..plugins import plugin_manager

    found: list[OnlineSource] = []
    plugin_manager().hook.register_sources(register=found.append)
    return {s.scheme: s for s in found}


def understood_layouts() -> str:
    return "; ".join(f"{f.name} ({f.description})" for f in file_formats())


def detect_format(inp: Input) -> FileFormat:
    """The format of an input, recognised from its content, never its name."""
    if inp.size() == 0 or not inp.head(4096).strip():
        raise InputError(inp.origin, "empty file: no papers in it")
    if looks_binary(inp.head(4096)):
        raise UnknownLayout(
            inp.origin,
            "binary data, not a paper listing; understood layouts are: " + understood_layouts(),
        )
    head = inp.head_text()
    for fmt in file_formats():
        if fmt.sniff(head):
            return fmt
    raise UnknownLayout(inp.origin, "layout not recognised; understood layouts are: "
                        + understood_layouts())


def read_input(inp: Input) -> Iterator[Item]:
    """Items from one input; a whole-input failure becomes one Problem."""
    try:
        fmt = detect_format(inp)
        yield Notice(f"read as {fmt.name}", inp.origin)
        yield from fmt.parse(inp)
    except InputError as exc:
        yield Problem(exc.where or inp.origin, exc.message)
    except OSError as exc:
        yield Problem(inp.origin, f"cannot read: {exc.strerror or exc}")


@dataclass
class SourceRef:
    """One thing to ingest. ``resume_key`` names its checkpoint in the store
    (None: not resumable, e.g. stdin)."""

    label: str
    resume_key: str | None
    open: Callable[[Any, Any], Iterator[Item]]  # (http, resume_state) -> items
    online: bool = False

    def items(self, http=None, resume_state=None) -> Iterator[Item]:
        return self.open(http, resume_state)


def _file_ref(path: Path) -> SourceRef:
    try:
        st = path.stat()
        key = f"file:{path.resolve()}:{st.st_size}:{st.st_mtime_ns}"
    except OSError:
        key = None
    return SourceRef(
        label=str(path),
        resume_key=key,
        open=lambda http, state: read_input(Input.from_path(path)),
    )


def expand(spec: str) -> list[SourceRef]:
    """What the user named -> things to ingest. Raises InputError if unusable."""
    if spec == "-":
        return [SourceRef("<stdin>", None, lambda http, state: read_input(Input.from_stdin()))]
    path = Path(spec)
    if path.is_dir():
        files = sorted(
            p for p in path.rglob("*")
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)
        )
        return [_file_ref(p) for p in files]
    if path.exists():
        return [_file_ref(path)]
    scheme, sep, arg = spec.partition(":")
    sources = online_sources()
    if sep and scheme in sources:
        source = sources[scheme]
        return [
            SourceRef(
                label=spec,
                resume_key=f"{scheme}:{arg}",
                open=lambda http, state: source.fetch(arg, http, state),
                online=True,
            )
        ]
    known = ", ".join(f"{s.example}" for s in sources.values())
    raise InputError(spec, f"no such file or directory, and not an online source ({known})")


def file_size(ref: SourceRef) -> int | None:
    try:
        return os.path.getsize(ref.label)
    except OSError:
        return None
