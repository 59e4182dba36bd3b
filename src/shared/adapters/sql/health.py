from __future__ import annotations

from sqlalchemy.engine import Engine


def ping(engine: Engine) -> bool:
    """True when the database answers a trivial query.

    On the pool's driver connection, outside any SQLAlchemy transaction: no BEGIN, so on SQLite
    no write lock to wait for, and no more work than the probe needs (``/health`` is polled)."""
    try:
        conn = engine.raw_connection()
        try:
            cur = conn.cursor()
            cur.execute("SELECT 1")
            ok = cur.fetchone() is not None
            cur.close()
        finally:
            conn.close()  # back to the pool (which rolls back whatever the driver began)
        return ok
    except Exception:  # noqa: BLE001 - any failure means "not healthy"
        return False
