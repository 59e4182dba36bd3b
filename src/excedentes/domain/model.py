"""The ``EntityReport`` aggregate: one entity's collection for one period.

It holds everything whose consistency one entity's capture depends on:

- ``answer``: the Paso 2 answer (``Answer.YES`` / ``Answer.NO``, None until answered);
- ``records``: every ``Record`` of every unit of the entity (sorted, one per unit, product and
  modality);
- ``finalized_at`` / ``finalized_by`` / ``final_version`` / ``final_fingerprint``: the Paso 7
  finalization (``final_version`` counts finalizations, so that a re-finalized report after an
  apertura gets a new folio; the fingerprint identifies the data the final PDF printed);
- ``signed_reports``: every uploaded signed PDF version, earlier ones superseded, kept;
- ``period``: the institution's ``Period`` (a value loaded with the aggregate) whose window
  decides whether capture is allowed today.

Commands (each checks its rules, changes the aggregate, and returns a small event with the
before/after the application writes to the audit log):

- ``set_answer(answer, clock, unit_names=None) -> AnswerChanged``
- ``save_unit_records(clues, product_ids, records, clock) -> RecordsSaved``
- ``save_grid(clues, rows, clock, product_ids=None) -> RecordsSaved`` (raises ``GridInvalid``)
- ``clear_unit_records(clues, clock) -> RecordsSaved``
- ``finalize(clock, by, unit_names=None) -> Finalized``
- ``reopen(reason, clock, by) -> Reopened`` (the coordinator's apertura)
- ``ensure_can_upload_signed(clock)`` then ``attach_signed_report(file, policy, clock, by)
  -> SignedReportAttached``

Locking: after finalize, or while ``period`` does not allow capture (flag or dates), every
change is refused with a message that says why and since when (``EntityLocked`` /
``CaptureClosed``); reopening is the coordinator's way out and is not subject to the lock.

The application loads the aggregate (records included: even the largest entity has a few
thousand), calls one command, and saves. ``RecordsSaved`` tells the repository exactly what
to replace: the records of ``clues`` whose product is in ``product_ids``. The aggregate never
reads a clock by itself: commands take the ``Clock`` port; ``unit_names`` (CLUES -> "NAME,
LEVEL") is only used to name units in refusals.
"""

from __future__ import annotations

import enum
import functools
import hashlib
import operator
from datetime import datetime
from typing import Any, Collection, Iterable, Mapping

import attrs

from excedentes.domain.catalog import Period, check_clues, clean_text, normalize_clues
from excedentes.domain.grid import GridRow, validate_grid
from excedentes.domain.records import Record
from excedentes.domain.rules import (
    AcceptedEntityIsLocked,
    AnswerNoRequiresNoRecords,
    AnswerYesRequiresRecords,
    FinalizedEntityIsLocked,
    FinalizeRequiresAnswer,
    OneRecordPerProductAndModality,
    RecordsBelongToUnit,
    RecordsRequireAnswerYes,
    ReasonTextRequired,
    RecordsWithinGrid,
    ReopenRequiresFinalized,
    ReopenRequiresReason,
    ReturnRequiresActiveReason,
    ReviewRequiresSignedReport,
    RevertRequiresAccepted,
    SignedReportRequiresFinalized,
)
from excedentes.domain.review import EntityState, Returned, ReturnReason
from excedentes.domain.signed import (
    SignedReport,
    SignedReportFile,
    SignedReportPolicy,
    SupersededReason,
)
from shared.kernel.clock import Clock
from shared.kernel.errors import ValidationError
from shared.kernel.rules import BusinessRule, check_rule
from shared.kernel.text import fold_text


class Answer(str, enum.Enum):
    """Paso 2: "¿Alguna de las Unidades Médicas … tiene Excedentes/Faltantes …?"."""

    YES = "SI"
    NO = "NO"

    @property
    def label(self) -> str:
        return self.value

    @classmethod
    def parse(cls, raw: Any) -> "Answer":
        if isinstance(raw, Answer):
            return raw
        if isinstance(raw, bool):
            return cls.YES if raw else cls.NO
        key = fold_text(str(raw or ""))
        if key in ("si", "yes", "true", "1"):
            return cls.YES
        if key in ("no", "false", "0"):
            return cls.NO
        raise ValidationError("Seleccione una opción: SI o NO.", log_message=f"bad answer {raw!r}")


