"""Exchange opportunities (E15): match faltantes (shortages) with excedentes (surpluses).

The purpose of the whole collection: a shortage of a product in one medical unit can be
covered by another unit's surplus of the *same product and modality* (outpatient or
inpatient). This module is the pure matching core: no I/O, standard library + attrs +
``shared.kernel`` only.

Vocabulary
----------
* A **candidate** is an admissible (shortage, surplus) pair. Its **tier** says how near the
  provider is:

  1. ``SAME_ENTITY``: same institution and same entity (OOAD/UMAE, delegación ...);
  2. ``SAME_STATE``: same state, not tier 1 (another institution, or another entity of the
     same institution located in the state, e.g. an UMAE);
  3. ``NEIGHBOUR_STATE``: the provider's state shares a land border with the requester's
     (``states.ADJACENCY``).

  Everything farther is never a candidate, nor is a pair inside one unit.
* **The same product** across institutions (each has its own catalog) is recognised by
  ``product_key``: the folded product name plus the folded unit of measure; records carry
  that key in ``ExchangeRecord.product``.
* ``ExchangeCriteria`` (data, serialisable) narrows candidates: which tiers count, whether
  institutions may exchange with each other, which institutions take part, and the minimum
  number of patients an exchange must move to be worth proposing.
* An **allocation** gives each candidate pair a number of monthly patients. It never exceeds
  a surplus's ``monthly_patients`` (capacity) nor a shortage's ``monthly_patients`` (need); a
  shortage may be split over several providers. ``check_allocation`` verifies all of it.

Two allocations are computed
----------------------------
* **Greedy** (what a person would do by hand): candidate pairs ordered by tier, then by the
  shortage's id, then by the surplus's id; each pair gets as much as both sides still allow.
  A pair whose amount would fall below ``min_patients`` is skipped.
* **Optimal**: the most shortage patients covered and, among those, the smallest total
  ``tier x patients`` (nearer providers preferred). Per product+modality (further split into
  connected components of the candidate graph, since they share nothing) this is a
  **min-cost max-flow**::

      source --(capacity = surplus.monthly_patients, cost 0)--> surplus
      surplus --(capacity = min(capacity, need), cost = tier)--> shortage   (each candidate)
      shortage --(capacity = shortage.monthly_patients, cost 0)--> sink

  stated as a ``flow.FlowNetwork`` and solved by the ``FlowSolver`` port (a library adapter,
  ``exchange.adapters.solver_ortools``). A maximum flow covers
  the most patients; minimum cost among maximum flows prefers nearer tiers.

The minimum-patients rule
-------------------------
"Each exchange moves 0 or at least *m* patients" is not a flow constraint (it makes the
problem combinatorial). We handle it in a well-defined, documented way:

1. pairs that could never carry *m* (``min(capacity, need) < m``) are not candidates;
2. solve the flow; if some pair carries between 1 and *m-1* patients, drop all such pairs
   and re-solve without them, until every used pair carries at least *m* (terminates: each
   round removes at least one pair);
3. keep whichever is better, that repaired flow or the greedy allocation of the same
   component, so the "optimum" is never worse than greedy.

With ``min_patients == 1`` (the default) step 2 never triggers and the result is exactly
optimal. Otherwise ``Allocation.exact`` says whether optimality is proven (the repaired
result still matches the unconstrained optimum in patients and cost).

Determinism: every ordering uses stable ids (numeric ids in numeric order), so the same
records and criteria give the same exchanges whatever order they arrive in.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections import defaultdict
from typing import Any, Iterable, Mapping, NamedTuple, Sequence

import attrs

from exchange.domain.flow import FlowNetwork, SolveFlow, flow_violations
from exchange.domain.states import ADJACENCY, canonical_state
from shared.kernel.errors import DomainError, ValidationError

# --------------------------------------------------------------------------------------------
# Small value types
# --------------------------------------------------------------------------------------------


class Modality(str, enum.Enum):
    OUTPATIENT = "outpatient"  # ambulatorio
    INPATIENT = "inpatient"  # hospitalario

    @property
    def label(self) -> str:
        return "Ambulatorio" if self is Modality.OUTPATIENT else "Hospitalario"


_MODALITY_ALIASES = {
    "outpatient": Modality.OUTPATIENT,
    "ambulatorio": Modality.OUTPATIENT,
    "ambulatoria": Modality.OUTPATIENT,
    "inpatient": Modality.INPATIENT,
    "hospitalario": Modality.INPATIENT,
    "hospitalaria": Modality.INPATIENT,
}


def _to_modality(value: object) -> Modality:
    if type(value) is str:  # the common case, first: a national analysis converts 60,000
        found = _MODALITY_ALIASES.get(value)
        if found is not None:
            return found
    if isinstance(value, Modality):
        return value
    # Accept another str-valued enum (e.g. the model's own) or the Spanish words.
    raw = getattr(value, "value", value)
    if isinstance(raw, str):
        found = _MODALITY_ALIASES.get(raw.strip().lower())
        if found is not None:
            return found
    raise ValidationError(
        f"Modalidad desconocida: {value!r} (ambulatorio u hospitalario).",
        log_message=f"unknown modality {value!r}",
        code="unknown_modality",
    )


class Tier(enum.IntEnum):
    """How near a provider is; the number is also the cost per patient in the optimum."""

    SAME_ENTITY = 1
    SAME_STATE = 2
    NEIGHBOUR_STATE = 3

    @property
    def label(self) -> str:
        return _TIER_LABELS[self]


_TIER_LABELS = {
    Tier.SAME_ENTITY: "Misma entidad",
    Tier.SAME_STATE: "Mismo estado",
    Tier.NEIGHBOUR_STATE: "Estado vecino",
}


def _invalid(spanish: str, english: str, code: str = "invalid_exchange_input") -> ValidationError:
    return ValidationError(spanish, log_message=english, code=code)


def _to_text(value: object) -> str:
    """Identifiers may come as ints (database ids) or strings; we keep them as text."""
    if type(value) is str:  # first: a national analysis converts 300,000 identifiers
        text = value.strip()
        if text:
            return text
    elif type(value) is int:
        return str(value)
    if isinstance(value, bool) or value is None:
        raise _invalid(f"Identificador inválido: {value!r}.", f"invalid identifier {value!r}")
    text = str(value).strip()
    if not text:
        raise _invalid("Identificador vacío.", "empty identifier")
    return text


def id_sort_key(value: str) -> tuple[int, int, str]:
    """Natural order for ids: numeric ids numerically (``"9" < "10"``), then the others."""
    if value.isdigit():
        return (0, int(value), value)
    return (1, 0, value)


_COMBINING = re.compile("[\u0300-\u036f]+")  # the accents NFKD splits off (á -> a + ´)
_NOT_ALNUM = re.compile(r"[\W_]+")


def fold_key(text: object) -> str:
    """Lower case, no accents, punctuation as spaces, single spaces: how names written by
    different catalogs ("Albúmina en orina." / "ALBUMINA EN ORINA") are compared. (Regular
    expressions rather than a loop per character: a national catalog has ~50,000 names.)"""
    plain = _COMBINING.sub("", unicodedata.normalize("NFKD", str(text or ""))).casefold()
    return _NOT_ALNUM.sub(" ", plain).strip()


def product_key(name: object, unit_of_measure: object) -> str:
    """What makes two catalog products "the same product" for an exchange.

    Each institution keeps its own catalog (its own ids, its own Servicio > Grupo >
    Especialidad tree), so ids never match across institutions. The intervention is named
    by the product's name and counted in its unit of measure (Estudio, Sesión,
    Procedimiento ...): two products are the same when both agree after ``fold_key``. The
    service group is deliberately left out: institutions file the same intervention under
    different groups (or specialties), and a different unit of measure already tells apart
    what is counted differently.
    """
    folded = fold_key(name) or str(name or "").strip().casefold()
    return f"{folded}|{fold_key(unit_of_measure)}"


def _whole(minimum: int):
    def check(instance: object, attribute: attrs.Attribute, value: object) -> None:
        if type(value) is int and value >= minimum:
            return
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise _invalid(
                f"{attribute.name}: se espera un número entero mayor o igual a {minimum}.",
                f"{type(instance).__name__}.{attribute.name} must be an int >= {minimum}, "
                f"got {value!r}",
            )
    return check


# --------------------------------------------------------------------------------------------
# Criteria
# --------------------------------------------------------------------------------------------


def _to_tiers(value: Iterable[object]) -> frozenset[Tier]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise _invalid("Niveles de intercambio inválidos.", f"tiers must be a list, got {value!r}",
                       "invalid_criteria")
    tiers = set()
    for item in value:
        tiers.add(_to_tier(item))
    if not tiers:
        raise _invalid("Seleccione al menos un nivel de intercambio.", "no tier selected",
                       "invalid_criteria")
    return frozenset(tiers)


def _to_tier(item: object) -> Tier:
    if isinstance(item, Tier):
        return item
    if isinstance(item, int) and not isinstance(item, bool) and item in (1, 2, 3):
        return Tier(item)
    if isinstance(item, str):
        key = item.strip().upper()
        if key.isdigit() and int(key) in (1, 2, 3):
            return Tier(int(key))
        if key in Tier.__members__:
            return Tier[key]
    raise _invalid(f"Nivel de intercambio desconocido: {item!r} (1, 2 o 3).",
                   f"unknown tier {item!r}", "invalid_criteria")


def _to_institutions(value: object) -> frozenset[str] | None:
    if value is None:
        return None
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise _invalid("Instituciones inválidas: se espera una lista.",
                       f"institutions must be a list or null, got {value!r}", "invalid_criteria")
    names = frozenset(_to_text(v) for v in value)
    if not names:
        # Why refuse: an empty list would silently produce an empty analysis; "all" is null.
        raise _invalid("Seleccione al menos una institución (o ninguna para incluir todas).",
                       "empty institution list", "invalid_criteria")
    return names


def _is_bool(instance: object, attribute: attrs.Attribute, value: object) -> None:
    if not isinstance(value, bool):
        raise _invalid(f"{attribute.name}: se espera verdadero o falso.",
                       f"{attribute.name} must be a bool, got {value!r}", "invalid_criteria")


class ReportSelection(str, enum.Enum):
    """Which records of the period an analysis reads, by the state of each entity's report:
    every record (what capturistas have saved so far), or only those of entities that
    finalized their registration (Paso 7: the report is closed and cannot change), or only
    those whose final report was also signed and uploaded (Paso 9: an official diagnosis)."""

    ALL = "all"
    FINALIZED = "finalized"
    SIGNED = "signed"

    @property
    def label(self) -> str:
        return _SELECTION_LABELS[self]


_SELECTION_LABELS = {
    ReportSelection.ALL: "Todos los registros del periodo",
    ReportSelection.FINALIZED: "Solo entidades que finalizaron el registro",
    ReportSelection.SIGNED: "Solo entidades con el reporte firmado subido",
}


def _to_selection(value: object) -> ReportSelection:
    if isinstance(value, ReportSelection):
        return value
    if isinstance(value, str):
        key = value.strip().lower()
        for option in ReportSelection:
            if key in (option.value, option.name.lower()):
                return option
    raise _invalid(f"Registros del análisis desconocidos: {value!r} (all, finalized o signed).",
                   f"unknown report selection {value!r}", "invalid_criteria")


_CRITERIA_KEYS = ("tiers", "cross_institution", "institutions", "min_patients", "reports")


@attrs.frozen
class ExchangeCriteria:
    """Which pairs count as an exchange. Data, so that an analysis can be saved with the
    criteria it used and replayed (``to_dict``/``from_dict``; the CLI reads the same JSON)."""

    tiers: frozenset[Tier] = attrs.field(default=frozenset(Tier), converter=_to_tiers)
    cross_institution: bool = attrs.field(default=True, validator=_is_bool)
    institutions: frozenset[str] | None = attrs.field(default=None, converter=_to_institutions)
    min_patients: int = attrs.field(default=1, validator=_whole(1))
    # Which records are read (applied by the source, not by the matching: the problem only
    # ever sees the records selected).
    reports: ReportSelection = attrs.field(default=ReportSelection.ALL, converter=_to_selection)

    def takes_part(self, institution: str) -> bool:
        return self.institutions is None or institution in self.institutions

    def admits(self, shortage: "ExchangeRecord", surplus: "ExchangeRecord", tier: Tier) -> bool:
        """Whether criteria allow this pair at this tier (``min_patients`` is about amounts
        and is checked where amounts are known)."""
        if tier not in self.tiers:
            return False
        if not self.cross_institution and shortage.institution != surplus.institution:
            return False
        return self.takes_part(shortage.institution) and self.takes_part(surplus.institution)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict; lists sorted so that saved criteria compare textually."""
        return {
            "tiers": sorted(int(t) for t in self.tiers),
            "cross_institution": self.cross_institution,
            "institutions": None if self.institutions is None else sorted(self.institutions),
            "min_patients": self.min_patients,
            "reports": self.reports.value,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "ExchangeCriteria":
        """Build from a plain dict (e.g. parsed JSON). Missing keys take defaults; unknown
        keys are refused so that a typo in a criteria file is not silently ignored."""
        if not isinstance(data, Mapping):
            raise _invalid("Los criterios deben ser un objeto JSON.",
                           f"criteria must be a mapping, got {type(data).__name__}",
                           "invalid_criteria")
        unknown = sorted(str(k) for k in data if k not in _CRITERIA_KEYS)
        if unknown:
            raise _invalid(f"Criterios desconocidos: {', '.join(unknown)}.",
                           f"unknown criteria keys {unknown}", "invalid_criteria")
        kwargs = {k: data[k] for k in _CRITERIA_KEYS if k in data}
        return cls(**kwargs)


# --------------------------------------------------------------------------------------------
# Records and the problem
# --------------------------------------------------------------------------------------------


@attrs.frozen
class ExchangeRecord:
    """One faltante or excedente row as the matching needs it (the aggregate lives in the
    model; this is a read-only projection). ``monthly_patients`` is the need of a shortage
    or the capacity of a surplus."""

    record_id: str = attrs.field(converter=_to_text)
    unit: str = attrs.field(converter=_to_text)
    entity: str = attrs.field(converter=_to_text)
    institution: str = attrs.field(converter=_to_text)
    state: str = attrs.field(converter=canonical_state)
    product: str = attrs.field(converter=_to_text)
    modality: Modality = attrs.field(converter=_to_modality)
    monthly_patients: int = attrs.field(validator=_whole(1))
    monthly_events: int = attrs.field(default=0, validator=_whole(0))


def exchange_tier(shortage: ExchangeRecord, surplus: ExchangeRecord) -> Tier | None:
    """The tier of a pair by geography and organisation alone (criteria not applied)."""
    if shortage.unit == surplus.unit:
        return None  # a unit cannot exchange with itself
    if shortage.product != surplus.product or shortage.modality != surplus.modality:
        return None
    if shortage.institution == surplus.institution and shortage.entity == surplus.entity:
        return Tier.SAME_ENTITY
    if shortage.state == surplus.state:
        return Tier.SAME_STATE
    if surplus.state in ADJACENCY[shortage.state]:
        return Tier.NEIGHBOUR_STATE
    return None


@attrs.frozen
class Candidate:
    """An admissible (shortage, surplus) pair and its tier."""

    shortage_id: str
    surplus_id: str
    tier: Tier


@attrs.frozen
class ExchangeGroup:
    """A connected set of candidates of one product and modality: it shares no shortage
    and no surplus with any other group, so each is solved on its own.

    Kept compact (positions, not objects) because a popular product can have hundreds of
    thousands of pairs nationally; ``candidates`` materialises them on demand.
    """

    product: str
    modality: Modality
    shortage_ids: tuple[str, ...]  # natural id order
    surplus_ids: tuple[str, ...]  # natural id order
    needs: tuple[int, ...]  # monthly patients of each shortage, same order
    capacities: tuple[int, ...]  # monthly patients of each surplus, same order
    # (tier, shortage position, surplus position), sorted: exactly the greedy order, since
    # positions follow the natural order of ids.
    pairs: tuple[tuple[int, int, int], ...]

    @property
    def candidates(self) -> tuple[Candidate, ...]:
        f_ids, s_ids = self.shortage_ids, self.surplus_ids
        return tuple(Candidate(f_ids[f], s_ids[s], Tier(t)) for t, f, s in self.pairs)


def _unique(records: Iterable[ExchangeRecord], kind: str) -> dict[str, ExchangeRecord]:
    out: dict[str, ExchangeRecord] = {}
    for r in records:
        if not isinstance(r, ExchangeRecord):
            raise _invalid("Registro de intercambio inválido.",
                           f"{kind} must be ExchangeRecord, got {type(r).__name__}")
        if r.record_id in out:
            raise _invalid(f"Registro duplicado: {r.record_id}.",
                           f"duplicate {kind} id {r.record_id}", "duplicate_record")
        out[r.record_id] = r
    return out


def _record_key(r: ExchangeRecord) -> tuple[int, int, str]:
    return id_sort_key(r.record_id)


def _sorted_records(records: Iterable[ExchangeRecord]) -> tuple[ExchangeRecord, ...]:
    # Why sort on the way in: every later ordering (greedy, flow, output) follows these
    # positions, which makes results independent of the order records arrive in.
    return tuple(sorted(records, key=_record_key))


@attrs.frozen
class ExchangeProblem:
    """The shortages and surpluses of one analysis plus the criteria. Building it indexes
    the admissible candidates once, partitioned into ``groups``."""

    shortages: tuple[ExchangeRecord, ...] = attrs.field(converter=_sorted_records)
    surpluses: tuple[ExchangeRecord, ...] = attrs.field(converter=_sorted_records)
    criteria: ExchangeCriteria = attrs.field(factory=ExchangeCriteria)
    _index: "_Index" = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.criteria, ExchangeCriteria):
            raise _invalid("Criterios inválidos.", "criteria must be ExchangeCriteria")
        object.__setattr__(self, "_index", _Index.build(self))

    def shortage(self, record_id: str) -> ExchangeRecord:
        return self._index.shortages[record_id]

    def surplus(self, record_id: str) -> ExchangeRecord:
        return self._index.surpluses[record_id]

    @property
    def participating_shortages(self) -> tuple[ExchangeRecord, ...]:
        """Shortages of the institutions that take part: the denominators of potentials."""
        return self._index.participating

    @property
    def groups(self) -> tuple[ExchangeGroup, ...]:
        return self._index.groups

    @property
    def candidates(self) -> tuple[Candidate, ...]:
        """All candidates in greedy order (tier, shortage id, surplus id)."""
        out = [c for g in self.groups for c in g.candidates]
        out.sort(key=lambda c: (int(c.tier), id_sort_key(c.shortage_id),
                                id_sort_key(c.surplus_id)))
        return tuple(out)

    def candidate_tier(self, shortage_id: str, surplus_id: str) -> Tier | None:
        """The tier of a pair if criteria admit it as a candidate, else None."""
        f = self._index.shortages.get(shortage_id)
        s = self._index.surpluses.get(surplus_id)
        if f is None or s is None:
            return None
        crit = self.criteria
        if min(f.monthly_patients, s.monthly_patients) < crit.min_patients:
            return None
        tier = exchange_tier(f, s)
        return tier if tier is not None and crit.admits(f, s, tier) else None


