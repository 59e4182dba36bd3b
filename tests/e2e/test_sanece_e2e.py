"""SAnECE in Chromium, on the demo data: the director of CAMPECHE (H Gral Zona MF 4) consults a
folio and downloads its PDF, files each of the five change requests with an attachment (after
a refused attempt), the Catálogo II revisor validates four and rejects one with a reason, the
director reads the statuses and the reason, and extracts one year to Excel. Screenshots are
kept in the test's temporary folder.

The server runs with its request log on (INFO): at the end, no line of it carries a demo
patient's NSS or name (searches by NSS or name are POSTed and redirected to an opaque token;
the homologación window is named by a record's id)."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Iterator

import pytest
from playwright.sync_api import expect
import sqlalchemy as sa
from openpyxl import load_workbook

from shared.adapters.rendering.samples import tiny_pdf, tiny_png

from .conftest import LiveServer

pytestmark = pytest.mark.e2e

DIRECTOR = ("director.campeche", "Demo-2026-DIR")
REVISOR = ("revisor", "Demo-2026-REV")
P1_NSS, TRIO_NSS = "1111111111", "1071533138"
REJECTION = "Falta la nota de contrarreferencia firmada por el médico tratante."


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The shared live server, with the request log (INFO) this module searches."""
    server = LiveServer(tmp_path_factory.mktemp("live"))
    server.env["LOG_LEVEL"] = "INFO"
    server.start()
    yield server
    server.stop()


def _demo_patients(server: LiveServer) -> tuple[set[str], set[str]]:
    """Every demo NSS and patient name (the full name, and both surnames)."""
    engine = sa.create_engine(f"sqlite:///{server.root / 'var' / 'app.db'}")
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT nss, given_names, paternal_surname, "
                                        "maternal_surname FROM san_patients")).all()
    finally:
        engine.dispose()
    nss = {r.nss for r in rows}
    # whole names (a single given name such as PACIENTE would match the /sanece/pacientes path)
    names = {f"{r.given_names} {r.paternal_surname} {r.maternal_surname}" for r in rows} | {
        f"{r.paternal_surname} {r.maternal_surname}" for r in rows}
    return nss, names


def _no_patient_data_in_the_request_log(server: LiveServer) -> None:
    lines = (server.root / "server.log").read_text(errors="replace").splitlines()
    requests = [line for line in lines if '"msg": "request"' in line]
    assert len(requests) > 50, "the request log was not written"
    nss, names = _demo_patients(server)
    assert "1111111111" in nss and len(nss) > 10
    variants = set()
    for name in names:
        for form in (name, name.lower(), name.title()):
            variants |= {form, form.replace(" ", "+"), form.replace(" ", "%20")}
    for line in lines:
        assert not [n for n in nss if n in line], line
        assert not [n for n in variants if n in line], line


def _login(page, url: str, user: tuple[str, str]) -> None:
    page.goto(url + "/login")
    page.get_by_label("Nombre de usuario").fill(user[0])
    page.get_by_label("Contraseña").fill(user[1])
    page.get_by_role("button", name="Iniciar sesión").click()


def _logout(page) -> None:
    page.get_by_role("button", name="Cerrar sesión").click()


def _menu(page, label: str) -> None:
    nav = page.get_by_role("navigation", name="Menú principal")
    toggle = nav.get_by_role("button", name="Menú")
    if toggle.is_visible():  # on a phone the menu is behind one button
        toggle.click()
    nav.get_by_role("link", name=label, exact=True).click()


def _tab(page, label: str) -> None:
    page.get_by_role("navigation", name="Secciones de Cambios").get_by_role(
        "link", name=label).click()


def _flash(page) -> str:
    return page.locator(".flash-success").first.inner_text()


def _error(page) -> str:
    return page.locator(".flash-error").first.inner_text()


def _files(tmp_path: Path) -> dict[str, Path]:
    out = {"vigencia.pdf": tmp_path / "vigencia.pdf", "vigencia.png": tmp_path / "vigencia.png",
           "nota.pdf": tmp_path / "nota.pdf", "programa.pdf": tmp_path / "programa.pdf"}
    out["vigencia.pdf"].write_bytes(tiny_pdf("Vigencia de derechos"))
    out["vigencia.png"].write_bytes(tiny_png())
    out["nota.pdf"].write_bytes(tiny_pdf("Nota del médico tratante"))
    out["programa.pdf"].write_bytes(b"MZ\x90\x00 an executable renamed .pdf")
    return out


