"""Exchange agreements on SQLite and PostgreSQL: from a proposed exchange of a saved analysis
to an accepted agreement, its PDF, a month of services and the loop's figures; declines and
cancellations with the catalog's reasons; scope for both parties; the audit trail.

The test clock is 2026-03-10 (``tests.conftest.START``)."""

from __future__ import annotations

import io
from datetime import datetime, timezone

import pytest
from pypdf import PdfReader

from exchange.application.agreements import (
    AGREEMENT_NOT_FOUND,
    AcceptCommand,
    AgreementFilter,
    DecisionCommand,
    DeliveryCommand,
    ProposeCommand,
    fingerprint_of,
)
from exchange.application.use_cases import RunExchangeCommand
from exchange.domain.agreements import AgreementStatus
from shared.audit.domain import AuditFilter
from shared.kernel.errors import NotFound, PermissionDenied, ValidationError
from shared.kernel.pagination import PageRequest
from tests.integration.excedentes.support import ADMIN, COORD_SS, U_MX, YEAR

from .support import CAP_BS, CAP_NL, CONDUCTO, COORD_IMSS, COORD_ISSSTE, U_SS_MC

# IMSS's OOAD in México lacks "Conducto radicular" (8); SS México offers 5 (same state).
FROM_ANALYSIS = dict(requesting_clues=U_MX, providing_clues=U_SS_MC, product=CONDUCTO,
                     modality="Ambulatorio", patients=5, start="2026-03-01", end="2026-12-31",
                     notes="Traslado a cargo del IMSS")


@pytest.fixture
def analysis_id(xch, xworld) -> int:
    xch.seed_reasons()()
    return xch.run_analysis()(ADMIN, RunExchangeCommand(YEAR)).analysis.id


def test_from_a_proposed_exchange_to_patients_served(xch, analysis_id, container):
    q = xch.agreement_queries()
    before = q.loop(ADMIN)
    assert (before.total.needed, before.total.potential, before.total.agreed) == (36, 23, 0)

    stored = xch.propose_agreement()(COORD_IMSS, ProposeCommand(**FROM_ANALYSIS,
                                                                analysis_id=analysis_id))
    assert stored.agreement.status is AgreementStatus.PROPOSED
    assert (stored.requesting.institution, stored.providing.institution) == ("IMSS", "SS")
    assert stored.providing.name == "HOSPITAL GENERAL TOLUCA" and stored.analysis_id
    view = q.agreement(COORD_SS, stored.id)
    assert view.may_accept and not view.may_deliver
    # Only the providing side accepts; a stranger's id is missing.
    with pytest.raises(PermissionDenied):
        xch.accept_agreement()(COORD_IMSS, AcceptCommand(stored.id))
    for stranger in (COORD_ISSSTE, CAP_NL):
        with pytest.raises(NotFound, match=AGREEMENT_NOT_FOUND):
            q.agreement(stranger, stored.id)
    with pytest.raises(NotFound, match=AGREEMENT_NOT_FOUND):
        xch.accept_agreement()(COORD_ISSSTE, AcceptCommand(stored.id))

    accepted = xch.accept_agreement()(COORD_SS, AcceptCommand(stored.id, patients="4"))
    # Accepted after its start date: current at once.
    assert accepted.agreement.status is AgreementStatus.ACTIVE
    assert accepted.agreement.terms.patients == 4

    pdf = io.BytesIO()
    pages = xch.print_agreement()(COORD_SS, stored.id, pdf)
    reader = PdfReader(io.BytesIO(pdf.getvalue()))
    assert pages == len(reader.pages) >= 1
    fp = fingerprint_of(q.agreement(ADMIN, stored.id).stored)
    for page in reader.pages:
        assert fp in page.extract_text()
    text = reader.pages[0].extract_text()
    assert "Acuerdo de intercambio de servicios" in text and U_SS_MC in text and U_MX in text

    with pytest.raises(ValidationError, match="no pueden exceder"):
        xch.record_delivery()(COORD_SS, DeliveryCommand(stored.id, "2026-03", 5))
    with pytest.raises(ValidationError, match="indique el motivo"):
        xch.record_delivery()(COORD_SS, DeliveryCommand(stored.id, "2026-03", 3))
    with pytest.raises(ValidationError, match="aún no comienza"):
        xch.record_delivery()(COORD_SS, DeliveryCommand(stored.id, "2026-04", 4))
    with pytest.raises(PermissionDenied):
        xch.record_delivery()(COORD_IMSS, DeliveryCommand(stored.id, "2026-03", 4))
    xch.record_delivery()(COORD_SS, DeliveryCommand(stored.id, "2026-03", 3,
                                                    "Un paciente no se presentó"))
    view = q.agreement(COORD_IMSS, stored.id)
    assert [(m.month, m.agreed, m.served) for m in view.months] == [("2026-03", 4, 3)]

    after = q.loop(ADMIN)
    assert (after.total.agreed, after.total.served_12m) == (4, 3)
    mexico = next(r for r in after.states if r.key == "15")
    assert (mexico.figures.agreed, mexico.figures.served_12m) == (4, 3)
    assert next(r for r in after.institutions if r.key == "IMSS").figures.agreed == 4
    # The requesting institution's view counts it; the provider's own loop does not.
    assert q.loop(COORD_IMSS).total.agreed == 4 and q.loop(COORD_SS).total.agreed == 0

    actions = [e.entry.action for e in container.audit_query().list(
        AuditFilter(target_type="exchange_agreement"))]
    for action in ("propose", "accept", "start", "deliver"):
        assert f"exchange.agreement.{action}" in actions


