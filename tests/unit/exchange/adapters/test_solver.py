"""The ``FlowSolver`` adapter (OR-Tools) against a plain reference implementation, and the
domain's network and flow check."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exchange.adapters.solver_ortools import OrToolsFlowSolver
from exchange.domain.flow import FlowNetwork, flow_cost, flow_value, flow_violations
from exchange.domain.matching import (
    ExchangeProblem,
    InvalidAllocation,
    optimal_allocation,
)
from tests.unit.exchange.domain.builders import record

SOLVE = OrToolsFlowSolver()


def reference_min_cost_max_flow(n: int, edges: list[tuple[int, int, int, int]], s: int,
                                t: int) -> tuple[int, int]:
    """Textbook SSP: Bellman-Ford shortest path, augment one path at a time."""
    graph: list[list[int]] = [[] for _ in range(n)]
    to, cap, cost = [], [], []
    for u, v, c, w in edges:
        graph[u].append(len(to)); to.append(v); cap.append(c); cost.append(w)
        graph[v].append(len(to)); to.append(u); cap.append(0); cost.append(-w)
    flow = total = 0
    while True:
        dist = [None] * n
        prev = [None] * n
        dist[s] = 0
        for _ in range(n):
            changed = False
            for u in range(n):
                if dist[u] is None:
                    continue
                for e in graph[u]:
                    if cap[e] > 0 and (dist[to[e]] is None or dist[u] + cost[e] < dist[to[e]]):
                        dist[to[e]] = dist[u] + cost[e]
                        prev[to[e]] = e
                        changed = True
            if not changed:
                break
        if dist[t] is None:
            return flow, total
        push, v = None, t
        while v != s:
            e = prev[v]
            push = cap[e] if push is None else min(push, cap[e])
            v = to[e ^ 1]
        v = t
        while v != s:
            e = prev[v]
            cap[e] -= push
            cap[e ^ 1] += push
            v = to[e ^ 1]
        flow += push
        total += push * dist[t]


@st.composite
def networks(draw):
    n = draw(st.integers(2, 7))
    edges = draw(st.lists(
        st.tuples(st.integers(0, n - 1), st.integers(0, n - 1), st.integers(0, 6),
                  st.integers(0, 5)),
        max_size=18,
    ))
    edges = [e for e in edges if e[0] != e[1]]
    return n, edges


def network(n: int, edges: list[tuple[int, int, int, int]], s: int = 0,
            t: int | None = None) -> FlowNetwork:
    return FlowNetwork(n, s, n - 1 if t is None else t, [e[0] for e in edges],
                       [e[1] for e in edges], [e[2] for e in edges], [e[3] for e in edges])


@settings(max_examples=300, deadline=None)
@given(networks())
def test_matches_reference_on_random_networks(net) -> None:
    n, edges = net
    problem = network(n, edges)
    flows = SOLVE(problem)
    # The reported flow is a real flow (capacities, conservation) of maximum value and
    # minimum cost.
    assert flow_violations(problem, flows) == []
    assert (flow_value(problem, flows), flow_cost(problem, flows)) == \
        reference_min_cost_max_flow(n, edges, 0, n - 1)


@settings(max_examples=100, deadline=None)
@given(networks())
def test_same_network_same_flows(net) -> None:
    n, edges = net
    assert list(SOLVE(network(n, edges))) == list(SOLVE(network(n, edges)))


def test_prefers_cheap_paths_among_maximum_flows() -> None:
    # Two units to move; the cheap route carries one, so the other takes the dear one.
    net = network(4, [(0, 1, 1, 1), (0, 2, 5, 10), (1, 3, 5, 0), (2, 3, 5, 0)])
    flows = SOLVE(net)
    assert (flow_value(net, flows), flow_cost(net, flows)) == (6, 1 + 50)
    assert flows[0] == 1 and flows[1] == 5


def test_rerouting_through_a_residual_edge() -> None:
    # Classic case where the second path must cancel part of the first one.
    net = network(4, [(0, 1, 1, 0), (0, 2, 1, 0), (1, 2, 1, 0), (1, 3, 1, 5), (2, 3, 1, 0)])
    flows = SOLVE(net)
    assert (flow_value(net, flows), flow_cost(net, flows)) == (2, 5)


def test_long_chain() -> None:
    n = 5000
    net = network(n, [(u, u + 1, 3, 1) for u in range(n - 1)])
    flows = SOLVE(net)
    assert (flow_value(net, flows), flow_cost(net, flows)) == (3, 3 * (n - 1))


def test_empty_and_degenerate_networks() -> None:
    assert list(SOLVE(network(2, []))) == []
    assert list(SOLVE(FlowNetwork(1, 0, 0, [], [], [], []))) == []
    unreachable = network(3, [(1, 2, 4, 1)])
    assert list(SOLVE(unreachable)) == [0]


def test_the_network_refuses_what_no_solver_accepts() -> None:
    with pytest.raises(ValueError):
        network(2, [(0, 2, 1, 1)])
    with pytest.raises(ValueError):
        network(2, [(0, 1, 1, -1)])
    with pytest.raises(ValueError):
        network(2, [(0, 1, -1, 1)])
    with pytest.raises(ValueError):
        FlowNetwork(2, 0, 1, [0], [1, 1], [1], [1])
    with pytest.raises(ValueError):
        FlowNetwork(2, 0, 2, [], [], [], [])


def test_flow_check_names_each_breach() -> None:
    net = network(3, [(0, 1, 2, 0), (1, 2, 2, 0)])
    assert flow_violations(net, [2, 2]) == []
    assert flow_violations(net, [3, 3]) == ["arc 0: flow 3 outside 0..2",
                                            "arc 1: flow 3 outside 0..2"]
    assert flow_violations(net, [2, 1]) == ["node 1: 1 units unbalanced"]
    assert flow_violations(net, [2]) == ["1 flows for 2 arcs"]


def test_a_solver_that_breaks_its_port_never_becomes_exchanges() -> None:
    # Two shortages and two surpluses of one product: the optimum needs a flow.
    problem = ExchangeProblem([record(1, unit="F1"), record(2, unit="F2")],
                              [record(11, unit="S1"), record(12, unit="S2")])

    def overflowing(net: FlowNetwork) -> list[int]:
        return [c + 1 for c in net.capacities]

    with pytest.raises(InvalidAllocation):
        optimal_allocation(problem, overflowing)
