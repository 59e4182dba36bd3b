"""Exchange opportunities in Chromium: a coordinador runs an analysis of the demo from the
form, reads the national view and its SVG charts, drills down from a state by keyboard, and
a capturista of the institution reads the same analysis inside its scope.

Agreements (issue 17), in the same server and demo: a coordinador proposes an agreement from
a proposed exchange of an analysis, the providing party accepts it with fewer patients,
downloads the agreement's PDF, records a month of services, and the national figures of the
loop (patients under agreements, patients served) move by what was agreed and served. The
small demo's exchanges between two entities are within one institution (IMSS's OOAD Hidalgo
requests, its OOAD Edo. de Méx. Oriente provides), so IMSS's coordinación answers for the
providing entity, in a session of its own."""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

pytestmark = pytest.mark.e2e


def _login(page, url: str, username: str, password: str) -> None:
    page.goto(url + "/login")
    page.get_by_label("Nombre de usuario").fill(username)
    page.get_by_label("Contraseña").fill(password)
    page.get_by_role("button", name="Iniciar sesión").click()


def test_coordinador_runs_and_reads_an_analysis(live_server, page, shots):
    live_server.admin("demo", "load")
    _login(page, live_server.url, "coordinador.ss", "Demo-2026-COO")
    page.get_by_role("navigation", name="Menú principal").get_by_role(
        "link", name="Oportunidades de intercambio").click()
    assert page.locator("h1").inner_text() == "Oportunidades de intercambio"
    page.get_by_role("link", name="Nuevo análisis").click()
    form = page.locator("#nuevo")
    assert form.get_by_label("2. Mismo estado").is_checked()
    form.get_by_label("Mínimo de pacientes por intercambio").fill("1")
    form.get_by_role("button", name="Ejecutar análisis").click()
    page.wait_for_url(re.compile(r"/intercambios/\d+$"))
    assert "guardado" in page.get_by_role("status").first.inner_text()
    charts = page.locator("svg.chart")
    assert charts.count() == 4
    for i in range(4):  # readable at 1366x768: each chart is drawn at a legible size
        box = charts.nth(i).bounding_box()
        assert box is not None and 600 <= box["width"] <= 1000
    assert page.get_by_role("figure", name="Faltantes y excedentes por estado").is_visible()
    shots(page, "01-vista-nacional")

    # Drill-down from a state's label in the chart, with the keyboard.
    link = page.locator("#grafica-balance a").first
    state = link.locator("text").first.text_content().strip()
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/propuestas\?estado=\d\d"))
    assert page.get_by_role("heading", name="Intercambios propuestos").is_visible()
    assert page.get_by_label("Estado").locator("option:checked").inner_text() == state
    shots(page, "02-propuestas-del-estado")

    # The capturista of Baja California (SS) sees the analysis, only its part.
    page.get_by_role("button", name="Cerrar sesión").click()
    _login(page, live_server.url, "capturista.ss.bc", "Demo-2026-CAP")
    page.goto(live_server.url + "/intercambios")
    assert page.get_by_role("link", name="Nuevo análisis").count() == 0
    page.locator("table").get_by_role("link").first.click()
    assert "BAJA CALIFORNIA (SS)" in page.locator(".xch-sub").inner_text()
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: the page still reads
    shots(page, "03-capturista-telefono")
    assert page.get_by_role("heading", name="Potencial de intercambio por estado").is_visible()


def _signed_in(page, url: str, username: str, password: str) -> None:
    _login(page, url, username, password)
    page.wait_for_url(lambda u: "/login" not in u)


def _figures(page, url: str) -> tuple[int, int]:
    page.goto(url + "/intercambios/ciclo")
    agreed = int(page.locator("#cifra-acordado").inner_text().replace(",", ""))
    served = int(page.locator("#cifra-atendido").inner_text().replace(",", ""))
    return agreed, served


def test_from_a_proposed_exchange_to_care(live_server, page, shots):
    url = live_server.url
    live_server.admin("demo", "load")
    _signed_in(page, url, "admin", "Demo-2026-ADM")
    agreed_before, served_before = _figures(page, url)
    assert page.get_by_role("figure", name=re.compile("Potencial de intercambio y parte "
                                                      "acordada por estado")).is_visible()
    page.get_by_role("button", name="Cerrar sesión").click()

    # The requesting side: from the analysis' proposed exchanges to a proposal.
    _signed_in(page, url, "coordinador.imss", "Demo-2026-COO")
    page.get_by_role("navigation", name="Menú principal").get_by_role(
        "link", name="Oportunidades de intercambio").click()
    page.locator("main table a[href^='/intercambios/']").first.click()
    page.get_by_role("link", name="Intercambios propuestos").click()
    page.get_by_role("link", name=re.compile("Proponer acuerdo")).first.click()
    expect(page.get_by_role("heading", name="Proponer acuerdo de intercambio")).to_be_visible()
    assert page.get_by_label("CLUES de la unidad solicitante").input_value()
    proposed = int(page.get_by_label("Pacientes por mes").input_value())
    page.get_by_label("Observaciones").fill("Traslado a cargo de la unidad solicitante.")
    page.get_by_role("button", name="Proponer acuerdo").click()
    page.wait_for_url(re.compile(r"/intercambios/acuerdos/\d+$"))
    agreement_url = page.url
    assert "Acuerdo propuesto" in page.get_by_role("status").first.inner_text()
    assert page.locator("h1 .status").inner_text() == "Propuesto"
    page.get_by_role("button", name="Cerrar sesión").click()

    # The providing side, in its own session: accepts with fewer patients.
    _signed_in(page, url, "coordinador.imss", "Demo-2026-COO")
    page.goto(agreement_url)
    agreed = max(1, proposed - 1)
    page.get_by_label("Pacientes por mes").fill(str(agreed))
    page.get_by_role("button", name="Aceptar acuerdo").click()
    page.wait_for_url(agreement_url)
    assert page.locator("h1 .status").inner_text() == "Vigente"  # it starts this month
    shots(page, "01-acuerdo-vigente")

    with page.expect_download() as download:
        page.get_by_role("link", name="Descargar acuerdo (PDF)").click()
    pdf = download.value.path().read_bytes()
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Acuerdo de intercambio de servicios" in text and "Huella:" in text

    # A month of services: every agreed patient served.
    month = page.get_by_label("Mes", exact=True).locator("option").first.get_attribute("value")
    page.get_by_label("Mes", exact=True).select_option(month)
    page.get_by_label(re.compile("Pacientes atendidos")).fill(str(agreed))
    page.get_by_role("button", name="Registrar servicios").click()
    page.wait_for_url(agreement_url)
    row = page.locator("table tbody tr", has=page.locator(f"th:text-is('{month}')"))
    assert row.locator("td").nth(1).inner_text() == str(agreed)
    shots(page, "02-servicios-registrados")
    page.get_by_role("button", name="Cerrar sesión").click()

    # The national loop moved by what was agreed and served.
    _signed_in(page, url, "admin", "Demo-2026-ADM")
    agreed_after, served_after = _figures(page, url)
    assert agreed_after == agreed_before + agreed
    assert served_after == served_before + agreed
    shots(page, "03-ciclo-nacional")
