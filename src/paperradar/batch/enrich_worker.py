"""What runs on a Ray worker for ``enrich --engine ray``: no store, no Ray import.

An ``EnrichActor`` holds the enrichers prepared on the driver (pickled) and
runs a batch of papers through those each paper still needs, in run order,
with ``runner.enrich_pairs`` (the local runner's own code: a failing paper is
isolated, a ``RetryLater`` is reported, not stored). An enricher that requires
another one reads its output for the same batch from memory, as the local
runner reads it from the store. The outcome of a batch travels back to the
driver as one pickled ``BatchOutcome``; the driver stores it.
"""

from __future__ import annotations

import logging
import pickle
from dataclasses import dataclass, field

import orjson

from ..enrich.base import EnrichContext
from ..enrich.runner import EnricherReport, enrich_pairs
from ..errors import PaperradarError

log = logging.getLogger(__name__)

Row = tuple[int, str, dict, list[str]]  # (pk, content_hash, data, keys): what save_enrichments takes


class StoreNeeded(BaseException):
    """An enricher reached for the store on a worker. A ``BaseException`` on
    purpose: enrichers catch ``Exception`` to fall back or to report a paper as
    failed, and this must reach the worker loop, which hands the batch back."""


class DetachedStore:
    """The ``ctx.store`` of a worker: any use raises ``StoreNeeded``."""

    def __getattr__(self, name: str):
        raise StoreNeeded(name)


@dataclass
class BatchOutcome:
    """What one worker batch produced, per enricher name."""

    rows: dict[str, list[Row]] = field(default_factory=dict)
    failures: dict[str, list[str]] = field(default_factory=dict)
    #: Papers an enricher could not do without the store: the driver does them.
    bounced: dict[str, list[int]] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    #: A fatal error (a ``PaperradarError``), pickled, to be raised on the driver.
    error: bytes | None = None


def wanted(mask: int, index: int) -> bool:
    """Whether bit ``index`` of a paper's to-do mask is set (enricher ``index`` must run)."""
    return bool(mask >> index & 1)


def enrich_batch(enrichers: list, pks: list[int], hashes: list[str], papers: list,
                 masks: list[int], settings: dict) -> BatchOutcome:
    """Run ``enrichers`` ([(name, enricher)], in run order) over the papers
    (``masks[i]`` bit j: paper i needs enricher j). Needs no store."""
    outcome = BatchOutcome()
    ctx = EnrichContext(store=DetachedStore(), settings=dict(settings))  # type: ignore[arg-type]
    by_pk = dict(zip(pks, papers))
    hash_of = dict(zip(pks, hashes))
    handed_back = False
    for index, (name, enricher) in enumerate(enrichers):
        pairs = [(pk, by_pk[pk]) for pk, mask in zip(pks, masks) if wanted(mask, index)]
        if not pairs:
            continue
        if handed_back:  # a later enricher may read what the handed-back one makes
            outcome.bounced[name] = [pk for pk, _ in pairs]
            continue
        report = EnricherReport(name)
        try:
            rows = enrich_pairs(enricher, pairs, hash_of, ctx, report)
        except StoreNeeded as exc:
            log.info("enricher %s used the store (%s) on a worker; its batch goes back to the driver", name, exc)
            outcome.bounced[name] = [pk for pk, _ in pairs]
            handed_back = True
            continue
        except PaperradarError as exc:  # fatal in the local runner too
            outcome.error = _pickled_error(exc)
            break
        for pk, _, data, _ in rows:  # what the store would hand the next enricher
            by_pk[pk].enrichments[name] = orjson.loads(orjson.dumps(data))
        outcome.rows[name] = rows
        if report.failures:
            outcome.failures[name] = report.failures
    outcome.notices = list(dict.fromkeys(ctx.notices))
    return outcome


def _pickled_error(exc: PaperradarError) -> bytes:
    try:
        return pickle.dumps(exc)
    except Exception:  # an error with unpicklable parts: keep its message
        return pickle.dumps(PaperradarError(str(exc)))


class EnrichActor:
    """The ``map_batches`` callable class: built once per actor from the pickled enrichers."""

    def __init__(self, shipped: list[tuple[str, bytes]], settings: dict):
        self.enrichers = [(name, pickle.loads(blob)) for name, blob in shipped]
        self.settings = settings

    def __call__(self, batch: dict) -> dict:
        """A numpy batch of (pk, content_hash, paper, mask) rows -> one row: the pickled outcome."""
        import numpy as np

        outcome = enrich_batch(self.enrichers, [int(pk) for pk in batch["pk"]],
                               [str(h) for h in batch["content_hash"]],
                               [pickle.loads(blob) for blob in batch["paper"]],
                               [int(m) for m in batch["mask"]], self.settings)
        out = np.empty(1, dtype=object)
        out[0] = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
        return {"outcome": out}
