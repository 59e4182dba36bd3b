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

if __name__ == "__main__":
    failed = 0
    for name, *args in SCRIPTS:
        print(f"== {' '.join([name, *args])}", flush=True)
        failed |= subprocess.call([sys.executable, str(HERE / name), *args], cwd=HERE.parent)
    sys.exit(failed)
