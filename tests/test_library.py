"""A reader's library in a real store: ratings, saves and tags by paper id;
importing the real d2l bibliography and a Zotero CSV export; exporting BibTeX
that reads back; the library commands."""

from __future__ import annotations

import io

import orjson
import pytest
from click.testing import CliRunner
from conftest import FIXTURES, need

from paperradar.cli_library import (
    dislike_command,
    library_group,
    like_command,
    save_command,
    tag_command,
)
from paperradar.errors import InputError, NotFound
from paperradar.normalize import normalize_title
from paperradar.pipeline import ingest
from paperradar.rank.library import (
    dislike,
    export_library,
    import_library,
    library_items,
    like,
    reader_name,
    reader_of,
    save,
    tag,
)
from paperradar.store import open_store

BIB = FIXTURES / "d2l-references.bib"
ZOTERO_CSV = '''\ufeff"Key","Item Type","Publication Year","Author","Title","Publication Title","DOI","Url","Abstract Note","Date","Date Added","Extra","Manual Tags","Automatic Tags"
"ZK3P9Q2A","preprint","2017","Vaswani, Ashish; Shazeer, Noam","Attention Is All You Need","","","http://arxiv.org/abs/1706.03762","The dominant sequence transduction models are based on complex recurrent or convolutional neural networks.","2017-06-12","2024-01-05 10:11:12","arXiv: 1706.03762","transformers; to-read","Computer Science - Computation and Language"
"7YHB2M4C","journalArticle","2015","LeCun, Yann; Bengio, Yoshua; Hinton, Geoffrey","Deep learning","Nature","10.1038/nature14539","https://www.nature.com/articles/nature14539","Deep learning allows computational models that are composed of multiple processing layers to learn representations of data.","2015-05","2024-01-05 10:12:00","","survey",""
"Q8WERT55","conferencePaper","2016","He, Kaiming; Zhang, Xiangyu","Deep Residual Learning for Image Recognition","CVPR","","","","2016","2024-01-06 09:00:00","","",""
'''


@pytest.fixture
def hf_store(store):
    ingest(store, [str(need(FIXTURES / "hf-daily" / "2025-06-10.json"))])
    return store


def titles(items) -> set[str]:
    return {normalize_title(i.paper.title) for i in items}


def test_ratings_saves_and_tags_by_paper_id(hf_store, monkeypatch):
    monkeypatch.delenv("PAPERRADAR_READER", raising=False)
    assert reader_name() == "me" and reader_name("ana") == "ana"
    monkeypatch.setenv("PAPERRADAR_READER", "bo")
    assert reader_of(hf_store).name == "bo"
    ana = reader_of(hf_store, "ana")
    pk = like(hf_store, ana, "2506.08007")
    assert pk == hf_store.pk_of("arXiv:2506.08007v2")
    save(hf_store, ana, "2506.07986")
    tag(hf_store, ana, "2506.07986", "diffusion")
    dislike(hf_store, ana, "2506.07309")
    lib = {e.pk: e for e in hf_store.library(ana.id)}
    assert lib[pk].rating == 1
    assert lib[hf_store.pk_of("2506.07986")].saved and lib[hf_store.pk_of("2506.07986")].tags == ["diffusion"]
    assert lib[hf_store.pk_of("2506.07309")].rating == -1
    assert [i.paper.arxiv_id for i in library_items(hf_store, ana, tag="diffusion")] == ["2506.07986"]
    with pytest.raises(NotFound):
        like(hf_store, ana, "2999.99999")


def test_importing_the_d2l_bibliography_saves_every_paper_once(store):
    # A paper already stored (from the arXiv API) is matched by title, not stored twice.
    ingest(store, [str(need(FIXTURES / "api_1706.03762.xml"))])
    ana = store.reader("ana")
    first = import_library(store, ana, str(need(BIB)), tag="d2l")
    assert first.read > 450 and first.saved == len(set(first.ids))
    assert first.added_to_store == store.count() - 1
    attention = store.pk_of("1706.03762")
    entries = {e.pk: e for e in store.library(ana.id)}
    assert entries[attention].saved and entries[attention].tags == ["d2l"]
    assert len(entries) == first.saved and all(e.saved for e in entries.values())
    count = store.count()
    again = import_library(store, ana, str(BIB), tag="d2l")
    assert (again.saved, again.tagged, again.added_to_store) == (0, 0, 0)
    assert again.already == again.read == first.read
    assert store.count() == count and len(store.library(ana.id)) == len(entries)
    assert store.integrity_problems() == []


