"""Readers, their library, subscriptions and the sent log in the SQLite store."""

from __future__ import annotations

import pytest

from paperradar.errors import InputError, NotFound
from paperradar.models import Paper
from paperradar.store import open_store


@pytest.fixture
def two_papers(store):
    store.ingest_batch([Paper(title="Masked image modeling", abstract="BEiT.", source="t", source_id="1"),
                        Paper(title="Knowledge distillation", abstract="Students.", source="t", source_id="2")])
    return [store.pk_of(p.id) for p in store.papers()]


def test_readers_are_created_once_and_found_by_name(store):
    ana = store.reader("ana")
    assert store.reader("ana") == ana and store.reader(" ana ").id == ana.id
    with pytest.raises(NotFound):
        store.reader("bo", create=False)
    with pytest.raises(InputError):
        store.reader("  ")
    store.set_interests(ana.id, "diffusion models for video")
    assert store.reader("ana").interests == "diffusion models for video"


def test_library_keeps_ratings_saves_and_tags_per_reader(store, two_papers):
    a, b = two_papers
    ana, bo = store.reader("ana"), store.reader("bo")
    store.rate(ana.id, a, 1)
    store.save_paper(ana.id, a)
    store.tag_paper(ana.id, a, "vision")
    store.tag_paper(ana.id, b, "to-read")
    store.rate(ana.id, a, -1)  # changing one's mind keeps the save
    store.rate(bo.id, b, 1)
    lib = {e.pk: e for e in store.library(ana.id)}
    assert (lib[a].rating, lib[a].saved, lib[a].tags) == (-1, True, ["vision"])
    assert (lib[b].rating, lib[b].saved, lib[b].tags) == (0, False, ["to-read"])
    assert [(e.pk, e.rating) for e in store.library(bo.id)] == [(b, 1)]
    store.tag_paper(ana.id, a, "vision", on=False)
    assert {e.pk: e.tags for e in store.library(ana.id)}[a] == []
    with pytest.raises(InputError):
        store.rate(ana.id, a, 5)


def test_subscriptions_validate_update_and_unsubscribe(store):
    ana = store.reader("ana")
    sub = store.subscribe(ana.id, "ana@example.org", {"categories": ["cs.CV"]}, "daily", "zh")
    again = store.subscribe(ana.id, "ana@example.org", {"queries": ["diffusion"]}, "weekly", "en")
    assert again.id == sub.id and again.token == sub.token and again.schedule == "weekly"
    assert again.topics == {"queries": ["diffusion"]}
    for bad in ("not-an-address", "a@b.org\r\nBcc: x@y.org", "a@b.org, c@d.org"):
        with pytest.raises(InputError):
            store.subscribe(ana.id, bad, {})
    with pytest.raises(InputError):
        store.subscribe(ana.id, "ana@example.org", {}, schedule="hourly")
    assert store.unsubscribe("wrong-token") is None
    assert store.unsubscribe(sub.token).active is False
    assert store.subscriptions() == []
    store.subscribe(ana.id, "ana@example.org", {}, "daily")  # subscribing again re-activates
    assert [s.id for s in store.subscriptions()] == [sub.id]


def test_an_issue_is_claimed_once_and_its_papers_never_sent_again(db_path, two_papers, store):
    sub = store.subscribe(store.reader("ana").id, "ana@example.org", {})
    assert store.claim_issue(sub.id, "2026-11-23")
    other = open_store(str(db_path))  # a second process racing for the same issue
    assert not other.claim_issue(sub.id, "2026-11-23")
    store.mark_sent(sub.id, "2026-11-23", two_papers, "<id@radar>")
    assert other.issue_status(sub.id, "2026-11-23") == "sent"
    assert other.sent_pks(sub.id) == set(two_papers)
    assert store.claim_issue(sub.id, "2026-11-24")
    store.release_issue(sub.id, "2026-11-24")  # the send failed before the server took it
    assert store.issue_status(sub.id, "2026-11-24") is None and store.claim_issue(sub.id, "2026-11-24")
    assert store.integrity_problems() == []
    other.close()
