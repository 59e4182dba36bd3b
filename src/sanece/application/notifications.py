"""What sanece's audit entries and dates mean for whose inbox (``NotificationSource``).

A decision, a request for information, an expiry or a cancellation of a request reaches the
directors of the unit that filed it; an answer and a request waiting past its target reach the
reviewers; an evaluation and a folio about to expire reach the directors of the folio's unit.
The author of a change is never notified of it. Titles carry folio and request numbers only,
never a patient's name or NSS (they may travel by e-mail).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Sequence

import attrs

from sanece.domain.business_days import DEFAULT_TARGET_DAYS, is_business_day
from sanece.application.ports import FolioSubject, NotificationSubjects, RequestSubject
from shared.kernel.clock import Clock
from shared.notifications.domain import Audience, Draft, Event, Kind

REQUEST_TARGET = "sanece_request"
FOLIO_TARGET = "sanece_folio"
REVIEWER_ROLE = "revisor"
DIRECTOR_ROLE = "director"
EXPIRY_HORIZON_DAYS = 30
TARGET_BUSINESS_DAYS = DEFAULT_TARGET_DAYS


def request_link(request_id: int) -> str:
    return f"/sanece/solicitudes/{request_id}"


def folio_link(number: str) -> str:
    return f"/sanece/consultar?folio={number}"


# action -> (kind, what happened, to the unit (True) or to the reviewers (False))
REQUEST_ACTIONS: dict[str, tuple[Kind, str, bool]] = {
    "sanece.request_approved": (Kind.DECISION, "Validado", True),
    "sanece.request_approved_modified": (Kind.DECISION, "Validado con modificación", True),
    "sanece.request_rejected": (Kind.DECISION, "No Validado", True),
    "sanece.request_pended": (Kind.INFO_REQUESTED, "Requiere información", True),
    "sanece.request_expired": (Kind.DECISION, "Vencida sin respuesta", True),
    "sanece.request_cancelled": (Kind.DECISION, "Cancelada por la unidad", True),
    "sanece.merge_undone": (Kind.DECISION, "Homologación deshecha por la administración", True),
    "sanece.request_answered": (Kind.INFO_RECEIVED, "La unidad respondió", False),
}
FOLIO_ACTIONS = frozenset({"sanece.folio_evaluated"})


def unit_audience(unit_id: int | None, actor: str) -> Audience | None:
    return Audience(DIRECTOR_ROLE, str(unit_id), exclude=actor) if unit_id else None


def request_title(subject: RequestSubject, what: str) -> str:
    on = f" del folio {subject.folio_number}" if subject.folio_number else ""
    return f"Solicitud {subject.id} ({subject.type_label}){on}: {what}"


def event_drafts(events: Sequence[Event], subjects: NotificationSubjects) -> list[Draft]:
    """The drafts of a batch of audit entries (two look-ups per batch, not per entry)."""
    request_ids = {int(e.target_id) for e in events
                   if e.action in REQUEST_ACTIONS and e.target_id.isdigit()}
    numbers = {e.target_id for e in events if e.action in FOLIO_ACTIONS}
    requests = subjects.requests(request_ids) if request_ids else {}
    folios = subjects.folios(numbers) if numbers else {}
    drafts: list[Draft] = []
    for e in events:
        if e.action in REQUEST_ACTIONS and e.target_id.isdigit():
            subject = requests.get(int(e.target_id))
            if subject is None:
                continue
            kind, what, to_unit = REQUEST_ACTIONS[e.action]
            audience = (unit_audience(subject.unit_id, e.actor) if to_unit
                        else Audience(REVIEWER_ROLE, exclude=e.actor))
            if audience is None:
                continue
            drafts.append(Draft(audience, kind, f"audit:{e.id}", request_title(subject, what),
                                request_link(subject.id), e.at))
        elif e.action in FOLIO_ACTIONS:
            folio = folios.get(e.target_id)
            audience = unit_audience(folio.unit_id, e.actor) if folio else None
            if folio is None or audience is None:
                continue
            drafts.append(Draft(audience, Kind.FOLIO_EVALUATED, f"audit:{e.id}",
                                f"Folio {folio.number} evaluado: {folio.status_label}",
                                folio_link(folio.number), e.at))
    return drafts


def business_days_before(day: date, n: int) -> date:
    """The date ``n`` business days (the queue's calendar: weekdays except Mexico's federal
    holidays) before ``day``, so the inbox and the queue agree on what is overdue."""
    while n > 0:
        day -= timedelta(days=1)
        if is_business_day(day):
            n -= 1
    return day


def due_drafts(now: datetime, today: date, subjects: NotificationSubjects, *,
               horizon_days: int = EXPIRY_HORIZON_DAYS,
               target_days: int = TARGET_BUSINESS_DAYS) -> list[Draft]:
    drafts: list[Draft] = []
    for folio in subjects.expiring_folios(today, today + timedelta(days=horizon_days)):
        assert folio.expiry_date is not None
        audience = unit_audience(folio.unit_id, actor="")
        assert audience is not None
        # keyed by the expiry date: an extension that moves it warns again before the new one
        drafts.append(Draft(audience, Kind.FOLIO_EXPIRING,
                            f"expiring:{folio.number}:{folio.expiry_date.isoformat()}",
                            f"El folio {folio.number} vence el "
                            f"{folio.expiry_date.strftime('%d/%m/%Y')}",
                            folio_link(folio.number), now))
    cutoff = business_days_before(today, target_days)
    start_of_cutoff = datetime.combine(cutoff, datetime.min.time(), tzinfo=now.tzinfo)
    for request in subjects.waiting_requests(start_of_cutoff):
        drafts.append(Draft(Audience(REVIEWER_ROLE), Kind.REQUEST_OVERDUE,
                            f"overdue:{request.id}",
                            request_title(request, f"espera más de {target_days} días hábiles"),
                            request_link(request.id), now))
    return drafts


@attrs.define
class SaneceNotificationSource:
    subjects: NotificationSubjects
    clock: Clock
    horizon_days: int = EXPIRY_HORIZON_DAYS
    target_days: int = TARGET_BUSINESS_DAYS

    def drafts_for(self, events: Sequence[Event]) -> Sequence[Draft]:
        return event_drafts(events, self.subjects)

    def due(self, now: datetime) -> Sequence[Draft]:
        return due_drafts(now, self.clock.today(), self.subjects,
                          horizon_days=self.horizon_days, target_days=self.target_days)


__all__ = ["FolioSubject", "RequestSubject", "SaneceNotificationSource", "due_drafts",
           "event_drafts"]
