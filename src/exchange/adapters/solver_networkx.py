"""``FlowSolver`` with networkx's ``max_flow_min_cost`` (measurement only)."""

from __future__ import annotations

import networkx as nx


class NetworkxFlowSolver:
    def __call__(self, network):  # type: ignore[no-untyped-def]
        g = nx.DiGraph()
        g.add_nodes_from(range(network.node_count))
        # parallel arcs cannot exist in a DiGraph: the exchange networks have none
        for t, h, c, w in zip(network.tails, network.heads, network.capacities, network.costs):
            g.add_edge(t, h, capacity=c, weight=w)
        flow = nx.max_flow_min_cost(g, network.source, network.sink)
        return [flow[t][h] for t, h in zip(network.tails, network.heads)]
