"""The category enricher on real papers of the shared arXiv listing (one day of
submissions with their subjects): given categories kept, a linear probe trained
on the store's labelled papers, zero-shot without labels, keys for filters, and
re-running only when the text or the probe changed."""

from __future__ import annotations

import csv
import shutil

import numpy as np
import pytest
from conftest import DATA, need

pytest.importorskip("numpy")
pytest.importorskip("onnxruntime")

from paperradar.enrich import category as category_mod
from paperradar.enrich.base import filter_categories, predicted_categories
from paperradar.enrich.category_labels import (
    LABEL_DESCRIPTIONS,
    archive_of,
    zero_shot_label,
)
from paperradar.enrich.category_probe import (
    Probe,
    class_map,
    stratified_split,
    train_probe,
)
from paperradar.enrich.runner import run_enrichers
from paperradar.normalize import split_categories
from paperradar.pipeline import ingest
from paperradar.store import PaperQuery, open_store

LISTING = DATA / "arxiv-listing-2023-09-21.csv"
VISION = "2309.11222"  # Generalized Few-Shot Point Cloud Segmentation Via Geometric Words (cs.CV)
LANGUAGE = "2309.11346"  # GECTurk: Grammatical Error Correction and Detection Dataset for Turkish (cs.CL)
PER_CLASS = 20  # 3 classes x 20 = 60 labelled papers: above MIN_LABELLED


def _rows_by_primary() -> tuple[list[str], dict[str, list[dict]]]:
    with open(need(LISTING), newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
    by: dict[str, list[dict]] = {}
    for row in rows:
        if row["abstract"].startswith("Subjects:"):  # a shifted row of the scrape
            continue
        cats = split_categories(row["subjects"])
        if cats:
            by.setdefault(cats[0], []).append(row)
    return list(reader.fieldnames or []), by


def _write_csv(path, fields, rows, blank_subjects=False):
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, "subjects": ""} if blank_subjects else row)
    return str(path)


@pytest.fixture(scope="module")
def listing(tmp_path_factory):
    """CSV files cut from the real listing: the labelled training papers, two
    held-out papers without subjects, and labelled papers to add later."""
    fields, by = _rows_by_primary()
    out = tmp_path_factory.mktemp("listing")
    held = [r for r in by["cs.CV"] + by["cs.CL"] if r["paper_id"] in (VISION, LANGUAGE)]
    assert len(held) == 2
    train = [r for c in ("cs.CV", "cs.CL", "cs.RO") for r in [x for x in by[c] if x not in held][:PER_CLASS]]
    return {
        "train": _write_csv(out / "train.csv", fields, train),
        "held": _write_csv(out / "held.csv", fields, held, blank_subjects=True),
        "grow": _write_csv(out / "grow.csv", fields, by["cs.LG"][:8]),  # +13%: retrain
        "nudge": _write_csv(out / "nudge.csv", fields, [x for x in by["cs.RO"] if x not in train][:2]),
    }


@pytest.fixture(scope="module")
def base_db(tmp_path_factory, listing):
    """A store with the training and held-out papers, embedded once for the module."""
    from paperradar.index.engine import SearchEngine

    path = tmp_path_factory.mktemp("base") / "radar.db"
    store = open_store(str(path))
    ingest(store, [listing["train"], listing["held"]])
    SearchEngine(store).embed_missing()
    store.close()
    return path


@pytest.fixture
def radar(base_db, tmp_path):
    """A fresh copy of the embedded store (no enrichments, no saved probe)."""
    path = tmp_path / "radar.db"
    for suffix in ("", "-wal", "-shm"):
        src = base_db.with_name(base_db.name + suffix)
        if src.exists():
            shutil.copy(src, path.with_name(path.name + suffix))
    store = open_store(str(path))
    yield store
    store.close()


def _paper(store, arxiv_id):
    return store.get(arxiv_id)


