"""Each folio's history (issue 16, point 4) on both databases: the folio page lists its
evaluation, each applied request with before → after, reviewer, date and link, the merges
that moved it and their undo, and its moves between units, oldest first; the response PDF
states its version and the version it replaces."""

from __future__ import annotations

import io
from datetime import timedelta

from pypdf import PdfReader

from sanece.application.use_cases.evaluation import EvaluationCommand
from sanece.application.use_cases.requests import (
    FileMergeCommand,
    FileRequirementChangeCommand,
    FileUnitChangeCommand,
)
from sanece.application.use_cases.review import ApproveCommand
from sanece.domain.values import MergeChoice
from tests.integration.sanece.support import ADMIN, EVALUADOR, F_M2, F_PENDING, REVISOR, pdf_upload


def _pdf_text(response) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)


def test_history_of_an_evaluated_changed_and_moved_folio(world, as_user, clock):
    san = world.san
    san.register_evaluation()(EVALUADOR, EvaluationCommand(
        F_PENDING, "validated", 6, "5434", 2, requirement="Clave 5434 cada 3 semanas."))
    clock.advance(timedelta(days=1))
    changed = san.file_requirement_change()(world.director_a, FileRequirementChangeCommand(
        F_PENDING, "5435", 3, "Clave 5435 cada 3 semanas.", "Ajuste de dosis",
        "Ajuste por peso del paciente.", [pdf_upload("nota.pdf")])).ids[0]
    san.approve_request()(REVISOR, ApproveCommand(changed))
    director = as_user("dir_a")
    page = director.get("/sanece/consultar", params={"folio": F_PENDING}).text
    assert "Historial del folio" in page
    history = page[page.index("Historial del folio"):]
    assert history.index("Evaluación") < history.index("Cambio de requerimiento")
    assert "Pendiente → Validada" in history
    assert f'href="/sanece/solicitudes/{changed}"' in history
    assert "revisor" in history
    pdf = _pdf_text(director.get(f"/sanece/folios/{F_PENDING}/pdf"))
    assert "Versión 2, 11/03/2026 (reemplaza a la versión 1 del 10/03/2026)" in pdf

    clock.advance(timedelta(days=1))
    moved = san.file_unit_change()(world.director_a, FileUnitChangeCommand(
        F_PENDING, "Contrarreferencia", "El paciente se atenderá en el hospital de destino.",
        world.ooads["AGUASCALIENTES"], world.units["B"], [pdf_upload("contrarreferencia.pdf")]))
    san.approve_request()(REVISOR, ApproveCommand(moved.ids[0]))
    destination = as_user("dir_b")
    page = destination.get("/sanece/consultar", params={"folio": F_PENDING}).text
    history = page[page.index("Historial del folio"):]
    assert "Cambio de unidad médica" in history and "H Gral Zona 3" in history
    # the destination sees the moves, but not unit A's requests (no link to them)
    assert "/sanece/solicitudes/" not in history
    pdf = _pdf_text(destination.get(f"/sanece/folios/{F_PENDING}/pdf"))
    assert "Versión 3, 12/03/2026 (reemplaza a la versión 2 del 11/03/2026)" in pdf


def test_history_shows_a_merge_that_moved_the_folio_and_its_undo(world, as_user, clock):
    p = world.patients
    filed = world.san.file_merge()(world.director_a, FileMergeCommand(
        "1071533138", {p["M3"]: MergeChoice.CORRECT, p["M2"]: MergeChoice.MERGE,
                       p["M1"]: MergeChoice.NOT_APPLICABLE}, [pdf_upload("vigencia.pdf")]))
    world.san.approve_request()(REVISOR, ApproveCommand(filed.ids[0]))
    clock.advance(timedelta(hours=2))
    world.san.undo_merge()(ADMIN, filed.ids[0], "Eran dos beneficiarias distintas.")
    page = as_user("dir_a").get("/sanece/consultar", params={"folio": F_M2}).text
    history = page[page.index("Historial del folio"):]
    assert history.index("Homologación") < history.index("Homologación deshecha")
    assert "Folios trasladados al registro correcto" in history and F_M2 in history
    assert "Folios regresados al registro original" in history
