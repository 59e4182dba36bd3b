"""The excedentes demo (small scale) through the platform's `demo load`, on both databases."""

from __future__ import annotations

import io

from click.testing import CliRunner
from pypdf import PdfReader

from entrypoints.cli.main import cli
from excedentes.domain.review import ReviewStatus
from excedentes.application.access import Actor, EntityRef
from excedentes.application.use_cases.reports import PrintReportCommand
from excedentes.domain.dashboard import ReportState
from shared.kernel.pagination import PageRequest
from shared.kernel.scope import Role, Scope

ADMIN = Scope(Role.ADMIN)


def test_demo_small(container):
    exc = container.excedentes
    runner = CliRunner()
    r = runner.invoke(cli, ["demo", "load"], obj={"container": container})
    assert r.exit_code == 0, r.output
    year = container.clock().today().year
    q = exc.queries()

    # Institutions as data, with their wording.
    insts = {i.code: i for i in q.institutions(ADMIN)}
    assert list(insts) == ["IMSS", "SS", "IMSSB", "ISSSTE", "PEMEX"]
    assert insts["IMSS"].entity_word == "OOAD/UMAE" and not insts["IMSS"].has_specialty_level
    assert insts["IMSS"].signature_labels == (
        "Autoriza TOOAD:", "Autoriza Jefe de Servicios de Prestaciones Médicas:")
    assert insts["SS"].signed_pdf_max_bytes == 150 * 1024 * 1024
    assert insts["ISSSTE"].entity_word == "Delegación"
    assert insts["ISSSTE"].signature_labels == ("Subdelegación Médica:",
                                                "Subdelegación Administrativa:")

    # Every state of the workflow is on the dashboards.
    states = set()
    for code in insts:
        view = q.dashboard(ADMIN, code, year)
        assert len(view.entries) == (35 if code == "IMSS" else 32)
        states |= {e.row.state for e in view.entries}
    assert states == set(ReportState)
    imss = [e.row.entity_name for e in q.dashboard(ADMIN, "IMSS", year).entries]
    assert "Edo. de Méx. Ote." in imss and "Edo. de Méx. Pte." in imss
    assert [p.year for p in q.periods(ADMIN, "SS")] == [year, year - 1, year - 2, year - 3]
    assert not q.period(ADMIN, "SS", year - 1).capture_open
    # review by levels: one returned and one accepted entity now, a trend over the years
    reviews = {e.row.entity_code: e.row.review
               for e in q.dashboard(ADMIN, "SS", year).entries}
    assert reviews["CH"] is ReviewStatus.RETURNED and reviews["CM"] is ReviewStatus.ACCEPTED
    trend = q.completeness(ADMIN)
    assert [r.year for r in trend.rows] == [year - 3, year - 2, year - 1, year]
    past = [r.figures for r in trend.rows[:3]]
    assert all(f.accepted and f.late and f.finalized > f.expected / 2 for f in past)
    assert [r.code for r in q.return_reasons(ADMIN)][:1] == ["DATOS-INC"]

    # The guide's Baja California sample.
    bc = EntityRef("SS", "BC")
    units = q.units(ADMIN, bc, year, PageRequest(1, 50))
    marked = {u.clues for u in units.page.items if u.marker == "SI"}
    assert marked == {"BCSSA001346", "BCSSA000633", "BCSSA000970", "BCSSA001152"}
    assert units.page.items[0].label.endswith("PRIMER NIVEL")
    doc, _ = exc.print_report().document(Actor.admin(), PrintReportCommand(bc, year, False))
    products = {line.product for s in doc.sections for line in (*s.shortages, *s.surpluses)}
    assert {"Anestesia", "Artrocentesis", "Dilatación de esófago",
            "Amigdalectomía con o sin adenoidectomía"} <= products

    # A signed copy is stored and is a PDF.
    download = exc.open_signed()(Actor.admin(), EntityRef("ISSSTE", "CC"), year)
    with download.stream as fh:
        assert PdfReader(io.BytesIO(fh.read())).pages

    # Users: a coordinador per institution, capturistas of the prepared entities.
    users = {u.username: u for u in container.identity().list_users()}
    assert users["coordinador.imss"].scope_ref == "IMSS"
    assert users["capturista.ss.bc"].scope_ref == "SS:BC"
    assert container.identity().authenticate("capturista.ss.bc", "Demo-2026-CAP").role is \
        Role.CAPTURISTA
    view = container.identity().authenticate("capturista.imss.mc-ote", "Demo-2026-CAP")
    assert container.identity().describe_scope(view) == "OOAD/UMAE Edo. de Méx. Ote. (IMSS)"
    assert q.product_requests(ADMIN).total == 3

    # Loading again changes nothing.
    before = q.dashboard(ADMIN, "SS", year).totals
    r = runner.invoke(cli, ["demo", "load"], obj={"container": container})
    assert r.exit_code == 0, r.output
    assert q.dashboard(ADMIN, "SS", year).totals == before
