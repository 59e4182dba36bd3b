"""Hand-checked examples of tiers, criteria, greedy vs optimum, checks and potentials."""

from __future__ import annotations

import pytest

from exchange.domain.matching import (
    Allocation,
    AllocationMethod,
    ExchangeCriteria,
    ExchangeProblem,
    ExchangeRecord,
    InvalidAllocation,
    Modality,
    PotentialScope,
    ProposedExchange,
    Tier,
    analyze_exchanges,
    check_allocation,
    exchange_tier,
    greedy_allocation,
    id_sort_key,
    optimal_allocation,
)
from shared.kernel.errors import ValidationError
from tests.unit.exchange.domain.builders import SOLVE, record


def _pairs(allocation: Allocation) -> dict[tuple[str, str], int]:
    return {(e.shortage_id, e.surplus_id): e.patients for e in allocation.exchanges}


# -- tiers ---------------------------------------------------------------------------------


def test_tiers_by_organisation_and_geography() -> None:
    f = record(1, unit="U1", entity="JAL", institution="IMSS", state="14")
    assert exchange_tier(f, record(2, unit="U2", entity="JAL", institution="IMSS",
                                   state="14")) is Tier.SAME_ENTITY
    # Same state, other institution.
    assert exchange_tier(f, record(3, unit="U3", entity="JAL", institution="SS",
                                   state="14")) is Tier.SAME_STATE
    # Same state and institution, other entity (an UMAE inside the state).
    assert exchange_tier(f, record(4, unit="U4", entity="UMAE 1", institution="IMSS",
                                   state="14")) is Tier.SAME_STATE
    # Neighbouring state (Aguascalientes), any institution.
    assert exchange_tier(f, record(5, unit="U5", entity="AGS", institution="SS",
                                   state="01")) is Tier.NEIGHBOUR_STATE
    # Far away (Yucatán), same unit, other product or modality: never.
    assert exchange_tier(f, record(6, unit="U6", entity="YUC", state="31")) is None
    assert exchange_tier(f, record(7, unit="U1", entity="JAL", institution="IMSS",
                                   state="14")) is None
    assert exchange_tier(f, record(8, unit="U2", entity="JAL", institution="IMSS", state="14",
                                   product="P2")) is None
    assert exchange_tier(f, record(9, unit="U2", entity="JAL", institution="IMSS", state="14",
                                   modality="inpatient")) is None


def test_tier_labels_are_spanish() -> None:
    assert [t.label for t in Tier] == ["Misma entidad", "Mismo estado", "Estado vecino"]
    assert Modality.INPATIENT.label == "Hospitalario"


# -- records --------------------------------------------------------------------------------


def test_records_normalise_ids_states_and_modalities() -> None:
    r = ExchangeRecord(7, "U1", "E", "IMSS", "Ciudad de México", "P", "Ambulatorio", 3)
    assert (r.record_id, r.state, r.modality, r.monthly_events) == ("7", "09",
                                                                    Modality.OUTPATIENT, 0)
    assert ExchangeRecord(1, "U", "E", "I", 1, "P", "hospitalaria", 1).modality \
        is Modality.INPATIENT


@pytest.mark.parametrize(
    "changes",
    [{"patients": 0}, {"patients": True}, {"modality": "domicilio"}, {"state": "Texas"},
     {"unit": ""}, {"record_id": None}],
)
def test_invalid_records_are_refused(changes: dict) -> None:
    with pytest.raises(ValidationError):
        record(**{"record_id": 1, **changes})


def test_duplicate_ids_are_refused() -> None:
    with pytest.raises(ValidationError) as info:
        ExchangeProblem([record(1), record(1, unit="U2")], [])
    assert info.value.code == "duplicate_record"


def test_ids_sort_naturally() -> None:
    assert sorted(["10", "9", "b", "a", "100"], key=id_sort_key) == ["9", "10", "100", "a", "b"]


# -- greedy vs optimum ----------------------------------------------------------------------


def test_greedy_blocks_a_shortage_the_optimum_serves() -> None:
    # F1 can use S1 (tier 1) or S2 (tier 3); F2 (an entity E1 unit in CDMX) only S1.
    # Greedy hands S1 to F1 (tier 1 pairs first, lowest id first) and F2 stays uncovered.
    f1 = record(1, unit="U1", entity="E1", institution="A", state="14", patients=5)
    f2 = record(2, unit="U2", entity="E1", institution="A", state="09", patients=5)
    s1 = record(10, unit="U3", entity="E1", institution="A", state="14", patients=5)
    s2 = record(11, unit="U4", entity="E7", institution="A", state="01", patients=5)
    problem = ExchangeProblem([f1, f2], [s1, s2])
    greedy, optimal = greedy_allocation(problem), optimal_allocation(problem, SOLVE)
    assert _pairs(greedy) == {("1", "10"): 5}
    assert _pairs(optimal) == {("1", "11"): 5, ("2", "10"): 5}
    analysis = analyze_exchanges(problem, SOLVE)
    assert (analysis.greedy_totals.patients, analysis.optimal_totals.patients) == (5, 10)
    assert analysis.added_patients == 5 and analysis.added_records_covered == 1
    assert analysis.optimal_totals.patients_same_entity == 5
    assert analysis.optimal_totals.patients_neighbour_state == 5
    assert analysis.optimal_totals.cost == 5 * 1 + 5 * 3