class _Index:
    """Derived lookups of a problem (kept off the attrs fields so that equality and repr
    stay about the input)."""

    __slots__ = ("shortages", "surpluses", "participating", "groups", "shortage_rank",
                 "surplus_rank")

    @classmethod
    def build(cls, problem: ExchangeProblem) -> "_Index":
        self = cls()
        crit = problem.criteria
        self.shortages = _unique(problem.shortages, "shortage")
        self.surpluses = _unique(problem.surpluses, "surplus")
        # Position in natural id order: what orders shortages and surpluses everywhere.
        self.shortage_rank = {r.record_id: i for i, r in enumerate(problem.shortages)}
        self.surplus_rank = {r.record_id: i for i, r in enumerate(problem.surpluses)}
        takes_part = crit.takes_part
        self.participating = tuple(r for r in problem.shortages if takes_part(r.institution))

        # Partition by product+modality (records stay in natural id order inside). The
        # modality member is the key itself: a str enum, it sorts like its value.
        by_key: dict[tuple[str, Modality], tuple[list, list]] = {}
        for r in self.participating:
            key = (r.product, r.modality)
            entry = by_key.get(key)
            if entry is None:
                entry = by_key[key] = ([], [])
            entry[0].append(r)
        for r in problem.surpluses:
            if takes_part(r.institution):
                entry = by_key.get((r.product, r.modality))
                if entry is not None:  # a surplus nobody lacks is never a candidate
                    entry[1].append(r)
        allowed = crit.tiers
        rules = _PairRules(crit.min_patients, Tier.SAME_ENTITY in allowed,
                           Tier.SAME_STATE in allowed, Tier.NEIGHBOUR_STATE in allowed,
                           crit.cross_institution)
        groups: list[ExchangeGroup] = []
        for key in sorted(by_key):
            shorts, surps = by_key[key]
            if surps:
                pairs = _group_pairs(shorts, surps, rules)
                if pairs:
                    groups.extend(_components(shorts, surps, pairs))
        self.groups = tuple(groups)
        return self


