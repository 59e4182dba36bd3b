"""A capturista goes through Pasos 1–9 in Chromium, by the labels of the guides, and the
coordinador reopens the entity. Screenshots are kept in the test's temporary folder.

Data: the small demo (``sanece-admin demo load``): Secretaría de Salud, entity
AGUASCALIENTES (not started), its capturista and the institution's coordinador.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from .conftest import log_in

pytestmark = pytest.mark.e2e

CAPTURISTA = ("capturista.ss.as", "Demo-2026-CAP")
COORDINADOR = ("coordinador.ss", "Demo-2026-COO")
ENTITY = "AGUASCALIENTES"
UNIT = "CASA DE SALUD SAN JUAN, PRIMER NIVEL"


@pytest.fixture(scope="module")
def demo(live_server):
    live_server.admin("demo", "load")
    return live_server


def pdf_text(path: Path) -> str:
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    return "\n".join(p.extract_text() for p in reader.pages)


def cell(page, name: str):
    """A Paso 6 input by its accessible name: column heading(s) + product, as a screen reader
    reads it ("Faltante Ambulatoria Anestesia")."""
    return page.get_by_role("textbox", name=name, exact=True)


def dashboard_row(page):
    return page.locator("table.exc-dashboard tbody tr", has_text=ENTITY)


def test_capturista_pasos_1_to_9_then_coordinador_reopens(demo, browser, page, shots, tmp_path):
    confirmations: list[str] = []

    def accept(dialog):
        confirmations.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    grid_posts: list[dict[str, list[str]]] = []  # what the Paso 6 form sent
    page.on("request", lambda r: grid_posts.append(parse_qs(r.post_data or ""))
            if r.method == "POST" and "/productos" in r.url else None)
    log_in(page, demo.url, CAPTURISTA)

    # Paso 1: the tablero, own row actionable
    assert page.get_by_role("heading", name="Captura del periodo").is_visible()
    assert page.get_by_text("Paso 1.- Seleccionar la Entidad Federativa").is_visible()
    shots(page, "01-tablero")
    # the Preliminar (Sin Validez Oficial) is available before anything is captured
    with page.expect_download() as got:
        dashboard_row(page).get_by_role("link", name="Preliminar").click()
    preliminary = tmp_path / "preliminar.pdf"
    got.value.save_as(preliminary)
    text = pdf_text(preliminary)
    assert "Sin Validez Oficial." in text
    assert f"La Entidad Federativa {ENTITY} aún no cierra el registro de información." in text
    dashboard_row(page).get_by_role("link", name=ENTITY).click()

    # Paso 2: SI
    question = page.get_by_label(re.compile(r"^Paso 2\.- ¿Alguna de las Unidades Médicas"))
    question.select_option("SI")
    shots(page, "02-paso2")
    page.get_by_role("button", name="Guardar").click()
    expect(page.get_by_text("Respuesta guardada: SI.")).to_be_visible()

    # Paso 3: the units under their level headings; search, then pick one
    assert page.get_by_text("Paso 3.- Del siguiente listado").is_visible()
    assert page.locator("tr.level", has_text="PRIMER NIVEL").first.is_visible()
    page.get_by_label("Buscar unidad médica (CLUES o nombre)").fill("san juan")
    page.get_by_role("button", name="Buscar").click()
    shots(page, "03-paso3")
    page.get_by_role("link", name=UNIT).click()

    # Paso 4: the service group, Paso 5: the especialidad troncal
    assert page.get_by_text("Paso 4.- Seleccionar el grupo de servicio").is_visible()
    shots(page, "04-paso4")
    page.get_by_role("link", name="Cirugía", exact=True).click()
    expect(page.get_by_text("Paso 5.- Seleccionar la especialidad troncal")).to_be_visible()
    shots(page, "05-paso5")
    page.get_by_role("link", name="Cirugía general").click()

    # Paso 6: the filter works as you type
    assert page.get_by_text("Paso 6.- Llenar la siguiente tabla").is_visible()
    rows = page.locator("#grid tbody tr")
    total = rows.count()
    page.get_by_label("Buscar producto").fill("anest")
    expect(page.locator("#grid tbody tr:visible")).to_have_count(1)
    expect(page.locator("#grid-count")).to_have_text(re.compile(r"^1 de "))
    page.get_by_label("Buscar producto").fill("")
    expect(page.locator("#grid tbody tr:visible")).to_have_count(total)

    # one invalid row (a faltante without cause nor patients) and one valid row
    cell(page, "Faltante Ambulatoria Anestesia").fill("12")
    cell(page, "Excedente Hospitalaria Dilatación de esófago").fill("5")
    cell(page, "Pacientes Mensuales Dilatación de esófago").fill("4")
    page.get_by_role("button", name="Guardar").click()
    expect(page.get_by_text("No se guardó ningún dato")).to_be_visible()
    assert page.get_by_text("El faltante requiere la causa principal.").is_visible()
    assert cell(page, "Faltante Ambulatoria Anestesia").input_value() == "12"
    assert cell(page, "Excedente Hospitalaria Dilatación de esófago").input_value() == "5"
    shots(page, "06-paso6-errores")
    # fixed
    page.get_by_role("combobox", name="Causa Anestesia").fill("Falta de Equipo")
    cell(page, "Pacientes Mensuales Anestesia").fill("10")
    page.get_by_role("button", name="Guardar").click()
    expect(page.get_by_text("Información guardada: 2 registros nuevos o modificados")).to_be_visible()
    # excedentes.js posts only the rows changed, each with the values it started from
    sent = grid_posts[-1]
    assert len(sent["p"][0].split()) == 2 and sent["version"] == ["0"]
    assert not any(k.startswith("fa") and k[2:] not in sent["p"][0].split() for k in sent)
    assert any("datos son correctos" in m for m in confirmations)
    shots(page, "07-paso6-guardado")

    # Paso 7: finalize with the user's password
    page.get_by_role("link", name="Inicio").first.click()
    dashboard_row(page).get_by_role("link", name="Finalizar Reporte").click()
    expect(page.get_by_text("¿Está seguro de cerrar el registro de información?")).to_be_visible()
    page.get_by_label("¿Desea finalizar el registro?").select_option("SI")
    page.get_by_label("Ingresar contraseña:").fill(CAPTURISTA[1])
    shots(page, "08-paso7")
    page.get_by_role("button", name="Guardar").click()
    assert "¿Está seguro de cerrar el registro de información?" in confirmations
    assert page.get_by_text("Registro finalizado. Folio SS-").is_visible()

    # Paso 8: the Versión Final, with the folio and no watermark
    with page.expect_download() as got:
        page.get_by_role("link", name="Versión Final").click()
    final = tmp_path / "final.pdf"
    got.value.save_as(final)
    text = pdf_text(final)
    assert "Sin Validez Oficial" not in text and "Anestesia" in text and "SS-" in text
    shots(page, "09-paso8")

    # Paso 9: upload the signed PDF, then "Consultar/Modificar"
    page.get_by_role("link", name="Inicio").first.click()
    dashboard_row(page).get_by_role("link", name="Subir").click()
    expect(page.get_by_text("Solo se aceptan archivos PDF con un peso máximo de 150 Megabytes.")).to_be_visible()
    page.get_by_label("Subir pdf firmado").set_input_files(str(final))
    page.get_by_role("button", name="Guardar").click()
    expect(page.get_by_text("Reporte firmado guardado")).to_be_visible()
    assert page.get_by_role("heading", name="Consultar/Modificar").is_visible()
    with page.expect_download() as got:
        page.get_by_role("link", name="Consultar PDF subido").click()
    assert Path(got.value.path()).read_bytes() == final.read_bytes()
    shots(page, "10-paso9")
    page.get_by_role("link", name="Inicio").first.click()
    assert dashboard_row(page).get_by_role("link", name="Consultar/Modificar").is_visible()
    shots(page, "11-tablero-final")

    # the coordinador reopens the entity with a reason
    context = browser.new_context(locale="es-MX", viewport={"width": 1366, "height": 768})
    coordinador = context.new_page()
    coordinador.set_default_timeout(15000)
    coordinador.on("dialog", lambda d: d.accept())
    log_in(coordinador, demo.url, COORDINADOR)
    dashboard_row(coordinador).get_by_role("link", name="Apertura").click()
    coordinador.get_by_label("Motivo de la apertura").fill("Corregir los pacientes de Anestesia")
    shots(coordinador, "12-apertura")
    coordinador.get_by_role("button", name="Registrar apertura").click()
    assert coordinador.get_by_text("Apertura registrada para SS:AS").is_visible()
    assert dashboard_row(coordinador).get_by_text("Finalizar Reporte").is_visible()
    shots(coordinador, "13-tablero-reabierto")
    context.close()

    # the capturista may capture again
    page.reload()
    assert dashboard_row(page).get_by_role("link", name="Finalizar Reporte").is_visible()


def test_review_return_outlier_with_comment_then_accept(demo, browser, page, shots, tmp_path):
    """Issue 15, as its users live it: the capturista finalizes and uploads; the coordinador
    returns the report with a coded reason; the capturista sees the reason, corrects a value
    flagged as an outlier (3 de Octubre reported 6 monthly patients of Anestesia last year;
    900 now is refused without a comment, kept with one), finalizes and uploads again; the
    coordinador sees the outlier and its comment in the review, accepts (bulk accept, with its
    confirmation) and the tablero says Aceptado. Entity: BAJA CALIFORNIA (SS), capturing
    again after the first test's apertura."""
    capturista, code, entity = ("capturista.ss.bc", "Demo-2026-CAP"), "BC", "BAJA CALIFORNIA"
    page.on("dialog", lambda d: d.accept())

    def row(p):  # BAJA CALIFORNIA's row, not BAJA CALIFORNIA SUR's
        return p.locator("table.exc-dashboard tbody tr").filter(
            has=p.get_by_role("link", name=entity, exact=True))

    log_in(page, demo.url, capturista)

    def finalize_and_upload(name: str) -> None:
        page.goto(demo.url + "/excedentes/tablero")
        row(page).get_by_role("link", name="Finalizar Reporte").click()
        page.get_by_label("¿Desea finalizar el registro?").select_option("SI")
        page.get_by_label("Ingresar contraseña:").fill(capturista[1])
        page.get_by_role("button", name="Guardar").click()
        expect(page.get_by_text("Registro finalizado. Folio SS-")).to_be_visible()
        with page.expect_download() as got:
            page.get_by_role("link", name="Versión Final").click()
        signed = tmp_path / name
        got.value.save_as(signed)
        page.get_by_role("link", name="Inicio").first.click()
        row(page).get_by_role("link", name="Subir").click()
        page.get_by_label("Subir pdf firmado").set_input_files(str(signed))
        page.get_by_role("button", name="Guardar").click()
        expect(page.get_by_text("Reporte firmado guardado")).to_be_visible()
        expect(page.locator(".exc-review .review-badge")).to_have_text("Firmado")

    finalize_and_upload("firmado-1.pdf")
    shots(page, "r01-firmado")

    context = browser.new_context(locale="es-MX", viewport={"width": 1366, "height": 768})
    coordinador = context.new_page()
    coordinador.set_default_timeout(15000)
    coordinador.on("dialog", lambda d: d.accept())
    log_in(coordinador, demo.url, COORDINADOR)
    row(coordinador).get_by_role("link", name="Firmado").click()
    coordinador.get_by_label("Motivo", exact=True).select_option("DATOS-INC")
    coordinador.get_by_label("Observaciones para la entidad").fill(
        "Revise los pacientes de Anestesia de 3 de Octubre")
    shots(coordinador, "r02-revision")
    coordinador.get_by_role("button", name="Devolver para corrección").click()
    assert coordinador.get_by_text("Se devolvió para corrección el reporte").is_visible()
    expect(row(coordinador).locator(".review-badge")).to_have_text("Devuelto")
    coordinador.get_by_label("Estado de revisión", exact=True).select_option("devuelto")
    coordinador.get_by_role("button", name="Filtrar").click()
    expect(row(coordinador)).to_have_count(1)

    # the capturista sees the reason on the entity's pages, and may capture again
    page.goto(demo.url + "/excedentes/tablero")
    row(page).get_by_role("link", name=entity).click()
    notice = page.locator(".exc-returned")
    expect(notice).to_contain_text("DATOS-INC")
    expect(notice).to_contain_text("Revise los pacientes de Anestesia de 3 de Octubre")
    shots(page, "r03-devuelto")

    # the correction: a value far from last year's is warned, kept only with a comment
    page.goto(demo.url + f"/excedentes/entidades/SS/{code}/2026/unidades")
    expect(page.locator(".exc-returned")).to_contain_text("DATOS-INC")
    page.get_by_role("link", name="3 DE OCTUBRE, PRIMER NIVEL").click()
    page.get_by_role("link", name="Cirugía", exact=True).click()
    page.get_by_role("link", name="Cirugía general").click()
    cell(page, "Faltante Ambulatoria Anestesia").fill("3")
    page.get_by_role("combobox", name="Causa Anestesia").fill("Falta de Personal")
    cell(page, "Pacientes Mensuales Anestesia").fill("900")
    page.get_by_role("button", name="Guardar").click()
    warning = ("Valor atípico: 900 pacientes mensuales; en 2025 esta unidad reportó 6. Si es "
               "correcto, escriba un comentario que lo explique; si no, corríjalo.")
    assert page.get_by_text("No se guardó ningún dato: corrija 1 error señalado").is_visible()
    assert page.get_by_text(warning).is_visible()
    assert cell(page, "Pacientes Mensuales Anestesia").input_value() == "900"
    shots(page, "q1-valor-atipico")
    comment = "Se sumó la demanda del hospital vecino cerrado por obra"
    cell(page, "Comentario Anestesia").fill(comment)
    page.get_by_role("button", name="Guardar").click()
    expect(page.get_by_text("Información guardada: 1 registro nuevo o modificado")).to_be_visible()
    page.reload()
    assert cell(page, "Comentario Anestesia").input_value() == comment
    assert page.get_by_text("Valor atípico: 900 pacientes mensuales; en 2025 esta unidad "
                            "reportó 6").is_visible()
    shots(page, "q2-comentario")
    finalize_and_upload("firmado-2.pdf")
    expect(page.locator(".exc-returned")).to_have_count(0)

    # the review shows the outlier and its comment; its list leads to the value's history
    coordinador.goto(demo.url + f"/excedentes/entidades/SS/{code}/2026/revision")
    outliers = coordinador.get_by_role("region", name="Valores atípicos del reporte")
    expect(outliers).to_contain_text(comment)
    expect(outliers).to_contain_text("900 pacientes mensuales; en 2025 esta unidad reportó 6")
    coordinador.get_by_role("link", name="lista completa con su historial").click()
    listed = coordinador.locator("main table tbody tr", has_text="Anestesia")
    listed.get_by_role("link", name="Ver historial").click()
    assert coordinador.get_by_text("capturista.ss.bc").first.is_visible()
    assert coordinador.get_by_text("Faltante Ambulatoria: 3 eventos, 900 pacientes "
                                   "(Falta de Personal)").is_visible()
    shots(coordinador, "q3-coordinador")

    # bulk accept from the tablero: the confirmation lists the entity first
    coordinador.goto(demo.url + "/excedentes/tablero")
    row(coordinador).get_by_role("checkbox", name=f"Aceptar {entity}", exact=True).check()
    coordinador.get_by_role("button", name="Aceptar seleccionadas").click()
    assert coordinador.get_by_text(f"{code} — {entity}").first.is_visible()
    shots(coordinador, "r04-confirmar")
    coordinador.get_by_role("button", name="Confirmar y aceptar").click()
    assert coordinador.get_by_text(f"Se aceptó 1 reporte: {code}.").is_visible()
    expect(row(coordinador).locator(".review-badge")).to_have_text("Aceptado")
    shots(coordinador, "r05-aceptado")
    context.close()

    # accepted: read-only for the capturista, saying who accepted it
    page.goto(demo.url + "/excedentes/tablero")
    row(page).get_by_role("link", name=entity).click()
    expect(page.locator(".exc-review")).to_contain_text("aceptó el reporte")
    expect(page.locator(".exc-review")).to_contain_text("coordinador.ss")
