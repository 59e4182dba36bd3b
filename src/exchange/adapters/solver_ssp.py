"""A small, pure-Python min-cost max-flow solver (successive shortest paths).

The exchange optimum (see ``exchange.py``) is a transportation problem: move as many monthly
patients as possible from surpluses to shortages, and among all maximum moves pay the least
total "distance" (tier). That is exactly a min-cost maximum flow, and the textbook way to get
one with non-negative integer costs is *successive shortest paths*:

1. With node potentials ``pi`` (Johnson), every residual edge has a non-negative reduced cost
   ``cost(u, v) + pi(u) - pi(v)``, so Dijkstra finds the shortest source→sink path. Adding the
   distances to ``pi`` keeps reduced costs non-negative and makes every shortest path consist
   of zero-reduced-cost edges.
2. Augment along shortest paths until none remains at this distance, then go back to 1. We
   augment *all* shortest paths of the current length at once with a Dinic blocking flow on
   the subgraph of zero-reduced-cost edges (the "primal-dual" form of the same algorithm).
   Why: the exchange graph has only three distinct edge costs, so a handful of Dijkstra runs
   suffice instead of one per augmenting path, which matters in pure Python.
3. Stop when the sink is unreachable: the flow is maximum, and since every augmentation used
   a shortest path, its cost is minimum among maximum flows.

Everything is integral (capacities and costs are ints), results are deterministic: edges are
explored in insertion order and the heap breaks ties by node number. Standard library only.
"""

from __future__ import annotations

import heapq
from typing import Sequence

import attrs

_UNREACHED = 1 << 62  # larger than any distance we can produce with int costs


@attrs.frozen
class FlowResult:
    flow: int
    cost: int


