"""Runs every benchmark script in bench/ in turn (``make bench``). Each prints its figures."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
SCRIPTS: list[list[str]] = [["upload_memory.py"], ["excedentes_documents.py"],
                            ["excedentes_national.py"], ["sanece.py"]]
SCRIPTS.append(["exchange.py"])  # E15: national exchange analysis, time and memory
# issue 12: pages over HTTP beside a bare Litestar + Jinja page, on both databases and both
# servers (uvicorn is `serve`'s; granian is measured beside it to choose)
SCRIPTS.append(["http.py"])
SCRIPTS.append(["http.py", "--db", POSTGRES])
SCRIPTS.append(["http.py", "--server", "granian"])
SCRIPTS.append(["jobs.py"])  # issue 18: the export as a job vs bare XlsxWriter; tablero p99 during it

# issue 12: the national tablero (dashboard) on PostgreSQL too, in a scratch database
NATIONAL_PG = ["excedentes_national.py", "--database-url", "<scratch>", "--steps", "dashboard"]
SCRIPTS.append(NATIONAL_PG)


def scratch_database(url: str) -> tuple[str, object]:
    """A database of its own on ``url``'s server (dropped by the returned callable)."""
    import sqlalchemy as sa

    admin_url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    name = f"bench_national_{os.getpid()}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.rsplit("/", 1)[0] + "/" + name, drop


if __name__ == "__main__":
    failed = 0
    for name, *args in SCRIPTS:
        drop = None
        if "<scratch>" in args:
            scratch, drop = scratch_database(POSTGRES)
            args = [scratch if a == "<scratch>" else a for a in args]
        print(f"== {' '.join([name, *args])}", flush=True)
        try:
            failed |= subprocess.call([sys.executable, str(HERE / name), *args], cwd=HERE.parent)
        finally:
            if drop is not None:
                drop()  # type: ignore[operator]
    sys.exit(failed)