def test_given_categories_are_kept_and_not_predicted(radar):
    summary = run_enrichers(radar, ["category"])
    report = summary.reports[0]
    assert report.skipped is None and not report.failures
    assert report.done == radar.count() == 2 + 3 * PER_CLASS
    assert report.found == 2  # only the two papers without subjects
    given = [p for p in radar.papers() if p.categories]
    assert len(given) == 3 * PER_CLASS
    for paper in given:
        assert paper.enrichments["category"] == {}
        assert predicted_categories(paper) == []
        assert filter_categories(paper) == paper.categories


def test_probe_predicts_held_out_vision_and_language_papers(radar):
    summary = run_enrichers(radar, ["category"])
    assert any("trained a probe on 60 papers (3 classes)" in n for n in summary.notices)
    vision, language = _paper(radar, VISION), _paper(radar, LANGUAGE)
    for paper, expected in ((vision, "cs.CV"), (language, "cs.CL")):
        data = paper.enrichments["category"]
        assert data["method"] == "probe" and data["trained_on"] == 60
        predicted = data["predicted"]
        assert predicted[0]["category"] == expected
        assert [p["category"] for p in predicted] == sorted(
            [p["category"] for p in predicted], key=lambda c: -next(
                q["confidence"] for q in predicted if q["category"] == c))
        assert len(predicted) == 3 and all(0 <= p["confidence"] <= 1 for p in predicted)
        assert sum(p["confidence"] for p in predicted) == pytest.approx(1, abs=0.01)  # 3 classes


def test_predictions_are_marked_predicted_and_found_by_category_filter(radar):
    run_enrichers(radar, ["category"])
    vision = _paper(radar, VISION)
    assert vision.categories == []  # never written into the given categories
    assert predicted_categories(vision)[0]["category"] == "cs.CV"
    assert predicted_categories(vision)[0]["confidence"] >= category_mod.CONFIDENT
    assert radar.pks_with_key("category", "cs.CV") == [radar.pk_of(VISION)]
    found = [p.arxiv_id for p in radar.papers(PaperQuery(category="cs.CV"))]
    assert VISION in found and LANGUAGE not in found
    given_cv = [p.arxiv_id for p in radar.papers() if "cs.CV" in p.categories]  # primary or cross-listed
    assert sorted(found) == sorted(given_cv + [VISION])
    assert filter_categories(vision) == ["cs.CV"]


def test_second_run_does_nothing(radar):
    first = run_enrichers(radar, ["category"]).reports[0]
    second = run_enrichers(radar, ["category"])
    assert first.done > 0
    assert second.reports[0].done == 0 and second.reports[0].up_to_date
    assert not any("trained" in n for n in second.notices)


def test_retrained_probe_changes_version_and_predictions_are_redone(radar, listing):
    enricher = category_mod.ENRICHERS[0]
    run_enrichers(radar, ["category"])
    first_version = enricher.version
    assert first_version.startswith(f"{category_mod.SCHEME}-probe-")

    ingest(radar, [listing["nudge"]])  # +2 labelled (3%): the probe is kept
    nudged = run_enrichers(radar, ["category"])
    assert enricher.version == first_version
    assert nudged.reports[0].done == 2 and not any("trained" in n for n in nudged.notices)

    ingest(radar, [listing["grow"]])  # +8 labelled (13%): retrained, everything redone
    grown = run_enrichers(radar, ["category"])
    assert any("trained a probe on 70 papers (4 classes)" in n for n in grown.notices)
    assert enricher.version != first_version
    assert grown.reports[0].done == radar.count()
    assert _paper(radar, VISION).enrichments["category"]["trained_on"] == 70


def test_unreadable_probe_file_is_retrained(radar):
    run_enrichers(radar, ["category"])
    path = radar.artifact_dir("enrich") / category_mod.PROBE_FILE
    path.write_bytes(b"not a probe")
    again = run_enrichers(radar, ["category"])
    assert any("trained a probe" in n for n in again.notices)
    assert again.reports[0].done == 0  # same labelled set: same fingerprint, nothing to redo
    assert Probe.load(path).meta["trained_on"] == 60


