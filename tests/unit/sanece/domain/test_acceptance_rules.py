"""Rules added after the acceptance review: the upper limit of an ampliación, an evaluation
that would leave the folio already expired, the preconditions a folio or record must pass
before a request is filed (the very rules the filing checks), the uniqueness of NSS and
agregado among active records, and the reason of an undone homologación."""

from __future__ import annotations

import copy
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.kernel.errors import Conflict, DomainError, ValidationError

from sanece.domain.model import minimum_period_in_force
from sanece.domain.requests import (
    PatientDataChange,
    approve,
    extension_window,
    file_expiry_change,
    file_merge,
    file_patient_data_change,
    file_requirement_change,
    file_unit_change,
    first_broken,
    folio_request_rules,
    merge_window_rules,
    motives_for,
    patient_data_rules,
    reject,
)
from sanece.domain.values import (
    DrugQuantity,
    EvaluationStatus,
    ExpiryChangeKind,
    MergeChoice,
    add_months,
)
from sanece.domain.request_types import RequestType

from .factories import (
    CERTOLIZUMAB,
    NOW,
    PDF,
    TODAY,
    UNIT_B,
    patient,
    pending_folio,
    validated_folio,
)

FILED = dict(filed_by="director.campeche", filed_at=NOW)
LATER = NOW + timedelta(hours=2)


def extension_request(folio, today=TODAY):  # type: ignore[no-untyped-def]
    return file_expiry_change(folio, ExpiryChangeKind.EXTENSION, motive="Desabasto",
                              detail="Sin abasto", attachments=[PDF], existing=(), today=today,
                              **FILED)


# ---- 1. ampliación: at most the longest evaluation period ----------------------------------

def test_extension_to_2099_is_refused_with_the_limit() -> None:
    f = validated_folio()  # vigente until 14/10/2025 (today is 02/05/2025)
    req = extension_request(f)
    before = copy.deepcopy((req, f))
    with pytest.raises(ValidationError) as refused:
        approve(req, today=TODAY, now=LATER, reviewer="r", folio=f,
                new_expiry=date(2099, 12, 31))
    assert refused.value.message == (
        "La nueva fecha de vencimiento no puede ser posterior al 14/10/2030: una ampliación es "
        "de a lo más 60 meses (el periodo de evaluación más largo) a partir de la fecha de "
        "vencimiento actual (14/10/2025).")
    assert refused.value.code == "new_expiry_within_longest_period"
    assert copy.deepcopy((req, f)) == before
    approve(req, today=TODAY, now=LATER, reviewer="r", folio=f, new_expiry=date(2030, 10, 14))
    assert f.expiry_date == date(2030, 10, 14)


def test_extension_of_an_expired_folio_counts_from_today() -> None:
    f = validated_folio(months=1)  # expired on 14/05/2025
    today = date(2025, 6, 1)
    req = extension_request(f, today)
    assert extension_window(f.expiry_date, today) == (today, date(2030, 6, 1))
    with pytest.raises(ValidationError, match=r"posterior al 01/06/2030: .* a partir de hoy "
                                              r"\(01/06/2025\)\."):
        approve(req, today=today, now=LATER, reviewer="r", folio=f, new_expiry=date(2030, 6, 2))
    approve(req, today=today, now=LATER, reviewer="r", folio=f, new_expiry=date(2030, 6, 1))


@given(st.integers(1, 60), st.integers(-400, 400), st.integers(-30, 2000))
def test_extension_window_is_exactly_what_approval_accepts(months: int, today_offset: int,
                                                           new_offset: int) -> None:
    f = validated_folio(months=months)
    today = f.evaluation_date + timedelta(days=max(0, today_offset))
    req = extension_request(f, today)
    earliest, latest = extension_window(f.expiry_date, today)
    new_expiry = earliest + timedelta(days=new_offset)
    assert earliest > f.expiry_date or earliest == today
    assert latest == add_months(max(f.expiry_date, today), 60)
    if earliest <= new_expiry <= latest:
        approve(req, today=today, now=LATER, reviewer="r", folio=f, new_expiry=new_expiry)
        assert f.expiry_date == new_expiry
    else:
        with pytest.raises(ValidationError,
                           match="a lo más 60 meses" if new_expiry > latest else "posterior a "
                           "la actual|anterior a hoy"):
            approve(req, today=today, now=LATER, reviewer="r", folio=f, new_expiry=new_expiry)
        assert req.is_pending


