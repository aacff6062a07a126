"""Precision/recall of the ``links`` and ``name`` enrichers on a hand-judged
sample of real abstracts (benchmarks/data/judged_links.jsonl).

The judged file was written by reading each record's text (abstract and
comments), before the extractors existed; one JSON object per record:
``id, split (dev|test), file, record (1-based ordinal of the paper in that
file, as paperradar reads it), source_id, title, links [{url, kind}],
datasets, introduced, models, name, name_alt``. Label conventions:

- links: every URL written in the text, normalised (https, no trailing slash
  or ``.git``, GitHub cut to owner/repo), with its kind: code (a repository,
  or a page the text announces as the code), project (project page, github.io,
  sites.google.com, a Hugging Face Space, a repository announced as the
  homepage), other (Hugging Face models/datasets, videos, blogs, venues, PDFs).
- datasets: named existing datasets/benchmarks; introduced: the ones the paper
  says it introduces; models: named existing models.
- name: the method's short name as the text gives it (null when there is
  none); name_alt: other acceptable answers (a longer form, a spelling, or a
  defensible name where ``name`` is null).

``dev`` records were looked at while building the extractors; ``test``
records are only measured. Metrics (micro-averaged, per split):

- code/project links: URLs the extractor marks code or project against the
  judged code+project URLs (compared without scheme, ``www.``, trailing slash,
  case); also all URLs, agreement of kinds on URLs both found, and the
  paper-level "has a code link" decision;
- datasets: found (known + marked + introduced) against judged datasets +
  introduced, names compared on lowercase letters and digits;
- models: a found model matches a judged one when one folded name starts
  with the other (family level: Qwen2.5 ~ Qwen2.5-Omni);
- name: coverage (share of papers given a name), precision (acceptable names
  among those given), recall (acceptable names among papers with a judged
  name), wrong (names given that are not acceptable).

Writes bench-out/links.json and prints a Markdown table. ``--errors dev``
lists the dev misses (never use it on test while tuning).

    .venv/bin/python benchmarks/bench_links.py [--errors dev]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from paperradar.enrich.links import links_enrichment  # noqa: E402
from paperradar.enrich.name import paper_name  # noqa: E402
from paperradar.enrich.name_patterns import is_abbreviation  # noqa: E402
from paperradar.models import Paper  # noqa: E402
from paperradar.sources import read_input  # noqa: E402
from paperradar.sources.base import Input  # noqa: E402

JUDGED = ROOT / "benchmarks" / "data" / "judged_links.jsonl"
SHARED = ROOT.parent / "shared"
OUT = ROOT / "bench-out"


def load_papers(files: set[str]) -> dict[tuple[str, int], Paper]:
    """Papers of each shared file by (file, 1-based ordinal), read by paperradar itself."""
    out = {}
    for name in sorted(files):
        n = 0
        for item in read_input(Input.from_path(SHARED / name)):
            if isinstance(item, Paper):
                n += 1
                out[(name, n)] = item
    return out


def canon_url(url: str) -> str:
    url = re.sub(r"^https?://", "", url.strip().lower())
    url = re.sub(r"^www\.", "", url)
    return url.rstrip("/")


def fold(name: str) -> str:
    return re.sub(r"[^0-9a-z+]", "", name.lower())


class Counts:
    def __init__(self):
        self.tp = self.fp = self.fn = 0

    def add(self, found: set, gold: set, match=None):
        match = match or (lambda a, b: a == b)
        hit_gold = {g for g in gold if any(match(f, g) for f in found)}
        hit_found = {f for f in found if any(match(f, g) for g in gold)}
        self.tp += len(hit_gold)
        self.fn += len(gold) - len(hit_gold)
        self.fp += len(found) - len(hit_found)

    def as_dict(self) -> dict:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else None
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else None
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "precision": _round(p), "recall": _round(r)}


def _round(x):
    return None if x is None else round(x, 3)


def same_dataset(found: str, gold: str) -> bool:
    """Same name once folded, or one is the other's acronym (LAMDA ~ Leiden
    Atomic and Molecular Database)."""
    a, b = fold(found), fold(gold)
    return a == b or (len(a) < len(b) and " " in gold and is_abbreviation(found, gold)) \
        or (len(b) < len(a) and " " in found and is_abbreviation(gold, found))


def family_match(a: str, b: str) -> bool:
    return a.startswith(b) or b.startswith(a)


def evaluate(records: list[dict], papers: dict, errors: list | None = None) -> dict:
    code, every, datasets, models, has_code = Counts(), Counts(), Counts(), Counts(), Counts()
    kinds_same = kinds_both = 0
    named = correct = wrong = gold_named = gold_named_hit = 0
    for rec in records:
        source = papers[(rec["file"], rec["record"])]
        paper = Paper(title=source.title, abstract=source.abstract, comments=source.comments)
        result = links_enrichment(paper)
        data = result.data if result else {"links": [], "datasets": [], "introduced": [], "models": []}
        gold = {canon_url(x["url"]): x["kind"] for x in rec["links"]}
        # the enricher runs here without the source's links (so that it is judged on
        # the text); a link the source gave and the judge left out is not an error
        given = {canon_url(link.url) for link in source.links}
        found = {canon_url(x["url"]): x["kind"] for x in data["links"]
                 if canon_url(x["url"]) in gold or canon_url(x["url"]) not in given}
        cp_found = {u for u, k in found.items() if k in ("code", "project")}
        cp_gold = {u for u, k in gold.items() if k in ("code", "project")}
        code.add(cp_found, cp_gold)
        every.add(set(found), set(gold))
        for u in set(found) & set(gold):
            kinds_both += 1
            kinds_same += found[u] == gold[u]
        has_code.add({"code"} if "code" in found.values() else set(),
                     {"code"} if "code" in gold.values() else set())
        ds_found = set(data["datasets"] + data["introduced"])
        ds_gold = set(rec["datasets"] + rec["introduced"])
        datasets.add(ds_found, ds_gold, same_dataset)
        models.add({fold(m) for m in data["models"]}, {fold(m) for m in rec["models"]}, family_match)
        got = paper_name(paper)
        name = got["name"] if got else None
        acceptable = {fold(n) for n in [rec["name"], *rec["name_alt"]] if n}
        gold_named += bool(rec["name"])
        if name:
            named += 1
            if fold(name) in acceptable:
                correct += 1
                gold_named_hit += bool(rec["name"])
            else:
                wrong += 1
        if errors is not None:
            _note_errors(errors, rec, cp_found, cp_gold, ds_found, ds_gold, name, acceptable, found, gold)
    n = len(records)
    return {
        "records": n,
        "code_project_links": code.as_dict(),
        "all_links": every.as_dict(),
        "kind_agreement": _round(kinds_same / kinds_both) if kinds_both else None,
        "paper_has_code": has_code.as_dict(),
        "datasets": datasets.as_dict(),
        "models": models.as_dict(),
        "name": {"given": named, "coverage": _round(named / n), "precision": _round(correct / named if named else None),
                 "recall": _round(gold_named_hit / gold_named if gold_named else None), "wrong": wrong,
                 "judged_with_name": gold_named},
    }


def _note_errors(errors, rec, cp_found, cp_gold, ds_found, ds_gold, name, acceptable, found, gold):
    for u in cp_found - cp_gold:
        errors.append(f"{rec['id']}: link FP {u} ({found[u]})")
    for u in cp_gold - cp_found:
        errors.append(f"{rec['id']}: link FN {u} (found as {found.get(u)})")
    for u in set(found) & set(gold):
        if found[u] != gold[u]:
            errors.append(f"{rec['id']}: kind {u} found {found[u]} judged {gold[u]}")
    for d in ds_found:
        if not any(same_dataset(d, g) for g in ds_gold):
            errors.append(f"{rec['id']}: dataset FP {d}")
    for d in ds_gold:
        if not any(same_dataset(f, d) for f in ds_found):
            errors.append(f"{rec['id']}: dataset FN {d}")
    if name and fold(name) not in acceptable:
        errors.append(f"{rec['id']}: name WRONG {name!r}, judged {rec['name']!r} {rec['name_alt']}")
    elif not name and rec["name"]:
        errors.append(f"{rec['id']}: name MISSED {rec['name']!r}")


def markdown(results: dict) -> str:
    def pr(d):
        return f"{_fmt(d['precision'])} / {_fmt(d['recall'])} ({d['tp']} tp, {d['fp']} fp, {d['fn']} fn)"

    rows = ["| measure | dev | test |", "|---|---|---|"]
    dev, test = results["dev"], results["test"]
    rows.append(f"| records | {dev['records']} | {test['records']} |")
    for key, label in (("code_project_links", "code/project links P / R"), ("all_links", "all URLs P / R"),
                       ("paper_has_code", "paper has code P / R"), ("datasets", "datasets P / R"),
                       ("models", "models P / R (family)")):
        rows.append(f"| {label} | {pr(dev[key])} | {pr(test[key])} |")
    rows.append(f"| link kind agreement | {_fmt(dev['kind_agreement'])} | {_fmt(test['kind_agreement'])} |")
    for key in ("coverage", "precision", "recall"):
        rows.append(f"| name {key} | {_fmt(dev['name'][key])} | {_fmt(test['name'][key])} |")
    rows.append(f"| names wrong / given | {dev['name']['wrong']} / {dev['name']['given']} "
                f"| {test['name']['wrong']} / {test['name']['given']} |")
    return "\n".join(rows)


def _fmt(x):
    return "–" if x is None else f"{x:.3f}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", choices=["dev"], help="list the misses of the dev split")
    parser.add_argument("--dev-only", action="store_true", help="measure the dev split only (while tuning)")
    args = parser.parse_args(argv)
    records = [json.loads(line) for line in JUDGED.read_text(encoding="utf-8").splitlines() if line.strip()]
    started = time.perf_counter()
    papers = load_papers({r["file"] for r in records})
    results, errors = {}, []
    for split in ("dev",) if args.dev_only else ("dev", "test"):
        chosen = [r for r in records if r["split"] == split]
        results[split] = evaluate(chosen, papers, errors if (args.errors == split) else None)
    results["seconds"] = round(time.perf_counter() - started, 2)
    results["judged_file"] = str(JUDGED.relative_to(ROOT))
    OUT.mkdir(exist_ok=True)
    (OUT / "links.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    if args.dev_only:
        sys.stdout.write(json.dumps(results["dev"], indent=1) + "\n" + "\n".join(errors) + "\n")
        return 0
    table = markdown(results)
    (OUT / "links.md").write_text(table + "\n", encoding="utf-8")
    sys.stdout.write(table + "\n")
    for line in errors:
        sys.stdout.write(line + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
