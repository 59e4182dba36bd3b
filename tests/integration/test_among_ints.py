"""``among_ints``: ``column IN ids`` bound as one value (a JSON array on SQLite, an array on
PostgreSQL), on both databases, past the 2,000 ids an IN list was chunked at."""

from __future__ import annotations

import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from shared.adapters.sql.database import create_engine
from shared.adapters.sql.queries import among_ints

meta = sa.MetaData()
things = sa.Table("t_among", meta, sa.Column("id", sa.Integer, primary_key=True),
                  sa.Column("n", sa.Integer, nullable=False, index=True))


def test_selects_and_deletes_exactly_the_ids_given(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        meta.create_all(engine)
        with Session(engine) as s:
            s.execute(things.insert(), [{"id": i, "n": i % 7000} for i in range(1, 9001)])
            wanted = set(range(0, 7000, 2))  # 3,500 ids: one statement, no chunks
            got = {n for (n,) in s.execute(sa.select(things.c.n).where(
                among_ints(s, things.c.n, wanted)))}
            assert got == wanted
            s.execute(things.delete().where(among_ints(s, things.c.n, wanted)))
            left = {n for (n,) in s.execute(sa.select(things.c.n))}
            assert left == set(range(7000)) - wanted
            assert s.execute(sa.select(sa.func.count()).where(
                among_ints(s, things.c.n, []))).scalar() == 0

            @settings(max_examples=25, deadline=None)
            @given(st.sets(st.integers(-5, 7100), max_size=50))
            def same_as_in(ids: set[int]) -> None:
                one = {r for (r,) in s.execute(sa.select(things.c.id).where(
                    among_ints(s, things.c.n, ids)))}
                listed = {r for (r,) in s.execute(sa.select(things.c.id).where(
                    things.c.n.in_(sorted(ids))))}
                assert one == listed

            same_as_in()
            s.rollback()
    finally:
        meta.drop_all(engine)
        engine.dispose()
