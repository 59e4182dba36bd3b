"""What the acceptance review found, fixed through the use cases on both databases: the upper
limit of an ampliación, validating an old Pendiente folio, the check before the form (the
filing's own rules), two active records with the same NSS and agregado, the validated
homologaciones an admin can undo (reason required). Today is 2026-03-10."""

from __future__ import annotations

from datetime import date

import pytest

from sanece.application.use_cases.evaluation import EvaluationCommand
from sanece.application.use_cases.requests import FilePatientDataCommand
from sanece.domain.model import Folio
from sanece.domain.values import EvaluationStatus, ExpiryChangeKind
from sanece.domain.request_types import RequestType
from shared.audit.domain import AuditFilter
from shared.kernel.errors import Conflict, NotFound, PermissionDenied, ValidationError
from shared.kernel.pagination import PageRequest

from ..support import ADMIN, EVALUADOR, F_B, F_EXPIRED, F_NOT, F_PENDING, F_VALID, pdf_upload
from .test_requests import approve, cancellation, extension, merge

OLD_PENDING = "20250414069"  # the review's example: Pendiente since 14/04/2025


def audit_actions(container, prefix: str) -> list[str]:
    return [r.entry.action for r in container.audit_query().list(AuditFilter(action=prefix))]


# ---- 1. ampliación ---------------------------------------------------------------------------

def test_an_extension_to_2099_is_refused_and_the_limit_accepted(world, container):
    filed = extension(world).ids[0]  # F_VALID expires 15/04/2026
    with pytest.raises(ValidationError) as refused:
        approve(world, filed, new_expiry=date(2099, 12, 31))
    assert refused.value.message == (
        "La nueva fecha de vencimiento no puede ser posterior al 15/04/2031: una ampliación es "
        "de a lo más 60 meses (el periodo de evaluación más largo) a partir de la fecha de "
        "vencimiento actual (15/04/2026).")
    assert world.folio(F_VALID).expiry_date == date(2026, 4, 15)  # nothing applied
    assert audit_actions(container, "sanece.request_approved") == []
    detail = world.san.queries().request(ADMIN.scope, filed)
    assert detail.new_expiry_range == (date(2026, 4, 16), date(2031, 4, 15))
    approve(world, filed, new_expiry=date(2031, 4, 15))
    assert world.folio(F_VALID).expiry_date == date(2031, 4, 15)
    assert world.san.queries().request(ADMIN.scope, filed).new_expiry_range is None


def test_an_expired_folio_is_extended_from_today(world):
    filed = extension(world, F_EXPIRED).ids[0]  # expired on 01/04/2025
    with pytest.raises(ValidationError, match=r"posterior al 10/03/2031: .* a partir de hoy "
                                              r"\(10/03/2026\)"):
        approve(world, filed, new_expiry=date(2031, 3, 11))
    approve(world, filed, new_expiry=date(2031, 3, 10))


# ---- 2. evaluating an old Pendiente folio -----------------------------------------------------

def test_an_old_pendiente_folio_needs_a_period_that_reaches_today(world, container):
    with world.san.uow() as uow:
        uow.folios.add(Folio(number=OLD_PENDING, medicine_id=world.medicines["USTEKINUMAB"],
                             evaluation_date=date(2025, 4, 14), unit_id=world.units["A"],
                             patient_id=world.patients["P1"], diagnosis="PSORIASIS"))
        uow.commit()
    evaluate = world.san.register_evaluation()

    def validated(months: int):  # type: ignore[no-untyped-def]
        return evaluate(EVALUADOR, EvaluationCommand(
            OLD_PENDING, "validated", months, "5500", 2, requirement="Clave 5500 cada 12 semanas."))

    with pytest.raises(ValidationError) as refused:
        validated(6)
    assert refused.value.message == (
        "Con un periodo de 6 meses a partir de la fecha de evaluación (14/04/2025), la fecha de "
        "vencimiento sería el 14/10/2025, que ya pasó; indica un periodo de al menos 11 meses "
        "para que el folio quede vigente.")
    assert world.folio(OLD_PENDING).status is EvaluationStatus.PENDING
    assert audit_actions(container, "sanece.folio_evaluated") == []
    assert world.san.queries().period_in_force(date(2025, 4, 14)) == 11
    result = validated(11)
    assert result.expiry_date == date(2026, 3, 14)
    assert world.san.queries().folio(ADMIN.scope, OLD_PENDING).in_force


# ---- 3. the check before the form -------------------------------------------------------------

