"""``serve``'s worker process (the embedded backend's jobs, ``sanece-admin worker
--parent-pid``) ends with ``serve``: when ``serve`` stops, and when it is killed with -9; also
when it was started from a shell in the background, which hands a process SIGINT ignored (the
worker then outlived ``serve``, found by hand after a benchmark)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[3]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ignore_sigint() -> None:  # what `cmd &` in a non-interactive shell does
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _serve(tmp_path: Path) -> tuple[subprocess.Popen[bytes], psutil.Process]:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("JOBS_", "DATABASE_"))},
           "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
           "VAR_DIR": str(tmp_path / "var"), "SECRET_KEY": "test-secret", "LOG_LEVEL": "WARNING"}
    subprocess.run([sys.executable, "-m", "entrypoints.cli.main", "db", "upgrade"], env=env,
                   cwd=ROOT, check=True, capture_output=True)
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "entrypoints.cli.main", "serve", "--host",
                             "127.0.0.1", "--port", str(port)], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            preexec_fn=_ignore_sigint)
    deadline = time.monotonic() + 60
    while True:
        assert proc.poll() is None, "serve ended at start"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2):
                break
        except OSError:
            assert time.monotonic() < deadline, "serve did not answer"
            time.sleep(0.2)
    workers = [c for c in psutil.Process(proc.pid).children()
               if "--parent-pid" in c.cmdline()]
    assert len(workers) == 1
    return proc, workers[0]


def _gone(process: psutil.Process, seconds: float) -> bool:
    try:
        process.wait(seconds)
    except psutil.TimeoutExpired:
        return False
    return True


@pytest.mark.parametrize("stop", ["sigterm", "sigkill"])
def test_serves_worker_ends_with_serve(tmp_path: Path, stop: str) -> None:
    proc, worker = _serve(tmp_path)
    try:
        proc.send_signal(signal.SIGTERM if stop == "sigterm" else signal.SIGKILL)
        proc.wait(60)
        # the worker sees its parent change within a second or two, or is stopped by serve
        assert _gone(worker, 30), "serve's worker outlived serve"
    finally:
        for p in (proc,):
            if p.poll() is None:
                p.kill()
        if worker.is_running():
            worker.kill()
