"""Rows -> domain objects, explicitly, so that loading re-runs the domain's validation, and a
few SQL expressions shared by the repositories and the read model (the generic helpers are
``shared.adapters.sql.queries``)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from excedentes.adapters.sql.tables import entities, units
from excedentes.domain.catalog import Entity, MedicalUnit, Period, UnitLevel
from excedentes.domain.institution import Institution
from excedentes.domain.records import Cause, Modality, Record, RecordKind
from excedentes.domain.review import Returned
from excedentes.domain.signed import SignedReport

def level_order() -> sa.ColumnElement[int]:
    """PRIMER, SEGUNDO, TERCER NIVEL, then any other level (Paso 3's headings order)."""
    return sa.case(*((units.c.level == name, i) for i, name in enumerate(UnitLevel.ORDER)),
                   else_=len(UnitLevel.ORDER))


def entity_code_matches(code: str) -> sa.ColumnElement[bool]:
    """Entity codes are matched ignoring case (URLs and files vary)."""
    return sa.func.upper(entities.c.code) == code.strip().upper()


def institution_from(r: Any) -> Institution:
    return Institution(
        code=r.code, name=r.name, entity_word=r.entity_word,
        signature_labels=(r.signature_label_1, r.signature_label_2),
        header_lines=tuple(r.header_lines or ()), signature_name_line=bool(r.signature_name_line),
        signed_pdf_max_bytes=int(r.signed_pdf_max_bytes),
        has_specialty_level=bool(r.has_specialty_level), storage_backend=r.storage_backend)


def institution_values(inst: Institution, position: int | None = None) -> dict[str, Any]:
    """The settings' columns (and ``position`` when given)."""
    values: dict[str, Any] = {"code": inst.code, "name": inst.name, "entity_word": inst.entity_word,
            "signature_label_1": inst.signature_labels[0],
            "signature_label_2": inst.signature_labels[1],
            "header_lines": list(inst.header_lines),
            "signature_name_line": inst.signature_name_line,
            "signed_pdf_max_bytes": inst.signed_pdf_max_bytes,
            "has_specialty_level": inst.has_specialty_level,
            "storage_backend": inst.storage_backend}
    if position is not None:
        values["position"] = position
    return values


def entity_from(r: Any) -> Entity:
    return Entity(r.institution_code, r.code, r.name)


def unit_from(r: Any) -> MedicalUnit:
    """``r`` has clues, name, level, entity_code, institution_code."""
    return MedicalUnit(r.clues, r.name, r.level, r.entity_code, r.institution_code)


def period_from(r: Any) -> Period:
    return Period(r.institution_code, int(r.year), bool(r.is_open), r.window_start, r.window_end,
                  r.closed_at)


def period_values(p: Period) -> dict[str, Any]:
    return {"institution_code": p.institution_code, "year": p.year, "is_open": p.is_open,
            "window_start": p.window_start, "window_end": p.window_end,
            "closed_at": p.closed_at}


def record_values(report_id: int, r: Record) -> dict[str, Any]:
    return {"report_id": report_id, "clues": r.clues, "product_id": r.product_id,
            "kind": _VALUES[r.kind], "modality": _VALUES[r.modality],
            "monthly_events": r.monthly_events, "monthly_patients": r.monthly_patients,
            "cause": _VALUES[r.cause] if r.cause else None}


RECORD_COLUMNS = ("report_id", "clues", "product_id", "kind", "modality", "monthly_events",
                  "monthly_patients", "cause")


def record_row(report_id: int, r: Record) -> tuple[Any, ...]:
    """``record_values`` as a tuple in ``RECORD_COLUMNS`` order (``insert_tuples``)."""
    return (report_id, r.clues, r.product_id, _VALUES[r.kind], _VALUES[r.modality],
            r.monthly_events, r.monthly_patients, _VALUES[r.cause] if r.cause else None)


# a record's row by the table's unique key (with the report), and what a save may change in it
SLOT_COLUMNS = ("report_id", "clues", "product_id", "modality")
CHANGED_COLUMNS = ("kind", "monthly_events", "monthly_patients", "cause")


def slot_values(report_id: int, r: Record) -> tuple[Any, ...]:
    """``SLOT_COLUMNS``' values of ``r``'s row."""
    return (report_id, r.clues, r.product_id, _VALUES[r.modality])


def changed_values(report_id: int, r: Record) -> tuple[Any, ...]:
    """``CHANGED_COLUMNS``' values of ``r``, then its row's ``SLOT_COLUMNS`` (``update_tuples``)."""
    return (_VALUES[r.kind], r.monthly_events, r.monthly_patients,
            _VALUES[r.cause] if r.cause else None, report_id, r.clues, r.product_id,
            _VALUES[r.modality])


# each member's value by a dict look-up (``.value`` is a descriptor call, thousands per save)
_VALUES: dict[Any, str] = {m: m.value for e in (Cause, RecordKind, Modality) for m in e}


def signed_from(r: Any) -> SignedReport:
    return SignedReport(
        version=int(r.version), storage_key=r.storage_key, original_name=r.original_name,
        size=int(r.size), sha256=r.sha256, uploaded_at=r.uploaded_at, uploaded_by=r.uploaded_by,
        final_version=int(r.final_version), superseded_at=r.superseded_at,
        superseded_reason=r.superseded_reason, storage_backend=r.storage_backend)


def signed_values(report_id: int, s: SignedReport) -> dict[str, Any]:
    return {"report_id": report_id, "version": s.version, "storage_key": s.storage_key,
            "original_name": s.original_name, "size": s.size, "sha256": s.sha256,
            "uploaded_at": s.uploaded_at, "uploaded_by": s.uploaded_by,
            "final_version": s.final_version, "superseded_at": s.superseded_at,
            "superseded_reason": s.superseded_reason.value if s.superseded_reason else None,
            "storage_backend": s.storage_backend}


def unit_select() -> sa.Select:
    """Units with their entity and institution codes."""
    return (sa.select(units.c.clues, units.c.name, units.c.level,
                      entities.c.code.label("entity_code"), entities.c.institution_code)
            .select_from(units.join(entities, entities.c.id == units.c.entity_id)))


def returned_from(r: Any) -> Returned | None:
    """The last return of a report row (None when it is not being corrected)."""
    if r.returned_at is None:
        return None
    return Returned(r.returned_at, r.returned_by or "", r.return_reason_code or "",
                    r.return_reason_text or "", r.return_note or "")


def returned_values(returned: Returned | None) -> dict[str, Any]:
    if returned is None:
        return {"returned_at": None, "returned_by": None, "return_reason_code": None,
                "return_reason_text": None, "return_note": None}
    return {"returned_at": returned.at, "returned_by": returned.by,
            "return_reason_code": returned.reason_code,
            "return_reason_text": returned.reason_text, "return_note": returned.note or None}
