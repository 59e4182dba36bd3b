"""A coordinador starts the institution's Excel export in Chromium, watches the bar reach
100 % without reloading, leaves, finds the file in «Mis descargas» and downloads a workbook
that opens. The job runs in the worker that ``sanece-admin serve`` starts.

Data: the small demo (``sanece-admin demo load``), Secretaría de Salud's coordinador.
"""

from __future__ import annotations

import re

import openpyxl
import pytest
from playwright.sync_api import expect

from .conftest import log_in

pytestmark = pytest.mark.e2e

COORDINADOR = ("coordinador.ss", "Demo-2026-COO")


@pytest.fixture(scope="module")
def demo(live_server):
    live_server.admin("demo", "load")
    return live_server


def test_coordinador_exports_through_a_job_and_finds_it_in_mis_descargas(demo, page, shots, tmp_path):
    log_in(page, demo.url, COORDINADOR)
    page.goto(demo.url + "/excedentes/tablero")
    page.get_by_role("button", name=re.compile(r"Excel de los registros de la institución")).click()
    expect(page).to_have_url(re.compile(r"/trabajos/[0-9a-f]{24}$"))
    job_url = page.url
    # the poller moves the bar to 100 % and shows the download, without a reload
    expect(page.locator("[data-job-progress]")).to_have_text("100", timeout=120_000)
    expect(page.locator("#job-bar")).to_have_attribute("value", "100")
    expect(page.locator("[data-job-status]")).to_have_text("Terminado")
    download_link = page.get_by_role("link", name=re.compile(r"^Descargar excedentes-faltantes-SS-"))
    expect(download_link).to_be_visible()
    expect(page.get_by_role("button", name="Cancelar")).to_have_count(0)  # done: nothing to cancel
    assert page.url == job_url  # never reloaded elsewhere
    shots(page, "trabajo-terminado")

    page.goto(demo.url + "/excedentes/tablero")  # the user leaves ...
    page.get_by_role("link", name="Mis descargas").click()  # ... and comes back by the menu
    expect(page.get_by_role("heading", name="Mis descargas")).to_be_visible()
    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile(r"^excedentes-faltantes-SS-\d{4}\.xlsx$")).click()
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    sheet = openpyxl.load_workbook(target, read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Institución" and len(rows) > 1
    assert all(r[0] == rows[1][0] for r in rows[1:])  # one institution's records only
    shots(page, "mis-descargas")