class _PairRules(NamedTuple):
    """The criteria as ``_group_pairs`` reads them, worked out once per problem (it runs
    once per product+modality: ten thousand times nationally)."""

    minimum: int
    tier1: bool
    tier2: bool
    tier3: bool
    cross: bool


def _group_pairs(shorts: list[ExchangeRecord], surps: list[ExchangeRecord],
                 rules: _PairRules) -> list[tuple[int, int, int]]:
    """Admissible (tier, shortage position, surplus position) of one product+modality.

    Surpluses are indexed by entity and by state so that a shortage only looks at providers
    that can be in tiers 1-3 (a popular product has thousands of records nationally).
    """
    minimum, tier1, tier2, tier3, cross = rules
    by_state: dict[str, list[int]] = {}
    by_entity: dict[tuple[str, str], list[int]] = {}
    for si, s in enumerate(surps):
        if s.monthly_patients >= minimum:  # below the minimum it can never be proposed
            by_state.setdefault(s.state, []).append(si)
            by_entity.setdefault((s.institution, s.entity), []).append(si)
    if not by_state:
        return []
    out: list[tuple[int, int, int]] = []
    append = out.append
    for fi, f in enumerate(shorts):
        if f.monthly_patients < minimum:
            continue
        unit, inst, ent = f.unit, f.institution, f.entity
        if tier1:
            for si in by_entity.get((inst, ent), ()):
                if surps[si].unit != unit:
                    append((1, fi, si))
        if tier2:
            places: tuple[tuple[str, int], ...] = ((f.state, 2),)
        else:
            places = ()
        if tier3:
            places += tuple((st, 3) for st in ADJACENCY[f.state] if st in by_state)
        for state, tier in places:
            for si in by_state.get(state, ()):
                s = surps[si]
                if s.institution == inst:
                    if s.entity == ent:
                        continue  # tier 1, handled above
                elif not cross:
                    continue
                if s.unit != unit:
                    append((tier, fi, si))
    return out


