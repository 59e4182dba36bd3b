"""The audit chain's canonical form and its verification, without a database."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from shared.audit.chain import GENESIS, ChainLink, canonical, entry_hash, verify_chain
from shared.audit.domain import AuditEntry

AT = datetime(2026, 3, 10, 16, 0, 0, 123456, tzinfo=timezone.utc)


def _entry(i: int, **kw) -> AuditEntry:
    return AuditEntry(AT + timedelta(minutes=i), kw.get("actor", "ana"), "x.done", "thing", str(i),
                      kw.get("before"), {"n": i}, None)


def _chain(entries: list[AuditEntry]) -> list[ChainLink]:
    links, prev = [], GENESIS
    for i, e in enumerate(entries, 1):
        h = entry_hash(prev, e)
        links.append(ChainLink(i, e, prev, h))
        prev = h
    return links


def test_the_canonical_form_ignores_key_order_and_time_zone():
    a = _entry(1, before={"b": 1, "a": [1, "ñ"]})
    b = AuditEntry(a.at.astimezone(timezone(timedelta(hours=-6))), a.actor, a.action,
                   a.target_type, a.target_id, {"a": [1, "ñ"], "b": 1}, a.after, a.reason)
    assert canonical(a) == canonical(b)
    assert '"at":"2026-03-10T16:01:00.123456Z"' in canonical(a)


def test_each_hash_depends_on_the_previous_one():
    e = _entry(1)
    assert entry_hash(GENESIS, e) != entry_hash("1" * 64, e)
    assert len(entry_hash(GENESIS, e)) == 64


def test_an_intact_chain_verifies_and_reports_its_head():
    links = _chain([_entry(i) for i in range(5)])
    report = verify_chain(links)
    assert report.intact and report.checked == 5 and report.head == links[-1].entry_hash
    assert verify_chain([]).intact and verify_chain([]).head == GENESIS


def test_a_changed_entry_is_named():
    links = _chain([_entry(i) for i in range(5)])
    forged = links[2]
    links[2] = ChainLink(forged.id, _entry(2, actor="mallory"), forged.prev_hash, forged.entry_hash)
    report = verify_chain(links)
    assert not report.intact and report.broken_id == 3 and report.checked == 3
    assert "la entrada 3 no coincide con su hash" in (report.problem or "")


def test_a_removed_entry_breaks_the_next_link():
    links = _chain([_entry(i) for i in range(5)])
    del links[1]
    report = verify_chain(links)
    assert report.broken_id == 3 and "no enlaza con la anterior" in (report.problem or "")
