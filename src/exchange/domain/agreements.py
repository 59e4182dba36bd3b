"""Exchange agreements: the pure rules that turn a proposed exchange into an agreement between
two parties and record the patients actually served.

States (the guide's labels in ``STATUS_LABELS``)::

    Propuesto ──accept──> Aceptado ──(start date)──> Vigente ──(end date)──> Concluido
        └──decline──> Rechazado       └────cancel────────┴──cancel──> Cancelado

- the *requesting* side proposes; the *providing* side accepts (possibly with fewer patients
  or other dates) or declines with a coded reason and text; either side cancels an accepted
  or current agreement with a coded reason and text;
- Aceptado becomes Vigente on its start date and Concluido after its end date: time moves
  the agreement, ``advance`` says which of those transitions are due on a day (the
  application persists and audits them);
- for a Vigente agreement the providing side records, per month of the agreement up to the
  current one, the patients actually served: never more than agreed, with a reason when
  fewer. Recording a month again replaces it;
- nothing of an agreement changes except through one of these transitions (every method
  returns a new value; the attributes are frozen).

``Acting`` is who performs an action: an institution's coordinator (``institution``) or the
administrator (``None``, acts for either side). A party is an entity of an institution
(its unit named by CLUES); both parties may be entities of the same institution.
"""

from __future__ import annotations

import enum
from datetime import date
from typing import Iterable

import attrs

from shared.kernel.errors import PermissionDenied, ValidationError

MAX_MONTHS = 60  # an agreement lasts at most five years
MAX_PATIENTS = 100_000  # monthly patients: far above any unit's capacity, below INTEGER
MAX_TEXT = 1000


class AgreementStatus(str, enum.Enum):
    PROPOSED = "propuesto"
    ACCEPTED = "aceptado"
    DECLINED = "rechazado"
    ACTIVE = "vigente"
    CONCLUDED = "concluido"
    CANCELLED = "cancelado"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]

    @property
    def final(self) -> bool:
        return self in (AgreementStatus.DECLINED, AgreementStatus.CONCLUDED,
                        AgreementStatus.CANCELLED)


STATUS_LABELS = {
    AgreementStatus.PROPOSED: "Propuesto", AgreementStatus.ACCEPTED: "Aceptado",
    AgreementStatus.DECLINED: "Rechazado", AgreementStatus.ACTIVE: "Vigente",
    AgreementStatus.CONCLUDED: "Concluido", AgreementStatus.CANCELLED: "Cancelado",
}

# Every allowed transition; anything else is refused (the stateful test walks this table).
TRANSITIONS: dict[AgreementStatus, frozenset[AgreementStatus]] = {
    AgreementStatus.PROPOSED: frozenset({AgreementStatus.ACCEPTED, AgreementStatus.DECLINED}),
    AgreementStatus.ACCEPTED: frozenset({AgreementStatus.ACTIVE, AgreementStatus.CONCLUDED,
                                         AgreementStatus.CANCELLED}),
    AgreementStatus.ACTIVE: frozenset({AgreementStatus.CONCLUDED, AgreementStatus.CANCELLED}),
    AgreementStatus.DECLINED: frozenset(),
    AgreementStatus.CONCLUDED: frozenset(),
    AgreementStatus.CANCELLED: frozenset(),
}

# Statuses whose patients count as "under agreement" in the loop's figures: accepted and
# current ones (a concluded agreement no longer covers the need; its care stays in "served").
AGREED = frozenset({AgreementStatus.ACCEPTED, AgreementStatus.ACTIVE})


class Modality(str, enum.Enum):
    AMBULATORY = "Ambulatorio"
    HOSPITAL = "Hospitalario"


class AgreementSide(str, enum.Enum):
    REQUESTING = "solicitante"
    PROVIDING = "proveedor"

    @property
    def label(self) -> str:
        return "Parte solicitante" if self is AgreementSide.REQUESTING else "Parte proveedora"


# --------------------------------------------------------------------------- messages

NOT_A_PARTY = "Su institución no es parte de este acuerdo."
ONLY_REQUESTING = "Solo la parte solicitante (su coordinación) puede proponer el acuerdo."
ONLY_PROVIDING = "Solo la parte proveedora puede {what} este acuerdo."
SAME_PARTY = ("La unidad proveedora debe ser de otra entidad de la misma institución o de otra "
              "institución.")
