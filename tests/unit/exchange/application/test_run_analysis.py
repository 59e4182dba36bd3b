"""``RunExchangeAnalysis`` on in-memory fakes: what it saves is exactly the domain's result,
in one transaction with its audit entry; who may run it; parameters and reproducibility."""

from __future__ import annotations

import json
import random
from datetime import datetime, timezone

import pytest
from hypothesis import given, settings

from exchange.application.model import SHORTAGE, SURPLUS, PotentialLevel, ViewFilter, Viewer
from exchange.application.views import Figures
from exchange.application.snapshot import AnalysisSnapshot
from exchange.application.use_cases import (
    RUN_STEPS,
    RunExchangeAnalysis,
    RunExchangeCommand,
)
from exchange.domain.matching import (
    AllocationMethod,
    ExchangeCriteria,
    ExchangeProblem,
    analyze_exchanges,
)
from exchange.domain.states import ADJACENCY
from shared.kernel.clock import FixedClock
from shared.kernel.errors import NotFound, PermissionDenied, ValidationError
from shared.kernel.scope import Actor, Role, Scope
from tests.unit.exchange.domain.builders import SOLVE, problems, record

from .fakes import FakeSource, FakeUnitOfWork, records_of, source_record

AT = datetime(2026, 3, 10, 16, 0, tzinfo=timezone.utc)
ADMIN = Actor.admin("admin")


def _run(source: FakeSource, actor: Actor = ADMIN, **cmd) -> tuple[object, FakeUnitOfWork]:
    uow = FakeUnitOfWork()
    use_case = RunExchangeAnalysis(uow, FixedClock(AT), source, SOLVE, timer=iter(range(100)).__next__)
    result = use_case(actor, RunExchangeCommand(2026, **cmd))
    return result, uow


def _rid(snap, position: int) -> str:
    return str(snap.record_id[position])


@settings(max_examples=60, deadline=None)
@given(problems())
def test_what_is_saved_is_the_domain_result(problem: ExchangeProblem) -> None:
    shorts, surps = records_of(problem)
    result, uow = _run(FakeSource(shorts, surps), criteria=problem.criteria)
    assert uow.log == ["begin", "add", "audit", "commit", "end"]  # one transaction
    (header, snap, parts), = uow.analyses.saved
    expected = analyze_exchanges(problem, SOLVE)
    assert header.greedy == expected.greedy_totals
    assert header.optimal == expected.optimal_totals
    assert header.exact == expected.optimal.exact
    assert header.patients_needed == expected.optimal_potential.national.patients_needed
    # Every record read (the source reads the participating institutions only), faltantes
    # first, each kind in natural id order.
    takes_part = problem.criteria.takes_part
    read_f = [r.record_id for r in problem.shortages if takes_part(r.institution)]
    read_s = [r.record_id for r in problem.surpluses if takes_part(r.institution)]
    assert snap.shortages == len(read_f)
    assert [_rid(snap, i) for i in range(snap.size)] == read_f + read_s
    for i in range(snap.size):
        assert 0 <= snap.greedy[i] <= snap.patients[i]
        assert 0 <= snap.optimal[i] <= snap.patients[i]
    for method, allocation in ((AllocationMethod.GREEDY, expected.greedy),
                               (AllocationMethod.OPTIMAL, expected.optimal)):
        ls = snap.lines[method]
        assert [(_rid(snap, f), _rid(snap, s), p, t) for f, s, p, t in
                zip(ls.shortage, ls.surplus, ls.patients, ls.tier)] == \
            [(e.shortage_id, e.surplus_id, e.patients, int(e.tier))
             for e in allocation.exchanges]
        column = snap.greedy if method is AllocationMethod.GREEDY else snap.optimal
        assert sum(column[:snap.shortages]) == allocation.patients  # covered faltantes
        assert sum(column[snap.shortages:]) == allocation.patients  # used excedentes
    # What the pages read from the snapshot are the domain's potentials.
    everyone, flt = Viewer(), ViewFilter()
    for level, g_list, o_list in (
            (PotentialLevel.NATIONAL, [expected.greedy_potential.national],
             [expected.optimal_potential.national]),
            (PotentialLevel.INSTITUTION, expected.greedy_potential.by_institution,
             expected.optimal_potential.by_institution)):
        assert [(c.greedy_full, c.greedy_partial, c.greedy_covered, c.optimal_full,
                 c.optimal_partial, c.optimal_covered, c.shortage_records, c.patients_needed)
                for c in snap.potentials(everyone, flt, level)] == [
            (g.records_fully_covered, g.records_partly_covered, g.patients_covered,
             o.records_fully_covered, o.records_partly_covered, o.patients_covered,
             g.shortage_records, g.patients_needed) for g, o in zip(g_list, o_list)]
    assert sum(p.counts.shortage_records for p in parts) == len(read_f)
    assert sum(p.surplus_records for p in parts) == len(read_s)
    # The payload round-trips through JSON unchanged.
    again = AnalysisSnapshot.from_payload(json.loads(json.dumps(snap.to_payload())))
    assert again.to_payload() == snap.to_payload()
    # The runner (an admin) gets the national figures of the domain.
    assert result.comparison.optimal.figures == Figures.of(
        expected.optimal_potential.national)
    assert result.comparison.greedy.figures == Figures.of(expected.greedy_potential.national)
    assert result.comparison.added_patients == expected.added_patients
    entry, = uow.audit.entries
    assert entry.action == "excedentes.exchange_analysis" and entry.target_id == "1"
    assert entry.after["patients_optimal"] == expected.optimal_totals.patients