# ---- 2. evaluating an old Pendiente folio ---------------------------------------------------

def test_guide_folio_validated_too_late_names_the_date_and_the_period_needed() -> None:
    f = pending_folio("20250414069")  # USTEKINUMAB, Pendiente since 14/04/2025
    before = copy.deepcopy(f)
    with pytest.raises(ValidationError) as refused:
        f.register_validated(medicine=CERTOLIZUMAB, period_months=6,
                             key1=DrugQuantity("5795", 1), requirement="Dosis",
                             today=date(2026, 3, 10))
    assert refused.value.message == (
        "Con un periodo de 6 meses a partir de la fecha de evaluación (14/04/2025), la fecha de "
        "vencimiento sería el 14/10/2025, que ya pasó; indica un periodo de al menos 11 meses "
        "para que el folio quede vigente.")
    assert f == before
    f.register_validated(medicine=CERTOLIZUMAB, period_months=11, key1=DrugQuantity("5795", 1),
                         requirement="Dosis", today=date(2026, 3, 10))
    assert f.expiry_date == date(2026, 3, 14) and f.is_in_force(date(2026, 3, 10))


def test_a_folio_older_than_the_longest_period_cannot_be_validated() -> None:
    f = pending_folio("20200101001")
    with pytest.raises(ValidationError, match="ni con el periodo máximo de 60 meses el folio "
                                              "quedaría vigente hoy \\(10/03/2026\\)"):
        f.register_validated(medicine=CERTOLIZUMAB, period_months=60,
                             key1=DrugQuantity("5795", 1), requirement="Dosis",
                             today=date(2026, 3, 10))
    assert f.status is EvaluationStatus.PENDING
    f.register_not_validated(observations="Caso fuera de tiempo")  # still possible


@given(st.dates(date(2019, 1, 1), date(2026, 12, 31)), st.integers(1, 60),
       st.integers(0, 2200))
def test_validated_today_means_vigente_today(day: date, months: int, waited: int) -> None:
    f = pending_folio(f"{day:%Y%m%d}001")
    today = day + timedelta(days=waited)
    minimum = minimum_period_in_force(day, today)
    if add_months(day, months) >= today:
        f.register_validated(medicine=CERTOLIZUMAB, period_months=months,
                             key1=DrugQuantity("5795", 1), requirement="Dosis", today=today)
        assert f.is_in_force(today)
        assert minimum is not None and minimum <= months
    else:
        with pytest.raises(ValidationError, match="que ya pasó"):
            f.register_validated(medicine=CERTOLIZUMAB, period_months=months,
                                 key1=DrugQuantity("5795", 1), requirement="Dosis", today=today)
        assert f.status is EvaluationStatus.PENDING
        assert minimum is None or minimum > months
    if minimum is not None:  # the shortest period that reaches today, as the message says
        assert add_months(day, minimum) >= today
        assert minimum == 1 or add_months(day, minimum - 1) < today


# ---- 3. preconditions before the form = the filing's own rules -----------------------------

FOLIO_STATES = st.sampled_from(["pending", "validated", "expired", "not_validated", "cancelled"])


def folio_in(state: str):  # type: ignore[no-untyped-def]
    if state == "pending":
        return pending_folio()
    f = validated_folio(months=6 if state != "expired" else 1)  # expired on 14/05/2025
    if state == "not_validated":
        f = pending_folio()
        f.register_not_validated(observations="x")
    if state == "cancelled":
        f.cancel(date(2025, 4, 20))
    return f