def _components(shorts: list[ExchangeRecord], surps: list[ExchangeRecord],
                pairs: list[tuple[int, int, int]]) -> list[ExchangeGroup]:
    """Split one product+modality into connected components (union-find on positions:
    shortages ``0..F-1``, surpluses ``F..F+S-1``)."""
    pairs.sort()  # tier, then shortage position, then surplus position: the greedy order
    product, modality = shorts[0].product, shorts[0].modality
    if len(shorts) == 1 or len(surps) == 1:
        # Every pair shares the one shortage (or surplus): a single component. Most
        # product+modality keys of a national analysis are like this; no union-find needed.
        return [_group(product, modality, shorts, surps, pairs)]
    offset = len(shorts)
    parent = list(range(offset + len(surps)))

    def find(x: int) -> int:
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:  # path compression
            parent[x], x = root, parent[x]
        return root

    for _, fi, si in pairs:
        a, b = find(fi), find(offset + si)
        if a != b:
            parent[max(a, b)] = min(a, b)  # root = smallest position: a shortage
    members: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for pair in pairs:
        members[find(pair[1])].append(pair)
    # Ordered by the group's first shortage.
    return [_group(product, modality, shorts, surps, members[root]) for root in sorted(members)]


def _group(product: str, modality: Modality, shorts: list[ExchangeRecord],
           surps: list[ExchangeRecord], comp: list[tuple[int, int, int]]) -> ExchangeGroup:
    """One component as an ``ExchangeGroup``: positions renumbered inside it."""
    f_pos = sorted({fi for _, fi, _ in comp})
    s_pos = sorted({si for _, _, si in comp})
    f_map = {p: k for k, p in enumerate(f_pos)}
    s_map = {p: k for k, p in enumerate(s_pos)}
    return ExchangeGroup(
        product, modality,
        tuple(shorts[p].record_id for p in f_pos),
        tuple(surps[p].record_id for p in s_pos),
        tuple(shorts[p].monthly_patients for p in f_pos),
        tuple(surps[p].monthly_patients for p in s_pos),
        tuple((t, f_map[fi], s_map[si]) for t, fi, si in comp),
    )


