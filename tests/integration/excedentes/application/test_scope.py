"""Scope rules: an entity outside the caller's scope answers exactly like a missing one."""

from __future__ import annotations

import io

import pytest

from excedentes.application.access import Actor, EntityRef
from excedentes.application.use_cases.capture import (
    AnswerStep2Command,
    FinalizeCommand,
    SaveGridCommand,
)
from excedentes.application.use_cases.coordination import PeriodCommand, ReopenCommand
from excedentes.application.use_cases.exports import ExportRecordsCommand
from excedentes.application.use_cases.reports import PrintReportCommand, UploadSignedCommand
from shared.kernel.errors import NotFound, PermissionDenied
from shared.kernel.pagination import PageRequest
from shared.kernel.scope import Role, Scope

from ..support import (
    ADMIN_SCOPE,
    BC,
    BS,
    CAP_BC,
    CAP_BS,
    COORD_IMSS,
    COORD_SS,
    NL,
    U_BS,
    U_OCTUBRE,
    YEAR,
    RecordingRenderer,
    pdf_bytes,
    shortage_row,
)

MISSING = EntityRef("SS", "ZZ")


def _message(call) -> str:
    with pytest.raises(NotFound) as exc_info:
        call()
    return exc_info.value.message


def test_capturista_cannot_read_or_write_another_entity(world, exc, tmp_path):
    q = exc.queries()
    scope = CAP_BC.scope
    answer = exc.answer_step2()
    renderer = RecordingRenderer()
    exc.renderer.override(renderer)
    calls = {
        "overview": lambda ref: q.overview(scope, ref, YEAR),
        "units": lambda ref: q.units(scope, ref, YEAR, PageRequest()),
        "groups": lambda ref: q.service_groups(scope, ref, YEAR, U_BS),
        "grid": lambda ref: q.grid(scope, ref, YEAR, U_BS, world.gid("Cirugía")),
        "signed": lambda ref: q.signed_versions(scope, ref, YEAR),
        "answer": lambda ref: answer(CAP_BC, AnswerStep2Command(ref, YEAR, "SI")),
        "grid_save": lambda ref: exc.save_grid()(CAP_BC, SaveGridCommand(
            ref, YEAR, U_BS, world.gid("Cirugía"), None, [shortage_row(world.pid("Anestesia"))])),
        "finalize": lambda ref: exc.finalize()(CAP_BC, FinalizeCommand(ref, YEAR, True)),
        "print": lambda ref: exc.print_report()(CAP_BC, PrintReportCommand(ref, YEAR, False),
                                                io.BytesIO()),
        "upload": lambda ref: exc.upload_signed()(CAP_BC, UploadSignedCommand(
            ref, YEAR, io.BytesIO(pdf_bytes()), 30, "x.pdf", "application/pdf")),
        "download": lambda ref: exc.open_signed()(CAP_BC, ref, YEAR),
        "export": lambda ref: exc.export_records()(CAP_BC, ExportRecordsCommand(
            YEAR, tmp_path / "x.xlsx", ref.institution_code, ref.entity_code)),
    }
    for name, call in calls.items():
        foreign, missing = _message(lambda: call(BS)), _message(lambda: call(MISSING))
        assert foreign == missing, name
    # Its own entity works, the other one's data was never touched.
    assert q.overview(scope, BC, YEAR).can_capture
    assert q.overview(ADMIN_SCOPE, BS, YEAR).answer is None
    assert renderer.documents == []


def test_other_institution_is_invisible_to_a_coordinator(world, exc):
    q = exc.queries()
    missing = _message(lambda: q.dashboard(COORD_IMSS.scope, "NOPE", YEAR))
    assert _message(lambda: q.dashboard(COORD_IMSS.scope, "SS", YEAR)) == missing
    assert _message(lambda: q.overview(COORD_IMSS.scope, BC, YEAR)) == \
        _message(lambda: q.overview(COORD_IMSS.scope, MISSING, YEAR))
    assert _message(lambda: exc.reopen()(COORD_IMSS, ReopenCommand(BC, YEAR, "x"))) == \
        _message(lambda: exc.reopen()(COORD_IMSS, ReopenCommand(MISSING, YEAR, "x")))
    assert _message(lambda: exc.close_period()(COORD_IMSS, PeriodCommand("SS", YEAR))) == \
        _message(lambda: exc.close_period()(COORD_IMSS, PeriodCommand("NOPE", YEAR)))
    assert [i.code for i in q.institutions(COORD_IMSS.scope)] == ["IMSS"]


def test_coordinator_reads_but_does_not_capture(world, exc):
    overview = exc.queries().overview(COORD_SS.scope, BC, YEAR)
    assert overview.can_manage and not overview.can_capture
    with pytest.raises(PermissionDenied):
        exc.answer_step2()(COORD_SS, AnswerStep2Command(BC, YEAR, "SI"))
    with pytest.raises(PermissionDenied):
        exc.save_grid()(COORD_SS, SaveGridCommand(BC, YEAR, U_OCTUBRE, world.gid("Cirugía"),
                                                  None, []))


def test_capturista_sees_the_institution_dashboard_read_only(world, exc):
    q = exc.queries()
    view = q.dashboard(CAP_BC.scope, "SS", YEAR)
    actionable = {e.row.entity_code: (e.actionable, e.can_capture) for e in view.entries}
    assert actionable == {"BC": (True, True), "BS": (False, False), "CS": (False, False)}
    with pytest.raises(NotFound):
        q.dashboard(CAP_BC.scope, "IMSS", YEAR)
    with pytest.raises(PermissionDenied):
        exc.close_period()(CAP_BC, PeriodCommand("SS", YEAR))
    with pytest.raises(PermissionDenied):
        exc.reopen()(CAP_BC, ReopenCommand(BC, YEAR, "x"))


@pytest.mark.parametrize("role", [Role.DIRECTOR, Role.REVISOR, Role.EVALUADOR])
def test_other_roles_see_nothing(world, exc, role):
    scope = Scope(role, "X" if role is Role.DIRECTOR else None)
    q = exc.queries()
    assert q.institutions(scope) == []
    with pytest.raises(NotFound):
        q.dashboard(scope, "SS", YEAR)
    with pytest.raises(NotFound):
        exc.answer_step2()(Actor("x", scope), AnswerStep2Command(NL, YEAR, "SI"))


def test_capturista_scope_is_case_insensitive(world, exc):
    lower = Actor.capturista("capturista.ss.bc", "ss:bc")
    assert exc.queries().overview(lower.scope, EntityRef("ss", "bc"), YEAR).can_capture
    assert CAP_BS.scope != lower.scope