def _search_folio(page, number: str) -> None:
    page.get_by_label("folio que deseas").fill(number)
    page.get_by_role("button", name="Buscar").first.click()


def test_director_requests_reviewed_and_extraction(live_server, page, shots, tmp_path):
    live_server.admin("demo", "load")
    files = _files(tmp_path)
    url = live_server.url
    _login(page, url, DIRECTOR)

    # S1/S2: the header and Inicio
    page.wait_for_url(re.compile(r"/sanece/inicio$"))
    header = page.get_by_label("Usuario de la sesión").inner_text()
    assert "Director de la Unidad Médica" in header and "CAMPECHE (H Gral Zona MF 4)" in header
    assert re.search(r"Información al: \d\d-\d\d-\d{4} \d\d:\d\d", page.locator(".info-at")
                     .inner_text())
    assert page.get_by_role("heading", name="Estatus de últimos folios registrados en tu "
                                            "unidad").is_visible()
    assert "Mostrando 1 a 10 de 30 registros" in page.locator(".san-summary").inner_text()
    shots(page, "01-inicio")

    # S3: a bad folio first, then the guide's folio and its PDF
    _menu(page, "Consultar folio")
    _search_folio(page, "2025041407")
    assert "exactamente 11 dígitos" in page.get_by_role("alert").inner_text()
    _search_folio(page, "20250414079")
    assert page.get_by_text("No Validada", exact=True).first.is_visible()
    with page.expect_download() as info:
        page.get_by_role("link", name="Descargar PDF").click()
    download = info.value
    assert download.suggested_filename == "respuesta-sanece-20250414079.pdf"
    assert Path(download.path()).read_bytes().startswith(b"%PDF-")
    shots(page, "02-consultar-folio")

    # The vigente CERTOLIZUMAB PEGOL folio of the guide's patient (Pacientes > Historial)
    _menu(page, "Pacientes")
    page.get_by_label("Buscar:").fill(P1_NSS)
    page.get_by_role("button", name="Buscar").click()
    page.get_by_role("link", name="Historial de evaluaciones de PACIENTE PRUEBA PRUEBA").click()
    row = page.locator("tr", has_text="CERTOLIZUMAB PEGOL").first
    folio = row.locator("td").first.inner_text().strip()
    assert re.fullmatch(r"\d{11}", folio)
    row.get_by_role("link", name="Ver detalle").click()
    expect(page.get_by_role("heading", name=f"Detalle del folio {folio}")).to_be_visible()
    shots(page, "03-historial")

    # S7: cambio de datos — without the vigencia first
    _menu(page, "Cambios")
    page.get_by_role("link", name="Cambio de datos de pacientes").first.click()
    page.get_by_label("Escribe el número de seguridad social (NSS):").fill(P1_NSS)
    page.get_by_role("button", name="Buscar").first.click()
    page.get_by_role("link", name="Solicitar cambio de datos de PACIENTE PRUEBA PRUEBA").click()
    surname = page.get_by_label("Apellido materno:", exact=True)
    assert surname.is_disabled()  # enabled by its check box
    page.get_by_label("Habilitar Apellido materno").check()
    surname.fill("SANECE")
    page.get_by_role("button", name="Solicitar cambio de datos").click()
    assert "Adjunta la vigencia del paciente" in _error(page)
    assert page.get_by_label("Apellido materno:", exact=True).input_value() == "SANECE"
    shots(page, "04-datos-sin-vigencia")
    page.get_by_label("Adjuntar vigencia:").set_input_files(str(files["vigencia.pdf"]))
    page.get_by_role("button", name="Solicitar cambio de datos").click()
    assert "Solicitud registrada" in _flash(page)
    assert page.locator("#solicitudes tr", has_text="PACIENTE PRUEBA SANECE").locator(
        ".san-req").inner_text() == "En espera"

    # S8: homologación with the side-by-side preview
    _tab(page, "Homologación de registros")
    page.get_by_label("Escribe el número de seguridad social (NSS):").fill(TRIO_NSS)
    page.get_by_role("button", name="Buscar").first.click()
    page.get_by_role("link", name="Solicitar Homologación en MARIA DEL ROCIO XXX GOMEZ "
                                  "6F1954PE").click()
    page.get_by_label("Homologar: MARIA DEL ROCIO XXX GOMEZ 2F1954OR").check()
    page.get_by_role("button", name="Ver vista previa").click()
    preview = page.locator("section", has=page.get_by_role("heading",
                                                          name="Vista previa de la homologación"))
    assert "Datos anteriores (Homologar)" in preview.inner_text()
    assert "6F1954PE" in preview.inner_text()
    shots(page, "05-homologacion-vista-previa")
    page.get_by_label("Adjuntar vigencia:").set_input_files(str(files["vigencia.png"]))
    page.get_by_role("button", name="Solicitar homologar registros").click()
    assert "registro(s) por homologar" in _flash(page)

    # S9: ampliación de fecha de vencimiento
    _tab(page, "Cambio de fecha de vencimiento")
    page.get_by_label("Ampliación de fecha de vencimiento.").check()
    _search_folio(page, folio)
    page.get_by_label("Elige el motivo:").select_option("Desabasto")
    page.get_by_label("Detalla el motivo:").fill("No se surtió el medicamento durante dos meses.")
    page.get_by_label("Adjunto 1:").set_input_files(str(files["nota.pdf"]))
    page.get_by_role("button", name="Solicitar Prórroga").click()
    assert "Solicitud registrada" in _flash(page)

    # S10: cambio de unidad médica — an executable renamed .pdf first
    _tab(page, "Cambio de unidad médica")
    _search_folio(page, folio)
    page.get_by_label("Elige el motivo de la solicitud:").select_option("Contrarreferencia")
    page.get_by_label("Detalla el motivo:").fill("El paciente se atenderá en Aguascalientes.")
    page.get_by_label("Elige la OOAD de destino:").select_option(label="AGUASCALIENTES")
    units = page.get_by_label("Elige la unidad médica de destino:")
    units.locator("option", has_text="H Gral Zona 3").wait_for(state="attached")
    units.select_option(label="H Gral Zona 3")
    page.get_by_label("Adjunto 1:").set_input_files(str(files["programa.pdf"]))
    page.get_by_role("button", name="Solicitar Cambio de unidad").click()
    assert "no es un PDF o imagen" in _error(page)
    assert page.get_by_label("Detalla el motivo:").input_value() == \
        "El paciente se atenderá en Aguascalientes."
    shots(page, "06-unidad-archivo-no-valido")
    page.get_by_label("Adjunto 1:").set_input_files(str(files["nota.pdf"]))
    page.get_by_role("button", name="Solicitar Cambio de unidad").click()
    assert "Solicitud registrada" in _flash(page)

    # S11: cambio de requerimiento
    _tab(page, "Cambio de requerimiento")
    _search_folio(page, folio)
    assert page.get_by_text("CERTOLIZUMAB PEGOL").first.is_visible()
    page.get_by_label("Selecciona clave 1:").select_option("5796")
    page.get_by_label("Cantidad clave 1:").fill("2")
    page.get_by_label("Requerimiento:").fill("Clave 5796 Certolizumab pegol jeringa prellenada. "
                                             "Dos jeringas al mes.")
    page.get_by_label("Elige el motivo:").select_option("Ajuste de dosis")
    page.get_by_label("Adjunto 1:").set_input_files(str(files["nota.pdf"]))
    page.get_by_label("Detalla el motivo de cambio:").fill("Ajuste por peso del paciente.")
    page.get_by_role("button", name="Solicitar cambio de Requerimiento").click()
    assert "Solicitud registrada" in _flash(page)
    shots(page, "07-requerimiento-en-espera")
    _logout(page)

    # S12: the revisor validates four requests and rejects the unit change
    _login(page, url, REVISOR)
    page.wait_for_url(re.compile(r"/sanece/revision$"))
    page.on("dialog", lambda dialog: dialog.accept())  # the "¿Validar…?" confirmation
    shots(page, "08-cola-de-revision")

    def open_request(type_label: str, search: str) -> None:
        page.goto(f"{url}/sanece/revision")
        page.get_by_label("Tipo de solicitud").select_option(label=type_label)
        page.get_by_label("Buscar").fill(search)
        page.get_by_role("button", name="Filtrar").click()
        assert "Mostrando 1 a 1 de 1 registro" in page.locator(".san-summary").inner_text()
        page.get_by_role("link", name=re.compile(r"^Revisar la solicitud \d+$")).click()

    open_request("Cambio de datos de paciente", P1_NSS)
    assert "SANECE" in page.locator(".san-changes").inner_text()
    page.get_by_role("button", name="Validado", exact=True).click()
    assert "Validado. El cambio se aplicó" in _flash(page)

    open_request("Homologación de registros", TRIO_NSS)
    # the reviewer sees both records and the folios that will move, and opens the vigencia
    assert "pasarán al registro correcto" in page.locator(".san-moves").inner_text()
    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile(r"^Adjunto 1:")).click()
    assert Path(info.value.path()).read_bytes()[:4] in (b"%PDF", b"\x89PNG", b"\xff\xd8\xff\xe0")
    page.get_by_role("button", name="Validado", exact=True).click()
    assert "Validado. El cambio se aplicó" in _flash(page)

    open_request("Ampliación de fecha de vencimiento", folio)
    original = re.search(r"Fecha de vencimiento original: (\d\d/\d\d/\d{4})",
                         page.locator(".san-decide").inner_text()).group(1)
    final = datetime.strptime(original, "%d/%m/%Y").date() + timedelta(days=61)
    page.get_by_label("Fecha final (nueva fecha de vencimiento):").fill(final.isoformat())
    shots(page, "09-revisar-ampliacion")
    page.get_by_role("button", name="Validado", exact=True).click()
    assert f"→ {final:%d/%m/%Y}" in _flash(page)

    open_request("Cambio de requerimiento", folio)
    page.get_by_role("button", name="Validado", exact=True).click()
    assert "Validado. El cambio se aplicó" in _flash(page)

    open_request("Cambio de unidad médica", folio)
    page.get_by_label("Motivo (lo verá el director en «Revisar»):").fill(REJECTION)
    page.get_by_role("button", name="No Validado", exact=True).click()
    assert "No Validado" in _flash(page)
    _logout(page)

    # The director reads the statuses and the reason, and the PDF shows the change
    _login(page, url, DIRECTOR)
    _menu(page, "Cambios")
    page.get_by_role("link", name="Cambio de unidad médica").first.click()
    row = page.locator("#solicitudes tr", has_text=folio)
    assert "No Validado" in row.inner_text()
    row.get_by_text("Revisar", exact=True).click()
    assert REJECTION in row.locator(".san-revisar-body").inner_text()
    shots(page, "10-director-motivo-no-validado")
    _tab(page, "Cambio de fecha de vencimiento")
    assert f"{final:%d/%m/%Y}" in page.locator("#solicitudes tr", has_text=folio).inner_text()
    _tab(page, "Cambio de requerimiento")
    assert "Validado" in page.locator("#solicitudes tr", has_text=folio).inner_text()
    _tab(page, "Cambio de datos de pacientes")
    assert "Validado" in page.locator("#solicitudes tr",
                                      has_text="PACIENTE PRUEBA SANECE").inner_text()
    _tab(page, "Homologación de registros")
    assert "Validado" in page.locator("#solicitudes tr", has_text=TRIO_NSS).first.inner_text()
    _menu(page, "Consultar folio")
    _search_folio(page, folio)
    detail = page.locator(".san-detail").inner_text()
    assert "5796" in detail and "PRUEBA SANECE PACIENTE" in detail and f"{final:%d/%m/%Y}" in detail

    # S13: one year to Excel
    _menu(page, "Extracción")
    with page.expect_download() as info:
        page.get_by_role("button", name="Exportar a Excel").click()
    xlsx = info.value
    assert xlsx.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(Path(xlsx.path()).read_bytes())).worksheets[0]
    assert sheet.cell(1, 1).value == "Folio" and sheet.max_row > 5
    assert folio in [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)]
    shots(page, "11-extraccion")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: Inicio still reads
    _menu(page, "Inicio")
    assert page.get_by_role("heading", name="Estatus de últimos folios registrados en tu "
                                            "unidad").is_visible()
    shots(page, "12-inicio-telefono")
    # Buscar by a name, and the URL the browser shows carries only a token
    page.get_by_label("Buscar:").fill("maria del rocio")
    page.get_by_role("button", name="Buscar").click()
    assert "maria" not in page.url.lower() and "?b=" in page.url
    assert "registro" in page.locator(".san-summary").first.inner_text()
    _no_patient_data_in_the_request_log(live_server)