# --------------------------------------------------------------------------------------------
# Allocations
# --------------------------------------------------------------------------------------------


class AllocationMethod(str, enum.Enum):
    GREEDY = "greedy"
    OPTIMAL = "optimal"


@attrs.frozen
class ProposedExchange:
    """One line of the result: the requesting unit receives ``patients`` monthly patients
    of ``product`` from the providing unit."""

    shortage_id: str
    surplus_id: str
    requesting_unit: str
    providing_unit: str
    requesting_institution: str
    requesting_entity: str
    providing_institution: str
    providing_entity: str
    product: str
    modality: Modality
    patients: int
    tier: Tier

    @classmethod
    def of(cls, problem: ExchangeProblem, shortage_id: str, surplus_id: str, tier: Tier,
           patients: int) -> "ProposedExchange":
        f = problem.shortage(shortage_id)
        s = problem.surplus(surplus_id)
        return cls(f.record_id, s.record_id, f.unit, s.unit, f.institution, f.entity,
                   s.institution, s.entity, f.product, f.modality, patients, Tier(tier))

    @property
    def sort_key(self) -> tuple:
        return (self.product, self.modality.value, id_sort_key(self.shortage_id),
                int(self.tier), id_sort_key(self.surplus_id))


@attrs.frozen
class Allocation:
    method: AllocationMethod
    exchanges: tuple[ProposedExchange, ...]
    exact: bool = True  # optimal only: False when the min-patients repair may have lost value

    @property
    def patients(self) -> int:
        return sum(e.patients for e in self.exchanges)

    @property
    def cost(self) -> int:
        """Sum of tier x patients: what the optimum minimises after covering the most."""
        return sum(int(e.tier) * e.patients for e in self.exchanges)

    def patients_by_tier(self) -> dict[Tier, int]:
        out = {t: 0 for t in Tier}
        for e in self.exchanges:
            out[e.tier] += e.patients
        return out

    def covered_by_shortage(self) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for e in self.exchanges:
            out[e.shortage_id] += e.patients
        return dict(out)