def file_folio_request(request_type: RequestType, folio, kind, existing, today):  # type: ignore[no-untyped-def]
    """File with every other input valid: only the folio's preconditions can refuse."""
    if request_type is RequestType.EXPIRY_CHANGE:
        return file_expiry_change(folio, kind, motive=motives_for(request_type, kind)[0],
                                  detail="Detalle", attachments=[PDF], existing=existing,
                                  today=today, **FILED)
    if request_type is RequestType.UNIT_CHANGE:
        return file_unit_change(folio, UNIT_B, motive="Contrarreferencia", detail="Detalle",
                                attachments=[PDF], existing=existing, today=today, **FILED)
    return file_requirement_change(folio, CERTOLIZUMAB, key1=DrugQuantity("5796", 3),
                                   requirement="Otra dosis", motive="Ajuste de dosis",
                                   detail="Detalle", attachments=[PDF], existing=existing,
                                   today=today, **FILED)


@given(FOLIO_STATES,
       st.sampled_from([(RequestType.EXPIRY_CHANGE, ExpiryChangeKind.EXTENSION),
                        (RequestType.EXPIRY_CHANGE, ExpiryChangeKind.CANCELLATION),
                        (RequestType.UNIT_CHANGE, None),
                        (RequestType.REQUIREMENT_CHANGE, None)]),
       st.booleans(), st.booleans())
def test_folio_preconditions_say_exactly_what_the_filing_says(
        state: str, target: tuple, pending_same_type: bool, decided: bool) -> None:  # type: ignore[type-arg]
    request_type, kind = target
    folio = folio_in(state)
    existing = []
    if pending_same_type:
        # a request of the same type filed earlier on a vigente copy of the folio
        earlier = file_folio_request(request_type, validated_folio(), kind or
                                     ExpiryChangeKind.CANCELLATION, (), TODAY)
        if decided:
            reject(earlier, reason="No procede", now=LATER, reviewer="r")
        existing.append(earlier)
    broken = first_broken(folio_request_rules(request_type, folio, existing=existing,
                                              today=TODAY, kind=kind))
    try:
        file_folio_request(request_type, folio, kind, existing, TODAY)
    except DomainError as refused:
        assert broken is not None and refused.message == broken.get_message()
    else:
        assert broken is None
    if state in ("pending", "not_validated", "cancelled") and kind is not None:
        assert broken is not None  # the review's examples: Ampliación on a Pendiente folio…
    if pending_same_type and not decided and state == "validated":
        assert broken is not None and "En espera" in broken.get_message()


def test_ampliacion_on_a_pendiente_and_baja_on_a_baja_are_refused_before_the_form() -> None:
    rules = folio_request_rules(RequestType.EXPIRY_CHANGE, pending_folio(), existing=(),
                                today=TODAY, kind=ExpiryChangeKind.EXTENSION)
    assert first_broken(rules).get_message() == (  # type: ignore[union-attr]
        "La ampliación de fecha de vencimiento solo aplica a folios Validada; el folio "
        "20250414214 tiene estatus Pendiente.")
    rules = folio_request_rules(RequestType.EXPIRY_CHANGE, folio_in("cancelled"), existing=(),
                                today=TODAY, kind=ExpiryChangeKind.CANCELLATION)
    assert first_broken(rules).get_message() == (  # type: ignore[union-attr]
        "La baja de folio solo aplica a folios con fecha de vencimiento vigente; el folio "
        "20250414214 tiene estatus Baja.")
    with pytest.raises(ValueError):
        folio_request_rules(RequestType.EXPIRY_CHANGE, pending_folio(), existing=(),
                            today=TODAY)
    with pytest.raises(ValueError):
        folio_request_rules(RequestType.MERGE, pending_folio(), existing=(), today=TODAY)


