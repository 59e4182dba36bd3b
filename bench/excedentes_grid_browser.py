"""Paso 6 in a real browser: the Cirugía grid (2,857 products) of an IMSS unit at national
scale, as a capturista meets it in Chromium.

Prints, as medians of a few runs (the server's time beside the browser's, so that the share of
rendering is visible):

1. the server answering the grid's HTML (``GET``, gzip, the bytes sent and unpacked);
2. the browser: time to the ``load`` event and to a usable grid (the first frame painted after
   ``load`` with the main thread free: the user can type), with the rows and inputs rendered;
3. "filter as you type": typing a product name until the count shows the filtered rows;
4. the save round trip: one row typed, "Guardar" (confirmation accepted), the redirect and the
   reloaded grid usable again; then the row is cleared the same way (the data is left as found).

Usage::

    python bench/excedentes_grid_browser.py                       # everything in a temp folder
    python bench/excedentes_grid_browser.py --url http://127.0.0.1:8000  # a server already
        loaded with ``sanece-admin demo load --scale national``

Without ``--url`` it migrates a SQLite database in a temporary folder, loads the national demo
(about a minute), serves it with ``sanece-admin serve`` and stops the server at the end. It
uses Debian's Chromium (``/usr/bin/chromium``) through Playwright; never part of the tests.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any, Callable, Iterator

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
USER, PASSWORD = "capturista.imss.mc-ote", "Demo-2026-CAP"
INSTITUTION, ENTITY, GROUP = "IMSS", "MC-OTE", "Cirugía"

# The first frame after "load" with the main thread free: the grid can be typed in.
USABLE_JS = """() => new Promise(done => requestAnimationFrame(() => setTimeout(() => {
  const nav = performance.getEntriesByType("navigation")[0];
  done({load: nav.loadEventEnd, response: nav.responseEnd, usable: performance.now()});
}, 0)))"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def national_server() -> Iterator[str]:
    """A server on the national demo in a temporary folder (SQLite)."""
    with tempfile.TemporaryDirectory(prefix="grid-bench-") as tmp:
        port = _free_port()
        env = {**os.environ, "VAR_DIR": str(Path(tmp) / "var"), "PORT": str(port),
               "LOG_LEVEL": "WARNING", "SECRET_KEY": "bench-secret"}
        env.pop("DATABASE_URL", None)
        admin = [str(BIN / "sanece-admin")]
        subprocess.run(admin + ["db", "upgrade"], env=env, check=True, cwd=ROOT,
                       stdout=subprocess.DEVNULL)
        start = time.perf_counter()
        subprocess.run(admin + ["demo", "load", "--scale", "national"], env=env, check=True,
                       cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        print(f"national demo loaded in {time.perf_counter() - start:.0f} s", flush=True)
        log = open(Path(tmp) / "server.log", "wb")
        proc = subprocess.Popen(admin + ["serve"], env=env, cwd=ROOT, stdout=log,
                                stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.time() + 60
            while True:
                try:
                    with urllib.request.urlopen(url + "/health", timeout=1):
                        break
                except OSError:
                    if time.time() > deadline:
                        raise RuntimeError("the server did not start") from None
                    time.sleep(0.3)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
            log.close()


def median(values: list[float]) -> float:
    return statistics.median(values)


def grid_url(page: Any, base: str) -> str:
    """The Cirugía grid of the entity's first unit, found through the JSON API."""
    api = f"{base}/api/excedentes"
    year = page.request.get(f"{api}/institutions/{INSTITUTION}/periods").json()[0]["year"]
    entity = f"{api}/entities/{INSTITUTION}/{ENTITY}/{year}"
    units = page.request.get(f"{entity}/units?size=1").json()
    clues = units["page"]["items"][0]["clues"]
    groups = page.request.get(f"{entity}/units/{clues}/groups").json()
    group_id = next(g["group_id"] for s in groups["services"] for g in s["groups"]
                    if g["name"] == GROUP)
    return (f"{base}/excedentes/entidades/{INSTITUTION}/{ENTITY}/{year}/unidades/{clues}/grupos/"
            f"{group_id}/productos")


def usable(page: Any) -> dict[str, float]:
    return page.evaluate(USABLE_JS)


def save_round_trip(page: Any, fill: Callable[[], None]) -> float:
    """Type, "Guardar" (the confirmation is accepted), until the reloaded grid is usable."""
    fill()
    start = time.perf_counter()
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Guardar").click()
    usable(page)
    elapsed = time.perf_counter() - start
    assert page.get_by_text("Información guardada").first.is_visible(), "the save failed"
    return elapsed


def measure(base: str, runs: int) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        context = browser.new_context(locale="es-MX", viewport={"width": 1366, "height": 768})
        page = context.new_page()
        page.set_default_timeout(120_000)
        page.on("dialog", lambda d: d.accept())
        page.goto(base + "/login")
        page.get_by_label("Nombre de usuario").fill(USER)
        page.get_by_label("Contraseña").fill(PASSWORD)
        page.get_by_role("button", name="Iniciar sesión").click()
        page.wait_for_load_state()
        url = grid_url(page, base)
        print(f"grid: {url}", flush=True)

        server, sent, unpacked = [], 0, 0
        for _ in range(runs):
            start = time.perf_counter()
            resp = page.request.get(url, headers={"accept-encoding": "gzip"})
            server.append(time.perf_counter() - start)
            unpacked = len(resp.body())
            sent = int(resp.headers.get("content-length") or unpacked)
        loads, usables, responses = [], [], []
        for _ in range(runs):
            page.goto(url, wait_until="load")
            t = usable(page)
            loads.append(t["load"] / 1000)
            usables.append(t["usable"] / 1000)
            responses.append(t["response"] / 1000)
        rows = page.locator("#grid tbody tr").count()
        inputs = page.locator("#grid input, #grid select").count()
        summary = page.locator("#grid-count").inner_text()

        search = page.get_by_label("Buscar producto")
        filters = []
        for _ in range(runs):
            start = time.perf_counter()
            search.fill("apendicectom")
            page.wait_for_function(
                "() => !document.querySelector('#grid-count').textContent.startsWith("
                f"{summary.split(' ')[0]!r} + ' ')")
            filters.append(time.perf_counter() - start)
            search.fill("")
            page.wait_for_function(
                f"() => document.querySelector('#grid-count').textContent === {summary!r}")

        first = page.locator("#grid tbody tr").first
        product = first.locator("th").inner_text().strip()

        def cells(events: str, patients: str) -> Callable[[], None]:
            def fill() -> None:
                page.get_by_role("textbox", name=f"Excedente Ambulatoria {product}",
                                 exact=True).fill(events)
                page.get_by_role("textbox", name=f"Pacientes Mensuales {product}",
                                 exact=True).fill(patients)
            return fill

        saves, clears = [], []
        for _ in range(runs):
            saves.append(save_round_trip(page, cells("3", "4")))
            clears.append(save_round_trip(page, cells("", "")))
        browser.close()

    print(f"  rows rendered: {rows:,} ({inputs:,} form fields); «{summary}»")
    print(f"  server: GET grid HTML                  {median(server):7.2f} s  "
          f"({sent / 1024:,.0f} KiB sent, {unpacked / 1024:,.0f} KiB of HTML)")
    print(f"  browser: response received             {median(responses):7.2f} s")
    print(f"  browser: load event                    {median(loads):7.2f} s")
    print(f"  browser: grid usable                   {median(usables):7.2f} s")
    print(f"  browser: filter as you type            {median(filters):7.2f} s")
    print(f"  browser: save + reload (one row)       {median(saves):7.2f} s")
    print(f"  browser: save + reload (row cleared)   {median(clears):7.2f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default=None,
                        help="a running server already loaded with the national demo")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        sys.exit(f"{CHROMIUM} is missing (Debian's chromium package)")
    print("Paso 6, Cirugía grid of an IMSS unit, in Chromium (medians of "
          f"{args.runs} runs)", flush=True)
    if args.url:
        measure(args.url.rstrip("/"), args.runs)
        return
    with national_server() as url:
        measure(url, args.runs)


if __name__ == "__main__":
    main()
