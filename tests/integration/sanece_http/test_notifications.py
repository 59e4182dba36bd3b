"""Notifications end to end on both databases: decisions, evaluations, expiring folios and
overdue requests reach the right inboxes once (idempotent projection from the audit trail),
the header's badge counts them, opening one marks it read and goes to its page, another
user's notification answers like a missing one, and the CLI lists a user's inbox."""

from __future__ import annotations

from datetime import timedelta

from click.testing import CliRunner

from entrypoints.cli.main import cli
from sanece.application.use_cases.evaluation import EvaluationCommand
from sanece.application.use_cases.requests import FileExpiryChangeCommand
from sanece.application.use_cases.review import RejectCommand
from tests.helpers import api_csrf, csrf_from
from tests.integration.sanece.support import EVALUADOR, F_PENDING, F_VALID, REVISOR, pdf_upload


def _extension(world):
    return world.san.file_expiry_change()(world.director_a, FileExpiryChangeCommand(
        F_VALID, "extension", "Desabasto", "No se surtió el medicamento en enero.",
        [pdf_upload("nota.pdf")])).ids[0]


def _badge(client) -> str:
    html = client.get("/cuenta/contrasena").text
    start = html.index('class="inbox-link"')
    return html[start:html.index("</a>", start)]


def test_decision_and_evaluation_reach_the_units_directors_once(world, as_user, container):
    director, other_unit = as_user("dir_a"), as_user("dir_b")
    assert "badge" not in _badge(director)  # nothing yet: no count shown
    filed = _extension(world)
    world.san.reject_request()(REVISOR, RejectCommand(filed, "Falta la nota médica."))
    world.san.register_evaluation()(EVALUADOR, EvaluationCommand(
        F_PENDING, "not_validated", observations="No cumple criterios."))

    assert '<span class="badge">2<span class="sr-only"> sin leer</span>' in _badge(director)
    assert container.project_notifications()() == 0  # already projected: nothing new
    assert "badge" not in _badge(other_unit)

    inbox = director.get("/avisos")
    assert inbox.status_code == 200
    assert f"Solicitud {filed} (Cambio de fecha de vencimiento) del folio {F_VALID}: No Validado" in inbox.text
    assert f"Folio {F_PENDING} evaluado: No Validada" in inbox.text
    mine = director.get("/api/notifications").json()
    assert {n["kind"] for n in mine} == {"decision", "folio_evaluated"}
    decision = next(n for n in mine if n["kind"] == "decision")
    assert decision["link"] == f"/sanece/solicitudes/{filed}" and not decision["read"]

    # another user's notification answers like a missing one
    token = api_csrf(other_unit)
    foreign = other_unit.post(f"/api/notifications/{decision['id']}/read",
                              headers={"X-CSRF-Token": token})
    missing = other_unit.post("/api/notifications/999999/read", headers={"X-CSRF-Token": token})
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json()["detail"] == missing.json()["detail"]

    # opening marks it read and goes to the request
    page = director.get("/avisos").text
    opened = director.post(f"/avisos/{decision['id']}/abrir",
                           data={"csrf_token": csrf_from(page)}, follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"] == decision["link"]
    assert '<span class="badge">1<' in _badge(director)
    director.post("/avisos/leidos", data={"csrf_token": csrf_from(director.get("/avisos").text)})
    assert "badge" not in _badge(director)
    assert director.get("/api/notifications?unread=true").json() == []

    # the reviewer, who decided, is not notified of their own decision
    assert as_user("revisor").get("/api/notifications").json() == []


def test_sweep_warns_of_expiring_folios_and_overdue_requests_once(world, as_user, container,
                                                                  clock):
    filed = _extension(world)
    director = as_user("dir_a")
    as_user("revisor"), as_user("dir_b")
    container.project_notifications()(sweep=True)
    kinds = {n["kind"] for n in director.get("/api/notifications").json()}
    assert "folio_expiring" not in kinds  # F_VALID expires 2026-04-15: 36 days away

    clock.advance(timedelta(days=10))  # 2026-03-20: within 30 days, and 8 business days waiting
    assert container.project_notifications()(sweep=True) >= 2
    assert container.project_notifications()(sweep=True) == 0  # the same warnings stay one each
    # (the sessions expired with the clock's jump: the operator's view of the inboxes)
    inbox = container.operator_inbox()
    expiring = [n for n in inbox("dir_a") if n.kind.value == "folio_expiring"]
    assert [n.title for n in expiring] == [f"El folio {F_VALID} vence el 15/04/2026"]
    assert [n.link for n in inbox("revisor") if n.kind.value == "request_overdue"] == [
        f"/sanece/solicitudes/{filed}"]
    assert inbox("dir_b") == []


def test_cli_lists_a_users_inbox_and_keeps_addresses(world, as_user, container):
    as_user("dir_a")
    world.san.reject_request()(REVISOR, RejectCommand(_extension(world), "Falta la nota."))
    runner = CliRunner()
    listed = runner.invoke(cli, ["notifications", "list", "--user", "dir_a"],
                           obj={"container": container})
    assert listed.exit_code == 0, listed.output
    assert "No Validado" in listed.output and "Decisión sobre una solicitud" in listed.output
    unknown = runner.invoke(cli, ["notifications", "list", "--user", "nadie"],
                            obj={"container": container})
    assert unknown.exit_code != 0 and "El usuario nadie no existe." in unknown.output
    bad = runner.invoke(cli, ["notifications", "email", "dir_a", "no es correo"],
                        obj={"container": container})
    assert bad.exit_code != 0 and "Correo electrónico no válido" in bad.output
    ok = runner.invoke(cli, ["notifications", "email", "dir_a", "director@example.org"],
                       obj={"container": container})
    assert ok.exit_code == 0 and "director@example.org" in ok.output
