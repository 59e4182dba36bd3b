"""The pages' table rows kept as HTML by value (``table_rows``): equal rows give the same
kept HTML, a changed row (a new status, an age that grew) gives new HTML, and the HTML is the
template's own (real Jinja engine and templates; no database)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from types import SimpleNamespace

import attrs
from litestar.plugins.jinja import JinjaTemplateEngine

from entrypoints.http.sanece.common import table_rows
from sanece.application.results import FolioRow
from sanece.domain.values import EvaluationStatus, Validity

TEMPLATES = Path(__file__).resolve().parents[3] / "entrypoints" / "http" / "sanece" / "templates"


def _request():
    """What ``table_rows`` reads of a request: the app's template engine and time zone."""
    settings = SimpleNamespace(timezone="America/Mexico_City")
    container = SimpleNamespace(settings=lambda: settings)
    return SimpleNamespace(app=SimpleNamespace(
        state=SimpleNamespace(container=container),
        template_engine=JinjaTemplateEngine(directory=[TEMPLATES])))


ROW = FolioRow(number="20251015001", generic="CERTOLIZUMAB PEGOL", medicine_id=1,
               evaluation_date=date(2025, 10, 15), status=EvaluationStatus.VALIDATED,
               validity=Validity.IN_FORCE, keys_label="5795 (12)",
               expiry_date=date(2026, 4, 15), patient_id=5, nss="1111111111",
               aggregate="1F1980OR", patient_name="PACIENTE PRUEBA PRUEBA", unit_id=1,
               unit_label="CAMPECHE (H Gral Zona MF 4)")


def test_equal_rows_are_kept_and_a_changed_row_is_rendered_again():
    request = _request()
    html = table_rows(request, "sanece/_inicio_rows.html", (ROW,))
    assert '<span class="san-folio">20251015001</span> (CERTOLIZUMAB PEGOL)' in html
    assert 'href="/sanece/consultar?folio=20251015001"' in html
    assert "1111111111-1F1980OR" in html and "15/04/2026" in html and "Vigente" in html
    assert table_rows(request, "sanece/_inicio_rows.html", [attrs.evolve(ROW)]) is html
    expired = table_rows(request, "sanece/_inicio_rows.html",
                         (attrs.evolve(ROW, validity=Validity.EXPIRED),))
    assert "Vencido" in expired and "Vigente" not in expired
