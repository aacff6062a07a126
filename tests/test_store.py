"""The SQLite store and dedupe: real SQLite files in tmp dirs."""

import sqlite3

import pytest

from paperradar.errors import NotFound
from paperradar.models import Author, Link, Paper, SourceSeen
from paperradar.store import PaperQuery, open_store
from paperradar.store.merge import merge

ABSTRACT = ("The dominant sequence transduction models are based on complex recurrent or "
            "convolutional neural networks in an encoder-decoder configuration.")


def arxiv_record(**kw):
    base = dict(title="Attention Is All You Need", abstract=ABSTRACT,
                authors=[Author("Ashish Vaswani"), Author("Noam Shazeer")],
                arxiv_id="1706.03762", arxiv_version=1, date="2017-06-12",
                categories=["cs.CL", "cs.LG"], source="arxiv-api", source_id="1706.03762",
                links=[Link("https://arxiv.org/abs/1706.03762", "abstract")])
    base.update(kw)
    return Paper(**base)


def pasted_record(**kw):
    base = dict(title="Attention is all you need", abstract=ABSTRACT[:80],
                authors=[Author("A Vaswani")], affiliations=["Google Brain"],
                source="paste", translations={"zh": {"title": "注意力就是你所需要的"}})
    base.update(kw)
    return Paper(**base)


