"""The hash-chained audit log: tampering from another connection is found, the first bad named."""

from __future__ import annotations

import itertools

from conftest import StoreChoice, World
from domicili.records import event_hash
from domicili.testing import make_app, sample_provider


def history(world: World) -> list[int]:
    """Build some history (two requests, reviews, an acceptance); return every event id."""
    world.accepted()
    (other,) = world.demande()
    world.app.dismiss(other, "Doublon")
    return [e.id for e in world.app.store.events()]


def test_an_untouched_log_verifies(file_world: World) -> None:
    ids = history(file_world)
    report = file_world.app.verify_audit()
    assert report.ok
    assert report.events == len(ids) > 10
    assert report.first_bad_id is None


def test_each_event_links_to_the_hash_of_the_one_before(file_world: World) -> None:
    history(file_world)
    events = file_world.app.store.events()
    assert events[0].prev_hash == "0" * 64
    for before, after in itertools.pairwise(events):
        assert after.prev_hash == before.hash
    assert len({e.hash for e in events}) == len(events)


def test_an_altered_event_is_named(file_world: World) -> None:
    ids = history(file_world)
    target = ids[len(ids) // 2]
    file_world.direct(
        "UPDATE events SET data = ? WHERE id = ?",
        '{"from":"S1","to":"S7"}',
        target,
    )
    report = file_world.app.verify_audit()
    assert not report.ok
    assert report.first_bad_id == target
    assert report.problem is not None
    assert "altered" in report.problem


def test_an_altered_time_is_found_too(file_world: World) -> None:
    ids = history(file_world)
    file_world.direct(
        "UPDATE events SET at = '2020-01-01T00:00:00+00:00' WHERE id = ?",
        ids[3],
    )
    assert file_world.app.verify_audit().first_bad_id == ids[3]


def test_a_deleted_event_is_found_at_the_next_one(file_world: World) -> None:
    ids = history(file_world)
    removed = ids[4]
    file_world.direct("DELETE FROM events WHERE id = ?", removed)
    report = file_world.app.verify_audit()
    assert not report.ok
    assert report.first_bad_id == ids[5]
    assert report.problem is not None
    assert "removed" in report.problem


def test_rehashing_an_altered_event_still_breaks_the_chain(file_world: World) -> None:
    ids = history(file_world)
    target = ids[2]
    (link,) = [e for e in file_world.app.store.iter_event_links() if e.id == target]
    forged = '{"forged":true}'
    file_world.direct(
        "UPDATE events SET data = ?, hash = ? WHERE id = ?",
        forged,
        event_hash(link.prev_hash, link.at, link.type, link.dossier_id, link.provider_id, forged),
        target,
    )
    report = file_world.app.verify_audit()
    assert report.first_bad_id == target  # a plain SHA-256 where the HMAC is due
    assert report.problem is not None
    assert "re-hashed" in report.problem


def test_the_first_of_several_altered_events_is_named(file_world: World) -> None:
    ids = history(file_world)
    for target in (ids[7], ids[2], ids[9]):
        file_world.direct("UPDATE events SET type = 'x' WHERE id = ?", target)
    assert file_world.app.verify_audit().first_bad_id == ids[2]


def test_tampering_is_still_found_after_reopening(store: StoreChoice) -> None:
    db, files = store.shared()
    app, clock, notifier = make_app(db, files=files)
    with app:
        app.add_provider(**sample_provider(1))
        app.add_provider(**sample_provider(2))
        World(app, clock, notifier).direct("UPDATE events SET provider_id = 2 WHERE id = 1")
    again, _clock, _notifier = make_app(db, files=files)
    with again:
        assert again.verify_audit().first_bad_id == 1


def test_the_log_is_read_in_batches_and_a_read_left_halfway_frees_the_connection(
    file_world: World,
) -> None:
    ids = history(file_world)
    sql = file_world.app.store.sql
    assert [r[0] for r in sql.stream("SELECT id FROM events ORDER BY id", batch=3)] == ids
    for _row in sql.stream("SELECT id FROM events ORDER BY id", batch=2):
        break  # verification stops at the first bad event
    assert file_world.app.verify_audit().events == len(ids)
