"""The coordinator's actions: apertura (reopen) of an entity, and the capture periods (E2, E9).

Callers: the institution's coordinador or an admin. Outside the caller's institution the
answer is ``NotFound``; a capturista of the institution gets ``PermissionDenied``.
"""

from __future__ import annotations

from datetime import date

import attrs

from excedentes.application.access import (
    PERIOD_NOT_FOUND,
    Actor,
    EntityRef,
    require_manage,
)
from excedentes.application.ports import ExcedentesUnitOfWork
from excedentes.application.use_cases._common import (
    REPORT_TARGET,
    UseCase,
    audit,
    claim_report_version,
    load_institution,
    load_report,
)
from excedentes.application.results import PeriodView, ReopenResult, period_view
from excedentes.domain.bounds import check_year, known_year
from excedentes.domain.catalog import Period
from excedentes.domain.versions import VERSION_MISSING, stale, version_required
from shared.kernel.errors import Conflict
from shared.kernel.scope import ensure_visible

PERIOD_TARGET = "period"


@attrs.frozen
class ReopenCommand:
    entity: EntityRef
    year: int
    reason: str
    expected_version: int | None = None  # the report version of the apertura page


@attrs.define
class ReopenEntity(UseCase):
    """Apertura: a finalized entity becomes editable again ("not finalized").

    Needs a reason (``ValidationError`` without one) and a finalized entity (``Conflict``
    otherwise). A current signed report is marked superseded (kept, never deleted). Not
    subject to the capture window. Audited as ``excedentes.reopen`` with the reason.
    """

    def __call__(self, actor: Actor, cmd: ReopenCommand) -> ReopenResult:
        with self.uow_factory() as uow:
            loaded = load_report(uow, actor, cmd.entity, cmd.year, for_update=True)
            require_manage(actor.scope, loaded.institution.code)
            claim_report_version(uow, loaded, cmd.expected_version, actor, self.clock)
            report = loaded.report
            before = {"finalized_at": report.finalized_at, "finalized_by": report.finalized_by,
                      "folio": report.folio, "fingerprint": report.final_fingerprint}
            event = report.reopen(cmd.reason, self.clock, actor.username)
            uow.reports.update(report)
            uow.reports.save_signed_reports(report)
            audit(uow, self.clock, actor, "reopen", REPORT_TARGET, loaded.target_id,
                  before=before,
                  after={"finalized_at": None,
                         "superseded_signed_versions": list(event.superseded_versions)},
                  reason=event.reason)
            uow.commit()
            return ReopenResult(event.at, event.superseded_versions,
                                loaded.institution.entity_title(loaded.entity.name))


def _period_snapshot(p: Period) -> dict[str, object]:
    return {"is_open": p.is_open, "window_start": p.window_start, "window_end": p.window_end,
            "closed_at": p.closed_at}


@attrs.frozen
class PeriodChange:
    period: PeriodView
    changed: bool  # False: it already was in that state (nothing recorded)


@attrs.frozen
class CreatePeriodCommand:
    institution_code: str
    year: int
    is_open: bool = True
    window_start: date | None = None
    window_end: date | None = None


@attrs.define
class CreatePeriod(UseCase):
    """Create "Captura del periodo YYYY" for an institution (``Conflict`` if it exists).

    Audited as ``excedentes.period_created``.
    """

    def __call__(self, actor: Actor, cmd: CreatePeriodCommand) -> PeriodView:
        with self.uow_factory() as uow:
            inst = load_institution(uow, cmd.institution_code.upper())
            require_manage(actor.scope, inst.code)
            check_year(cmd.year)  # before any SQL: an out-of-range year is a Spanish 422
            if uow.periods.get(inst.code, cmd.year) is not None:
                raise Conflict(f"El periodo {cmd.year} ya existe para {inst.code}.")
            period = Period(inst.code, cmd.year, cmd.is_open, cmd.window_start, cmd.window_end,
                            None if cmd.is_open else self.clock.now())
            uow.periods.add(period)
            audit(uow, self.clock, actor, "period_created", PERIOD_TARGET,
                  f"{inst.code}:{cmd.year}", after=_period_snapshot(period))
            uow.commit()
            return period_view(period, self.clock)


