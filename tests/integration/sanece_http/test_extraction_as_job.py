"""Extracción de datos above ``JOBS_SANECE_EXTRACTION_ROWS`` folios (3 here; the unit has 6 in
the window): the page starts a job and sends the director to its page; the worker prepares
the same workbook, found in «Mis descargas». Below the limit it still answers at once."""

from __future__ import annotations

import io

from dependency_injector import providers
from openpyxl import load_workbook

from shared.jobs.application import StartIfLarge
from tests.integration.jobs.conftest import run_queue

from .support import post_form

WINDOW = {"start": "2025-03-10", "end": "2026-03-10", "mode": "by_folio"}


def test_a_large_extraction_becomes_a_job(as_user, container, world):
    page = "/sanece/extraccion"
    container.start_if_large.override(providers.Factory(
        StartIfLarge, start=container.start_job.provider, limits={"sanece-extraction": 3}))
    director = as_user("dir_a")
    started = post_form(director, page, page, WINDOW)
    assert started.status_code in (302, 303), started.text[:300]
    job_page = started.headers["location"]
    assert job_page.startswith("/trabajos/")
    shown = director.get(job_page).text
    assert "La extracción es grande: se prepara como un trabajo" in shown
    assert run_queue(container) == 1
    assert "Terminado" in director.get(job_page).text
    listed = director.get("/trabajos").text
    assert "Extracción SAnECE de la unidad" in listed
    got = director.get(f"{job_page}/archivo")
    assert got.status_code == 200 and got.content[:2] == b"PK"
    rows = list(load_workbook(io.BytesIO(got.content)).worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 7  # header + the 6 folios

    container.start_if_large.override(providers.Factory(
        StartIfLarge, start=container.start_job.provider, limits={"sanece-extraction": 6}))
    at_once = post_form(director, page, page, WINDOW)
    assert at_once.status_code == 200 and at_once.content[:2] == b"PK"
    container.start_if_large.reset_override()
