"""Paso 8 above ``JOBS_REPORT_PDF_RECORDS`` records (the limit is overridden here): the
Versión Final link starts a ``report-pdf`` job and sends the capturista to its page; the worker
renders the same PDF, found in «Mis descargas». At or below the limit it still answers at
once, and before Paso 7 the final print is refused at once, job or not."""

from __future__ import annotations

import io

from dependency_injector import providers
from pypdf import PdfReader

from shared.jobs.application import StartIfLarge
from excedentes.application.use_cases.capture import AnswerStep2Command, SaveGridCommand
from tests.integration.excedentes.support import (
    BC,
    CAP_BC,
    U_OCTUBRE,
    YEAR,
    finalize,
    shortage_row,
)
from tests.integration.jobs.conftest import run_queue

from .flows import entity_path


def _limit(container, records: int) -> None:
    container.start_if_large.override(providers.Factory(
        StartIfLarge, start=container.start_job.provider, limits={"report-pdf": records}))


def test_a_large_final_report_is_printed_by_a_job(as_user, container, world):
    cap = as_user("cap_bc")
    _limit(container, -1)  # every report is "large"
    try:
        # before Paso 7 the final version is refused at once, saying why; no job is started
        refused = cap.get(entity_path() + "/reportes/final", follow_redirects=False)
        assert refused.status_code == 409
        assert "/trabajos/" not in refused.headers.get("location", "")

        exc = container.excedentes  # one record, then Paso 7
        exc.answer_step2()(CAP_BC, AnswerStep2Command(BC, YEAR, "SI"))
        exc.save_grid()(CAP_BC, SaveGridCommand(BC, YEAR, U_OCTUBRE, world.gid("Cirugía"),
                                                world.sid("Cirugía general"),
                                                [shortage_row(world.pid("Anestesia"))]))
        finalize(world)
        started = cap.get(entity_path() + "/reportes/final", follow_redirects=False)
        assert started.status_code == 303, started.text[:300]
        job_page = started.headers["location"]
        assert job_page.startswith("/trabajos/")
        assert "El reporte es grande" in cap.get(job_page).text
        assert run_queue(container) == 1
        assert "Terminado" in cap.get(job_page).text
        assert "Reporte final en PDF de SS:BC" in cap.get("/trabajos").text
        got = cap.get(f"{job_page}/archivo")
        assert got.status_code == 200 and got.content[:4] == b"%PDF"
        assert len(PdfReader(io.BytesIO(got.content)).pages) >= 1

        _limit(container, 10**6)
        at_once = cap.get(entity_path() + "/reportes/final", follow_redirects=False)
        assert at_once.status_code == 200 and at_once.content[:4] == b"%PDF"
    finally:
        container.start_if_large.reset_override()
