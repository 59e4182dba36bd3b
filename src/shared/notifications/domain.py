"""What a notification is, and the pure rules of the projection.

Notifications are not written by the use cases that cause them: every use case already writes
audit entries in its own transaction (the outbox), and the projector reads the entries after
its cursor and asks each context what they mean for whom (``Draft``). A draft names its
recipients by role and scope (``Audience``), never by address, and carries a ``key`` that is
unique per recipient: projecting the same entry twice, or sweeping the same expiring folio
every hour, stores one notification.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any, Mapping

import attrs

MAX_TITLE = 300


class Kind(enum.StrEnum):
    DECISION = "decision"  # a decision on a request of my unit
    INFO_REQUESTED = "info_requested"  # the reviewer asks my unit for information
    INFO_RECEIVED = "info_received"  # the unit answered (reviewers)
    FOLIO_EVALUATED = "folio_evaluated"  # a folio of my unit was evaluated
    FOLIO_EXPIRING = "folio_expiring"  # a folio of my unit expires within the horizon
    REQUEST_OVERDUE = "request_overdue"  # a request waits past its target (reviewers)

    @property
    def label(self) -> str:
        return KIND_LABELS[self]


KIND_LABELS = {
    Kind.DECISION: "Decisión sobre una solicitud",
    Kind.INFO_REQUESTED: "Información requerida",
    Kind.INFO_RECEIVED: "Información recibida",
    Kind.FOLIO_EVALUATED: "Folio evaluado",
    Kind.FOLIO_EXPIRING: "Folio por vencer",
    Kind.REQUEST_OVERDUE: "Solicitud fuera de plazo",
}


@attrs.frozen
class Audience:
    """Who receives a draft: the active users of ``role`` (with ``scope_ref`` when given),
    except ``exclude`` (the author of the change never notifies themselves)."""

    role: str
    scope_ref: str | None = None
    exclude: str | None = None


@attrs.frozen
class Event:
    """One audit entry as the projector hands it to the contexts."""

    id: int
    at: datetime
    actor: str
    action: str
    target_type: str
    target_id: str
    after: Mapping[str, Any] | None = None
    reason: str | None = None


def _title(value: str) -> str:
    text = " ".join(str(value).split())
    if not text:
        raise ValueError("a notification needs a title")
    return text[:MAX_TITLE]


def _link(value: str) -> str:
    # Only the product's own pages: a link is rendered as <a href>, never to another origin.
    if not value.startswith("/") or value.startswith("//"):
        raise ValueError(f"a notification links to a page of the product, not {value!r}")
    return value


@attrs.frozen
class Draft:
    audience: Audience
    kind: Kind = attrs.field(converter=Kind)
    key: str  # unique per recipient: the same key twice is stored once
    title: str = attrs.field(converter=_title)
    link: str = attrs.field(converter=_link)
    at: datetime


@attrs.frozen
class Notification:
    id: int
    user_id: int
    kind: Kind = attrs.field(converter=Kind)
    title: str
    link: str
    created_at: datetime
    read_at: datetime | None = None

    @property
    def unread(self) -> bool:
        return self.read_at is None


@attrs.frozen
class Recipient:
    user_id: int
    username: str
    email: str | None = None


def email_text(notification_title: str, link: str, base_url: str | None) -> tuple[str, str]:
    """Subject and body of the e-mail copy (no patient data beyond what the title says, and
    the titles carry folio and request numbers only)."""
    subject = f"SAnECE: {notification_title}"[:180]
    where = f"{base_url.rstrip('/')}{link}" if base_url else link
    body = (f"{notification_title}\n\nConsúltelo en el sistema: {where}\n\n"
            "Este aviso se envía automáticamente; no responda a este correo.\n")
    return subject, body
