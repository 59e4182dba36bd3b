"""API fuzzing: schemathesis against ``/schema/openapi.json``, logged in as each demo role.

The app runs on a live server on 127.0.0.1 (a free port) over the small demo on SQLite. For
every operation of the published document and every role (and anonymously), schemathesis
generates valid and invalid requests; each answer must not be a server error, its status must
be one the document lists for that operation, and its body must match the documented schema
and content type. The cases are drawn once (drawing is what costs) and sent as every role;
their number per operation is bounded, generation is derandomized (the same cases each run)
and shrinking is off, so the file stays within a few minutes.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from shared.kernel.scope import Role

pytestmark = pytest.mark.timeout(600)  # a bound for a loaded machine; ~1.5 min of CPU

# One demo account per role (entrypoints/demo.py and the contexts' demo loaders).
ACCOUNTS = {
    "capturista": ("capturista.ss.cs", Role.CAPTURISTA),
    "coordinador": ("coordinador.ss", Role.COORDINADOR),
    "director": ("director.campeche", Role.DIRECTOR),
    "revisor": ("revisor", Role.REVISOR),
    "evaluador": ("evaluador", Role.EVALUADOR),
    "admin": ("admin", Role.ADMIN),
}
EXAMPLES = {GenerationMode.POSITIVE: 4, GenerationMode.NEGATIVE: 3}  # cases per operation
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
ROOT = Path(__file__).resolve().parents[2]
SERVER_LOG: list[Path] = []
# Ends the session the rest of the run needs; fuzzed anonymously instead.
SESSION_ENDING = {("POST", "/api/auth/logout")}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app over the small demo (SQLite), served by uvicorn in its own process on 127.0.0.1
    (generation and serving then use both cores). Its log is printed on failure."""
    from dependency_injector import providers

    from entrypoints.container import build_container
    from entrypoints.demo_runner import load_demo
    from entrypoints.persistence import load_all_tables
    from shared.adapters.sql.database import create_engine
    from shared.config import Settings
    from shared.identity.adapters.hashing import Argon2Hasher

    tmp: Path = tmp_path_factory.mktemp("fuzz")
    url = f"sqlite:///{tmp / 'fuzz.db'}"
    engine = create_engine(url)
    load_all_tables().create_all(engine)
    engine.dispose()
    env = {"VAR_DIR": str(tmp / "var"), "DATABASE_URL": url, "SECRET_KEY": "fuzz-secret",
           "LOG_JSON": "1", "LOG_LEVEL": "ERROR"}
    container = build_container(Settings.from_env(env))
    # Real argon2id, light parameters (the hash carries them, so the server verifies as usual).
    container.hasher.override(providers.Singleton(Argon2Hasher, time_cost=1, memory_cost=1024,
                                                  parallelism=1))
    load_demo(container, "small", lambda *_: None)
    container.engine().dispose()

    port = _free_port()
    log_path = tmp / "server.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "entrypoints.http.app:app_from_env",
             "--host", "127.0.0.1", "--port", str(port), "--no-access-log",
             "--log-level", "warning"],
            env={**os.environ, **env}, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, "the fuzz server did not start"
            try:
                if requests.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
        SERVER_LOG.append(log_path)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _server_log_tail() -> str:
    text = SERVER_LOG[0].read_text(errors="replace") if SERVER_LOG else ""
    return "\n--- server log (tail) ---\n" + text[-4000:] if text.strip() else ""


@pytest.fixture(scope="module")
def schema(server: str) -> Any:
    loaded = schemathesis.openapi.from_url(f"{server}/schema/openapi.json")
    return loaded


def _session(server: str, account: tuple[str, Role] | None) -> requests.Session:
    from entrypoints.demo import demo_password

    session = requests.Session()
    token = session.get(f"{server}/api/auth/csrf", timeout=10).json()["csrf_token"]
    if account is not None:
        username, role = account
        r = session.post(f"{server}/api/auth/login", json={"username": username,
                                                             "password": demo_password(role)},
                         headers={"X-CSRF-Token": token}, timeout=10)
        assert r.status_code == 201, r.text
        token = session.get(f"{server}/api/auth/csrf", timeout=10).json()["csrf_token"]
    session.headers["X-CSRF-Token"] = token
    return session


@pytest.fixture(scope="module")
def cases(schema: Any) -> dict[tuple[str, str], list[tuple[GenerationMode, Any]]]:
    """The generated requests of every operation, drawn once and sent as every role (drawing
    is what costs; the answers are what differ)."""
    out: dict[tuple[str, str], list[tuple[GenerationMode, Any]]] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        drawn = out.setdefault((operation.method.upper(), operation.path), [])
        for mode, count in EXAMPLES.items():
            try:
                _draw(operation, mode, count, drawn)
            except Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE, operation.path  # no inputs to negate
    assert len(out) > 50 and all(out.values()), "operations without any case"
    return out


def _draw(operation: Any, mode: GenerationMode, count: int,
          into: list[tuple[GenerationMode, Any]]) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=count, deadline=None, database=None, derandomize=True,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    def draw(case: Any) -> None:
        into.append((mode, case))

    draw()


def _fuzz(cases: dict[tuple[str, str], list[tuple[GenerationMode, Any]]], server: str,
          session: requests.Session, skip: set[tuple[str, str]],
          per_operation: int = 0) -> list[str]:
    """Sends the cases; the failures, at most one per operation and generation mode."""
    failures: dict[tuple[str, str, str], str] = {}
    for key, drawn in cases.items():
        if key in skip:
            continue
        for mode, case in drawn[:per_operation or None]:
            response = case.call(base_url=server, session=session, timeout=30)
            try:
                case.validate_response(response, checks=CHECKS)
            except (AssertionError, FailureGroup) as exc:  # report them all at the end
                summary = " | ".join(line.strip() for line in str(exc).splitlines()
                                     if line.strip().startswith("- "))
                failures.setdefault((*key, mode.value), (
                    f"{key[0]} {key[1]} [{mode.value}] -> {response.status_code}: "
                    f"{summary or str(exc).strip().splitlines()[0]}\n    {case.as_curl_command()}"))
    return list(failures.values())


@pytest.fixture(scope="module")
def sessions(server: str) -> dict[str, requests.Session]:
    """Every role logged in before any fuzzing: the fuzzed logins fail from this address, and
    enough of them throttle it (429, documented), which would refuse a later real login."""
    return {role: _session(server, account) for role, account in ACCOUNTS.items()}


@pytest.mark.parametrize("role", list(ACCOUNTS))
def test_fuzz_as_role(role: str, server: str, cases: Any, sessions: dict[str, Any]) -> None:
    session = sessions[role]
    failures = _fuzz(cases, server, session, skip=SESSION_ENDING)
    assert not failures, (f"{len(failures)} failures as {role}:\n" + "\n".join(failures)
                          + _server_log_tail())
    # The session survived the run: every answer above was the role's, not an anonymous one.
    assert session.get(f"{server}/api/auth/me", timeout=10).status_code == 200


def test_fuzz_anonymous(server: str, cases: Any) -> None:
    failures = _fuzz(cases, server, _session(server, None), skip=set(), per_operation=3)
    assert not failures, (f"{len(failures)} failures anonymously:\n" + "\n".join(failures)
                          + _server_log_tail())
