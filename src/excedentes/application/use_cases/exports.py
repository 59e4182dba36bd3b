"""E14: Excel of the records of an entity, an institution or the country for a period.

Rows are streamed from SQL in order (``ExcedentesReadModel.export_rows``) into the
``RecordsExporter`` (XlsxWriter in constant-memory mode), so a national export never holds
all records in memory.
"""

from __future__ import annotations

from pathlib import Path

import attrs

from excedentes.application.access import (
    COUNTRY_DENIED,
    ENTITY_NOT_FOUND,
    INSTITUTION_NOT_FOUND,
    MANAGE_DENIED,
    PERIOD_NOT_FOUND,
    Actor,
    may_manage,
    sees_entity,
    sees_institution,
)
from excedentes.application.ports import ExcedentesReadModel, RecordsExporter
from excedentes.application.results import ExportResult
from excedentes.domain.bounds import known_year
from shared.kernel.errors import NotFound, PermissionDenied
from shared.kernel.scope import Role, ensure_visible


@attrs.frozen
class ExportRecordsCommand:
    year: int
    path: Path
    institution_code: str | None = None  # None: the whole country (admin only)
    entity_code: str | None = None  # with an institution: one entity


@attrs.define
class ExportRecords:
    """Write the records of the scope asked for to an .xlsx at ``cmd.path``.

    - one entity: whoever may read the entity (its capturista, the coordinador, an admin);
    - one institution: its coordinador or an admin (``PermissionDenied`` for a capturista);
    - the country: admin only.
    ``NotFound`` for an unknown or out-of-scope institution / entity, or a missing period.
    """

    read_model: ExcedentesReadModel
    exporter: RecordsExporter

    def __call__(self, actor: Actor, cmd: ExportRecordsCommand) -> ExportResult:
        rm = self.read_model
        if not known_year(cmd.year):  # no period has it: answered before any SQL
            raise NotFound(PERIOD_NOT_FOUND)
        inst_code = cmd.institution_code.upper() if cmd.institution_code else None
        entity_code = None
        if inst_code is None:
            if cmd.entity_code:
                raise ValueError("Indique la institución de la entidad.")
            if actor.scope.role is not Role.ADMIN:
                raise PermissionDenied(COUNTRY_DENIED)
        else:
            inst = rm.institution(inst_code)
            if cmd.entity_code:
                entity = rm.entity(inst_code, cmd.entity_code) if inst else None
                ensure_visible(entity, entity is not None and
                               sees_entity(actor.scope, inst_code, entity.code), ENTITY_NOT_FOUND)
                assert entity is not None
                entity_code = entity.code
            else:
                ensure_visible(inst, sees_institution(actor.scope, inst_code),
                               INSTITUTION_NOT_FOUND)
                if not may_manage(actor.scope, inst_code):
                    raise PermissionDenied(MANAGE_DENIED)
            if rm.period(inst_code, cmd.year) is None:
                raise NotFound(PERIOD_NOT_FOUND)
        rows = rm.export_rows(cmd.year, inst_code, entity_code)
        count = self.exporter.write(rows, Path(cmd.path))
        return ExportResult(count, str(cmd.path))
