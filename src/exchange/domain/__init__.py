"""The pure core of the exchange analysis (standard library, attrs and ``shared.kernel``).

- ``matching``: records, criteria, tiers, the greedy and the optimal allocations, the
  checker (capacity, need, criteria, tiers) and the potentials;
- ``flow``: the min-cost flow problem the optimum states (a solver adapter solves it);
- ``states``: the 32 states, their land borders and where a unit lies;
- ``values``: small values shared by the layers (text cleaning, years, ids, local time).
"""
