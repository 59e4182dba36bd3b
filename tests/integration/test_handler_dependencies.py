"""Handlers of the excedentes, exchange, sanece and platform modules receive their queries and use
cases through Litestar's dependency injection (``save_grid: NamedDependency[SaveGrid]``).

These tests read the app as it is built: every injected parameter names a provider of the
container whose product is the annotated class (a typo or a wrong type fails here, not on the
first request), no handler takes an application class as anything but a dependency, no name is
declared without a handler that uses it, and the untyped locators are gone."""

from __future__ import annotations

import re
import typing
from pathlib import Path
from typing import Any

from dependency_injector import providers
from litestar.params import SkipValidationMarker

from entrypoints.http.dependencies import PLATFORM_DEPENDENCIES, provider_of
from entrypoints.http.excedentes.common import DEPENDENCIES as EXCEDENTES
from entrypoints.http.excedentes.common import ROOT_DEPENDENCIES
from entrypoints.http.exchange.common import DEPENDENCIES as EXCHANGE
from entrypoints.http.sanece.common import DEPENDENCIES as SANECE
from entrypoints.http.sanece.common import ROOT_DEPENDENCIES as SANECE_ROOT

ROOT = Path(__file__).resolve().parents[2]
MODULES = ("entrypoints.http.excedentes.", "entrypoints.http.exchange.",
           "entrypoints.http.sanece.", "entrypoints.http.identity", "entrypoints.http.admin",
           "entrypoints.http.jobs", "entrypoints.http.notifications")


def _fn(handler: Any) -> Any:
    """The handler's own function (a sync one is wrapped to run in a thread)."""
    return getattr(handler.fn, "func", handler.fn)


def _handlers(app: Any) -> list[Any]:
    found = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            if _fn(handler).__module__.startswith(MODULES):
                found.append(handler)
    return found


def _container_providers(container: Any) -> dict[int, tuple[str, Any]]:
    """Every provider of the root, excedentes, exchange and sanece containers, by identity."""
    out: dict[int, tuple[str, Any]] = {}
    for prefix, part in (("", container), ("excedentes.", container.excedentes),
                         ("exchange.", container.exchange), ("sanece.", container.sanece)):
        for name, provider in part.providers.items():
            out[id(provider)] = (prefix + name, provider)
    return out


def _plain(annotation: Any) -> tuple[Any, bool]:
    """The class under ``Annotated[...]`` and whether validation is skipped for it."""
    skip = False
    while typing.get_origin(annotation) is typing.Annotated:
        skip = skip or any(isinstance(m, SkipValidationMarker) for m in annotation.__metadata__)
        annotation = annotation.__origin__
    return annotation, skip


def test_every_injected_parameter_is_a_container_provider_of_its_type(app, container):
    known = _container_providers(container)
    # what the container makes: a handler may take these only by injection
    services = {made for _, p in known.values()
                if isinstance(made := getattr(p, "cls", None), type)}
    handlers = _handlers(app)
    assert len(handlers) > 180  # the modules' pages and API, not an empty walk
    walked = {m for m in MODULES if any(_fn(h).__module__.startswith(m) for h in handlers)}
    assert walked == set(MODULES)
    used: set[str] = set()
    injected = 0
    for handler in handlers:
        where = f"{_fn(handler).__module__}.{_fn(handler).__qualname__}"
        dependencies = handler.resolve_dependencies()
        for name, field in handler.parsed_fn_signature.parameters.items():
            cls, skip = _plain(field.raw)
            is_service = cls in services
            if not field.is_di_field:
                # an application class taken as a query parameter would be a silent typo
                assert not is_service, f"{where}: {name} is not marked NamedDependency"
                continue
            injected += 1
            assert name in dependencies, f"{where}: no dependency named {name!r}"
            provider = provider_of(dependencies[name])
            assert provider is not None, f"{where}: {name} is not bound to the container"
            assert id(provider) in known, f"{where}: {name} is not a provider of the container"
            used.add(name)
            # every Injected[...] skips validation (see entrypoints.http.dependencies), so the
            # marker says nothing here: only a port (Protocol), whose implementations need not
            # subclass it, is exempt from naming the class its provider makes
            assert skip, f"{where}: {name} is validated (declare it Injected[...])"
            if getattr(cls, "_is_protocol", False):
                continue
            made = getattr(provider, "cls", None) or getattr(provider, "provides", None)
            assert isinstance(made, type) and issubclass(made, cls), (
                f"{where}: {name} is {cls.__name__} but {known[id(provider)][0]} makes {made}")
    assert injected > 220  # every handler of the modules, not an empty walk
    declared = (set(EXCEDENTES) | set(ROOT_DEPENDENCIES) | set(EXCHANGE) | set(SANECE)
                | set(SANECE_ROOT) | set(PLATFORM_DEPENDENCIES))
    assert declared - used == set(), "declared dependencies no handler takes"


def test_the_untyped_locators_are_gone():
    pattern = re.compile(
        r"\b(?:exc|xch|san|queries)\(request\)|app\.state\.container|container_of")
    # Non-handler reads of the container that stay, each for a reason:
    allowed = {
        # the health probe reuses a healthy answer for a second: its checks (database ping,
        # storage backends) run only then, so they are not per-request dependencies
        ("entrypoints/http/identity.py", "container = state.container"),
        # the upload policy of import files needs a setting before the form is read, and the
        # Catálogos page states the size above which an import becomes a job
        ("entrypoints/http/job_uploads.py", "container.settings().import_max_bytes"),
        ("entrypoints/http/job_uploads.py", "container.settings().jobs_import_bytes"),
        # the attachment limit: the policy streams the form before any use case runs, and
        # every Cambios page states it
        ("entrypoints/http/sanece/common.py", "container.settings().attachment_max_bytes"),
    }
    found = []
    files = [*(ROOT / "entrypoints/http/excedentes").glob("*.py"),
             *(ROOT / "entrypoints/http/exchange").glob("*.py"),
             *(ROOT / "entrypoints/http/sanece").glob("*.py"),
             ROOT / "entrypoints/http/admin.py", ROOT / "entrypoints/http/identity.py",
             ROOT / "entrypoints/http/job_uploads.py"]
    for path in files:
        rel = path.relative_to(ROOT).as_posix()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line) or "state.container" in line:
                if not any(rel == f and text in line for f, text in allowed):
                    found.append(f"{rel}:{number}: {line.strip()}")
    assert found == []


def test_a_provider_overridden_after_the_app_is_built_serves_the_next_request(container):
    """The ``Provide`` calls the provider per request: an override made after ``create_app``
    is what the next request gets, and resetting it restores the original."""
    from litestar.testing import TestClient

    from entrypoints.http.app import create_app
    from shared.identity.application import IdentityService
    from tests.helpers import login, make_user

    make_user(container, "admin.deps")
    seen: list[int] = []

    class RecordingIdentity(IdentityService):
        def describe_scope(self, user: Any) -> str | None:
            seen.append(user.id)
            return super().describe_scope(user)

    app = create_app(container)
    with TestClient(app=app, base_url="http://testserver.local") as client:
        assert login(client, "admin.deps").status_code == 303
        assert client.get("/api/auth/me").status_code == 200
        assert seen == []
        recording = providers.Singleton(RecordingIdentity, **container.identity.kwargs)
        with container.identity.override(recording):
            me = client.get("/api/auth/me")
            assert me.status_code == 200 and me.json()["username"] == "admin.deps"
            assert seen == [me.json()["id"]]
        assert client.get("/api/auth/me").status_code == 200
        assert len(seen) == 1
