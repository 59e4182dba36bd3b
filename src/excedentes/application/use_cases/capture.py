"""The capturista's steps: Paso 2 answer, Paso 6 grid, Paso 7 finalize.

Each call is one transaction that loads the entity's ``EntityReport`` (locked for update),
calls one domain command and records the audit entry. Only the entity's capturista (or an
admin) may call them; an entity outside the caller's scope is ``NotFound``; a coordinador who
can see the entity gets ``PermissionDenied``.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import attrs

from excedentes.application.access import (
    GROUP_NOT_FOUND,
    SPECIALTY_NOT_FOUND,
    UNIT_NOT_FOUND,
    Actor,
    EntityRef,
    require_capture,
)
from excedentes.application.use_cases._common import (
    REPORT_TARGET,
    UseCase,
    audit,
    claim_report_version,
    ensure_editable,
    load_report,
    record_text,
    unit_names,
)
from excedentes.application.results import (
    UNITS_WITHOUT_RECORDS_NOTE,
    AnswerResult,
    FinalizeResult,
    SaveGridResult,
)
from excedentes.domain.catalog import normalize_clues
from excedentes.domain.bounds import known_id
from excedentes.domain.errors import GridInvalid
from excedentes.application.ports import OutlierThresholdsSource
from excedentes.domain.grid import GridRow, grid_summary
from excedentes.domain.quality import OutlierThresholds, ValueNote, judge_rows
from excedentes.domain.model import Answer
from excedentes.domain.rules import GridRequiresSpecialty
from excedentes.domain.versions import NEVER_SAVED, VERSION_MISSING, stale, version_required
from shared.kernel.errors import NotFound, ValidationError
from shared.kernel.rules import check_rule
from shared.kernel.text import count_text

NO_NOTE = ValueNote()  # what a row without a stored note compares with (one, not 2,857)
PASSWORD_NOT_CONFIRMED = ("La contraseña no es correcta; el registro no se finalizó. Escriba su "
                          "contraseña para confirmar.")


# --------------------------------------------------------------------------- Paso 2


@attrs.frozen
class AnswerStep2Command:
    entity: EntityRef
    year: int
    answer: Any  # Answer, "SI"/"NO" (any case, accents), or a bool
    # the report version the page / API client started from (``EntityOverview.version``);
    # None only for trusted in-process callers
    expected_version: int | None = None


@attrs.define
class AnswerStep2(UseCase):
    """Paso 2: "¿Alguna de las Unidades Médicas de la {entidad} tiene Excedentes/Faltantes …?".

    Saves SI or NO. NO is refused (``Conflict``) while units have records, naming them
    ("BCSSA001152 3 DE OCTUBRE, PRIMER NIVEL; …"). Refused when the entity is finalized
    (``EntityLocked``) or the period's window is closed (``CaptureClosed``). Audited as
    ``excedentes.answer`` with before -> after.
    """

    def __call__(self, actor: Actor, cmd: AnswerStep2Command) -> AnswerResult:
        answer = Answer.parse(cmd.answer)
        with self.uow_factory() as uow:
            loaded = load_report(uow, actor, cmd.entity, cmd.year, for_update=True)
            require_capture(actor.scope, loaded.institution.code, loaded.entity.code)
            ensure_editable(loaded, actor, self.clock)
            claim_report_version(uow, loaded, cmd.expected_version, actor, self.clock)
            report = loaded.report
            names = (unit_names(uow, report.units_with_records)
                     if answer is Answer.NO and report.units_with_records else None)
            event = report.set_answer(answer, self.clock, unit_names=names)
            uow.reports.update(report)
            if event.before is not event.after:
                audit(uow, self.clock, actor, "answer", REPORT_TARGET, loaded.target_id,
                      before={"answer": event.before.value if event.before else None},
                      after={"answer": event.after.value})
            uow.commit()
            return AnswerResult(event.before, event.after)


# --------------------------------------------------------------------------- Paso 6


@attrs.frozen
class SaveGridCommand:
    entity: EntityRef
    year: int
    clues: str
    group_id: int
    # the grid's especialidad troncal: required where the institution has Paso 5
    # (``SpecialtyRequired``), None elsewhere (the grid is the whole group, as in IMSS)
    specialty_id: int | None
    rows: Sequence[GridRow]  # the rows changed (the pages send only those); raw strings
    # the grid version the page / API client started from (``GridView.version``): a save
    # from an older one changes nothing (``StaleVersion``). None only for trusted in-process
    # callers (imports, tests, benchmarks); every HTTP entry point passes one.
    expected_version: int | None = None
    # the comment of each row sent, as typed ({product: text}); a product missing here keeps
    # its stored comment (API clients that do not send comments)
    comments: Mapping[int, str] | None = None


@attrs.define
class SaveGrid(UseCase):
    """Paso 6 "Guardar": validate every row, then replace the unit's records of the products
    shown, all or nothing.

    Returns ``SaveGridResult``: ``saved=False`` with every row's ``FieldError`` (and the rows
    as submitted, to show back) when any row is wrong, in which case nothing is stored;
    ``saved=True`` otherwise. A blank row deletes what the unit had for that product.
    ``NotFound`` for a unit of another entity, a group of another institution or a specialty
    of another group; ``SpecialtyRequired`` (422) without a specialty where the institution
    has the especialidad troncal level (Paso 5); ``EntityLocked`` / ``CaptureClosed`` when the entity may not change; a
    ``Conflict`` when Paso 2 was not answered SI and the grid has values. Audited as
    ``excedentes.grid_saved`` with the records removed and added.

    Optimistic concurrency: the grid of a unit, group and specialty has a version; the save
    moves it from ``expected_version`` to the next one in one statement before touching a
    record, so of two saves from the same page exactly one wins and the other raises
    ``StaleVersion`` (who saved and when) having changed nothing. The pages send only the
    rows the user changed (``grid.changed_rows``), so an untouched row never deletes a record.

    Data quality: every value of the rows sent is compared with the unit's previous period and
    with its peers (``domain.quality``, thresholds from ``thresholds``); an outlier is saved
    only with its row's comment, otherwise the save is refused like any grid error, the
    explanation in the cell. The comments and the explanations kept are the rows' notes,
    audited with the records.
    """

    # the thresholds as data (``OutlierThresholdsSource``); None: the domain's defaults
    thresholds: OutlierThresholdsSource | None = None

    def __call__(self, actor: Actor, cmd: SaveGridCommand) -> SaveGridResult:
        rows = tuple(cmd.rows)
        clues = normalize_clues(cmd.clues)
        with self.uow_factory() as uow:
            # only this unit's records: the save reads and replaces nothing else
            loaded = load_report(uow, actor, cmd.entity, cmd.year, for_update=True, unit=clues)
            inst, entity, report = loaded.institution, loaded.entity, loaded.report
            require_capture(actor.scope, inst.code, entity.code)
            ensure_editable(loaded, actor, self.clock)
            unit = uow.units.get(clues)
            if unit is None or (unit.institution_code, unit.entity_code) != (inst.code,
                                                                                entity.code):
                raise NotFound(UNIT_NOT_FOUND)
            group = uow.catalog.group_info(cmd.group_id) if known_id(cmd.group_id) else None
            if group is None or group.institution_code != inst.code:
                raise NotFound(GROUP_NOT_FOUND)
            if cmd.specialty_id is not None:
                specialty = (uow.catalog.specialty_info(cmd.specialty_id)
                             if known_id(cmd.specialty_id) else None)
                if specialty is None or specialty.group_id != group.id:
                    raise NotFound(SPECIALTY_NOT_FOUND)
            check_rule(GridRequiresSpecialty(inst.code, inst.has_specialty_level,
                                             cmd.specialty_id is not None))
            allowed = uow.catalog.product_ids(group.id, cmd.specialty_id)
            version = self._claim_version(uow, loaded, clues, group.id, cmd, actor,
                                          bool(rows))
            try:
                saved = report.save_grid(clues, rows, self.clock, product_ids=allowed)
                notes_before, notes = self._judge(uow, loaded, unit, rows, cmd.comments)
            except GridInvalid as exc:  # the rollback undoes the version claimed above
                return SaveGridResult(False, rows, tuple(exc.details or ()), exc.message,
                                      version=cmd.expected_version or 0)
            changed_notes = {pid: n for pid, n in notes.items()
                             if n != notes_before.get(pid, NO_NOTE)}
            if not saved.changed and not changed_notes:  # nothing is committed: the grid
                version = cmd.expected_version or 0      # keeps its version
            else:
                if loaded.is_new:  # unreachable in practice: records need Paso 2 = SI
                    uow.reports.add(report)
                uow.reports.apply_records(report, saved)
                uow.quality.save_notes(inst.code, entity.code, cmd.year, clues, changed_notes,
                                       actor.username, self.clock.now())
                # a Paso 2 / Paso 7 page drawn before this save is stale now
                uow.reports.bump_report_version(report, None, actor.username, self.clock.now())
                before: dict[str, Any] = {"unit": clues, "group": group.name,
                                          "records": [record_text(r) for r in saved.removed]}
                after: dict[str, Any] = {"unit": clues, "group": group.name,
                                         "records": [record_text(r) for r in saved.added]}
                if changed_notes:  # the history of a value shows its comments too
                    before["comments"] = {str(pid): notes_before.get(pid, NO_NOTE).comment
                                          for pid in sorted(changed_notes)}
                    after["comments"] = {str(pid): n.comment
                                         for pid, n in sorted(changed_notes.items())}
                audit(uow, self.clock, actor, "grid_saved", REPORT_TARGET, loaded.target_id,
                      before=before, after=after)
                uow.commit()
            n_added, n_removed = len(saved.added), len(saved.removed)
            return SaveGridResult(True, rows, (), _saved_summary(n_added, n_removed),
                                  added=n_added, removed=n_removed, version=version)

    def _judge(self, uow: Any, loaded: Any, unit: Any, rows: Sequence[GridRow],
               comments: Mapping[int, str] | None
               ) -> tuple[Mapping[int, ValueNote], Mapping[int, ValueNote]]:
        """The stored notes of the rows sent, and their new ones; ``GridInvalid`` naming every
        outlier without a comment."""
        inst, entity, year = loaded.institution, loaded.entity, loaded.report.year
        ids = [r.product_id for r in rows]
        if not ids:
            return {}, {}
        stored = uow.quality.notes(inst.code, entity.code, year, unit.clues, ids)
        typed = {pid: stored[pid].comment for pid in ids if pid in stored}
        typed.update(comments or {})
        # a cleared row is not judged (``judge_rows``): no peers are read for it
        contexts = uow.quality.contexts(inst.code, entity.code, year, unit.clues, unit.level,
                                        [r.product_id for r in rows if not r.is_blank])
        thresholds = (self.thresholds.for_institution(inst.code) if self.thresholds
                      else OutlierThresholds())
        verdict = judge_rows(rows, contexts, typed, thresholds)
        if verdict.errors:
            raise GridInvalid(grid_summary(verdict.errors),
                              log_message=f"outliers without comment: {len(verdict.errors)}",
                              details=verdict.errors)
        return stored, verdict.notes

    def _claim_version(self, uow: Any, loaded: Any, clues: str, group_id: int,
                       cmd: SaveGridCommand, actor: Actor, has_rows: bool) -> int:
        """Move the grid from ``cmd.expected_version`` to the next version in one statement
        (``UPDATE … WHERE version = :expected``), before any record is touched: of two saves
        from the same page exactly one wins; the other raises ``StaleVersion`` with who saved
        and when, and its transaction writes nothing."""
        expected = cmd.expected_version
        if expected == VERSION_MISSING:
            raise version_required()
        if loaded.is_new:
            # a grid of a report not created yet was never saved: only version 0 is current
            if expected:
                raise stale(NEVER_SAVED)
            return 0
        if expected is None:  # trusted caller: still bump, so that open pages become stale
            if not has_rows:
                return 0
            expected = uow.reports.grid_version(loaded.report, clues, group_id,
                                                cmd.specialty_id).version
        if not has_rows:
            current = uow.reports.grid_version(loaded.report, clues, group_id,
                                               cmd.specialty_id)
            if current.version != expected:
                raise stale(current)
            return expected
        if not uow.reports.bump_grid_version(loaded.report, clues, group_id, cmd.specialty_id,
                                             expected, actor.username, self.clock.now()):
            raise stale(uow.reports.grid_version(loaded.report, clues, group_id,
                                                 cmd.specialty_id))
        return expected + 1


def _saved_summary(added: int, removed: int) -> str:
    if not added and not removed:
        return "Información guardada: no hubo cambios."
    return (f"Información guardada: "
            f"{count_text(added, 'registro nuevo o modificado', 'registros nuevos o modificados')}"
            f", {count_text(removed, 'eliminado')}.")


# --------------------------------------------------------------------------- Paso 7


@attrs.frozen
class FinalizeCommand:
    entity: EntityRef
    year: int
    # The HTTP layer re-authenticates the user (IdentityService.verify_password) after the
    # confirmation "¿Está seguro de cerrar el registro de información?" and passes the
    # outcome here; False refuses with a ValidationError and changes nothing.
    password_confirmed: bool
    expected_version: int | None = None  # as ``AnswerStep2Command``


@attrs.define
class FinalizeReport(UseCase):
    """Paso 7: close the entity's capture; enables the "Versión Final" and the upload.

    Needs the password confirmation, the Paso 2 answer, records when the answer is SI and none
    when it is NO. Returns the final folio and fingerprint and a note when some units have no
    records ("Nota: Existen Unidades Médicas sin Excedentes/Faltantes."). Audited as
    ``excedentes.finalize``.
    """

    def __call__(self, actor: Actor, cmd: FinalizeCommand) -> FinalizeResult:
        with self.uow_factory() as uow:
            loaded = load_report(uow, actor, cmd.entity, cmd.year, for_update=True)
            inst, entity, report = loaded.institution, loaded.entity, loaded.report
            require_capture(actor.scope, inst.code, entity.code)
            if not cmd.password_confirmed:
                raise ValidationError(PASSWORD_NOT_CONFIRMED, code="password_not_confirmed",
                                      log_message="finalize without password confirmation")
            ensure_editable(loaded, actor, self.clock)
            claim_report_version(uow, loaded, cmd.expected_version, actor, self.clock)
            names = unit_names(uow, report.units_with_records) if report.units_with_records \
                else None
            event = report.finalize(self.clock, actor.username, unit_names=names)
            uow.reports.update(report)
            total = uow.units.count(inst.code, entity.code)
            audit(uow, self.clock, actor, "finalize", REPORT_TARGET, loaded.target_id,
                  before={"finalized": False},
                  after={"finalized": True, "folio": event.folio,
                         "fingerprint": event.fingerprint, "records": report.record_count,
                         "units_with_records": event.units_with_records})
            uow.commit()
            note = UNITS_WITHOUT_RECORDS_NOTE if event.units_with_records < total else None
            return FinalizeResult(event.at, event.folio, event.fingerprint,
                                  event.units_with_records, total, note)
