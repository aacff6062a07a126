"""Digests: the bilingual post's layout in Markdown, text and HTML, LaTeX per format,
escaping, languages, predicted categories, and the for-you ranking or its fallback."""

from __future__ import annotations

import json
import re
import sys
import types
from datetime import date

import pytest
from click.testing import CliRunner
from conftest import FIXTURES, SEEDS, need

from paperradar.cli_publish import digest_command
from paperradar.errors import InputError, NotFound
from paperradar.models import Author, Link, Paper
from paperradar.pipeline import ingest
from paperradar.publish.digest import build_digest
from paperradar.publish.latex import to_html, to_markdown, to_plain
from paperradar.publish.render_html import render_html
from paperradar.publish.render_md import render_markdown, render_text
from paperradar.rank.trending import Period
from paperradar.store.sqlite import SQLiteStore

DAY = date(2026, 6, 19)


@pytest.fixture(scope="module")
def day_store(tmp_path_factory):
    store = SQLiteStore(tmp_path_factory.mktemp("digest") / "radar.db")
    ingest(store, [str(need(FIXTURES / "hf-daily" / "2026-06-19.json"))])
    yield store
    store.close()


def ranked_titles(day: str) -> list[str]:
    items = json.loads(need(FIXTURES / "hf-daily" / f"{day}.json").read_text())
    return [" ".join(it["paper"]["title"].split()) for it in items]


def test_markdown_digest_of_a_real_day_has_numbered_entries_links_and_also(day_store):
    digest = build_digest(day_store, Period.day(DAY), limit=3, also=4)
    md = render_markdown(digest)
    headings = re.findall(r"^## (\d+)\. (.+)$", md, re.MULTILINE)
    assert [n for n, _ in headings] == ["1", "2", "3"]
    assert headings[0][1] == "Moebius: 0.2B Lightweight Image Inpainting Framework with 10B-Level Performance"
    assert all(title in ranked_titles("2026-06-19") for _, title in headings)
    assert "[Abstract](<https://arxiv.org/abs/2606.19195>) · [PDF](<https://arxiv.org/pdf/2606.19195>)" \
           " · [Code](<https://github.com/hustvl/Moebius>)" in md
    assert "**TL;DR:** A lightweight image inpainting framework" in md  # HF's ai_summary
    assert "_Why: 37 upvotes on Hugging Face; code released_" in md
    also = md.split("## Also worth a look", 1)[1]
    assert len(re.findall(r"^- ", also, re.MULTILINE)) == 4
    assert len(digest.pks) == 7 and len(set(digest.pks)) == 7
    text = render_text(digest)
    assert text.startswith("paperradar · Trending papers 2026-06-19\n")
    assert "\n1. Moebius: 0.2B" in text and "Code: https://github.com/hustvl/Moebius" in text
    assert max(len(line) for line in text.splitlines() if "http" not in line) <= 80


def test_html_escapes_titles_abstracts_and_refuses_script_links(store):
    store.ingest_batch([Paper(
        title="<script>alert('x')</script> $\\alpha$-Net: \\textbf{Bold} \\emph{claims}",
        abstract="We show x < y & <img src=x onerror=alert(1)> with $O(n^2)$ cost~\\cite{foo}.",
        authors=[Author("Eve <eve@evil>", ["Lab & Co"])], date="2026-02-02", source="t", source_id="1",
        links=[Link("javascript:alert(1)", "code"), Link("https://github.com/ok/repo", "code")])])
    html = render_html(build_digest(store, Period.day(date(2026, 2, 2))))
    assert "<script>" not in html and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "α-Net: <b>Bold</b> <i>claims</i>" in html
    assert "with O(n²) cost." in html and "cite" not in html
    assert "Eve &lt;eve@evil&gt;" in html and "[Lab &amp; Co]" in html
    assert "javascript:" not in html and 'href="https://github.com/ok/repo"' in html
    assert "<details><summary>Abstract</summary>" in html
    md = render_markdown(build_digest(store, Period.day(date(2026, 2, 2))))
    assert "\\<script\\>" in md and "**Bold**" in md and "*claims*" in md


