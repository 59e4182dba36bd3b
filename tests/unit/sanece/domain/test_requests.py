"""Change requests: filing preconditions, approval effects, conflicts, rejection (S6-S12)."""

from __future__ import annotations

import copy
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.kernel.errors import Conflict, ValidationError

from sanece.domain.model import Medicine
from sanece.domain.requests import (
    CANCELLATION_MOTIVES,
    EXTENSION_MOTIVES,
    REQUIREMENT_CHANGE_MOTIVES,
    UNIT_CHANGE_MOTIVES,
    ChangeRequest,
    PatientDataChange,
    approve,
    file_expiry_change,
    file_merge,
    file_patient_data_change,
    file_requirement_change,
    file_unit_change,
    motives_for,
    payload_from_dict,
    preview_merge,
    reject,
    undo_merge,
)
from sanece.domain.values import (
    DrugKey,
    DrugQuantity,
    EvaluationStatus,
    ExpiryChangeKind,
    MergeChoice,
    RequestStatus,
)
from sanece.domain.request_types import RequestType

from .factories import (
    CERTOLIZUMAB,
    JPEG,
    NOW,
    PDF,
    PNG,
    TODAY,
    UNIT_A,
    UNIT_B,
    attachments,
    patient,
    pending_folio,
    validated_folio,
)

FILED = dict(filed_by="director.campeche", filed_at=NOW)
LATER = NOW + timedelta(hours=2)


def data_change(p=None, existing=(), **changes):  # type: ignore[no-untyped-def]
    return file_patient_data_change(p or patient(), PatientDataChange(**changes),
                                    eligibility_proof=[PDF], existing=existing, unit_id=1,
                                    same_nss=(), **FILED)


def expiry_change(folio, kind, existing=(), today=TODAY, files=(PDF,), motive=None):  # type: ignore[no-untyped-def]
    motive = motive or motives_for(RequestType.EXPIRY_CHANGE, kind)[0]
    return file_expiry_change(folio, kind, motive=motive, detail="Sin abasto en farmacia",
                              attachments=list(files), existing=existing, today=today, **FILED)


def unit_change(folio, destination=UNIT_B, existing=(), today=TODAY):  # type: ignore[no-untyped-def]
    return file_unit_change(folio, destination, motive="Contrarreferencia",
                            detail="Regresa a su unidad", attachments=[PDF], existing=existing,
                            today=today, **FILED)


def requirement_change(folio, key1=DrugQuantity("5795", 24), key2=None, existing=(),  # type: ignore[no-untyped-def]
                       today=TODAY, requirement="Dosis 800 mg al mes", medicine=CERTOLIZUMAB):
    return file_requirement_change(folio, medicine, key1=key1, key2=key2,
                                   requirement=requirement, motive="Ajuste de dosis",
                                   detail="Indicación del médico tratante", attachments=[PNG],
                                   existing=existing, today=today, **FILED)


def same(*objs):  # type: ignore[no-untyped-def]
    return copy.deepcopy(objs)


# ---- patient data change (S7) ----------------------------------------------------------------

def test_guide_example_patient_data_change() -> None:
    p = patient()
    req = data_change(p, maternal_surname="sanece", given_names="paciente")
    assert req.status is RequestStatus.PENDING and req.status.label == "En espera"
    assert req.payload.fields() == {"maternal_surname": "SANECE"}  # only real changes kept
    assert req.snapshot["maternal_surname"] == "PRUEBA"
    result = approve(req, today=TODAY, now=LATER, reviewer="revisor", patient=p, same_nss=())
    assert p.maternal_surname == "SANECE"
    assert p.label == "PACIENTE PRUEBA SANECE 1111111111 - 1F1980OR"
    assert result.patients == (p,) and result.folios == ()
    assert req.status.label == "Validado" and req.decided_by == "revisor"
    assert req.outcome == {"before": {**p.data(), "maternal_surname": "PRUEBA"},
                           "after": p.data()}


@given(st.sets(st.sampled_from(["nss", "aggregate", "paternal_surname", "maternal_surname",
                                "given_names"])))
