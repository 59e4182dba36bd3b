""""Solicitar producto" requests and the coordinator's periods."""

from __future__ import annotations

from datetime import date

import pytest

from excedentes.application.use_cases.capture import AnswerStep2Command
from excedentes.application.use_cases.coordination import (
    CaptureWindowCommand,
    CreatePeriodCommand,
    PeriodCommand,
)
from excedentes.application.use_cases.product_requests import FileProductRequestCommand
from excedentes.domain.errors import CaptureClosed
from excedentes.domain.product_requests import RequestStatus
from shared.audit.domain import AuditFilter
from shared.kernel.errors import Conflict, NotFound, PermissionDenied, ValidationError

from ..support import (
    ADMIN,
    ADMIN_SCOPE,
    BC,
    CAP_BC,
    CAP_BS,
    CAP_NL,
    COORD_IMSS,
    COORD_SS,
    NL,
    U_OCTUBRE,
    YEAR,
)


def _file(world, name="Colocación de implante dental", actor=CAP_BC, ref=BC,
          specialty="Consulta externa Odontología"):
    return world.exc.file_product_request()(actor, FileProductRequestCommand(
        ref, world.gid("Atención Estomatológica", ref.institution_code),
        world.sid(specialty) if specialty else None, name, "Procedimiento",
        "No aparece en el catálogo."))


def test_file_accept_adds_to_catalog(world, exc, container):
    filed = _file(world)
    assert filed.status is RequestStatus.PENDING
    mine = exc.queries().product_requests(CAP_BC.scope)
    assert mine.total == 1 and mine.items[0].status_label == "En espera"
    assert mine.items[0].specialty_name == "Consulta externa Odontología"
    assert exc.queries().product_requests(CAP_BS.scope).total == 0
    with pytest.raises(NotFound):
        exc.queries().product_request(CAP_BS.scope, filed.id)
    with pytest.raises(PermissionDenied):
        exc.accept_product_request()(CAP_BC, filed.id)
    with pytest.raises(NotFound):
        exc.accept_product_request()(COORD_IMSS, filed.id)

    accepted = exc.accept_product_request()(COORD_SS, filed.id)
    assert accepted.status is RequestStatus.ACCEPTED and accepted.product_id
    grid = exc.queries().grid(CAP_BC.scope, BC, YEAR, U_OCTUBRE,
                              world.gid("Atención Estomatológica"),
                              world.sid("Consulta externa Odontología"))
    assert "Colocación de implante dental" in [line.product for line in grid.lines]
    with pytest.raises(Conflict, match="aceptada"):
        exc.reject_product_request()(COORD_SS, filed.id, "tarde")
    view = exc.queries().product_request(COORD_SS.scope, filed.id)
    assert view.decided_by == "coordinador.ss" and view.product_id == accepted.product_id
    actions = {a.entry.action for a in container.audit_query().list(
        AuditFilter(target_type="product_request"))}
    assert actions == {"excedentes.product_requested", "excedentes.request_accepted"}


def test_reject_needs_reason_and_accepting_an_existing_product_links_it(world, exc):
    filed = _file(world)
    with pytest.raises(ValidationError, match="motivo"):
        exc.reject_product_request()(COORD_SS, filed.id, " ")
    rejected = exc.reject_product_request()(COORD_SS, filed.id, "Ya existe con otro nombre.")
    assert rejected.status is RequestStatus.REJECTED
    assert exc.queries().product_request(CAP_BC.scope, filed.id).decision_reason == \
        "Ya existe con otro nombre."
    again = _file(world, "aplicación de CORONA")  # the same product, other spelling
    linked = exc.accept_product_request()(ADMIN, again.id)
    assert linked.product_id == world.pid("Aplicación de corona")
    assert exc.queries().product_requests(COORD_SS.scope, status="rejected").total == 1
    assert exc.queries().product_requests(ADMIN_SCOPE, "SS").total == 2


def test_request_rules(world, exc):
    with pytest.raises(ValidationError, match="especialidad"):
        _file(world, specialty=None)  # SS has the especialidad troncal level
    with pytest.raises(PermissionDenied):
        _file(world, actor=COORD_SS)
    imss = exc.file_product_request()(CAP_NL, FileProductRequestCommand(
        NL, world.gid("Cirugía", "IMSS"), None, "Nuevo", "Procedimiento"))
    assert imss.status is RequestStatus.PENDING
    with pytest.raises(NotFound):  # a group of another institution
        exc.file_product_request()(CAP_BC, FileProductRequestCommand(
            BC, world.gid("Cirugía", "IMSS"), None, "X", "Consulta"))
    with pytest.raises(NotFound):
        exc.accept_product_request()(ADMIN, 999_999)


def test_periods(world, exc, container):
    closed = exc.close_period()(COORD_SS, PeriodCommand("SS", YEAR))
    assert closed.changed and not closed.period.is_open
    assert closed.period.refusal.startswith("La captura del periodo 2026 está cerrada desde el "
                                            "10/03/2026 10:00")
    assert not exc.close_period()(COORD_SS, PeriodCommand("SS", YEAR)).changed
    with pytest.raises(CaptureClosed, match="Solicite la apertura del periodo"):
        exc.answer_step2()(CAP_BC, AnswerStep2Command(BC, YEAR, "SI"))
    opened = exc.open_period()(COORD_SS, PeriodCommand("ss", YEAR))
    assert opened.changed and opened.period.capture_open
    exc.answer_step2()(CAP_BC, AnswerStep2Command(BC, YEAR, "SI"))

    window = exc.set_capture_window()(COORD_SS, CaptureWindowCommand(
        "SS", YEAR, date(2026, 4, 1), date(2026, 5, 31)))
    assert window.period.refusal == ("La captura del periodo 2026 inicia el 01/04/2026; por "
                                     "ahora solo es posible consultar los reportes.")
    with pytest.raises(ValidationError):
        exc.set_capture_window()(COORD_SS, CaptureWindowCommand(
            "SS", YEAR, date(2026, 5, 1), date(2026, 4, 1)))

    created = exc.create_period()(COORD_IMSS, CreatePeriodCommand("IMSS", 2027))
    assert created.label == "Captura del periodo 2027" and created.is_open
    with pytest.raises(Conflict):
        exc.create_period()(COORD_IMSS, CreatePeriodCommand("IMSS", 2027))
    with pytest.raises(NotFound):
        exc.create_period()(COORD_IMSS, CreatePeriodCommand("SS", 2027))
    with pytest.raises(NotFound):
        exc.open_period()(COORD_SS, PeriodCommand("SS", 2030))
    assert [p.year for p in exc.queries().periods(COORD_IMSS.scope, "IMSS")] == [2027, 2026]
    actions = [a.entry.action for a in container.audit_query().list(
        AuditFilter(target_type="period"))]
    assert actions == ["excedentes.period_created", "excedentes.period_window",
                       "excedentes.period_opened", "excedentes.period_closed"]
