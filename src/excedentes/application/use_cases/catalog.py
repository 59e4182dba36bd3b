"""Catalog and units: import (CSV/XLSX, validated line by line, all or nothing) and export
(E13), through the ``CatalogFiles`` port.

Imports merge: a product already in the catalog (same Servicio / Grupo / Especialidad /
Producto, ignoring case and accents) keeps its id (records point to it) and gets the file's
unit of measure; new ones are added; nothing is deleted. A unit (by CLUES) is added or updated;
a unit with records may not move to another entity. Any bad line refuses the whole file with
``ImportInvalid`` ("No se importó ninguna línea: Línea 7: …"), whose ``details`` lists every
``LineError``.

Callers: the institution's coordinador (their own institution only) or an admin.
"""

from __future__ import annotations

from pathlib import Path
from typing import Collection, Mapping

import attrs

from excedentes.application.access import (
    INSTITUTION_NOT_FOUND,
    Actor,
    may_manage,
    require_manage,
)
from excedentes.application.documents import CatalogFiles
from excedentes.application.ports import ExcedentesReadModel, ExcedentesUnitOfWork
from excedentes.application.use_cases._common import UseCase, audit, load_institution
from excedentes.application.views import ImportSummary
from excedentes.domain.catalog import MedicalUnit, clean_text, name_key
from excedentes.domain.imports import (
    ImportResult,
    UnitRow,
    validate_catalog_rows,
    validate_unit_rows,
)
from shared.kernel.errors import NotFound, PermissionDenied
from shared.kernel.imports import LineError
from shared.kernel.scope import Role

FORMATS = ("csv", "xlsx")


def file_format(path: Path, fmt: str | None = None) -> str:
    """"csv" or "xlsx", from ``fmt`` or the file's extension (``ValueError`` otherwise)."""
    chosen = (fmt or Path(path).suffix.lstrip(".")).lower()
    if chosen not in FORMATS:
        raise ValueError(f"Formato no soportado: «{chosen or Path(path).name}» (use .csv o .xlsx).")
    return chosen


@attrs.define
class ImportCatalog(UseCase):
    """Import an institution's product catalog file (columns Servicio, Grupo, Especialidad,
    Producto, Unidad de Medida). Returns how many products were created / updated /
    unchanged. Audited as ``excedentes.catalog_imported``."""

    files: CatalogFiles

    def __call__(self, actor: Actor, institution_code: str, path: Path,
                 original_name: str | None = None) -> ImportSummary:
        # The file is read before the transaction starts (SQLite writers queue on it).
        rows = list(self.files.read_catalog(Path(path), original_name or Path(path).name))
        with self.uow_factory() as uow:
            inst = load_institution(uow, institution_code.upper())
            require_manage(actor.scope, inst.code)
            result = validate_catalog_rows(inst, rows)
            result.raise_if_invalid()
            counts = uow.catalog.merge_products(result.items)
            summary = ImportSummary(counts.created, counts.updated, counts.unchanged)
            audit(uow, self.clock, actor, "catalog_imported", "catalog", inst.code,
                  after={"file": original_name or Path(path).name, "lines": len(rows),
                         "created": counts.created, "updated": counts.updated,
                         "unchanged": counts.unchanged})
            uow.commit()
            return summary