# A group's allocation: pair index (into ``group.pairs``) -> patients.
_Flows = dict[int, int]


def _greedy_group(group: ExchangeGroup, minimum: int) -> _Flows:
    need = list(group.needs)
    cap = list(group.capacities)
    out: _Flows = {}
    for k, (_, fi, si) in enumerate(group.pairs):  # already in greedy order
        amount = need[fi] if need[fi] < cap[si] else cap[si]
        if amount >= minimum:
            out[k] = amount
            need[fi] -= amount
            cap[si] -= amount
    return out


def _flow_group(group: ExchangeGroup, excluded: set[int], solve: SolveFlow) -> _Flows:
    """The min-cost max-flow of one group (formulation in the module docstring).

    Nodes: 0 = source, 1..S = surpluses, S+1..S+F = shortages, S+F+1 = sink. Arcs: the S
    source arcs, then the candidate pairs not ``excluded`` (in ``group.pairs`` order), then
    the F sink arcs.
    """
    n_s, n_f = len(group.capacities), len(group.needs)
    sink = n_s + n_f + 1
    keep = [k for k in range(len(group.pairs)) if k not in excluded]
    pairs, needs, caps = group.pairs, group.needs, group.capacities
    network = FlowNetwork(
        sink + 1, 0, sink,
        [0] * n_s + [1 + pairs[k][2] for k in keep] + list(range(n_s + 1, n_s + n_f + 1)),
        list(range(1, n_s + 1)) + [1 + n_s + pairs[k][1] for k in keep] + [sink] * n_f,
        list(caps) + [min(needs[pairs[k][1]], caps[pairs[k][2]]) for k in keep] + list(needs),
        [0] * n_s + [pairs[k][0] for k in keep] + [0] * n_f,
    )
    flows = solve(network)
    wrong = flow_violations(network, flows)
    if wrong:  # a solver adapter that breaks its port: never turn it into exchanges
        raise InvalidAllocation(
            "La asignación de intercambios no respeta capacidades, necesidades o criterios.",
            log_message="the flow solver broke its network: " + "; ".join(wrong[:20]),
            details=wrong)
    return {k: f for k, f in zip(keep, flows[n_s:n_s + len(keep)]) if f > 0}


def _value(group: ExchangeGroup, flows: _Flows) -> tuple[int, int]:
    """Lexicographic objective: more patients first, then lower tier cost."""
    pairs = group.pairs
    return (sum(flows.values()), -sum(pairs[k][0] * f for k, f in flows.items()))


def _single_sided(group: ExchangeGroup) -> bool:
    return len(group.needs) == 1 or len(group.capacities) == 1


def _optimal_group(group: ExchangeGroup, minimum: int, greedy: _Flows,
                   solve: SolveFlow) -> tuple[_Flows, bool]:
    """The optimum of one group and whether it is proven; ``greedy`` is the group's greedy
    allocation (computed once for both methods).

    A group with a single shortage (or a single surplus) needs no flow when every amount
    counts (``minimum == 1``): its candidate pairs all share that one record, so the most it
    can receive (or give) is ``min(need, sum of the other side)``, and greedy, which takes
    the pairs nearest tier first and each as far as both sides allow, reaches that amount
    with the cheapest tiers first: a maximum flow of minimum cost. About four groups in five
    of a national analysis are like this.
    """
    if minimum == 1 and _single_sided(group):
        return greedy, True
    flows = _flow_group(group, set(), solve)
    bound = _value(group, flows)  # the unconstrained optimum bounds anything feasible
    excluded: set[int] = set()
    while True:
        small = {k for k, f in flows.items() if f < minimum}
        if not small:
            break
        excluded |= small  # drop every too-small exchange and let the flow re-route
        flows = _flow_group(group, excluded, solve)
    if _value(group, flows) == bound:
        return flows, True
    if _value(group, greedy) > _value(group, flows):
        flows = greedy
    return flows, _value(group, flows) == bound


_TIERS = (None, Tier.SAME_ENTITY, Tier.SAME_STATE, Tier.NEIGHBOUR_STATE)  # by number


def _first(item: tuple) -> Any:
    return item[0]


def _allocation(problem: ExchangeProblem, method: AllocationMethod,
                parts: Iterable[tuple[ExchangeGroup, _Flows]], exact: bool = True) -> Allocation:
    idx = problem._index
    shortages, surpluses = idx.shortages, idx.surpluses
    f_rank, s_rank = idx.shortage_rank, idx.surplus_rank
    keyed = []
    for group, flows in parts:
        f_ids, s_ids, pairs = group.shortage_ids, group.surplus_ids, group.pairs
        for k, patients in flows.items():
            tier, fi, si = pairs[k]
            f, s = shortages[f_ids[fi]], surpluses[s_ids[si]]
            # ``ProposedExchange.sort_key``, with ranks for ids: the same order, cheaper.
            keyed.append(((f.product, f.modality, f_rank[f.record_id], tier,
                           s_rank[s.record_id]),
                          ProposedExchange(f.record_id, s.record_id, f.unit, s.unit,
                                           f.institution, f.entity, s.institution, s.entity,
                                           f.product, f.modality, patients, _TIERS[tier])))
    keyed.sort(key=_first)
    return Allocation(method, tuple(e for _, e in keyed), exact)


