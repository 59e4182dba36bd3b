""""Solicitar producto" (E13): a capturista asks for a product missing from a Paso 6 grid; the
institution's coordinador accepts it (the product is added to the catalog) or rejects it with
a reason. Lists and details: ``ExcedentesQueries.product_requests`` / ``product_request``.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from excedentes.application.access import (
    GROUP_NOT_FOUND,
    REQUEST_NOT_FOUND,
    SPECIALTY_NOT_FOUND,
    Actor,
    EntityRef,
    require_capture,
    require_manage,
    sees_entity,
    split_entity_key,
)
from excedentes.application.use_cases._common import UseCase, audit, load_entity
from excedentes.application.use_cases.catalog import CATALOG, claim_version
from excedentes.domain.bounds import known_id
from excedentes.domain.product_requests import ProductRequest, RequestStatus
from excedentes.domain.versions import VERSION_MISSING, stale, version_required
from shared.kernel.errors import NotFound
from shared.kernel.scope import Role, ensure_visible

REQUEST_TARGET = "product_request"


@attrs.frozen
class FileProductRequestCommand:
    entity: EntityRef
    group_id: int
    specialty_id: int | None  # required when the institution has the especialidad level
    product_name: str
    unit_of_measure: str  # "Consulta", "Estudio", "Sesión", "Procedimiento"…
    justification: str = ""


@attrs.frozen
class RequestOutcome:
    id: int
    status: RequestStatus
    product_id: int | None = None  # set on acceptance
    decided_at: datetime | None = None
    product_name: str = ""  # how messages name the request ("«Apendicectomía»")
    grid_path: str = ""  # "Cirugía / Cirugía general": the Paso 6 table of the product

    @property
    def status_label(self) -> str:
        return self.status.label


def _grid_path(request: ProductRequest) -> str:
    return " / ".join(x.name for x in (request.group, request.specialty) if x is not None)


@attrs.define
class FileProductRequest(UseCase):
    """File a "solicitar producto" request for the caller's entity (capturista or admin).

    The group (and specialty) must belong to the entity's institution (``NotFound``
    otherwise); the same rules as a catalog product apply (name, unit of measure, specialty
    level). Audited as ``excedentes.product_requested``.
    """

    def __call__(self, actor: Actor, cmd: FileProductRequestCommand) -> RequestOutcome:
        with self.uow_factory() as uow:
            inst, entity = load_entity(uow, actor, cmd.entity)
            require_capture(actor.scope, inst.code, entity.code)
            known = known_id(cmd.group_id)  # past the id bound: like a missing group
            info = uow.catalog.group_info(cmd.group_id) if known else None
            group = uow.catalog.group(cmd.group_id) if known else None
            if info is None or group is None or info.institution_code != inst.code:
                raise NotFound(GROUP_NOT_FOUND)
            specialty = None
            if cmd.specialty_id is not None:
                known = known_id(cmd.specialty_id)
                sinfo = uow.catalog.specialty_info(cmd.specialty_id) if known else None
                specialty = uow.catalog.specialty(cmd.specialty_id) if known else None
                if sinfo is None or specialty is None or sinfo.group_id != info.id:
                    raise NotFound(SPECIALTY_NOT_FOUND)
            request = ProductRequest.file(
                entity_code=entity.code, requested_by=actor.username,
                product_name=cmd.product_name, unit_of_measure=cmd.unit_of_measure, group=group,
                specialty=specialty, justification=cmd.justification, clock=self.clock)
            request.to_product().check_fits(inst.has_specialty_level)
            request_id = uow.requests.add(request)
            audit(uow, self.clock, actor, "product_requested", REQUEST_TARGET, str(request_id),
                  after={"entity": f"{inst.code}:{entity.code}", "group": group.name,
                         "specialty": specialty.name if specialty else None,
                         "product": request.product_name,
                         "unit_of_measure": request.unit_of_measure,
                         "justification": request.justification})
            uow.commit()
            return RequestOutcome(request_id, request.status, product_name=request.product_name,
                                  grid_path=_grid_path(request))


REQUEST_WHAT = "esta solicitud de producto"


@attrs.define
class _Decide(UseCase):
    def _load(self, uow, actor: Actor, request_id: int,  # type: ignore[no-untyped-def]
              expected: int | None) -> ProductRequest:
        """The request, locked, after moving its version from ``expected`` (the page's or the
        API's ``If-Match``; None: trusted caller) to the next in one statement: of two
        coordinators deciding from the same page one wins, the other is told who and when."""
        request = uow.requests.get(request_id, for_update=True) if known_id(request_id) \
            else None
        visible = request is not None and sees_entity(actor.scope, request.institution_code,
                                                      request.entity_code)
        ensure_visible(request, visible, REQUEST_NOT_FOUND)
        assert request is not None
        require_manage(actor.scope, request.institution_code)
        if expected == VERSION_MISSING:
            raise version_required(REQUEST_WHAT)
        if not uow.requests.bump_version(request_id, expected, actor.username,
                                         self.clock.now()):
            raise stale(uow.requests.version(request_id), REQUEST_WHAT)
        return request


@attrs.define
class AcceptProductRequest(_Decide):
    """The coordinador accepts a pending request: the product is added to the institution's
    catalog (or, if the same product already exists, linked to it). Deciding twice is a
    ``Conflict`` naming the first decision's date. The catalog's version moves on (an import
    from a page drawn before is stale). Audited as ``excedentes.request_accepted``.
    """

    def __call__(self, actor: Actor, request_id: int, *,
                 expected_version: int | None = None) -> RequestOutcome:
        with self.uow_factory() as uow:
            request = self._load(uow, actor, request_id, expected_version)
            inst = uow.institutions.get(request.institution_code)
            product = request.accept(actor.username, self.clock,
                                     has_specialty_level=inst.has_specialty_level if inst else None)
            # the catalog moves on (pages drawn before are stale); claimed before the product
            # is written, in the order imports take their locks (no deadlock with one)
            claim_version(uow, self.clock, actor, request.institution_code, CATALOG, None)
            merged = uow.catalog.merge_products([product])
            product_id = merged.product_ids[0]
            uow.requests.update(request, product_id=product_id)
            audit(uow, self.clock, actor, "request_accepted", REQUEST_TARGET, str(request_id),
                  before={"status": RequestStatus.PENDING.value},
                  after={"status": request.status.value, "product_id": product_id,
                         "product": product.name, "created": bool(merged.created)})
            uow.commit()
            return RequestOutcome(request_id, request.status, product_id, request.decided_at,
                                  request.product_name, _grid_path(request))


@attrs.define
class RejectProductRequest(_Decide):
    """The coordinador rejects a pending request with a reason (shown to the requester).
    Audited as ``excedentes.request_rejected`` with the reason."""

    def __call__(self, actor: Actor, request_id: int, reason: str, *,
                 expected_version: int | None = None) -> RequestOutcome:
        with self.uow_factory() as uow:
            request = self._load(uow, actor, request_id, expected_version)
            request.reject(actor.username, reason, self.clock)
            uow.requests.update(request)
            audit(uow, self.clock, actor, "request_rejected", REQUEST_TARGET, str(request_id),
                  before={"status": RequestStatus.PENDING.value},
                  after={"status": request.status.value}, reason=request.decision_reason)
            uow.commit()
            return RequestOutcome(request_id, request.status, None, request.decided_at,
                                  request.product_name, _grid_path(request))


@attrs.define
class AcknowledgeDecisions(UseCase):
    """A capturista opens their "Solicitudes de producto" page: the decisions of the requests
    they filed that they had not seen yet are marked seen (their tablero stops announcing
    them). Returns those requests' ids, so that the page can show them first. Other roles
    (coordinador, admin) have nothing to acknowledge: ``()``. Audited as
    ``excedentes.request_decisions_seen`` when something was marked."""

    def __call__(self, actor: Actor) -> tuple[int, ...]:
        if actor.scope.role is not Role.CAPTURISTA:
            return ()
        parts = split_entity_key(actor.scope.ref)
        if parts is None:
            return ()
        with self.uow_factory() as uow:
            inst, entity = load_entity(uow, actor, EntityRef(*parts))
            seen = uow.requests.mark_decisions_seen(inst.code, entity.code, actor.username,
                                                    self.clock.now())
            if seen:
                audit(uow, self.clock, actor, "request_decisions_seen", REQUEST_TARGET,
                      ",".join(str(i) for i in seen), after={"seen": list(seen)})
                uow.commit()
            return seen