@settings(max_examples=40, deadline=None)
@given(problems())
def test_same_records_in_any_order_give_the_same_snapshot(problem: ExchangeProblem) -> None:
    shorts, surps = records_of(problem)
    first, uow1 = _run(FakeSource(shorts, surps), criteria=problem.criteria)
    rng = random.Random(len(shorts) * 31 + len(surps))
    shorts2, surps2 = shorts[:], surps[:]
    rng.shuffle(shorts2)
    rng.shuffle(surps2)
    second, uow2 = _run(FakeSource(shorts2, surps2), criteria=problem.criteria)
    (h1, s1, p1), = uow1.analyses.saved
    (h2, s2, p2), = uow2.analyses.saved
    assert h1.input_fingerprint == h2.input_fingerprint
    assert h1.parameters_key == h2.parameters_key
    assert s1.to_payload() == s2.to_payload() and p1 == p2


def _world() -> FakeSource:
    """A in Aguascalientes (01), B in Jalisco (14, a neighbour), C in CDMX (09)."""
    f = [source_record(SHORTAGE, record(1, "U1", "E1", "A", "01", "p", patients=10)),
         source_record(SHORTAGE, record(2, "U2", "E2", "B", "14", "p", patients=4)),
         source_record(SHORTAGE, record(3, "U3", "E3", "C", "09", "q", patients=5), "consulta")]
    s = [source_record(SURPLUS, record(11, "U4", "E1", "A", "01", "p", patients=3)),
         source_record(SURPLUS, record(12, "U5", "E2", "B", "14", "p", patients=6)),
         source_record(SURPLUS, record(13, "U6", "E3", "C", "09", "q", patients=2), "consulta")]
    return FakeSource(f, s)


def test_progress_is_reported_step_by_step() -> None:
    seen = []
    uow = FakeUnitOfWork()
    RunExchangeAnalysis(uow, FixedClock(AT), _world(), SOLVE)(
        ADMIN, RunExchangeCommand(2026), progress=lambda *a: seen.append(a))
    assert [done for _, done, _ in seen] == [0, 1, 2, 3, 4]
    assert {total for _, _, total in seen} == {len(RUN_STEPS)}
    assert seen[0][0] == RUN_STEPS[0] and seen[-1][0] == RUN_STEPS[-1]


