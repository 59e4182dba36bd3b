"""What part of the data a user may see. Every query of a context takes one of these."""

from __future__ import annotations

import enum
from typing import Self

import attrs

from shared.kernel.errors import NotFound, PermissionDenied


class Role(str, enum.Enum):
    DIRECTOR = "director"
    REVISOR = "revisor"
    EVALUADOR = "evaluador"
    CAPTURISTA = "capturista"
    COORDINADOR = "coordinador"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]

    @property
    def scope_kind(self) -> "ScopeKind":
        return ROLE_SCOPE[self]


class ScopeKind(str, enum.Enum):
    UNIT = "unit"  # one SAnECE medical unit
    ENTITY = "entity"  # one excedentes entity (state / OOAD / delegación)
    INSTITUTION = "institution"  # one institution (IMSS, SS, ...)
    GLOBAL = "global"  # central teams and admins


ROLE_LABELS = {
    Role.DIRECTOR: "Director de la Unidad Médica",
    Role.REVISOR: "Jefatura de área de Catálogo II",
    Role.EVALUADOR: "Evaluador SAnECE",
    Role.CAPTURISTA: "Capturista de la entidad",
    Role.COORDINADOR: "Coordinador institucional",
    Role.ADMIN: "Administrador",
}

ROLE_SCOPE = {
    Role.DIRECTOR: ScopeKind.UNIT,
    Role.REVISOR: ScopeKind.GLOBAL,
    Role.EVALUADOR: ScopeKind.GLOBAL,
    Role.CAPTURISTA: ScopeKind.ENTITY,
    Role.COORDINADOR: ScopeKind.INSTITUTION,
    Role.ADMIN: ScopeKind.GLOBAL,
}


@attrs.frozen
class Scope:
    """A role plus the reference of the thing it is bound to (None for global roles)."""

    role: Role
    ref: str | None = None

    def __attrs_post_init__(self) -> None:
        needs_ref = self.role.scope_kind is not ScopeKind.GLOBAL
        if needs_ref and not self.ref:
            raise ValueError(f"role {self.role.value} needs a scope reference")

    @property
    def kind(self) -> ScopeKind:
        return self.role.scope_kind

    @property
    def is_global(self) -> bool:
        return self.kind is ScopeKind.GLOBAL

    def require_role(self, *roles: Role) -> None:
        if self.role not in roles:
            raise PermissionDenied()


@attrs.frozen
class Actor:
    """Who calls a use case: the username written to the audit trail and their scope. Each
    context subclasses it with constructors for its own roles."""

    username: str
    scope: Scope

    @classmethod
    def admin(cls, username: str = "system") -> Self:
        return cls(username, Scope(Role.ADMIN))


def ensure_visible(found: object | None, visible: bool, message: str = "El recurso solicitado no existe.") -> None:
    """Raise the same NotFound for a missing resource and for one outside the scope.

    Contexts call it after loading by id: a foreign id must answer exactly like a missing one.
    """
    if found is None or not visible:
        raise NotFound(message)
