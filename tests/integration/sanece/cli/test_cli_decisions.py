"""`sanece-admin sanece requests pend|approve --quantity|cancel|expire`, `reasons
list|add|disable` and `queue-stats` through click's runner, on both databases."""

from __future__ import annotations

from sanece.application.use_cases.requests import FileRequirementChangeCommand

from ..support import F_VALID, pdf_upload


def _requirement(world, qty=2):  # type: ignore[no-untyped-def]
    return world.san.file_requirement_change()(world.director_a, FileRequirementChangeCommand(
        F_VALID, "5796", qty, "Clave 5796 jeringa. 2 por mes.", "Ajuste de dosis",
        "Ajuste por peso.", [pdf_upload("nota.pdf")])).ids[0]


def test_pend_approve_modified_cancel_reasons_and_stats(run, world):
    rid = _requirement(world)
    r = run("requests", "pend", str(rid), "--reason", "NO-EXISTE", "--missing", "x")
    assert r.exit_code == 1 and r.output.startswith("Error: El motivo «NO-EXISTE»")
    r = run("requests", "pend", str(rid), "--reason", "doc-incompleta",
            "--missing", "Adjunte la receta")
    assert r.exit_code == 0 and "Requiere información (DOC-INCOMPLETA)" in r.output
    r = run("requests", "approve", str(rid), "--quantity", "3")
    assert r.exit_code == 1 and "espera la información" in r.output
    shown = run("requests", "show", str(rid)).output
    assert "Clave del motivo: DOC-INCOMPLETA" in shown and "sin respuesta" in shown
    r = run("requests", "cancel", str(rid))
    assert r.exit_code == 0 and "Cancelada por la unidad (YA-NO-APLICA)" in r.output
    again = _requirement(world)
    r = run("requests", "approve", str(again), "--quantity", "0")
    assert r.exit_code == 1 and r.output.startswith("Error:")
    r = run("requests", "approve", str(again), "--quantity", "3")
    assert r.exit_code == 0, r.output
    assert "Validado con modificación" in r.output
    assert "Autorizado Cantidad clave 1: solicitado 2 → autorizado 3" in r.output
    assert world.folio(F_VALID).key1.quantity == 3
    r = run("requests", "expire")
    assert r.exit_code == 0 and "Solicitudes vencidas sin respuesta: 0." in r.output
    r = run("reasons", "add", "RECETA", "Falta la receta médica")
    assert r.exit_code == 0 and "Motivo agregado: RECETA — Falta la receta médica" in r.output
    assert run("reasons", "add", "RECETA", "otra").exit_code == 1
    r = run("reasons", "disable", "RECETA")
    assert r.exit_code == 0 and "Motivo desactivado" in r.output
    assert run("reasons", "disable", "NADA").output.startswith("Error: No existe el motivo")
    listed = run("reasons", "list").output
    assert "RECETA" in listed and "SIN-RESPUESTA" in listed
    stats = run("queue-stats")
    assert stats.exit_code == 0, stats.output
    assert "Decisiones por revisor" in stats.output and "Cambio de requerimiento" in stats.output
