"""A national-size synthetic instance, and the purity of the matching modules."""

from __future__ import annotations

import ast
import itertools
import random
import sys
from pathlib import Path

import exchange.domain.flow as flow_module
import exchange.domain.matching as exchange_module
import exchange.domain.states as states_module
import exchange.domain.values as values_module
from exchange.domain.matching import (
    ExchangeCriteria,
    ExchangeProblem,
    ExchangeRecord,
    analyze_exchanges,
    check_allocation,
)
from exchange.domain.states import STATES
from tests.unit.exchange.domain.builders import SOLVE


def synthetic_country(seed: int, shortages: int, surpluses: int, products: int = 10_000,
                      units: int = 20_000, skew: float = 0.6):
    """Units spread over the 32 states and six institutions; product popularity follows a
    Zipf-like law (a few products are everywhere, most have a handful of records)."""
    rng = random.Random(seed)
    institutions, weights = ["IMSS", "SS", "ISSSTE", "IMSS-BIENESTAR", "PEMEX", "SEDENA"], \
        [40, 30, 15, 10, 3, 2]
    codes = list(STATES)
    unit_rows = []
    for u in range(units):
        state = rng.choice(codes)
        inst = rng.choices(institutions, weights)[0]
        entity = state if rng.random() > 0.05 else f"UMAE-{state}"
        unit_rows.append((f"U{u}", entity, inst, state))
    cum = list(itertools.accumulate(1 / (k + 1) ** skew for k in range(products)))

    def make(record_id: int) -> ExchangeRecord:
        unit, entity, inst, state = rng.choice(unit_rows)
        product = f"P{rng.choices(range(products), cum_weights=cum)[0]}"
        patients = max(1, int(rng.lognormvariate(2.5, 1.2)))
        return ExchangeRecord(record_id, unit, entity, inst, state, product,
                              rng.choice(["outpatient", "inpatient"]), patients, 2 * patients)

    return ([make(i) for i in range(shortages)],
            [make(100_000 + i) for i in range(surpluses)])


def test_national_scale_instance_is_valid() -> None:
    """Its speed is measured by bench/exchange.py, never asserted here."""
    shortages, surpluses = synthetic_country(2021, 39_000, 21_000)
    problem = ExchangeProblem(shortages, surpluses, ExchangeCriteria())
    analysis = analyze_exchanges(problem, SOLVE)
    check_allocation(problem, analysis.greedy)
    check_allocation(problem, analysis.optimal)
    assert analysis.optimal.exact
    assert analysis.optimal_totals.patients >= analysis.greedy_totals.patients
    assert 0 < analysis.optimal_potential.national.share_records_covered < 1


def test_minimum_patients_at_scale_stays_valid() -> None:
    shortages, surpluses = synthetic_country(7, 6_000, 3_500, products=1_500, units=3_000)
    problem = ExchangeProblem(shortages, surpluses, ExchangeCriteria(min_patients=5))
    analysis = analyze_exchanges(problem, SOLVE)
    check_allocation(problem, analysis.optimal)
    check_allocation(problem, analysis.greedy)
    assert analysis.added_patients >= 0
    assert all(e.patients >= 5 for e in analysis.exchanges)


def test_matching_modules_import_only_stdlib_attrs_and_the_kernel() -> None:
    allowed_roots = set(sys.stdlib_module_names) | {"attrs", "__future__"}
    allowed_prefixes = ("shared.kernel", "exchange.domain")
    for module in (exchange_module, flow_module, states_module, values_module):
        tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                assert node.level == 0, "use absolute imports"
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] in allowed_roots or name.startswith(
                    allowed_prefixes), f"{module.__name__} imports {name}"
