"""Names what a sanece scope reference points to (the platform's ``ScopeDirectory``).

- ``director`` ``"12"`` (a unit id) -> ``"CAMPECHE (H Gral Zona MF 4)"``, the header line of
  S1 ("OOAD (unidad)");
- None for other roles and for references that do not exist (the platform then refuses to
  create a user with that scope).
"""

from __future__ import annotations

import attrs

from sanece.application.access import director_unit
from sanece.application.ports import SaneceReadModel
from shared.kernel.scope import Scope


@attrs.define
class SaneceScopeDirectory:
    read_model: SaneceReadModel

    def describe(self, scope: Scope) -> str | None:
        unit_id = director_unit(scope)
        if unit_id is None:
            return None
        unit = self.read_model.unit(unit_id)
        return unit.label if unit else None
