"""Pages over real HTTP beside a bare Litestar + Jinja page, same server, same client settings.

1. Makes a scratch database (a SQLite file under a temporary folder, or with ``--db
   postgresql://…`` a scratch database created on that server and dropped at the end), runs the
   migrations and loads the demo (``sanece-admin db upgrade`` / ``demo load``).
2. Starts the product (``sanece-admin serve``) and the bare app (``bench/bare_app.py``: the
   layout around a 30-row table, and a JSON endpoint) with the same server (uvicorn), the same
   worker count (``--workers``), each on a free port of 127.0.0.1.
3. Logs in as the demo users through the login form (coordinador.ss: tablero; a capturista:
   a Paso 6 group of about 30 rows, found by following the pages' links; director.campeche:
   SAnECE Inicio; revisor: the review queue; coordinador.imss: /intercambios) and drives each page
   and the bare page with wrk (Debian's package, installed when missing as ``make test``
   installs Chromium), ``--connections`` clients, interleaved product/bare, ``--rounds`` rounds
   of ``--seconds`` each; medians. ``/health`` is compared with the bare JSON endpoint.

Prints one line per page::

    page=<name> product_rps=… bare_rps=… ratio=… p50_ms=… p99_ms=… bare_p50_ms=… bare_p99_ms=… errors=…

Goals (issue 12): ratio >= 0.5 for pages, >= 0.8 for health; p99 <= 3x p50; no errors.
Usage: ``python bench/http.py [--db postgresql://…] [--workers 1] [--seconds 5] [--rounds 3]``.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __name__ == "http":
    # Another script of bench/ (its folder first on sys.path) imported the standard library's
    # "http" and found this file: hand it the real package instead.
    import importlib
    import os

    _here = os.path.dirname(os.path.abspath(__file__))
    _saved = list(sys.path)
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _here]
    del sys.modules["http"]
    try:
        sys.modules["http"] = importlib.import_module("http")
    finally:
        sys.path[:] = _saved
else:
    # Run as a script, this file's folder comes first on sys.path and "http" would be this
    # file instead of the standard library's package: drop the folder (ROOT is added below).
    if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
        del sys.path[0]

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.request
from typing import Any
from urllib.parse import urljoin, urlparse

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_HREF = re.compile(r'href="(/excedentes/entidades/[^"#]+)"')


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True)
    subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", "wrk"], check=True)
    return shutil.which("wrk") or "wrk"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_up(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.time() + 90
    while time.time() < deadline:
        if proc.poll() is not None:
            break
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"server at {url} did not start:\n{log.read_text()[-2000:]}")


class ScratchDb:
    """The database the product serves: a SQLite file, or a scratch PostgreSQL database."""

    def __init__(self, base: str | None, tmp: Path) -> None:
        self.admin_url = base
        if base is None:
            self.url = f"sqlite:///{tmp / 'var' / 'app.db'}"
            self.name = None
            return
        import sqlalchemy as sa

        from shared.adapters.sql.database import normalize_url

        self.name = f"sanece_bench_http_{os.getpid()}"
        engine = sa.create_engine(normalize_url(base), isolation_level="AUTOCOMMIT")
        with engine.connect() as c:
            c.exec_driver_sql(f'CREATE DATABASE "{self.name}"')
        engine.dispose()
        parts = urlparse(base)
        self.url = parts._replace(path="/" + self.name).geturl()

    def drop(self) -> None:
        if self.name is None or self.admin_url is None:
            return
        import sqlalchemy as sa

        from shared.adapters.sql.database import normalize_url

        engine = sa.create_engine(normalize_url(self.admin_url), isolation_level="AUTOCOMMIT")
        with engine.connect() as c:
            c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        engine.dispose()


def login(base: str, username: str, password: str) -> Any:
    import httpx

    client = httpx.Client(base_url=base, timeout=60, follow_redirects=False)
    found = _CSRF.search(client.get("/login").text)
    if not found:
        raise RuntimeError("the login page has no CSRF token")
    done = client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": found.group(1), "next": "/"})
    if done.status_code != 303:
        raise RuntimeError(f"login of {username} failed: {done.status_code} {done.text[:200]}")
    return client


def cookie_header(client: Any) -> str:
    return "; ".join(f"{c.name}={c.value}" for c in client.cookies.jar)


def find_grid(client: Any, start: str, target_rows: int = 30, budget: int = 80) -> str:
    """A Paso 6 page (``…/productos``) whose table has about ``target_rows`` rows, found by
    following the capture pages' links from ``start`` (depth first, ``budget`` GETs)."""
    seen, queue, grids = {start}, [start], []
    while queue and budget > 0:
        path = queue.pop()
        budget -= 1
        r = client.get(path)
        if os.environ.get("BENCH_DEBUG"):
            print("crawl", path, r.status_code, file=sys.stderr)
        if r.status_code in (301, 302, 303, 307):
            nxt = urljoin(path, r.headers["location"])
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
            continue
        if r.status_code != 200:
            continue
        if "/productos" in urlparse(path).path:
            rows = r.text.count("<tr") - 1
            grids.append((abs(rows - target_rows), rows, path))
            if rows == target_rows:
                break
            continue
        for href in _HREF.findall(r.text):
            href = href.replace("&amp;", "&")
            if href not in seen and "/reportes" not in href and "/exportar" not in href \
                    and "/firmado" not in href and "/finalizar" not in href \
                    and "solicitar" not in href:
                seen.add(href)
                queue.append(href)
    if not grids:
        raise RuntimeError("no Paso 6 page found from " + start)
    return min(grids)[2]


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    m = re.match(r"([\d.]+)(us|ms|s|m)$", text)
    return float(m.group(1)) * _UNITS[m.group(2)] if m else float("nan")


