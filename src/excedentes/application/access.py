"""Who may see and change what in the excedentes context (P5 scoping).

Scope references (``shared.kernel.scope.Scope.ref``):

- ``capturista``: one entity, ``"{INSTITUTION}:{ENTITY_CODE}"``, e.g. ``"SS:BC"``,
  ``"IMSS:MC-OTE"``. Captures (Paso 2, grid, finalize, signed upload, product requests) for
  that entity only; reads that entity; reads the dashboard of its own institution (the other
  rows are shown read-only, ``DashboardEntry.actionable`` is False for them).
- ``coordinador``: one institution, e.g. ``"IMSS"``. Reads every entity of the institution,
  reopens, opens/closes periods, decides product requests, imports/exports its catalog and
  units, exports its records. Does not capture on behalf of an entity.
- ``admin``: everything, the country included (the CLI acts as admin).
- every other role sees nothing here.

Anything outside the caller's scope answers exactly like a missing id: ``NotFound`` with the
same message (``ensure_visible``). An action on something the caller *can* see but may not
do (a coordinador saving a grid, a capturista reopening) is ``PermissionDenied``.
"""

from __future__ import annotations

import attrs

from excedentes.domain.catalog import clean_text
from excedentes.domain.review import Viewer
from shared.kernel.errors import PermissionDenied
from shared.kernel.scope import Actor as KernelActor
from shared.kernel.scope import Role, Scope, ensure_visible

ENTITY_NOT_FOUND = "La entidad solicitada no existe."
INSTITUTION_NOT_FOUND = "La institución solicitada no existe."
PERIOD_NOT_FOUND = "El periodo de captura solicitado no existe."
UNIT_NOT_FOUND = "La unidad médica solicitada no existe."
GROUP_NOT_FOUND = "El grupo de servicio solicitado no existe."
SPECIALTY_NOT_FOUND = "La especialidad troncal solicitada no existe."
REQUEST_NOT_FOUND = "La solicitud de producto no existe."
SIGNED_NOT_FOUND = "No hay un reporte firmado con esos datos."

CAPTURE_DENIED = ("Solo la capturista de la entidad puede registrar o modificar su información "
                  "(Pasos 2 a 9).")
MANAGE_DENIED = "Esta acción corresponde al coordinador de la institución."
COUNTRY_DENIED = "La exportación nacional corresponde a la administración del sistema."


@attrs.frozen
class Actor(KernelActor):
    """The kernel's ``Actor`` (username and scope) with the excedentes roles' constructors."""

    @classmethod
    def capturista(cls, username: str, entity_key: str) -> "Actor":
        return cls(username, Scope(Role.CAPTURISTA, entity_key))

    @classmethod
    def coordinador(cls, username: str, institution_code: str) -> "Actor":
        return cls(username, Scope(Role.COORDINADOR, institution_code))


def _upper(value: object) -> str:
    return clean_text(value).upper()


@attrs.frozen
class EntityRef:
    """An entity named by its institution and code: ``EntityRef("SS", "BC")`` = ``"SS:BC"``."""

    institution_code: str = attrs.field(converter=_upper)
    entity_code: str = attrs.field(converter=clean_text)

    @property
    def key(self) -> str:
        return entity_key(self.institution_code, self.entity_code)

    @classmethod
    def parse(cls, key: str) -> "EntityRef":
        parts = split_entity_key(key)
        if parts is None:
            raise ValueError(f"not an entity key: {key!r} (expected INSTITUTION:ENTITY)")
        return cls(*parts)

    def __str__(self) -> str:
        return self.key


def entity_key(institution_code: str, entity_code: str) -> str:
    """The capturista scope reference of an entity: ``"SS:BC"``."""
    return f"{_upper(institution_code)}:{clean_text(entity_code)}"


def split_entity_key(ref: str | None) -> tuple[str, str] | None:
    inst, sep, code = (ref or "").partition(":")
    if not sep or not clean_text(inst) or not clean_text(code):
        return None
    return _upper(inst), clean_text(code)


def _same(a: str, b: str) -> bool:
    return clean_text(a).casefold() == clean_text(b).casefold()


# --------------------------------------------------------------------------- predicates


def sees_institution(scope: Scope, institution_code: str) -> bool:
    """May read the institution's dashboard (and its list of entities)."""
    if scope.role is Role.ADMIN:
        return True
    if scope.role is Role.COORDINADOR:
        return _same(scope.ref or "", institution_code)
    if scope.role is Role.CAPTURISTA:
        parts = split_entity_key(scope.ref)
        return parts is not None and _same(parts[0], institution_code)
    return False


def sees_entity(scope: Scope, institution_code: str, entity_code: str) -> bool:
    """May read the entity's pages, reports and signed copies."""
    if scope.role is Role.ADMIN:
        return True
    if scope.role is Role.COORDINADOR:
        return _same(scope.ref or "", institution_code)
    if scope.role is Role.CAPTURISTA:
        parts = split_entity_key(scope.ref)
        return (parts is not None and _same(parts[0], institution_code)
                and _same(parts[1], entity_code))
    return False


def may_capture(scope: Scope, institution_code: str, entity_code: str) -> bool:
    """May change the entity's collection (answer, grid, finalize, upload, requests)."""
    if scope.role is Role.ADMIN:
        return True
    return scope.role is Role.CAPTURISTA and sees_entity(scope, institution_code, entity_code)


def may_manage(scope: Scope, institution_code: str) -> bool:
    """Coordinator actions on the institution (reopen, periods, requests, catalogs)."""
    if scope.role is Role.ADMIN:
        return True
    return scope.role is Role.COORDINADOR and sees_institution(scope, institution_code)


# --------------------------------------------------------------------------- guards


def require_entity(scope: Scope, institution_code: str, entity_code: str,
                   found: object | None) -> None:
    """NotFound for a missing entity and for one outside the scope, alike."""
    ensure_visible(found, found is not None and sees_entity(scope, institution_code, entity_code),
                   ENTITY_NOT_FOUND)


def require_institution(scope: Scope, institution_code: str, found: object | None) -> None:
    ensure_visible(found, found is not None and sees_institution(scope, institution_code),
                   INSTITUTION_NOT_FOUND)


def require_capture(scope: Scope, institution_code: str, entity_code: str) -> None:
    """After ``require_entity``: the caller sees the entity but may not change it."""
    if not may_capture(scope, institution_code, entity_code):
        raise PermissionDenied(CAPTURE_DENIED)


def require_manage(scope: Scope, institution_code: str) -> None:
    """After the institution is known to exist: NotFound outside it, PermissionDenied inside."""
    ensure_visible(True, sees_institution(scope, institution_code), INSTITUTION_NOT_FOUND)
    if not may_manage(scope, institution_code):
        raise PermissionDenied(MANAGE_DENIED)


def viewer_of(scope: Scope, institution_code: str, entity_code: str) -> Viewer:
    """The caller relative to one entity, as ``excedentes.domain.review.decide`` takes it."""
    return Viewer(can_capture=may_capture(scope, institution_code, entity_code),
                  can_manage=may_manage(scope, institution_code),
                  is_admin=scope.role is Role.ADMIN)