WRONG_STATUS = "No se puede {what} un acuerdo «{status}»."
BAD_DATES = "La fecha de inicio ({start}) debe ser anterior o igual a la de término ({end})."
TOO_LONG = f"Un acuerdo dura a lo más {MAX_MONTHS} meses."
ENDED = "La fecha de término ({end}) ya pasó: un acuerdo nuevo debe terminar hoy o después."
BAD_PATIENTS = "Los pacientes por mes deben ser un número entero de 1 a {maximum}."
MORE_THAN_PROPOSED = ("Al aceptar se pueden convenir menos pacientes por mes que los propuestos "
                      "({proposed}), no más.")
REASON_REQUIRED = "Indique el motivo (del catálogo) y una explicación."
OVER_AGREED = ("Los pacientes atendidos ({served}) no pueden exceder los convenidos por mes "
               "({agreed}).")
BELOW_NEEDS_REASON = ("Se atendieron menos pacientes ({served}) que los convenidos ({agreed}): "
                      "indique el motivo.")
MONTH_OUTSIDE = "El mes {month} está fuera de la vigencia del acuerdo ({start} a {end})."
MONTH_FUTURE = "El mes {month} aún no comienza: solo se registran meses en curso o pasados."
NEGATIVE_SERVED = "Los pacientes atendidos deben ser un número entero de 0 o más."


# --------------------------------------------------------------------------- values


def _text(value: object, limit: int = MAX_TEXT) -> str:
    text = " ".join(str(value or "").split())
    return text[:limit]


