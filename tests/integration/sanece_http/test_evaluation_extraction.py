"""The evaluador's form (S14), the Extracción de datos page (S13, the .xlsx downloaded and read
back with openpyxl, every broken window rule listed) and Comentarios o sugerencias (S15),
through the pages, on both databases."""

from __future__ import annotations

import io
from datetime import datetime

from openpyxl import load_workbook

from tests.integration.sanece.support import F_NOT, F_PENDING, F_VALID

from .support import followed, post_form, text_of

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_the_evaluador_registers_a_result(as_user, world):
    evaluador = as_user("evaluador")
    page = f"/sanece/evaluacion/{F_PENDING}"
    form = text_of(evaluador.get(page).text)
    assert "Resultado de la evaluación Validada No Validada" in form
    assert "Periodo (meses):" in form and "5434 frasco ámpula 100 mg" in form
    refused = post_form(evaluador, page, page, {"status": "not_validated"})
    assert refused.status_code == 422 and 'value="not_validated" checked' in refused.text
    incomplete = post_form(evaluador, page, page, {"status": "validated", "key1": "5434",
                                                   "quantity1": "2", "period_months": "61"})
    assert incomplete.status_code == 422
    assert "El periodo debe ser un número entero de 1 a 60 meses." in text_of(incomplete.text)
    assert '<option value="5434" selected>' in incomplete.text
    done = post_form(evaluador, page, page, {"status": "validated", "period_months": "6",
                                             "key1": "5434", "quantity1": "2",
                                             "requirement": "Clave 5434. 2 por ciclo."})
    queue = followed(evaluador, done)
    assert f"Folio {F_PENDING}: Validada; fecha de vencimiento 01/09/2026." in queue
    assert "Mostrando 0 a 0 de 0 registros" in queue
    assert "ya tiene su evaluación registrada (Validada)" in text_of(evaluador.get(page).text)
    again = post_form(evaluador, f"/sanece/evaluacion/{F_NOT}", f"/sanece/evaluacion/{F_NOT}",
                      {"status": "not_validated", "observations": "Sin estudios."})
    assert again.status_code == 409
    director = as_user("dir_a")
    detail = text_of(director.get(f"/sanece/consultar?folio={F_PENDING}").text)
    assert "Estatus Validada Vigente" in detail and "Periodo (meses) 6" in detail


def test_extraction_page_messages_and_workbook(as_user, world):
    director = as_user("dir_a")
    page = "/sanece/extraccion"
    shown = director.get(page).text
    assert 'value="2025-03-10"' in shown and 'value="2026-03-10"' in shown
    bad = post_form(director, page, page, {"start": "2021-01-01", "end": "2026-12-31"})
    assert bad.status_code == 422
    text = text_of(bad.text)
    assert "La fecha de fin no puede ser posterior a hoy (10/03/2026)." in text
    assert "la fecha de inicio debe ser el 10/03/2023 o posterior." in text
    assert "El rango máximo permitido de extracción es de un año" in text
    assert 'value="2021-01-01"' in bad.text  # the form comes back as typed
    reversed_ = post_form(director, page, page, {"start": "2026-03-01", "end": "2026-02-01"})
    assert "La fecha de fin debe ser igual o posterior a la fecha de inicio." in \
        text_of(reversed_.text)
    typo = post_form(director, page, page, {"start": "31/02/2026", "end": "2026-03-01"})
    assert "La fecha de inicio «31/02/2026» no es una fecha válida" in text_of(typo.text)

    xlsx = post_form(director, page, page, {"start": "2025-03-10", "end": "2026-03-10",
                                            "mode": "by_folio"})
    assert xlsx.status_code == 200 and xlsx.headers["content-type"].startswith(XLSX)
    assert xlsx.headers["content-disposition"].startswith("attachment;")
    assert xlsx.content[:2] == b"PK"  # a genuine .xlsx (a ZIP), not HTML renamed
    ws = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref
    rows = {r[0]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    assert F_VALID in rows and rows[F_VALID][1] == datetime(2025, 10, 15)
    only = post_form(director, page, page, {"start": "2025-03-10", "end": "2026-03-10",
                                            "status": "not_validated",
                                            "medicine_id": str(world.medicines[
                                                "TRASTUZUMAB EMTANSINA"])})
    numbers = [r[0] for r in load_workbook(io.BytesIO(only.content)).worksheets[0].iter_rows(
        min_row=2, values_only=True)]
    assert numbers == [F_NOT]
    patients = post_form(director, page, page, {"start": "2025-03-10", "end": "2026-03-10",
                                                "mode": "by_patient"})
    sheet = load_workbook(io.BytesIO(patients.content)).worksheets[0]
    assert sheet.max_row == 5  # header + the 4 patients of the unit


def test_comments_are_stored_for_the_administrators(as_user, world):
    director = as_user("dir_a")
    page = "/sanece/comentarios"
    empty = post_form(director, page, page, {"kind": "failure", "text": "   "})
    assert empty.status_code == 422
    assert "Escribe tu comentario o sugerencia." in text_of(empty.text)
    assert '<option value="failure" selected>' in empty.text
    done = post_form(director, page, page, {"kind": "improvement",
                                            "text": "Un aviso cuando cambie el estatus."})
    assert "Gracias por tu comentario" in followed(director, done)
    received = text_of(as_user("admin").get("/sanece/comentarios-recibidos").text)
    # the role as users know it, not its code
    assert "Propuesta de mejora dir_a Director de la Unidad Médica CAMPECHE (H Gral Zona MF 4) " \
           "Un aviso cuando cambie el estatus." in received