def _greedy_flows(problem: ExchangeProblem) -> list[_Flows]:
    minimum = problem.criteria.min_patients
    return [_greedy_group(g, minimum) for g in problem.groups]


def _greedy_from(problem: ExchangeProblem, flows: Sequence[_Flows]) -> Allocation:
    return _allocation(problem, AllocationMethod.GREEDY, zip(problem.groups, flows))


def _optimal_from(problem: ExchangeProblem, greedy: Sequence[_Flows],
                  solve: SolveFlow) -> Allocation:
    minimum = problem.criteria.min_patients
    parts = []
    exact = True
    for group, group_greedy in zip(problem.groups, greedy):
        flows, group_exact = _optimal_group(group, minimum, group_greedy, solve)
        parts.append((group, flows))
        exact = exact and group_exact
    return _allocation(problem, AllocationMethod.OPTIMAL, parts, exact)


def greedy_allocation(problem: ExchangeProblem) -> Allocation:
    """Nearest tier first, then stable ids; as much as possible per pair (see module doc)."""
    return _greedy_from(problem, _greedy_flows(problem))


def optimal_allocation(problem: ExchangeProblem, solve: SolveFlow) -> Allocation:
    """Most patients covered, then nearest tiers (min-cost max-flow per group, solved by
    ``solve``: the ``FlowSolver`` port)."""
    return _optimal_from(problem, _greedy_flows(problem), solve)


# --------------------------------------------------------------------------------------------
# Verification
# --------------------------------------------------------------------------------------------


class InvalidAllocation(DomainError):
    code = "invalid_allocation"
    status = 422


def allocation_violations(problem: ExchangeProblem, allocation: Allocation) -> tuple[str, ...]:
    """Every way ``allocation`` breaks capacity, need or the criteria (English, for logs and
    tests); empty when the allocation is valid."""
    problems: list[str] = []
    crit = problem.criteria
    minimum = crit.min_patients
    given: dict[str, int] = defaultdict(int)
    received: dict[str, int] = defaultdict(int)
    pairs: set[tuple[str, str]] = set()
    idx = problem._index
    shortages, surpluses = idx.shortages, idx.surpluses
    for e in allocation.exchanges:
        f = shortages.get(e.shortage_id)
        s = surpluses.get(e.surplus_id)
        # The message prefix is only built for a violation (this loop runs per exchange).
        if f is None or s is None:
            problems.append(f"{_where(e)}: unknown shortage or surplus")
            continue
        pair = (e.shortage_id, e.surplus_id)
        if pair in pairs:
            problems.append(f"{_where(e)}: pair appears more than once")
        pairs.add(pair)
        patients = e.patients
        if type(patients) is not int or patients < 1:
            problems.append(f"{_where(e)}: patients must be a positive int, got {patients!r}")
            continue
        if patients < minimum:
            problems.append(f"{_where(e)}: {patients} patients < minimum {minimum}")
        tier = exchange_tier(f, s)
        if tier is None:
            problems.append(f"{_where(e)}: not an admissible pair (unit, product, modality or "
                            "distance)")
        elif not crit.admits(f, s, tier):
            problems.append(f"{_where(e)}: tier {int(tier)} or institutions not allowed by "
                            "criteria")
        elif e.tier != tier:
            problems.append(f"{_where(e)}: recorded tier {e.tier!r} but the pair is tier "
                            f"{int(tier)}")
        if (f.unit, s.unit, f.institution, f.entity, s.institution, s.entity, f.product,
                f.modality) != (e.requesting_unit, e.providing_unit, e.requesting_institution,
                                e.requesting_entity, e.providing_institution,
                                e.providing_entity, e.product, e.modality):
            problems.append(f"{_where(e)}: descriptive fields do not match the records")
        given[s.record_id] += patients
        received[f.record_id] += patients
    over = sorted((sid for sid, total in given.items()
                   if total > surpluses[sid].monthly_patients), key=id_sort_key)
    problems += [f"surplus {sid}: allocates {given[sid]} > capacity "
                 f"{surpluses[sid].monthly_patients}" for sid in over]
    over = sorted((fid for fid, total in received.items()
                   if total > shortages[fid].monthly_patients), key=id_sort_key)
    problems += [f"shortage {fid}: receives {received[fid]} > need "
                 f"{shortages[fid].monthly_patients}" for fid in over]
    return tuple(problems)


def _where(e: ProposedExchange) -> str:
    return f"exchange {e.shortage_id}<-{e.surplus_id}"


def check_allocation(problem: ExchangeProblem, allocation: Allocation) -> None:
    """Raise ``InvalidAllocation`` (with the list in ``details``) unless the allocation
    respects every capacity, every need and the criteria."""
    found = allocation_violations(problem, allocation)
    if found:
        raise InvalidAllocation(
            "La asignación de intercambios no respeta capacidades, necesidades o criterios.",
            log_message="; ".join(found[:20]),
            details=list(found),
        )


# --------------------------------------------------------------------------------------------
# Results: exchange potential and the greedy-vs-optimum comparison
# --------------------------------------------------------------------------------------------