class MinCostFlow:
    """A directed network on nodes ``0 .. node_count-1``; add edges, then ``solve`` once.

    Edge ``e`` and its residual twin ``e ^ 1`` are stored side by side in flat lists (fast in
    CPython); ``flow_on(e)`` reads the flow off the twin's residual capacity.
    """

    __slots__ = ("_adj", "_cap", "_cost", "_to", "_solved")

    def __init__(self, node_count: int) -> None:
        if node_count < 0:
            raise ValueError("node_count must be >= 0")
        self._adj: list[list[int]] = [[] for _ in range(node_count)]
        self._to: list[int] = []
        self._cap: list[int] = []
        self._cost: list[int] = []
        self._solved = False

    @property
    def node_count(self) -> int:
        return len(self._adj)

    def add_edge(self, tail: int, head: int, capacity: int, cost: int) -> int:
        """Add ``tail -> head``; returns the edge id to read its flow after solving.

        Costs must be non-negative: it lets the first Dijkstra start from zero potentials
        (no Bellman-Ford pass), which is all the exchange problem needs.
        """
        n = len(self._adj)
        if not (0 <= tail < n and 0 <= head < n):
            raise ValueError("edge endpoint out of range")
        if capacity < 0 or cost < 0:
            raise ValueError("capacity and cost must be >= 0")
        if self._solved:
            raise RuntimeError("network already solved")
        edge = len(self._to)
        self._to += (head, tail)
        self._cap += (capacity, 0)
        self._cost += (cost, -cost)
        self._adj[tail].append(edge)
        self._adj[head].append(edge + 1)
        return edge

    def add_edges(self, tails: Sequence[int], heads: Sequence[int], capacities: Sequence[int],
                  costs: Sequence[int]) -> range:
        """Add many edges at once (same rules as ``add_edge``); returns their ids in order.

        Why: building the network edge by edge dominated the solve time on large products;
        validating whole columns at once keeps the same guarantees for a fraction of it.
        """
        count = len(tails)
        if not (len(heads) == len(capacities) == len(costs) == count):
            raise ValueError("edge columns differ in length")
        if self._solved:
            raise RuntimeError("network already solved")
        first = len(self._to)
        if count == 0:
            return range(first, first, 2)
        n = len(self._adj)
        if min(tails) < 0 or min(heads) < 0 or max(tails) >= n or max(heads) >= n:
            raise ValueError("edge endpoint out of range")
        if min(capacities) < 0 or min(costs) < 0:
            raise ValueError("capacity and cost must be >= 0")
        to, cap, cost, adj = self._to, self._cap, self._cost, self._adj
        edge = first
        for tail, head, c, w in zip(tails, heads, capacities, costs):
            to += (head, tail)
            cap += (c, 0)
            cost += (w, -w)
            adj[tail].append(edge)
            adj[head].append(edge + 1)
            edge += 2
        return range(first, edge, 2)

    def flow_on(self, edge: int) -> int:
        return self._cap[edge ^ 1]

    def solve(self, source: int, sink: int) -> FlowResult:
        """Push a maximum flow of minimum cost from ``source`` to ``sink``."""
        if self._solved:
            raise RuntimeError("network already solved")
        self._solved = True
        if source == sink:
            return FlowResult(0, 0)
        n = len(self._adj)
        potential = [0] * n
        total_flow = 0
        total_cost = 0
        while True:
            dist = self._dijkstra(source, sink, potential)
            if dist is None:
                break
            # Nodes not settled before the sink get the sink's distance: this keeps every
            # reduced cost non-negative even though Dijkstra stopped early.
            reach = dist[sink]
            for v in range(n):
                d = dist[v]
                potential[v] += d if d < reach else reach
            path_cost = potential[sink] - potential[source]
            pushed = self._blocking_flows(source, sink, potential)
            total_flow += pushed
            total_cost += pushed * path_cost
        return FlowResult(total_flow, total_cost)

    # -- internals -------------------------------------------------------------------------

    def _dijkstra(self, source: int, sink: int, potential: list[int]) -> list[int] | None:
        adj, to, cap, cost = self._adj, self._to, self._cap, self._cost
        dist = [_UNREACHED] * len(adj)
        done = [False] * len(adj)
        dist[source] = 0
        heap = [(0, source)]
        pop, push = heapq.heappop, heapq.heappush
        while heap:
            d, u = pop(heap)
            if done[u]:
                continue
            done[u] = True
            if u == sink:
                # Settled nodes keep their exact distance; the rest are >= dist[sink].
                for v, finished in enumerate(done):
                    if not finished:
                        dist[v] = _UNREACHED
                return dist
            base = d + potential[u]
            for e in adj[u]:
                if cap[e] > 0:
                    v = to[e]
                    if not done[v]:
                        nd = base + cost[e] - potential[v]
                        if nd < dist[v]:
                            dist[v] = nd
                            push(heap, (nd, v))
        return None

    def _blocking_flows(self, source: int, sink: int, potential: list[int]) -> int:
        """Max flow restricted to zero-reduced-cost residual edges (Dinic), i.e. every
        augmentation follows a currently shortest path."""
        adj, to, cap, cost = self._adj, self._to, self._cap, self._cost
        n = len(adj)
        pushed_total = 0
        while True:
            # BFS levels over admissible edges.
            level = [-1] * n
            level[source] = 0
            queue = [source]
            for u in queue:
                pu = potential[u]
                nxt = level[u] + 1
                for e in adj[u]:
                    if cap[e] > 0:
                        v = to[e]
                        if level[v] < 0 and cost[e] + pu == potential[v]:
                            level[v] = nxt
                            queue.append(v)
            if level[sink] < 0:
                return pushed_total
            cursor = [0] * n
            while True:
                pushed = self._augment(source, sink, potential, level, cursor)
                if not pushed:
                    break
                pushed_total += pushed

    def _augment(self, source: int, sink: int, potential: list[int], level: list[int],
                 cursor: list[int]) -> int:
        """One augmenting path in the level graph (iterative DFS with current-arc pointers,
        so long alternating chains cannot hit Python's recursion limit)."""
        adj, to, cap, cost = self._adj, self._to, self._cap, self._cost
        path: list[int] = []
        u = source
        while True:
            if u == sink:
                amount = min(cap[e] for e in path)
                for e in path:
                    cap[e] -= amount
                    cap[e ^ 1] += amount
                return amount
            edges = adj[u]
            i = cursor[u]
            pu = potential[u]
            want = level[u] + 1
            while i < len(edges):
                e = edges[i]
                if cap[e] > 0:
                    v = to[e]
                    if level[v] == want and cost[e] + pu == potential[v]:
                        break
                i += 1
            cursor[u] = i
            if i < len(edges):
                e = edges[i]
                path.append(e)
                u = to[e]
                continue
            # Dead end: retreat and skip the edge that led here.
            if not path:
                return 0
            level[u] = -1
            e = path.pop()
            u = to[e ^ 1]
            cursor[u] += 1


class SspFlowSolver:
    """The former hand-written solver behind the ``FlowSolver`` port (measurement only)."""

    def __call__(self, network):  # type: ignore[no-untyped-def]
        net = MinCostFlow(network.node_count)
        edges = net.add_edges(network.tails, network.heads, network.capacities, network.costs)
        net.solve(network.source, network.sink)
        return [net.flow_on(e) for e in edges]