def test_exported_library_reads_back_as_the_same_papers(store, tmp_path):
    ana = store.reader("ana")
    import_library(store, ana, str(need(BIB)))
    out = io.StringIO()
    n = export_library(store, ana, out)
    path = tmp_path / "library.bib"
    path.write_text(out.getvalue(), encoding="utf-8")
    assert n == len(store.library(ana.id))
    other = open_store(tmp_path / "other.db")
    bo = other.reader("bo")
    summary = import_library(other, bo, str(path))
    assert summary.problems == [] and summary.saved == n
    assert titles(library_items(other, bo)) == titles(library_items(store, ana))
    other.close()
    # Into the same store: every paper is found again, nothing is added.
    again = import_library(store, ana, str(path))
    assert (again.added_to_store, again.saved, again.already) == (0, 0, n)


def test_zotero_csv_export_fills_abstracts_tags_and_arxiv_ids(store, tmp_path):
    ingest(store, [str(need(FIXTURES / "api_1706.03762.xml"))])
    path = tmp_path / "zotero.csv"
    path.write_text(ZOTERO_CSV, encoding="utf-8")
    ana = store.reader("ana")
    summary = import_library(store, ana, str(path))
    assert (summary.read, summary.saved, summary.added_to_store) == (3, 3, 2)
    items = {i.paper.title: i for i in library_items(store, ana)}
    assert items["Attention Is All You Need"].paper.arxiv_id == "1706.03762"
    assert sorted(items["Attention Is All You Need"].entry.tags) == ["to-read", "transformers"]
    deep = items["Deep learning"]
    assert deep.paper.abstract.startswith("Deep learning allows") and deep.entry.tags == ["survey"]
    assert deep.paper.doi == "10.1038/nature14539" and deep.paper.date == "2015-05"
    assert "Abstract Note" not in deep.paper.extra and deep.paper.extra["Item Type"] == "journalArticle"
    assert items["Deep Residual Learning for Image Recognition"].entry.tags == []


def test_bad_library_files_are_reported_clearly(store, tmp_path):
    ana = store.reader("ana")
    empty = tmp_path / "empty.bib"
    empty.write_text("")
    with pytest.raises(InputError, match="empty"):
        import_library(store, ana, str(empty))
    with pytest.raises(InputError, match="no such file"):
        import_library(store, ana, str(tmp_path / "missing.bib"))
    broken = tmp_path / "broken.bib"
    broken.write_text("@article{good, title={Deep residual learning for image recognition}, year={2016}}\n"
                      "@article{bad, year={2016}}\n"
                      "@article{good2, title={Batch normalization: accelerating deep network training}}\n")
    summary = import_library(store, ana, str(broken))
    assert summary.saved == 2 and len(summary.problems) == 1
    assert summary.problems[0].where.endswith("broken.bib:2") and "no title" in summary.problems[0].message


def test_library_commands(hf_store, db_path, tmp_path):
    hf_store.close()
    runner = CliRunner()
    obj = {"db": str(db_path)}
    assert runner.invoke(like_command, ["2506.08007", "--reader", "ana"], obj=obj).exit_code == 0
    assert runner.invoke(dislike_command, ["2506.07309", "--reader", "ana"], obj=obj).exit_code == 0
    assert runner.invoke(save_command, ["2506.07986", "--reader", "ana"], obj=obj).exit_code == 0
    result = runner.invoke(tag_command, ["2506.07986", "diffusion", "--reader", "ana"], obj=obj)
    assert result.exit_code == 0, result.output
    missing = runner.invoke(like_command, ["2999.99999", "--reader", "ana"], obj=obj)
    assert missing.exit_code == 1 and "no paper" in missing.output
    shown = runner.invoke(library_group, ["show", "--reader", "ana", "--json"], obj=obj)
    rows = [orjson.loads(line) for line in shown.output.splitlines()]
    assert {r["id"]: (r["rating"], r["saved"], r["tags"]) for r in rows} == {
        "2506.08007": (1, False, []), "2506.07309": (-1, False, []), "2506.07986": (0, True, ["diffusion"])}
    table = runner.invoke(library_group, ["show", "--reader", "ana"], obj=obj)
    assert table.exit_code == 0 and "Reinforcement Pre-Training" in table.output
    imported = runner.invoke(library_group, ["import", str(need(BIB)), "--reader", "bo", "--json"], obj=obj)
    assert imported.exit_code == 0, imported.output
    assert orjson.loads(imported.output)["saved"] > 450
    out = tmp_path / "bo.bib"
    exported = runner.invoke(library_group, ["export", "--reader", "bo", "-o", str(out)], obj=obj)
    assert exported.exit_code == 0 and out.read_text().count("@") > 450
    bad = runner.invoke(library_group, ["import", str(tmp_path / "nope.bib")], obj=obj)
    assert bad.exit_code == 1 and "no such file" in bad.output