@attrs.frozen
class Month:
    """A calendar month (deliveries are per month)."""

    year: int
    month: int

    def __attrs_post_init__(self) -> None:
        if not 1 <= self.month <= 12 or not 2000 <= self.year <= 2100:
            raise ValidationError(f"Mes no válido: {self.year}-{self.month:02d}.",
                                  code="invalid_month")

    @classmethod
    def of(cls, day: date) -> "Month":
        return cls(day.year, day.month)

    @classmethod
    def parse(cls, text: object) -> "Month":
        raw = str(text or "").strip()
        year, sep, month = raw.partition("-")
        if not sep or not year.isdigit() or not month.isdigit():
            raise ValidationError(f"Mes no válido: «{raw}» (use AAAA-MM, por ejemplo 2026-03).",
                                  code="invalid_month")
        return cls(int(year), int(month))

    @property
    def index(self) -> int:
        return self.year * 12 + self.month - 1

    def plus(self, months: int) -> "Month":
        i = self.index + months
        return Month(i // 12, i % 12 + 1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def __lt__(self, other: "Month") -> bool:
        return self.index < other.index

    def __le__(self, other: "Month") -> bool:
        return self.index <= other.index


def months_between(start: date, end: date) -> list[Month]:
    """Every month an agreement from ``start`` to ``end`` touches, in order."""
    first, last = Month.of(start), Month.of(end)
    return [first.plus(i) for i in range(last.index - first.index + 1)]


@attrs.frozen
class PartyRef:
    """One side of an agreement: the unit (CLUES) of an entity of an institution."""

    institution: str
    entity: str
    clues: str

    def same_entity(self, other: "PartyRef") -> bool:
        return (self.institution == other.institution
                and self.entity.upper() == other.entity.upper())


@attrs.frozen
class Acting:
    """Who performs an action: a coordinator of ``institution``, or the administrator (None)."""

    institution: str | None = None

    @property
    def admin(self) -> bool:
        return self.institution is None


@attrs.frozen
class Terms:
    """What is agreed: monthly patients and the dates (inclusive)."""

    patients: int
    start: date
    end: date

    def check(self) -> "Terms":
        if isinstance(self.patients, bool) or not isinstance(self.patients, int) or \
                not 1 <= self.patients <= MAX_PATIENTS:
            raise ValidationError(BAD_PATIENTS.format(maximum=MAX_PATIENTS),
                                  code="invalid_patients")
        if self.start > self.end:
            raise ValidationError(BAD_DATES.format(start=self.start, end=self.end),
                                  code="invalid_dates")
        if len(months_between(self.start, self.end)) > MAX_MONTHS:
            raise ValidationError(TOO_LONG, code="invalid_dates")
        return self


@attrs.frozen
class Decision:
    """A decline or a cancellation: the catalog's reason code, its explanation, the side."""

    code: str
    text: str
    side: AgreementSide | None = None


@attrs.frozen
class Delivery:
    month: Month
    served: int
    reason: str = ""


@attrs.frozen
class Transition:
    """One status change (what the audit trail records)."""

    before: AgreementStatus
    after: AgreementStatus
    action: str  # accept, decline, cancel, start, conclude


@attrs.frozen
class Agreement:
    requesting: PartyRef
    providing: PartyRef
    product: str
    modality: Modality
    proposed: Terms
    status: AgreementStatus = AgreementStatus.PROPOSED
    agreed: Terms | None = None  # set on acceptance
    decision: Decision | None = None  # the decline or the cancellation
    notes: str = ""
    deliveries: tuple[Delivery, ...] = ()

    # ----------------------------------------------------------------- reading

    @property
    def terms(self) -> Terms:
        """The agreed terms once accepted, the proposed ones before."""
        return self.agreed or self.proposed

    def sides_of(self, who: Acting) -> frozenset[AgreementSide]:
        if who.admin:
            return frozenset(AgreementSide)
        out = set()
        if self.requesting.institution == who.institution:
            out.add(AgreementSide.REQUESTING)
        if self.providing.institution == who.institution:
            out.add(AgreementSide.PROVIDING)
        return frozenset(out)

    def served_in(self, month: Month) -> int | None:
        for d in self.deliveries:
            if d.month == month:
                return d.served
        return None

    def months(self) -> list[Month]:
        return months_between(self.terms.start, self.terms.end)

    # ----------------------------------------------------------------- transitions

    @classmethod
    def propose(cls, who: Acting, requesting: PartyRef, providing: PartyRef, product: str,
                modality: Modality, terms: Terms, today: date, notes: str = "") -> "Agreement":
        if not who.admin and requesting.institution != who.institution:
            raise PermissionDenied(ONLY_REQUESTING)
        if requesting.same_entity(providing):
            raise ValidationError(SAME_PARTY, code="same_party")
        terms = terms.check()
        if terms.end < today:
            raise ValidationError(ENDED.format(end=terms.end), code="invalid_dates")
        product = _text(product, 300)
        if not product:
            raise ValidationError("Indique el producto o servicio del acuerdo.",
                                  code="product_required")
        return cls(requesting, providing, product, Modality(modality), terms,
                   notes=_text(notes))

    def _require(self, who: Acting, side: AgreementSide | None, what: str,
                 allowed_from: Iterable[AgreementStatus]) -> frozenset[AgreementSide]:
        sides = self.sides_of(who)
        if not sides:
            raise PermissionDenied(NOT_A_PARTY)
        if side is not None and side not in sides:
            raise PermissionDenied(ONLY_PROVIDING.format(what=what))
        if self.status not in allowed_from:
            raise ValidationError(WRONG_STATUS.format(status=self.status.label, what=what),
                                  code="invalid_transition")
        return sides

    def _to(self, status: AgreementStatus, **changes: object) -> "Agreement":
        assert status in TRANSITIONS[self.status], (self.status, status)
        return attrs.evolve(self, status=status, **changes)  # type: ignore[arg-type]

    def accept(self, who: Acting, patients: int | None = None, start: date | None = None,
               end: date | None = None) -> "Agreement":
        self._require(who, AgreementSide.PROVIDING, "aceptar", (AgreementStatus.PROPOSED,))
        p = self.proposed
        agreed = Terms(p.patients if patients is None else patients, start or p.start,
                       end or p.end).check()
        if agreed.patients > p.patients:
            raise ValidationError(MORE_THAN_PROPOSED.format(proposed=p.patients),
                                  code="invalid_patients")
        return self._to(AgreementStatus.ACCEPTED, agreed=agreed)

    def decline(self, who: Acting, code: str, text: str) -> "Agreement":
        self._require(who, AgreementSide.PROVIDING, "rechazar", (AgreementStatus.PROPOSED,))
        return self._to(AgreementStatus.DECLINED,
                        decision=_decision(code, text, AgreementSide.PROVIDING))

    def cancel(self, who: Acting, code: str, text: str,
               side: AgreementSide | None = None) -> "Agreement":
        """Either side; ``side`` says which one an actor on both sides acts for (the
        requesting one by default)."""
        sides = self._require(who, None, "cancelar",
                              (AgreementStatus.ACCEPTED, AgreementStatus.ACTIVE))
        if side is None or side not in sides:
            side = AgreementSide.REQUESTING if AgreementSide.REQUESTING in sides \
                else AgreementSide.PROVIDING
        return self._to(AgreementStatus.CANCELLED, decision=_decision(code, text, side))

    def advance(self, today: date) -> tuple["Agreement", tuple[Transition, ...]]:
        """The time transitions due on ``today`` (Aceptado → Vigente → Concluido)."""
        current, done = self, []
        if current.status is AgreementStatus.ACCEPTED and today >= current.terms.start:
            nxt = AgreementStatus.ACTIVE if today <= current.terms.end \
                else AgreementStatus.CONCLUDED
            done.append(Transition(current.status, nxt,
                                   "start" if nxt is AgreementStatus.ACTIVE else "conclude"))
            current = current._to(nxt)
        if current.status is AgreementStatus.ACTIVE and today > current.terms.end:
            done.append(Transition(current.status, AgreementStatus.CONCLUDED, "conclude"))
            current = current._to(AgreementStatus.CONCLUDED)
        return current, tuple(done)

    def deliver(self, who: Acting, month: Month, served: int, reason: str,
                today: date) -> "Agreement":
        self._require(who, AgreementSide.PROVIDING, "registrar servicios en",
                      (AgreementStatus.ACTIVE,))
        agreed = self.terms.patients
        if isinstance(served, bool) or not isinstance(served, int) or served < 0:
            raise ValidationError(NEGATIVE_SERVED, code="invalid_served")
        if served > agreed:
            raise ValidationError(OVER_AGREED.format(served=served, agreed=agreed),
                                  code="over_agreed")
        reason = _text(reason)
        if served < agreed and not reason:
            raise ValidationError(BELOW_NEEDS_REASON.format(served=served, agreed=agreed),
                                  code="reason_required")
        start, end = Month.of(self.terms.start), Month.of(self.terms.end)
        if not start <= month <= end:
            raise ValidationError(MONTH_OUTSIDE.format(month=month, start=self.terms.start,
                                                       end=self.terms.end),
                                  code="month_outside")
        if Month.of(today) < month:
            raise ValidationError(MONTH_FUTURE.format(month=month), code="month_future")
        kept = tuple(d for d in self.deliveries if d.month != month)
        new = Delivery(month, served, reason if served < agreed else "")
        return attrs.evolve(self, deliveries=tuple(sorted(kept + (new,),
                                                          key=lambda d: d.month.index)))


def _decision(code: str, text: str, side: AgreementSide) -> Decision:
    code, text = _text(code, 32).upper(), _text(text)
    if not code or not text:
        raise ValidationError(REASON_REQUIRED, code="reason_required")
    return Decision(code, text, side)


# --------------------------------------------------------------------------- the loop


@attrs.frozen
class LoopFigures:
    """From need to care, in monthly patients: faltantes, what the latest analysis could
    cover (its potential), what accepted and current agreements cover, and the patients
    served in the last 12 months (a sum over months, so compare with ``agreed * 12``)."""

    needed: int = 0
    potential: int = 0
    agreed: int = 0
    served_12m: int = 0

    def __add__(self, other: "LoopFigures") -> "LoopFigures":
        return LoopFigures(self.needed + other.needed, self.potential + other.potential,
                           self.agreed + other.agreed, self.served_12m + other.served_12m)

    @property
    def agreed_share(self) -> float:
        """The part of the potential that became agreements."""
        return self.agreed / self.potential if self.potential else 0.0

    @property
    def served_share(self) -> float:
        """Served over 12 months against 12 months of the agreed patients."""
        return self.served_12m / (self.agreed * 12) if self.agreed else 0.0


def last_months(today: date, count: int = 12) -> list[Month]:
    """The ``count`` months up to and including the current one."""
    now = Month.of(today)
    return [now.plus(-i) for i in range(count - 1, -1, -1)]
