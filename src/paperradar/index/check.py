"""Are the search indexes consistent with the store? (``paperradar db check``)

The indexes follow the store by revision, and may lag it (a sync killed
part-way, or not run since the last write), but never disagree with it:

- keyword index: every document is a paper of the store, held once; every
  paper not changed since the revision the index recorded is in it; the
  recorded revision is not ahead of the store's.
- vector indexes (one per model): no paper twice among the live rows; every
  live row is a paper of the store; every paper whose current text had a
  vector at the index's watermark has its live row for that text (content
  hash); the files hold at least the rows the metadata counts; stored vectors
  have the model's size.

A paper that changed after the index's revision may still show its older
text there: the next ``paperradar index`` (or ``ingest``) brings it level.
Only reads: nothing is created or repaired here.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from pathlib import Path

from ..store import PaperQuery, Store

log = logging.getLogger(__name__)

#: Documents read per pk range while listing the keyword index.
PK_WINDOW = 100_000


def index_problems(store: Store, notes: list[str] | None = None) -> list[str]:
    """What is inconsistent between the store and its search indexes (empty when
    nothing is). Remarks that are no problem (papers not embedded yet, indexes
    not built) are appended to ``notes`` when given."""
    notes = notes if notes is not None else []
    papers = store.pks_matching(PaperQuery())
    revision = store.revision()
    problems = []
    keyword_dir = store.artifact_dir("keyword")
    problems += _keyword_problems(store, keyword_dir, papers, revision, notes)
    vectors_dir = store.artifact_dir("vectors")
    models = _vector_models()
    for directory in sorted(p for p in vectors_dir.iterdir() if p.is_dir()):
        model = models.get(directory.name)
        if model is None:
            notes.append(f"{directory}: a vector index of a model this paperradar does not know; not checked")
            continue
        problems += _vector_problems(store, directory, model, papers, revision, notes)
    return problems


def _changed_after(store: Store, rev: int) -> set[int]:
    return {pk for chunk in store.changed_since(rev) for pk, _, _ in chunk}


# -- the keyword index ---------------------------------------------------------


def _keyword_problems(store: Store, directory: Path, papers: set[int], revision: int,
                      notes: list[str]) -> list[str]:
    import tantivy

    from .keyword import META_FILE

    if not tantivy.Index.exists(str(directory)):
        notes.append("no keyword index yet (`paperradar index` builds it)")
        return []
    where = f"keyword index {directory}"
    try:
        meta_file = directory / META_FILE
        state = json.loads(meta_file.read_text(encoding="utf-8")) if meta_file.exists() else {}
        mark = int((state.get("meta") or {}).get("rev", 0))
        docs = _keyword_pks(tantivy.Index.open(str(directory)))
    except (OSError, ValueError) as exc:
        return [f"{where} cannot be read: {exc}; delete it and run `paperradar index` to rebuild it"]
    problems = []
    if mark > revision:
        problems.append(f"{where} records revision {mark}, ahead of the store's {revision}: it belongs to "
                        "another store or a later copy; delete it and run `paperradar index`")
    twice = sum(n - 1 for n in docs.values() if n > 1)
    if twice:
        problems.append(f"{where} holds {twice} documents twice")
    gone = set(docs) - papers
    if gone:
        problems.append(f"{where} holds {len(gone)} papers that are not in the store (pk {_some(gone)})")
    missing = papers - set(docs) - _changed_after(store, mark)
    if missing:
        problems.append(f"{where} lacks {len(missing)} papers stored at or before its revision {mark} "
                        f"(pk {_some(missing)})")
    lag = revision - mark
    if lag > 0:
        notes.append(f"{where} is at revision {mark} of {revision}: `paperradar index` brings it level")
    return problems


def _keyword_pks(index) -> Counter:
    """How many committed documents each pk has."""
    from tantivy import FieldType, Query

    searcher = index.searcher()
    total, found, lo = searcher.num_docs, Counter(), 0
    while sum(found.values()) < total:
        window = Query.range_query(index.schema, "pk", FieldType.Integer, lower_bound=lo,
                                   upper_bound=lo + PK_WINDOW - 1)
        limit = min(total, 2 * PK_WINDOW)
        hits = searcher.search(window, limit, count=False).hits
        if len(hits) == limit < total:  # more than one window's worth: take them all
            hits = searcher.search(window, total, count=False).hits
        found.update(searcher.fast_field_values("pk", [address for _, address in hits]))
        lo += PK_WINDOW
        if lo > 1 << 62:  # pks out of any range: cannot happen, but never loop forever
            break
    return found


# -- the vector indexes --------------------------------------------------------


def _vector_models() -> dict[str, str]:
    """{directory name: model} for the embedders this paperradar knows (and their title vectors)."""
    from .embed import embedder_names
    from .engine import TITLE_SUFFIX, _safe_name

    names = embedder_names()
    return {_safe_name(n): n for n in names + [n + TITLE_SUFFIX for n in names]}


def _vector_problems(store: Store, directory: Path, model: str, papers: set[int], revision: int,
                     notes: list[str]) -> list[str]:
    import numpy as np

    from .engine import TITLE_SUFFIX, _hash64

    where = f"vector index {directory.name}"
    try:
        meta = json.loads((directory / "meta.json").read_text())
        rows, dim, mark, seq_mark = int(meta["rows"]), int(meta["dim"]), int(meta["rev"]), int(meta["seq"])
    except FileNotFoundError:
        return []
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return [f"{where}: unreadable metadata ({exc}); delete {directory} and run `paperradar index`"]
    problems = []
    short = [name for name, size in (("vectors.f32", rows * dim * 4), ("pks.i64", rows * 8),
                                     ("hashes.i64", rows * 8))
             if rows and (not (directory / name).exists() or (directory / name).stat().st_size < size)]
    if short:
        return [(f"{where}: {', '.join(short)} hold fewer than the {rows} rows its metadata counts "
                 f"(an interrupted compaction); delete {directory} and run `paperradar index`")]
    pks = np.fromfile(directory / "pks.i64", dtype=np.int64, count=rows) if rows else np.zeros(0, np.int64)
    hashes = np.fromfile(directory / "hashes.i64", dtype=np.int64, count=rows) if rows else pks
    # The last row of each paper is its live one (VectorIndex._live_mask).
    live = dict(zip(pks.tolist(), hashes.tolist()))
    if mark > revision:
        problems.append(f"{where} records revision {mark}, ahead of the store's {revision}: delete "
                        f"{directory} and run `paperradar index`")
    gone = set(live) - papers
    if gone:
        problems.append(f"{where} has live rows for {len(gone)} papers that are not in the store "
                        f"(pk {_some(gone)})")
    lagging = _changed_after(store, mark)
    missing, stale, wrong_size, embedded = set(), set(), 0, set()
    for pk, chash, seq, blob in store.embeddings(model):
        embedded.add(pk)
        if len(blob) != dim * 4:
            wrong_size += 1
        if pk in lagging or seq > seq_mark:
            continue  # embedded or changed after the index's watermark
        if pk not in live:
            missing.add(pk)
        elif live[pk] != _hash64(chash):
            stale.add(pk)
    if wrong_size:
        problems.append(f"{wrong_size} stored {model} vectors are not {dim}-dimensional float32")
    if missing:
        problems.append(f"{where} lacks {len(missing)} papers embedded by its watermark "
                        f"(revision {mark}, batch {seq_mark}) (pk {_some(missing)})")
    if stale:
        problems.append(f"{where} holds vectors of older text for {len(stale)} papers whose current text "
                        f"was embedded by its watermark (pk {_some(stale)})")
    if not model.endswith(TITLE_SUFFIX) and papers - embedded:
        notes.append(f"{len(papers - embedded)} papers have no {model} vector yet (`paperradar index` embeds them)")
    return problems


def _some(pks: set[int], shown: int = 5) -> str:
    first = sorted(pks)[:shown]
    return ", ".join(map(str, first)) + (", ..." if len(pks) > shown else "")
