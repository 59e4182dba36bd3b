"""The SQL adapters' own guarantees on both databases: requests survive the JSON round trip,
the database refuses a second pending request of a type on a target (concurrent filings), and
a stale folio or patient is not overwritten."""

from __future__ import annotations

import sqlalchemy as sa
import pytest

from sanece.adapters.sql import tables as t
from sanece.application.use_cases.requests import FileRequirementChangeCommand
from sanece.domain.requests import file_expiry_change
from sanece.domain.values import Attachment, ExpiryChangeKind
from shared.kernel.errors import Conflict
from shared.kernel.pagination import PageRequest

from ..support import F_VALID, pdf_upload

PDF = Attachment("sanece/requests/1/202603/x", "application/pdf", "nota.pdf", 10)


def test_a_request_round_trips_through_its_json_columns(world):
    filed = world.san.file_requirement_change()(world.director_a, FileRequirementChangeCommand(
        F_VALID, "5796", 2, "Dos jeringas por mes.", "Ajuste de dosis", "Por peso.",
        [pdf_upload("nota.pdf")], key2="5795", quantity2="1"))
    with world.san.uow() as uow:
        request = uow.requests.get(filed.ids[0])
        assert request is not None
        assert request.payload.key2.key == "5795" and request.payload.key1.quantity == 2
        assert request.snapshot["key1"] == "5795" and request.snapshot["quantity1"] == 12
        assert request.attachments[0].original_name == "nota.pdf"
        assert request.filed_at.tzinfo is not None


def test_the_database_refuses_a_second_pending_request_on_a_target(world, clock):
    folio = world.folio(F_VALID)

    def new():
        return file_expiry_change(folio, ExpiryChangeKind.EXTENSION, motive="Desabasto",
                                  detail="Sin surtimiento.", attachments=[PDF], existing=[],
                                  today=clock.today(), filed_by="director.campeche",
                                  filed_at=clock.now(), unit_id=world.units["A"])

    with world.san.uow() as uow:
        first = uow.requests.add(new())
        with pytest.raises(Conflict, match="Ya existe una solicitud del mismo tipo En espera"):
            uow.requests.add(new())  # as if filed at the same time by another session
        uow.commit()
    stored = world.san.queries().requests(world.director_a.scope, "expiry_change",
                                          PageRequest(1, 10))
    assert [r.id for r in stored.items] == [first]


def test_a_stale_folio_or_patient_is_not_overwritten(world):
    with world.san.uow() as uow:
        folio = uow.folios.get(F_VALID)
        patient = uow.patients.get(world.patients["P1"])
        # another transaction changed both meanwhile
        uow.session.execute(sa.update(t.folios).where(t.folios.c.number == F_VALID)
                            .values(version=t.folios.c.version + 1))
        uow.session.execute(sa.update(t.patients).where(t.patients.c.id == patient.id)
                            .values(version=t.patients.c.version + 1))
        folio.move_to_unit(world.units["C"])
        with pytest.raises(Conflict, match="Otro usuario modificó el registro"):
            uow.folios.update(folio)
        patient.apply_changes({"given_names": "PEDRO"})
        with pytest.raises(Conflict):
            uow.patients.update(patient)


def test_a_renamed_patient_is_found_by_the_new_name(world):
    with world.san.uow() as uow:
        patient = uow.patients.get(world.patients["P1"])
        patient.apply_changes({"maternal_surname": "SANECE"})
        uow.patients.update(patient)
        uow.commit()
    q = world.san.queries()
    found = q.recent_patients(world.director_a.scope, PageRequest(1, 10, "sanece"))
    assert [p.id for p in found.items] == [world.patients["P1"]]
    assert q.latest_folios(world.director_a.scope, PageRequest(1, 10, "sanece")).total == 4
