"""What every use case shares: the base class, loading an entity's report inside a unit of
work with the scope rules, and writing the audit entry in the same transaction."""

from __future__ import annotations

from typing import Any, Iterable, Mapping

import attrs

from excedentes.application.access import (
    INSTITUTION_NOT_FOUND,
    PERIOD_NOT_FOUND,
    Actor,
    EntityRef,
    may_manage,
    require_entity,
)
from excedentes.application.ports import ExcedentesUnitOfWork, UnitOfWorkFactory
from excedentes.domain.bounds import known_year
from excedentes.domain.catalog import Entity, Period
from excedentes.domain.institution import Institution
from excedentes.domain.model import EntityReport
from excedentes.domain.records import Cause, Modality, Record, RecordKind
from excedentes.domain.versions import NEVER_SAVED, VERSION_MISSING, stale, version_required
from shared.audit.domain import record_action
from shared.kernel.clock import Clock
from shared.kernel.errors import NotFound
from shared.kernel.scope import ensure_visible

REPORT_TARGET = "entity_report"


@attrs.define
class UseCase:
    """A use case: one transaction of ``uow_factory()``; time from ``clock``."""

    uow_factory: UnitOfWorkFactory
    clock: Clock


@attrs.frozen
class Loaded:
    institution: Institution
    entity: Entity
    period: Period
    report: EntityReport
    is_new: bool  # no row yet: ``report`` is ``EntityReport.start(...)``

    @property
    def ref(self) -> EntityRef:
        return EntityRef(self.institution.code, self.entity.code)

    @property
    def target_id(self) -> str:
        return report_target_id(self.institution.code, self.entity.code, self.period.year)


def report_target_id(institution_code: str, entity_code: str, year: int) -> str:
    """The audit target of an entity's report: ``"SS:BC:2026"``."""
    return f"{institution_code}:{entity_code}:{year}"


def load_entity(uow: ExcedentesUnitOfWork, actor: Actor,
                ref: EntityRef) -> tuple[Institution, Entity]:
    """The institution and entity, or the same NotFound for missing and out-of-scope."""
    institution = uow.institutions.get(ref.institution_code)
    entity = uow.entities.get(ref.institution_code, ref.entity_code) if institution else None
    require_entity(actor.scope, ref.institution_code, ref.entity_code, entity)
    assert institution is not None and entity is not None
    return institution, entity


def load_report(uow: ExcedentesUnitOfWork, actor: Actor, ref: EntityRef, year: int, *,
                for_update: bool = False, unit: str | None = None) -> Loaded:
    """Scope first (NotFound), then the period (NotFound), then the aggregate (or a new one).
    ``unit``: a command on that unit's records alone (``ReportRepository.get``)."""
    institution, entity = load_entity(uow, actor, ref)
    # a year no period can have is answered like a missing period (no out-of-range SQL)
    period = uow.periods.get(institution.code, year) if known_year(year) else None
    ensure_visible(period, True, PERIOD_NOT_FOUND)
    assert period is not None
    report = uow.reports.get(institution.code, entity.code, year, for_update=for_update,
                             unit=unit)
    if report is None:
        return Loaded(institution, entity, period, EntityReport.start(entity.code, period), True)
    return Loaded(institution, entity, period, report, False)


def ensure_editable(loaded: Loaded, actor: Actor, clock: Clock) -> None:
    """The entity may change now, or ``EntityLocked`` / ``CaptureClosed`` worded for the
    caller: an admin is told they can reopen or open the period, not to ask a coordinator."""
    loaded.report.ensure_editable(
        clock, for_manager=may_manage(actor.scope, loaded.institution.code))


REPORT_WHAT = "la información de esta entidad"


def claim_report_version(uow: ExcedentesUnitOfWork, loaded: Loaded, expected: int | None,
                         actor: Actor, clock: Clock) -> None:
    """Move the entity's report from version ``expected`` to the next one in one statement,
    before the domain command (whose refusal rolls it back): of two saves from the same page
    exactly one wins, the other gets ``StaleVersion`` saying who saved and when. A report not
    created yet is created here (version 0; a concurrent creation makes this one stale).
    ``expected`` None: a trusted in-process caller; ``VERSION_MISSING``: ``VersionRequired``.
    After this the report exists: callers ``update`` it."""
    if expected == VERSION_MISSING:
        raise version_required(REPORT_WHAT)
    report = loaded.report
    if loaded.is_new:
        if expected:
            raise stale(NEVER_SAVED, REPORT_WHAT)
        if not uow.reports.try_add(report):
            raise stale(uow.reports.report_version(report), REPORT_WHAT)
        expected = 0
    if not uow.reports.bump_report_version(report, expected, actor.username, clock.now()):
        raise stale(uow.reports.report_version(report), REPORT_WHAT)


def load_institution(uow: ExcedentesUnitOfWork, code: str) -> Institution:
    institution = uow.institutions.get(code)
    if institution is None:
        raise NotFound(INSTITUTION_NOT_FOUND)
    return institution


def unit_names(uow: ExcedentesUnitOfWork, clues: Iterable[str]) -> Mapping[str, str]:
    """CLUES -> "NAME, LEVEL", to name units in refusals."""
    return {c: u.label for c, u in uow.units.get_many(clues).items()}


def record_text(r: Record) -> str:
    """A compact, stable line for the audit trail."""
    cause = _VALUES[r.cause] if r.cause else ""
    return (f"{r.clues} producto {r.product_id} {_VALUES[r.kind]} {_VALUES[r.modality]} "
            f"eventos={r.monthly_events} pacientes={r.monthly_patients} {cause}").rstrip()


# each member's value by a dict look-up (``.value`` is a descriptor call; a grid save writes
# two lines for each of thousands of records)
_VALUES: dict[Any, str] = {m: m.value for e in (Cause, RecordKind, Modality) for m in e}


def audit(uow: ExcedentesUnitOfWork, clock: Clock, actor: Actor, action: str, target_type: str,
          target_id: str, **changes: Any) -> None:
    """Record the audit entry inside the caller's transaction (``excedentes.<action>``;
    ``before``, ``after``, ``reason`` as in ``shared.audit.domain.record_action``)."""
    record_action(uow.audit, clock, actor, f"excedentes.{action}", target_type, target_id,
                  **changes)
