"""The five change requests filed, approved and rejected through the use cases, on both
databases: what each approval applies, the reasons the director reads, conflicts, decisions
being final, the audit trail, attachments and roles."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from sanece.application.use_cases.requests import (
    FileExpiryChangeCommand,
    FileMergeCommand,
    FilePatientDataCommand,
    FileRequirementChangeCommand,
    FileUnitChangeCommand,
)
from sanece.application.use_cases.review import ApproveCommand, RejectCommand
from sanece.domain.values import EvaluationStatus, MergeChoice, RequestStatus
from sanece.domain.request_types import RequestType
from shared.audit.domain import AuditFilter
from shared.kernel.errors import Conflict, NotFound, PermissionDenied, ValidationError
from shared.kernel.pagination import PageRequest
from shared.storage.domain import FileTooLarge

from ..support import (
    ADMIN,
    EVALUADOR,
    F_EXPIRED,
    F_M1,
    F_M2,
    F_M3,
    F_PENDING,
    F_VALID,
    REVISOR,
    exe_upload,
    pdf_upload,
    png_upload,
)

ALL = PageRequest(1, 50)


def extension(world, number=F_VALID, files=None, actor=None):
    return world.san.file_expiry_change()(actor or world.director_a, FileExpiryChangeCommand(
        number, "extension", "Desabasto", "No se surtió el medicamento en enero.",
        [pdf_upload("nota.pdf")] if files is None else files))


def cancellation(world, number=F_VALID, actor=None):
    return world.san.file_expiry_change()(actor or world.director_a, FileExpiryChangeCommand(
        number, "cancellation", "Reacción adversa al medicamento",
        "Hipersensibilidad tras la segunda aplicación.",
        [pdf_upload("vigiflow.pdf"), png_upload("nota.png")]))


def unit_change(world, number=F_VALID, ooad="AGUASCALIENTES", unit="B"):
    return world.san.file_unit_change()(world.director_a, FileUnitChangeCommand(
        number, "Contrarreferencia", "El paciente se atenderá en el hospital de destino.",
        world.ooads[ooad], world.units[unit], [pdf_upload("contrarreferencia.pdf")]))


def requirement_change(world, number=F_VALID, key="5796", qty=2, requirement=None):
    return world.san.file_requirement_change()(world.director_a, FileRequirementChangeCommand(
        number, key, qty, requirement or "Clave 5796 jeringa prellenada. 2 por mes.",
        "Ajuste de dosis", "Ajuste por peso del paciente.", [pdf_upload("nota.pdf")]))


def merge(world, record="M2", correct="M3", other="M1"):
    return world.san.file_merge()(world.director_a, FileMergeCommand(
        "1071533138", {world.patients[correct]: MergeChoice.CORRECT,
                       world.patients[record]: MergeChoice.MERGE,
                       world.patients[other]: MergeChoice.NOT_APPLICABLE},
        [pdf_upload("vigencia.pdf")]))


def approve(world, request_id, **kw):
    return world.san.approve_request()(REVISOR, ApproveCommand(request_id, **kw))


def reject(world, request_id, reason="La vigencia adjunta no corresponde al paciente."):
    return world.san.reject_request()(REVISOR, RejectCommand(request_id, reason))


def rows(world, request_type, actor=None):
    return world.san.queries().requests((actor or world.director_a).scope, request_type,
                                        ALL).items


def stored_files(settings) -> list[Path]:
    return sorted(Path(settings.files_root).rglob("*.bin"))


# --------------------------------------------------------------------------- S7


def test_patient_data_change_approved_then_another_rejected(world, container):
    p1 = world.patients["P1"]
    filed = world.san.file_patient_data_change()(world.director_a, FilePatientDataCommand(
        p1, [pdf_upload("FCC.pdf")], maternal_surname=" sanece ", given_names="PACIENTE"))
    [row] = rows(world, RequestType.PATIENT_DATA)
    assert (row.original, row.requested, row.status_label) == (
        "PACIENTE PRUEBA PRUEBA 1111111111 - 1F1980OR",
        "PACIENTE PRUEBA SANECE 1111111111 - 1F1980OR", "En espera")
    decision = approve(world, filed.ids[0])
    assert decision.status_label == "Validado"
    assert [(c.label, c.before, c.after) for c in decision.applied] == [
        ("Apellido materno", "PRUEBA", "SANECE")]
    assert world.patient("P1").maternal_surname == "SANECE"
    entry = container.audit_query().list(AuditFilter(action="sanece.request_approved"))[0].entry
    assert entry.actor == "revisor" and entry.target_id == str(filed.ids[0])

    second = world.san.file_patient_data_change()(world.director_a, FilePatientDataCommand(
        p1, [png_upload("vigencia.png")], nss="1111111112"))
    reject(world, second.ids[0])
    detail = world.san.queries().request(world.director_a.scope, second.ids[0])
    assert detail.row.status_label == "No Validado"
    assert detail.row.reason == "La vigencia adjunta no corresponde al paciente."
    assert [c.label for c in detail.changes if c.changed] == ["NSS"]
    assert world.patient("P1").nss == "1111111111"
    assert container.audit_query().list(AuditFilter(action="sanece.request_rejected"))[
        0].entry.reason == "La vigencia adjunta no corresponde al paciente."


def test_patient_data_change_needs_a_real_valid_change_and_one_proof(world):
    file = world.san.file_patient_data_change()
    p1 = world.patients["P1"]
    with pytest.raises(ValidationError, match="Habilita al menos un dato"):
        file(world.director_a, FilePatientDataCommand(p1, [pdf_upload()], nss="1111111111"))
    with pytest.raises(ValidationError, match="NSS debe tener exactamente 10 dígitos"):
        file(world.director_a, FilePatientDataCommand(p1, [pdf_upload()], nss="12345"))
    with pytest.raises(ValidationError, match="agregado médico"):
        file(world.director_a, FilePatientDataCommand(p1, [pdf_upload()], aggregate="1X80"))
    with pytest.raises(ValidationError, match="Adjunta la vigencia"):
        file(world.director_a, FilePatientDataCommand(p1, [], given_names="JUAN"))
    with pytest.raises(ValidationError, match="un solo archivo"):
        file(world.director_a, FilePatientDataCommand(p1, [pdf_upload(), png_upload()],
                                                      given_names="JUAN"))


# --------------------------------------------------------------------------- S8


def test_merge_moves_folios_and_history_and_an_admin_undoes_it(world, container):
    q = world.san.queries()
    found = q.search_nss(world.director_a.scope, "1071533138")
    assert found.can_merge and len(found.records) == 3
    preview = q.merge_preview(world.director_a.scope, world.patients["M2"],
                              world.patients["M3"])
    assert preview.folios_to_move == (F_M2,) and preview.record.aggregate == "2F1954OR"
    filed = merge(world)
    assert len(filed.ids) == 1
    [row] = rows(world, RequestType.MERGE)
    assert (row.original, row.requested) == (
        "MARIA DEL ROCIO XXX GOMEZ 1071533138 - 2F1954OR",
        "MARIA DEL ROCIO XXX GOMEZ 1071533138 - 6F1954PE")
    assert q.search_nss(world.director_a.scope, "1071533138").pending_merge == {
        world.patients["M2"]}

    approve(world, filed.ids[0])
    assert world.folio(F_M2).patient_id == world.patients["M3"]
    assert world.patient("M2").merged_into == world.patients["M3"]
    history = q.patient_history(world.director_a.scope, world.patients["M3"])
    assert {h.number for h in history.folios} == {F_M2, F_M3}
    assert [r.aggregate for r in q.search_nss(world.director_a.scope, "1071533138").records] \
        == ["5M1953PE", "6F1954PE"]
    detail = q.request(REVISOR.scope, filed.ids[0])
    assert detail.moved_folios == (F_M2,) and not detail.row.undone

    with pytest.raises(PermissionDenied):
        world.san.undo_merge()(REVISOR, filed.ids[0], "Error")
    with pytest.raises(ValidationError, match="motivo por el que se deshace la homologación"):
        world.san.undo_merge()(ADMIN, filed.ids[0], "   ")
    assert world.patient("M2").merged_into == world.patients["M3"]  # nothing was undone
    undone = world.san.undo_merge()(ADMIN, filed.ids[0], "Eran dos beneficiarias distintas.")
    assert undone.moved_back == (F_M2,)
    assert world.folio(F_M2).patient_id == world.patients["M2"]
    assert world.patient("M2").merged_into is None
    detail = q.request(ADMIN.scope, filed.ids[0])
    assert detail.row.undone and detail.undone_by == "admin"
    assert detail.row.status is RequestStatus.APPROVED  # the decision itself stays
    with pytest.raises(Conflict):
        world.san.undo_merge()(ADMIN, filed.ids[0], "Otra vez")
    assert container.audit_query().list(AuditFilter(action="sanece.merge_undone"))[
        0].entry.reason == "Eran dos beneficiarias distintas."


def test_merge_rules_and_rejection(world):
    file = world.san.file_merge()
    p = world.patients
    with pytest.raises(ValidationError, match="exactamente un registro como Correcto"):
        file(world.director_a, FileMergeCommand("1071533138", {p["M2"]: MergeChoice.MERGE},
                                                [pdf_upload()]))
    with pytest.raises(ValidationError, match="al menos un registro como Homologar"):
        file(world.director_a, FileMergeCommand("1071533138", {p["M2"]: "correct"},
                                                [pdf_upload()]))
    # P1 has another NSS (a tampered form): said as such (issue 16), not "does not exist"
    with pytest.raises(ValidationError, match="Solo se homologan registros del mismo NSS"):
        file(world.director_a, FileMergeCommand("1071533138", {p["M2"]: "correct",
                                                               p["P1"]: "merge"},
                                                [pdf_upload()]))
    filed = merge(world, record="M1", correct="M3", other="M2")
    reject(world, filed.ids[0], "Son personas distintas.")
    assert world.patient("M1").merged_into is None
    assert world.folio(F_M1).patient_id == world.patients["M1"]
    [row] = rows(world, RequestType.MERGE)
    assert row.status_label == "No Validado" and row.reason == "Son personas distintas."


# --------------------------------------------------------------------------- S9


def test_extension_needs_the_reviewers_new_expiry(world):
    filed = extension(world)
    with pytest.raises(ValidationError, match="Indica la fecha final"):
        approve(world, filed.ids[0])
    with pytest.raises(ValidationError, match="posterior a la actual"):
        approve(world, filed.ids[0], new_expiry=date(2026, 4, 15))
    decision = approve(world, filed.ids[0], new_expiry=date(2026, 10, 15))
    assert [(c.before, c.after) for c in decision.applied] == [("15/04/2026", "15/10/2026")]
    assert world.folio(F_VALID).expiry_date == date(2026, 10, 15)
    [row] = rows(world, RequestType.EXPIRY_CHANGE)
    assert (row.type_label, row.original_expiry, row.final_date, row.status_label) == (
        "Ampliación de fecha de vencimiento", date(2026, 4, 15), date(2026, 10, 15),
        "Validado")
    # an expired Validada folio may be extended; a Pendiente one may not
    late = extension(world, F_EXPIRED)
    approve(world, late.ids[0], new_expiry=date(2026, 6, 30))
    assert world.folio(F_EXPIRED).expiry_date == date(2026, 6, 30)
    with pytest.raises(ValidationError, match="solo aplica a folios Validada"):
        extension(world, F_PENDING)


def test_cancellation_sets_baja_with_its_date(world, clock):
    filed = cancellation(world, F_M1)
    with pytest.raises(ValidationError, match="fecha de baja debe estar entre"):
        approve(world, filed.ids[0], cancellation_date=date(2026, 3, 11))
    approve(world, filed.ids[0], cancellation_date=date(2026, 3, 9))
    folio = world.folio(F_M1)
    assert folio.status is EvaluationStatus.CANCELLED
    assert folio.cancellation_date == date(2026, 3, 9)
    other = cancellation(world, F_M2)
    approve(world, other.ids[0])
    assert world.folio(F_M2).cancellation_date == clock.today()
    refused = cancellation(world, F_M3)
    reject(world, refused.ids[0], "El reporte Vigiflow corresponde a otro paciente.")
    assert world.folio(F_M3).status is EvaluationStatus.VALIDATED
    with pytest.raises(ValidationError, match="venció el 01/04/2025"):
        cancellation(world, F_EXPIRED)
    kinds = {r.type_label for r in rows(world, RequestType.EXPIRY_CHANGE)}
    assert kinds == {"Baja de folio"}


# --------------------------------------------------------------------------- S10


def test_unit_change_moves_the_folio(world):
    with pytest.raises(ValidationError, match="no pertenece a la OOAD"):
        unit_change(world, ooad="CAMPECHE", unit="B")
    with pytest.raises(ValidationError, match="distinta de la unidad actual"):
        unit_change(world, ooad="CAMPECHE", unit="A")
    filed = unit_change(world)
    [row] = rows(world, RequestType.UNIT_CHANGE)
    assert (row.destination_ooad, row.destination_unit) == ("AGUASCALIENTES", "H Gral Zona 3")
    assert row.original == "CAMPECHE (H Gral Zona MF 4)"
    decision = approve(world, filed.ids[0])
    assert [(c.before, c.after) for c in decision.applied] == [
        ("CAMPECHE (H Gral Zona MF 4)", "AGUASCALIENTES (H Gral Zona 3)")]
    assert world.folio(F_VALID).unit_id == world.units["B"]
    q = world.san.queries()
    assert q.folio(world.director_b.scope, F_VALID).unit == "H Gral Zona 3"
    with pytest.raises(NotFound):
        q.folio(world.director_a.scope, F_VALID)
    # the request stays in the filing unit's list, without the folio it can no longer see
    detail = q.request(world.director_a.scope, filed.ids[0])
    assert detail.folio is None and detail.row.status_label == "Validado"
    other = unit_change(world, F_M1, ooad="CAMPECHE", unit="C")
    reject(world, other.ids[0], "Falta la nota de contrarreferencia.")
    assert world.folio(F_M1).unit_id == world.units["A"]


# --------------------------------------------------------------------------- S11


def test_requirement_change_replaces_keys_quantities_and_text(world):
    with pytest.raises(ValidationError, match="no corresponde al genérico CERTOLIZUMAB PEGOL"):
        requirement_change(world, key="5434")
    with pytest.raises(ValidationError, match="al menos 1"):
        requirement_change(world, qty="0")
    with pytest.raises(ValidationError, match="al menos 1"):
        requirement_change(world, qty="doce")
    with pytest.raises(ValidationError, match="iguales a los actuales"):
        requirement_change(world, key="5795", qty=12,
                           requirement="Clave 5795 dosis mensual.")
    filed = requirement_change(world)
    [row] = rows(world, RequestType.REQUIREMENT_CHANGE)
    assert (row.original_keys, row.requested_keys) == ("5795 (12)", "5796 (2)")
    assert row.original_requirement == "Clave 5795 dosis mensual."
    approve(world, filed.ids[0])
    folio = world.folio(F_VALID)
    assert (folio.key1.key, folio.key1.quantity, folio.requirement) == (
        "5796", 2, "Clave 5796 jeringa prellenada. 2 por mes.")
    other = requirement_change(world, F_M1, key="5795", qty=24, requirement="Dosis doble.")
    reject(world, other.ids[0], "La dosis excede la autorizada en el protocolo.")
    assert world.folio(F_M1).key1.quantity == 12


# --------------------------------------------------------------------------- rules across types


def test_one_pending_request_per_type_and_target(world):
    first = extension(world)
    with pytest.raises(ValidationError, match="Ya existe una solicitud .* En espera"):
        cancellation(world)
    unit_change(world)  # another type on the same folio is fine
    reject(world, first.ids[0], "Adjunte el resumen clínico.")
    cancellation(world)  # decided: a new one may be filed


def test_attachments_are_sniffed_counted_and_never_half_stored(world, settings, container):
    with pytest.raises(ValidationError, match="Adjunta al menos un archivo que sustente"):
        extension(world, files=[])
    with pytest.raises(ValidationError, match="como máximo 3 archivos"):
        extension(world, files=[pdf_upload(f"n{i}.pdf") for i in range(4)])
    with pytest.raises(ValidationError, match="«vigencia.pdf» debe ser PDF o imagen"):
        extension(world, files=[exe_upload()])
    with pytest.raises(ValidationError, match="venció"):  # refused before storing anything
        cancellation(world, F_EXPIRED)
    assert stored_files(settings) == []
    small = world.san.file_expiry_change(max_bytes=1024)
    with pytest.raises(FileTooLarge, match="«grande.pdf» excede"):
        small(world.director_a, FileExpiryChangeCommand(
            F_VALID, "extension", "Desabasto", "Detalle.", [pdf_upload("grande.pdf")]))
    assert stored_files(settings) == []
    filed = extension(world, files=[pdf_upload("nota.pdf"), png_upload("foto.png")])
    assert len(stored_files(settings)) == 2
    download = world.san.open_attachment()(world.director_a, filed.ids[0], 2)
    with download.stream as fh:
        assert fh.read().startswith(b"\x89PNG")
    assert (download.filename, download.content_type) == ("foto.png", "image/png")
    with pytest.raises(NotFound):
        world.san.open_attachment()(world.director_a, filed.ids[0], 3)
    views = world.san.queries().request(world.director_a.scope, filed.ids[0]).attachments
    assert [(a.index, a.original_name, a.is_pdf) for a in views] == [
        (1, "nota.pdf", True), (2, "foto.png", False)]


def test_conflicts_when_the_target_changed_since_filing(world, clock):
    # a folio that expired since filing
    baja = cancellation(world)
    clock.advance(timedelta(days=60))  # F_VALID expired on 2026-04-15
    with pytest.raises(Conflict, match="No se puede validar la solicitud: .*venció el 15/04/2026"):
        approve(world, baja.ids[0])
    detail = world.san.queries().request(REVISOR.scope, baja.ids[0])
    assert detail.row.is_pending and world.folio(F_VALID).status is EvaluationStatus.VALIDATED
    clock.advance(timedelta(days=-60))

    # a patient merged since filing
    data = world.san.file_patient_data_change()(world.director_a, FilePatientDataCommand(
        world.patients["M2"], [pdf_upload()], given_names="MARÍA DEL ROCÍO"))
    approve(world, merge(world).ids[0])
    with pytest.raises(Conflict, match="ya fue homologado"):
        approve(world, data.ids[0])

    # the record a merge points to changed since filing
    into_m1 = world.san.file_merge()(world.director_a, FileMergeCommand(
        "1071533138", {world.patients["M1"]: "correct", world.patients["M3"]: "merge"},
        [pdf_upload()]))
    renamed = world.san.file_patient_data_change()(world.director_a, FilePatientDataCommand(
        world.patients["M1"], [pdf_upload()], maternal_surname="ORTÍZ"))
    approve(world, renamed.ids[0])
    with pytest.raises(Conflict, match="cambió desde que se registró la solicitud"):
        approve(world, into_m1.ids[0])
    assert world.folio(F_M3).patient_id == world.patients["M3"]

    # a folio given de baja since a unit change was filed
    move = unit_change(world, F_M1, ooad="CAMPECHE", unit="C")
    approve(world, cancellation(world, F_M1).ids[0])
    with pytest.raises(Conflict, match="tiene estatus Baja"):
        approve(world, move.ids[0])
    reject(world, move.ids[0], "El folio fue dado de baja.")

    # decisions are final
    with pytest.raises(Conflict, match="ya fue revisada"):
        approve(world, move.ids[0])
    with pytest.raises(Conflict, match="ya fue revisada"):
        reject(world, move.ids[0])


def test_roles(world):
    filed = extension(world)
    for actor in (world.director_a, EVALUADOR):
        with pytest.raises(PermissionDenied):
            world.san.approve_request()(actor, ApproveCommand(filed.ids[0]))
        with pytest.raises(PermissionDenied):
            world.san.reject_request()(actor, RejectCommand(filed.ids[0], "No."))
    with pytest.raises(PermissionDenied, match="las registra el director"):
        extension(world, actor=REVISOR)
    with pytest.raises(ValidationError, match="Escribe el motivo"):
        reject(world, filed.ids[0], "   ")


def test_the_generic_filing_of_a_folio_type_files_like_its_own_use_case(world):
    """``FileFolioRequest`` (how a type added to the registry files) gives the request the
    type's own use case gives, with the same rules; a type whose filing needs more than its
    fields (a destination unit, the genérico) is not filed through it."""
    from sanece.application.use_cases.requests import FileFolioRequestCommand

    file = world.san.file_folio_request()
    fields = {"kind": "extension", "motive": " desabasto ",
              "detail": "No se surtió el medicamento en enero."}
    with pytest.raises(ValidationError, match="Adjunta al menos un archivo"):
        file(world.director_a, FileFolioRequestCommand("expiry_change", F_VALID, fields, []))
    with pytest.raises(ValidationError, match="motivo"):
        file(world.director_a, FileFolioRequestCommand(
            "expiry_change", F_VALID, {**fields, "motive": "Por gusto"}, [pdf_upload()]))
    filed = file(world.director_a, FileFolioRequestCommand(
        "expiry_change", F_VALID, fields, [pdf_upload("nota.pdf")]))
    assert filed.type is RequestType.EXPIRY_CHANGE and len(filed.ids) == 1
    row = world.san.queries().request(world.director_a.scope, filed.ids[0]).row
    assert (row.type_label, row.motive, row.status_label, row.original) == (
        "Ampliación de fecha de vencimiento", "Desabasto", "En espera", "15/04/2026")
    with pytest.raises(ValidationError, match="Ya existe una solicitud"):  # as always
        extension(world)
    with pytest.raises(ValueError):
        file(world.director_a, FileFolioRequestCommand(
            "unit_change", F_M3, {"motive": "Contrarreferencia", "detail": "Traslado.",
                                  "destination_ooad_id": "1", "destination_unit_id": "2"},
            [pdf_upload()]))
