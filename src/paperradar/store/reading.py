"""Reading papers back, the same on every backend: resolving an id, old id,
arXiv id (any version) or DOI to a paper's internal key, and assembling
papers with their sources and enrichments from what the backend loads.

A backend provides ``_pk_of_id``, ``find_keys``, ``load_cores``,
``load_source_rows`` and ``enrichments_of``. (``SQLiteStore`` still has its
own copy of these; it can inherit this mixin instead.)
"""

from __future__ import annotations

from ..errors import NotFound
from ..models import Paper, SourceSeen
from ..normalize import normalize_doi, parse_arxiv_id
from .dedupe import Key


class PaperReading:
    """Mixed in first; the backend's own methods (listed above) are found
    further along the class's bases, so none are declared here."""

    url: str

    def _resolve_pk(self, key: str) -> int | None:
        pk = self._pk_of_id(key)
        if pk is not None:
            return pk
        candidates: list[Key] = [("id", key)]
        arxiv_id, _ = parse_arxiv_id(key)
        if arxiv_id:
            candidates.append(("arxiv", arxiv_id))
        doi = normalize_doi(key)
        if doi:
            candidates.append(("doi", doi))
        found = self.find_keys(candidates)
        for cand in candidates:
            if cand in found:
                return found[cand]
        return None

    def pk_of(self, key: str) -> int:
        """The internal key of a paper by id, arXiv id or DOI. Raises NotFound."""
        pk = self._resolve_pk(key.strip())
        if pk is None:
            raise NotFound(f"no paper {key!r} in {self.url}")
        return pk

    def get(self, key: str) -> Paper:
        """A paper by id, old id, arXiv id (any version), DOI. Raises NotFound."""
        return self._with_sources([self.pk_of(key)])[0]

    def _with_sources(self, pks: list[int]) -> list[Paper]:
        cores = self.load_cores(pks)
        rows = self.load_source_rows(pks)
        by_pk: dict[int, list[SourceSeen]] = {}
        for (pk, _, _), seen in sorted(rows.items(), key=lambda kv: (kv[1].first_seen, kv[0])):
            by_pk.setdefault(pk, []).append(seen)
        enriched = self.enrichments_of(pks)
        out = []
        for pk in pks:
            paper = cores[pk][1]
            paper.sources = by_pk.get(pk, [])
            paper.enrichments = enriched.get(pk, {})
            out.append(paper)
        return out