def test_patient_change_needs_a_real_change(ticked: set[str]) -> None:
    p = patient()
    same_values = {name: getattr(p, name).lower() for name in ticked}  # ticked, unchanged
    with pytest.raises(ValidationError, match="valor distinto del actual"):
        data_change(p, **same_values)


@pytest.mark.parametrize("field,value,match", [
    ("nss", "123", "10 dígitos"),
    ("aggregate", "1X1980OR", "agregado"),
    ("paternal_surname", "  ", "apellido paterno"),
    ("given_names", "JUAN 2", "nombre"),
])
def test_patient_change_values_are_validated(field: str, value: str, match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        PatientDataChange(**{field: value})


@given(st.lists(attachments, max_size=3))
def test_patient_change_needs_exactly_one_eligibility_proof(files: list) -> None:  # type: ignore[type-arg]
    p = patient()
    call = lambda: file_patient_data_change(p, PatientDataChange(nss="2222222222"),  # noqa: E731
                                            eligibility_proof=files, existing=(), same_nss=(),
                                            **FILED)
    if len(files) == 1:
        assert call().attachments == tuple(files)
    else:
        with pytest.raises(ValidationError, match="vigencia"):
            call()


def test_one_pending_patient_change_per_patient() -> None:
    p = patient()
    first = data_change(p, nss="2222222222")
    with pytest.raises(ValidationError, match="Ya existe una solicitud .* En espera"):
        data_change(p, existing=[first], given_names="JUAN")
    # another patient, or a decided request, does not block
    data_change(patient(id=2), existing=[first], given_names="JUAN")
    reject(first, reason="Vigencia ilegible", now=LATER, reviewer="revisor")
    data_change(p, existing=[first], given_names="JUAN")


def test_patient_change_conflicts_when_patient_changed_since_filing() -> None:
    p = patient()
    a = data_change(p, nss="2222222222")
    b = data_change(p, given_names="JUAN")  # filed elsewhere before `a` was decided
    approve(a, today=TODAY, now=LATER, reviewer="revisor", patient=p, same_nss=())
    before = same(b, p)
    with pytest.raises(Conflict, match="cambió desde que se registró"):
        approve(b, today=TODAY, now=LATER, reviewer="revisor", patient=p, same_nss=())
    assert same(b, p) == before
    reject(b, reason="Datos desactualizados", now=LATER, reviewer="revisor")


def test_merged_patient_cannot_be_changed() -> None:
    p = patient()
    req = data_change(p, nss="2222222222")
    p.mark_merged_into(9, NOW)
    with pytest.raises(Conflict, match="No se puede validar la solicitud: el registro del paciente"):
        approve(req, today=TODAY, now=LATER, reviewer="revisor", patient=p, same_nss=())
    with pytest.raises(ValidationError, match="ya fue homologado"):
        data_change(p, nss="3333333333")


# ---- decisions are final -------------------------------------------------------------------

@given(st.booleans(), st.booleans())
def test_decisions_are_final(first_approves: bool, then_approves: bool) -> None:
    p = patient()
    req = data_change(p, nss="2222222222")
    if first_approves:
        approve(req, today=TODAY, now=LATER, reviewer="revisor", patient=p, same_nss=())
    else:
        reject(req, reason="No procede", now=LATER, reviewer="revisor")
    before = same(req, p)
    with pytest.raises(Conflict, match="decisiones son definitivas"):
        if then_approves:
            approve(req, today=TODAY, now=LATER, reviewer="otro", patient=p, same_nss=())
        else:
            reject(req, reason="otra", now=LATER, reviewer="otro")
    assert same(req, p) == before


@given(st.text(alphabet=" \t\n", max_size=3))
def test_rejection_needs_a_reason(blank: str) -> None:
    req = data_change(nss="2222222222")
    with pytest.raises(ValidationError, match="motivo"):
        reject(req, reason=blank, now=LATER, reviewer="revisor")
    assert req.is_pending
    reject(req, reason=" La vigencia no corresponde ", now=LATER, reviewer="revisor")
    assert req.reason == "La vigencia no corresponde"
    assert req.status.label == "No Validado"


# ---- merge / homologación (S8) ---------------------------------------------------------------

def guide_records():  # type: ignore[no-untyped-def]
    return [patient(1, "1071533138", "5M1953PE", "PEREZ", "ORTIZ", "MIGUEL ANGEL"),
            patient(2, "1071533138", "2F1954OR", "XXX", "GOMEZ", "MARIA DEL ROCIO"),
            patient(3, "1071533138", "6F1954PE", "XXX", "GOMEZ", "MARIA DEL ROCIO")]


def test_guide_example_merge() -> None:
    miguel, old, current = guide_records()
    folios = [pending_folio("20240101001", patient_id=2), validated_folio("20240301002",
                                                                          patient_id=2)]
    assert preview_merge(old, current, folios).folios_to_move == ("20240101001", "20240301002")
    [req] = file_merge([miguel, old, current], {1: MergeChoice.NOT_APPLICABLE,
                                                2: MergeChoice.MERGE, 3: MergeChoice.CORRECT},
                       eligibility_proof=[PDF], existing=(), **FILED)
    assert req.patient_id == 2 and req.payload.correct_patient_id == 3
    assert req.snapshot["record"]["aggregate"] == "2F1954OR"
    assert req.snapshot["correct"]["aggregate"] == "6F1954PE"
    result = approve(req, today=TODAY, now=LATER, reviewer="revisor", patient=old,
                     correct_patient=current, patient_folios=folios)
    assert all(f.patient_id == 3 for f in folios)
    assert old.merged_into == 3 and old.merged_at == LATER
    assert result.patients == (old,) and list(result.folios) == folios
    assert req.outcome["moved_folios"] == ["20240101001", "20240301002"]
    assert req.outcome["merged_record"]["aggregate"] == "2F1954OR"
    # an admin can undo a wrong merge from the outcome
    before = same(req, old, current, folios)
    with pytest.raises(ValidationError, match="motivo por el que se deshace"):
        undo_merge(req, record=old, correct=current, folios=folios, reason="  ")
    assert same(req, old, current, folios) == before
    undone = undo_merge(req, record=old, correct=current, folios=folios,
                        reason="Eran dos beneficiarias distintas.")
    assert old.merged_into is None and all(f.patient_id == 2 for f in folios)
    assert list(undone.folios) == folios
    assert req.status is RequestStatus.APPROVED


@given(st.lists(st.sampled_from(list(MergeChoice)), min_size=2, max_size=5))
def test_merge_needs_one_correct_and_at_least_one_to_merge(choices: list[MergeChoice]) -> None:
    records = [patient(i + 1, aggregate=f"{i}F1980OR") for i in range(len(choices))]
    mapping = {r.id: c for r, c in zip(records, choices)}
    n_correct = choices.count(MergeChoice.CORRECT)
    n_merge = choices.count(MergeChoice.MERGE)
    call = lambda: file_merge(records, mapping, eligibility_proof=[PDF], existing=(), **FILED)  # noqa: E731
    if n_correct != 1:
        with pytest.raises(ValidationError, match="exactamente un registro como Correcto"):
            call()
    elif n_merge == 0:
        with pytest.raises(ValidationError, match="al menos un registro como Homologar"):
            call()
    else:
        reqs = call()
        assert len(reqs) == n_merge  # one request per homologated record
        correct_id = next(r.id for r, c in zip(records, choices) if c is MergeChoice.CORRECT)
        assert {r.payload.correct_patient_id for r in reqs} == {correct_id}
        assert sorted(r.patient_id for r in reqs) == sorted(
            r.id for r, c in zip(records, choices) if c is MergeChoice.MERGE)


def test_merge_refusals() -> None:
    a, b = patient(1, "1111111111"), patient(2, "2222222222")
    with pytest.raises(ValidationError, match="mismo NSS"):
        file_merge([a, b], {1: MergeChoice.CORRECT, 2: MergeChoice.MERGE},
                   eligibility_proof=[PDF], existing=(), **FILED)
    c = patient(3, "1111111111", "2F1980OR")
    with pytest.raises(ValidationError, match="vigencia"):
        file_merge([a, c], {1: MergeChoice.CORRECT, 3: MergeChoice.MERGE},
                   eligibility_proof=[PDF, PNG], existing=(), **FILED)
    c.mark_merged_into(7, NOW)
    with pytest.raises(ValidationError, match="ya fue homologado"):
        file_merge([a, c], {1: MergeChoice.CORRECT, 3: MergeChoice.MERGE},
                   eligibility_proof=[PDF], existing=(), **FILED)


def test_merge_conflicts_when_a_record_changed_or_merged() -> None:
    a, b, c = patient(1, aggregate="1F1980OR"), patient(2, aggregate="2F1980OR"), patient(
        3, aggregate="3F1980OR")
    [ab] = file_merge([a, b], {1: MergeChoice.CORRECT, 2: MergeChoice.MERGE},
                      eligibility_proof=[PDF], existing=(), **FILED)
    [ac] = file_merge([a, c], {3: MergeChoice.CORRECT, 1: MergeChoice.MERGE},
                      eligibility_proof=[PDF], existing=(), **FILED)
    approve(ac, today=TODAY, now=LATER, reviewer="r", patient=a, correct_patient=c)
    before = same(ab, a, b)
    with pytest.raises(Conflict, match="homologado"):
        approve(ab, today=TODAY, now=LATER, reviewer="r", patient=b, correct_patient=a)
    assert same(ab, a, b) == before


def test_merge_needs_the_folios_of_the_record() -> None:
    a, b = patient(1, aggregate="1F1980OR"), patient(2, aggregate="2F1980OR")
    [req] = file_merge([a, b], {1: MergeChoice.CORRECT, 2: MergeChoice.MERGE},
                       eligibility_proof=[PDF], existing=(), **FILED)
    with pytest.raises(ValueError):
        approve(req, today=TODAY, now=LATER, reviewer="r", patient=b, correct_patient=a,
                patient_folios=[pending_folio(patient_id=1)])
    assert req.is_pending


# ---- expiry change (S9) --------------------------------------------------------------------

def test_extension_of_a_validated_folio() -> None:
    f = validated_folio()  # 14/04/2025 + 6 months = 14/10/2025
    req = expiry_change(f, ExpiryChangeKind.EXTENSION)
    assert req.type_label == "Ampliación de fecha de vencimiento"
    assert req.snapshot["expiry_date"] == "2025-10-14"
    with pytest.raises(ValidationError, match="fecha final"):
        approve(req, today=TODAY, now=LATER, reviewer="r", folio=f)
    with pytest.raises(ValidationError, match="posterior a la actual \\(14/10/2025\\)"):
        approve(req, today=TODAY, now=LATER, reviewer="r", folio=f, new_expiry=date(2025, 10, 14))
    assert req.is_pending and f.expiry_date == date(2025, 10, 14)
    approve(req, today=TODAY, now=LATER, reviewer="r", folio=f, new_expiry=date(2026, 1, 14))
    assert f.expiry_date == date(2026, 1, 14) and f.status is EvaluationStatus.VALIDATED
    assert req.final_date == date(2026, 1, 14)


def test_extension_applies_to_expired_validated_folios_but_not_to_others() -> None:
    f = validated_folio(months=1)
    today = date(2025, 6, 1)  # expired on 14/05/2025
    req = expiry_change(f, ExpiryChangeKind.EXTENSION, today=today)
    with pytest.raises(ValidationError, match="anterior a hoy"):
        approve(req, today=today, now=LATER, reviewer="r", folio=f, new_expiry=date(2025, 5, 20))
    approve(req, today=today, now=LATER, reviewer="r", folio=f, new_expiry=date(2025, 8, 1))
    with pytest.raises(ValidationError, match="solo aplica a folios Validada.*Pendiente"):
        expiry_change(pending_folio(), ExpiryChangeKind.EXTENSION)


def test_cancellation_of_a_vigente_folio() -> None:
    f = validated_folio()
    req = expiry_change(f, ExpiryChangeKind.CANCELLATION, files=(PDF, PNG, JPEG))
    assert req.payload.motive == CANCELLATION_MOTIVES[0]
    with pytest.raises(ValidationError, match="fecha de baja"):
        approve(req, today=TODAY, now=LATER, reviewer="r", folio=f,
                cancellation_date=TODAY + timedelta(days=1))
    approve(req, today=TODAY, now=LATER, reviewer="r", folio=f)
    assert f.status is EvaluationStatus.CANCELLED and f.cancellation_date == TODAY
    assert req.final_date == TODAY
    assert req.outcome["previous_status"] == "validated"


@given(st.integers(-30, 30))
def test_cancellation_needs_a_vigente_folio(offset: int) -> None:
    f = validated_folio()
    today = f.expiry_date + timedelta(days=offset)
    if offset <= 0:
        expiry_change(f, ExpiryChangeKind.CANCELLATION, today=today)
    else:
        with pytest.raises(ValidationError, match="vigente; el folio 20250414214 venció el 14/10/2025"):
            expiry_change(f, ExpiryChangeKind.CANCELLATION, today=today)


def test_cancellation_conflicts_when_the_folio_expired_before_the_decision() -> None:
    f = validated_folio()
    req = expiry_change(f, ExpiryChangeKind.CANCELLATION, today=f.expiry_date)
    before = same(req, f)
    with pytest.raises(Conflict, match="No se puede validar la solicitud: la baja de folio"):
        approve(req, today=f.expiry_date + timedelta(days=1), now=LATER, reviewer="r", folio=f)
    assert same(req, f) == before


def test_extension_conflicts_when_the_expiry_changed_since_filing() -> None:
    f = validated_folio()
    req = expiry_change(f, ExpiryChangeKind.EXTENSION)
    f.extend(date(2025, 12, 1))  # e.g. corrected by an import
    with pytest.raises(Conflict, match="el folio 20250414214 cambió"):
        approve(req, today=TODAY, now=LATER, reviewer="r", folio=f, new_expiry=date(2026, 6, 1))


def test_one_pending_expiry_change_per_folio() -> None:
    f = validated_folio()
    ext = expiry_change(f, ExpiryChangeKind.EXTENSION)
    with pytest.raises(ValidationError, match="En espera para el folio 20250414214"):
        expiry_change(f, ExpiryChangeKind.CANCELLATION, existing=[ext])
    # another type on the same folio is fine
    unit_change(f, existing=[ext])


@given(st.lists(attachments, max_size=5))
def test_folio_requests_need_one_to_three_attachments(files: list) -> None:  # type: ignore[type-arg]
    f = validated_folio()
    if 1 <= len(files) <= 3:
        assert expiry_change(f, ExpiryChangeKind.EXTENSION, files=files).attachments == tuple(files)
    else:
        with pytest.raises(ValidationError, match="archivo"):
            expiry_change(f, ExpiryChangeKind.EXTENSION, files=files)


@given(st.text(max_size=30))
def test_motive_must_come_from_the_list(motive: str) -> None:
    f = validated_folio()
    normalized = " ".join(motive.split()).casefold()
    allowed = {m.casefold(): m for m in EXTENSION_MOTIVES}
    if normalized in allowed:
        req = expiry_change(f, ExpiryChangeKind.EXTENSION, motive=motive)
        assert req.payload.motive == allowed[normalized]
    else:
        with pytest.raises(ValidationError, match="Elige un motivo de la lista"):
            expiry_change(f, ExpiryChangeKind.EXTENSION, motive=motive or "x")


def test_motive_lists() -> None:
    assert "Desabasto" in EXTENSION_MOTIVES
    assert "Contrarreferencia" in UNIT_CHANGE_MOTIVES
    assert motives_for(RequestType.REQUIREMENT_CHANGE) == REQUIREMENT_CHANGE_MOTIVES
    assert motives_for(RequestType.PATIENT_DATA) == ()
    assert expiry_change(validated_folio(), ExpiryChangeKind.EXTENSION,
                         motive="  desabasto ").payload.motive == "Desabasto"


def test_detail_is_required() -> None:
    with pytest.raises(ValidationError, match="Detalla el motivo"):
        file_expiry_change(validated_folio(), ExpiryChangeKind.EXTENSION, motive="Desabasto",
                           detail="  ", attachments=[PDF], existing=(), today=TODAY, **FILED)


# ---- unit change (S10) ---------------------------------------------------------------------

def test_unit_change_moves_the_folio() -> None:
    f = validated_folio(unit_id=UNIT_A.id)
    req = unit_change(f)
    assert req.payload.destination_ooad_id == UNIT_B.ooad_id
    approve(req, today=TODAY, now=LATER, reviewer="r", folio=f)
    assert f.unit_id == UNIT_B.id
    assert req.outcome == {"from_unit_id": 1, "to_unit_id": 2, "to_ooad_id": 2}


def test_unit_change_refusals_and_conflicts() -> None:
    f = validated_folio(unit_id=UNIT_A.id)
    with pytest.raises(ValidationError, match="distinta de la unidad actual"):
        unit_change(f, destination=UNIT_A)
    with pytest.raises(ValidationError, match="cambio de unidad médica solo aplica"):
        unit_change(pending_folio())
    req = unit_change(f)
    f.move_to_unit(3)
    with pytest.raises(Conflict, match="cambió desde que se registró"):
        approve(req, today=TODAY, now=LATER, reviewer="r", folio=f)
    f2 = validated_folio("20250414215")
    req2 = unit_change(f2)
    with pytest.raises(Conflict, match="vigente"):
        approve(req2, today=f2.expiry_date + timedelta(days=1), now=LATER, reviewer="r", folio=f2)


# ---- requirement change (S11) --------------------------------------------------------------

def test_requirement_change_replaces_keys_and_text() -> None:
    f = validated_folio()
    req = requirement_change(f, key1=DrugQuantity("5796", 2), key2=DrugQuantity("5795", 1))
    assert req.snapshot["key1"] == "5795" and req.snapshot["quantity1"] == 12
    approve(req, today=TODAY, now=LATER, reviewer="r", folio=f, medicine=CERTOLIZUMAB)
    assert f.key1 == DrugQuantity("5796", 2) and f.key2 == DrugQuantity("5795", 1)
    assert f.requirement == "Dosis 800 mg al mes"


def test_requirement_change_refusals() -> None:
    f = validated_folio()
    with pytest.raises(ValidationError, match="no corresponde al genérico"):
        requirement_change(f, key1=DrugQuantity("5434", 1))
    with pytest.raises(ValidationError, match="iguales a los actuales"):
        requirement_change(f, key1=DrugQuantity("5795", 12), requirement="Dosis 400 mg al mes.")
    with pytest.raises(ValidationError, match="distinta de la clave 1"):
        requirement_change(f, key2=DrugQuantity("5795", 3))
    with pytest.raises(ValidationError, match="requerimiento es obligatorio"):
        requirement_change(f, requirement=" ")


def test_requirement_change_conflicts() -> None:
    f = validated_folio()
    a = requirement_change(f)
    b = requirement_change(f, key1=DrugQuantity("5795", 6))  # filed before `a` was decided
    approve(a, today=TODAY, now=LATER, reviewer="r", folio=f, medicine=CERTOLIZUMAB)
    with pytest.raises(Conflict, match="cambió desde que se registró"):
        approve(b, today=TODAY, now=LATER, reviewer="r", folio=f, medicine=CERTOLIZUMAB)
    c = requirement_change(f, key1=DrugQuantity("5796", 1))
    shrunk = Medicine(id=CERTOLIZUMAB.id, name=CERTOLIZUMAB.name, keys=(DrugKey("5795"),))
    with pytest.raises(Conflict, match="5796 no corresponde"):
        approve(c, today=TODAY, now=LATER, reviewer="r", folio=f, medicine=shrunk)


# ---- the entity and its persistence shape -----------------------------------------------------

def test_payloads_round_trip_through_dicts() -> None:
    f = validated_folio()
    p = patient()
    reqs: list[ChangeRequest] = [
        data_change(p, nss="2222222222", aggregate="2m1990pe"),
        expiry_change(f, ExpiryChangeKind.CANCELLATION),
        unit_change(f),
        requirement_change(f, key2=DrugQuantity("5796", 1)),
        *file_merge([patient(1), patient(2, aggregate="2F1980OR")],
                    {1: MergeChoice.CORRECT, 2: MergeChoice.MERGE}, eligibility_proof=[PDF],
                    existing=(), **FILED),
    ]
    for r in reqs:
        assert payload_from_dict(r.type, r.payload.to_dict()) == r.payload


def test_request_constructor_refuses_inconsistent_states() -> None:
    req = data_change(nss="2222222222")
    fields = {a: getattr(req, a) for a in ("type", "patient_id", "payload", "snapshot",
                                           "attachments", "filed_by", "filed_at")}
    with pytest.raises(ValueError):
        ChangeRequest(**fields, status=RequestStatus.APPROVED)
    with pytest.raises(ValidationError, match="motivo"):
        ChangeRequest(**fields, status="rejected", decided_by="r", decided_at=LATER, reason="")
    with pytest.raises(ValueError):
        ChangeRequest(**{**fields, "type": RequestType.MERGE})
    ok = ChangeRequest(**fields, status="rejected", decided_by="r", decided_at=LATER, reason="x")
    assert ok.status is RequestStatus.REJECTED


def test_requested_patient_data_for_the_table() -> None:
    req = data_change(maternal_surname="SANECE")
    data = req.requested_patient_data()
    assert (data["given_names"], data["paternal_surname"], data["maternal_surname"]) == (
        "PACIENTE", "PRUEBA", "SANECE")
    assert req.target_key == (RequestType.PATIENT_DATA, "patient:1")
    assert req.type_label == "Cambio de datos de paciente"


def test_labels_follow_the_guide() -> None:
    from sanece.domain.values import Validity

    assert [s.label for s in EvaluationStatus] == ["Pendiente", "Validada", "No Validada", "Baja"]
    assert [s.label for s in RequestStatus] == ["En espera", "Validado", "No Validado",
                                              "Requiere información",
                                              "Cancelada por la unidad", "Vencida sin respuesta"]
    assert [c.label for c in MergeChoice] == ["Correcto", "Homologar", "No aplica"]
    assert [k.label for k in ExpiryChangeKind] == ["Ampliación de fecha de vencimiento",
                                                   "Baja de folio"]
    assert Validity.IN_FORCE.label == "Vigente" and Validity.EXPIRED.label == "Vencido"


def test_approval_needs_the_right_targets() -> None:
    f = validated_folio()
    req = unit_change(f)
    with pytest.raises(ValueError):
        approve(req, today=TODAY, now=LATER, reviewer="r", folio=validated_folio("20250414215"))
    with pytest.raises(ValueError):
        approve(req, today=TODAY, now=LATER, reviewer="", folio=f)
    p = patient()
    preq = data_change(p, nss="2222222222")
    with pytest.raises(ValueError):
        approve(preq, today=TODAY, now=LATER, reviewer="r", patient=patient(id=2))
    assert req.is_pending and preq.is_pending


def test_undo_refuses_when_the_record_is_no_longer_merged_there() -> None:
    a, b = patient(1, aggregate="1F1980OR"), patient(2, aggregate="2F1980OR")
    [req] = file_merge([a, b], {1: MergeChoice.CORRECT, 2: MergeChoice.MERGE},
                       eligibility_proof=[PDF], existing=(), **FILED)
    approve(req, today=TODAY, now=LATER, reviewer="r", patient=b, correct_patient=a)
    undo_merge(req, record=b, correct=a, folios=[], reason="Error de captura")
    with pytest.raises(Conflict, match="deshacer"):
        undo_merge(req, record=b, correct=a, folios=[], reason="Error de captura")