# --------------------------------------------------------------------------- events


@attrs.frozen
class AnswerChanged:
    before: Answer | None
    after: Answer


@attrs.frozen
class RecordsSaved:
    """The unit's records of ``product_ids`` went from ``before`` to ``after``."""

    clues: str
    product_ids: frozenset[int] | None  # None: every product of the unit (a clear)
    before: tuple[Record, ...]
    after: tuple[Record, ...]

    # cached: the use case and the repository each ask (a grid save hashes thousands)
    @functools.cached_property
    def added(self) -> tuple[Record, ...]:
        old = set(self.before)
        return tuple(r for r in self.after if r not in old)

    @functools.cached_property
    def removed(self) -> tuple[Record, ...]:
        new = set(self.after)
        return tuple(r for r in self.before if r not in new)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed)


@attrs.frozen
class Finalized:
    at: datetime
    by: str
    final_version: int
    fingerprint: str
    folio: str
    units_with_records: int


@attrs.frozen
class Reopened:
    at: datetime
    by: str
    reason: str
    superseded_versions: tuple[int, ...]  # signed-report versions set aside by the apertura


@attrs.frozen
class Accepted:
    at: datetime
    by: str
    folio: str
    signed_version: int


@attrs.frozen
class ReturnedForCorrection:
    returned: Returned
    signed_version: int  # the signed copy kept and marked returned
    folio: str


@attrs.frozen
class AcceptanceReverted:
    at: datetime
    by: str
    reason: str
    accepted_at: datetime
    accepted_by: str


@attrs.frozen
class SignedReportAttached:
    report: SignedReport
    replaced_version: int | None


# --------------------------------------------------------------------------- helpers


# the property's getter itself: no lambda call per record (a unit's grid sorts thousands)
_SORT_KEY = Record.sort_key.fget
_UNIT_PRODUCT = operator.attrgetter("clues", "product_id")


class _SortedRecords(tuple):  # type: ignore[type-arg]
    """Records ``_sorted_records`` has sorted: assigned to ``EntityReport.records`` as they are
    (a grid save sorted its 2,857 new records three times)."""


def _sorted_records(records: Iterable[Record]) -> tuple[Record, ...]:
    if type(records) is _SortedRecords:
        return records  # type: ignore[return-value]
    return _SortedRecords(sorted(records, key=_SORT_KEY))


def content_fingerprint(institution_code: str, year: int, entity_code: str,
                        answer: Answer | None, records: Iterable[Record]) -> str:
    """A short, order-independent fingerprint of what a final report prints ("1A2B-3C4D-5E6F").

    Printed on every page of the final version and kept with the finalization, so that a signed
    paper copy can be traced to the exact data it came from.
    """
    lines = sorted(
        f"{r.clues}|{r.product_id}|{r.kind.value}|{r.modality.value}|{r.monthly_events}|"
        f"{r.monthly_patients}|{r.cause.value if r.cause else ''}" for r in records)
    head = f"{institution_code}|{year}|{entity_code}|{answer.value if answer else ''}"
    digest = hashlib.sha256("\n".join([head, *lines]).encode()).hexdigest()[:12].upper()
    return "-".join(digest[i:i + 4] for i in range(0, 12, 4))


def _check_all(*rules: BusinessRule) -> None:
    for rule in rules:
        check_rule(rule)


# --------------------------------------------------------------------------- the aggregate


