"""Scope rules on both databases: a director of unit A asking for a folio, patient, request,
attachment, PDF or extraction of unit B gets exactly what a missing id gets (the same
``NotFound`` message); central roles see every unit; excedentes roles see nothing."""

from __future__ import annotations

import io
from datetime import date

import pytest

from sanece.application.access import Actor
from sanece.application.use_cases.documents import ExtractionCommand
from sanece.application.use_cases.requests import (
    FileExpiryChangeCommand,
    FilePatientDataCommand,
)
from shared.kernel.errors import NotFound, PermissionDenied
from shared.kernel.pagination import PageRequest
from shared.kernel.scope import Role, Scope

from ..support import ADMIN, EVALUADOR, F_B, F_VALID, REVISOR, pdf_upload

MISSING_FOLIO = "20250101999"


def same_not_found(foreign, missing) -> None:
    """Both calls raise NotFound with the same message."""
    with pytest.raises(NotFound) as a:
        foreign()
    with pytest.raises(NotFound) as b:
        missing()
    assert a.value.message == b.value.message and a.value.code == b.value.code


@pytest.fixture
def filed(world):
    """A request of unit B (on F_B) with its attachment."""
    return world.san.file_expiry_change()(world.director_b, FileExpiryChangeCommand(
        F_B, "extension", "Desabasto", "Sin surtimiento.", [pdf_upload("b.pdf")])).ids[0]


def test_a_director_sees_only_their_unit(world, filed):
    san, a = world.san, world.director_a
    q = san.queries()
    same_not_found(lambda: q.folio(a.scope, F_B), lambda: q.folio(a.scope, MISSING_FOLIO))
    pb, missing_patient = world.patients["PB"], 9999
    same_not_found(lambda: q.patient_history(a.scope, pb),
                   lambda: q.patient_history(a.scope, missing_patient))
    same_not_found(lambda: q.request(a.scope, filed), lambda: q.request(a.scope, 9999))
    same_not_found(lambda: san.open_attachment()(a, filed, 1),
                   lambda: san.open_attachment()(a, 9999, 1))
    same_not_found(lambda: san.print_response()(a, F_B, io.BytesIO()),
                   lambda: san.print_response()(a, MISSING_FOLIO, io.BytesIO()))
    window = dict(start=date(2025, 6, 1), end=date(2026, 3, 1))
    same_not_found(
        lambda: san.extract()(a, ExtractionCommand(unit_id=world.units["B"], **window),
                              io.BytesIO()),
        lambda: san.extract()(a, ExtractionCommand(unit_id=9999, **window), io.BytesIO()))
    same_not_found(lambda: q.latest_folios(a.scope, PageRequest(1, 10),
                                           unit_id=world.units["B"]),
                   lambda: q.latest_folios(a.scope, PageRequest(1, 10), unit_id=9999))
    # filing on something of unit B answers like a missing target too
    same_not_found(
        lambda: san.file_expiry_change()(a, FileExpiryChangeCommand(
            F_B, "extension", "Desabasto", "x", [pdf_upload()])),
        lambda: san.file_expiry_change()(a, FileExpiryChangeCommand(
            MISSING_FOLIO, "extension", "Desabasto", "x", [pdf_upload()])))
    same_not_found(
        lambda: san.file_patient_data_change()(a, FilePatientDataCommand(
            pb, [pdf_upload()], given_names="PEDRO")),
        lambda: san.file_patient_data_change()(a, FilePatientDataCommand(
            missing_patient, [pdf_upload()], given_names="PEDRO")))
    # lists hold only the unit's rows
    assert F_B not in {r.number for r in q.latest_folios(a.scope, PageRequest(1, 50)).items}
    assert q.recent_patients(a.scope, PageRequest(1, 50)).total == 4
    assert q.requests(a.scope, "expiry_change", PageRequest(1, 10)).total == 0
    # unit B's director sees their own
    b = world.director_b
    assert q.folio(b.scope, F_B).unit == "H Gral Zona 3"
    assert q.request(b.scope, filed).row.folio_number == F_B
    with san.open_attachment()(b, filed, 1).stream as fh:
        assert fh.read(5) == b"%PDF-"


def test_central_roles_see_every_unit_and_others_nothing(world, filed):
    q = world.san.queries()
    for actor in (REVISOR, EVALUADOR, ADMIN):
        assert q.folio(actor.scope, F_B).unit == "H Gral Zona 3"
        assert q.folio(actor.scope, F_VALID).unit == "H Gral Zona MF 4"
        assert q.request(actor.scope, filed).row.id == filed
        assert q.latest_folios(actor.scope, PageRequest(1, 50)).total == 8
    capturista = Actor("capturista.ss.bc", Scope(Role.CAPTURISTA, "SS:BC"))
    with pytest.raises(PermissionDenied):
        q.folio(capturista.scope, F_VALID)
    with pytest.raises(PermissionDenied):
        q.latest_folios(capturista.scope, PageRequest(1, 10))
    broken = Actor("director.sin.unidad", Scope(Role.DIRECTOR, "no-es-unidad"))
    with pytest.raises(NotFound):
        q.folio(broken.scope, F_VALID)
