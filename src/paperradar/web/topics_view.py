"""The topic map: a period's papers as points on a 2-D map coloured by topic,
and papers per topic per day, drawn server-side as SVG (no chart library).

``paperradar.rank.topics.topics(store, since, until)`` computes the topics and
the coordinates; this module only lays them out for the page and the API.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from ..errors import InputError
from ..store import PaperQuery
from .features import feature, module_attr
from .present import paper_path
from .services import latest_day, revision

log = logging.getLogger(__name__)

PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
           "#bcbd22", "#17becf", "#393b79", "#637939"]
MAP_W, MAP_H, PAD = 640, 420, 16
CHART_W, CHART_H = 640, 180
DEFAULT_DAYS = 7


@dataclass
class MapTopic:
    index: int
    label: str
    size: int
    color: str


@dataclass
class MapPoint:
    id: str
    url: str
    title: str
    topic: int
    x: float  # map coordinates, pixels
    y: float
    color: str
    date: str = ""
    raw: tuple[float, float] = (0.0, 0.0)  # as the topic map computed them


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    color: str
    label: str


@dataclass
class TopicMapView:
    since: str
    until: str
    topics: list[MapTopic] = field(default_factory=list)
    points: list[MapPoint] = field(default_factory=list)
    bars: list[Bar] = field(default_factory=list)
    days: list[tuple[float, str]] = field(default_factory=list)  # (x, label) ticks
    note: str | None = None
    missing: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"since": self.since, "until": self.until, "note": self.note, "missing": self.missing or None,
                "topics": [{"topic": t.index, "label": t.label, "papers": t.size} for t in self.topics],
                "points": [{"id": p.id, "title": p.title, "topic": p.topic, "date": p.date,
                            "x": p.raw[0], "y": p.raw[1]} for p in self.points]}


def _day(text: str | None, name: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(name, f"{text!r} is not a date; write it like 2024-06-04") from None


def _period(parts: Any, since: str | None, until: str | None) -> tuple[str, str]:
    _day(since, "since")
    _day(until, "until")
    if since and until:
        return since, until
    end = _day(until, "until") or latest_day(parts)
    if end is None:
        return since or "", until or ""
    return since or (end - timedelta(days=DEFAULT_DAYS - 1)).isoformat(), until or end.isoformat()


def topic_map(parts: Any, since: str | None = None, until: str | None = None) -> TopicMapView:
    since, until = _period(parts, since, until)
    if since and until and since > until:
        raise InputError("since", f"since ({since}) is after until ({until})")
    found = feature("topics")
    if not found.available:
        return TopicMapView(since, until, missing=found.missing)
    if not since:
        return TopicMapView(since, until, note="nothing is stored yet")
    result = parts.memo.get(("topics", since, until), revision(parts),
                            lambda: _compute(parts, found.fn, since, until))
    return result


def _compute(parts: Any, topics_fn, since: str, until: str) -> TopicMapView:
    """The saved map of the period when it still covers its papers, else a new one."""
    load = module_attr("paperradar.rank.topics", "load_topic_map")
    with parts.engine_lock:  # topic maps read (and may sync) the shared vector index
        tmap = load(parts.store, since, until) if load else None
        papers = len(parts.store.pks_matching(PaperQuery(since=since, until=until)))
        if tmap is None or len(tmap.get("points") or []) != papers:
            tmap = topics_fn(parts.store, since, until, engine=parts.engine)
    return layout(parts, tmap, since, until)


def _get(obj: Any, *names: str, default: Any = None) -> Any:
    for name in names:
        value = obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)
        if value is not None:
            return value
    return default


def layout(parts: Any, tmap: Any, since: str, until: str) -> TopicMapView:
    """Scale a TopicMap's points into the SVG and count papers per topic per day."""
    view = TopicMapView(since, until, note=_get(tmap, "note", "empty_reason"))
    raw_topics = list(_get(tmap, "topics", default=[]))
    index_of: dict[Any, int] = {}
    for i, t in enumerate(raw_topics):
        index_of[_get(t, "id", "topic", "index", default=i)] = i
        label = _get(t, "label", "name", default="")
        if not isinstance(label, str):
            label = ", ".join(map(str, label))
        if not label:
            label = ", ".join(map(str, _get(t, "terms", "words", default=[])[:4])) or f"topic {i + 1}"
        view.topics.append(MapTopic(i, label, int(_get(t, "size", default=len(_get(t, "pks", default=[])))),
                                    PALETTE[i % len(PALETTE)]))
    raw_points = list(_get(tmap, "points", default=[]))
    pks = [int(_get(p, "pk", default=0)) for p in raw_points]
    papers = {pk: paper for pk, paper in zip(pks, parts.store.papers_by_pk(pks))}
    xs = [float(_get(p, "x", default=0.0)) for p in raw_points]
    ys = [float(_get(p, "y", default=0.0)) for p in raw_points]
    if raw_points:
        (x0, x1), (y0, y1) = _span(xs), _span(ys)
        sx = (MAP_W - 2 * PAD) / ((x1 - x0) or 1.0)
        sy = (MAP_H - 2 * PAD) / ((y1 - y0) or 1.0)
    for p, pk, x, y in zip(raw_points, pks, xs, ys):
        raw = (x, y)
        paper = papers.get(pk)
        if paper is None:
            continue
        topic = index_of.get(_get(p, "topic_id", "topic", default=-1), -1)
        color = PALETTE[topic % len(PALETTE)] if topic >= 0 else "#999999"
        x, y = min(max(x, x0), x1), min(max(y, y0), y1)  # outliers sit on the edge
        view.points.append(MapPoint(paper.id or "", paper_path(paper.id or ""), paper.display_title(), topic,
                                    round(PAD + (x - x0) * sx, 1), round(PAD + (y1 - y) * sy, 1), color,
                                    (paper.date or "")[:10], raw))
    _bars(view, _get(tmap, "over_time"), index_of)
    return view


