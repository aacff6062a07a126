"""Topics over real HF Daily papers in a real store: labelled clusters, the
2-D map saved for the web app, counts per day or week, and the command."""

from __future__ import annotations

import numpy as np
import orjson
import pytest
from click.testing import CliRunner
from conftest import FIXTURES, need
from web_helpers import module_backends, module_store_location

from paperradar.cli_foryou import topics_command
from paperradar.errors import InputError
from paperradar.index import SearchEngine
from paperradar.pipeline import ingest
from paperradar.rank import terms as term_tools
from paperradar.rank.topics import (
    choose_clusters,
    class_tfidf_terms,
    kmeans,
    load_topic_map,
    period_of,
    rule_k,
    silhouette,
    topics,
)
from paperradar.store import PaperQuery, open_store

DAYS = ("2025-06-10", "2025-06-11", "2025-06-12")
SINCE, UNTIL = "2025-05-01", "2025-06-30"


@pytest.fixture(scope="module", params=module_backends(__name__))
def radar(request, tmp_path_factory):
    with module_store_location(request, tmp_path_factory, "topics") as path:
        yield from _radar(path)


def _radar(path):
    store = open_store(path)
    ingest(store, [str(need(FIXTURES / "hf-daily" / f"{day}.json")) for day in DAYS])
    SearchEngine(store).embed_missing()
    yield store, path
    store.close()


def contains(paper, term: str) -> bool:
    return term in set(term_tools.paper_terms(paper))


def test_topics_are_labelled_by_discriminative_words(radar):
    store, _ = radar
    result = topics(store, SINCE, UNTIL)
    papers = {store.pk_of(p.id): p for p in store.papers(PaperQuery(since=SINCE, until=UNTIL))}
    assert len(papers) == 51 and 2 <= len(result.topics) <= 8
    assert sorted(pk for t in result.topics for pk in t.pks) == sorted(papers)
    assert [t.id for t in result.topics] == list(range(len(result.topics)))
    assert [t.size for t in result.topics] == sorted((t.size for t in result.topics), reverse=True)
    for topic in result.topics:
        assert topic.size == len(topic.pks) and topic.label and topic.terms
        assert topic.label == ", ".join(topic.terms[:3])
        if topic.size < 4:
            continue
        # The label's first term is far more common inside its topic than outside it.
        word = topic.terms[0]
        inside = np.mean([contains(papers[pk], word) for pk in topic.pks])
        outside = np.mean([contains(p, word) for pk, p in papers.items() if pk not in topic.pks])
        assert inside >= 0.3 and inside > 3 * outside, (topic.label, inside, outside)
    labels = " | ".join(t.label for t in result.topics)
    assert "video" in labels and ("reasoning" in labels or "llms" in labels), labels
    # The video papers of these days sit together.
    video = [pk for pk, p in papers.items() if "video generation" in (p.title or "").lower()]
    homes = {next(t.id for t in result.topics if pk in t.pks) for pk in video}
    assert len(video) >= 3 and len(homes) == 1


def test_map_points_over_time_and_the_saved_file(radar):
    store, _ = radar
    result = topics(store, SINCE, UNTIL)
    points = {p.pk: p for p in result.points}
    assert set(points) == {pk for t in result.topics for pk in t.pks}
    assert all(-1 <= p.x <= 1 and -1 <= p.y <= 1 for p in points.values())
    assert max(max(abs(p.x), abs(p.y)) for p in points.values()) == pytest.approx(1.0)
    assert all(points[pk].topic_id == t.id for t in result.topics for pk in t.pks)
    # Over two months: counts per ISO week, summing to the papers, per topic too.
    assert result.granularity == "week" and all("-W" in k for k in result.over_time)
    assert sum(sum(c.values()) for c in result.over_time.values()) == len(points)
    for t in result.topics:
        assert sum(c.get(t.id, 0) for c in result.over_time.values()) == t.size
    saved = load_topic_map(store, SINCE, UNTIL)
    assert saved == orjson.loads(orjson.dumps(result.as_dict()))
    assert {p["id"] for p in saved["points"]} == {p.id for p in store.papers_by_pk(list(points))}
    # A short range is counted per day.
    days = topics(store, "2025-06-09", "2025-06-11", k=3)
    assert days.granularity == "day" and len(days.topics) <= 3
    per_day = {d: sum(c.values()) for d, c in days.over_time.items()}
    expected = {}
    for p in store.papers(PaperQuery(since="2025-06-09", until="2025-06-11")):
        expected[p.date[:10]] = expected.get(p.date[:10], 0) + 1
    assert per_day == expected


def test_empty_and_bad_periods(radar):
    store, _ = radar
    empty = topics(store, "2020-01-01", "2020-01-07")
    assert (empty.topics, empty.points, empty.over_time) == ([], [], {})
    with pytest.raises(InputError):
        topics(store, "2025-06-30", "2025-06-01")
    with pytest.raises(InputError, match="between 1 and"):
        topics(store, SINCE, UNTIL, k=500)


def test_clustering_parts_on_synthetic_blobs():
    rng = np.random.default_rng(3)
    centres = np.eye(8)[:3] * 5
    x = np.vstack([c + rng.normal(size=(30, 8)) for c in centres])
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    truth = np.repeat([0, 1, 2], 30)
    labels, centroids = kmeans(x, 3)
    assert len({(a, b) for a, b in zip(truth, labels)}) == 3  # the blobs, renamed
    assert np.allclose(np.linalg.norm(centroids, axis=1), 1, atol=1e-5)
    assert silhouette(x, labels) > 0.5 > silhouette(x, rng.integers(0, 3, len(x)))
    # Silhouette picks the number of blobs among the rule's k and its neighbours.
    few = x[np.r_[0:6, 30:36, 60:66]]
    assert rule_k(len(few)) == 3 and len(set(choose_clusters(few)[0].tolist())) == 3
    assert (rule_k(1), rule_k(8), rule_k(200), rule_k(100_000)) == (1, 2, 10, 30)
    terms = class_tfidf_terms([[["video", "generation"], ["video", "diffusion"]],
                               [["language", "reasoning"], ["reasoning", "math"]]], n_terms=1)
    assert terms == [["video"], ["reasoning"]]
    assert period_of("2025-06-12", "week") == "2025-W24" and period_of("2025", "day") == "2025"


def test_topics_command(radar):
    _, path = radar
    runner = CliRunner()
    result = runner.invoke(topics_command, ["--since", SINCE, "--until", UNTIL, "--json"], obj={"db": str(path)})
    assert result.exit_code == 0, result.output
    data = orjson.loads(result.output)
    assert len(data["points"]) == 51 and data["topics"][0]["label"]
    table = runner.invoke(topics_command, ["--week", "2025-06-11", "--k", "2"], obj={"db": str(path)})
    assert table.exit_code == 0 and "topics 2025-06-09 to 2025-06-15" in table.output
    bad = runner.invoke(topics_command, ["--date", "yesterday"], obj={"db": str(path)})
    assert bad.exit_code == 1 and "not a date" in bad.output
