"""Decisions beyond Validado / No Validado in Chromium, on the demo data (issue 16): the
director files a cambio de requerimiento, the Catálogo II revisor asks for information, the
director sees it on Inicio and answers with a new attachment, the revisor validates with a
modified quantity, and the director reads requested → authorized and downloads the response
PDF with the authorized quantity. (The notification step is added with the inbox.)"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from shared.adapters.rendering.samples import tiny_pdf

from .conftest import log_in

pytestmark = pytest.mark.e2e

DIRECTOR = ("director.campeche", "Demo-2026-DIR")
REVISOR = ("revisor", "Demo-2026-REV")
P1_NSS = "1111111111"


def _menu(page, label: str) -> None:
    page.get_by_role("navigation", name="Menú principal").get_by_role(
        "link", name=label, exact=True).click()


def _flash(page) -> str:
    return page.locator(".flash-success").first.inner_text()


def test_pend_answer_and_validate_with_a_modified_quantity(live_server, page, shots,
                                                            tmp_path):
    live_server.admin("demo", "load")
    url = live_server.url
    note, receta = tmp_path / "nota.pdf", tmp_path / "receta.pdf"
    note.write_bytes(tiny_pdf("Nota del médico tratante"))
    receta.write_bytes(tiny_pdf("Receta con la dosis ajustada"))

    # the director files a cambio de requerimiento on the guide patient's folio
    log_in(page, url, DIRECTOR)
    _menu(page, "Pacientes")
    page.get_by_label("Buscar:").fill(P1_NSS)
    page.get_by_role("button", name="Buscar").click()
    page.get_by_role("link", name="Historial de evaluaciones de PACIENTE PRUEBA PRUEBA").click()
    folio = page.locator("tr", has_text="CERTOLIZUMAB PEGOL").first.locator(
        "td").first.inner_text().strip()
    page.goto(f"{url}/sanece/cambios/requerimiento")
    page.get_by_label("folio que deseas").fill(folio)
    page.get_by_role("button", name="Buscar").first.click()
    page.get_by_label("Selecciona clave 1:").select_option("5796")
    page.get_by_label("Cantidad clave 1:").fill("2")
    page.get_by_label("Requerimiento:").fill("Clave 5796 jeringa prellenada. Dos al mes.")
    page.get_by_label("Elige el motivo:").select_option("Ajuste de dosis")
    page.get_by_label("Adjunto 1:").set_input_files(str(note))
    page.get_by_label("Detalla el motivo de cambio:").fill("Ajuste por peso del paciente.")
    page.get_by_role("button", name="Solicitar cambio de Requerimiento").click()
    assert "Solicitud registrada" in _flash(page)
    page.get_by_role("button", name="Cerrar sesión").click()

    # the revisor asks for information
    log_in(page, url, REVISOR)
    page.wait_for_url(re.compile(r"/sanece/revision$"))
    page.get_by_label("Tipo de solicitud").select_option(label="Cambio de requerimiento")
    page.get_by_label("Buscar").fill(folio)
    page.get_by_role("button", name="Filtrar").click()
    page.get_by_role("link", name=re.compile(r"^Revisar la solicitud \d+$")).click()
    request_url = page.url
    page.get_by_label("Clave del motivo de la información solicitada:").select_option(
        "DOC-INCOMPLETA")
    page.get_by_label("Qué información falta:").fill("Adjunte la receta con la dosis ajustada.")
    page.get_by_role("button", name="Requiere información", exact=True).click()
    assert "Requiere información (DOC-INCOMPLETA)" in _flash(page)
    shots(page, "01-requiere-informacion")
    page.get_by_role("button", name="Cerrar sesión").click()

    # the director sees it on Inicio and answers with a new attachment
    log_in(page, url, DIRECTOR)
    page.wait_for_url(re.compile(r"/sanece/inicio$"))
    waiting = page.get_by_role("region", name="Solicitudes que requieren información")
    assert "Adjunte la receta con la dosis ajustada." in waiting.inner_text()
    waiting.get_by_role("link", name=re.compile(f"folio {folio}")).click()
    page.get_by_label("Nota de respuesta:").fill("Se adjunta la receta.")
    page.get_by_label("Adjunto 1 (obligatorio):").set_input_files(str(receta))
    page.get_by_role("button", name="Enviar respuesta").click()
    assert "regresó a la cola" in _flash(page)
    assert "receta.pdf" in page.get_by_role("region", name="Información solicitada y "
                                                           "respuestas").inner_text()
    shots(page, "02-respuesta")
    page.get_by_role("button", name="Cerrar sesión").click()

    # the revisor validates with a modified quantity
    log_in(page, url, REVISOR)
    page.goto(request_url)
    page.on("dialog", lambda dialog: dialog.accept())  # "¿Validar…?"
    page.get_by_label("Cantidad clave 1 autorizada:").fill("3")
    page.get_by_role("button", name="Validado", exact=True).click()
    assert "Validado con modificación" in _flash(page)
    page.get_by_role("button", name="Cerrar sesión").click()

    # the director is told: the header's Avisos carries the unread count, the notice names
    # the decision and opens the request
    log_in(page, url, DIRECTOR)
    inbox = page.locator("a.inbox-link")
    assert re.search(r"Avisos \d+\s+sin leer", inbox.inner_text()), inbox.inner_text()
    inbox.click()
    page.wait_for_url(re.compile(r"/avisos$"))
    notice = page.get_by_role("button", name=re.compile(
        rf"Solicitud \d+ .*folio {folio}: Validado con modificación"))
    notice.first.click()
    page.wait_for_url(request_url)

    # the director reads requested → authorized and downloads the PDF with what was authorized
    authorized = page.locator("table", has_text="Solicitado → Autorizado").inner_text()
    assert re.search(r"Cantidad clave 1\s+2\s+→\s+3", authorized)
    shots(page, "03-autorizado")
    with page.expect_download() as info:
        page.get_by_role("link", name="PDF de la respuesta del SAnECE").click()
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(
        Path(info.value.path()).read_bytes())).pages)
    assert re.search(r"Clave 1: 5796 [^\n]*— Cantidad: 3\n", text), text
    # the response states its version and the one it replaces
    assert re.search(r"Versión \d+, \d\d/\d\d/\d{4} \(reemplaza a la versión \d+ del", text), text