def test_the_check_before_the_form_gives_the_filings_refusal(world):
    check = world.san.check_filing()
    a = world.director_a
    ext = check.folio(a, F_PENDING, RequestType.EXPIRY_CHANGE, "extension")
    assert not ext.allowed and ext.rule == "extension_needs_validated_folio"
    assert ext.message == ("La ampliación de fecha de vencimiento solo aplica a folios Validada; "
                           f"el folio {F_PENDING} tiene estatus Pendiente.")
    assert check.folio(a, F_VALID, RequestType.EXPIRY_CHANGE, "extension").allowed
    assert not check.folio(a, F_NOT, RequestType.UNIT_CHANGE).allowed
    assert "venció el 01/04/2025" in check.folio(a, F_EXPIRED,
                                                 RequestType.REQUIREMENT_CHANGE).message
    # a second request of the type while one is pending: the message the filing would give
    cancellation(world)
    pending = check.folio(a, F_VALID, RequestType.EXPIRY_CHANGE, ExpiryChangeKind.EXTENSION)
    with pytest.raises(ValidationError) as refused:
        extension(world)
    assert not pending.allowed and pending.message == refused.value.message
    assert check.folio(a, F_VALID, RequestType.UNIT_CHANGE).allowed  # another type is fine
    # once the baja is approved, a baja on a folio in Baja is refused before the form
    [baja] = [r for r in world.san.queries().review_queue(ADMIN.scope, PageRequest(1, 10)).items
              if r.folio_number == F_VALID]
    approve(world, baja.id)
    assert "tiene estatus Baja" in check.folio(a, F_VALID, RequestType.EXPIRY_CHANGE,
                                               "cancellation").message
    # scope, kind and roles
    with pytest.raises(NotFound):
        check.folio(a, F_B, RequestType.UNIT_CHANGE)
    with pytest.raises(ValidationError, match="Elige Baja de folio o Ampliación"):
        check.folio(a, F_EXPIRED, RequestType.EXPIRY_CHANGE, None)
    with pytest.raises(PermissionDenied):
        check.folio(ADMIN, F_EXPIRED, RequestType.UNIT_CHANGE)


def test_the_patient_check_before_the_form(world):
    check = world.san.check_filing()
    p1 = world.patients["P1"]
    assert check.patient_data(world.director_a, p1).allowed
    world.san.file_patient_data_change()(world.director_a, FilePatientDataCommand(
        p1, [pdf_upload()], given_names="PACO"))
    refused = check.patient_data(world.director_a, p1)
    assert not refused.allowed and "En espera para el paciente 1111111111 - 1F1980OR" in \
        refused.message
    with pytest.raises(NotFound):
        check.patient_data(world.director_a, world.patients["PB"])


# ---- 7. NSS and agregado stay unique among active records ---------------------------------

def test_a_data_change_to_another_records_identity_points_to_the_homologacion(world):
    file = world.san.file_patient_data_change()
    m1 = world.patients["M1"]  # 1071533138 5M1953PE; M2 is 1071533138 2F1954OR
    with pytest.raises(Conflict) as refused:
        file(world.director_a, FilePatientDataCommand(m1, [pdf_upload()], aggregate="2f1954or"))
    assert refused.value.message == (
        "Ya existe otro registro activo con el NSS 1071533138 y el agregado 2F1954OR. Si "
        "corresponde a la misma persona, solicita la homologación de registros en lugar del "
        "cambio de datos.")
    # another unit's record counts too (the folio imports match NSS + agregado everywhere)
    with pytest.raises(Conflict):
        file(world.director_a, FilePatientDataCommand(world.patients["P1"], [pdf_upload()],
                                                      nss="2222222222", aggregate="3M1970OR"))
    assert world.san.queries().requests(world.director_a.scope, RequestType.PATIENT_DATA,
                                        PageRequest()).total == 0


def test_the_identity_is_checked_again_when_approving(world):
    file = world.san.file_patient_data_change()
    first = file(world.director_a, FilePatientDataCommand(
        world.patients["M2"], [pdf_upload()], aggregate="7F1954OR")).ids[0]
    second = file(world.director_a, FilePatientDataCommand(
        world.patients["M3"], [pdf_upload()], aggregate="7F1954OR")).ids[0]
    approve(world, first)
    with pytest.raises(Conflict, match="No se puede validar la solicitud: ya existe otro "
                                       "registro activo con el NSS 1071533138 y el agregado "
                                       "7F1954OR"):
        approve(world, second)
    assert world.patient("M3").aggregate == "6F1954PE"


# ---- 8. validated homologaciones, undone with a reason ----------------------------------------

def test_the_validated_merges_list_what_moved_and_whether_undone(world, container):
    q = world.san.queries()
    assert q.merges(ADMIN.scope, PageRequest()).total == 0
    filed = merge(world).ids[0]
    approve(world, filed)
    [row] = q.merges(ADMIN.scope, PageRequest()).items
    assert (row.id, row.moved_folios, row.undone) == (filed, ("20251101012",), False)
    assert row.original.endswith("1071533138 - 2F1954OR")
    with pytest.raises(PermissionDenied):
        q.merges(world.director_a.scope, PageRequest())
    with pytest.raises(ValidationError):
        world.san.undo_merge()(ADMIN, filed, "")
    world.san.undo_merge()(ADMIN, filed, "Eran dos beneficiarias distintas.")
    [row] = q.merges(ADMIN.scope, PageRequest(7, 10)).items  # a page past the end: the last
    assert row.undone
    assert q.merges(ADMIN.scope, PageRequest(1, 10, "gomez")).total == 1
