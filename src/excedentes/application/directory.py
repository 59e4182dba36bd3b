"""Names what an excedentes scope reference points to (the platform's ``ScopeDirectory``).

- ``capturista`` ``"SS:BC"`` -> ``"Entidad Federativa BAJA CALIFORNIA (SS)"``;
- ``coordinador`` ``"IMSS"`` -> ``"Instituto Mexicano del Seguro Social"``;
- None for other roles and for references that do not exist (the platform then refuses to
  create a user with that scope).
"""

from __future__ import annotations

import attrs

from excedentes.application.access import split_entity_key
from excedentes.application.ports import ExcedentesReadModel
from shared.kernel.scope import Role, Scope


@attrs.define
class ExcedentesScopeDirectory:
    read_model: ExcedentesReadModel

    def describe(self, scope: Scope) -> str | None:
        if scope.role is Role.CAPTURISTA:
            parts = split_entity_key(scope.ref)
            if parts is None:
                return None
            inst = self.read_model.institution(parts[0])
            entity = self.read_model.entity(parts[0], parts[1]) if inst else None
            if inst is None or entity is None:
                return None
            return f"{inst.entity_title(entity.name)} ({inst.code})"
        if scope.role is Role.COORDINADOR:
            inst = self.read_model.institution((scope.ref or "").strip().upper())
            return inst.name if inst else None
        return None
