""""Solicitar producto" on the fake unit of work: filing, accepting (the product joins the
catalog), rejecting, and the requester seeing the decisions."""

from __future__ import annotations

import pytest

from excedentes.application.use_cases.product_requests import (
    AcceptProductRequest,
    AcknowledgeDecisions,
    FileProductRequest,
    FileProductRequestCommand,
    RejectProductRequest,
)
from excedentes.domain.catalog import name_key
from excedentes.domain.errors import StaleVersion
from excedentes.domain.product_requests import RequestStatus
from shared.kernel.errors import Conflict, NotFound, PermissionDenied, ValidationError

from .fakes import BC, CAP_BC, COORD_IMSS, COORD_SS, World


def file(world: World, clock, name="Apendicectomía", actor=CAP_BC, specialty=True,
         group_inst="SS"):
    cmd = FileProductRequestCommand(BC, world.groups[group_inst],
                                    world.specialty if specialty else None, name,
                                    "Procedimiento", "La piden seguido")
    return FileProductRequest(world.uow, clock)(actor, cmd)


def test_filing_a_request_keeps_it_pending_and_audits_it(world, clock):
    filed = file(world, clock)
    assert filed.status is RequestStatus.PENDING
    assert filed.grid_path == "Cirugía / Cirugía general"
    stored = world.store.state.requests[filed.id]
    assert (stored.requested_by, stored.product_name) == (CAP_BC.username, "Apendicectomía")
    (entry,) = world.store.audit
    assert (entry.action, entry.target_id) == ("excedentes.product_requested", str(filed.id))
    assert entry.after["entity"] == "SS:BC" and entry.after["specialty"] == "Cirugía general"


@pytest.mark.parametrize("case, error", [
    ("group of another institution", NotFound),
    ("no specialty where the level exists", ValidationError),
    ("a coordinador files", PermissionDenied),
])
def test_filing_refusals_write_nothing(world, clock, case, error):
    before = world.store.snapshot()
    with pytest.raises(error) as refused:
        if case == "group of another institution":
            file(world, clock, specialty=False, group_inst="IMSS")
        elif case == "no specialty where the level exists":
            file(world, clock, specialty=False)
        else:
            file(world, clock, actor=COORD_SS)
    if error is ValidationError:
        assert refused.value.message == "El catálogo de SS requiere la especialidad troncal."
    assert world.store.state == before


def test_accepting_adds_the_product_to_the_grid_and_moves_the_catalog_version(world, clock):
    filed = file(world, clock)
    products_before = set(world.store.state.products)
    done = AcceptProductRequest(world.uow, clock)(COORD_SS, filed.id, expected_version=0)
    assert done.status is RequestStatus.ACCEPTED and done.product_id not in products_before
    state = world.store.state
    assert name_key(state.products[done.product_id].name) == name_key("Apendicectomía")
    assert state.product_places[done.product_id] == (world.groups["SS"], world.specialty)
    assert state.catalog_versions[("SS", "catalog")].version == 1
    entry = world.store.audit[-1]
    assert entry.action == "excedentes.request_accepted"
    assert entry.after == {"status": "accepted", "product_id": done.product_id,
                           "product": "Apendicectomía", "created": True}


def test_accepting_a_product_that_exists_links_it_instead_of_adding_one(world, clock):
    filed = file(world, clock, name="ANESTESIA")
    done = AcceptProductRequest(world.uow, clock)(COORD_SS, filed.id)
    assert done.product_id == world.products[("SS", "Anestesia")]
    assert world.store.audit[-1].after["created"] is False


def test_a_decision_from_a_stale_page_or_a_second_decision_is_refused(world, clock):
    filed = file(world, clock)
    RejectProductRequest(world.uow, clock)(COORD_SS, filed.id, "Ya existe con otro nombre",
                                           expected_version=0)
    before = world.store.snapshot()
    with pytest.raises(StaleVersion):
        AcceptProductRequest(world.uow, clock)(COORD_SS, filed.id, expected_version=0)
    with pytest.raises(Conflict):  # decided already
        AcceptProductRequest(world.uow, clock)(COORD_SS, filed.id, expected_version=1)
    assert world.store.state == before


def test_rejecting_needs_the_coordinator_of_the_institution(world, clock):
    filed = file(world, clock)
    before = world.store.snapshot()
    with pytest.raises(NotFound):
        RejectProductRequest(world.uow, clock)(COORD_IMSS, filed.id, "No")
    with pytest.raises(PermissionDenied):
        RejectProductRequest(world.uow, clock)(CAP_BC, filed.id, "No")
    assert world.store.state == before
    done = RejectProductRequest(world.uow, clock)(COORD_SS, filed.id, "Ya existe")
    assert done.status is RequestStatus.REJECTED
    entry = world.store.audit[-1]
    assert (entry.action, entry.reason) == ("excedentes.request_rejected", "Ya existe")


def test_the_requester_sees_each_decision_once(world, clock):
    first, second = file(world, clock, "Uno"), file(world, clock, "Dos")
    RejectProductRequest(world.uow, clock)(COORD_SS, first.id, "No")
    acknowledge = AcknowledgeDecisions(world.uow, clock)
    assert acknowledge(COORD_SS) == ()  # nothing to acknowledge for a coordinador
    assert acknowledge(CAP_BC) == (first.id,)
    assert world.store.audit[-1].action == "excedentes.request_decisions_seen"
    assert acknowledge(CAP_BC) == ()  # seen already: nothing marked, nothing audited
    assert world.store.actions().count("excedentes.request_decisions_seen") == 1
    assert world.store.state.requests[second.id].status is RequestStatus.PENDING
