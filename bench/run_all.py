"""Runs every benchmark script in bench/ in turn (``make bench``). Each prints its figures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
SCRIPTS = ["upload_memory.py", "excedentes_documents.py", "excedentes_national.py", "sanece.py"]
SCRIPTS.append("exchange.py")  # E15: national exchange analysis, time and memory
SCRIPTS.append("http.py")  # issue 12: pages over HTTP beside a bare Litestar + Jinja page
SCRIPTS.append("jobs.py")  # issue 18: the export as a job vs bare XlsxWriter; tablero p99 during it

if __name__ == "__main__":
    failed = 0
    for name in SCRIPTS:
        print(f"== {name}", flush=True)
        failed |= subprocess.call([sys.executable, str(HERE / name)], cwd=HERE.parent)
    sys.exit(failed)
