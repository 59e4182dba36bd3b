"""Data quality at capture, read side: the notes beside a Paso 6 grid, the previous period's
values to copy, an entity's list of outliers and the history of one value.

Every method checks the caller's scope through ``ExcedentesQueries`` first (a unit or an
entity outside it answers ``NotFound`` exactly like a missing one); the grid's methods take the
``GridView`` that query already scoped.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Mapping, Sequence

import attrs

from excedentes.application.access import EntityRef
from excedentes.application.ports import OutlierItem, QualityReadModel
from excedentes.application.queries import ExcedentesQueries
from excedentes.application.results import EntityOverview, GridView, UnitItem
from excedentes.application.use_cases._common import REPORT_TARGET, report_target_id
from excedentes.domain.bounds import known_id
from excedentes.domain.grid import GridRow
from excedentes.domain.quality import ValueNote
from excedentes.domain.records import Modality, RecordKind
from shared.audit.domain import AuditFilter, AuditQuery
from shared.kernel.errors import NotFound
from shared.kernel.scope import Scope

PRODUCT_NOT_FOUND = "Producto no encontrado."

# what ``record_text`` wrote into the audit trail for each record of a grid save
_RECORD_RE = re.compile(r"^(?P<clues>\S+) producto (?P<pid>\d+) (?P<kind>\S+) (?P<modality>\S+) "
                        r"eventos=(?P<events>\d+) pacientes=(?P<patients>\d+) ?(?P<cause>.*)$")
HISTORY_LIMIT = 2000  # grid saves of one entity's report read for one value's history


@attrs.frozen
class OutlierList:
    overview: EntityOverview
    items: tuple[OutlierItem, ...]

    @property
    def without_comment(self) -> int:
        return sum(1 for i in self.items if not i.comment)


@attrs.frozen
class HistoryEntry:
    at: datetime
    actor: str
    before: str  # "Faltante Ambulatoria: 3 eventos, 4 pacientes (Falta de Equipo)" or "vacío"
    after: str
    comment_before: str | None  # None: the comment did not change in this save
    comment_after: str | None


@attrs.frozen
class ValueHistory:
    overview: EntityOverview
    unit: UnitItem
    product_id: int
    product: str
    entries: tuple[HistoryEntry, ...]  # newest first


def _describe(lines: Sequence[str]) -> str:
    parts = []
    for line in lines:
        m = _RECORD_RE.match(line)
        if m is None:
            parts.append(line)
            continue
        kind = RecordKind(m["kind"]).label
        modality = Modality(m["modality"]).grid_label
        cause = f" ({m['cause']})" if m["cause"] else ""
        parts.append(f"{kind} {modality}: {int(m['events']):,} eventos, "
                     f"{int(m['patients']):,} pacientes{cause}")
    return "; ".join(parts) if parts else "vacío"


@attrs.define
class QualityQueries:
    queries: ExcedentesQueries
    read_model: QualityReadModel
    audit: AuditQuery

    # ----------------------------------------------------------------- the grid

    def grid_notes(self, view: GridView) -> Mapping[int, ValueNote]:
        ov = view.overview
        # a tuple: the read model may serve it again while nothing is written (hashable key)
        return self.read_model.grid_notes(ov.institution.code, ov.entity.code, ov.period.year,
                                          view.unit.clues, tuple(ln.product_id
                                                                 for ln in view.lines))

    def previous_values(self, view: GridView) -> Mapping[int, GridRow]:
        """"Copiar los valores del periodo anterior": the unit's rows of the previous period
        for the products shown (the page types them in; nothing is saved)."""
        ov = view.overview
        return self.read_model.previous_rows(ov.institution.code, ov.entity.code,
                                             ov.period.year, view.unit.clues,
                                             [ln.product_id for ln in view.lines])

    # ----------------------------------------------------------------- the coordinador

    def outliers(self, scope: Scope, ref: EntityRef, year: int) -> OutlierList:
        ov = self.queries.overview(scope, ref, year)
        items = self.read_model.entity_outliers(ov.institution.code, ov.entity.code, year)
        return OutlierList(ov, tuple(items))

    # ----------------------------------------------------------------- one value

    def history(self, scope: Scope, ref: EntityRef, year: int, clues: str,
                product_id: int) -> ValueHistory:
        """Who changed the unit's values of a product, when, before -> after (and its
        comment), from the audit trail's grid saves, newest first."""
        ov, unit = self.queries.unit(scope, ref, year, clues)
        label = self.read_model.product_name(ov.institution.code, product_id) \
            if known_id(product_id) else None
        if label is None:  # another institution's product answers like a missing one
            raise NotFound(PRODUCT_NOT_FOUND)
        target = report_target_id(ov.institution.code, ov.entity.code, year)
        prefix = f"{unit.clues} producto {product_id} "
        entries = []
        for rec in self.audit.list(AuditFilter(action="excedentes.grid_saved",
                                               target_type=REPORT_TARGET, target_id=target,
                                               limit=HISTORY_LIMIT)):
            e = rec.entry
            before, after = dict(e.before or {}), dict(e.after or {})
            if before.get("unit") != unit.clues:
                continue
            old = [r for r in before.get("records") or () if r.startswith(prefix)]
            new = [r for r in after.get("records") or () if r.startswith(prefix)]
            key = str(product_id)
            c_old = (before.get("comments") or {}).get(key)
            c_new = (after.get("comments") or {}).get(key)
            if not old and not new and c_old is None and c_new is None:
                continue
            changed_values = sorted(old) != sorted(new)
            entries.append(HistoryEntry(
                e.at, e.actor, _describe(old) if changed_values else "sin cambio",
                _describe(new) if changed_values else "sin cambio", c_old, c_new))
        entries.sort(key=lambda h: h.at, reverse=True)
        return ValueHistory(ov, unit, product_id, label, tuple(entries))
