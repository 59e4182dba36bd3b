"""More decisions through the pages on both databases (issue 16): the reviewer asks for
information, the director sees it on Inicio and answers with a new attachment, the reviewer
validates with a modified quantity, the director reads requested → authorized; the director
cancels; bulk Validado after a confirmation; the statistics and the Catálogo de motivos pages;
the merge approval message names the folios; an undone merge is not just "Validado"."""

from __future__ import annotations

from sanece.application.access import Actor
from sanece.application.use_cases.requests import (
    FileExpiryChangeCommand,
    FileMergeCommand,
    FileRequirementChangeCommand,
)
from sanece.domain.values import MergeChoice
from tests.integration.sanece.support import F_M1, F_VALID, pdf_upload

from .support import followed, post_form, submit, text_of, upload

REVISOR = Actor.revisor("revisor")


def requirement(world, qty=2):  # type: ignore[no-untyped-def]
    return world.san.file_requirement_change()(world.director_a, FileRequirementChangeCommand(
        F_VALID, "5796", qty, "Clave 5796 jeringa prellenada. 2 por mes.", "Ajuste de dosis",
        "Ajuste por peso del paciente.", [pdf_upload("nota.pdf")])).ids[0]


def test_pend_answer_and_validate_with_modification(as_user, world):
    revisor, director = as_user("revisor"), as_user("dir_a")
    rid = requirement(world)
    page = f"/sanece/solicitudes/{rid}"
    shown = text_of(revisor.get(page).text)
    assert "Requiere información" in shown and "DOC-INCOMPLETA" in shown
    missing = post_form(revisor, page, f"{page}/pedir-informacion",
                        {"reason_code": "DOC-INCOMPLETA", "missing": " "})
    assert missing.status_code == 422 and "qué información falta" in text_of(missing.text)
    done = post_form(revisor, page, f"{page}/pedir-informacion",
                     {"reason_code": "DOC-INCOMPLETA", "missing": "Adjunte la receta"})
    assert "Requiere información (DOC-INCOMPLETA)" in followed(revisor, done)
    inicio = text_of(director.get("/sanece/inicio").text)
    assert "Solicitudes que requieren información" in inicio and "Adjunte la receta" in inicio
    no_file = submit(director, page, f"{page}/responder", {"note": "Va la receta"})
    assert no_file.status_code == 422
    answered = submit(director, page, f"{page}/responder", {"note": "Va la receta"},
                      [upload("archivo1", "receta.pdf")])
    shown = followed(director, answered)
    assert "regresó a la cola" in shown and "Adjunto 2: receta.pdf" in shown
    assert director.get(f"{page}/adjuntos/2").status_code == 200
    approved = post_form(revisor, page, f"{page}/validar", {"mod_quantity1": "3"})
    assert "Validado con modificación" in followed(revisor, approved)
    seen = text_of(director.get(page).text)
    assert "Cambio Validado con modificación" in seen
    assert "Solicitado → Autorizado Dato Solicitado Autorizado Cantidad clave 1 2 → 3" in seen
    assert world.folio(F_VALID).key1.quantity == 3


def test_cancel_bulk_statistics_and_reasons(as_user, world):
    revisor, director, admin = as_user("revisor"), as_user("dir_a"), as_user("admin")
    rid = requirement(world)
    page = f"/sanece/solicitudes/{rid}"
    done = post_form(director, page, f"{page}/cancelar", {"reason_code": "YA-NO-APLICA"})
    assert "Cancelada por la unidad" in followed(director, done)
    baja = world.san.file_expiry_change()(world.director_a, FileExpiryChangeCommand(
        F_M1, "cancellation", "Reacción adversa al medicamento", "Hipersensibilidad.",
        [pdf_upload("vigiflow.pdf")])).ids[0]
    queue = revisor.get("/sanece/revision").text
    assert f'name="ids" value="{baja}"' in queue
    confirm = post_form(revisor, "/sanece/revision", "/sanece/revision/validar-lote",
                        {"ids": str(baja)})
    assert confirm.status_code == 200 and "Confirmar Validado de 1 solicitud" in confirm.text
    done = post_form(revisor, "/sanece/revision", "/sanece/revision/validar-lote",
                     {"ids": str(baja), "confirmed": "1"})
    assert f"Validadas en lote: {baja}." in followed(revisor, done)
    stats = text_of(revisor.get("/sanece/revision/estadisticas").text)
    assert "Baja de folio" in stats and "revisor" in stats
    assert director.get("/sanece/revision/estadisticas").status_code == 403
    added = post_form(admin, "/sanece/motivos/", "/sanece/motivos/",
                      {"code": "RECETA", "text": "Falta la receta"})
    assert "Motivo agregado: RECETA" in followed(admin, added)
    bad = post_form(admin, "/sanece/motivos/", "/sanece/motivos/", {"code": "x!", "text": "y"})
    assert bad.status_code == 422 and "no es válida" in text_of(bad.text)
    off = post_form(admin, "/sanece/motivos/", "/sanece/motivos/RECETA/desactivar", {})
    assert "Motivo desactivado: RECETA" in followed(admin, off)
    api = revisor.get("/api/sanece/review-queue/stats")
    assert api.status_code == 200 and api.json()["reviewers"][0]["approved"] == 1
    assert {r["code"] for r in revisor.get("/api/sanece/reasons").json()} >= {"RECETA", "OTRO"}


