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


def test_a_list_of_texts_hashes_as_it_always_did():
    """A grid save's record lines skip the conversion line by line (``all_text``): the
    canonical form, hence every stored hash, is the one the general path gives, a pinned
    digest included (a chain written before verifies after)."""
    from hypothesis import given
    from hypothesis import strategies as st

    from shared.audit.adapters.sql import _jsonable
    from shared.audit.chain import _plain

    leaf = st.one_of(st.text(max_size=8), st.integers(), st.none(), st.booleans())
    values = st.recursive(leaf, lambda inner: st.one_of(
        st.lists(inner, max_size=5), st.tuples(inner, inner),
        st.dictionaries(st.text(max_size=4), inner, max_size=4)), max_leaves=20)

    def general(value):  # noqa: ANN001, ANN202 - the conversion before the fast path
        if isinstance(value, dict):
            return {str(k): general(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [general(v) for v in value]
        return value

    @given(values)
    def same(value) -> None:  # noqa: ANN001
        assert _plain(value) == general(value)
        assert _jsonable(value) == general(value)
        assert type(_plain(value)) is type(general(value))

    same()
    e = _entry(1, before={"records": ["CLUES|1|faltante|ambulatorio|10|5|Falta de Equipo"] * 3})
    # the digest the code before the fast path gave this entry
    assert entry_hash(GENESIS, e) == \
        "3316388e18ed85d1bd6600aacb72b4d23b9d82560660a22175967ec3aa7718f0"
    assert entry_hash(GENESIS, e) == entry_hash(GENESIS, AuditEntry(
        e.at, e.actor, e.action, e.target_type, e.target_id,
        {"records": tuple(e.before["records"])}, e.after, e.reason))
