"""In-app "solicitar producto" (E13): a capturista asks for a product missing from the grid.

The legacy asked users to e-mail a named official. Here a request is a small state machine::

    PENDING --accept(by)--> ACCEPTED   (returns the catalog Product to add)
    PENDING --reject(by, reason)--> REJECTED

Decisions are final: deciding twice is refused with the date of the first decision. A
rejection needs a reason, shown to the requester.
"""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

from excedentes.domain.catalog import Product, ServiceGroup, Specialty, clean_text
from excedentes.domain.rules import (
    NameRequired,
    ProductRequestMustBePending,
    RejectionRequiresReason,
)
from shared.kernel.clock import Clock
from shared.kernel.errors import ValidationError
from shared.kernel.rules import check_rule
from shared.kernel.text import fold_text


class RequestStatus(str, enum.Enum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return {RequestStatus.PENDING: "En espera", RequestStatus.ACCEPTED: "Aceptada",
                RequestStatus.REJECTED: "Rechazada"}[self]

    @property
    def slug(self) -> str:
        """The Spanish name in addresses and the CLI ("en-espera")."""
        return _SLUGS[self]

    @classmethod
    def parse(cls, raw: object) -> "RequestStatus":
        """A status by its Spanish name ("en-espera", "En espera", "aceptadas"), its label or
        its stored English value; anything else is refused naming the Spanish names."""
        key = fold_text(str(raw or "")).replace(" ", "-").replace("_", "-")
        found = _STATUS_KEYS.get(key) or _STATUS_KEYS.get(key.removesuffix("s"))
        if found is None:
            raise ValidationError(INVALID_STATUS, code="invalid_status",
                                  log_message=f"bad request status {raw!r}")
        return found


_SLUGS = {RequestStatus.PENDING: "en-espera", RequestStatus.ACCEPTED: "aceptada",
          RequestStatus.REJECTED: "rechazada"}
_STATUS_KEYS = {key: s for s in RequestStatus
                for key in (s.value, _SLUGS[s], fold_text(s.label).replace(" ", "-"))}
INVALID_STATUS = "Estatus no válido (use en-espera, aceptada o rechazada)."


@attrs.define
class ProductRequest:
    id: int | None
    entity_code: str = attrs.field(converter=clean_text)
    requested_by: str
    requested_at: datetime
    product_name: str = attrs.field(converter=clean_text)
    unit_of_measure: str = attrs.field(converter=clean_text)
    group: ServiceGroup
    specialty: Specialty | None = None
    justification: str = attrs.field(default="", converter=clean_text)
    status: RequestStatus = attrs.field(default=RequestStatus.PENDING, converter=RequestStatus)
    decided_by: str | None = None
    decided_at: datetime | None = None
    decision_reason: str | None = None

    def __attrs_post_init__(self) -> None:
        check_rule(NameRequired("El código de la entidad", self.entity_code))
        self.to_product()  # the same rules as a catalog product (name, unit of measure, group)
        decided = self.status is not RequestStatus.PENDING
        if decided != (self.decided_at is not None and self.decided_by is not None):
            raise ValueError("decided_at and decided_by are set exactly when decided")
        if self.status is RequestStatus.REJECTED:
            check_rule(RejectionRequiresReason(self.decision_reason))

    @classmethod
    def file(cls, *, entity_code: str, requested_by: str, product_name: str,
             unit_of_measure: str, group: ServiceGroup, specialty: Specialty | None = None,
             justification: str = "", clock: Clock) -> "ProductRequest":
        return cls(id=None, entity_code=entity_code, requested_by=requested_by,
                   requested_at=clock.now(), product_name=product_name,
                   unit_of_measure=unit_of_measure, group=group, specialty=specialty,
                   justification=justification)

    @property
    def institution_code(self) -> str:
        return self.group.service.institution_code

    @property
    def is_pending(self) -> bool:
        return self.status is RequestStatus.PENDING

    def to_product(self) -> Product:
        return Product(id=None, name=self.product_name, unit_of_measure=self.unit_of_measure,
                       group=self.group, specialty=self.specialty)

    def _check_pending(self) -> None:
        past = None if self.is_pending else self.status.label.lower()
        check_rule(ProductRequestMustBePending(past, self.decided_at))

    def accept(self, by: str, clock: Clock, *, has_specialty_level: bool | None = None) -> Product:
        """Accept; returns the product the application adds to the catalog."""
        self._check_pending()
        product = self.to_product()
        if has_specialty_level is not None:
            product.check_fits(has_specialty_level)
        self.status = RequestStatus.ACCEPTED
        self.decided_by, self.decided_at = by, clock.now()
        return product

    def reject(self, by: str, reason: str, clock: Clock) -> None:
        self._check_pending()
        check_rule(RejectionRequiresReason(reason))
        self.status = RequestStatus.REJECTED
        self.decided_by, self.decided_at = by, clock.now()
        self.decision_reason = reason.strip()

