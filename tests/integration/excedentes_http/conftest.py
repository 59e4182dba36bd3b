"""Fixtures of the excedentes HTTP tests (both databases): the small world of
``tests.integration.excedentes.support`` plus one user per role, and logged-in test clients.

``as_user("cap_bc")`` returns a Litestar test client logged in as that user; clients are
closed at the end of the test.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator

import pytest

from shared.kernel.scope import Role
from tests.helpers import login, make_user
from tests.integration.excedentes.support import World, load_world

USERS = {
    "cap_bc": (Role.CAPTURISTA, "SS:BC"),
    "cap_bc2": (Role.CAPTURISTA, "SS:BC"),  # a colleague of cap_bc (concurrent saves)
    "cap_bs": (Role.CAPTURISTA, "SS:BS"),
    "cap_nl": (Role.CAPTURISTA, "IMSS:NL"),
    "coord_ss": (Role.COORDINADOR, "SS"),
    "coord_imss": (Role.COORDINADOR, "IMSS"),
    "admin_exc": (Role.ADMIN, None),
}


@pytest.fixture
def world(container) -> World:
    return load_world(container.excedentes)


@pytest.fixture
def exc_app(container):  # -> Litestar
    """The app with the excedentes module only: these tests do not depend on the state of
    the other contexts' pages."""
    from entrypoints.http import excedentes
    from entrypoints.http.app import create_app

    return create_app(container, modules=excedentes.modules(container))


@pytest.fixture
def as_user(exc_app, container, world) -> Iterator[Callable[[str], Any]]:
    from litestar.testing import TestClient

    app = exc_app

    made: set[str] = set()
    opened: list[Any] = []

    def open_as(name: str) -> Any:
        if name not in made:
            role, ref = USERS[name]
            make_user(container, name, role, ref, full_name=name.replace("_", " ").title())
            made.add(name)
        # One app per client: Litestar hangs closing the lifespan of a second entered test
        # client on the same app (each client runs its own event loop in a portal).
        from entrypoints.http import excedentes
        from entrypoints.http.app import create_app

        own_app = app if not opened else create_app(container,
                                                    modules=excedentes.modules(container))
        client = TestClient(app=own_app, base_url="http://testserver.local")
        client.__enter__()
        opened.append(client)
        response = login(client, name)
        assert response.status_code == 303, response.text
        return client

    yield open_as
    for client in reversed(opened):  # portals nest: close the last one first
        client.__exit__(None, None, None)
