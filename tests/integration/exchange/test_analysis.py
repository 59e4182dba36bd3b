"""Running and reading exchange analyses on SQLite and PostgreSQL: the hand-checked scenario
of ``support``, the SQL figures against the domain's, parameters, reproducibility, scope."""

from __future__ import annotations

import pytest

from exchange.application.model import ANALYSIS_NOT_FOUND, PotentialLevel, Side, ViewFilter
from excedentes.application.use_cases.capture import SaveGridCommand
from exchange.application.use_cases import RunExchangeCommand
from exchange.domain.matching import AllocationMethod
from shared.audit.domain import AuditFilter
from shared.kernel.errors import NotFound, PermissionDenied, ValidationError
from shared.kernel.pagination import PageRequest
from tests.integration.excedentes.support import ADMIN, BS, COORD_SS, U_BS, YEAR

from .support import (
    CAP_BS,
    CAP_CC,
    CAP_NL,
    CIRUGIA,
    COORD_IMSS,
    COORD_ISSSTE,
    DILATACION,
    EXPECTED,
    SPECIALTY,
    U_HOSPITAL,
    U_IMSS_BC,
    U_OCTUBRE,
    U_SS_MC,
    U_SS_SR,
    _short,
    _surplus,
)


def _lines(xch, actor, analysis_id, **flt):
    page = xch.queries().exchanges(actor, analysis_id, ViewFilter(**flt),
                                            PageRequest(1, 100))
    return {(e.requesting.clues, e.providing.clues, e.product, e.patients, e.tier_label)
            for e in page.items}


def test_the_scenario_by_hand(xch, exc, xworld, container):
    result = xch.run_analysis()(ADMIN, RunExchangeCommand(YEAR))
    a = result.analysis
    assert (a.shortages, a.surpluses, a.unplaced, a.exact) == (6, 8, 0, True)
    assert a.institutions == ("IMSS", "SS")
    for method in ("optimal", "greedy"):
        figures = getattr(result.comparison, method).figures
        assert (figures.shortage_records, figures.patients_needed) == (6, 36)
        assert figures.patients_covered == EXPECTED[method]["patients"]
        assert figures.records_covered == EXPECTED[method]["covered"]
        assert figures.records_fully_covered == EXPECTED[method]["full"]
    assert result.comparison.added_patients == 2

    q = xch.queries()
    ov = q.overview(ADMIN, a.id)
    # The SQL figures of the saved analysis are the domain's, level by level.
    assert ov.total.optimal == result.comparison.optimal.figures
    assert ov.total.greedy == result.comparison.greedy.figures
    assert ov.comparison == result.comparison
    assert {r.key: r for r in ov.institutions} == {r.key: r for r in result.by_institution}
    ss = {r.key: r for r in ov.institutions}["SS"]
    assert (ss.optimal.patients_needed, ss.optimal.patients_covered,
            ss.greedy.patients_covered) == (21, 18, 16)
    states = {s.state: s for s in ov.states}
    assert set(states) == {"02", "03", "15", "19", "26"}
    bc = states["02"]
    assert (bc.shortage_records, bc.shortage_patients, bc.surplus_records,
            bc.surplus_patients) == (3, 19, 3, 10)
    # The IMSS OOAD "Edo. de Méx. Ote." is in México, with the SS hospital of Toluca.
    assert (states["15"].shortage_records, states["15"].surplus_records) == (1, 1)
    assert states["15"].optimal.patients_covered == 5
    assert [p.name for p in ov.products][:2] == ["Anestesia", "Conducto radicular, no "
                                                 "especificado de otra manera"]
    assert {o.value for o in ov.options.institutions} == {"IMSS", "SS"}

    assert _lines(xch, ADMIN, a.id) == {
        (U_OCTUBRE, "BCSSA000633", "Anestesia", 4, "Misma entidad"),
        (U_OCTUBRE, U_IMSS_BC, "Anestesia", 3, "Mismo estado"),
        (U_OCTUBRE, U_BS, "Anestesia", 3, "Estado vecino"),
        (U_OCTUBRE, U_HOSPITAL, DILATACION, 1, "Misma entidad"),
        (U_OCTUBRE, U_SS_SR, DILATACION, 2, "Estado vecino"),
        (U_BS, U_HOSPITAL, DILATACION, 2, "Estado vecino"),
        (U_HOSPITAL, U_BS, "Aplicación de corona", 3, "Estado vecino"),
        ("MCIMS000011", U_SS_MC, "Conducto radicular, no especificado de otra manera", 5,
         "Mismo estado")}
    greedy = xch.queries().exchanges(ADMIN, a.id, method=AllocationMethod.GREEDY)
    assert sum(e.patients for e in greedy.items) == 21
    # Drill-down from a state, on either side of the exchanges.
    assert {e[:2] for e in _lines(xch, ADMIN, a.id, state="03")} == {(U_BS, U_HOSPITAL)}
    assert {e[:2] for e in _lines(xch, ADMIN, a.id, state="03", side=Side.PROVIDING)} == {
        (U_OCTUBRE, U_BS), (U_HOSPITAL, U_BS)}
    assert _lines(xch, ADMIN, a.id, service_group="Anatomía patológica") == set()

    entities = {r.key: r for r in q.potentials(ADMIN, a.id, PotentialLevel.ENTITY)}
    assert entities["SS:BS"].optimal.patients_covered == 2
    assert entities["SS:BS"].greedy.patients_covered == 0
    assert entities["IMSS:MC-OTE"].label == "Edo. de Méx. Ote. (IMSS)"

    audit = container.audit_query().list(AuditFilter(action="excedentes.exchange_analysis"))
    assert [r.entry.target_id for r in audit] == [str(a.id)]
    assert audit[0].entry.after["patients_optimal"] == 23