def test_merge_message_names_the_folios_and_undo_shows_in_the_list(as_user, world):
    revisor, director, admin = as_user("revisor"), as_user("dir_a"), as_user("admin")
    rid = world.san.file_merge()(world.director_a, FileMergeCommand(
        "1071533138", {world.patients["M3"]: MergeChoice.CORRECT,
                       world.patients["M2"]: MergeChoice.MERGE,
                       world.patients["M1"]: MergeChoice.NOT_APPLICABLE},
        [pdf_upload("vigencia.pdf")])).ids[0]
    page = f"/sanece/solicitudes/{rid}"
    shown = followed(revisor, post_form(revisor, page, f"{page}/validar", {}))
    moved = world.san.queries().request(REVISOR.scope, rid).moved_folios
    assert moved and f"(Folios trasladados al registro correcto: {', '.join(moved)})." in shown
    assert "— →" not in shown
    undo = f"/sanece/homologaciones/{rid}"
    followed(admin, post_form(admin, undo, f"{undo}/deshacer",
                              {"reason": "Eran personas distintas", "confirm": "1"}))
    listed = text_of(director.get("/sanece/cambios/homologacion").text)
    assert "Validado (homologación deshecha)" in listed


def test_the_api_pends_answers_approves_modified_and_cancels(as_user, world):
    from tests.helpers import api_csrf

    revisor, director = as_user("revisor"), as_user("dir_a")
    rh, dh = {"X-CSRF-Token": api_csrf(revisor)}, {"X-CSRF-Token": api_csrf(director)}
    rid = requirement(world)
    base = f"/api/sanece/requests/{rid}"
    bad = revisor.post(f"{base}/pend", json={"reason_code": "NADA", "missing": "x"}, headers=rh)
    assert bad.status_code == 422 and bad.headers["content-type"].startswith(
        "application/problem+json") and "NADA" in bad.json()["detail"]
    pended = revisor.post(f"{base}/pend", json={"reason_code": "DOC-INCOMPLETA",
                                                "missing": "Falta la receta"}, headers=rh)
    assert pended.status_code == 200
    assert pended.json()["row"]["status"] == "info_requested"
    assert pended.json()["row"]["reason_code"] == "DOC-INCOMPLETA"
    answered = director.post(f"{base}/answer", data={"note": "Va la receta"}, headers=dh,
                             files=[upload("archivo1", "receta.pdf")])
    assert answered.status_code == 200, answered.text
    assert answered.json()["rounds"][0]["note"] == "Va la receta"
    approved = revisor.post(f"{base}/approve", json={"modifications": {"quantity1": "4"}},
                            headers=rh)
    assert approved.status_code == 200 and approved.json()["modified"] is True
    assert approved.json()["authorized"] == [
        {"label": "Cantidad clave 1", "before": "2", "after": "4"}]
    other = requirement(world)
    cancelled = director.post(f"/api/sanece/requests/{other}/cancel", json={}, headers=dh)
    assert cancelled.status_code == 200
    assert cancelled.json()["row"]["status"] == "cancelled"
    again = director.post(f"/api/sanece/requests/{other}/cancel", json={}, headers=dh)
    assert again.status_code == 409
