"""Backend-neutral batch planning: which record is which stored paper.

A record matches a stored (or earlier in-batch) paper by arXiv id, DOI,
normalised title, or abstract (for title-less records), in that order. Two
papers with different arXiv ids are never the same paper.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Callable, Iterable

from ..models import Paper, SourceSeen
from ..normalize import abstract_key, normalize_doi, normalize_title
from .merge import core, merge

Key = tuple[str, str]
KEY_KINDS = ("arxiv", "doi", "title", "abstract")


def record_keys(paper: Paper) -> list[Key]:
    keys: list[Key] = []
    if paper.arxiv_id:
        keys.append(("arxiv", paper.arxiv_id))
    doi = normalize_doi(paper.doi)
    if doi:
        keys.append(("doi", doi))
    title = normalize_title(paper.title)
    if title:
        keys.append(("title", title))
    akey = abstract_key(paper.abstract)
    if akey:
        keys.append(("abstract", akey))
    return keys


@dataclass
class PlannedPaper:
    pk: int
    id: str
    core: Paper
    keys: set[Key]
    new_keys: set[Key] = field(default_factory=set)
    is_new: bool = False
    changed: bool = False
    old_id: str | None = None


@dataclass
class PlannedSource:
    pk: int
    seen: SourceSeen
    is_new: bool
    changed: bool = False


@dataclass
class Plan:
    papers: dict[int, PlannedPaper]
    sources: dict[tuple[int, str, str], PlannedSource]
    outcomes: list[tuple[str, str]]  # (outcome, paper id) per record


class Backend:
    """What the planner needs from a backend; implemented by each store."""

    def find_keys(self, keys: list[Key]) -> dict[Key, int]: ...
    def load_cores(self, pks: Iterable[int]) -> dict[int, tuple[str, Paper]]: ...
    def load_source_rows(self, pks: Iterable[int]) -> dict[tuple[int, str, str], SourceSeen]: ...
    def ids_taken(self, ids: Iterable[str]) -> set[str]: ...
    def next_pk(self) -> int: ...


def _conflicts(a: Paper, b: Paper) -> bool:
    return bool(a.arxiv_id and b.arxiv_id and a.arxiv_id != b.arxiv_id)


def _new_id(paper: Paper, keys: list[Key], taken: Callable[[str], bool]) -> str:
    if paper.arxiv_id and not taken(paper.arxiv_id):
        return paper.arxiv_id
    if paper.id and not taken(paper.id):
        return paper.id
    seed = "|".join(f"{k}={v}" for k, v in keys) or repr((paper.title, paper.abstract))
    digest = hashlib.sha1(seed.encode()).hexdigest()
    for n in range(10, 41, 2):
        candidate = f"pr-{digest[:n]}"
        if not taken(candidate):
            return candidate
    raise RuntimeError("could not allocate a paper id")


def _provenance(record: Paper, now: str) -> list[SourceSeen]:
    if record.sources:
        return [
            SourceSeen(s.source, s.source_id, s.first_seen or now, s.last_seen or now, dict(s.fields))
            for s in record.sources
        ]
    return [SourceSeen(record.source or "unknown", record.source_id or "", now, now,
                       dict(record.source_fields))]


def _merge_seen(old: SourceSeen, new: SourceSeen) -> SourceSeen:
    fields = {**old.fields, **new.fields}
    last = max(old.last_seen, new.last_seen)
    # Seeing a paper again the same day is not news: keep the row as it was.
    if last[:10] == old.last_seen[:10]:
        last = old.last_seen
    return SourceSeen(old.source, old.source_id, min(old.first_seen, new.first_seen), last, fields)


def plan_batch(records: list[Paper], backend: Backend, now: str) -> Plan:
    keys_of = [record_keys(r) for r in records]
    all_keys = list({k for keys in keys_of for k in keys})
    key_to_pk: dict[Key, int] = backend.find_keys(all_keys) if all_keys else {}
    papers: dict[int, PlannedPaper] = {}
    for pk, (pid, paper) in backend.load_cores(set(key_to_pk.values())).items():
        papers[pk] = PlannedPaper(pk, pid, paper, set())
    source_rows = backend.load_source_rows(papers)
    sources: dict[tuple[int, str, str], PlannedSource] = {}
    ids_in_batch: set[str] = set()
    next_pk = backend.next_pk()
    # Ids new papers will most likely ask for, checked in one query.
    wanted = {r.arxiv_id for r in records if r.arxiv_id} | {r.id for r in records if r.id}
    known_taken = backend.ids_taken(wanted) if wanted else set()

    def taken(pid: str) -> bool:
        if pid in ids_in_batch or pid in known_taken:
            return True
        return pid not in wanted and bool(backend.ids_taken([pid]))

    outcomes: list[tuple[str, str]] = []
    for record, keys in zip(records, keys_of):
        rec_core = core(record)
        target: PlannedPaper | None = None
        for key in keys:
            pk = key_to_pk.get(key)
            if pk is not None and not _conflicts(papers[pk].core, rec_core):
                target = papers[pk]
                break
        if target is None:
            pid = _new_id(rec_core, keys, taken)
            ids_in_batch.add(pid)
            rec_core.id = pid
            target = PlannedPaper(next_pk, pid, rec_core, set(), is_new=True, changed=True)
            papers[next_pk] = target
            next_pk += 1
            outcome = "added"
        else:
            merged = merge(target.core, rec_core)
            merged.id = target.id
            if merged != target.core:
                target.core = merged
                target.changed = True
                outcome = "merged"
            else:
                outcome = "unchanged"
            if (merged.arxiv_id and target.id != merged.arxiv_id and target.id.startswith("pr-")
                    and not taken(merged.arxiv_id)):
                target.old_id = target.old_id or target.id
                target.id = merged.arxiv_id
                target.core.id = target.id
                ids_in_batch.add(target.id)
                target.changed = True
                outcome = "merged"
        if record.id and record.id != target.id:  # a record's own id keeps resolving
            keys = keys + [("id", record.id)]
        for key in (keys if outcome == "added" else record_keys(target.core) + keys):
            if key_to_pk.get(key) is None:
                key_to_pk[key] = target.pk
                target.new_keys.add(key)
        for seen in _provenance(record, now):
            skey = (target.pk, seen.source, seen.source_id)
            prior = sources.get(skey)
            old = prior.seen if prior else source_rows.get(skey)
            if old is None:
                sources[skey] = PlannedSource(target.pk, seen, is_new=True, changed=True)
                if outcome == "unchanged":
                    outcome = "merged"
                continue
            updated = _merge_seen(old, seen)
            if updated.fields != old.fields and outcome == "unchanged":
                outcome = "merged"
            if updated != old:
                sources[skey] = PlannedSource(
                    target.pk, updated, is_new=prior.is_new if prior else False, changed=True
                )
            elif prior is None:
                sources[skey] = PlannedSource(target.pk, old, is_new=False, changed=False)
        outcomes.append((outcome, target.id))
    return Plan(papers, sources, outcomes)


def paper_text(title: str | None, abstract: str | None) -> str:
    """The text of a paper that is embedded and whose hash keys its vectors."""
    if title and abstract:
        return f"{title}. {abstract}"
    return title or abstract or ""


def content_hash(paper: Paper) -> str:
    return hashlib.sha1(paper_text(paper.title, paper.abstract).encode()).hexdigest()


def plan_to_counts(plan: Plan) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {"added": [], "merged": [], "unchanged": []}
    for outcome, pid in plan.outcomes:
        out[outcome].append(pid)
    return out