def test_parameters_and_reproducibility(xch, exc, xworld):
    run = xch.run_analysis()
    first = run(ADMIN, RunExchangeCommand(YEAR))
    again = run(ADMIN, RunExchangeCommand(YEAR))
    assert again.same_as == first.analysis.id
    assert again.analysis.input_fingerprint == first.analysis.input_fingerprint
    q = xch.queries()
    assert _lines(xch, ADMIN, again.analysis.id) == _lines(xch, ADMIN, first.analysis.id)

    # Only within each institution, only the same entity: the optimum shrinks.
    strict = run(ADMIN, RunExchangeCommand(YEAR, {"cross_institution": False, "tiers": [1]}))
    assert strict.same_as is None
    # Anestesia 4 from ALGODONES, Dilatación 3 from the hospital (nobody else may take it).
    assert strict.comparison.optimal.figures.patients_covered == 4 + 3
    assert q.analysis(ADMIN, strict.analysis.id).criteria.tiers == (1,)
    # One state (Baja California Sur): its faltante alone, with the whole of BC to draw on.
    bs = run(ADMIN, RunExchangeCommand(YEAR, state="baja california sur"))
    assert (bs.analysis.state, bs.analysis.shortages) == ("03", 1)
    assert bs.comparison.greedy.figures.patients_covered == 2
    # One service group.
    dental = run(ADMIN, RunExchangeCommand(YEAR, service_group="atencion estomatologica"))
    assert dental.analysis.service_group_name == "Atención Estomatológica"
    assert dental.comparison.optimal.figures.patients_covered == 3 + 5

    # The data change: a new fingerprint, and the saved analysis does not move.
    xworld.exc.save_grid()(ADMIN, SaveGridCommand(BS, YEAR, U_BS, xworld.gid(CIRUGIA),
                                                  xworld.sid(SPECIALTY[CIRUGIA]), [
        _surplus(xworld.pid("Anestesia"), 5), _short(xworld.pid(DILATACION), 3)]))
    changed = run(ADMIN, RunExchangeCommand(YEAR))
    assert changed.same_as is None
    assert changed.analysis.input_fingerprint != first.analysis.input_fingerprint
    assert q.overview(ADMIN, first.analysis.id).total.optimal.patients_needed == 36
    assert q.overview(ADMIN, changed.analysis.id).total.optimal.patients_needed == 37
    listed = q.analyses(ADMIN, PageRequest(1, 3))
    assert listed.total == 6 and [s.analysis.id for s in listed.items] == [6, 5, 4]
    # The list's national figures (saved totals) are the GROUP BY of the records.
    for item in listed.items:
        assert item.potential == q.potentials(ADMIN, item.analysis.id,
                                              PotentialLevel.NATIONAL)[0]
    mine = q.analyses(CAP_BS, PageRequest(1, 10)).items
    assert all(i.potential == q.potentials(CAP_BS, i.analysis.id, PotentialLevel.NATIONAL)[0]
               for i in mine)


