"""Fixtures of the jobs tests (both databases): the small excedentes world with two saved
records (one SS, one IMSS), one user per role, and the requesters the use cases take."""

from __future__ import annotations

from typing import Any

import pytest

from excedentes.application.use_cases.capture import AnswerStep2Command, SaveGridCommand
from shared.jobs.domain import Requester
from shared.kernel.scope import Role
from tests.helpers import make_user
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
