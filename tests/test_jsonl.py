"""JSON lines: plain objects from elsewhere, paperradar's own export, bad lines."""

import orjson

from paperradar.exporters import write_jsonl
from paperradar.pipeline import ingest
from paperradar.store import open_store


def write_lines(path, lines):
    path.write_bytes(b"".join(
        (x if isinstance(x, bytes) else orjson.dumps(x)) + b"\n" for x in lines))
    return path


def test_plain_json_lines_with_unknown_keys_kept(tmp_path, store):
    src = write_lines(tmp_path / "mine.jsonl", [
        {"id": "2106.08254", "title": "BEiT: BERT Pre-Training of Image Transformers",
         "authors": "Hangbo Bao, Li Dong, Furu Wei", "year": 2021, "categories": "cs.CV cs.LG",
         "stars": 5, "my_note": {"read": True}},
        {"abstract": "A title-less record that only has an abstract long enough to key.",
         "authors": ["Ada Lovelace", {"name": "Alan Turing"}], "date": "2024-03-11",
         "links": ["https://github.com/x/y"], "doi": "doi:10.1000/XYZ"},
    ])
    summary = ingest(store, [str(src)])
    assert (summary.added, summary.rejected) == (2, [])
    beit = store.get("2106.08254")
    assert beit.author_names == ["Hangbo Bao", "Li Dong", "Furu Wei"]
    assert beit.date == "2021" and beit.categories == ["cs.CV", "cs.LG"]
    assert beit.extra == {"stars": 5, "my_note": {"read": True}}
    other = store.get("10.1000/xyz")
    assert other.title is None and other.author_names == ["Ada Lovelace", "Alan Turing"]
    assert other.display_title().startswith("A title-less record")


def test_bad_lines_are_named_and_good_ones_still_import(tmp_path, store):
    src = write_lines(tmp_path / "mixed.jsonl", [
        {"title": "A good first paper title"},
        b'{"title": "broken',
        b"[1, 2, 3]",
        {"authors": "Nobody"},
        b"\xff\xfe not utf8 \x80",
        {"title": "A good last paper title", "abstract": "x" * 300_000},
    ])
    summary = ingest(store, [str(src)])
    assert summary.added == 2
    where = [p.where for p in summary.rejected]
    assert where == [f"{src}:2", f"{src}:3", f"{src}:4", f"{src}:5"]
    assert "not valid JSON" in summary.rejected[0].message
    assert "neither 'title' nor 'abstract'" in summary.rejected[2].message
    # Huge fields are clipped, not fatal.
    last = next(p for p in store.papers() if p.title == "A good last paper title")
    assert 0 < len(last.abstract) <= 200_000


def test_own_export_round_trips_without_loss(tmp_path, store):
    src = write_lines(tmp_path / "in.jsonl", [
        {"title": "Paper one about diffusion models", "authors": ["A B"], "date": "2024-01-02",
         "categories": ["cs.LG"], "links": [{"url": "https://github.com/a/b", "kind": "code"}]},
        {"id": "1706.03762v7", "title": "Attention Is All You Need", "extra_field": [1, 2]},
    ])
    ingest(store, [str(src)])
    first = tmp_path / "export1.jsonl"
    with open(first, "w") as fh:
        write_jsonl(store.papers(), fh)
    other = open_store(tmp_path / "other.db")
    summary = ingest(other, [str(first)])
    assert summary.added == 2 and not summary.rejected
    second = tmp_path / "export2.jsonl"
    with open(second, "w") as fh:
        write_jsonl(other.papers(), fh)
    assert first.read_text() == second.read_text()
    # And back into the first store: nothing changes.
    again = ingest(store, [str(first)])
    assert (again.added, again.merged, again.unchanged) == (0, 0, 2)
    other.close()
