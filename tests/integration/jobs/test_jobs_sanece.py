"""The ``sanece-extraction`` job kind on both databases: a director's extraction of their unit
runs as a job and gives the same workbook as the direct download (audited as the owner);
another unit, a bad window or another user's job answer as the use case does at once."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from shared.audit.domain import AuditFilter
from shared.jobs.domain import JobStatus, Requester
from shared.kernel.errors import NotFound, ValidationError
from shared.kernel.scope import Role
from tests.helpers import make_user
from tests.integration.sanece.support import load_world

from .conftest import run_queue

WINDOW = {"start": "2025-03-10", "end": "2026-03-10"}


@pytest.fixture
def sanece_world(container, clock):
    return load_world(container.sanece)


def _director(container, name: str, unit_id: int) -> Requester:
    view = make_user(container, name, Role.DIRECTOR, str(unit_id))
    return Requester(view.id, view.username, Role.DIRECTOR.value, str(unit_id))


def test_a_directors_extraction_runs_as_a_job(container, sanece_world):
    director = _director(container, "director.campeche", sanece_world.units["A"])
    view = container.start_job()(director, "sanece-extraction", {**WINDOW})
    assert view.description == (f"Extracción SAnECE de la unidad {sanece_world.units['A']}, "
                                "por folio (2025-03-10 a 2026-03-10)")
    assert run_queue(container) == 1
    done = container.get_job()(director, view.id)
    assert done.status is JobStatus.DONE, done.error
    assert done.filename.startswith(f"extraccion-sanece-{sanece_world.units['A']}-20250310-20260310")
    opened = container.open_job_result()(director, view.id)
    with opened.stream as fh:
        ws = load_workbook(fh, read_only=True).worksheets[0]
        rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "Folio" and len(rows) == 7  # header + the unit's 6 folios
    entry = container.audit_query().list(AuditFilter(action="sanece.extracted"))[0].entry
    assert entry.actor == "director.campeche"


def test_an_extraction_outside_the_scope_or_window_is_refused_at_once(container, sanece_world):
    director = _director(container, "director.campeche", sanece_world.units["A"])
    start = container.start_job()
    with pytest.raises(NotFound):
        start(director, "sanece-extraction", {**WINDOW, "unit_id": sanece_world.units["B"]})
    with pytest.raises(ValidationError):
        start(director, "sanece-extraction", {"start": "2026-03-10", "end": "2025-03-10"})
    with pytest.raises(ValidationError):
        start(director, "sanece-extraction", {"start": "ayer", "end": "hoy"})
    other = _director(container, "director.aguascalientes", sanece_world.units["B"])
    mine = start(director, "sanece-extraction", {**WINDOW})
    with pytest.raises(NotFound):
        container.get_job()(other, mine.id)