def run_wrk(wrk: str, url: str, cookie: str | None, seconds: float, connections: int) -> dict:
    cmd = [wrk, "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "10s",
           "--latency", url]
    if cookie:
        cmd[1:1] = ["-H", f"Cookie: {cookie}"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    out = done.stdout
    found = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if found is None:
        raise RuntimeError(f"wrk failed: {done.stderr or out}")
    rps = float(found.group(1))
    lat = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", out, re.M))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(bad.group(1)) if bad else 0) + (sum(map(int, sock.groups())) if sock else 0)
    return {"rps": rps, "p50": _ms(lat.get("50", "")), "p99": _ms(lat.get("99", "")),
            "errors": errors}


def serve(cmd: list[str], env: dict[str, str], port: int, log: Path, probe: str
          ) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=log.open("wb"),
                            stderr=subprocess.STDOUT)
    wait_up(f"http://127.0.0.1:{port}{probe}", proc, log)
    return proc


def stop(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is not None and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=None, help="postgresql://… (a scratch database is "
                        "created on that server); SQLite in a temporary folder otherwise")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--server", choices=["uvicorn", "granian"], default="uvicorn",
                        help="the server of both apps (the product's own `serve` is uvicorn)")
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--pages", default="", help="comma-separated subset of the pages")
    parser.add_argument("--keep", default=None, help="a folder kept between runs (SQLite only): "
                        "the demo is loaded there once")
    args = parser.parse_args()
    if args.server == "granian" and not (BIN / "granian").exists():
        parser.error("--server granian needs granian in the venv (.venv/bin/pip install granian)")
    wrk = ensure_wrk()

    from entrypoints.demo import demo_password
    from shared.kernel.scope import Role

    tmp = Path(args.keep) if args.keep and not args.db else \
        Path(tempfile.mkdtemp(prefix="bench-http-"))
    tmp.mkdir(parents=True, exist_ok=True)
    loaded = (tmp / "var" / "app.db").exists()
    db = ScratchDb(args.db, tmp)
    # The servers import this checkout's code (ahead of an editable install of another one).
    path = os.pathsep.join([str(ROOT / "src"), str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    env = {**os.environ, "VAR_DIR": str(tmp / "var"), "DATABASE_URL": db.url,
           "SECRET_KEY": "bench-http", "LOG_LEVEL": "WARNING", "PYTHONPATH": path}
    product = bare = None
    try:
        admin = BIN / "sanece-admin"
        subprocess.run([str(admin), "db", "upgrade"], env=env, check=True, capture_output=True)
        if not loaded:
            subprocess.run([str(admin), "demo", "load"], env=env, check=True, capture_output=True)
        pport, bport = free_port(), free_port()
        if args.server == "uvicorn":
            product_cmd = [str(admin), "serve", "--host", "127.0.0.1", "--port", str(pport),
                           "--workers", str(args.workers)]
            bare_cmd = [sys.executable, "-m", "uvicorn", "--factory", "bench.bare_app:create_app",
                        "--host", "127.0.0.1", "--port", str(bport), "--workers",
                        str(args.workers), "--no-access-log", "--log-level", "warning"]
        else:
            def granian(target: str, port: int) -> list[str]:
                return [str(BIN / "granian"), "--interface", "asgi", "--factory", "--host",
                        "127.0.0.1", "--port", str(port), "--workers", str(args.workers),
                        "--no-access-log", "--log-level", "warning", target]

            product_cmd = granian("entrypoints.http.app:app_from_env", pport)
            bare_cmd = granian("bench.bare_app:create_app", bport)
        product = serve(product_cmd, env, pport, tmp / "product.log", "/health")
        bare = serve(bare_cmd, env, bport, tmp / "bare.log", "/health")
        p, b = f"http://127.0.0.1:{pport}", f"http://127.0.0.1:{bport}"

        def session(user: str, role: Role) -> Any:
            return login(p, user, demo_password(role))

        capt = session("capturista.ss.bc", Role.CAPTURISTA)
        pages: list[tuple[str, Any, Any]] = [
            ("health", "/health", None),
            ("tablero", "/excedentes/tablero", session("coordinador.ss", Role.COORDINADOR)),
            ("paso6", lambda: find_grid(capt, "/excedentes/tablero"), capt),
            ("sanece_inicio", "/sanece/inicio", session("director.campeche", Role.DIRECTOR)),
            ("review_queue", "/sanece/revision", session("revisor", Role.REVISOR)),
            ("exchange_list", "/intercambios", session("coordinador.imss", Role.COORDINADOR)),
        ]
        wanted = {x for x in args.pages.split(",") if x}
        print(f"bench/http.py on {'PostgreSQL' if args.db else 'SQLite'}, {args.server}, "
              f"{os.cpu_count()} cores, "
              f"{args.workers} worker(s), wrk -t1 -c{args.connections}, {args.rounds} rounds x "
              f"{args.seconds:g} s, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
              flush=True)
        for name, path, client in pages:
            if wanted and name not in wanted:
                continue
            try:
                if callable(path):
                    path = path()
            except RuntimeError as exc:
                print(f"page={name} error={str(exc)!r}", flush=True)
                continue
            cookie = cookie_header(client) if client is not None else None
            if client is not None:
                check = client.get(path)
                if check.status_code != 200:
                    raise RuntimeError(f"{name}: GET {path} -> {check.status_code}")
                size = len(check.content)
            else:
                size = 0
            bare_path = "/health" if name == "health" else "/page"
            run_wrk(wrk, p + path, cookie, 1, args.connections)  # warm up both
            run_wrk(wrk, b + bare_path, None, 1, args.connections)
            prod, base = [], []
            for _ in range(args.rounds):
                prod.append(run_wrk(wrk, p + path, cookie, args.seconds, args.connections))
                base.append(run_wrk(wrk, b + bare_path, None, args.seconds, args.connections))
            med = {k: statistics.median(r[k] for r in prod) for k in ("rps", "p50", "p99")}
            bare_rps = statistics.median(r["rps"] for r in base)
            # The bare page's own tail, same run: how much of the product's p99 is the machine.
            bare_p99 = statistics.median(r["p99"] for r in base)
            bare_p50 = statistics.median(r["p50"] for r in base)
            goal = 0.8 if name == "health" else 0.5
            print(f"page={name} product_rps={med['rps']:.0f} bare_rps={bare_rps:.0f} "
                  f"ratio={med['rps'] / bare_rps:.2f} p50_ms={med['p50']:.1f} "
                  f"p99_ms={med['p99']:.1f} bare_p50_ms={bare_p50:.1f} bare_p99_ms={bare_p99:.1f} "
                  f"errors={sum(r['errors'] for r in prod)} "
                  f"(goal ratio>={goal}, p99<=3xp50; {size / 1024:.0f} KB; {path})", flush=True)
        return 0
    finally:
        stop(product)
        stop(bare)
        db.drop()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
