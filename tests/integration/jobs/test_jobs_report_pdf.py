"""The ``report-pdf`` job kind on both databases: an entity's final report (after Paso 7) is
rendered by the job (its print recorded as usual); before Paso 7, or outside the requester's
scope, the use case refuses at once."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from shared.audit.domain import AuditFilter
from shared.jobs.domain import JobStatus
from shared.kernel.errors import Conflict, NotFound, PermissionDenied
from tests.integration.excedentes.support import YEAR, finalize

from .conftest import run_queue

BC_FINAL = {"institution": "SS", "entity": "BC", "period": YEAR}


def test_the_final_report_is_rendered_by_a_job(container, users, world):
    cap = users["cap_bc"]
    with pytest.raises(Conflict):  # before Paso 7: refused at once, no job
        container.start_job()(cap, "report-pdf", BC_FINAL)
    finalize(world)
    view = container.start_job()(cap, "report-pdf", BC_FINAL)
    assert view.description == f"Reporte final en PDF de SS:BC ({YEAR})"
    assert run_queue(container) == 1
    done = container.get_job()(cap, view.id)
    assert done.status is JobStatus.DONE, done.error
    assert done.filename == f"reporte-final-SS-BC-{YEAR}.pdf"
    opened = container.open_job_result()(cap, view.id)
    with opened.stream as fh:
        assert len(PdfReader(io.BytesIO(fh.read())).pages) >= 1
    printed = container.audit_query().list(AuditFilter(action="excedentes.final_printed"))
    assert printed and printed[0].entry.actor == "cap_bc"


def test_a_preliminary_report_and_the_scope(container, users, world):
    cap = users["cap_bc"]
    prelim = container.start_job()(cap, "report-pdf", {**BC_FINAL, "final": False})
    run_queue(container)
    assert container.get_job()(cap, prelim.id).filename == f"reporte-preliminar-SS-BC-{YEAR}.pdf"
    with pytest.raises((NotFound, PermissionDenied)):
        container.start_job()(cap, "report-pdf", {"institution": "IMSS", "entity": "NL",
                                                  "period": YEAR, "final": False})