@attrs.frozen
class PeriodCommand:
    institution_code: str
    year: int
    # the period version the page / API client started from (``PeriodView.version``);
    # None only for trusted in-process callers (CLI, tests)
    expected_version: int | None = None


@attrs.frozen
class CaptureWindowCommand:
    institution_code: str
    year: int
    window_start: date | None
    window_end: date | None
    expected_version: int | None = None  # as ``PeriodCommand``


PERIOD_WHAT = "este periodo"


@attrs.define
class _PeriodAction(UseCase):
    def _load(self, uow: ExcedentesUnitOfWork, actor: Actor, institution_code: str,
              year: int, expected: int | None) -> Period:
        """The period, locked, after moving its version from ``expected`` to the next in one
        statement (a change that turns out to be none is not committed, so the version
        stays): a stale page changes nothing and is told who changed the period and when."""
        inst = load_institution(uow, institution_code.upper())
        require_manage(actor.scope, inst.code)
        period = uow.periods.get(inst.code, year, for_update=True) if known_year(year) \
            else None
        ensure_visible(period, True, PERIOD_NOT_FOUND)
        if expected == VERSION_MISSING:
            raise version_required(PERIOD_WHAT)
        if not uow.periods.bump_version(inst.code, year, expected, actor.username,
                                        self.clock.now()):
            raise stale(uow.periods.version(inst.code, year), PERIOD_WHAT)
        return period

    def _save(self, uow, actor: Actor, before: Period, after: Period, action: str,  # type: ignore[no-untyped-def]
              reason: str | None = None) -> PeriodChange:
        changed = before != after
        version = uow.periods.version(after.institution_code, after.year)
        if changed:
            uow.periods.update(after)
            audit(uow, self.clock, actor, action, PERIOD_TARGET,
                  f"{after.institution_code}:{after.year}", before=_period_snapshot(before),
                  after=_period_snapshot(after), reason=reason)
            uow.commit()
        else:  # nothing is committed: the version claimed in ``_load`` is rolled back
            version = attrs.evolve(version, version=version.version - 1)
        return PeriodChange(period_view(after, self.clock, version=version), changed)


@attrs.define
class OpenPeriod(_PeriodAction):
    """Open the period's capture (the flag; the dates, if any, still apply).

    Audited as ``excedentes.period_opened``; opening an open period changes nothing.
    """

    def __call__(self, actor: Actor, cmd: PeriodCommand) -> PeriodChange:
        with self.uow_factory() as uow:
            period = self._load(uow, actor, cmd.institution_code, cmd.year,
                                cmd.expected_version)
            return self._save(uow, actor, period, period.opened(), "period_opened")


@attrs.define
class ClosePeriod(_PeriodAction):
    """Close the period: the tool becomes read-only for the institution (reports can still
    be consulted); refusals say since when. Audited as ``excedentes.period_closed``."""

    def __call__(self, actor: Actor, cmd: PeriodCommand) -> PeriodChange:
        with self.uow_factory() as uow:
            period = self._load(uow, actor, cmd.institution_code, cmd.year,
                                cmd.expected_version)
            if not period.is_open:
                return self._save(uow, actor, period, period, "period_closed")
            return self._save(uow, actor, period, period.closed(self.clock), "period_closed")


@attrs.define
class SetCaptureWindow(_PeriodAction):
    """Set (or clear, with None) the capture window dates; end >= start (``ValidationError``).
    Audited as ``excedentes.period_window``."""

    def __call__(self, actor: Actor, cmd: CaptureWindowCommand) -> PeriodChange:
        with self.uow_factory() as uow:
            period = self._load(uow, actor, cmd.institution_code, cmd.year,
                                cmd.expected_version)
            after = period.with_window(cmd.window_start, cmd.window_end)
            return self._save(uow, actor, period, after, "period_window")

