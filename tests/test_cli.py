"""The command line, end to end on the real seeds and fixtures, with a real SQLite file."""

import re
import shutil

import orjson
import pytest
from click.testing import CliRunner

from conftest import FIXTURES, ROOT, SEEDS, need
from paperradar.cli import cli

REQUIRED = {"id", "title", "abstract", "authors", "affiliations", "date", "categories",
            "sources", "links", "translations"}


def invoke(db, *args, input=None):
    result = CliRunner().invoke(cli, ["--db", str(db), *args], input=input,
                                catch_exceptions=False)
    return result


def json_lines(text):
    return [orjson.loads(line) for line in text.splitlines() if line.strip()]


@pytest.fixture
def seeded(tmp_path):
    db = tmp_path / "radar.db"
    seeds = sorted(need(SEEDS).glob("*.txt"))
    result = invoke(db, "ingest", *map(str, seeds))
    assert result.exit_code == 0, result.output
    return db, result


def test_every_command_has_help_and_is_documented():
    readme = (ROOT / "README.md").read_text()
    for name, command in cli.commands.items():
        result = CliRunner().invoke(cli, [name, "--help"])
        assert result.exit_code == 0 and command.help, name
        assert f"paperradar {name}" in readme, f"README does not document `paperradar {name}`"


def test_ingest_seeds_counts_and_contract(seeded):
    db, result = seeded
    assert "added 171, merged 0, unchanged 0, rejected 0" in result.stdout
    papers = json_lines(invoke(db, "list", "--json", "--limit", "0").stdout)
    assert len(papers) == 171
    for paper in papers:
        assert REQUIRED <= paper.keys()
        assert isinstance(paper["authors"], list) and isinstance(paper["sources"], list)
    beit = next(p for p in papers if (p["title"] or "").startswith("BEiT"))
    assert beit["categories"] == ["cs.CV"]
    assert beit["authors"] == ["H Bao", "L Dong", "F Wei"]
    assert beit["affiliations"] == ["Microsoft Research"]
    assert beit["translations"]["zh"]["title"].startswith("BEIT")
    short = [p for p in papers if p["sources"][0]["fields"].get("layout") == "digest"
             and not p["abstract"]]
    assert len(short) == 4
    untitled = [p for p in papers if not p["title"]]
    assert len(untitled) == 3 and all(p["abstract"] for p in untitled)


def test_ingest_twice_changes_nothing(seeded):
    db, _ = seeded
    before = invoke(db, "export").stdout
    again = invoke(db, "ingest", *map(str, sorted(SEEDS.glob("*.txt"))))
    assert "added 0, merged 0, unchanged 171, rejected 0" in again.stdout
    assert invoke(db, "export").stdout == before


def test_show_by_arxiv_version_and_json(tmp_path):
    db = tmp_path / "r.db"
    invoke(db, "ingest", str(need(FIXTURES / "api_1706.03762.xml")))
    shown = invoke(db, "show", "1706.03762v3")
    assert shown.exit_code == 0 and "Attention Is All You Need" in shown.stdout
    data = orjson.loads(invoke(db, "show", "1706.03762", "--json").stdout)
    assert data["id"] == "1706.03762" and data["authors"][0] == "Ashish Vaswani"
    missing = invoke(db, "show", "2999.00001")
    assert missing.exit_code == 1 and "no paper" in missing.stderr


def test_sources_merge_across_formats(tmp_path):
    db = tmp_path / "r.db"
    invoke(db, "ingest", str(need(FIXTURES / "api_1706.03762.xml")),
           str(FIXTURES / "oai_raw_1706.03762.xml"), str(FIXTURES / "oai_arxiv_1706.03762.xml"))
    papers = json_lines(invoke(db, "list", "--json").stdout)
    assert len(papers) == 1
    assert {s["source"] for s in papers[0]["sources"]} == {"arxiv-api", "oai"}


@pytest.mark.parametrize("fmt", ["jsonl", "bibtex", "csv"])
def test_export_reimports_into_a_fresh_store(seeded, tmp_path, fmt):
    db, _ = seeded
    out = tmp_path / f"export.{fmt}"
    result = invoke(db, "export", "--format", fmt, "-o", str(out))
    assert result.exit_code == 0 and out.stat().st_size > 0
    fresh = tmp_path / f"fresh-{fmt}.db"
    again = invoke(fresh, "ingest", str(out))
    assert "added 171" in again.stdout and "rejected 0" in again.stdout
    a = {p["title"] or p["abstract"][:50]: p for p in json_lines(invoke(db, "list", "--json", "--limit", "0").stdout)}
    b = {p["title"] or p["abstract"][:50]: p for p in json_lines(invoke(fresh, "list", "--json", "--limit", "0").stdout)}
    assert a.keys() == b.keys()
    for key in a:
        for field in ("abstract", "authors", "affiliations", "date", "categories", "translations"):
            assert a[key][field] == b[key][field], (fmt, key, field)


def test_stdin_and_unknown_layout_message(tmp_path):
    db = tmp_path / "r.db"
    ok = invoke(db, "ingest", "-", input='{"title": "From standard input, a paper"}\n')
    assert "added 1" in ok.stdout
    bad = invoke(db, "ingest", "-", input="lorem\nipsum\n")
    assert bad.exit_code == 1
    assert "layouts understood" in bad.stderr and "<stdin>" in bad.stderr
    assert "keyword-listing" in bad.stderr and "bibtex" in bad.stderr


def test_bad_files_are_named_and_good_files_still_import(tmp_path):
    db = tmp_path / "r.db"
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "junk.bin").write_bytes(bytes(range(256)) * 50)
    (tmp_path / "broken.xml").write_text(
        (FIXTURES / "api_query_100.xml").read_text()[:20000])
    shutil.copy(need(SEEDS / "002_e9e5f09aea7b1a27.txt"), tmp_path / "good.txt")
    result = invoke(db, "ingest", str(tmp_path), "no/such/file.txt")
    assert result.exit_code == 0
    err = result.stderr
    assert re.search(r"empty\.txt: empty file", err)
    assert re.search(r"junk\.bin: binary data", err)
    assert re.search(r"broken\.xml:\d+", err)
    assert "no/such/file.txt: no such file" in err
    added = int(re.search(r"added (\d+)", result.stdout).group(1))
    assert added > 6  # the 6 keyword-listing papers plus the XML entries before the break


def test_run_offline_works_from_files(tmp_path):
    db = tmp_path / "r.db"
    result = invoke(db, "run", "--offline", "--from", str(need(FIXTURES / "hf-daily" / "2026-06-18.json")))
    assert result.exit_code == 0
    assert "offline" in result.stderr
    assert "Latest papers (2026-06-1" in result.stdout
    data = orjson.loads(invoke(db, "run", "--offline", "--json").stdout)
    assert data["stored"] == 19 and data["papers"]


def test_online_sources_reject_unknown_spec(tmp_path):
    result = invoke(tmp_path / "r.db", "ingest", "nosuch:thing")
    assert result.exit_code == 1 and "not an online source" in result.stderr
