"""Fixtures of the jobs tests (both databases): the small excedentes world with two saved
records (one SS, one IMSS), one user per role, and the requesters the use cases take."""

from __future__ import annotations

from typing import Any, Callable, Iterator

import pytest

from excedentes.application.use_cases.capture import AnswerStep2Command, SaveGridCommand
from shared.jobs.domain import Requester
from shared.kernel.scope import Role
from tests.helpers import login, make_user
from tests.integration.excedentes.support import (
    BC,
    CAP_BC,
    CAP_NL,
    NL,
    U_HGZ33,
    U_OCTUBRE,
    YEAR,
    World,
    load_world,
    shortage_row,
    surplus_row,
)

USERS = {
    "coord_ss": (Role.COORDINADOR, "SS"),
    "coord_imss": (Role.COORDINADOR, "IMSS"),
    "admin_jobs": (Role.ADMIN, None),
    "cap_bc": (Role.CAPTURISTA, "SS:BC"),
}


@pytest.fixture
def world(container) -> World:
    w = load_world(container.excedentes)
    exc = container.excedentes
    exc.answer_step2()(CAP_BC, AnswerStep2Command(BC, YEAR, "SI"))
    exc.save_grid()(CAP_BC, SaveGridCommand(BC, YEAR, U_OCTUBRE, w.gid("Cirugía"),
                                            w.sid("Cirugía general"),
                                            [shortage_row(w.pid("Anestesia"))]))
    exc.answer_step2()(CAP_NL, AnswerStep2Command(NL, YEAR, "SI"))
    exc.save_grid()(CAP_NL, SaveGridCommand(NL, YEAR, U_HGZ33, w.gid("Cirugía", "IMSS"), None,
                                            [surplus_row(w.pid("Anestesia", "IMSS"))]))
    return w


@pytest.fixture
def users(container, world) -> dict[str, Requester]:
    out = {}
    for name, (role, ref) in USERS.items():
        view = make_user(container, name, role, ref, full_name=name.replace("_", " ").title())
        out[name] = Requester(view.id, view.username, role.value, ref)
    return out


def run_queue(container: Any) -> int:
    """Run the queued jobs in this thread (the worker's step), as many as there are."""
    worker = container.jobs_worker()
    ran = 0
    while worker.run_one():
        ran += 1
    return ran


@pytest.fixture
def as_user(container, users) -> Iterator[Callable[[str], Any]]:
    """``as_user(name)``: a logged-in test client of the excedentes pages and the jobs' pages."""
    from litestar.testing import TestClient

    from entrypoints.http import excedentes
    from entrypoints.http.app import create_app

    opened: list[Any] = []

    def open_as(name: str) -> Any:
        # one app per client (Litestar's test portals do not share an app's lifespan)
        client = TestClient(app=create_app(container, modules=excedentes.modules(container)),
                            base_url="http://testserver.local")
        client.__enter__()
        opened.append(client)
        assert login(client, name).status_code == 303
        return client

    yield open_as
    for client in reversed(opened):
        client.__exit__(None, None, None)
