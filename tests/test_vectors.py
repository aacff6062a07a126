"""The vector index: exact and HNSW search, incremental updates, persistence.

Vectors here are random unit vectors in clusters (the index does not care
where vectors come from; the embedder has its own tests)."""

import numpy as np
import pytest

from paperradar.index.vectors import VectorIndex

pytest.importorskip("faiss")


def clustered(n, dim=32, clusters=20, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, dim))
    x = centres[rng.integers(0, clusters, n)] + 0.3 * rng.normal(size=(n, dim))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def test_exact_search_finds_the_nearest(tmp_path):
    vecs = clustered(500)
    index = VectorIndex(tmp_path / "v", dim=32)
    assert index.add(list(range(500)), list(range(500)), vecs, rev=1, seq=1) == 500
    hits = index.search(vecs[42], limit=5)
    assert hits[0].pk == 42 and hits[0].similarity == pytest.approx(1.0, abs=1e-5)
    assert [h.similarity for h in hits] == sorted((h.similarity for h in hits), reverse=True)
    allowed = {1, 2, 3}
    assert {h.pk for h in index.search(vecs[42], limit=5, allowed=allowed)} == allowed


def test_hnsw_recall_against_exact(tmp_path):
    vecs = clustered(6000, seed=1)
    index = VectorIndex(tmp_path / "v", dim=32, ann_threshold=1000)
    index.add(list(range(6000)), list(range(6000)), vecs, rev=1, seq=1)
    assert index.graph is not None
    queries = clustered(50, seed=2)
    recall = []
    for q in queries:
        approx = {h.pk for h in index.search(q, 10)}
        exact = {h.pk for h in index.search(q, 10, exact=True)}
        recall.append(len(approx & exact) / 10)
    assert np.mean(recall) >= 0.95


def test_updates_replace_old_vectors_and_survive_reopen(tmp_path):
    vecs = clustered(300, seed=3)
    index = VectorIndex(tmp_path / "v", dim=32, ann_threshold=100)
    index.add(list(range(300)), list(range(300)), vecs, rev=1, seq=1)
    # Paper 7's text changed: new vector, new hash. Paper 8 re-sent unchanged.
    index.add([7, 8], [10_007, 8], np.stack([vecs[200], vecs[8]]), rev=2, seq=2)
    assert len(index) == 300 and len(index.pks) == 301
    top = index.search(vecs[200], limit=2)
    assert {h.pk for h in top} == {7, 200}
    reopened = VectorIndex(tmp_path / "v", dim=32, ann_threshold=100)
    assert reopened.watermark == (2, 2) and len(reopened) == 300
    assert reopened.search(vecs[7], limit=1)[0].pk != 7  # the old vector is gone


def test_interrupted_append_is_ignored_on_reopen(tmp_path):
    vecs = clustered(50, seed=4)
    index = VectorIndex(tmp_path / "v", dim=32)
    index.add(list(range(50)), list(range(50)), vecs, rev=1, seq=1)
    with open(tmp_path / "v" / "vectors.f32", "ab") as fh:  # a crash mid-append
        fh.write(b"\0" * 100)
    reopened = VectorIndex(tmp_path / "v", dim=32)
    assert len(reopened) == 50 and reopened.search(vecs[3], 1)[0].pk == 3


def test_dimension_mismatch_is_a_clear_error(tmp_path):
    VectorIndex(tmp_path / "v", dim=32).add([1], [1], clustered(1), rev=1, seq=1)
    with pytest.raises(Exception, match="32-d vectors, not 64-d"):
        VectorIndex(tmp_path / "v", dim=64)


def test_search_breadth_grows_with_the_graph_and_is_capped():
    from paperradar.index.vectors import HNSW_EF_GROWTH_ROWS, HNSW_EF_SEARCH, ef_search_for

    sizes = [1_000, 200_000, HNSW_EF_GROWTH_ROWS, 1_000_000, 2_700_000, 50_000_000]
    breadths = [ef_search_for(n) for n in sizes]
    assert breadths == sorted(breadths)
    assert breadths[:3] == [HNSW_EF_SEARCH] * 3
    assert ef_search_for(2 * HNSW_EF_GROWTH_ROWS) == 2 * HNSW_EF_SEARCH  # measured: recall 0.96 at 1M
    assert breadths[-1] == 4 * HNSW_EF_SEARCH


def test_a_reopened_index_is_mapped_searches_alike_and_still_grows(tmp_path):
    vecs = clustered(3000, seed=5)
    built = VectorIndex(tmp_path / "v", dim=32, ann_threshold=1000)
    built.add(list(range(2500)), list(range(2500)), vecs[:2500], rev=1, seq=1)
    reopened = VectorIndex(tmp_path / "v", dim=32, ann_threshold=1000)
    assert isinstance(reopened.vectors, np.memmap) and reopened.graph is not None
    for q in clustered(20, seed=6):
        assert [h.pk for h in reopened.search(q, 10)] == [h.pk for h in built.search(q, 10)]
    # Growing a mapped index: the graph is read into memory and extended; nothing rebuilt.
    reopened.add(list(range(2500, 3000)), list(range(2500, 3000)), vecs[2500:], rev=2, seq=2)
    assert reopened.graph.ntotal == 3000 and reopened.search(vecs[2900], 1)[0].pk == 2900
    again = VectorIndex(tmp_path / "v", dim=32, ann_threshold=1000)
    assert len(again) == 3000 and again.search(vecs[2900], 1)[0].pk == 2900


def test_a_reader_keeps_its_mapping_while_a_writer_compacts(tmp_path):
    vecs = clustered(1500, seed=7)
    writer = VectorIndex(tmp_path / "v", dim=32, ann_threshold=1000)
    writer.add(list(range(1500)), list(range(1500)), vecs, rev=1, seq=1)
    reader = VectorIndex(tmp_path / "v", dim=32, ann_threshold=1000)
    before = [h.pk for h in reader.search(vecs[10], 5)]
    # Replace a fifth of the vectors: over the stale share, so the writer compacts its files.
    changed = list(range(0, 1500, 5))
    writer.add(changed, [10_000 + pk for pk in changed], clustered(len(changed), seed=8), rev=2, seq=2)
    assert len(writer.pks) == 1500  # compacted
    assert [h.pk for h in reader.search(vecs[10], 5)] == before  # the old files, still mapped
    fresh = VectorIndex(tmp_path / "v", dim=32, ann_threshold=1000)
    assert len(fresh) == 1500 and fresh.watermark == (2, 2)


def test_a_vectors_file_shorter_than_its_metadata_starts_the_index_again(tmp_path, caplog):
    vecs = clustered(10)
    VectorIndex(tmp_path / "v", dim=32).add(list(range(10)), list(range(10)), vecs, rev=3, seq=3)
    with open(tmp_path / "v" / "vectors.f32", "r+b") as fh:
        fh.truncate(5 * 32 * 4)
    index = VectorIndex(tmp_path / "v", dim=32)
    assert "shorter than its meta.json says" in caplog.text
    assert len(index) == 0 and index.watermark == (0, 0)  # the engine's next sync re-adds everything
    index.add(list(range(10)), list(range(10)), vecs, rev=3, seq=3)
    assert VectorIndex(tmp_path / "v", dim=32).search(vecs[7], 1)[0].pk == 7
