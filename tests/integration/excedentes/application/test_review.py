"""Review by levels on both databases: return with a coded reason, correct, accept, bulk
accept, revert; allowed actions and lock of the overview; history; return reasons; the CLI;
completeness and timeliness."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from click.testing import CliRunner

from entrypoints.cli.main import cli
from excedentes.application.use_cases.coordination import (
    CaptureWindowCommand,
    ReopenCommand,
)
from excedentes.application.use_cases.reports import UploadSignedCommand
from excedentes.application.use_cases.review import (
    BulkAcceptCommand,
    ReasonCommand,
    ReviewCommand,
)
from excedentes.domain.errors import EntityLocked
from excedentes.domain.review import ReviewStatus
from shared.audit.domain import AuditFilter
from shared.kernel.errors import Conflict, NotFound, PermissionDenied, ValidationError

from ..support import (
    ADMIN,
    ADMIN_SCOPE,
    BC,
    BS,
    CAP_BC,
    CAP_BS,
    COORD_IMSS,
    COORD_SS,
    U_BS,
    U_OCTUBRE,
    YEAR,
    answer,
    finalize,
    pdf_bytes,
    save_grid,
    shortage_row,
)


def _reasons(exc):
    exc.add_return_reason()(ADMIN, ReasonCommand("DATOS", "Datos incompletos o inconsistentes"))
    exc.add_return_reason()(ADMIN, ReasonCommand("FIRMA", "Falta una firma"))
    exc.set_return_reason_active()(ADMIN, "FIRMA", False)


def _signed(world, actor=CAP_BC, ref=BC, unit=U_OCTUBRE):
    answer(world, actor=actor, ref=ref)
    save_grid(world, unit, [shortage_row(world.pid("Anestesia"))], actor=actor, ref=ref)
    finalize(world, actor=actor, ref=ref)
    data = pdf_bytes(50)
    world.exc.upload_signed()(actor, UploadSignedCommand(
        ref, YEAR, io.BytesIO(data), len(data), "firmado.pdf", "application/pdf"))


def _review(exc, actor, action, ref=BC, **kw):
    return exc.review()(actor, ReviewCommand(ref, YEAR, action, **kw))


def test_return_correct_accept_revert(world, exc):
    _reasons(exc)
    q = exc.queries()
    with pytest.raises(Conflict, match="no hay nada que revisar"):
        _review(exc, COORD_SS, "accept")
    _signed(world)
    ov = q.overview(COORD_SS.scope, BC, YEAR)
    assert ov.review is ReviewStatus.SIGNED
    assert {"accept", "return", "reopen"} <= set(ov.allowed_actions)
    assert q.overview(CAP_BC.scope, BC, YEAR).allowed_actions == ("upload_signed",)

    # a capturista may not review; another institution's coordinador does not see it
    with pytest.raises(PermissionDenied):
        _review(exc, CAP_BC, "accept")
    with pytest.raises(NotFound):
        _review(exc, COORD_IMSS, "accept")
    with pytest.raises(ValidationError, match="desactivado"):
        _review(exc, COORD_SS, "return", reason_code="FIRMA")
    with pytest.raises(ValidationError, match="no existe"):
        _review(exc, COORD_SS, "return", reason_code="NADA")

    _review(exc, COORD_SS, "return", reason_code="datos", note="Revise la unidad 3 de Octubre")
    ov = q.overview(CAP_BC.scope, BC, YEAR)
    assert ov.review is ReviewStatus.RETURNED and ov.lock is None
    assert "DATOS — Datos incompletos" in ov.notice and "3 de Octubre" in ov.notice
    assert "capture" in ov.allowed_actions
    versions = q.signed_versions(CAP_BC.scope, BC, YEAR)
    assert versions[0].superseded_label == "Devuelto para corrección"
    assert q.dashboard(COORD_SS.scope, "SS", YEAR,
                       ReviewStatus.RETURNED).entries[0].row.entity_code == "BC"

    # corrected: finalize and upload again; the notice ends
    finalize(world)
    assert q.overview(CAP_BC.scope, BC, YEAR).notice is None
    data = pdf_bytes(60)
    exc.upload_signed()(CAP_BC, UploadSignedCommand(BC, YEAR, io.BytesIO(data), len(data),
                                                    "firmado2.pdf", "application/pdf"))
    _review(exc, COORD_SS, "accept")
    ov = q.overview(CAP_BC.scope, BC, YEAR)
    assert ov.review is ReviewStatus.ACCEPTED and ov.allowed_actions == ()
    assert ov.lock.kind == "accepted" and ov.lock.by == "coordinador.ss"
    assert "Solo la administración" in ov.lock.reason
    with pytest.raises(EntityLocked, match="aceptó el reporte"):
        exc.reopen()(COORD_SS, ReopenCommand(BC, YEAR, "cambio"))
    with pytest.raises(PermissionDenied, match="administración"):
        _review(exc, COORD_SS, "revert", note="error")
    assert q.overview(ADMIN_SCOPE, BC, YEAR).allowed_actions == ("revert_acceptance",)
    with pytest.raises(ValidationError, match="obligatorio"):
        _review(exc, ADMIN, "revert", note=" ")
    _review(exc, ADMIN, "revert", note="Se aceptó por error")
    assert q.overview(COORD_SS.scope, BC, YEAR).review is ReviewStatus.SIGNED

    history = q.history(CAP_BC.scope, BC, YEAR)
    labels = [h.label for h in history]
    assert labels.index("Devuelto para corrección") < labels.index("Aceptado") \
        < labels.index("Aceptación revertida")
    assert any("DATOS" in h.detail for h in history)
    audit = exc.audit_query().list(AuditFilter(action="excedentes.review_", limit=10))
    assert {a.entry.action for a in audit} == {"excedentes.review_return",
                                              "excedentes.review_accept",
                                              "excedentes.review_revert"}


def test_bulk_accept_is_all_or_nothing(world, exc):
    _signed(world)
    answer(world, actor=CAP_BS, ref=BS)
    with pytest.raises(Conflict, match="No se aceptó ninguna entidad. BS:"):
        exc.bulk_accept()(COORD_SS, BulkAcceptCommand("SS", YEAR, ("BC", "BS")))
    assert exc.queries().overview(COORD_SS.scope, BC, YEAR).review is ReviewStatus.SIGNED
    _signed(world, CAP_BS, BS, U_BS)
    done = exc.bulk_accept()(COORD_SS, BulkAcceptCommand("SS", YEAR, ("BC", "BS")))
    assert [r.entity_code for r in done] == ["BC", "BS"]
    view = exc.queries().dashboard(COORD_SS.scope, "SS", YEAR, ReviewStatus.ACCEPTED)
    assert [e.row.entity_code for e in view.entries] == ["BC", "BS"]
    assert view.totals.accepted == 2


def test_return_reasons_admin_only(world, exc):
    _reasons(exc)
    with pytest.raises(PermissionDenied):
        exc.add_return_reason()(COORD_SS, ReasonCommand("OTRO", "Otro motivo"))
    with pytest.raises(Conflict, match="ya existe"):
        exc.add_return_reason()(ADMIN, ReasonCommand("datos", "Repetido"))
    with pytest.raises(ValidationError):
        exc.add_return_reason()(ADMIN, ReasonCommand("con espacio", "Texto"))
    reasons = exc.queries().return_reasons(COORD_SS.scope, active_only=True)
    assert [r.code for r in reasons] == ["DATOS"]
    with pytest.raises(NotFound):
        exc.queries().return_reasons(CAP_BC.scope)


def test_completeness_and_timeliness(world, exc, clock):
    q = exc.queries()
    end = clock.today() - timedelta(days=3)
    exc.set_capture_window()(ADMIN, CaptureWindowCommand("SS", YEAR, None, end))
    with pytest.raises(Exception):  # the window ended: the capturista cannot finalize now
        _signed(world)
    exc.set_capture_window()(ADMIN, CaptureWindowCommand("SS", YEAR, None, None))
    _signed(world)
    exc.set_capture_window()(ADMIN, CaptureWindowCommand("SS", YEAR, None, end))
    _review(exc, COORD_SS, "accept")
    view = q.completeness(ADMIN_SCOPE, YEAR, "SS")
    bc = next(r for r in view.rows if r.key == "BC")
    assert bc.status_label == "Aceptado" and bc.days_late == 3
    t = view.total
    assert t.expected == len(view.rows) and t.finalized == 1 and t.accepted == 1
    assert t.on_time == 0 and t.late == 1 and t.median_days_late == 3.0
    national = q.completeness(ADMIN_SCOPE)
    assert YEAR in [r.year for r in national.rows]
    assert national.total.expected >= t.expected
    by_inst = q.completeness(ADMIN_SCOPE, YEAR)
    assert {r.key for r in by_inst.rows} >= {"SS", "IMSS"}
    # a coordinador sees only theirs, whatever they ask for
    assert q.completeness(COORD_IMSS.scope, YEAR, "SS").institution_code == "IMSS"
    with pytest.raises(NotFound):
        q.completeness(CAP_BC.scope)
    with pytest.raises(NotFound):
        q.completeness(ADMIN_SCOPE, 1990)


def test_cli_review_reasons_completeness(container, world, exc):
    runner = CliRunner()

    def run(*args):
        return runner.invoke(cli, ["excedentes", *args], obj={"container": container})

    r = run("reasons", "add", "DATOS", "Datos incompletos")
    assert r.exit_code == 0, r.output
    assert "DATOS" in run("reasons", "list").output
    _signed(world)
    base = ["--institution", "SS", "--period", str(YEAR), "--entity", "BC"]
    r = run("review", "return", *base)
    assert r.exit_code != 0 and "--reason" in r.output
    r = run("review", "return", *base, "--reason", "DATOS", "--note", "Falta la unidad 2")
    assert r.exit_code == 0, r.output
    assert "Devuelto" in r.output
    r = run("review", "accept", *base)
    assert r.exit_code != 0 and "Error:" in r.output and "revisar" in r.output
    assert run("reasons", "disable", "DATOS").exit_code == 0
    assert "no" in run("reasons", "list").output
    r = run("completeness", "--period", str(YEAR), "--institution", "SS")
    assert r.exit_code == 0 and "Esperadas" in r.output, r.output
    r = run("completeness", "--json")
    assert r.exit_code == 0 and '"expected"' in r.output
