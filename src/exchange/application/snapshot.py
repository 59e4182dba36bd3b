"""The saved result of an exchange analysis (E15), and every figure the pages read from it.

A saved analysis must not change while capturistas keep editing (and deleting) records, so
it keeps a copy of what it read: a *snapshot*. A national one has ~60,000 records and
~26,000 proposed exchanges (both methods); written as rows it took longer than the matching
itself, so it is compact instead:

- each medical unit (CLUES, name, institution, entity, state) and each catalog product
  (product key, name, unit of measure, service group) once;
- the records as columns, faltantes first: for record ``i``, ``unit[i]`` and ``product[i]``
  point into those tables, ``patients[i]`` is its need (faltante) or capacity (excedente) and
  ``greedy[i]`` / ``optimal[i]`` what each method covered (faltante) or used (excedente);
- each method's exchanges as columns of record positions, patients and tiers, in the order
  the allocation produced them.

``to_payload`` / ``from_payload`` turn it into plain JSON-ready data (the SQL adapter stores
it compressed, one row per analysis). Every figure is a pass over these columns inside a
``Viewer`` (whose part the caller may see) and a ``ViewFilter``: potentials per state,
institution, entity or for the whole part; faltantes vs excedentes per state; the products
with most faltante patients; exchanges per method and tier; the lists of exchanges; the
filters' choices. The definitions are those the SQL read model had (a record is fully
covered when its coverage reaches its need, partly when it is between 1 and the need).
"""

from __future__ import annotations

from typing import Any, Iterator, Mapping, Sequence

import attrs

from exchange.application.model import (
    ExchangeInput,
    ExchangeLine,
    Option,
    PartCounts,
    Party,
    PotentialCounts,
    PotentialLevel,
    ProductCounts,
    Side,
    StateBalanceRow,
    TierCounts,
    ViewFilter,
    Viewer,
)
from exchange.domain.matching import (
    AllocationMethod,
    ExchangeAnalysis,
    ExchangeProblem,
    Modality,
    Tier,
)
from exchange.domain.states import STATES

FORMAT = 1  # the payload's layout; ``from_payload`` refuses any other
MODALITIES = (Modality.OUTPATIENT, Modality.INPATIENT)  # modality column: index in this
_MODALITY_INDEX = {m: i for i, m in enumerate(MODALITIES)}
_TIERS = (None, Tier.SAME_ENTITY, Tier.SAME_STATE, Tier.NEIGHBOUR_STATE)


@attrs.frozen
class SnapshotUnit:
    clues: str
    name: str
    institution: str
    entity: str
    entity_name: str
    state: str


@attrs.frozen
class SnapshotProduct:
    key: str  # the domain's product_key: what makes two catalogs' products the same
    name: str
    unit_of_measure: str
    group_key: str
    group_name: str


@attrs.frozen
class SnapshotLines:
    """One method's proposed exchanges, as columns (``seq`` of exchange ``j`` is ``j + 1``)."""

    shortage: tuple[int, ...]  # record position of the faltante
    surplus: tuple[int, ...]  # record position of the excedente
    patients: tuple[int, ...]
    tier: tuple[int, ...]

    def __len__(self) -> int:
        return len(self.patients)


class SnapshotError(ValueError):
    """A stored snapshot that does not hold together (never written by this code)."""


def _ints(value: Any, name: str, size: int | None = None, below: int | None = None
          ) -> tuple[int, ...]:
    if not isinstance(value, list) or any(type(v) is not int for v in value):
        raise SnapshotError(f"{name}: a list of integers is expected")
    if size is not None and len(value) != size:
        raise SnapshotError(f"{name}: {len(value)} values for {size} rows")
    if value and (min(value) < 0 or (below is not None and max(value) >= below)):
        raise SnapshotError(f"{name}: value out of range")
    return tuple(value)


def _texts(row: Any, n: int, name: str) -> tuple[str, ...]:
    if not isinstance(row, list) or len(row) != n or any(type(v) is not str for v in row):
        raise SnapshotError(f"{name}: {n} texts expected, got {row!r}")
    return tuple(row)