def test_decline_cancel_reasons_lists_and_time(xch, analysis_id, clock):
    by_hand = dict(FROM_ANALYSIS, product="Conducto radicular (a mano)", patients=2)
    declined = xch.propose_agreement()(COORD_IMSS, ProposeCommand(**by_hand))
    with pytest.raises(ValidationError, match="catálogo"):
        xch.decline_agreement()(COORD_SS, DecisionCommand(declined.id, "NOPE", "x"))
    with pytest.raises(ValidationError, match="motivo"):
        xch.decline_agreement()(COORD_SS, DecisionCommand(declined.id, "CAPACIDAD", ""))
    out = xch.decline_agreement()(COORD_SS, DecisionCommand(declined.id, "capacidad",
                                                            "Sin anestesiólogo"))
    assert out.agreement.status is AgreementStatus.DECLINED
    assert out.agreement.decision.code == "CAPACIDAD"
    with pytest.raises(ValidationError, match="Rechazado"):
        xch.accept_agreement()(COORD_SS, AcceptCommand(declined.id))

    future = dict(by_hand, start="2026-06-01", end="2026-09-30")
    other = xch.propose_agreement()(COORD_IMSS, ProposeCommand(**future))
    assert xch.accept_agreement()(ADMIN, AcceptCommand(other.id)).agreement.status \
        is AgreementStatus.ACCEPTED
    cancelled = xch.cancel_agreement()(COORD_IMSS, DecisionCommand(other.id, "COSTO",
                                                                   "Sin presupuesto"))
    assert cancelled.agreement.status is AgreementStatus.CANCELLED
    assert cancelled.agreement.decision.side.value == "solicitante"

    # An inactive reason is refused; the catalog is the admin's.
    xch.manage_reasons()(ADMIN, "COSTO", active=False)
    assert "COSTO" not in {r.code for r in xch.agreement_queries().reasons()}
    with pytest.raises(PermissionDenied):
        xch.manage_reasons()(COORD_SS, "NUEVO", "Nuevo motivo")

    # Bad input: a unit not in the catalog, the same entity on both sides, bad dates.
    with pytest.raises(ValidationError, match="CLUES"):
        xch.propose_agreement()(COORD_IMSS, ProposeCommand(**dict(by_hand,
                                                                  providing_clues="XXX")))
    with pytest.raises(ValidationError, match="otra entidad"):
        xch.propose_agreement()(COORD_IMSS, ProposeCommand(**dict(by_hand,
                                                                  providing_clues=U_MX)))
    with pytest.raises(PermissionDenied):  # SS cannot propose for an IMSS unit
        xch.propose_agreement()(COORD_SS, ProposeCommand(**by_hand))
    with pytest.raises(PermissionDenied):  # capturistas only read
        xch.propose_agreement()(CAP_BS, ProposeCommand(**by_hand))
    with pytest.raises(ValidationError, match="no está en el análisis"):
        xch.propose_agreement()(COORD_IMSS, ProposeCommand(**by_hand, analysis_id=analysis_id))

    q = xch.agreement_queries()
    page = PageRequest(1, 20)
    assert q.list(ADMIN, AgreementFilter(), page).total == 2
    assert q.list(COORD_SS, AgreementFilter(), page).total == 2
    assert q.list(COORD_ISSSTE, AgreementFilter(), page).total == 0
    assert q.list(CAP_NL, AgreementFilter(), page).total == 0  # IMSS:NL is no party
    assert [v.stored.id for v in q.list(ADMIN, AgreementFilter(AgreementStatus.DECLINED),
                                        page).items] == [declined.id]

    # Time moves accepted agreements: Aceptado → Vigente → Concluido.
    short = dict(FROM_ANALYSIS, start="2026-04-01", end="2026-05-31")
    a = xch.propose_agreement()(COORD_IMSS, ProposeCommand(**short))
    xch.accept_agreement()(COORD_SS, AcceptCommand(a.id))
    assert xch.advance_agreements()() == 0
    clock.set(datetime(2026, 4, 2, 18, tzinfo=timezone.utc))
    assert xch.advance_agreements()() == 1
    assert xch.agreement_queries().agreement(ADMIN, a.id).status is AgreementStatus.ACTIVE
    clock.set(datetime(2026, 6, 2, 18, tzinfo=timezone.utc))
    # Reads show the day's status before the sweep persists it.
    assert xch.agreement_queries().agreement(ADMIN, a.id).status is AgreementStatus.CONCLUDED
    assert xch.advance_agreements()() == 1
    assert xch.agreement_queries().list(ADMIN, AgreementFilter(AgreementStatus.CONCLUDED),
                                        PageRequest(1, 5)).total == 1