def test_patient_preconditions_match_the_filing() -> None:
    p = patient()
    assert first_broken(patient_data_rules(p, existing=())) is None
    first = file_patient_data_change(p, PatientDataChange(given_names="JUAN"),
                                     eligibility_proof=[PDF], existing=(), **FILED)
    broken = first_broken(patient_data_rules(p, existing=[first]))
    assert broken is not None
    with pytest.raises(ValidationError) as refused:
        file_patient_data_change(p, PatientDataChange(given_names="PEDRO"),
                                 eligibility_proof=[PDF], existing=[first], **FILED)
    assert refused.value.message == broken.get_message()
    merged = patient(2)
    merged.mark_merged_into(1, NOW)
    assert "ya fue homologado" in first_broken(  # type: ignore[union-attr]
        patient_data_rules(merged, existing=())).get_message()


def test_merge_window_needs_several_records() -> None:
    one = [patient(1)]
    assert first_broken(merge_window_rules(one)).get_message() == (  # type: ignore[union-attr]
        "La homologación aplica cuando el NSS tiene más de un registro en el SAnECE; este NSS "
        "tiene uno solo.")
    with pytest.raises(ValidationError, match="tiene uno solo"):
        file_merge(one, {1: MergeChoice.CORRECT}, eligibility_proof=[PDF], existing=(), **FILED)
    assert first_broken(merge_window_rules([patient(1), patient(2, aggregate="2F1980OR")])) \
        is None


# ---- 7. two active records never share NSS and agregado ------------------------------------

def test_a_data_change_cannot_take_another_active_records_identity() -> None:
    target = patient(1, "1111111111", "1F1980OR")
    other = patient(2, "2222222222", "3M1970OR")
    change = PatientDataChange(nss="2222222222", aggregate="3m1970or")
    with pytest.raises(Conflict) as refused:
        file_patient_data_change(target, change, eligibility_proof=[PDF], existing=(),
                                 same_nss=[target, other], **FILED)
    assert refused.value.message == (
        "Ya existe otro registro activo con el NSS 2222222222 y el agregado 3M1970OR. Si "
        "corresponde a la misma persona, solicita la homologación de registros en lugar del "
        "cambio de datos.")
    # the records with that NSS are required to decide it
    with pytest.raises(ValueError):
        file_patient_data_change(target, change, eligibility_proof=[PDF], existing=(), **FILED)
    # a merged record keeps its data but no longer counts; another agregado is fine
    merged = patient(3, "2222222222", "3M1970OR")
    merged.mark_merged_into(9, NOW)
    file_patient_data_change(target, change, eligibility_proof=[PDF], existing=(),
                             same_nss=[merged], **FILED)
    file_patient_data_change(target, PatientDataChange(nss="2222222222"),
                             eligibility_proof=[PDF], existing=(), same_nss=[other], **FILED)
    # a change of names only never needs the check
    file_patient_data_change(target, PatientDataChange(given_names="JUAN"),
                             eligibility_proof=[PDF], existing=(), **FILED)


def test_the_identity_is_checked_again_at_approval() -> None:
    a = patient(1, "1111111111", "1F1980OR")
    b = patient(2, "1111111111", "2F1980OR")
    req_a = file_patient_data_change(a, PatientDataChange(aggregate="5M1953PE"),
                                     eligibility_proof=[PDF], existing=(), same_nss=[a, b],
                                     **FILED)
    req_b = file_patient_data_change(b, PatientDataChange(aggregate="5M1953PE"),
                                     eligibility_proof=[PDF], existing=(), same_nss=[a, b],
                                     **FILED)
    approve(req_a, today=TODAY, now=LATER, reviewer="r", patient=a, same_nss=[a, b])
    before = copy.deepcopy((req_b, b))
    with pytest.raises(Conflict, match="No se puede validar la solicitud: ya existe otro "
                                       "registro activo con el NSS 1111111111 y el agregado "
                                       "5M1953PE"):
        approve(req_b, today=TODAY, now=LATER, reviewer="r", patient=b, same_nss=[a, b])
    assert copy.deepcopy((req_b, b)) == before
    with pytest.raises(ValueError):
        approve(req_b, today=TODAY, now=LATER, reviewer="r", patient=b)
