"""The ``exchange-analysis`` job kind on both databases: the analysis runs (saved, as the
owner) and its workbook or PDF is the job's file; a capturista is refused at once; a broken
rule of the analysis fails the job with its Spanish message and what to do."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from shared.jobs.domain import RULE_ADVICE, JobStatus, Requester
from shared.kernel.errors import PermissionDenied, ValidationError
from shared.kernel.scope import Actor, Role
from tests.helpers import make_user
from tests.integration.excedentes.support import YEAR
from tests.integration.exchange.support import load_exchange_world

from .conftest import run_queue


@pytest.fixture
def admin(container):
    load_exchange_world(container.excedentes)
    view = make_user(container, "admin.xch", Role.ADMIN)
    return Requester(view.id, view.username, Role.ADMIN.value, None)


def _done(container, owner, kind_params):
    view = container.start_job()(owner, "exchange-analysis", kind_params)
    assert run_queue(container) == 1
    done = container.get_job()(owner, view.id)
    assert done.status is JobStatus.DONE, done.error
    opened = container.open_job_result()(owner, view.id)
    with opened.stream as fh:
        return done, fh.read()


def test_the_analysis_and_its_workbook_run_as_a_job(container, admin):
    done, data = _done(container, admin, {"year": YEAR})
    assert done.description == f"Análisis de intercambio {YEAR} (Excel)"
    assert done.filename.startswith("oportunidades-intercambio-analisis-")
    wb = load_workbook(io.BytesIO(data), read_only=True)
    assert wb.sheetnames == ["Resumen", "Comparación", "Potencial", "Productos", "Intercambios"]
    analysis_id = int(done.filename.removesuffix(".xlsx").rsplit("-", 1)[1])
    saved = container.exchange.queries().analysis(Actor.admin("admin.xch"), analysis_id)
    assert saved.created_by == "admin.xch" and saved.year == YEAR  # saved, as its owner


def test_the_pdf_summary_runs_as_a_job(container, admin):
    done, data = _done(container, admin, {"year": YEAR, "format": "pdf"})
    assert done.filename.endswith(".pdf") and data.startswith(b"%PDF")
    assert len(PdfReader(io.BytesIO(data)).pages) >= 1


def test_refused_at_once_or_failed_with_the_rules_message(container, admin):
    cap = make_user(container, "cap.xch", Role.CAPTURISTA, "SS:BS")
    with pytest.raises(PermissionDenied):
        container.start_job()(Requester(cap.id, cap.username, "capturista", "SS:BS"),
                              "exchange-analysis", {"year": YEAR})
    with pytest.raises(ValidationError):
        container.start_job()(admin, "exchange-analysis", {"year": YEAR, "format": "docx"})
    view = container.start_job()(admin, "exchange-analysis", {"year": YEAR - 5})  # no period
    run_queue(container)
    failed = container.get_job()(admin, view.id)
    assert failed.status is JobStatus.FAILED and failed.error.endswith(RULE_ADVICE)
