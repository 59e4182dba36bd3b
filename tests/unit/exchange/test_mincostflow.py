"""The pure min-cost max-flow solver against a plain reference implementation."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from excedentes.domain.mincostflow import FlowResult, MinCostFlow


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


@settings(max_examples=300, deadline=None)
@given(networks())
def test_matches_reference_on_random_networks(net) -> None:
    n, edges = net
    solver = MinCostFlow(n)
    ids = [solver.add_edge(u, v, c, w) for u, v, c, w in edges]
    result = solver.solve(0, n - 1)
    assert (result.flow, result.cost) == reference_min_cost_max_flow(n, edges, 0, n - 1)

    # The reported flow is a real flow: capacities, conservation, and the stated cost.
    balance = [0] * n
    cost = 0
    for (u, v, c, w), e in zip(edges, ids):
        f = solver.flow_on(e)
        assert 0 <= f <= c
        balance[u] -= f
        balance[v] += f
        cost += f * w
    assert cost == result.cost
    assert balance[n - 1] == result.flow
    assert balance[0] == -result.flow
    assert all(b == 0 for b in balance[1:n - 1])


@settings(max_examples=100, deadline=None)
@given(networks())
def test_bulk_edges_equal_single_edges(net) -> None:
    n, edges = net
    one = MinCostFlow(n)
    for u, v, c, w in edges:
        one.add_edge(u, v, c, w)
    bulk = MinCostFlow(n)
    ids = bulk.add_edges([e[0] for e in edges], [e[1] for e in edges],
                         [e[2] for e in edges], [e[3] for e in edges])
    assert list(ids) == [2 * k for k in range(len(edges))]
    assert one.solve(0, n - 1) == bulk.solve(0, n - 1)


def test_prefers_cheap_paths_among_maximum_flows() -> None:
    # Two units to move; the cheap route carries one, so the other takes the dear one.
    net = MinCostFlow(4)
    cheap = net.add_edge(0, 1, 1, 1)
    dear = net.add_edge(0, 2, 5, 10)
    net.add_edge(1, 3, 5, 0)
    net.add_edge(2, 3, 5, 0)
    assert net.solve(0, 3) == FlowResult(flow=6, cost=1 + 50)
    assert net.flow_on(cheap) == 1 and net.flow_on(dear) == 5


def test_rerouting_through_a_residual_edge() -> None:
    # Classic case where the second path must cancel part of the first one.
    net = MinCostFlow(4)
    net.add_edge(0, 1, 1, 0)
    net.add_edge(0, 2, 1, 0)
    net.add_edge(1, 2, 1, 0)
    net.add_edge(1, 3, 1, 5)
    net.add_edge(2, 3, 1, 0)
    assert net.solve(0, 3) == FlowResult(flow=2, cost=5)


def test_long_chain_does_not_recurse() -> None:
    n = 5000
    net = MinCostFlow(n)
    for u in range(n - 1):
        net.add_edge(u, u + 1, 3, 1)
    assert net.solve(0, n - 1) == FlowResult(3, 3 * (n - 1))


def test_empty_and_degenerate_networks() -> None:
    assert MinCostFlow(2).solve(0, 1) == FlowResult(0, 0)
    net = MinCostFlow(1)
    assert net.solve(0, 0) == FlowResult(0, 0)


def test_refuses_invalid_edges_and_second_solve() -> None:
    net = MinCostFlow(2)
    with pytest.raises(ValueError):
        net.add_edge(0, 2, 1, 1)
    with pytest.raises(ValueError):
        net.add_edge(0, 1, 1, -1)
    with pytest.raises(ValueError):
        net.add_edge(0, 1, -1, 1)
    with pytest.raises(ValueError):
        net.add_edges([0], [1, 1], [1], [1])
    with pytest.raises(ValueError):
        net.add_edges([0], [1], [1], [-2])
    net.add_edge(0, 1, 1, 1)
    net.solve(0, 1)
    with pytest.raises(RuntimeError):
        net.solve(0, 1)
    with pytest.raises(RuntimeError):
        net.add_edge(0, 1, 1, 1)
