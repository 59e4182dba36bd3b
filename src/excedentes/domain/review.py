"""Review by levels and "what may be done now": one pure decision for every page and command.

After an entity finalizes and uploads its signed report, its institution's coordinador
reviews it: **Aceptar** (locked for everyone; only an administrator reverts the acceptance,
with a reason) or **Devolver para corrección** with a coded ``ReturnReason`` and free text
(editable again for the capturista; the signed copy is kept and marked returned).

``decide(state, viewer, clock)`` is the single answer to "what may this user do with this
entity now, and if nothing, why and who can change that": the aggregate's commands, the
read side's ``allowed_actions`` and the pages' buttons all come from the same facts, so a
button is shown exactly when the command would succeed (the stateful test checks it).
"""

from __future__ import annotations

import enum
import re
from datetime import datetime

import attrs

from excedentes.domain.catalog import Period
from excedentes.domain.dates import format_date, format_datetime
from excedentes.domain.rules import AcceptedEntityIsLocked, FinalizedEntityIsLocked
from shared.kernel.clock import Clock
from shared.kernel.errors import ValidationError

REASON_CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,15}$")
REASON_TEXT_MAX = 300


def _code(value: object) -> str:
    return str(value or "").strip().upper()


@attrs.frozen
class ReturnReason:
    """One entry of the catalog of return reasons (kept by the administrator)."""

    code: str = attrs.field(converter=_code)
    text: str = attrs.field(converter=lambda v: " ".join(str(v or "").split()))
    active: bool = True

    def __attrs_post_init__(self) -> None:
        if not REASON_CODE_RE.match(self.code):
            raise ValidationError(
                "La clave del motivo lleva de 1 a 16 letras, números, guiones o guiones bajos "
                "(por ejemplo DATOS-INC).", log_message=f"bad reason code {self.code!r}")
        if not self.text or len(self.text) > REASON_TEXT_MAX:
            raise ValidationError(
                f"El texto del motivo es obligatorio (máximo {REASON_TEXT_MAX} caracteres).",
                log_message="bad reason text")

    @property
    def label(self) -> str:
        return f"{self.code} — {self.text}"

    def disabled(self) -> "ReturnReason":
        return attrs.evolve(self, active=False)


@attrs.frozen
class Returned:
    """The coordinador's last return, shown on every page until the entity finalizes again."""

    at: datetime
    by: str
    reason_code: str
    reason_text: str
    note: str = ""

    @property
    def message(self) -> str:
        note = f" Observaciones: {self.note}" if self.note else ""
        return (f"La coordinación devolvió el reporte para corrección el "
                f"{format_datetime(self.at)} ({self.by}). Motivo: {self.reason_code} — "
                f"{self.reason_text}.{note} Corrija la información, vuelva a finalizar y suba "
                "de nuevo el reporte firmado.")


class ReviewStatus(str, enum.Enum):
    """The semáforo of the review: where the entity is between capture and acceptance."""

    IN_CAPTURE = "en-captura"
    FINALIZED = "finalizado"
    SIGNED = "firmado"
    RETURNED = "devuelto"
    ACCEPTED = "aceptado"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self.value]

    @property
    def color(self) -> str:
        return _STATUS_COLORS[self.value]

    @classmethod
    def parse(cls, raw: str | None) -> "ReviewStatus | None":
        text = (raw or "").strip().lower().replace(" ", "-").replace("_", "-")
        if not text:
            return None
        for s in cls:
            if text in (s.value, s.name.lower().replace("_", "-")):
                return s
        raise ValidationError(
            "Estado no válido: use " + ", ".join(s.value for s in cls) + ".",
            log_message=f"bad review status {raw!r}")


_STATUS_LABELS = {"en-captura": "En captura", "finalizado": "Finalizado", "firmado": "Firmado",
                  "devuelto": "Devuelto", "aceptado": "Aceptado"}
_STATUS_COLORS = {"en-captura": "rojo", "finalizado": "amarillo", "firmado": "azul",
                  "devuelto": "naranja", "aceptado": "verde"}


def review_status(*, finalized: bool, signed_uploaded: bool, returned: bool,
                  accepted: bool) -> ReviewStatus:
    if accepted:
        return ReviewStatus.ACCEPTED
    if finalized:
        return ReviewStatus.SIGNED if signed_uploaded else ReviewStatus.FINALIZED
    return ReviewStatus.RETURNED if returned else ReviewStatus.IN_CAPTURE


class Action(str, enum.Enum):
    """What a user may do with an entity (the JSON's ``allowed_actions``)."""

    CAPTURE = "capture"  # Paso 2 answer and the Paso 6 grid
    FINALIZE = "finalize"
    UPLOAD_SIGNED = "upload_signed"
    REOPEN = "reopen"
    ACCEPT = "accept"
    RETURN = "return"
    REVERT_ACCEPTANCE = "revert_acceptance"


