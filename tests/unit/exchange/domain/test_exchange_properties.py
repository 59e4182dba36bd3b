"""Properties of the greedy and optimal exchange allocations (hypothesis)."""

from __future__ import annotations

import random
from collections import Counter

import attrs

from hypothesis import given, settings
from hypothesis import strategies as st

from exchange.domain.matching import (
    AllocationMethod,
    ExchangeCriteria,
    ExchangeProblem,
    Tier,
    allocation_violations,
    analyze_exchanges,
    check_allocation,
    exchange_potential,
    greedy_allocation,
    optimal_allocation,
)
from tests.unit.exchange.domain.builders import (
    SOLVE,
    brute_force,
    criteria_st,
    problems,
    reference_admissible,
)

FAST = settings(max_examples=200, deadline=None)


def _value(allocation) -> tuple[int, int]:
    return (allocation.patients, -allocation.cost)


@FAST
@given(problems())
def test_no_allocation_exceeds_capacity_or_need(problem: ExchangeProblem) -> None:
    for allocation in (greedy_allocation(problem), optimal_allocation(problem, SOLVE)):
        given_out, received = Counter(), Counter()
        for e in allocation.exchanges:
            given_out[e.surplus_id] += e.patients
            received[e.shortage_id] += e.patients
        for sid, total in given_out.items():
            assert total <= problem.surplus(sid).monthly_patients
        for fid, total in received.items():
            assert total <= problem.shortage(fid).monthly_patients
        check_allocation(problem, allocation)  # the domain's own checker agrees


@FAST
@given(problems())
def test_every_allocated_pair_satisfies_the_criteria(problem: ExchangeProblem) -> None:
    for allocation in (greedy_allocation(problem), optimal_allocation(problem, SOLVE)):
        pairs = set()
        for e in allocation.exchanges:
            f, s = problem.shortage(e.shortage_id), problem.surplus(e.surplus_id)
            tier = reference_admissible(problem, f, s)
            assert tier is not None and e.tier == tier
            assert e.patients >= problem.criteria.min_patients
            assert e.requesting_unit == f.unit != e.providing_unit == s.unit
            assert (e.product, e.modality) == (f.product, f.modality) == (s.product, s.modality)
            assert (e.shortage_id, e.surplus_id) not in pairs
            pairs.add((e.shortage_id, e.surplus_id))


@FAST
@given(problems())
def test_candidates_are_exactly_the_admissible_pairs(problem: ExchangeProblem) -> None:
    expected = {
        (f.record_id, s.record_id, tier)
        for f in problem.shortages
        for s in problem.surpluses
        if (tier := reference_admissible(problem, f, s)) is not None
    }
    got = {(c.shortage_id, c.surplus_id, int(c.tier)) for c in problem.candidates}
    assert got == expected
    for f_id, s_id, tier in expected:
        assert problem.candidate_tier(f_id, s_id) == tier
    # Groups partition the candidates and never share a record.
    seen_f, seen_s, total = set(), set(), 0
    for g in problem.groups:
        assert not seen_f & set(g.shortage_ids) and not seen_s & set(g.surplus_ids)
        seen_f |= set(g.shortage_ids)
        seen_s |= set(g.surplus_ids)
        total += len(g.pairs)
    assert total == len(expected)


@FAST
@given(problems())
def test_optimum_covers_at_least_as_much_as_greedy(problem: ExchangeProblem) -> None:
    greedy, optimal = greedy_allocation(problem), optimal_allocation(problem, SOLVE)
    assert optimal.patients >= greedy.patients
    assert _value(optimal) >= _value(greedy)  # and never farther for the same coverage


@settings(max_examples=300, deadline=None)
@given(problems(max_records=4, max_patients=5,
                criteria=criteria_st.map(lambda c: ExchangeCriteria(
                    c.tiers, c.cross_institution, c.institutions, 1))))
def test_optimum_equals_brute_force(problem: ExchangeProblem) -> None:
    optimal = optimal_allocation(problem, SOLVE)
    assert optimal.exact
    assert _value(optimal) == brute_force(problem)


@settings(max_examples=300, deadline=None)
@given(problems(max_records=4, max_patients=6))
def test_minimum_patients_repair_is_feasible_and_honest(problem: ExchangeProblem) -> None:
    """With a minimum > 1 the repaired flow is a heuristic: feasible, never above the true
    optimum, never below greedy, and equal to the true optimum whenever it claims so."""
    optimal, greedy = optimal_allocation(problem, SOLVE), greedy_allocation(problem)
    best = brute_force(problem)
    assert _value(greedy) <= _value(optimal) <= best
    if optimal.exact:
        assert _value(optimal) == best


@FAST
@given(problems(), st.randoms(use_true_random=False))
def test_same_input_in_any_order_gives_the_same_result(problem: ExchangeProblem,
                                                        rnd: random.Random) -> None:
    shortages, surpluses = list(problem.shortages), list(problem.surpluses)
    rnd.shuffle(shortages)
    rnd.shuffle(surpluses)
    again = ExchangeProblem(shortages, surpluses, problem.criteria)
    assert again == problem
    assert analyze_exchanges(again, SOLVE) == analyze_exchanges(problem, SOLVE)
    assert optimal_allocation(again, SOLVE) == optimal_allocation(problem, SOLVE)
    assert greedy_allocation(again) == greedy_allocation(problem)


@FAST
@given(problems())
def test_potentials_add_up(problem: ExchangeProblem) -> None:
    analysis = analyze_exchanges(problem, SOLVE)
    for allocation, report in ((analysis.greedy, analysis.greedy_potential),
                               (analysis.optimal, analysis.optimal_potential)):
        nat = report.national
        assert nat.patients_covered == allocation.patients
        assert nat.shortage_records == len(problem.participating_shortages)
        assert nat.patients_needed == sum(f.monthly_patients
                                          for f in problem.participating_shortages)
        assert nat.records_covered == len({e.shortage_id for e in allocation.exchanges})
        for scopes in (report.by_institution, report.by_entity):
            assert sum(p.shortage_records for p in scopes) == nat.shortage_records
            assert sum(p.patients_covered for p in scopes) == nat.patients_covered
            assert sum(p.records_fully_covered for p in scopes) == nat.records_fully_covered
            assert sum(p.records_partly_covered for p in scopes) == nat.records_partly_covered
        for p in (nat, *report.by_institution, *report.by_entity):
            assert 0.0 <= p.share_records_fully_covered <= p.share_records_covered <= 1.0
            assert 0.0 <= p.share_patients_covered <= 1.0
    assert analysis.added_patients >= 0
    assert analysis.optimal_totals.patients == analysis.optimal.patients
    assert analysis.exchanges == analysis.optimal.exchanges
    assert analysis.greedy.method is AllocationMethod.GREEDY
    assert exchange_potential(problem, analysis.optimal) == analysis.optimal_potential


@FAST
@given(problems())
def test_tampered_allocations_are_caught(problem: ExchangeProblem) -> None:
    optimal = optimal_allocation(problem, SOLVE)
    if not optimal.exchanges:
        return
    first = optimal.exchanges[0]
    cap = problem.surplus(first.surplus_id).monthly_patients
    too_much = attrs.evolve(first, patients=cap + 1)
    assert allocation_violations(problem, attrs.evolve(optimal, exchanges=(too_much,)))
    wrong_tier = attrs.evolve(first, tier=Tier(first.tier % 3 + 1))
    assert allocation_violations(problem, attrs.evolve(optimal, exchanges=(wrong_tier,)))
    duplicated = attrs.evolve(optimal, exchanges=optimal.exchanges + (first,))
    assert allocation_violations(problem, duplicated)

