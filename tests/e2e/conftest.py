"""A real server (``sanece-admin serve`` in a subprocess, SQLite under a temp folder) and a
real headless Chromium (Debian's package) driven by Playwright."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "VAR_DIR": str(root / "var"), "PORT": str(self.port), "LOG_LEVEL": "WARNING",
                    "SECRET_KEY": "e2e-secret"}
        self.env.pop("DATABASE_URL", None)
        self.proc: subprocess.Popen[bytes] | None = None

    def admin(self, *args: str, input: str | None = None) -> str:
        out = subprocess.run([str(BIN / "sanece-admin"), *args], env=self.env, capture_output=True, text=True,
                             input=input, timeout=600)
        if out.returncode != 0:
            raise RuntimeError(f"sanece-admin {' '.join(args)} failed: {out.stderr or out.stdout}")
        return out.stdout

    def start(self) -> None:
        self.admin("db", "upgrade")
        log = open(self.root / "server.log", "wb")
        self.proc = subprocess.Popen([str(BIN / "sanece-admin"), "serve"], env=self.env, stdout=log,
                                     stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=1) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("server did not start: " + (self.root / "server.log").read_text())

    def stop(self) -> None:
        if self.proc:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = LiveServer(tmp_path_factory.mktemp("live"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser, tmp_path):  # -> playwright Page
    context = browser.new_context(locale="es-MX", viewport={"width": 1366, "height": 768},
                                  accept_downloads=True)
    p = context.new_page()
    p.set_default_timeout(15000)
    # Any Content-Security-Policy violation (a blocked script, style or frame) fails the test:
    # Chromium reports each one on the console, and the page's event is relayed there too.
    violations: list[str] = []
    p.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text
         or "securitypolicyviolation" in msg.text else None)
    context.add_init_script("document.addEventListener('securitypolicyviolation', e => console.error("
                            "'securitypolicyviolation ' + e.violatedDirective + ' ' + e.blockedURI));")
    yield p
    context.close()
    assert violations == [], f"CSP violations: {violations}"


@pytest.fixture
def shots(tmp_path):
    """Screenshots are kept in the test's temporary folder."""
    folder = tmp_path / "screenshots"
    folder.mkdir()

    def take(page, name: str) -> Path:
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def log_in(page, url: str, user: tuple[str, str]) -> None:
    """Through the login form, as a user does (``user``: name and password)."""
    page.goto(url + "/login")
    page.get_by_label("Nombre de usuario").fill(user[0])
    page.get_by_label("Contraseña").fill(user[1])
    page.get_by_role("button", name="Iniciar sesión").click()