class AnalysisSnapshot:
    """Immutable once built; the indexes the reads need are computed on first use."""

    __slots__ = ("units", "products", "shortages", "record_id", "unit", "product", "modality",
                 "patients", "greedy", "optimal", "lines", "_parties", "_orders")

    def __init__(self, units: Sequence[SnapshotUnit], products: Sequence[SnapshotProduct],
                 shortages: int, record_id: Sequence[int | str], unit: Sequence[int],
                 product: Sequence[int], modality: Sequence[int], patients: Sequence[int],
                 greedy: Sequence[int], optimal: Sequence[int],
                 lines: Mapping[AllocationMethod, SnapshotLines]) -> None:
        n = len(record_id)
        for name, column in (("unit", unit), ("product", product), ("modality", modality),
                             ("patients", patients), ("greedy", greedy), ("optimal", optimal)):
            if len(column) != n:
                raise SnapshotError(f"{name}: {len(column)} values for {n} records")
        if not 0 <= shortages <= n:
            raise SnapshotError("shortages out of range")
        if set(lines) != set(AllocationMethod):
            raise SnapshotError("one list of exchanges per method is expected")
        for method, ls in lines.items():
            if any(p >= shortages for p in ls.shortage) or any(
                    not shortages <= p < n for p in ls.surplus):
                raise SnapshotError(f"{method.value}: an exchange points at the wrong kind")
        self.units = tuple(units)
        self.products = tuple(products)
        self.shortages = shortages
        self.record_id = tuple(record_id)
        self.unit = tuple(unit)
        self.product = tuple(product)
        self.modality = tuple(modality)
        self.patients = tuple(patients)
        self.greedy = tuple(greedy)
        self.optimal = tuple(optimal)
        self.lines = dict(lines)
        self._parties: tuple[Party, ...] | None = None
        self._orders: dict[AllocationMethod, tuple[int, ...]] = {}

    @property
    def size(self) -> int:
        return len(self.record_id)

    # ----------------------------------------------------------------- building

    @classmethod
    def build(cls, problem: ExchangeProblem, analysis: ExchangeAnalysis,
              data: ExchangeInput) -> "AnalysisSnapshot":
        """The snapshot of a fresh analysis: the problem's records (faltantes, then
        excedentes, each in natural id order) with the labels ``data`` read."""
        units: dict[tuple[str, str, str, str], int] = {}
        unit_rows: list[SnapshotUnit] = []
        products: dict[tuple[str, Any], int] = {}
        product_rows: list[SnapshotProduct] = []
        record_id: list[int | str] = []
        unit_col: list[int] = []
        product_col: list[int] = []
        modality_col: list[int] = []
        patients_col: list[int] = []
        greedy_col: list[int] = []
        optimal_col: list[int] = []
        position: dict[tuple[str, str], int] = {}
        labels, unit_names, entity_names = data.products, data.unit_names, data.entity_names
        used = {}
        for allocation in (analysis.greedy, analysis.optimal):
            f_got: dict[str, int] = {}
            s_gave: dict[str, int] = {}
            for e in allocation.exchanges:
                f_got[e.shortage_id] = f_got.get(e.shortage_id, 0) + e.patients
                s_gave[e.surplus_id] = s_gave.get(e.surplus_id, 0) + e.patients
            used[allocation.method] = (f_got, s_gave)
        g_f, g_s = used[AllocationMethod.GREEDY]
        o_f, o_s = used[AllocationMethod.OPTIMAL]
        for kind, records, g_map, o_map in (("F", problem.shortages, g_f, o_f),
                                             ("E", problem.surpluses, g_s, o_s)):
            for r in records:
                rid = r.record_id
                position[(kind, rid)] = len(record_id)
                ukey = (r.unit, r.institution, r.entity, r.state)
                u = units.get(ukey)
                if u is None:
                    u = units[ukey] = len(unit_rows)
                    unit_rows.append(SnapshotUnit(
                        r.unit, unit_names.get(r.unit, r.unit), r.institution, r.entity,
                        entity_names.get((r.institution, r.entity), r.entity), r.state))
                label = labels[rid]
                pkey = (r.product, label)
                p = products.get(pkey)
                if p is None:
                    p = products[pkey] = len(product_rows)
                    product_rows.append(SnapshotProduct(r.product, label.name,
                                                        label.unit_of_measure,
                                                        label.group_key, label.group_name))
                record_id.append(int(rid) if rid.isdigit() else rid)
                unit_col.append(u)
                product_col.append(p)
                modality_col.append(_MODALITY_INDEX[r.modality])
                patients_col.append(r.monthly_patients)
                greedy_col.append(g_map.get(rid, 0))
                optimal_col.append(o_map.get(rid, 0))
        lines = {}
        for allocation in (analysis.greedy, analysis.optimal):
            ex = allocation.exchanges
            lines[allocation.method] = SnapshotLines(
                tuple(position[("F", e.shortage_id)] for e in ex),
                tuple(position[("E", e.surplus_id)] for e in ex),
                tuple(e.patients for e in ex), tuple(int(e.tier) for e in ex))
        return cls(unit_rows, product_rows, len(problem.shortages), record_id, unit_col,
                   product_col, modality_col, patients_col, greedy_col, optimal_col, lines)

    # ----------------------------------------------------------------- payload

    def to_payload(self) -> dict[str, Any]:
        """Plain lists and strings (JSON-ready); ``from_payload`` reads it back."""
        return {
            "format": FORMAT,
            "modalities": [m.value for m in MODALITIES],
            "units": [[u.clues, u.name, u.institution, u.entity, u.entity_name, u.state]
                      for u in self.units],
            "products": [[p.key, p.name, p.unit_of_measure, p.group_key, p.group_name]
                         for p in self.products],
            "shortages": self.shortages,
            "records": {"record_id": list(self.record_id), "unit": list(self.unit),
                        "product": list(self.product), "modality": list(self.modality),
                        "patients": list(self.patients), "greedy": list(self.greedy),
                        "optimal": list(self.optimal)},
            "lines": {m.value: {"shortage": list(ls.shortage), "surplus": list(ls.surplus),
                                "patients": list(ls.patients), "tier": list(ls.tier)}
                      for m, ls in self.lines.items()},
        }

    @classmethod
    def from_payload(cls, data: Any) -> "AnalysisSnapshot":
        """Validate and rebuild (``SnapshotError`` for anything that does not fit)."""
        try:
            if data["format"] != FORMAT:
                raise SnapshotError(f"unknown snapshot format {data['format']!r}")
            if data["modalities"] != [m.value for m in MODALITIES]:
                raise SnapshotError("unknown modality table")
            units = [SnapshotUnit(*_texts(row, 6, "unit")) for row in data["units"]]
            products = [SnapshotProduct(*_texts(row, 5, "product")) for row in data["products"]]
            rec = data["records"]
            ids = rec["record_id"]
            if not isinstance(ids, list) or any(type(v) not in (int, str) for v in ids):
                raise SnapshotError("record_id: integers or texts expected")
            n = len(ids)
            shortages = data["shortages"]
            if type(shortages) is not int:
                raise SnapshotError("shortages: an integer is expected")
            lines = {}
            for method in AllocationMethod:
                ls = data["lines"][method.value]
                shortage = _ints(ls["shortage"], "shortage", below=n)
                size = len(shortage)
                lines[method] = SnapshotLines(
                    shortage, _ints(ls["surplus"], "surplus", size, n),
                    _ints(ls["patients"], "patients", size),
                    _ints(ls["tier"], "tier", size, len(_TIERS)))
                if any(t == 0 for t in lines[method].tier):
                    raise SnapshotError("tier: 1, 2 or 3 expected")
            return cls(units, products, shortages, ids,
                       _ints(rec["unit"], "unit", n, len(units)),
                       _ints(rec["product"], "product", n, len(products)),
                       _ints(rec["modality"], "modality", n, len(MODALITIES)),
                       _ints(rec["patients"], "patients", n), _ints(rec["greedy"], "greedy", n),
                       _ints(rec["optimal"], "optimal", n), lines)
        except (KeyError, TypeError) as exc:
            raise SnapshotError(f"malformed snapshot: {exc!r}") from None

    # ----------------------------------------------------------------- selection

    def _units_in(self, viewer: Viewer, flt: ViewFilter | None = None) -> list[bool]:
        """Which units the viewer sees (and the filter keeps): one flag per unit."""
        inst = viewer.institution
        ent = viewer.entity.upper() if viewer.entity is not None else None
        f_inst = flt.institution if flt is not None else None
        f_state = flt.state if flt is not None else None
        out = []
        for u in self.units:
            ok = inst is None or (u.institution == inst and
                                  (ent is None or u.entity.upper() == ent))
            if ok and f_inst is not None:
                ok = u.institution == f_inst
            if ok and f_state is not None:
                ok = u.state == f_state
            out.append(ok)
        return out

    def _selected(self, viewer: Viewer, flt: ViewFilter | None, start: int,
                  stop: int) -> list[int]:
        """Positions ``start..stop-1`` of the records inside the viewer and the filter."""
        units = self._units_in(viewer, flt)
        unit = self.unit
        group = flt.service_group if flt is not None else None
        if group is None:
            if all(units):
                return list(range(start, stop))
            return [i for i in range(start, stop) if units[unit[i]]]
        groups = [p.group_key == group for p in self.products]
        product = self.product
        return [i for i in range(start, stop) if units[unit[i]] and groups[product[i]]]

    def _shortages_in(self, viewer: Viewer, flt: ViewFilter | None) -> list[int]:
        return self._selected(viewer, flt, 0, self.shortages)

    def _mask(self, positions: Sequence[int]) -> bytearray:
        mask = bytearray(self.size)
        for i in positions:
            mask[i] = 1
        return mask

    # ----------------------------------------------------------------- potentials

    def _tally(self, positions: Sequence[int], key_of_unit: Sequence[Any]) -> dict[Any, list[int]]:
        """Per key: records, patients needed, then per method (greedy, optimal) records fully
        covered, partly covered and patients covered."""
        acc: dict[Any, list[int]] = {}
        unit, need_col, g_col, o_col = self.unit, self.patients, self.greedy, self.optimal
        for i in positions:
            key = key_of_unit[unit[i]]
            a = acc.get(key)
            if a is None:
                a = acc[key] = [0, 0, 0, 0, 0, 0, 0, 0]
            need, g, o = need_col[i], g_col[i], o_col[i]
            a[0] += 1
            a[1] += need
            if g >= need:
                a[2] += 1
            elif g > 0:
                a[3] += 1
            a[4] += g
            if o >= need:
                a[5] += 1
            elif o > 0:
                a[6] += 1
            a[7] += o
        return acc

    def _entity_names(self) -> dict[tuple[str, str], str]:
        names: dict[tuple[str, str], str] = {}
        for u in self.units:
            key = (u.institution, u.entity)
            if key not in names or u.entity_name > names[key]:
                names[key] = u.entity_name  # the largest, as the SQL MAX() had it
        return names

    def potentials(self, viewer: Viewer, flt: ViewFilter,
                   level: PotentialLevel) -> list[PotentialCounts]:
        """The faltantes' counts per scope of ``level`` (one row for the whole part)."""
        positions = self._shortages_in(viewer, flt)
        if level is PotentialLevel.NATIONAL:
            a = self._tally(positions, [None] * len(self.units)).get(None, [0] * 8)
            return [PotentialCounts(None, None, None, None, *a)]
        if level is PotentialLevel.INSTITUTION:
            acc = self._tally(positions, [u.institution for u in self.units])
            return [PotentialCounts(k, None, None, None, *acc[k]) for k in sorted(acc)]
        if level is PotentialLevel.ENTITY:
            acc = self._tally(positions, [(u.institution, u.entity) for u in self.units])
            names = self._entity_names()
            keys = sorted(acc, key=lambda k: (k[0], names[k], k[1]))
            return [PotentialCounts(k[0], k[1], names[k], None, *acc[k]) for k in keys]
        acc = self._tally(positions, [u.state for u in self.units])
        return [PotentialCounts(None, None, None, k, *acc[k]) for k in sorted(acc)]

    def parts(self) -> list[PartCounts]:
        """Each entity's part: its faltante counts and how many excedentes it brought
        (an entity with excedentes only is part of the analysis too)."""
        everyone = Viewer()
        counts = {(c.institution, c.entity): c
                  for c in self.potentials(everyone, ViewFilter(), PotentialLevel.ENTITY)}
        surpluses: dict[tuple[str, str], int] = {}
        units, unit = self.units, self.unit
        for i in range(self.shortages, self.size):
            u = units[unit[i]]
            key = (u.institution, u.entity)
            surpluses[key] = surpluses.get(key, 0) + 1
        names = self._entity_names()
        out = []
        for key in sorted(set(counts) | set(surpluses)):
            c = counts.get(key) or PotentialCounts(key[0], key[1], names[key], None,
                                                   0, 0, 0, 0, 0, 0, 0, 0)
            out.append(PartCounts(key[0], key[1], c, surpluses.get(key, 0)))
        return out

    def balances(self, viewer: Viewer, flt: ViewFilter) -> list[StateBalanceRow]:
        """Faltantes vs excedentes per state: records and monthly patients."""
        by_state: dict[str, list[int]] = {}
        units, unit, patients, split = self.units, self.unit, self.patients, self.shortages
        for i in self._selected(viewer, flt, 0, self.size):
            state = units[unit[i]].state
            cell = by_state.get(state)
            if cell is None:
                cell = by_state[state] = [0, 0, 0, 0]
            k = 0 if i < split else 2
            cell[k] += 1
            cell[k + 1] += patients[i]
        return [StateBalanceRow(state, *cell) for state, cell in sorted(by_state.items())]

    def top_products(self, viewer: Viewer, flt: ViewFilter, limit: int) -> list[ProductCounts]:
        """The products with most faltante patients (ties by product key)."""
        acc: dict[str, list[Any]] = {}
        products, product = self.products, self.product
        patients, greedy, optimal = self.patients, self.greedy, self.optimal
        for i in self._shortages_in(viewer, flt):
            p = products[product[i]]
            a = acc.get(p.key)
            if a is None:
                a = acc[p.key] = [p.name, p.unit_of_measure, p.group_name, 0, 0, 0, 0]
            else:  # the smallest of each label, as the SQL MIN() had it
                a[0], a[1], a[2] = min(a[0], p.name), min(a[1], p.unit_of_measure), \
                    min(a[2], p.group_name)
            a[3] += 1
            a[4] += patients[i]
            a[5] += greedy[i]
            a[6] += optimal[i]
        keys = sorted(acc, key=lambda k: (-acc[k][4], k))[:max(0, int(limit))]
        return [ProductCounts(k, *acc[k]) for k in keys]

    def tier_counts(self, viewer: Viewer, flt: ViewFilter) -> list[TierCounts]:
        """Exchanges and patients per method and tier, by the requesting side (the side the
        potentials count)."""
        mask = self._mask(self._shortages_in(viewer, flt))
        out = []
        for method in AllocationMethod:
            ls = self.lines[method]
            acc: dict[int, list[int]] = {}
            for f, patients, tier in zip(ls.shortage, ls.patients, ls.tier):
                if mask[f]:
                    cell = acc.get(tier)
                    if cell is None:
                        cell = acc[tier] = [0, 0]
                    cell[0] += 1
                    cell[1] += patients
            out += [TierCounts(method, _TIERS[t], n, p) for t, (n, p) in sorted(acc.items())]
        return out

    # ----------------------------------------------------------------- exchanges

    def _party(self, u: int) -> Party:
        parties = self._parties
        if parties is None:  # once per snapshot: a unit is the same party in every line
            parties = self._parties = tuple(
                Party(x.institution, x.entity, x.entity_name, x.state,
                      STATES.get(x.state, x.state), x.clues, x.name) for x in self.units)
        return parties[u]

    def _order(self, method: AllocationMethod) -> tuple[int, ...]:
        """The lists' order: by the requesting unit's state, institution, entity and unit,
        then product, modality, tier, the providing unit and the allocation's order."""
        order = self._orders.get(method)
        if order is None:
            ls = self.lines[method]
            units, unit, products, product = self.units, self.unit, self.products, self.product
            modality = self.modality

            def key(j: int) -> tuple:
                f, s = ls.shortage[j], ls.surplus[j]
                r, p = units[unit[f]], units[unit[s]]
                return (r.state, r.institution, r.entity_name, r.name, r.clues,
                        products[product[f]].name, MODALITIES[modality[f]].value, ls.tier[j],
                        p.clues, j)

            order = self._orders[method] = tuple(sorted(range(len(ls)), key=key))
        return order

    def _line_positions(self, viewer: Viewer, flt: ViewFilter,
                        method: AllocationMethod) -> list[int]:
        """The exchanges in which the viewer requests or provides, of the records the filter
        keeps on ``flt.side``, in the lists' order."""
        ls = self.lines[method]
        order = self._order(method)
        if viewer.everything and flt.empty:
            return list(order)
        mine = self._mask(self._selected(viewer, None, 0, self.size))
        kept = self._mask(self._selected(Viewer(), flt, 0, self.size))
        ends = ls.surplus if flt.side is Side.PROVIDING else ls.shortage
        return [j for j in order
                if (mine[ls.shortage[j]] or mine[ls.surplus[j]]) and kept[ends[j]]]

    def _line(self, method: AllocationMethod, number: int, j: int) -> ExchangeLine:
        ls = self.lines[method]
        f, s = ls.shortage[j], ls.surplus[j]
        tier = _TIERS[ls.tier[j]]
        assert tier is not None
        product = self.products[self.product[f]]
        return ExchangeLine(number, method.value, int(tier), tier.label,
                            self._party(self.unit[f]), self._party(self.unit[s]), product.name,
                            product.unit_of_measure, product.group_name,
                            MODALITIES[self.modality[f]].label, ls.patients[j],
                            self.patients[f])

    def lines_page(self, viewer: Viewer, flt: ViewFilter, method: AllocationMethod,
                   offset: int, limit: int | None) -> tuple[list[ExchangeLine], int]:
        """One page of the list (``limit`` None: all of it from ``offset``) and the total."""
        positions = self._line_positions(viewer, flt, method)
        offset = max(0, int(offset))
        chosen = positions[offset:] if limit is None else positions[offset:offset + int(limit)]
        return [self._line(method, offset + n, j) for n, j in enumerate(chosen, 1)], \
            len(positions)

    def iter_lines(self, viewer: Viewer, flt: ViewFilter,
                   method: AllocationMethod) -> Iterator[ExchangeLine]:
        """Every line of the list, one at a time (the workbook streams them)."""
        for n, j in enumerate(self._line_positions(viewer, flt, method), 1):
            yield self._line(method, n, j)

    def filter_options(self, viewer: Viewer) -> tuple[list[str], list[str], list[Option]]:
        """Institutions, states and service groups of the records in the viewer's part."""
        units = self._units_in(viewer)
        insts: set[str] = set()
        states: set[str] = set()
        seen_units: set[int] = set()
        groups: dict[str, str] = {}
        products, product, unit = self.products, self.product, self.unit
        seen_products: set[int] = set()
        for i in range(self.size):
            u = unit[i]
            if not units[u]:
                continue
            if u not in seen_units:
                seen_units.add(u)
                insts.add(self.units[u].institution)
                states.add(self.units[u].state)
            p = product[i]
            if p not in seen_products:
                seen_products.add(p)
                key, name = products[p].group_key, products[p].group_name
                if key not in groups or name < groups[key]:
                    groups[key] = name
        return sorted(insts), sorted(states), [Option(k, groups[k]) for k in sorted(groups)]
