"""Who may see and do what in the sanece context (P5 scoping).

Scope references (``shared.kernel.scope.Scope.ref``):

- ``director``: one medical unit, its id as text (``"12"``). Sees the folios of that unit, the
  patients that have a folio there, and the change requests the unit filed (with their
  attachments); files change requests; extracts that unit's folios.
- ``revisor`` (Jefatura de área de Catálogo II): sees everything; approves and rejects change
  requests (the review queue).
- ``evaluador``: sees everything; registers evaluations of Pendiente folios.
- ``admin``: everything (the CLI acts as admin): imports, undoing a wrong merge, the
  comentarios o sugerencias.
- ``capturista`` and ``coordinador`` (excedentes roles) see nothing here.

Something outside the caller's scope answers exactly like a missing id (``NotFound`` with the
same message). An action the caller may not do on something they can see is
``PermissionDenied``.
"""

from __future__ import annotations

import attrs

from shared.kernel.errors import PermissionDenied
from shared.kernel.scope import Actor as KernelActor
from shared.kernel.scope import Role, Scope, ensure_visible

FOLIO_NOT_FOUND = "El folio solicitado no existe o no corresponde a tu unidad médica."
PATIENT_NOT_FOUND = "El paciente solicitado no existe o no tiene folios en tu unidad médica."
REQUEST_NOT_FOUND = "La solicitud de cambio no existe."
ATTACHMENT_NOT_FOUND = "El archivo adjunto no existe."
UNIT_NOT_FOUND = "La unidad médica solicitada no existe."
OOAD_NOT_FOUND = "La OOAD/UMAE solicitada no existe."
MEDICINE_NOT_FOUND = "El genérico solicitado no existe."

SANECE_ROLES = frozenset({Role.DIRECTOR, Role.REVISOR, Role.EVALUADOR, Role.ADMIN})
NOT_SANECE = "Tu cuenta no tiene acceso al módulo SAnECE."
FILE_DENIED = "Las solicitudes de cambio las registra el director de la unidad médica."
REVIEW_DENIED = ("La revisión de solicitudes de cambio corresponde a la Jefatura de área de "
                 "Catálogo II.")
EVALUATE_DENIED = "El registro de evaluaciones corresponde al evaluador del SAnECE."
ADMIN_DENIED = "Esta acción corresponde a la administración del sistema."


@attrs.frozen
class Actor(KernelActor):
    """The kernel's ``Actor`` (username and scope) with the sanece roles' constructors."""

    @classmethod
    def director(cls, username: str, unit_id: int) -> "Actor":
        return cls(username, Scope(Role.DIRECTOR, unit_ref(unit_id)))

    @classmethod
    def revisor(cls, username: str = "revisor") -> "Actor":
        return cls(username, Scope(Role.REVISOR))

    @classmethod
    def evaluador(cls, username: str = "evaluador") -> "Actor":
        return cls(username, Scope(Role.EVALUADOR))

    @property
    def unit_id(self) -> int | None:
        return director_unit(self.scope)


def unit_ref(unit_id: int) -> str:
    """The director scope reference of a unit."""
    return str(int(unit_id))


def parse_unit_ref(ref: str | None) -> int | None:
    text = (ref or "").strip()
    if not text.isdigit() or not text.isascii():
        return None
    value = int(text)
    return value if value > 0 else None


def director_unit(scope: Scope) -> int | None:
    """The director's unit id; None for every other role (and for a malformed reference)."""
    if scope.role is not Role.DIRECTOR:
        return None
    return parse_unit_ref(scope.ref)


# --------------------------------------------------------------------------- predicates


def in_sanece(scope: Scope) -> bool:
    return scope.role in SANECE_ROLES


def sees_all(scope: Scope) -> bool:
    """Central roles see every unit."""
    return scope.role in (Role.REVISOR, Role.EVALUADOR, Role.ADMIN)


def sees_unit(scope: Scope, unit_id: int | None) -> bool:
    if unit_id is None:
        return sees_all(scope)
    if sees_all(scope):
        return True
    own = director_unit(scope)
    return own is not None and own == unit_id


def sees_any_unit(scope: Scope, unit_ids: "set[int] | frozenset[int]") -> bool:
    """A patient is visible to a director when one of their folios is in the unit."""
    if sees_all(scope):
        return True
    own = director_unit(scope)
    return own is not None and own in unit_ids


# --------------------------------------------------------------------------- guards


def require_sanece(scope: Scope) -> None:
    if not in_sanece(scope):
        raise PermissionDenied(NOT_SANECE)


def require_visible(found: object | None, visible: bool, message: str) -> None:
    """NotFound for a missing thing and for one outside the scope, alike."""
    ensure_visible(found, found is not None and visible, message)


def require_director(scope: Scope) -> int:
    """The filing director's unit (``PermissionDenied`` for every other role)."""
    unit_id = director_unit(scope)
    if unit_id is None:
        raise PermissionDenied(FILE_DENIED)
    return unit_id


def require_reviewer(scope: Scope) -> None:
    if scope.role not in (Role.REVISOR, Role.ADMIN):
        raise PermissionDenied(REVIEW_DENIED)


def require_evaluator(scope: Scope) -> None:
    if scope.role not in (Role.EVALUADOR, Role.ADMIN):
        raise PermissionDenied(EVALUATE_DENIED)


def require_admin(scope: Scope) -> None:
    if scope.role is not Role.ADMIN:
        raise PermissionDenied(ADMIN_DENIED)