@attrs.define
class ImportUnits(UseCase):
    """Import a units file (columns CLUES, Unidad Médica, Nivel, Entidad, Institución).

    Rows of institutions the caller does not manage are line errors (as unknown entities).
    The Institución column takes the short code or the name, the Entidad column the code or
    the name, each ignoring case, accents, punctuation and extra spaces (as the CLI resolves
    them: "Edo de Mex Ote" is the entity MC-OTE); the Nivel must be one of the levels of care.
    Audited as ``excedentes.units_imported``.
    """

    files: CatalogFiles

    def __call__(self, actor: Actor, path: Path,
                 original_name: str | None = None) -> ImportSummary:
        if actor.scope.role not in (Role.ADMIN, Role.COORDINADOR):
            raise PermissionDenied("La importación de unidades corresponde al coordinador "
                                   "de la institución.")
        raw_rows = list(self.files.read_units(Path(path), original_name or Path(path).name))
        with self.uow_factory() as uow:
            known = {inst: codes for inst, codes in uow.entities.codes_by_institution().items()
                     if may_manage(actor.scope, inst)}
            names = _UnitNames.of(uow, known)
            rows = [_canonical_row(r, names) for r in raw_rows]
            result = validate_unit_rows(rows, entities=known)
            result.raise_if_invalid()
            existing = uow.units.get_many(u.clues for u in result.items)
            moving = [u for u in result.items if u.clues in existing
                      and _home(existing[u.clues]) != _home(u)]
            locked = uow.units.with_records(u.clues for u in moving)
            if locked:
                line_of = {r.clues: r.line for r in rows}
                ImportResult((), tuple(
                    LineError(line_of[u.clues],
                              f"La unidad {u.clues} tiene excedentes/faltantes registrados en "
                              f"{existing[u.clues].institution_code}:"
                              f"{existing[u.clues].entity_code}; no puede cambiar de entidad.")
                    for u in moving if u.clues in locked)).raise_if_invalid()
            new = [u for u in result.items if u.clues not in existing]
            changed = [u for u in result.items if u.clues in existing and existing[u.clues] != u]
            uow.units.add_many(new)
            uow.units.update_many(changed)
            summary = ImportSummary(len(new), len(changed),
                                    len(result.items) - len(new) - len(changed))
            audit(uow, self.clock, actor, "units_imported", "units",
                  ",".join(sorted({u.institution_code for u in result.items})) or "-",
                  after={"file": original_name or Path(path).name, "lines": len(rows),
                         "created": summary.created, "updated": summary.updated,
                         "unchanged": summary.unchanged})
            uow.commit()
            return summary


def _home(unit: MedicalUnit) -> tuple[str, str]:
    return (unit.institution_code, unit.entity_code)


@attrs.frozen
class _UnitNames:
    """How a units file may name institutions and entities: ``name_key`` of a code or a
    name -> the code (codes first: a code never loses to another entity's name)."""

    institutions: Mapping[str, str]
    entities: Mapping[tuple[str, str], str]  # (institution code, key) -> entity code

    @classmethod
    def of(cls, uow: ExcedentesUnitOfWork, known: Mapping[str, Collection[str]]
           ) -> "_UnitNames":
        institutions: dict[str, str] = {}
        for inst in uow.institutions.list():
            institutions.setdefault(name_key(inst.name), inst.code)
            institutions[name_key(inst.code)] = inst.code
        entities: dict[tuple[str, str], str] = {}
        for inst in known:
            listed = uow.entities.list(inst)
            for e in listed:
                entities.setdefault((inst, name_key(e.name)), e.code)
            for e in listed:
                entities[(inst, name_key(e.code))] = e.code
        return cls(institutions, entities)


def _canonical_row(row: UnitRow, names: _UnitNames) -> UnitRow:
    inst = names.institutions.get(name_key(row.institution_code),
                                  clean_text(row.institution_code).upper())
    code = names.entities.get((inst, name_key(row.entity_code)), row.entity_code)
    return attrs.evolve(row, institution_code=inst, entity_code=code)


@attrs.define
class ExportCatalog:
    """Write an institution's catalog to ``path`` as CSV or XLSX (the import's columns);
    returns the number of products."""

    read_model: ExcedentesReadModel
    files: CatalogFiles

    def __call__(self, actor: Actor, institution_code: str, path: Path,
                 fmt: str | None = None) -> int:
        inst = self.read_model.institution(institution_code.upper())
        if inst is None:
            raise NotFound(INSTITUTION_NOT_FOUND)
        require_manage(actor.scope, inst.code)
        return self.files.write_catalog(self.read_model.catalog_rows(inst.code), Path(path),
                                        file_format(path, fmt))


@attrs.define
class ExportUnits:
    """Write the units of an institution (or every institution, admin only) to ``path``."""

    read_model: ExcedentesReadModel
    files: CatalogFiles

    def __call__(self, actor: Actor, institution_code: str | None, path: Path,
                 fmt: str | None = None) -> int:
        if institution_code is None:
            if actor.scope.role is not Role.ADMIN:
                raise PermissionDenied("La exportación de todas las instituciones corresponde a "
                                       "la administración del sistema.")
            code = None
        else:
            inst = self.read_model.institution(institution_code.upper())
            if inst is None:
                raise NotFound(INSTITUTION_NOT_FOUND)
            require_manage(actor.scope, inst.code)
            code = inst.code
        return self.files.write_units(self.read_model.unit_rows(code), Path(path),
                                      file_format(path, fmt))
