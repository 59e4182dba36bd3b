"""Paso 6 data quality on the fake unit of work: an outlier is saved only with a comment; the
comment and the explanation are kept as the row's note and audited; a refusal changes nothing."""

from __future__ import annotations

import attrs

from excedentes.application.use_cases.capture import SaveGrid, SaveGridCommand
from excedentes.domain.grid import GridField, GridRow
from excedentes.domain.quality import OutlierThresholds, ValueNote

from .fakes import BC, CAP_BC, U_ALGODONES, U_OCTUBRE, YEAR
from .test_capture_rules import answer, both_products


@attrs.frozen
class OnePeerIsEnough:
    """The thresholds source of these tests: the small world has two units per level."""

    def for_institution(self, institution_code: str) -> OutlierThresholds:
        return OutlierThresholds(min_peers=1)


def save(world, clock, rows, clues=U_OCTUBRE, comments=None):
    cmd = SaveGridCommand(BC, YEAR, clues, world.groups["SS"], world.specialty, rows,
                          comments=comments)
    return SaveGrid(world.uow, clock, thresholds=OnePeerIsEnough())(CAP_BC, cmd)


def row(pid, events="3", patients="4"):
    return GridRow(pid, shortage_outpatient=events, cause="Falta de Equipo",
                   monthly_patients=patients)


def notes(world):
    return {(k[1], k[2]): v for k, v in world.store.state.notes.items()}


def test_an_outlier_needs_a_comment_then_is_kept_with_it(world, clock):
    anest, _ = both_products(world)
    answer(world, clock)
    assert save(world, clock, [row(anest)], clues=U_ALGODONES).saved  # the peer: 4 patients
    commits, audits = world.store.commits, len(world.store.state.audit)

    refused = save(world, clock, [row(anest, patients="12,000")])
    assert not refused.saved
    assert refused.summary == ("No se guardó ningún dato: corrija 1 error señalado en la tabla "
                               "(fila 1).")
    [error] = refused.errors
    assert error.field is GridField.MONTHLY_PATIENTS
    assert error.message.startswith("Valor atípico: 12,000 pacientes mensuales; unidades de "
                                    "primer nivel reportan 4.")
    assert (world.store.commits, len(world.store.state.audit)) == (commits, audits)
    assert not [r for r in world.store.state.reports[("SS", "BC", YEAR)].records
                if r.clues == U_OCTUBRE]

    kept = save(world, clock, [row(anest, patients="12000")],
                comments={anest: "  Campaña estatal de cirugía  "})
    assert kept.saved
    note = notes(world)[(U_OCTUBRE, anest)]
    assert note.comment == "Campaña estatal de cirugía"
    assert note.outlier.startswith("12,000 pacientes mensuales; unidades de primer nivel")
    entry = world.store.state.audit[-1]
    assert entry.action == "excedentes.grid_saved"
    assert entry.before["comments"] == {str(anest): ""}
    assert entry.after["comments"] == {str(anest): "Campaña estatal de cirugía"}

    # without a comment in the command the stored one still counts (API clients)
    assert save(world, clock, [row(anest, events="4", patients="12000")]).saved


def test_a_comment_alone_is_a_change_and_a_cleared_row_drops_its_note(world, clock):
    anest, dil = both_products(world)
    answer(world, clock)
    assert save(world, clock, [row(anest)]).saved
    version_audits = len(world.store.state.audit)
    again = save(world, clock, [row(anest)], comments={anest: "Dato confirmado"})
    assert again.saved and (again.added, again.removed) == (0, 0)
    assert notes(world)[(U_OCTUBRE, anest)] == ValueNote("Dato confirmado", None)
    assert len(world.store.state.audit) == version_audits + 1
    # nothing new: nothing committed
    same = save(world, clock, [row(anest)], comments={anest: "Dato confirmado"})
    assert same.saved and len(world.store.state.audit) == version_audits + 1
    cleared = save(world, clock, [GridRow(anest)], comments={anest: "Dato confirmado"})
    assert cleared.saved and (U_OCTUBRE, anest) not in notes(world)
    assert dil not in {k[1] for k in notes(world)}