def test_one_state_reads_its_neighbours_but_analyses_its_own_faltantes() -> None:
    source = _world()
    result, uow = _run(source, state="Aguascalientes")
    (_, _, institutions, states, reports), = source.calls
    assert states == frozenset({"01"}) | ADJACENCY["01"]
    header, snap, _ = uow.analyses.saved[0]
    assert header.state == "01" and header.shortages == 1
    assert [_rid(snap, i) for i in range(snap.shortages)] == ["1"]
    # U1 takes 3 from its own entity and 6 from Jalisco (a neighbour): nobody competes.
    assert result.comparison.optimal.figures.patients_covered == 9


def test_one_service_group_and_its_name() -> None:
    source = _world()
    result, uow = _run(source, service_group="CONSULTA")
    assert source.calls[0][2] == "consulta"
    header = uow.analyses.saved[0][0]
    assert (header.service_group, header.service_group_name) == ("consulta", "Consulta")
    assert result.analysis.service_group_name == "Consulta"
    # Only the Consulta records: C's 5 faltantes, 2 from another unit of the same entity.
    assert result.comparison.optimal.figures.patients_needed == 5
    assert result.comparison.optimal.patients_same_entity == 2
    with pytest.raises(ValidationError, match="Radioterapia"):
        _run(_world(), service_group="Radioterapia")


def test_a_coordinador_must_include_its_institution_and_sees_its_part() -> None:
    coord = Actor("coordinador.b", Scope(Role.COORDINADOR, "B"))
    with pytest.raises(ValidationError, match=r"\(B\)"):
        _run(_world(), coord, criteria={"institutions": ["A"]})
    result, uow = _run(_world(), coord, criteria={"institutions": ["a", "b"]})
    header = uow.analyses.saved[0][0]
    assert header.criteria.institutions == frozenset({"A", "B"})
    assert header.institutions == ("A", "B")
    # Its part: B's faltante (4 patients), covered by its own entity's surplus.
    assert result.comparison.optimal.figures.patients_needed == 4
    assert [r.institution for r in result.by_institution] == ["B"]
    assert result.analysis.national_optimal is None  # national totals: admins only


@pytest.mark.parametrize("actor", [Actor("capturista.a.e1", Scope(Role.CAPTURISTA, "A:E1"))])
def test_capturistas_do_not_run_analyses(actor: Actor) -> None:
    uow = FakeUnitOfWork()
    with pytest.raises(PermissionDenied):
        RunExchangeAnalysis(uow, FixedClock(AT), _world(), SOLVE)(actor, RunExchangeCommand(2026))
    assert uow.log == []


def test_bad_parameters_are_refused_in_spanish_before_anything_is_written() -> None:
    with pytest.raises(ValidationError, match="Institución desconocida: ZZ"):
        _run(_world(), criteria={"institutions": ["ZZ"]})
    with pytest.raises(NotFound, match="periodo"):
        RunExchangeAnalysis(FakeUnitOfWork(), FixedClock(AT), _world(), SOLVE)(
            ADMIN, RunExchangeCommand(2030))
    with pytest.raises(ValidationError, match="nivel"):
        RunExchangeCommand(2026, {"tiers": []})
    with pytest.raises(ValidationError, match="desconocidos: tier"):
        RunExchangeCommand(2026, {"tier": [1]})
    with pytest.raises(ValidationError, match="Periodo no válido"):
        RunExchangeCommand(1999)
    with pytest.raises(ValidationError, match="Estado desconocido"):
        RunExchangeCommand(2026, state="Atlantis")


def test_an_earlier_identical_analysis_is_named() -> None:
    uow = FakeUnitOfWork()
    uow.analyses.same = 7
    result = RunExchangeAnalysis(uow, FixedClock(AT), _world(), SOLVE)(
        ADMIN, RunExchangeCommand(2026, ExchangeCriteria(min_patients=2)))
    assert result.same_as == 7
    assert uow.audit.entries[0].after["same_as"] == 7
    assert uow.audit.entries[0].after["criteria"]["min_patients"] == 2