@attrs.define
class EntityReport:
    entity_code: str = attrs.field(converter=clean_text)
    period: Period
    answer: Answer | None = attrs.field(default=None,
                                        converter=attrs.converters.optional(Answer))
    records: tuple[Record, ...] = attrs.field(factory=tuple, converter=_sorted_records)
    finalized_at: datetime | None = None
    finalized_by: str | None = None
    final_version: int = 0
    final_fingerprint: str | None = None
    signed_reports: tuple[SignedReport, ...] = attrs.field(
        factory=tuple, converter=lambda v: tuple(sorted(v, key=lambda s: s.version)))
    # review by levels: the coordinador's acceptance, and the last return while it is being
    # corrected (cleared when the entity finalizes again)
    accepted_at: datetime | None = None
    accepted_by: str | None = None
    returned: Returned | None = None

    def __attrs_post_init__(self) -> None:
        # Loading from storage re-runs the invariants: a broken row fails loudly.
        if not self.entity_code:
            raise ValidationError("El código de la entidad es obligatorio.",
                                  log_message="empty entity code")
        _check_all(
            OneRecordPerProductAndModality(r.slot for r in self.records),
            RecordsRequireAnswerYes(self.answer is Answer.YES, bool(self.records)),
        )
        if self.finalized_at is not None:
            _check_all(FinalizeRequiresAnswer(self.answer is not None),
                       AnswerYesRequiresRecords(self.answer is Answer.YES, len(self.records)))
            if self.final_version < 1:
                raise ValueError("a finalized report has a final version >= 1")
        current = [s for s in self.signed_reports if not s.superseded]
        if len(current) > 1 or (current and self.finalized_at is None):
            raise ValueError("a current signed report exists only for a finalized entity, once")
        if len({s.version for s in self.signed_reports}) != len(self.signed_reports):
            raise ValueError("signed report versions must be unique")
        if self.accepted_at is not None and (not current or self.accepted_by is None):
            raise ValueError("an accepted report is finalized with a current signed report")
        if self.returned is not None and self.accepted_at is not None:
            raise ValueError("a report is either returned or accepted")

    @classmethod
    def start(cls, entity_code: str, period: Period) -> "EntityReport":
        """A new, unanswered collection of an entity for a period."""
        return cls(entity_code=entity_code, period=period)

    # ----------------------------------------------------------------- queries

    @property
    def institution_code(self) -> str:
        return self.period.institution_code

    @property
    def year(self) -> int:
        return self.period.year

    @property
    def is_finalized(self) -> bool:
        return self.finalized_at is not None

    @property
    def units_with_records(self) -> frozenset[str]:
        return frozenset(r.clues for r in self.records)

    @property
    def record_count(self) -> int:
        return len(self.records)

    def records_of(self, clues: str) -> tuple[Record, ...]:
        clues = normalize_clues(clues)
        return tuple(r for r in self.records if r.clues == clues)

    def unit_has_records(self, clues: str) -> bool:
        """Paso 3's "¿Con excedentes/faltantes?" marker."""
        return normalize_clues(clues) in self.units_with_records

    @property
    def current_signed_report(self) -> SignedReport | None:
        return next((s for s in reversed(self.signed_reports) if not s.superseded), None)

    @property
    def folio(self) -> str | None:
        """The final version's document folio, e.g. "IMSS-2024-NL-V1"; None before finalize."""
        if not self.is_finalized:
            return None
        return f"{self.institution_code}-{self.year}-{self.entity_code}-V{self.final_version}"

    @property
    def is_accepted(self) -> bool:
        return self.accepted_at is not None

    def state(self) -> EntityState:
        """The facts ``review.decide`` works on (the read side builds the same from SQL)."""
        return EntityState(
            period=self.period, answered=self.answer is not None,
            answer_is_yes=self.answer is Answer.YES, record_count=len(self.records),
            finalized_at=self.finalized_at, finalized_by=self.finalized_by,
            signed_uploaded=self.current_signed_report is not None,
            accepted_at=self.accepted_at, accepted_by=self.accepted_by,
            returned=self.returned if not self.is_finalized else None)

    def fingerprint(self) -> str:
        return content_fingerprint(self.institution_code, self.year, self.entity_code,
                                   self.answer, self.records)

    def lock_reason(self, clock: Clock, *, for_manager: bool = False) -> str | None:
        """Why nothing may change now (finalized first, then the window), or None.

        ``for_manager``: the reader may reopen the entity and open the period (coordinador,
        admin): the refusal says they can, instead of "solicite la apertura a su coordinador".
        """
        for rule in self._lock_rules(clock, for_manager):
            if rule.is_broken():
                return rule.get_message()
        return None

    def is_editable(self, clock: Clock) -> bool:
        return self.lock_reason(clock) is None

    def _lock_rules(self, clock: Clock, for_manager: bool = False) -> tuple[BusinessRule, ...]:
        return (AcceptedEntityIsLocked(self.accepted_at, self.accepted_by),
                FinalizedEntityIsLocked(self.finalized_at, for_manager=for_manager),
                self.period.capture_rule(clock, for_manager=for_manager))

    def ensure_editable(self, clock: Clock, *, for_manager: bool = False) -> None:
        """``EntityLocked`` / ``CaptureClosed`` worded for the reader (see ``lock_reason``)."""
        _check_all(*self._lock_rules(clock, for_manager))

    # ----------------------------------------------------------------- commands

    def set_answer(self, answer: Answer | str | bool, clock: Clock, *,
                   unit_names: Mapping[str, str] | None = None) -> AnswerChanged:
        """Paso 2. NO is refused while units have records, naming those units."""
        answer = Answer.parse(answer)
        self.ensure_editable(clock)
        check_rule(AnswerNoRequiresNoRecords(answer is Answer.NO, self.units_with_records,
                                             unit_names))
        before, self.answer = self.answer, answer
        return AnswerChanged(before, answer)

    def save_unit_records(self, clues: str, product_ids: Collection[int],
                          records: Iterable[Record], clock: Clock) -> RecordsSaved:
        """Replace the unit's records of the products shown in a grid (all-or-nothing).

        ``product_ids`` are the products the grid showed (a filtered grid shows fewer): their
        stored records are replaced by ``records``; other products of the unit are untouched.
        """
        clues = check_clues(normalize_clues(clues))
        scope = frozenset(product_ids)
        new = tuple(records)
        self.ensure_editable(clock)
        kept = tuple(r for r in self.records if not (r.clues == clues and r.product_id in scope))
        unit_after = [r for r in kept if r.clues == clues] + list(new)
        _check_all(
            RecordsBelongToUnit(clues, (r.clues for r in new)),
            RecordsWithinGrid(scope, (r.product_id for r in new)),
            OneRecordPerProductAndModality(r.slot for r in unit_after),
            RecordsRequireAnswerYes(self.answer is Answer.YES, bool(new)),
        )
        before = tuple(r for r in self.records if r.clues == clues and r.product_id in scope)
        after = _sorted_records(new)
        # both sorted, and no (unit, product) is in both (checked above): a stable sort by unit
        # and product alone merges them into the full order, without a Python key per record
        self.records = after if not kept else _SortedRecords(sorted(kept + after,
                                                                     key=_UNIT_PRODUCT))
        return RecordsSaved(clues, scope, before, after)

    def save_grid(self, clues: str, rows: Iterable[GridRow], clock: Clock,
                  product_ids: Collection[int] | None = None) -> RecordsSaved:
        """Paso 6 "Guardar": validate every row, then replace; ``GridInvalid`` lists all errors.

        ``product_ids`` defaults to the rows' products (the grid as shown).
        """
        self.ensure_editable(clock)  # a locked entity is refused before any row is judged
        rows = tuple(rows)
        result = validate_grid(clues, rows, product_ids)
        result.raise_if_invalid()
        return self.save_unit_records(result.clues, result.product_ids, result.records, clock)

    def clear_unit_records(self, clues: str, clock: Clock) -> RecordsSaved:
        clues = check_clues(normalize_clues(clues))
        self.ensure_editable(clock)
        before = self.records_of(clues)
        self.records = tuple(r for r in self.records if r.clues != clues)
        return RecordsSaved(clues, None, before, ())

    def finalize(self, clock: Clock, by: str, *,
                 unit_names: Mapping[str, str] | None = None) -> Finalized:
        """Paso 7. Needs the Paso 2 answer; SI needs records, NO needs none."""
        self.ensure_editable(clock)
        _check_all(
            FinalizeRequiresAnswer(self.answer is not None),
            AnswerYesRequiresRecords(self.answer is Answer.YES, len(self.records)),
            AnswerNoRequiresNoRecords(self.answer is Answer.NO, self.units_with_records,
                                      unit_names),
        )
        self.finalized_at = clock.now()
        self.finalized_by = by
        self.final_version += 1
        self.final_fingerprint = self.fingerprint()
        self.returned = None  # corrected: the return notice ends here (it stays audited)
        return Finalized(self.finalized_at, by, self.final_version, self.final_fingerprint,
                         self.folio or "", len(self.units_with_records))

    def reopen(self, reason: str, clock: Clock, by: str) -> Reopened:
        """The coordinator's apertura: editable again; a current signed report is superseded.

        Not subject to the lock (it is the way out of it), nor to the window (a coordinator may
        reopen first and extend the window after).
        """
        _check_all(AcceptedEntityIsLocked(self.accepted_at, self.accepted_by),
                   ReopenRequiresFinalized(self.is_finalized), ReopenRequiresReason(reason))
        now = clock.now()
        superseded = tuple(s.version for s in self.signed_reports if not s.superseded)
        self.signed_reports = tuple(s.supersede(SupersededReason.REOPENED, now)
                                    for s in self.signed_reports)
        self.finalized_at = None
        self.finalized_by = None
        self.final_fingerprint = None
        return Reopened(now, by, reason.strip(), superseded)

    def ensure_can_upload_signed(self, clock: Clock, *, for_manager: bool = False) -> None:
        """Before streaming an upload: finalized, and the window allows changes."""
        _check_all(AcceptedEntityIsLocked(self.accepted_at, self.accepted_by),
                   SignedReportRequiresFinalized(self.is_finalized))
        self.period.ensure_capture_open(clock, for_manager=for_manager)

    def attach_signed_report(self, file: SignedReportFile, policy: SignedReportPolicy,
                             clock: Clock, by: str) -> SignedReportAttached:
        """Paso 8/9 "Subir" and "Consultar/Modificar": a new version; the previous is kept."""
        self.ensure_can_upload_signed(clock)
        policy.check_file(file)
        now = clock.now()
        previous = self.current_signed_report
        version = max((s.version for s in self.signed_reports), default=0) + 1
        report = SignedReport(
            version=version, storage_key=file.storage_key, original_name=file.original_name,
            size=file.size, sha256=file.sha256, uploaded_at=now, uploaded_by=by,
            final_version=self.final_version, storage_backend=file.storage_backend)
        self.signed_reports = tuple(
            s.supersede(SupersededReason.REPLACED, now) for s in self.signed_reports
        ) + (report,)
        return SignedReportAttached(report, previous.version if previous else None)

    # ----------------------------------------------------------------- review by levels

    def _ensure_reviewable(self) -> None:
        _check_all(AcceptedEntityIsLocked(self.accepted_at, self.accepted_by),
                   ReviewRequiresSignedReport(self.is_finalized,
                                              self.current_signed_report is not None))

    def accept(self, clock: Clock, by: str) -> Accepted:
        """Aceptar: the signed report is the institution's; nothing changes any more.

        Not subject to the capture window (the review usually happens after it)."""
        self._ensure_reviewable()
        signed = self.current_signed_report
        assert signed is not None
        self.accepted_at, self.accepted_by = clock.now(), by
        self.returned = None
        return Accepted(self.accepted_at, by, self.folio or "", signed.version)

    def return_for_correction(self, reason: ReturnReason | None, note: str | None,
                              clock: Clock, by: str) -> ReturnedForCorrection:
        """Devolver para corrección: editable again for the capturista; the signed copy is
        kept, marked returned; the reason is shown until the entity finalizes again."""
        self._ensure_reviewable()
        _check_all(ReturnRequiresActiveReason(reason.code if reason else None,
                                              reason is not None,
                                              reason is not None and reason.active),
                   ReasonTextRequired(note, "El texto de la devolución", required=False))
        assert reason is not None
        now = clock.now()
        signed = self.current_signed_report
        assert signed is not None
        folio = self.folio or ""
        self.signed_reports = tuple(s.supersede(SupersededReason.RETURNED, now)
                                    for s in self.signed_reports)
        self.finalized_at = None
        self.finalized_by = None
        self.final_fingerprint = None
        self.returned = Returned(now, by, reason.code, reason.text, (note or "").strip())
        return ReturnedForCorrection(self.returned, signed.version, folio)

    def revert_acceptance(self, reason: str, clock: Clock, by: str) -> AcceptanceReverted:
        """The administrator's way back: the report is signed and awaiting review again."""
        _check_all(RevertRequiresAccepted(self.is_accepted),
                   ReasonTextRequired(reason, "El motivo para revertir la aceptación"))
        assert self.accepted_at is not None and self.accepted_by is not None
        event = AcceptanceReverted(clock.now(), by, reason.strip(), self.accepted_at,
                                   self.accepted_by)
        self.accepted_at = self.accepted_by = None
        return event