def test_zero_shot_without_labelled_papers(store, listing):
    ingest(store, [listing["held"]])
    summary = run_enrichers(store, ["category"])
    assert any("zero-shot" in n for n in summary.notices)
    assert category_mod.ENRICHERS[0].version.startswith(f"{category_mod.SCHEME}-zero-shot-")
    vision, language = store.get(VISION), store.get(LANGUAGE)
    for paper, expected in ((vision, "cs.CV"), (language, "cs.CL")):
        data = paper.enrichments["category"]
        assert data["method"] == "zero-shot" and data["trained_on"] == 0
        assert len(data["predicted"]) == 3
        assert data["predicted"][0]["category"] == expected
    assert (store.artifact_dir("enrich") / category_mod.LABELS_FILE).exists()
    assert run_enrichers(store, ["category"]).reports[0].done == 0


def test_skips_with_the_fix_when_the_embedding_model_is_missing(store, listing, monkeypatch):
    from paperradar.index import embed

    def missing(name=None):
        raise embed.EmbeddingModelMissing("onnxruntime not installed")

    monkeypatch.setattr(embed, "get_embedder", missing)
    ingest(store, [listing["held"]])
    report = run_enrichers(store, ["category"]).reports[0]
    assert report.skipped and "pip install 'paperradar[embed]'" in report.skipped
    assert report.done == 0


# -- the probe's parts ---------------------------------------------------------


def test_class_map_folds_rare_classes_into_their_archive():
    labels = ["cs.CV"] * 8 + ["math.AG"] * 5 + ["math.CT"] * 3 + ["hep-th"] * 2 + ["q-bio.NC"] * 7
    mapping = class_map(labels)
    assert mapping["cs.CV"] == "cs.CV"
    assert mapping["math.AG"] == mapping["math.CT"] == "math"  # 5 + 3 pooled
    assert "hep-th" not in mapping and "q-bio.NC" not in mapping  # pools too small: dropped


def test_archive_and_zero_shot_labels():
    assert archive_of("math.AG") == "math" and archive_of("cond-mat.str-el") == "cond-mat"
    assert archive_of("hep-th") == "hep-th" and archive_of("astro-ph.GA") == "astro-ph"
    for code in ("cs.LG", "cs.CV", "cs.CL", "cs.AI", "cs.RO", "cs.SD", "eess.AS", "stat.ML",
                 "cs.IR", "cs.CR", "cs.NE", "cs.HC", "eess.IV", "eess.SP", "math.OC"):
        assert zero_shot_label(code) == code
    assert zero_shot_label("q-bio.NC") == "q-bio" and zero_shot_label("nlin.CD") is None
    assert all(len(text) > 30 for text in LABEL_DESCRIPTIONS.values())


def test_stratified_split_is_reproducible_and_keeps_every_class():
    labels = ["a"] * 10 + ["b"] * 5 + ["c"]
    train, held = stratified_split(labels, 0.2, seed=3)
    again = stratified_split(labels, 0.2, seed=3)
    assert list(train) == list(again[0]) and list(held) == list(again[1])
    assert sorted([labels[i] for i in held]) == ["a", "a", "b"]  # the lone "c" stays in training
    assert sorted(list(train) + list(held)) == list(range(len(labels)))


def test_probe_learns_separable_classes_and_round_trips(tmp_path):
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(3, 16))
    labels = [c for c in ("x", "y", "z") for _ in range(30)]
    vectors = np.vstack([centres["xyz".index(c)] + 0.3 * rng.normal(size=16) for c in labels])
    probe = train_probe(vectors.astype(np.float32), labels)
    probs = probe.probabilities(vectors)
    assert np.allclose(probs.sum(axis=1), 1, atol=1e-5)
    assert [probe.classes[i] for i in probs.argmax(axis=1)] == labels
    probe.meta = {"fingerprint": "abc"}
    probe.save(tmp_path / "p.npz")
    loaded = Probe.load(tmp_path / "p.npz")
    assert loaded.classes == probe.classes and loaded.meta == {"fingerprint": "abc"}
    assert np.allclose(loaded.probabilities(vectors), probs, atol=1e-6)