@pytest.mark.parametrize("latex, plain, md, html", [
    ("PixArt-$\\alpha$: Fast", "PixArt-α: Fast", "PixArt-α: Fast", "PixArt-α: Fast"),
    ("$\\nabla^2$DFT: a benchmark", "∇²DFT: a benchmark", "∇²DFT: a benchmark", "∇²DFT: a benchmark"),
    ("\\textbf{x} and \\emph{y}", "x and y", "**x** and *y*", "<b>x</b> and <i>y</i>"),
    ("Earn $1 Million from $5 tasks", "Earn $1 Million from $5 tasks", "Earn $1 Million from $5 tasks",
     "Earn $1 Million from $5 tasks"),
    ("$\\frac{a}{\\sqrt{d_k}}$ in $\\mathbb{R}^d$, 50\\% \\& more", "a/(√dₖ) in ℝᵈ, 50% & more",
     "a/(√dₖ) in ℝᵈ, 50% & more", "a/(√dₖ) in ℝᵈ, 50% &amp; more"),
    ("Bal\\'azs~\\cite{x}, \\texttt{snake_case}", "Balázs, snake_case", "Balázs, `snake_case`",
     "Balázs, <code>snake_case</code>"),
])
def test_latex_renders_per_format(latex, plain, md, html):
    assert (to_plain(latex), to_markdown(latex), str(to_html(latex))) == (plain, md, html)


def test_latex_survives_junk():
    for junk in ["{" * 5000 + "x", "\\frac" * 3000, "$" * 999, "\\(" * 3000, "\\textbf{", "}}}", "\x00\\"]:
        to_plain(junk), to_markdown(junk), to_html(junk)  # never raises, never recurses too deep


@pytest.fixture
def seed_store(tmp_path):
    store = SQLiteStore(tmp_path / "seed.db", clock=lambda: "2026-06-01T08:00:00+00:00")
    ingest(store, [str(p) for p in need(SEEDS).glob("001_*.txt")])
    yield store
    store.close()


def test_bilingual_seed_digest_in_each_language(seed_store):
    period = Period.day(date(2026, 6, 1))  # undated pasted papers: the day they were seen
    beit = "BEiT: BERT Pre-Training of Image Transformers"
    en = render_markdown(build_digest(seed_store, period, language="en", limit=9, also=0))
    assert len(re.findall(r"^## \d+\. \[(?:CV|LG|CL)\] ", en, re.MULTILINE)) == 9
    assert f"[CV] {beit}" in en and "[Microsoft Research]" in en and "图像" not in en
    zh = render_markdown(build_digest(seed_store, period, language="zh", limit=9, also=0))
    block = zh.split(beit, 1)[1].split("\n## ", 1)[0]
    assert "BEIT:图像Transformer的BERT预训练" in block
    assert "**摘要:** 本文提出一种自监督视觉表示模型BEIT" in block
    assert "We introduce a self-supervised vision representation model" in block  # the abstract stays
    assert "另外几篇值得关注的论文" not in zh  # also=0
    both = render_html(build_digest(seed_store, period, language="both", limit=2, also=7))
    assert "Also worth a look · 另外几篇值得关注的论文" in both and "BEIT:图像Transformer" in both


def test_tldr_translation_and_predicted_category_from_enrichments(store):
    store.ingest_batch([Paper(title="An untagged paper", abstract="Long abstract.", date="2026-01-05",
                              source="t", source_id="1")])
    pk = store.pk_of(next(store.papers()).id)
    [(_, chash)] = store.enrichment_todo("category", "1", pks=[pk])
    store.save_enrichments("category", "1", [(pk, chash, {"predicted": [{"category": "cs.CV", "confidence": .9}]}, [])])
    store.save_enrichments("tldr", "1", [(pk, chash, {"text": "It does $\\beta$ things.", "method": "x"}, [])])
    store.save_enrichments("translate", "1", [(pk, chash, {"zh": {"title": "未标注的论文", "summary": "长摘要。"},
                                                           "backend": "b"}, [])])
    period = Period.day(date(2026, 1, 5))
    en = render_markdown(build_digest(store, period))
    assert "## 1. [CV?] An untagged paper" in en and "**TL;DR:** It does β things." in en
    both = render_markdown(build_digest(store, period, language="both"))
    assert "未标注的论文" in both and "**TL;DR:** It does β things." in both and "**摘要:** 长摘要。" in both
    zh = render_markdown(build_digest(store, period, language="zh"))
    assert "**摘要:** 长摘要。" in zh and "TL;DR" not in zh


