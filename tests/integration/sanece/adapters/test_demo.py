"""The sanece demo (small scale) on both databases: the guide's examples, folios in every state,
requests of every type in every state with their attachments, and the directors' logins."""

from __future__ import annotations

import io
from collections import Counter

import pytest
from click.testing import CliRunner

from entrypoints.cli.main import cli
from sanece.application.access import Actor
from sanece.application.use_cases.review import ApproveCommand
from sanece.domain.values import EvaluationStatus, RequestStatus, Validity
from sanece.domain.request_types import RequestType
from shared.kernel.errors import Conflict
from shared.kernel.pagination import PageRequest
from shared.kernel.scope import Role, Scope

ADMIN = Scope(Role.ADMIN)


@pytest.fixture
def demo(container):
    steps = []
    loader = container.sanece.demo_loader()
    loader.load("small", lambda label, done, total: steps.append((label, done, total)))
    return loader, steps


def test_demo_small(container, demo):
    loader, steps = demo
    san = container.sanece
    q = san.queries()
    assert steps[-1] == ("sanece: solicitudes de cambio", 22, 22)

    # one director per demo unit, bound to it, with the platform's password rule
    users = {u.username: u for u in loader.users("small")}
    campeche = users["director.campeche"]
    assert (campeche.role, campeche.password, campeche.note) == (
        Role.DIRECTOR, "Demo-2026-DIR", "CAMPECHE (H Gral Zona MF 4)")
    director = Actor(campeche.username, Scope(Role.DIRECTOR, campeche.scope_ref))
    assert q.unit_label(director.scope) == "CAMPECHE (H Gral Zona MF 4)"
    ags = Scope(Role.DIRECTOR, users["director.aguascalientes"].scope_ref)
    assert q.unit_label(ags) == "AGUASCALIENTES (H Gral Zona 3)"

    # the guide's examples
    p1 = q.search_nss(director.scope, "1111111111").records[0]
    history = q.patient_history(director.scope, p1.id)
    assert {(h.number, h.generic, h.status_label) for h in history.folios} >= {
        ("20250414214", "TRASTUZUMAB EMTANSINA", "Pendiente"),
        ("20250414079", "TRASTUZUMAB EMTANSINA", "No Validada"),
        ("20250414069", "USTEKINUMAB", "Pendiente")}
    assert q.folio(director.scope, "20250414214").observations == "teyi"
    trio = q.search_nss(director.scope, "1071533138")
    assert trio.can_merge and [r.aggregate for r in trio.records] == [
        "5M1953PE", "2F1954OR", "6F1954PE"]
    assert not trio.pending_merge and not trio.pending_patient_data
    cert = {m.name: m for m in q.medicines(ADMIN)}["CERTOLIZUMAB PEGOL"]
    assert ("5795", "ampula 200 mg") in {(k.code, k.description) for k in cert.keys}

    # folios in every state, vigentes and vencidos, over three years
    inicio = q.latest_folios(director.scope, PageRequest(1, 10))
    assert inicio.summary == "Mostrando 1 a 10 de 30 registros"
    assert q.recent_patients(director.scope, PageRequest(3, 10)).summary == \
        "Mostrando 21 a 30 de 30 registros"
    for status in EvaluationStatus:  # a search looks through every folio, not the 30 newest
        found = q.latest_folios(ADMIN, PageRequest(1, 500, status.label)).items
        assert status in {r.status for r in found}, status
    validated = q.latest_folios(ADMIN, PageRequest(1, 500, "validada")).items
    assert {Validity.IN_FORCE, Validity.EXPIRED} <= {r.validity for r in validated}
    today = container.clock().today()
    assert min(r.evaluation_date for r in validated).year <= today.year - 2

    # requests of every type in every state, with stored attachments
    queue = q.review_queue(ADMIN, PageRequest(1, 100), status=None)
    states = Counter((r.type_label, r.status) for r in queue.items)
    for label in ("Cambio de datos de paciente", "Homologación de registros",
                  "Ampliación de fecha de vencimiento", "Baja de folio",
                  "Cambio de unidad médica", "Cambio de requerimiento"):
        for status in (RequestStatus.PENDING, RequestStatus.APPROVED,
                       RequestStatus.REJECTED):
            assert states[(label, status)] >= 1, (label, status)
    # the decisions beyond Validado / No Validado, on requirement changes
    requirement = {r.status for r in queue.items if r.type_label == "Cambio de requerimiento"}
    assert {RequestStatus.INFO_REQUESTED, RequestStatus.CANCELLED} <= requirement
    assert any(r.modified for r in queue.items)
    rejected = next(r for r in queue.items if r.status is RequestStatus.REJECTED)
    assert rejected.reason
    with san.open_attachment()(Actor.admin(), queue.items[0].id, 1).stream as fh:
        assert fh.read(4) in (b"%PDF", b"\x89PNG")
    assert {r.unit_label for r in q.review_queue(ADMIN, PageRequest(1, 100)).items} == {
        "CAMPECHE (H Gral Zona MF 4)", "AGUASCALIENTES (H Gral Zona 3)"}

    # the pending unit change whose folio was given de baja meanwhile is refused
    conflict = next(r for r in q.review_queue(ADMIN, PageRequest(1, 100),
                                              request_type=RequestType.UNIT_CHANGE).items
                    if q.folio(ADMIN, r.folio_number).status is EvaluationStatus.CANCELLED)
    with pytest.raises(Conflict, match="tiene estatus Baja"):
        san.approve_request()(Actor.revisor(), ApproveCommand(conflict.id))
    out = io.BytesIO()
    san.print_response()(director, "20250414214", out)
    assert out.getvalue().startswith(b"%PDF-")
    assert q.feedback(ADMIN, PageRequest(1, 10)).total == 1

    # loading again is skipped
    loader.load("small", lambda *a: None)
    assert q.review_queue(ADMIN, PageRequest(1, 100), status=None).total == len(queue.items)


def test_demo_users_printed(container, demo):
    loader, _ = demo
    identity = container.identity()
    for spec in loader.users("small"):
        identity.create_user("demo", spec.username, spec.full_name, spec.role, spec.scope_ref,
                             spec.password)
    r = CliRunner().invoke(cli, ["demo", "users"], obj={"container": container})
    assert r.exit_code == 0, r.output
    for text in ("director.campeche", "Demo-2026-DIR", "director.aguascalientes",
                 "AGUASCALIENTES (H Gral Zona 3)"):
        assert text in r.output