def _span(values: list[float]) -> tuple[float, float]:
    """The range the map shows: all values, or with 20+ points the 5th..95th
    percentile, so a few outliers do not squeeze everything else into a corner."""
    ordered = sorted(values)
    if len(ordered) < 20:
        return ordered[0], ordered[-1]
    cut = max(1, round(len(ordered) * 0.05))
    return ordered[cut], ordered[-1 - cut]


def _bars(view: TopicMapView, over_time: dict | None = None, index_of: dict | None = None) -> None:
    """Stacked bars: for each day (or week) of the period, papers per topic."""
    if over_time:
        counts = Counter()
        for period, per_topic in over_time.items():
            for topic, n in per_topic.items():
                key = int(topic) if str(topic).lstrip("-").isdecimal() else topic
                counts[(period, (index_of or {}).get(key, -1))] += int(n)
        periods = sorted(over_time)
    else:
        try:
            start, end = date.fromisoformat(view.since[:10]), date.fromisoformat(view.until[:10])
        except ValueError:
            return
        periods = [(start + timedelta(days=i)).isoformat() for i in range((end - start).days + 1)]
        counts = Counter((p.date, p.topic) for p in view.points)
    periods = periods[-62:]
    if not periods or not counts:
        return
    totals = Counter()
    for (period, _), n in counts.items():
        totals[period] += n
    top = max((totals[d] for d in periods), default=0) or 1
    width = (CHART_W - 2 * PAD) / len(periods)
    for i, period in enumerate(periods):
        x = PAD + i * width
        y = CHART_H - PAD
        for t in view.topics:
            n = counts.get((period, t.index), 0)
            if not n:
                continue
            h = (CHART_H - 2 * PAD) * n / top
            y -= h
            view.bars.append(Bar(round(x + 1, 1), round(y, 1), round(max(width - 2, 1), 1), round(h, 1),
                                 t.color, f"{period}: {n} paper{'s' * (n != 1)} on {t.label}"))
        if len(periods) <= 14 or i % max(1, len(periods) // 10) == 0:
            view.days.append((round(x + width / 2, 1), period[5:] if len(period) == 10 else period))