def test_reader_digest_falls_back_to_trending_or_uses_for_you(day_store, monkeypatch):
    day_store.reader("ana")
    monkeypatch.setitem(sys.modules, "paperradar.rank.foryou", None)  # not installed
    fallback = build_digest(day_store, Period.day(DAY), reader="ana", limit=2)
    assert fallback.ranking == "trending" and "showing trending instead" in fallback.notes[0]

    def recommend(store, reader, papers, limit=20):
        assert reader.name == "ana"
        return [types.SimpleNamespace(paper=p, score=1.0, why=f"close to what {reader.name} saved")
                for p in sorted(papers, key=lambda p: p.title)]

    monkeypatch.setitem(sys.modules, "paperradar.rank.foryou", types.SimpleNamespace(recommend=recommend))
    mine = build_digest(day_store, Period.day(DAY), reader="ana", limit=2)
    assert mine.ranking == "for you" and not mine.notes
    titles = sorted(ranked_titles("2026-06-19"))
    assert [e.title for e in mine.entries] == titles[:2]
    assert mine.entries[0].reasons == ["close to what ana saved"]
    assert "Ranked for you" in render_markdown(mine)
    with pytest.raises(NotFound):
        build_digest(day_store, Period.day(DAY), reader="nobody")


def test_digest_command_formats_topics_and_errors(day_store, tmp_path):
    run = CliRunner().invoke
    obj = {"db": str(day_store.path)}
    out = tmp_path / "d.md"
    result = run(digest_command, ["--date", "2026-06-19", "--limit", "2", "-o", str(out)], obj=obj)
    assert result.exit_code == 0 and out.read_text().count("\n## ") == 3  # 2 entries + also
    html = run(digest_command, ["--date", "2026-06-19", "--format", "html"], obj=obj)
    assert html.output.startswith("<!DOCTYPE html>") and "<details>" in html.output
    email = run(digest_command, ["--date", "2026-06-19", "--format", "email", "--limit", "1"], obj=obj)
    assert "multipart/alternative" in email.output and "List-Unsubscribe" in email.output
    topic = run(digest_command, ["--date", "2026-06-19", "--query", "image inpainting"], obj=obj)
    assert topic.exit_code == 0, topic.output
    assert re.findall(r"^## \d+\. (.+)$", topic.output, re.MULTILINE) == [
        "Moebius: 0.2B Lightweight Image Inpainting Framework with 10B-Level Performance"]
    none = run(digest_command, ["--date", "2026-06-19", "--query", "quantum chromodynamics lattice"], obj=obj)
    assert "nothing new on these topics" in none.output
    weekend = run(digest_command, ["--date", "2026-06-20"], obj=obj)
    assert "Saturday" in weekend.output
    bad = run(digest_command, ["--date", "2026-06-19", "--category", "vision"], obj=obj)
    assert bad.exit_code == 1 and "not an arXiv category" in bad.output
    with pytest.raises(InputError):
        build_digest(day_store, Period.day(DAY), language="fr")


def test_reader_digest_with_the_real_for_you_ranking(tmp_path):
    pytest.importorskip("onnxruntime")
    pytest.importorskip("paperradar.rank.foryou")
    from paperradar.index import SearchEngine

    store = SQLiteStore(tmp_path / "r.db")
    ingest(store, [str(need(FIXTURES / "hf-daily" / "2026-06-19.json"))])
    engine = SearchEngine(store)
    engine.sync()  # ~20 abstracts: a few seconds
    engine.close()
    ana = store.reader("ana")
    store.rate(ana.id, store.pk_of("2606.19195"), 1)  # Moebius, image inpainting
    digest = build_digest(store, Period.day(DAY), reader="ana", limit=3, also=2)
    assert digest.ranking == "for you" and not digest.notes
    assert "2606.19195" not in {e.paper.arxiv_id for e in digest.entries + digest.also}  # already liked
    assert any("Moebius" in r or "shares terms" in r for e in digest.entries for r in e.reasons)
    store.close()
