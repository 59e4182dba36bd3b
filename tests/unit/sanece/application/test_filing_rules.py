"""Filing the five change requests on the fake unit of work: what is stored and audited, and
that every refusal (a broken rule, a foreign or missing target, a stale page, a second pending
request) leaves the store and the file storage as they were."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from sanece.application.concurrency import StaleVersion
from sanece.application.use_cases.attachments import BytesUpload
from sanece.application.use_cases.requests import (
    FileExpiryChange,
    FileExpiryChangeCommand,
    FileMerge,
    FileMergeCommand,
    FilePatientDataChange,
    FilePatientDataCommand,
    FileRequirementChange,
    FileRequirementChangeCommand,
    FileUnitChange,
    FileUnitChangeCommand,
)
from sanece.domain.request_types import RequestType
from sanece.domain.values import MergeChoice, RequestStatus
from shared.adapters.rendering.samples import tiny_pdf
from shared.kernel.errors import NotFound, PermissionDenied, ValidationError

from .conftest import stored_files
from .fakes import (
    AGUASCALIENTES,
    CAMPECHE,
    DIRECTOR_A,
    DIRECTOR_B,
    F_B,
    F_PENDING,
    F_VALID,
    NSS,
    P_B,
    P_DUP,
    P_MAIN,
    REVISOR,
    UNIT_A,
    UNIT_B,
    UNIT_C,
    World,
)

MAX_BYTES = 1024 * 1024


def pdf(name: str = "nota.pdf") -> BytesUpload:
    return BytesUpload(tiny_pdf(name), name)


def use_case(cls, world: World, clock, storage):
    return cls(world.uow, clock, storage, MAX_BYTES)


def file_data_change(world, clock, storage, actor=DIRECTOR_A, patient_id=P_MAIN, **changes):
    cmd = FilePatientDataCommand(patient_id, [pdf("vigencia.pdf")], **changes)
    return use_case(FilePatientDataChange, world, clock, storage)(actor, cmd)


def file_merge(world, clock, storage, choices=None):
    cmd = FileMergeCommand(NSS, choices or {P_MAIN: MergeChoice.CORRECT,
                                            P_DUP: MergeChoice.MERGE}, [pdf("vigencia.pdf")])
    return use_case(FileMerge, world, clock, storage)(DIRECTOR_A, cmd)


def file_expiry(world, clock, storage, number=F_VALID, kind="cancellation", actor=DIRECTOR_A,
                expected_version=None):
    motive = "Desabasto" if kind == "extension" else "Reacción adversa al medicamento"
    cmd = FileExpiryChangeCommand(number, kind, motive,
                                  "Hipersensibilidad tras la segunda aplicación.", [pdf()],
                                  expected_version=expected_version)
    return use_case(FileExpiryChange, world, clock, storage)(actor, cmd)


def file_unit_change(world, clock, storage, ooad=AGUASCALIENTES, unit=UNIT_B):
    cmd = FileUnitChangeCommand(F_VALID, "Contrarreferencia", "Se atenderá en el destino.",
                                ooad, unit, [pdf("contrarreferencia.pdf")])
    return use_case(FileUnitChange, world, clock, storage)(DIRECTOR_A, cmd)


def file_requirement(world, clock, storage, key="5796", qty=2,
                     requirement="Clave 5796 jeringa. 2 por mes."):
    cmd = FileRequirementChangeCommand(F_VALID, key, qty, requirement,
                                       "Ajuste de dosis", "Ajuste por peso.", [pdf()])
    return use_case(FileRequirementChange, world, clock, storage)(DIRECTOR_A, cmd)


def only_request(world: World, request_id: int):
    assert list(world.state.requests) == [request_id]
    return world.state.requests[request_id]


def assert_filed_audit(world: World, request_id: int, request_type: RequestType) -> dict:
    (entry,) = world.store.audit
    assert (entry.action, entry.actor, entry.target_type, entry.target_id) == (
        "sanece.request_filed", DIRECTOR_A.username, "sanece_request", str(request_id))
    assert entry.after["type"] == request_type.value and entry.after["unit_id"] == UNIT_A
    return entry.after


# --------------------------------------------------------------------------- happy paths


def test_patient_data_change_is_stored_pending_with_its_proof(world, clock, storage, tmp_path):
    filed = file_data_change(world, clock, storage, given_names="ANA LUISA")
    (request_id,) = filed.ids
    request = only_request(world, request_id)
    assert (request.type, request.status, request.patient_id, request.unit_id) == (
        RequestType.PATIENT_DATA, RequestStatus.PENDING, P_MAIN, UNIT_A)
    assert [a.original_name for a in request.attachments] == ["vigencia.pdf"]
    assert len(stored_files(tmp_path / "files")) == 1
    after = assert_filed_audit(world, request_id, RequestType.PATIENT_DATA)
    assert after["patient_id"] == P_MAIN and after["attachments"] == ["vigencia.pdf"]
    assert world.state.patients[P_MAIN].given_names == "ANA"  # applied only on approval


def test_merge_files_one_request_per_homologar_record(world, clock, storage):
    filed = file_merge(world, clock, storage)
    (request_id,) = filed.ids
    request = only_request(world, request_id)
    assert (request.type, request.patient_id) == (RequestType.MERGE, P_DUP)
    assert request.payload.correct_patient_id == P_MAIN
    assert_filed_audit(world, request_id, RequestType.MERGE)
    assert world.state.patients[P_DUP].merged_into is None


def test_expiry_change_keeps_the_folio_as_it_is_until_approved(world, clock, storage):
    before = world.state.folios[F_VALID]
    filed = file_expiry(world, clock, storage, kind="extension")
    request = only_request(world, filed.ids[0])
    assert (request.type, request.folio_number) == (RequestType.EXPIRY_CHANGE, F_VALID)
    after = assert_filed_audit(world, filed.ids[0], RequestType.EXPIRY_CHANGE)
    assert after["folio"] == F_VALID
    assert world.state.folios[F_VALID] == before


def test_unit_change_records_the_destination(world, clock, storage):
    filed = file_unit_change(world, clock, storage)
    request = only_request(world, filed.ids[0])
    assert request.type is RequestType.UNIT_CHANGE
    assert_filed_audit(world, filed.ids[0], RequestType.UNIT_CHANGE)
    assert world.state.folios[F_VALID].unit_id == UNIT_A


def test_requirement_change_records_the_new_keys(world, clock, storage):
    filed = file_requirement(world, clock, storage)
    request = only_request(world, filed.ids[0])
    assert request.type is RequestType.REQUIREMENT_CHANGE
    after = assert_filed_audit(world, filed.ids[0], RequestType.REQUIREMENT_CHANGE)
    assert "5796" in str(after["requested"])
    assert world.state.folios[F_VALID].key1.key == "5795"


# --------------------------------------------------------------------------- refusals


REFUSALS = {
    "data change that changes nothing": (
        ValidationError, lambda w, c, s: file_data_change(w, c, s, given_names="ANA")),
    "data change of a patient of another unit": (
        NotFound, lambda w, c, s: file_data_change(w, c, s, patient_id=P_B)),
    "merge without a Correcto": (
        ValidationError, lambda w, c, s: file_merge(w, c, s, {P_DUP: MergeChoice.MERGE})),
    "merge naming a record of another NSS": (
        NotFound, lambda w, c, s: file_merge(w, c, s, {P_MAIN: MergeChoice.CORRECT,
                                                       P_B: MergeChoice.MERGE})),
    "extension of a Pendiente folio": (
        ValidationError, lambda w, c, s: file_expiry(w, c, s, F_PENDING, "extension")),
    "cancellation of a folio of another unit": (
        NotFound, lambda w, c, s: file_expiry(w, c, s, F_B)),
    "a revisor files": (
        PermissionDenied, lambda w, c, s: file_expiry(w, c, s, actor=REVISOR)),
    "unit change to a unit outside the OOAD": (
        ValidationError, lambda w, c, s: file_unit_change(w, c, s, CAMPECHE, UNIT_B)),
    "unit change to the folio's own unit": (
        ValidationError, lambda w, c, s: file_unit_change(w, c, s, CAMPECHE, UNIT_A)),
    "requirement change to a clave of another genérico": (
        ValidationError, lambda w, c, s: file_requirement(w, c, s, key="5434")),
    "requirement change equal to the current one": (
        ValidationError, lambda w, c, s: file_requirement(w, c, s, key="5795", qty=12,
                                         requirement="Dosis 400 mg al mes.")),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_a_refused_filing_writes_nothing_and_stores_no_file(world, clock, storage, tmp_path,
                                                            case):
    error, attempt = REFUSALS[case]
    before = world.store.snapshot()
    with pytest.raises(error):
        attempt(world, clock, storage)
    assert world.state == before and world.store.commits == 0
    assert stored_files(tmp_path / "files") == []


def test_a_foreign_folio_is_refused_exactly_like_a_missing_one(world, clock, storage):
    with pytest.raises(NotFound) as foreign:
        file_expiry(world, clock, storage, F_B)
    with pytest.raises(NotFound) as missing:
        file_expiry(world, clock, storage, "20250101999")
    assert foreign.value.message == missing.value.message
    # the director of unit B files on it normally
    assert file_expiry(world, clock, storage, F_B, actor=DIRECTOR_B).ids


def test_a_second_pending_request_of_the_type_is_refused(world, clock, storage, tmp_path):
    file_expiry(world, clock, storage)
    before = world.store.snapshot()
    with pytest.raises(ValidationError, match="Ya existe una solicitud"):
        file_expiry(world, clock, storage, kind="extension")
    assert world.state == before
    assert len(stored_files(tmp_path / "files")) == 1  # only the first filing's file


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(expected=st.integers(min_value=0, max_value=50))
@example(expected=0)
@example(expected=1)  # the folio's current version: filed
def test_a_filing_from_a_stale_page_is_refused_unless_the_version_is_current(
        clock, tmp_path, expected):
    from shared.storage.adapters.local import LocalFileStorage

    from .fakes import small_world

    world = small_world()
    files = tmp_path / f"files-{expected}"
    storage = LocalFileStorage(files, clock.now)
    current = world.state.folios[F_VALID].version
    before = world.store.snapshot()
    if expected == current:
        filed = file_expiry(world, clock, storage, expected_version=expected)
        assert list(world.state.requests) == list(filed.ids)
        assert world.state.folios[F_VALID].version == current  # held, not changed
    else:
        with pytest.raises(StaleVersion) as stale:
            file_expiry(world, clock, storage, expected_version=expected)
        assert stale.value.version == current
        assert stale.value.current["status"] == "validated"
        assert world.state == before and stored_files(files) == []


def test_a_director_sees_a_patient_through_any_of_its_units(world, clock, storage):
    """A patient is visible from every unit where it has folios (and from no other)."""
    director_c = DIRECTOR_A.director("director.c", UNIT_C)
    with pytest.raises(NotFound):
        file_data_change(world, clock, storage, actor=director_c, given_names="ANA LUISA")
    assert file_data_change(world, clock, storage, given_names="ANA LUISA").ids


def test_a_data_change_from_a_page_drawn_before_the_record_changed_is_refused(
        world, clock, storage, tmp_path):
    from .test_review_rules import approve

    (first,) = file_data_change(world, clock, storage, given_names="ANA LUISA").ids
    approve(world, clock, first)  # the record is now at version 1
    before = world.store.snapshot()
    with pytest.raises(StaleVersion) as stale:
        file_data_change(world, clock, storage, maternal_surname="LÓPEZ GARCÍA",
                         expected_version=0)
    assert (stale.value.version, stale.value.changed_by) == (1, REVISOR.username)
    assert stale.value.current["given_names"] == "ANA LUISA"
    assert world.state == before and len(stored_files(tmp_path / "files")) == 1
