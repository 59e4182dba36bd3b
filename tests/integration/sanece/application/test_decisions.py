"""More decisions through the use cases on both databases (issue 16): Requiere información →
answer with a new attachment → Validado con modificación; cancel; expiry of an unanswered
request; the catalog of reasons; bulk Validado; the audit names other parts read; a request
filed before its folio moved to another unit; an undone merge in the director's list."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sanece.application.use_cases.decisions import AnswerCommand, CancelCommand, PendCommand
from sanece.application.use_cases.review import ApproveCommand, RejectCommand
from sanece.domain.values import RequestStatus
from shared.audit.domain import AuditFilter
from shared.kernel.errors import Conflict, NotFound, ValidationError
from shared.kernel.pagination import PageRequest

from ..support import ADMIN, F_M1, F_VALID, REVISOR, bytes_of, pdf_upload, png_upload
from .test_requests import cancellation, merge, requirement_change, unit_change

ALL = PageRequest(1, 50)


def actions(container, request_id):
    entries = container.audit_query().list(AuditFilter(target_id=str(request_id)))
    return sorted(e.entry.action for e in entries)


def test_pend_answer_then_validate_with_a_modified_quantity(world, container, clock):
    san = world.san
    filed = requirement_change(world, qty=2).ids[0]
    filed_at = san.queries().request(ADMIN.scope, filed).row.filed_at
    with pytest.raises(ValidationError, match="no está en el catálogo"):
        san.pend_request()(REVISOR, PendCommand(filed, "NO-EXISTE", "Falta la receta"))
    san.pend_request()(REVISOR, PendCommand(filed, "DOC-INCOMPLETA", "Falta la receta"))
    queue = san.queries().review_queue(REVISOR.scope, ALL)
    assert filed not in [r.id for r in queue.items]  # it left the queue
    own = san.queries().awaiting_information(world.director_a.scope)
    assert [(r.id, r.reason_code, r.info_missing) for r in own] == [
        (filed, "DOC-INCOMPLETA", "Falta la receta")]
    assert san.queries().awaiting_information(world.director_b.scope) == ()
    with pytest.raises(NotFound):  # another unit's director answers like a missing request
        san.answer_request()(world.director_b, AnswerCommand(filed, "x", [pdf_upload()]))
    with pytest.raises(ValidationError):  # same limits as filing: 1 to 3 attachments
        san.answer_request()(world.director_a, AnswerCommand(
            filed, "Adjunto", [pdf_upload(), pdf_upload(), png_upload(), png_upload()]))
    clock.advance(timedelta(days=1))
    san.answer_request()(world.director_a, AnswerCommand(
        filed, "Se adjunta la receta", [png_upload("receta.png")]))
    detail = san.queries().request(ADMIN.scope, filed)
    assert detail.row.status is RequestStatus.PENDING and detail.row.filed_at == filed_at
    assert detail.rounds[0].note == "Se adjunta la receta"
    assert [a.index for a in detail.rounds[0].attachments] == [2]
    with san.open_attachment()(world.director_a, filed, 2).stream as fh:
        assert bytes_of(fh).startswith(b"\x89PNG")
    assert filed in [r.id for r in san.queries().review_queue(REVISOR.scope, ALL).items]
    decision = san.approve_request()(REVISOR, ApproveCommand(
        filed, modifications={"quantity1": 3}))
    assert decision.modified and decision.decision_label == "Validado con modificación"
    assert [(c.label, c.before, c.after) for c in decision.authorized] == [
        ("Cantidad clave 1", "2", "3")]
    assert world.folio(F_VALID).key1.quantity == 3
    row = san.queries().request(world.director_a.scope, filed).row
    assert row.status_label == "Validado con modificación"
    assert actions(container, filed) == [
        "sanece.request_answered", "sanece.request_approved_modified", "sanece.request_filed",
        "sanece.request_pended"]


def test_cancel_reject_with_a_code_and_decisions_stay_final(world, container):
    san = world.san
    one = cancellation(world).ids[0]
    san.cancel_request()(world.director_a, CancelCommand(one, "YA-NO-APLICA", "Ya no aplica"))
    with pytest.raises(Conflict):
        san.approve_request()(REVISOR, ApproveCommand(one))
    assert world.folio(F_VALID).status.value == "validated"
    two = cancellation(world).ids[0]  # the folio is free again
    decision = san.reject_request()(REVISOR, RejectCommand(two, None, "DOC-AJENO"))
    assert decision.reason_code == "DOC-AJENO"
    rows = {r.id: r for r in san.queries().review_queue(REVISOR.scope, ALL, status=None).items}
    assert rows[one].status is RequestStatus.CANCELLED and rows[one].reason_code == "YA-NO-APLICA"
    assert rows[two].reason_code == "DOC-AJENO"
    assert "sanece.request_cancelled" in actions(container, one)
    assert "sanece.request_rejected" in actions(container, two)


def test_an_unanswered_request_expires(world, container, clock):
    san = world.san
    filed = requirement_change(world).ids[0]
    san.pend_request()(REVISOR, PendCommand(filed, "DOC-INCOMPLETA", "Falta la receta"))
    assert san.expire_requests()() == []
    clock.advance(timedelta(days=10))
    assert san.expire_requests()() == [filed]
    row = san.queries().request(ADMIN.scope, filed).row
    assert row.status is RequestStatus.EXPIRED and row.reason_code == "SIN-RESPUESTA"
    with pytest.raises(Conflict):
        san.answer_request()(world.director_a, AnswerCommand(filed, "tarde", [pdf_upload()]))
    entry = container.audit_query().list(AuditFilter(action="sanece.request_expired"))[0]
    assert entry.entry.actor == "sistema" and entry.entry.target_id == str(filed)


def test_the_catalog_of_reasons(world):
    san = world.san
    san.add_reason()(ADMIN, "receta", "Falta la receta médica")
    with pytest.raises(Conflict):
        san.add_reason()(ADMIN, "RECETA", "otra vez")
    san.disable_reason()(ADMIN, "DOC-AJENO")
    codes = {r.code: r.active for r in san.list_reasons()(ADMIN)}
    assert codes["RECETA"] and not codes["DOC-AJENO"]
    filed = cancellation(world).ids[0]
    with pytest.raises(ValidationError, match="no está en el catálogo"):
        san.reject_request()(REVISOR, RejectCommand(filed, None, "DOC-AJENO"))
    san.pend_request()(REVISOR, PendCommand(filed, "RECETA", "Adjunte la receta"))


def test_bulk_validado_only_for_simple_kinds(world):
    san = world.san
    baja = cancellation(world, F_M1).ids[0]
    other = requirement_change(world).ids[0]
    result = san.bulk_approve()(REVISOR, [baja, other, 99999])
    assert result.approved == (baja,)
    assert [i for i, _ in result.refused] == [other, 99999]
    assert world.folio(F_M1).status.value == "cancelled"


def test_queue_ages_and_statistics(world, clock):
    san = world.san
    filed = cancellation(world).ids[0]
    clock.advance(timedelta(days=14))
    row = next(r for r in san.queries().review_queue(REVISOR.scope, ALL).items if r.id == filed)
    # two weeks from Tuesday 10 March 2026: ten weekdays, Monday 16 March is a holiday
    assert row.business_days == 9 and row.overdue
    queue = san.queries().review_queue
    assert [r.id for r in queue(REVISOR.scope, ALL, min_age_days=9).items] == [filed]
    assert queue(REVISOR.scope, ALL, min_age_days=10).items == ()
    san.approve_request()(REVISOR, ApproveCommand(filed))
    stats = san.queries().queue_stats(REVISOR.scope)
    assert [(m.type_label, m.decisions, m.median_days) for m in stats.medians] == [
        ("Baja de folio", 1, 9.0)]
    assert [(r.reviewer, r.approved) for r in stats.reviewers] == [("revisor", 1)]


def test_a_request_filed_before_its_folio_moved_unit_is_refused(world):
    san = world.san
    req = requirement_change(world).ids[0]
    move = unit_change(world).ids[0]
    san.approve_request()(REVISOR, ApproveCommand(move))
    with pytest.raises(Conflict, match="cambió desde que se registró"):
        san.approve_request()(REVISOR, ApproveCommand(req))
    assert world.folio(F_VALID).key1.quantity != 2


def test_an_undone_merge_is_not_just_validado_in_the_directors_list(world):
    san = world.san
    filed = merge(world).ids[0]
    decision = san.approve_request()(REVISOR, ApproveCommand(filed))
    moved = decision.applied[0]
    assert moved.before == "" and moved.after != "ninguno"  # names the folios that moved
    san.undo_merge()(ADMIN, filed, "Eran personas distintas")
    rows = san.queries().requests(world.director_a.scope, "merge", ALL).items
    assert [r.status_label for r in rows if r.id == filed] == ["Validado (homologación deshecha)"]


def test_the_extraction_lists_the_units_requests_with_their_coded_reasons(world):
    from .test_documents import extract

    san = world.san
    rejected = cancellation(world).ids[0]
    san.reject_request()(REVISOR, RejectCommand(rejected, "Ilegible", "DOC-INCOMPLETA"))
    pended = requirement_change(world).ids[0]
    san.pend_request()(REVISOR, PendCommand(pended, "FUERA-DE-REGLA", "Dosis fuera de regla"))
    result, wb = extract(world, world.director_a)
    assert result.rows == 6  # the folios; the requests are a sheet of their own
    sheet = wb["SOLICITUDES"]
    assert [c.value for c in sheet[1]] == [
        "N° de solicitud", "Fecha solicitud", "Tipo de solicitud", "Folio", "Estatus de cambio",
        "Clave del motivo", "Motivo de la revisión", "Fecha de decisión"]
    rows = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows[rejected][4:7] == ("No Validado", "DOC-INCOMPLETA", "Ilegible")
    assert rows[pended][4:7] == ("Requiere información", "FUERA-DE-REGLA",
                                 "Dosis fuera de regla")


def test_the_extractions_requests_sheet_keeps_the_window_and_the_domains_labels(world, clock):
    """SOLICITUDES read by its own SELECT: the window by the filing's day, the subtype's label
    as Tipo de solicitud and Validado con modificación, as the domain's request reads them."""
    from .test_documents import extract

    san = world.san
    cancelled = cancellation(world).ids[0]
    modified = requirement_change(world, qty=2).ids[0]
    san.approve_request()(REVISOR, ApproveCommand(modified, modifications={"quantity1": 3}))
    today = clock.today()
    _, wb = extract(world, world.director_a, end=today - timedelta(days=1))
    assert "SOLICITUDES" not in wb.sheetnames  # filed today: outside a window ending yesterday
    _, wb = extract(world, world.director_a, end=today)
    rows = {r[0]: r for r in wb["SOLICITUDES"].iter_rows(min_row=2, values_only=True)}
    assert set(rows) == {cancelled, modified}
    for request_id in rows:
        domain = world.san.queries().request(ADMIN.scope, request_id)
        assert rows[request_id][1].date() == today
        assert rows[request_id][2:5] == (domain.row.type_label, domain.row.folio_number or None,
                                         domain.row.status_label)
    assert rows[modified][4] == "Validado con modificación"
    assert rows[modified][7].date() == today and rows[cancelled][7] is None
