"""Upload 150 MB through the running server and print the server's peak memory growth.

Starts the server (SQLite, a temp var/), logs in, streams a multipart body of a 150 MB PDF
from a generator (the client holds 1 MB at a time) and samples the server's RSS every 20 ms.
Goal: growth under 50 MB.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import psutil

SIZE = 150 * 1024 * 1024
ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bench-upload-"))
    port = free_port()
    env = {**os.environ, "VAR_DIR": str(tmp / "var"), "LOG_LEVEL": "WARNING", "SECRET_KEY": "bench"}
    env.pop("DATABASE_URL", None)
    run = lambda *a: subprocess.run([str(BIN / "sanece-admin"), *a], env=env, check=True,  # noqa: E731
                                    capture_output=True)
    run("db", "upgrade")
    run("users", "create", "bench.admin", "--name", "Bench", "--role", "admin", "--password", "Clave-Bench-2026")
    server = subprocess.Popen([str(BIN / "python"), "-m", "uvicorn", "--factory", "bench.upload_app:app",
                               "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
                              env=env, cwd=ROOT)
    failed = False
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/health", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        jar = CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        page = opener.open(base + "/login").read().decode()
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        opener.open(base + "/login", urllib.parse.urlencode({"username": "bench.admin", "password": "Clave-Bench-2026",
                                                             "csrf_token": token, "next": "/"}).encode())
        # Login issues a new CSRF token (the one of the login form is worthless after it).
        token = json.loads(opener.open(base + "/api/auth/csrf").read())["csrf_token"]
        cookie = "; ".join(f"{c.name}={c.value}" for c in jar)

        proc = psutil.Process(server.pid)
        time.sleep(0.5)
        baseline = proc.memory_info().rss
        peak = baseline
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, proc.memory_info().rss)
                time.sleep(0.02)

        sampler = threading.Thread(target=sample)
        sampler.start()
        boundary = secrets.token_hex(16)
        pre = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n"
               f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"firmado.pdf\"\r\n"
               f"Content-Type: application/pdf\r\n\r\n").encode()
        post = f"\r\n--{boundary}--\r\n".encode()

        def body():
            yield pre
            block = b"%PDF-1.7\n" + b"0" * (1024 * 1024 - 9)
            sent = 0
            while sent < SIZE:
                chunk = block if sent == 0 else block[:min(len(block), SIZE - sent)].replace(b"%PDF-1.7\n", b"000000000")
                yield chunk
                sent += len(chunk)
            yield post

        length = len(pre) + SIZE + len(post)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        started = time.perf_counter()
        conn.request("POST", "/bench/upload", body=body(), headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}", "Content-Length": str(length),
            "Cookie": cookie})
        resp = conn.getresponse()
        answer = resp.read().decode()
        elapsed = time.perf_counter() - started
        done.set()
        sampler.join()
        growth = (peak - baseline) / 1024 / 1024
        print(f"upload: {SIZE / 1024 / 1024:.0f} MB in {elapsed:.1f} s ({SIZE / 1024 / 1024 / elapsed:.0f} MB/s), "
              f"HTTP {resp.status}")
        print(f"server RSS baseline {baseline / 1024 / 1024:.1f} MB, peak {peak / 1024 / 1024:.1f} MB, "
              f"growth {growth:.1f} MB (goal < 50 MB): {'OK' if growth < 50 else 'OVER'}")
        if resp.status != 201:
            print(answer[:500])
            failed = True
    finally:
        server.terminate()
        server.wait(10)
    if failed:  # a refused upload measured nothing: `make bench` must say so
        sys.exit(1)


if __name__ == "__main__":
    main()