def test_optimum_prefers_nearer_tiers_at_equal_coverage() -> None:
    f = record(1, unit="U1", entity="E1", institution="A", state="14", patients=4)
    near = record(10, unit="U2", entity="E1", institution="A", state="14", patients=4)
    far = record(9, unit="U3", entity="E5", institution="B", state="32", patients=4)
    optimal = optimal_allocation(ExchangeProblem([f], [far, near]), SOLVE)
    assert _pairs(optimal) == {("1", "10"): 4}
    assert optimal.exchanges[0].tier is Tier.SAME_ENTITY


def test_a_shortage_is_split_over_several_providers() -> None:
    f = record(1, unit="U1", patients=10)
    s = [record(1, unit="U2", patients=6), record(2, unit="U3", patients=7)]
    for allocation in (greedy_allocation(ExchangeProblem([f], s)),
                       optimal_allocation(ExchangeProblem([f], s), SOLVE)):
        assert allocation.patients == 10
        assert len(allocation.exchanges) == 2


def test_allocation_lines_describe_both_units() -> None:
    f = record(1, unit="CLUES-A", entity="JAL", institution="IMSS", state="14", patients=3)
    s = record(2, unit="CLUES-B", entity="AGS", institution="SS", state="01", patients=8)
    (line,) = optimal_allocation(ExchangeProblem([f], [s]), SOLVE).exchanges
    assert line == ProposedExchange("1", "2", "CLUES-A", "CLUES-B", "IMSS", "JAL", "SS", "AGS",
                                    "P1", Modality.OUTPATIENT, 3, Tier.NEIGHBOUR_STATE)


# -- criteria -------------------------------------------------------------------------------


def _world():
    f = record(1, unit="U1", entity="JAL", institution="IMSS", state="14", patients=10)
    s = [
        record(1, unit="U2", entity="JAL", institution="IMSS", state="14", patients=2),  # t1
        record(2, unit="U3", entity="JAL", institution="SS", state="14", patients=3),  # t2
        record(3, unit="U4", entity="AGS", institution="ISSSTE", state="01", patients=4),  # t3
        record(4, unit="U5", entity="YUC", institution="IMSS", state="31", patients=9),  # far
    ]
    return [f], s


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        (ExchangeCriteria(), {"1": 2, "2": 3, "3": 4}),
        (ExchangeCriteria(tiers=[1]), {"1": 2}),
        (ExchangeCriteria(tiers=[2, 3]), {"2": 3, "3": 4}),
        (ExchangeCriteria(cross_institution=False), {"1": 2}),
        (ExchangeCriteria(institutions=["IMSS", "SS"]), {"1": 2, "2": 3}),
        (ExchangeCriteria(institutions=["SS"]), {}),  # the requester does not take part
        (ExchangeCriteria(min_patients=3), {"2": 3, "3": 4}),
    ],
)
def test_criteria_select_providers(criteria: ExchangeCriteria, expected: dict) -> None:
    problem = ExchangeProblem(*_world(), criteria)
    for allocation in (greedy_allocation(problem), optimal_allocation(problem, SOLVE)):
        assert {e.surplus_id: e.patients for e in allocation.exchanges} == expected


def test_minimum_patients_repair_is_flagged_when_not_proven() -> None:
    # One surplus of 10, two shortages of 6, minimum 5: the flow gives 6 + 4, the 4 is
    # dropped, leaving 6; 5 + 5 would be feasible. The result says it is not proven optimal.
    s = [record(1, unit="S", patients=10)]
    f = [record(1, unit="A", patients=6), record(2, unit="B", patients=6)]
    problem = ExchangeProblem(f, s, ExchangeCriteria(min_patients=5))
    optimal = optimal_allocation(problem, SOLVE)
    check_allocation(problem, optimal)
    assert optimal.patients == 6 and not optimal.exact
    assert optimal_allocation(ExchangeProblem(f, s), SOLVE).exact


def test_minimum_patients_lets_the_flow_reroute() -> None:
    # F2 (entity E, but in CDMX) can only use S1. Unconstrained optimum: F2 <- S1 3,
    # F1 <- S1 2 (tier 1) and F1 <- S2 4 (tier 2). With a
    # minimum of 3 the 2-patient exchange is dropped and the re-run serves F1 from S2 alone:
    # still all 9 patients, at a higher tier cost (so not *proven* optimal).
    f = [record(1, unit="U1", entity="E", institution="A", state="14", patients=6),
         record(2, unit="U4", entity="E", institution="A", state="09", patients=3)]
    s = [record(1, unit="U2", entity="E", institution="A", state="14", patients=5),
         record(2, unit="U3", entity="X", institution="B", state="14", patients=6)]
    problem = ExchangeProblem(f, s, ExchangeCriteria(min_patients=3))
    unconstrained = optimal_allocation(ExchangeProblem(f, s), SOLVE)
    assert min(e.patients for e in unconstrained.exchanges) == 2
    optimal = optimal_allocation(problem, SOLVE)
    check_allocation(problem, optimal)
    assert _pairs(optimal) == {("1", "2"): 6, ("2", "1"): 3}
    assert not optimal.exact
    assert greedy_allocation(problem).patients == 5