def test_cli_walks_the_same_rules(xch, analysis_id, container):
    from click.testing import CliRunner

    from entrypoints.cli.main import cli

    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(cli, ["exchange", "agreements", *args],
                             obj={"container": container})

    r = run("propose", "--requesting", U_MX, "--providing", U_SS_MC, "--product", CONDUCTO,
            "--patients", "5", "--start", "2026-03-01", "--end", "2026-08-31",
            "--analysis", str(analysis_id), "--as-institution", "IMSS")
    assert r.exit_code == 0, r.output
    assert "Acuerdo 1 propuesto (folio AIS-2026-000001)" in r.output
    r = run("accept", "1", "--as-institution", "IMSS")  # the requester cannot accept
    assert r.exit_code != 0 and "Solo la parte proveedora puede aceptar" in r.output
    r = run("accept", "1", "--patients", "9", "--as-institution", "SS")
    assert r.exit_code != 0 and "no más" in r.output
    assert run("accept", "1", "--as-institution", "SS").output.strip().endswith("Vigente.")
    r = run("deliver", "1", "--month", "2026-03", "--served", "5", "--as-institution", "SS")
    assert r.exit_code == 0 and "5 de 5 pacientes atendidos" in r.output
    r = run("show", "1", "--as-institution", "ISSSTE")
    assert r.exit_code != 0 and "no existe" in r.output
    r = run("show", "1")
    assert "Vigente" in r.output and "2026-03" in r.output
    r = run("cancel", "1", "--reason", "OTRO", "--text", "Cierre de la unidad")
    assert r.exit_code == 0 and "Cancelado (OTRO)" in r.output
    r = run("list", "--status", "cancelado")
    assert "AIS-2026-000001" in r.output and "Cancelado" in r.output
    r = run("decline", "1", "--reason", "OTRO", "--text", "x", "--as-institution", "SS")
    assert r.exit_code != 0 and "Cancelado" in r.output
    r = run("reasons", "--set", "SIN_INSUMOS", "--text", "Sin insumos")
    assert r.exit_code == 0 and "SIN_INSUMOS" in r.output and "CAPACIDAD" in r.output
    assert run("advance").exit_code == 0
