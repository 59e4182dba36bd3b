"""The exchange pages, API and exports on the small demo data, with the demo's own users."""

from __future__ import annotations

import io

from click.testing import CliRunner
from openpyxl import load_workbook
from pypdf import PdfReader

from entrypoints.cli.main import cli
from exchange.application.agreements import AgreementFilter
from exchange.domain.agreements import AgreementStatus
from shared.kernel.pagination import PageRequest
from shared.kernel.scope import Actor
from tests.helpers import login

COORDINADOR, CAPTURISTA = ("coordinador.imss", "Demo-2026-COO"), ("capturista.ss.bc",
                                                                   "Demo-2026-CAP")


def test_demo_analysis_for_the_demo_users(container, client, tmp_path):
    runner = CliRunner()
    assert runner.invoke(cli, ["demo", "load"], obj={"container": container}).exit_code == 0
    _demo_agreements_in_every_state(container, client)
    year = container.clock().today().year
    r = runner.invoke(cli, ["exchange", "analyze", "--period", str(year), "--out",
                            str(tmp_path / "demo.xlsx")], obj={"container": container})
    assert r.exit_code == 0, r.output
    # The demo saved analysis 1 (of the same data): the CLI's is the same result.
    assert "Análisis 2 guardado" in r.output
    assert "Mismos criterios y mismos datos que el análisis 1" in r.output
    national = load_workbook(tmp_path / "demo.xlsx")
    proposals = national["Intercambios"].max_row - 1

    assert login(client, *COORDINADOR).status_code == 303
    page = client.get("/intercambios/1")
    assert page.status_code == 200 and "<svg" in page.text
    assert "Instituto Mexicano del Seguro Social (IMSS)" in page.text
    view = client.get("/api/excedentes/intercambios/1/overview").json()
    assert [r["key"] for r in view["institutions"]] == ["IMSS"]
    assert view["total"]["optimal"]["shortage_records"] > 0
    summary = client.get("/intercambios/1/pdf")
    assert summary.headers["content-type"] == "application/pdf"
    first = PdfReader(io.BytesIO(summary.content)).pages[0].extract_text()
    assert "IMSS" in first
    mine = client.get("/intercambios/1/excel")
    rows = list(load_workbook(io.BytesIO(mine.content))["Intercambios"].iter_rows(
        min_row=2, values_only=True))
    assert len(rows) <= proposals
    assert all("IMSS" in (r[2], r[7]) for r in rows)  # requesting or providing institution

    client.cookies.clear()
    assert login(client, *CAPTURISTA).status_code == 303
    listed = client.get("/api/excedentes/intercambios").json()
    assert listed["total"] == 2
    assert client.get("/intercambios/1/propuestas").status_code == 200



def _demo_agreements_in_every_state(container, client) -> None:
    """The demo's agreements (one demo load serves both checks: it is the slow part)."""
    q = container.exchange.agreement_queries()
    admin = Actor.admin()
    for status in AgreementStatus:
        assert q.list(admin, AgreementFilter(status), PageRequest(1, 50)).total >= 1, status
    served = [v for v in q.list(admin, AgreementFilter(AgreementStatus.CONCLUDED),
                                PageRequest(1, 50)).items if v.a.deliveries]
    assert served and all(d.served <= v.a.terms.patients for v in served for d in v.a.deliveries)
    loop = q.loop(admin)
    assert loop.analysis_id == 1 and loop.total.agreed > 0 and loop.total.served_12m > 0
    assert any(r.figures.agreed for r in loop.states)
    # Loading again changes nothing.
    total = q.list(admin, AgreementFilter(), PageRequest(1, 5)).total
    container.exchange.demo_loader().load("small", lambda *a: None)
    assert q.list(admin, AgreementFilter(), PageRequest(1, 5)).total == total

    assert login(client, *COORDINADOR).status_code == 303
    page = client.get("/intercambios/ciclo")
    assert page.status_code == 200 and "Del faltante a la atención" in page.text
    mine = client.get("/api/excedentes/intercambios/acuerdos?size=100").json()
    assert all("IMSS" in (a["requesting"]["institution"], a["providing"]["institution"])
               for a in mine["items"])
    client.cookies.clear()
