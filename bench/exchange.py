"""Time and peak memory of the national exchange analysis (E15), and its potential.

Two measurements, each in its own process (so that its peak RSS is its own):

1. ``domain``: a synthetic country built with the domain directly, the size of the 2021
   national diagnosis (38,787 faltantes and 20,754 excedentes = 59,541 records; 20,000 units
   in the 32 states, five institutions, 10,000 products whose popularity follows a Zipf-like
   law): ``ExchangeProblem`` + greedy + optimal + potentials (``analyze_exchanges``) + both
   ``check_allocation`` — the matching alone.
2. ``use-case``: ``RunExchangeAnalysis`` end to end on a database holding the national demo
   (~60,000 records): read in one SELECT, match, check, save the snapshot in one
   transaction. Then the national view (``ExchangeQueries.overview``) and the Excel
   workbook of the saved analysis. The demo is loaded once into ``var/bench-exchange/`` (SQLite) or
   into ``--database URL``; loading is timed apart, it is not part of the target.

Peak memory: the process's VmHWM after resetting it (``/proc/self/clear_refs``) just before
the measured work, beside the RSS it started from. Target: the whole national analysis in
under 5 s on the development machine (2 cores).

The optimum's min-cost flows go through the ``FlowSolver`` port (OR-Tools'
``SimpleMinCostFlow``); both measurements print the time spent inside the solver beside the
whole matching, and the domain one the greedy allocation alone as a baseline (the matching
without any flow). Measured once against the former hand-written solver and networkx, in the
same run, on the national data (2026-12-07, 2 shared cores; national demo end to end /
solver alone): hand-written successive shortest paths 5.35 s / 0.25 s, OR-Tools 4.27 s /
0.06 s, networkx ``max_flow_min_cost`` 7.55 s / 1.83 s.

Usage: ``python bench/exchange.py [--database URL] [--skip-database] [--seed N]``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

TARGET_SECONDS = 5.0
INSTITUTIONS = (("SS", 45), ("IMSS", 30), ("IMSSB", 12), ("ISSSTE", 10), ("PEMEX", 3))


def rss_mib() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def reset_peak() -> bool:
    """Make VmHWM start again from the current RSS (Linux); False when not allowed."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def peak_mib() -> float:
    import resource

    try:
        status = Path("/proc/self/status").read_text()
        return int(status.split("VmHWM:")[1].split()[0]) / 1024
    except (OSError, IndexError, ValueError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def synthetic_country(seed: int, shortages: int, surpluses: int, products: int = 10_000,
                      units: int = 20_000):
    """Deterministic records: units spread over the 32 states (an entity per state and
    institution, a few UMAE-like entities), product popularity Zipf-like (skew 0.6)."""
    from exchange.domain.matching import ExchangeRecord
    from exchange.domain.states import STATES

    rng = random.Random(seed)
    codes = list(STATES)
    names, weights = zip(*INSTITUTIONS)
    unit_rows = []
    for u in range(units):
        state = rng.choice(codes)
        inst = rng.choices(names, weights)[0]
        entity = state if rng.random() > 0.05 else f"UMAE-{state}"
        unit_rows.append((f"U{u:05d}", entity, inst, state))
    cum = list(itertools.accumulate(1 / (k + 1) ** 0.6 for k in range(products)))

    def make(record_id: int) -> ExchangeRecord:
        unit, entity, inst, state = rng.choice(unit_rows)
        product = f"producto {rng.choices(range(products), cum_weights=cum)[0]}|estudio"
        patients = max(1, int(rng.lognormvariate(2.5, 1.2)))
        return ExchangeRecord(record_id, unit, entity, inst, state, product,
                              rng.choice(("outpatient", "inpatient")), patients, 2 * patients)

    return [make(i) for i in range(1, shortages + 1)], \
        [make(100_000 + i) for i in range(1, surpluses + 1)]


def share(x: float) -> str:
    return f"{x * 100:.1f} %"


class TimedSolver:
    """A ``FlowSolver`` that adds up the time spent inside the one it wraps."""

    def __init__(self, inner) -> None:  # type: ignore[no-untyped-def]
        self.inner = inner
        self.seconds = 0.0
        self.calls = 0

    def __call__(self, network):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        try:
            return self.inner(network)
        finally:
            self.seconds += time.perf_counter() - start
            self.calls += 1


# --------------------------------------------------------------------------- the parts


def part_domain(args: argparse.Namespace) -> dict:
    import gc

    from exchange.domain.matching import (
        ExchangeCriteria,
        ExchangeProblem,
        analyze_exchanges,
        check_allocation,
        greedy_allocation,
    )

    from exchange.adapters.solver_ortools import OrToolsFlowSolver

    shortages, surpluses = synthetic_country(args.seed, args.shortages, args.surpluses)
    solver = TimedSolver(OrToolsFlowSolver())
    start = time.perf_counter()
    greedy_allocation(ExchangeProblem(shortages, surpluses, ExchangeCriteria()))
    greedy_only = time.perf_counter() - start
    before = rss_mib()
    exact_peak = reset_peak()
    gc.disable()  # as RunExchangeAnalysis does while it matches (see _collector_paused)
    start = time.perf_counter()
    problem = ExchangeProblem(shortages, surpluses, ExchangeCriteria())
    built = time.perf_counter()
    analysis = analyze_exchanges(problem, solver)
    matched = time.perf_counter()
    check_allocation(problem, analysis.greedy)
    check_allocation(problem, analysis.optimal)
    end = time.perf_counter()
    gc.enable()
    g, o = analysis.greedy_potential.national, analysis.optimal_potential.national
    return {"seconds": end - start, "build": built - start, "match": matched - built,
            "solver": solver.seconds, "flows": solver.calls, "greedy_only": greedy_only,
            "check": end - matched, "rss_before": before, "peak": peak_mib(),
            "exact_peak": exact_peak, "records": len(shortages) + len(surpluses),
            "groups": len(problem.groups), "exchanges": len(analysis.optimal.exchanges),
            "greedy": [g.share_records_covered, g.share_patients_covered, g.patients_covered],
            "optimal": [o.share_records_covered, o.share_patients_covered, o.patients_covered]}


def _container(url: str | None, var: Path):  # -> Container
    from entrypoints.container import build_container
    from shared.config import Settings

    env = {"VAR_DIR": str(var), "SECRET_KEY": "bench", "LOG_LEVEL": "WARNING"}
    if url:
        env["DATABASE_URL"] = url
    return build_container(Settings.from_env(env))


def part_load(args: argparse.Namespace) -> dict:
    """Migrate and load the national demo (excedentes only) unless it is there already."""
    from entrypoints.persistence import upgrade

    container = _container(args.database, args.var)
    url = container.settings().database_url
    upgrade(url)
    exc = container.excedentes
    with exc.uow() as uow:
        loaded = bool(uow.institutions.list())
    start = time.perf_counter()
    if not loaded:
        exc.demo_loader().load("national", lambda *_: None)
    return {"seconds": time.perf_counter() - start, "loaded_now": not loaded,
            "url": url.split("@")[-1]}


def part_use_case(args: argparse.Namespace) -> dict:
    from dependency_injector import providers

    from exchange.application.model import ViewFilter
    from exchange.application.use_cases import RunExchangeCommand
    from shared.kernel.scope import Actor

    container = _container(args.database, args.var)
    xch = container.exchange
    solver = TimedSolver(xch.solver())  # the product's solver, timed
    xch.solver.override(providers.Object(solver))
    years = xch.source().years()
    if not years:
        raise SystemExit("the database has no periods: run the load part first")
    admin = Actor.admin("bench")
    run = xch.run_analysis()
    xch.source().years()  # connect and warm the pool outside the measurement
    before = rss_mib()
    exact_peak = reset_peak()
    start = time.perf_counter()
    result = run(admin, RunExchangeCommand(years[0]))
    seconds = time.perf_counter() - start
    peak = peak_mib()
    aid = result.analysis.id
    start = time.perf_counter()
    xch.queries().overview(admin, aid)
    overview = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        exported = xch.export_workbook()(admin, aid, ViewFilter(), Path(tmp) / "x.xlsx")
        workbook = time.perf_counter() - start
    c = result.comparison
    a = result.analysis
    return {"seconds": seconds, "matching_ms": a.elapsed_ms, "rss_before": before,
            "solver": solver.seconds, "flows": solver.calls,
            "peak": peak, "exact_peak": exact_peak, "shortages": a.shortages,
            "surpluses": a.surpluses, "exchanges": c.optimal.exchanges,
            "overview": overview, "workbook": workbook, "workbook_rows": exported.rows,
            "greedy": [c.greedy.figures.share_records_covered,
                       c.greedy.figures.share_patients_covered,
                       c.greedy.figures.patients_covered],
            "optimal": [c.optimal.figures.share_records_covered,
                        c.optimal.figures.share_patients_covered,
                        c.optimal.figures.patients_covered]}


PARTS = {"domain": part_domain, "load": part_load, "use-case": part_use_case}


def run_part(name: str, args: argparse.Namespace) -> dict:
    cmd = [sys.executable, __file__, "--part", name, "--seed", str(args.seed),
           "--shortages", str(args.shortages), "--surpluses", str(args.surpluses),
           "--var", str(args.var)]
    if args.database:
        cmd += ["--database", args.database]
    done = subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _potential(r: dict) -> str:
    (gr, gp, gn), (orr, op, on) = r["greedy"], r["optimal"]
    return (f"potential: greedy {share(gr)} of faltante records, {share(gp)} of patients "
            f"({gn:,}); optimum {share(orr)} of records, {share(op)} of patients ({on:,}); the "
            f"optimum adds {on - gn:,} patients")


def _memory(r: dict) -> str:
    note = "" if r["exact_peak"] else " (peak since process start: clear_refs not allowed)"
    return (f"peak RSS {r['peak']:.0f} MiB, {r['peak'] - r['rss_before']:+.0f} MiB over the "
            f"{r['rss_before']:.0f} MiB before{note}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=sorted(PARTS))
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument("--shortages", type=int, default=38_787)
    parser.add_argument("--surpluses", type=int, default=20_754)
    parser.add_argument("--database", default=None, help="SQLAlchemy URL (default: SQLite)")
    parser.add_argument("--var", type=Path, default=ROOT / "var" / "bench-exchange")
    parser.add_argument("--skip-database", action="store_true")
    args = parser.parse_args()
    if args.part:
        print(json.dumps(PARTS[args.part](args)))
        return 0
    args.var.mkdir(parents=True, exist_ok=True)
    failed = 0
    d = run_part("domain", args)
    ok = d["seconds"] < TARGET_SECONDS
    failed |= not ok
    print(f"exchange matching, domain ({d['records']:,} synthetic records, {d['groups']:,} "
          f"groups): {d['seconds']:.2f} s (build {d['build']:.2f}, greedy+optimal+potentials "
          f"{d['match']:.2f}, checks {d['check']:.2f}); {_memory(d)}; "
          f"{d['exchanges']:,} exchanges proposed")
    print(f"  solver (OR-Tools): {d['solver']:.2f} s in {d['flows']:,} flows; baseline: greedy "
          f"alone {d['greedy_only']:.2f} s")
    print(f"  {_potential(d)}")
    print(f"  target < {TARGET_SECONDS:.0f} s: {'met' if ok else 'NOT MET'}")
    if args.skip_database:
        return failed
    load = run_part("load", args)
    print(f"national demo on {load['url']}: "
          + (f"loaded in {load['seconds']:.1f} s (not measured below)" if load["loaded_now"]
             else "already loaded"))
    u = run_part("use-case", args)
    ok = u["seconds"] < TARGET_SECONDS
    failed |= not ok
    print(f"RunExchangeAnalysis, national demo ({u['shortages']:,} faltantes, "
          f"{u['surpluses']:,} excedentes): {u['seconds']:.2f} s end to end (read + match + "
          f"check: {u['matching_ms'] / 1000:.2f} s, of which solver {u['solver']:.2f} s in "
          f"{u['flows']:,} flows; the rest saves the snapshot); {_memory(u)}")
    print(f"  {_potential(u)}")
    print(f"  national view {u['overview']:.2f} s; Excel workbook {u['workbook']:.2f} s "
          f"({u['workbook_rows']:,} exchanges)")
    print(f"  target < {TARGET_SECONDS:.0f} s: {'met' if ok else 'NOT MET'}")
    return failed


if __name__ == "__main__":
    sys.exit(main())