@attrs.frozen
class Viewer:
    """Who asks, relative to this entity (the application derives it from the scope)."""

    can_capture: bool = False  # the entity's capturista (or an admin)
    can_manage: bool = False  # the institution's coordinador (or an admin)
    is_admin: bool = False

    @classmethod
    def admin(cls) -> "Viewer":
        return cls(True, True, True)


CAPTURISTA = Viewer(can_capture=True)
COORDINADOR = Viewer(can_manage=True)


@attrs.frozen
class EntityState:
    """The facts the decision depends on (built from the aggregate or from the read model)."""

    period: Period
    answered: bool = False
    answer_is_yes: bool = False
    record_count: int = 0
    finalized_at: datetime | None = None
    finalized_by: str | None = None
    signed_uploaded: bool = False
    accepted_at: datetime | None = None
    accepted_by: str | None = None
    returned: Returned | None = None

    @property
    def status(self) -> ReviewStatus:
        return review_status(finalized=self.finalized_at is not None,
                             signed_uploaded=self.signed_uploaded,
                             returned=self.returned is not None,
                             accepted=self.accepted_at is not None)


@attrs.frozen
class Lock:
    """Why the entity may not change now, who decided it and when (None: unknown)."""

    reason: str
    by: str | None = None
    at: datetime | None = None
    kind: str = ""  # accepted, finalized, period_closed, window_ended, window_not_started


@attrs.frozen
class Decision:
    allowed_actions: frozenset[Action]
    lock: Lock | None  # None: the entity's data may change now
    explanation: str  # one sentence for every page: editable or not, and who can change it
    notice: str | None = None  # the return reason while a returned report is corrected

    def allows(self, action: Action) -> bool:
        return action in self.allowed_actions

    @property
    def sorted_actions(self) -> list[str]:
        return [a.value for a in Action if a in self.allowed_actions]


def entity_lock(state: EntityState, clock: Clock, *, for_manager: bool = False) -> Lock | None:
    """Accepted first, then finalized, then the period's window (the aggregate's order)."""
    if state.accepted_at is not None:
        return Lock(AcceptedEntityIsLocked(state.accepted_at, state.accepted_by).get_message(),
                    state.accepted_by, state.accepted_at, "accepted")
    if state.finalized_at is not None:
        msg = FinalizedEntityIsLocked(state.finalized_at, for_manager=for_manager).get_message()
        return Lock(msg, state.finalized_by, state.finalized_at, "finalized")
    refusal = state.period.capture_refusal(clock, for_manager=for_manager)
    if refusal is None:
        return None
    p = state.period
    if not p.is_open:
        return Lock(refusal, None, p.closed_at, "period_closed")
    if p.window_start is not None and clock.today() < p.window_start:
        return Lock(refusal, None, None, "window_not_started")
    return Lock(refusal, None, None, "window_ended")


def decide(state: EntityState, viewer: Viewer, clock: Clock) -> Decision:
    """The actions ``viewer`` may take now and, when the data is locked, why."""
    lock = entity_lock(state, clock, for_manager=viewer.can_manage)
    accepted = state.accepted_at is not None
    finalized = state.finalized_at is not None
    window_open = state.period.is_capture_open(clock)
    allowed: set[Action] = set()
    if viewer.can_capture and lock is None:
        allowed.add(Action.CAPTURE)
        if state.answered and state.answer_is_yes == (state.record_count > 0):
            allowed.add(Action.FINALIZE)
    if viewer.can_capture and finalized and not accepted and window_open:
        allowed.add(Action.UPLOAD_SIGNED)
    if viewer.can_manage and finalized and not accepted:
        allowed.add(Action.REOPEN)
        if state.signed_uploaded:
            allowed |= {Action.ACCEPT, Action.RETURN}
    if viewer.is_admin and accepted:
        allowed.add(Action.REVERT_ACCEPTANCE)
    notice = state.returned.message if state.returned and not finalized else None
    return Decision(frozenset(allowed), lock, _explain(state, lock, viewer), notice)


def _explain(state: EntityState, lock: Lock | None, viewer: Viewer) -> str:
    if lock is not None:
        if lock.kind == "finalized" and lock.by:
            return f"{lock.reason} Finalizó: {lock.by}."
        return lock.reason
    p = state.period
    until = (f" hasta el {format_date(p.window_end)}, fin de la captura del periodo {p.year}"
             if p.window_end else "")
    who = ("Usted puede modificar la información" if viewer.can_capture
           else "La capturista de la entidad puede modificar la información")
    return f"{who}{until}; al terminar, finalice el registro y suba el reporte firmado."