def test_who_runs_and_who_sees_what(xch, exc, xworld):
    run = xch.run_analysis()
    with pytest.raises(PermissionDenied):
        run(CAP_BS, RunExchangeCommand(YEAR))
    with pytest.raises(ValidationError, match="su institución"):
        run(COORD_SS, RunExchangeCommand(YEAR, {"institutions": ["IMSS"]}))
    with pytest.raises(NotFound, match="periodo"):
        run(ADMIN, RunExchangeCommand(YEAR + 3))
    aid = run(COORD_IMSS, RunExchangeCommand(YEAR)).analysis.id
    q = xch.queries()

    # The coordinador of IMSS: its faltantes, and exchanges where IMSS requests or provides.
    ov = q.overview(COORD_IMSS, aid)
    assert ov.scope_label.endswith("(IMSS)")
    assert (ov.total.optimal.shortage_records, ov.total.optimal.patients_covered) == (2, 5)
    assert [r.key for r in ov.institutions] == ["IMSS"]
    assert ov.analysis.national_optimal is None
    assert {e[:2] for e in _lines(xch, COORD_IMSS, aid)} == {
        (U_OCTUBRE, U_IMSS_BC), ("MCIMS000011", U_SS_MC)}
    # The capturista of BS: its one faltante, and the three exchanges it takes part in.
    ov = q.overview(CAP_BS, aid)
    assert (ov.total.optimal.shortage_records, ov.total.optimal.patients_covered) == (1, 2)
    assert {s.state for s in ov.states} == {"03"}
    assert {e[:2] for e in _lines(xch, CAP_BS, aid)} == {
        (U_OCTUBRE, U_BS), (U_HOSPITAL, U_BS), (U_BS, U_HOSPITAL)}
    assert [r.key for r in q.potentials(CAP_BS, aid, PotentialLevel.ENTITY)] == ["SS:BS"]
    # A capturista whose entity only has an unmatched faltante still sees the analysis.
    assert q.overview(CAP_NL, aid).total.optimal.patients_covered == 0
    assert _lines(xch, CAP_NL, aid) == set()

    # Nothing of ISSSTE is in it: a foreign id answers exactly like a missing one.
    for actor in (CAP_CC, COORD_ISSSTE):
        assert q.analyses(actor, PageRequest()).total == 0
        for call in (lambda i: q.analysis(actor, i), lambda i: q.overview(actor, i),
                     lambda i: q.exchanges(actor, i),
                     lambda i: q.potentials(actor, i, PotentialLevel.ENTITY)):
            with pytest.raises(NotFound) as foreign:
                call(aid)
            with pytest.raises(NotFound) as missing:
                call(aid + 100)
            assert foreign.value.message == missing.value.message == ANALYSIS_NOT_FOUND
    # Whoever ran an analysis sees it, even with nothing of its own in it.
    empty = run(COORD_ISSSTE, RunExchangeCommand(YEAR, service_group="Cirugía"))
    assert q.analysis(COORD_ISSSTE, empty.analysis.id).id == empty.analysis.id
    assert q.overview(COORD_ISSSTE, empty.analysis.id).total.optimal.shortage_records == 0
