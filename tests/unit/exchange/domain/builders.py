"""Builders and hypothesis strategies for exchange tests (small, hand-checkable worlds)."""

from __future__ import annotations

from functools import lru_cache

from hypothesis import strategies as st

from exchange.adapters.solver_ortools import OrToolsFlowSolver
from exchange.domain.matching import (
    ExchangeCriteria,
    ExchangeProblem,
    ExchangeRecord,
    Tier,
)

# The solver the product runs (the ``FlowSolver`` port's library adapter): every property of
# the optimum is checked against it.
SOLVE = OrToolsFlowSolver()

# A tiny map: Aguascalientes, Jalisco and Zacatecas border each other; CDMX borders none of
# them. Written out here (not read from states.py) so the tests check the module.
STATE_POOL = ["01", "14", "32", "09"]
NEIGHBOURS = {frozenset(p) for p in (("01", "14"), ("01", "32"), ("14", "32"))}
INSTITUTIONS = ["A", "B", "C"]
ENTITIES = ["E1", "E2"]


def record(record_id, unit="U1", entity="E1", institution="A", state="01", product="P1",
           modality="outpatient", patients=10) -> ExchangeRecord:
    return ExchangeRecord(record_id, unit, entity, institution, state, product, modality,
                          patients, patients)


def reference_tier(f: ExchangeRecord, s: ExchangeRecord) -> int | None:
    if f.unit == s.unit or f.product != s.product or f.modality != s.modality:
        return None
    if f.institution == s.institution and f.entity == s.entity:
        return 1
    if f.state == s.state:
        return 2
    if frozenset((f.state, s.state)) in NEIGHBOURS:
        return 3
    return None


def reference_admissible(problem: ExchangeProblem, f: ExchangeRecord,
                         s: ExchangeRecord) -> int | None:
    c = problem.criteria
    tier = reference_tier(f, s)
    if tier is None or Tier(tier) not in c.tiers:
        return None
    if not c.cross_institution and f.institution != s.institution:
        return None
    if c.institutions is not None and not {f.institution, s.institution} <= c.institutions:
        return None
    if min(f.monthly_patients, s.monthly_patients) < c.min_patients:
        return None
    return tier


def brute_force(problem: ExchangeProblem) -> tuple[int, int]:
    """The best (patients, -cost) over *all* integer allocations where every pair carries 0
    or at least ``min_patients`` (exhaustive search with memoisation)."""
    pairs = [
        (fi, si, t)
        for fi, f in enumerate(problem.shortages)
        for si, s in enumerate(problem.surpluses)
        if (t := reference_admissible(problem, f, s)) is not None
    ]
    m = problem.criteria.min_patients

    @lru_cache(maxsize=None)
    def best(k: int, needs: tuple[int, ...], caps: tuple[int, ...]) -> tuple[int, int]:
        if k == len(pairs):
            return (0, 0)
        fi, si, t = pairs[k]
        result = best(k + 1, needs, caps)
        for a in range(m, min(needs[fi], caps[si]) + 1):
            n2 = needs[:fi] + (needs[fi] - a,) + needs[fi + 1:]
            c2 = caps[:si] + (caps[si] - a,) + caps[si + 1:]
            sub = best(k + 1, n2, c2)
            result = max(result, (sub[0] + a, sub[1] - t * a))
        return result

    return best(0, tuple(f.monthly_patients for f in problem.shortages),
                tuple(s.monthly_patients for s in problem.surpluses))


criteria_st = st.builds(
    ExchangeCriteria,
    tiers=st.frozensets(st.sampled_from(list(Tier)), min_size=1),
    cross_institution=st.booleans(),
    institutions=st.none() | st.frozensets(st.sampled_from(INSTITUTIONS), min_size=1),
    min_patients=st.integers(1, 4),
)


@st.composite
def problems(draw, max_records: int = 6, max_patients: int = 20,
             criteria=criteria_st) -> ExchangeProblem:
    """Units belong to one entity, institution and state; records pick a unit, one of two
    products and a modality. Ids are sparse ints so that natural ordering matters."""
    n_units = draw(st.integers(1, 5))
    units = [
        (f"U{k}", draw(st.sampled_from(ENTITIES)), draw(st.sampled_from(INSTITUTIONS)),
         draw(st.sampled_from(STATE_POOL)))
        for k in range(n_units)
    ]
    record_st = st.tuples(
        st.sampled_from(units), st.sampled_from(["P1", "P2"]),
        st.sampled_from(["outpatient", "inpatient"]), st.integers(1, max_patients),
    )

    def records(kind_ids):
        rows = draw(st.lists(record_st, max_size=max_records))
        ids = draw(st.lists(st.integers(1, 40), min_size=len(rows), max_size=len(rows),
                            unique=True))
        return [
            ExchangeRecord(i, u[0], u[1], u[2], u[3], p, m, n, n)
            for i, (u, p, m, n) in zip(ids, rows)
        ]

    return ExchangeProblem(records("f"), records("s"), draw(criteria))
