"""The min-cost flow problem the exchange optimum states, and a check of any solution.

The domain says *what* to solve; a solver adapter (``exchange.adapters.solver_ortools``,
reached through the ``FlowSolver`` port) says *how*. The problem is a maximum flow of
minimum cost: push as much as possible from ``source`` to ``sink`` through arcs of integral,
non-negative capacity, and among all maximum flows pay the least ``sum(cost x flow)``.

``flow_violations`` checks a solver's answer against the network (arc capacities and
conservation at every inner node), so a wrong adapter is caught in the domain, before the
allocation checker (capacity, need, criteria, tiers) even runs.
"""

from __future__ import annotations

from typing import Callable, Sequence

import attrs


def _ints(_inst: object, attr: attrs.Attribute, value: tuple[int, ...]) -> None:
    if value and min(value) < 0:
        raise ValueError(f"{attr.name} must be >= 0")


@attrs.frozen
class FlowNetwork:
    """Nodes ``0 .. node_count - 1``; arc ``i`` goes ``tails[i] -> heads[i]`` with
    ``capacities[i]`` and a per-unit ``costs[i]``. Arcs are columns: cheap to build and to
    hand to a solver library in one call."""

    node_count: int
    source: int
    sink: int
    tails: tuple[int, ...] = attrs.field(converter=tuple, validator=_ints)
    heads: tuple[int, ...] = attrs.field(converter=tuple, validator=_ints)
    capacities: tuple[int, ...] = attrs.field(converter=tuple, validator=_ints)
    costs: tuple[int, ...] = attrs.field(converter=tuple, validator=_ints)

    def __attrs_post_init__(self) -> None:
        n = self.node_count
        if not (0 <= self.source < n and 0 <= self.sink < n):
            raise ValueError("source or sink out of range")
        count = len(self.tails)
        if not len(self.heads) == len(self.capacities) == len(self.costs) == count:
            raise ValueError("arc columns differ in length")
        if count and (max(self.tails) >= n or max(self.heads) >= n):
            raise ValueError("arc endpoint out of range")

    @property
    def arc_count(self) -> int:
        return len(self.tails)


# What the domain needs of a solver: the flow on each arc, in arc order (``FlowSolver``).
SolveFlow = Callable[[FlowNetwork], Sequence[int]]


def flow_violations(network: FlowNetwork, flows: Sequence[int]) -> list[str]:
    """Every way ``flows`` is not a flow of ``network`` (English, for logs); empty if it is."""
    if len(flows) != network.arc_count:
        return [f"{len(flows)} flows for {network.arc_count} arcs"]
    out: list[str] = []
    balance = [0] * network.node_count
    for i, (tail, head, cap, f) in enumerate(zip(network.tails, network.heads,
                                                 network.capacities, flows)):
        if not 0 <= f <= cap:
            out.append(f"arc {i}: flow {f} outside 0..{cap}")
        balance[tail] -= f
        balance[head] += f
    for node, b in enumerate(balance):
        if b and node not in (network.source, network.sink):
            out.append(f"node {node}: {b} units unbalanced")
    return out


def flow_cost(network: FlowNetwork, flows: Sequence[int]) -> int:
    return sum(c * f for c, f in zip(network.costs, flows))


def flow_value(network: FlowNetwork, flows: Sequence[int]) -> int:
    """What leaves the source (net)."""
    s = network.source
    return sum(f if t == s else -f for t, h, f in zip(network.tails, network.heads, flows)
               if (t == s) != (h == s))
