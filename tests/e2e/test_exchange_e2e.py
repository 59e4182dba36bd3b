"""Exchange opportunities in Chromium: a coordinador runs an analysis of the demo from the
form, reads the national view and its SVG charts, drills down from a state by keyboard, and
a capturista of the institution reads the same analysis inside its scope."""

from __future__ import annotations

import re

import pytest

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
