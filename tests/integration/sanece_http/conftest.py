"""Fixtures of the sanece HTTP tests (both databases): the small world of
``tests.integration.sanece.support`` (CAMPECHE units A and C, AGUASCALIENTES unit B; today is
2026-03-10), one user per role, logged-in Litestar test clients, and an attachment limit of
256 KB.

``as_user("dir_a")`` returns a test client logged in as that user (closed at the end of the
test). Form helpers are in ``support.py``.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator

import attrs
import pytest

from shared.kernel.scope import Role
from tests.helpers import login, make_user
from tests.integration.sanece.support import World, load_world


ATTACHMENT_LIMIT = 256 * 1024  # small, so that a refused oversized upload stays cheap


@pytest.fixture
def settings(settings):  # the root fixture's settings, with a small attachment limit
    return attrs.evolve(settings, attachment_max_bytes=ATTACHMENT_LIMIT)


@pytest.fixture
def world(container) -> World:
    return load_world(container.sanece)


@pytest.fixture
def users(world) -> dict[str, tuple[Role, str | None]]:
    return {
        "dir_a": (Role.DIRECTOR, str(world.units["A"])),
        "dir_b": (Role.DIRECTOR, str(world.units["B"])),
        "revisor": (Role.REVISOR, None),
        "evaluador": (Role.EVALUADOR, None),
        "admin": (Role.ADMIN, None),
        "coordinador": (Role.COORDINADOR, "IMSS"),  # an excedentes role (see test_pages)
    }


@pytest.fixture
def as_user(app, container, users) -> Iterator[Callable[[str], Any]]:
    from litestar.testing import TestClient

    made: set[str] = set()
    opened: list[Any] = []

    def open_as(name: str) -> Any:
        if name not in made:
            role, ref = users[name]
            make_user(container, name, role, ref, full_name=f"Usuario {name.upper()}")
            made.add(name)
        # One app per client: Litestar hangs closing the lifespan of a second entered test
        # client on the same app (each client runs its own event loop in a portal).
        from entrypoints.http.app import create_app

        own_app = app if not opened else create_app(container)
        client = TestClient(app=own_app, base_url="http://testserver.local")
        client.__enter__()
        opened.append(client)
        response = login(client, name)
        assert response.status_code == 303, response.text
        return client

    yield open_as
    for client in opened:
        client.__exit__(None, None, None)