# -- verification ---------------------------------------------------------------------------


def test_check_allocation_names_every_violation() -> None:
    f, s = _world()
    problem = ExchangeProblem(f, s)
    good = optimal_allocation(problem, SOLVE)
    check_allocation(problem, good)
    line = good.exchanges[0]
    bad = Allocation(AllocationMethod.OPTIMAL, (
        ProposedExchange("1", "4", "U1", "U5", "IMSS", "JAL", "IMSS", "YUC", "P1",
                         Modality.OUTPATIENT, 9, Tier.NEIGHBOUR_STATE),  # too far
        ProposedExchange(line.shortage_id, line.surplus_id, line.requesting_unit,
                         line.providing_unit, line.requesting_institution,
                         line.requesting_entity, line.providing_institution,
                         line.providing_entity, line.product, line.modality, 50, line.tier),
        ProposedExchange("99", "1", "U1", "U2", "IMSS", "JAL", "IMSS", "JAL", "P1",
                         Modality.OUTPATIENT, 1, Tier.SAME_ENTITY),  # unknown shortage
    ))
    with pytest.raises(InvalidAllocation) as info:
        check_allocation(problem, bad)
    text = "\n".join(info.value.details)
    assert "not an admissible pair" in text
    assert "capacity" in text and "need" in text
    assert "unknown" in text
    assert info.value.message.startswith("La asignación")


def test_check_allocation_enforces_criteria_and_minimum() -> None:
    f, s = _world()
    allocation = optimal_allocation(ExchangeProblem(f, s), SOLVE)
    with pytest.raises(InvalidAllocation, match="asignación"):
        check_allocation(ExchangeProblem(f, s, ExchangeCriteria(tiers=[1])), allocation)
    with pytest.raises(InvalidAllocation):
        check_allocation(ExchangeProblem(f, s, ExchangeCriteria(min_patients=3)), allocation)


# -- potentials -----------------------------------------------------------------------------


def test_potential_per_entity_institution_and_country() -> None:
    shortages = [
        record(1, unit="U1", entity="JAL", institution="IMSS", state="14", patients=10),
        record(2, unit="U2", entity="JAL", institution="IMSS", state="14", patients=4,
               product="P2"),
        record(3, unit="U3", entity="YUC", institution="IMSS", state="31", patients=5),
        record(4, unit="U4", entity="AGS", institution="SS", state="01", patients=6),
    ]
    surpluses = [
        record(1, unit="U9", entity="JAL", institution="IMSS", state="14", patients=12),
        record(2, unit="U8", entity="ZAC", institution="SS", state="32", patients=2,
               product="P2"),
    ]
    analysis = analyze_exchanges(ExchangeProblem(shortages, surpluses), SOLVE)
    report = analysis.optimal_potential
    nat = report.national
    # F1 fully (10), F2 partly (2 of 4, Zacatecas borders Jalisco), F4 partly (2 of 6),
    # F3 in Yucatán nothing.
    assert (nat.shortage_records, nat.records_fully_covered, nat.records_partly_covered) == \
        (4, 1, 2)
    assert (nat.patients_needed, nat.patients_covered) == (25, 14)
    assert nat.share_records_covered == pytest.approx(0.75)
    assert nat.share_records_fully_covered == pytest.approx(0.25)
    assert nat.share_patients_covered == pytest.approx(14 / 25)
    assert nat.scope is PotentialScope.NATIONAL
    assert [(p.institution, p.patients_covered, p.patients_needed)
            for p in report.by_institution] == [("IMSS", 12, 19), ("SS", 2, 6)]
    assert [(p.institution, p.entity, p.records_covered) for p in report.by_entity] == [
        ("IMSS", "JAL", 2), ("IMSS", "YUC", 0), ("SS", "AGS", 1)]


def test_potential_counts_only_participating_institutions() -> None:
    f, s = _world()
    f.append(record(9, unit="U9", entity="X", institution="PEMEX", state="14", patients=7))
    problem = ExchangeProblem(f, s, ExchangeCriteria(institutions=["IMSS", "SS", "ISSSTE"]))
    nat = analyze_exchanges(problem, SOLVE).optimal_potential.national
    assert nat.shortage_records == 1 and nat.patients_needed == 10


def test_empty_problem() -> None:
    analysis = analyze_exchanges(ExchangeProblem([], []), SOLVE)
    assert analysis.exchanges == ()
    assert analysis.optimal_potential.national.share_patients_covered == 0.0
    assert analysis.optimal_potential.by_entity == ()