class PotentialScope(str, enum.Enum):
    NATIONAL = "national"
    INSTITUTION = "institution"
    ENTITY = "entity"
    STATE = "state"  # the faltantes of the units located in one state


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


@attrs.frozen
class ExchangePotential:
    """How much of the shortages of a scope the exchanges cover: by records (fully or
    partly covered) and by monthly patients."""

    scope: PotentialScope
    institution: str | None
    entity: str | None
    shortage_records: int
    records_fully_covered: int
    records_partly_covered: int
    patients_needed: int
    patients_covered: int

    @property
    def records_covered(self) -> int:
        return self.records_fully_covered + self.records_partly_covered

    @property
    def share_records_covered(self) -> float:
        """Share of faltante records covered at least in part (the 2021 "17 %" figure)."""
        return _share(self.records_covered, self.shortage_records)

    @property
    def share_records_fully_covered(self) -> float:
        return _share(self.records_fully_covered, self.shortage_records)

    @property
    def share_patients_covered(self) -> float:
        return _share(self.patients_covered, self.patients_needed)


@attrs.frozen
class PotentialReport:
    national: ExchangePotential
    by_institution: tuple[ExchangePotential, ...]
    by_entity: tuple[ExchangePotential, ...]


class _Tally:
    __slots__ = ("records", "full", "partial", "needed", "covered")

    def __init__(self) -> None:
        self.records = self.full = self.partial = self.needed = self.covered = 0

    def add(self, need: int, covered: int) -> None:
        self.records += 1
        self.needed += need
        self.covered += covered
        if covered >= need:
            self.full += 1
        elif covered > 0:
            self.partial += 1

    def merge(self, other: "_Tally") -> None:
        self.records += other.records
        self.full += other.full
        self.partial += other.partial
        self.needed += other.needed
        self.covered += other.covered

    def freeze(self, scope: PotentialScope, institution: str | None,
               entity: str | None) -> ExchangePotential:
        return ExchangePotential(scope, institution, entity, self.records, self.full,
                                 self.partial, self.needed, self.covered)


def exchange_potential(problem: ExchangeProblem, allocation: Allocation) -> PotentialReport:
    """Potentials over the shortages of the participating institutions (all shortages when
    the criteria name none), including entities with nothing covered."""
    covered = allocation.covered_by_shortage()
    # Tally each entity, then add entities up: entities nest in institutions.
    by_entity: dict[tuple[str, str], _Tally] = {}
    for f in problem.participating_shortages:
        key = (f.institution, f.entity)
        tally = by_entity.get(key)
        if tally is None:
            tally = by_entity[key] = _Tally()
        tally.add(f.monthly_patients, covered.get(f.record_id, 0))
    national = _Tally()
    by_inst: dict[str, _Tally] = defaultdict(_Tally)
    for (inst, _), tally in by_entity.items():
        by_inst[inst].merge(tally)
        national.merge(tally)
    return PotentialReport(
        national.freeze(PotentialScope.NATIONAL, None, None),
        tuple(by_inst[i].freeze(PotentialScope.INSTITUTION, i, None) for i in sorted(by_inst)),
        tuple(by_entity[k].freeze(PotentialScope.ENTITY, k[0], k[1])
              for k in sorted(by_entity, key=lambda k: (k[0], id_sort_key(k[1])))),
    )


@attrs.frozen
class AllocationTotals:
    patients: int
    exchanges: int
    records_covered: int
    records_fully_covered: int
    cost: int
    patients_same_entity: int
    patients_same_state: int
    patients_neighbour_state: int

    @classmethod
    def of(cls, allocation: Allocation, potential: PotentialReport) -> "AllocationTotals":
        tiers = allocation.patients_by_tier()
        return cls(allocation.patients, len(allocation.exchanges),
                   potential.national.records_covered, potential.national.records_fully_covered,
                   allocation.cost, tiers[Tier.SAME_ENTITY], tiers[Tier.SAME_STATE],
                   tiers[Tier.NEIGHBOUR_STATE])


@attrs.frozen
class ExchangeAnalysis:
    """Everything E15 shows: the proposed exchanges (the optimum), potentials per entity,
    institution and country for both methods, and how much the optimum adds to greedy."""

    criteria: ExchangeCriteria
    greedy: Allocation
    optimal: Allocation
    greedy_potential: PotentialReport
    optimal_potential: PotentialReport
    greedy_totals: AllocationTotals
    optimal_totals: AllocationTotals

    @property
    def exchanges(self) -> tuple[ProposedExchange, ...]:
        return self.optimal.exchanges

    @property
    def added_patients(self) -> int:
        return self.optimal_totals.patients - self.greedy_totals.patients

    @property
    def added_records_covered(self) -> int:
        return self.optimal_totals.records_covered - self.greedy_totals.records_covered


def analyze_exchanges(problem: ExchangeProblem, solve: SolveFlow) -> ExchangeAnalysis:
    greedy_flows = _greedy_flows(problem)  # once: the optimum starts from it
    greedy = _greedy_from(problem, greedy_flows)
    optimal = _optimal_from(problem, greedy_flows, solve)
    greedy_potential = exchange_potential(problem, greedy)
    optimal_potential = exchange_potential(problem, optimal)
    return ExchangeAnalysis(
        problem.criteria, greedy, optimal, greedy_potential, optimal_potential,
        AllocationTotals.of(greedy, greedy_potential),
        AllocationTotals.of(optimal, optimal_potential),
    )
