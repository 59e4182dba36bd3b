"""Pasos 2, 6 and 7 and the apertura, through the use cases, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from excedentes.application.use_cases.coordination import ReopenCommand
from excedentes.domain.errors import EntityLocked
from excedentes.domain.grid import GridField, GridRow
from excedentes.domain.model import Answer
from shared.audit.domain import AuditFilter
from shared.kernel.errors import Conflict, PermissionDenied, ValidationError

from ..support import (
    ADMIN_SCOPE,
    BC,
    CAP_BC,
    COORD_SS,
    U_ALGODONES,
    U_OCTUBRE,
    YEAR,
    answer,
    finalize,
    save_grid,
    shortage_row,
    surplus_row,
)

LOCKED = ("La entidad finalizó el registro el 10/03/2026 10:00; solicite la apertura a su "
          "coordinador.")
LOCKED_FOR_MANAGER = ("La entidad finalizó el registro el 10/03/2026 10:00; puede registrar la "
                      "apertura para que vuelva a capturar.")


def test_answer_grid_finalize_reopen_workflow(world, exc, clock):
    anest, dil = world.pid("Anestesia"), world.pid("Dilatación de esófago")
    assert answer(world, "sí").after is Answer.YES

    saved = save_grid(world, U_OCTUBRE, [shortage_row(anest), surplus_row(dil)])
    assert saved.saved and saved.added == 2 and saved.removed == 0
    overview = exc.queries().overview(ADMIN_SCOPE, BC, YEAR)
    assert (overview.record_count, overview.units_with_records, overview.units_total) == (2, 1, 3)
    assert overview.labels.final == "Finalizar Reporte"

    # NO is refused while units have records, naming them.
    with pytest.raises(Conflict) as refused:
        answer(world, "NO")
    assert "BCSSA001152 3 DE OCTUBRE, PRIMER NIVEL" in refused.value.message

    # Finalize: password first, then the rules.
    with pytest.raises(ValidationError, match="contraseña"):
        finalize(world, confirmed=False)
    done = finalize(world, confirmed=True)
    assert done.folio == "SS-2026-BC-V1" and len(done.fingerprint) == 14
    assert done.note == "Nota: Existen Unidades Médicas sin Excedentes/Faltantes."
    assert (done.units_with_records, done.units_total) == (1, 3)

    # Locked: every change is refused, saying why and since when.
    with pytest.raises(EntityLocked) as locked:
        save_grid(world, U_OCTUBRE, [GridRow(anest)])
    assert locked.value.message == LOCKED
    with pytest.raises(EntityLocked):
        answer(world, "SI")
    overview = exc.queries().overview(ADMIN_SCOPE, BC, YEAR)
    # The admin reads what they can do about it; the capturista what to ask for.
    assert overview.lock_reason == LOCKED_FOR_MANAGER and overview.folio == "SS-2026-BC-V1"
    assert overview.labels.final == "Versión Final" and overview.labels.upload == "Subir"

    # Apertura: coordinator only, with a reason.
    with pytest.raises(PermissionDenied):
        exc.reopen()(CAP_BC, ReopenCommand(BC, YEAR, "corrección"))
    with pytest.raises(ValidationError, match="motivo"):
        exc.reopen()(COORD_SS, ReopenCommand(BC, YEAR, "  "))
    clock.advance(timedelta(hours=1))
    exc.reopen()(COORD_SS, ReopenCommand(BC, YEAR, "Corregir la unidad 3 DE OCTUBRE"))
    assert exc.queries().overview(ADMIN_SCOPE, BC, YEAR).lock_reason is None
    assert save_grid(world, U_OCTUBRE, [GridRow(anest)]).saved  # clearing a row deletes its record
    again = finalize(world)
    assert again.folio == "SS-2026-BC-V2" and again.fingerprint != done.fingerprint


def test_audit_trail(world, exc, container):
    anest = world.pid("Anestesia")
    answer(world, "SI")
    save_grid(world, U_OCTUBRE, [shortage_row(anest)])
    finalize(world)
    exc.reopen()(COORD_SS, ReopenCommand(BC, YEAR, "Faltó una unidad"))
    entries = container.audit_query().list(AuditFilter(target_id="SS:BC:2026", limit=50))
    by_action = {r.entry.action: r.entry for r in entries}
    assert set(by_action) == {"excedentes.answer", "excedentes.grid_saved",
                              "excedentes.finalize", "excedentes.reopen"}
    assert by_action["excedentes.answer"].before == {"answer": None}
    assert by_action["excedentes.answer"].after == {"answer": "SI"}
    saved = by_action["excedentes.grid_saved"]
    assert saved.actor == "capturista.ss.bc" and saved.before["records"] == []
    assert "Falta de Equipo" in saved.after["records"][0]
    reopen = by_action["excedentes.reopen"]
    assert reopen.actor == "coordinador.ss" and reopen.reason == "Faltó una unidad"
    assert reopen.before["folio"] == "SS-2026-BC-V1"


def test_grid_is_all_or_nothing_with_every_row_error(world, exc):
    anest, dil = world.pid("Anestesia"), world.pid("Dilatación de esófago")
    answer(world, "SI")
    assert save_grid(world, U_OCTUBRE, [shortage_row(anest)]).saved
    rows = [surplus_row(anest, "7", "8"),  # valid change, must not be stored
            GridRow(dil, shortage_outpatient="0", monthly_patients="x")]
    refused = save_grid(world, U_OCTUBRE, rows)
    assert not refused.saved and refused.rows == tuple(rows)
    fields = refused.errors_by_row()[1]
    assert fields[GridField.SHORTAGE_OUTPATIENT] == ("Cantidad mínima 1.",)
    assert GridField.CAUSE in fields and GridField.MONTHLY_PATIENTS in fields
    assert refused.summary.startswith("No se guardó ningún dato")
    view = exc.queries().grid(ADMIN_SCOPE, BC, YEAR, U_OCTUBRE, world.gid("Cirugía"),
                              world.sid("Cirugía general"))
    stored = {line.product: line.row for line in view.lines}
    assert stored["Anestesia"].shortage_outpatient == "3"  # unchanged
    assert stored["Dilatación de esófago"].is_blank


def test_grid_saves_only_the_rows_shown(world, exc):
    anest, dil = world.pid("Anestesia"), world.pid("Dilatación de esófago")
    answer(world, "SI")
    save_grid(world, U_OCTUBRE, [shortage_row(anest), surplus_row(dil)])
    # A filtered grid sends only "Anestesia": "Dilatación de esófago" is kept.
    result = save_grid(world, U_OCTUBRE, [shortage_row(anest, "9", "9", "Falta de Personal")])
    assert (result.added, result.removed) == (1, 1)
    view = exc.queries().grid(ADMIN_SCOPE, BC, YEAR, U_OCTUBRE, world.gid("Cirugía"),
                              world.sid("Cirugía general"))
    rows = {line.product: line.row for line in view.lines}
    assert rows["Anestesia"].cause == "Falta de Personal"
    assert rows["Dilatación de esófago"].surplus_outpatient == "5"
    # Saving the same values again changes nothing.
    same = save_grid(world, U_OCTUBRE, [shortage_row(anest, "9", "9", "Falta de Personal")])
    assert same.saved and (same.added, same.removed) == (0, 0)


def test_a_unit_save_reads_and_replaces_only_that_unit(world, exc):
    # SaveGrid loads only the saved unit's records: the others' stay, and the entity's
    # totals, Paso 2 and Paso 7 still see every unit's
    anest, dil = world.pid("Anestesia"), world.pid("Dilatación de esófago")
    answer(world, "SI")
    save_grid(world, U_ALGODONES, [shortage_row(anest), surplus_row(dil)])
    saved = save_grid(world, U_OCTUBRE, [shortage_row(anest)])
    assert (saved.added, saved.removed) == (1, 0)
    again = save_grid(world, U_OCTUBRE, [shortage_row(anest, "8"), GridRow(dil)])
    assert (again.added, again.removed) == (1, 1)
    overview = exc.queries().overview(ADMIN_SCOPE, BC, YEAR)
    assert (overview.record_count, overview.units_with_records) == (3, 2)
    with pytest.raises(Conflict):  # both units are named: the report was whole here
        answer(world, "NO")
    assert finalize(world).units_with_records == 2


def test_grid_refuses_products_of_another_group_and_values_before_answer(world, exc):
    with pytest.raises(Conflict, match="primero responda SI"):
        save_grid(world, U_OCTUBRE, [shortage_row(world.pid("Anestesia"))])
    answer(world, "SI")
    other = world.pid("Aplicación de corona")
    refused = save_grid(world, U_OCTUBRE, [shortage_row(other)])
    assert not refused.saved
    assert refused.errors[0].field is GridField.PRODUCT
    # A blank grid on an unanswered entity is simply nothing to save.
    answer(world, "NO")
    assert save_grid(world, U_ALGODONES, [GridRow(world.pid("Anestesia"))]).saved


def test_finalize_rules(world, exc):
    with pytest.raises(Conflict, match="Paso 2"):
        finalize(world)
    answer(world, "SI")
    with pytest.raises(Conflict, match="respondió SI"):
        finalize(world)
    answer(world, "NO")
    result = finalize(world)
    assert result.units_with_records == 0
    overview = exc.queries().overview(ADMIN_SCOPE, BC, YEAR)
    assert overview.answer is Answer.NO and overview.state.is_finalized


def test_reopen_needs_a_finalized_entity(world, exc):
    with pytest.raises(Conflict, match="no es necesaria la apertura"):
        exc.reopen()(COORD_SS, ReopenCommand(BC, YEAR, "sin motivo real"))


def test_a_save_stores_exactly_the_rows_records_however_they_change(world, exc, container):
    """Stored records change only where a save changes them (``apply_records``: a slot kept
    is updated in place, a slot emptied deleted, a new one inserted): after any sequence of
    saves the table holds exactly the records of the rows last saved, kinds and causes
    switched within a modality included."""
    import sqlalchemy as sa
    from hypothesis import given, settings
    from hypothesis import strategies as st

    anest, dil = world.pid("Anestesia"), world.pid("Dilatación de esófago")
    answer(world, "SI")
    n = st.integers(1, 60).map(str)
    cause = st.sampled_from(["Falta de Equipo", "Falta de Personal"])

    @st.composite
    def row(draw, pid):  # noqa: ANN001, ANN202
        shape = draw(st.sampled_from(["blank", "fa", "fh", "ea", "eh", "fa+eh", "ea+fh"]))
        values = {"shortage_outpatient": "", "shortage_inpatient": "", "surplus_outpatient": "",
                  "surplus_inpatient": "", "cause": "", "monthly_patients": ""}
        if shape != "blank":
            values["monthly_patients"] = draw(n)
        for part in shape.split("+"):
            field = {"fa": "shortage_outpatient", "fh": "shortage_inpatient",
                     "ea": "surplus_outpatient", "eh": "surplus_inpatient"}.get(part)
            if field:
                values[field] = draw(n)
                if part.startswith("f"):
                    values["cause"] = draw(cause)
        return GridRow(pid, **values)

    def expected(rows: list[GridRow]) -> set[tuple]:
        out = set()
        for r in rows:
            for field, kind, modality in (("shortage_outpatient", "faltante", "ambulatorio"),
                                          ("shortage_inpatient", "faltante", "hospitalario"),
                                          ("surplus_outpatient", "excedente", "ambulatorio"),
                                          ("surplus_inpatient", "excedente", "hospitalario")):
                if getattr(r, field):
                    out.add((r.product_id, kind, modality, int(getattr(r, field)),
                             int(r.monthly_patients), r.cause if kind == "faltante" else None))
        return out

    def stored() -> set[tuple]:
        from excedentes.adapters.sql.tables import records as t

        with container.engine().connect() as conn:
            return {tuple(r) for r in conn.execute(sa.select(
                t.c.product_id, t.c.kind, t.c.modality, t.c.monthly_events,
                t.c.monthly_patients, t.c.cause).where(t.c.clues == U_OCTUBRE))}

    @settings(max_examples=30, deadline=None)
    @given(row(anest), row(dil))
    def each_save(a: GridRow, d: GridRow) -> None:
        saved = save_grid(world, U_OCTUBRE, [a, d], comments={anest: "nota", dil: "nota"})
        assert saved.saved, saved.errors
        assert stored() == expected([a, d])

    each_save()