def test_migrations_are_named_and_rerunnable(db_path):
    open_store(db_path).close()
    open_store(db_path).close()
    names = [r[0] for r in sqlite3.connect(db_path).execute("SELECT name FROM _migrations")]
    assert names == sorted(names) and len(names) == len(set(names)) >= 3
    assert sqlite3.connect(db_path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_same_paper_from_two_sources_is_one_paper_with_richest_fields(store):
    first = store.ingest_batch([pasted_record()])
    assert len(first.added) == 1 and first.added[0].startswith("pr-")
    second = store.ingest_batch([arxiv_record()])
    assert second.merged == ["1706.03762"] and not second.added
    assert store.count() == 1
    paper = store.get("1706.03762")
    assert paper.abstract == ABSTRACT  # the longer abstract wins
    assert paper.author_names == ["Ashish Vaswani", "Noam Shazeer"]  # the fuller author list
    assert paper.affiliations == ["Google Brain"]  # kept from the paste
    assert paper.translations["zh"]["title"] == "注意力就是你所需要的"
    assert paper.categories == ["cs.CL", "cs.LG"]
    assert {s.source for s in paper.sources} == {"paste", "arxiv-api"}
    # The paste's first id still resolves after the paper took its arXiv id.
    assert store.get(first.added[0]).id == "1706.03762"


def test_versions_are_one_paper_keeping_the_highest(store):
    store.ingest_batch([arxiv_record(arxiv_version=1)])
    result = store.ingest_batch([arxiv_record(arxiv_version=7, updated="2023-08-02")])
    assert result.merged == ["1706.03762"]
    paper = store.get("1706.03762v3")
    assert paper.arxiv_version == 7 and paper.date == "2017-06-12" and paper.updated == "2023-08-02"
    assert store.count() == 1


def test_doi_match_and_lookup(store):
    store.ingest_batch([Paper(title="Deep residual learning for image recognition",
                              doi="10.1109/CVPR.2016.90", source="bibtex", source_id="he2016")])
    store.ingest_batch([Paper(title="Deep Residual Learning for Image Recognition (CVPR)",
                              doi="https://doi.org/10.1109/cvpr.2016.90", source="csv")])
    assert store.count() == 1
    assert store.get("10.1109/CVPR.2016.90").title.endswith("(CVPR)")


def test_title_less_records_match_by_abstract(store):
    store.ingest_batch([Paper(abstract=ABSTRACT, source="paste")])
    res = store.ingest_batch([Paper(abstract=ABSTRACT.upper(), source="digest")])
    assert store.count() == 1 and res.merged
    assert {s.source for s in store.get(res.merged[0]).sources} == {"paste", "digest"}


def test_different_arxiv_ids_never_merge_even_with_equal_titles(store):
    store.ingest_batch([arxiv_record()])
    store.ingest_batch([arxiv_record(arxiv_id="2001.00001", source_id="2001.00001")])
    assert store.count() == 2


def test_same_input_twice_changes_nothing(store, db_path):
    batch = [pasted_record(), arxiv_record(), Paper(abstract=ABSTRACT + " Extra.", source="x")]
    store.ingest_batch(batch)
    before = sqlite3.connect(db_path).execute(
        "SELECT id, data, updated_at FROM papers ORDER BY pk").fetchall()
    again = store.ingest_batch(batch)
    assert not again.added and not again.merged and len(again.unchanged) == 3
    after = sqlite3.connect(db_path).execute(
        "SELECT id, data, updated_at FROM papers ORDER BY pk").fetchall()
    assert before == after


def test_last_seen_moves_only_on_a_new_day(db_path):
    days = iter(["2026-11-20T08:00:00+00:00", "2026-11-20T09:00:00+00:00",
                 "2026-11-21T08:00:00+00:00"])
    from paperradar.store.sqlite import SQLiteStore

    store = SQLiteStore(db_path, clock=lambda: next(days))
    store.ingest_batch([arxiv_record()])
    assert store.ingest_batch([arxiv_record()]).unchanged
    assert store.ingest_batch([arxiv_record(source_fields={"upvotes": 3})]).merged
    seen = store.get("1706.03762").sources[0]
    assert seen.first_seen.startswith("2026-11-20") and seen.last_seen.startswith("2026-11-21")
    assert seen.fields == {"upvotes": 3}


def test_own_provenance_is_restored(store):
    seen = SourceSeen("hf-daily", "1706.03762", "2024-01-01T00:00:00+00:00",
                      "2024-02-01T00:00:00+00:00", {"upvotes": 12})
    store.ingest_batch([arxiv_record(sources=[seen], source="")])
    assert store.get("1706.03762").sources == [seen]


def test_papers_query_filters_and_order(store):
    store.ingest_batch([
        arxiv_record(),
        arxiv_record(arxiv_id="2106.08254", source_id="2106.08254", title="BEiT: BERT Pre-Training",
                     abstract="We introduce BEIT, a self-supervised vision representation model.",
                     date="2021-06-15", categories=["cs.CV"], source="hf-daily"),
        Paper(title="An undated paper about nothing", source="paste"),
    ])
    ids = [p.id for p in store.papers()]
    assert ids[:2] == ["2106.08254", "1706.03762"] and len(ids) == 3
    assert [p.id for p in store.papers(PaperQuery(category="cs.CV"))] == ["2106.08254"]
    assert [p.id for p in store.papers(PaperQuery(source="arxiv-api"))] == ["1706.03762"]
    assert [p.id for p in store.papers(PaperQuery(since="2020-01-01"))] == ["2106.08254"]
    assert [p.id for p in store.papers(PaperQuery(until="2017-06-12"))] == ["1706.03762"]
    assert len(list(store.papers(PaperQuery(limit=1, offset=1)))) == 1


def test_unknown_id_is_not_found(store):
    with pytest.raises(NotFound):
        store.get("2999.99999")


def test_checkpoint_committed_with_batch(store):
    store.ingest_batch([arxiv_record()], checkpoint=("file:x", {"records": 1}))
    assert store.checkpoint("file:x") == {"records": 1}
    store.clear_checkpoint("file:x")
    assert store.checkpoint("file:x") is None


def test_integrity_check_finds_orphans(store, db_path):
    store.ingest_batch([arxiv_record()])
    assert store.integrity_problems() == []
    con = sqlite3.connect(db_path)
    con.execute("INSERT INTO paper_keys VALUES ('doi', '10.1/x', 999)")
    con.commit()
    assert any("keys pointing at no paper" in p for p in store.integrity_problems())


def test_merge_is_idempotent_and_order_stable():
    a, b = pasted_record(), arxiv_record()
    ab = merge(a, b)
    assert merge(ab, b) == ab and merge(ab, a) == ab
    ba = merge(b, a)
    assert (ab.title, ab.abstract, ab.author_names, ab.date) == \
           (ba.title, ba.abstract, ba.author_names, ba.date)


def test_keys_match_before_and_after_folding_into_the_index(store, db_path, monkeypatch):
    from paperradar.store import sqlite as backend

    monkeypatch.setattr(backend, "RECENT_KEYS_LIMIT", 25)
    papers = [Paper(title=f"Folded key test paper number {i}", abstract=f"{i} " + ABSTRACT,
                    source="jsonl", source_id=str(i)) for i in range(40)]
    for i in range(0, 40, 7):
        store.ingest_batch(papers[i:i + 7])
    con = sqlite3.connect(db_path)
    folded = con.execute("SELECT count(*) FROM paper_keys").fetchone()[0]
    recent = con.execute("SELECT count(*) FROM paper_keys_recent").fetchone()[0]
    assert folded > 0 and recent > 0  # some keys folded, some still buffered
    again = store.ingest_batch([Paper(title=p.title.upper(), source="csv") for p in papers])
    assert len(again.merged) == 40 and store.count() == 40
    assert store.integrity_problems() == []


def test_revisions_track_every_change(store):
    assert store.revision() == 0
    store.ingest_batch([arxiv_record()])
    r1 = store.revision()
    store.ingest_batch([arxiv_record()])  # unchanged: no new revision
    assert store.revision() == r1
    store.ingest_batch([arxiv_record(source="hf-daily", source_fields={"upvotes": 5})])
    r2 = store.revision()
    assert r2 > r1
    changed = [row for chunk in store.changed_since(r1) for row in chunk]
    assert [(pk, rev) for pk, rev, _ in changed] == [(store.pk_of("1706.03762"), r2)]
    assert {s.source for s in changed[0][2].sources} == {"arxiv-api", "hf-daily"}
    assert list(store.changed_since(r2)) == []


def test_embeddings_are_keyed_by_text_and_model(store):
    store.ingest_batch([arxiv_record(), pasted_record(title="Another paper entirely", abstract=None)])
    todo = store.texts_to_embed("m1")
    assert len(todo) == 2 and any(t.startswith("Attention Is All You Need. ") for _, t in todo)
    store.save_embeddings("m1", [(h, b"\x00" * 8) for h, _ in todo[:1]])
    assert len(store.texts_to_embed("m1")) == 1 and len(store.texts_to_embed("m2")) == 2
    rows = list(store.embeddings("m1"))
    assert len(rows) == 1 and rows[0][3] == b"\x00" * 8
    seq = rows[0][2]
    assert list(store.embeddings("m1", since_rev=store.revision(), since_seq=seq)) == []
    # A changed text needs a new vector.
    store.ingest_batch([arxiv_record(abstract=ABSTRACT + " Now longer.")])
    assert len(store.texts_to_embed("m1")) == 2


def test_author_and_code_filters(store):
    store.ingest_batch([
        arxiv_record(links=[Link("https://github.com/tensorflow/tensor2tensor", "code")]),
        pasted_record(title="A paper by someone else entirely", abstract=None,
                      authors=[Author("Grace Hopper")]),
    ])
    hopper = store.pks_matching(PaperQuery(author="hopper"))
    assert [p.title for p in store.papers_by_pk(sorted(hopper))] == ["A paper by someone else entirely"]
    assert [p.id for p in store.papers(PaperQuery(has_code=True))] == ["1706.03762"]
    assert len(list(store.papers(PaperQuery(has_code=False)))) == 1
    assert store.pks_matching(PaperQuery(author="vaswani", has_code=False)) == set()


def test_category_listing_is_the_same_read_either_way(store, monkeypatch):
    """A category's newest papers, given or predicted: walked down the date index
    (common categories) or read and sorted (rare ones), with the same answer."""
    from paperradar.store import category_filter

    records = [arxiv_record(arxiv_id=f"2401.{i:05d}", source_id=f"2401.{i:05d}", title=f"Paper number {i}",
                            abstract=f"Abstract {i} about topic {i % 5}.",
                            date=None if i % 7 == 0 else f"2024-0{1 + i % 9}-{10 + i % 17}",
                            categories=["cs.LG" if i % 3 else "cs.CV"] + (["stat.ML"] if i % 4 == 0 else []))
               for i in range(1, 41)]
    store.ingest_batch(records)
    untagged = Paper(title="A paper whose category is only predicted", abstract="Predicted only.",
                     date="2024-09-30", source="paste")
    store.ingest_batch([untagged])
    [(pk, chash)] = [(pk, h) for pk, h in store.enrichment_todo("category", "1")
                     if store.papers_by_pk([pk])[0].title == untagged.title]
    store.save_enrichments("category", "1", [(pk, chash, {"predicted": ["cs.LG"]}, ["cs.LG"])])

    def listing(category, limit, offset=0):
        return [p.title for p in store.papers(PaperQuery(category=category, limit=limit, offset=offset))]

    results = {}
    for threshold in (1, 10**9):  # 1: every category is walked; 10**9: every one is read and sorted
        monkeypatch.setattr(category_filter, "WALK_AT_LEAST", threshold)
        results[threshold] = [listing(c, n, o) for c in ("cs.LG", "cs.CV", "stat.ML", "cs.DL")
                              for n, o in ((5, 0), (5, 5), (100, 0))]
    assert results[1] == results[10**9]
    full = listing("cs.LG", 100)
    assert full[0] == untagged.title  # the predicted paper, newest, is listed
    assert len(full) == 1 + sum(1 for i in range(1, 41) if i % 3)
    assert listing("cs.DL", 5) == []
