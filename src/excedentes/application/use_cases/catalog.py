"""Catalog and units: import (CSV/XLSX, validated line by line, all or nothing) and export
(E13), through the ``CatalogFiles`` port.

Imports merge: a product already in the catalog (same Servicio / Grupo / Especialidad /
Producto, ignoring case and accents) keeps its id (records point to it) and gets the file's
unit of measure; new ones are added; nothing is deleted. A unit (by CLUES) is added or updated;
a unit with records may not move to another entity. Any bad line refuses the whole file with
``ImportInvalid`` ("No se importó ninguna línea: Línea 7: …"), whose ``details`` lists every
``LineError``.

Optimistic concurrency: the catalog of an institution and its units each carry a version
(who changed them, when). An import from a page or API client names the version it was drawn
from (``expected_version``) and is refused whole with ``StaleVersion`` when another import (or
an accepted product request) came first; ``None`` (the CLI) acts on the current version.

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
from excedentes.application.ports import CatalogFiles, ExcedentesReadModel, ExcedentesUnitOfWork
from excedentes.application.use_cases._common import UseCase, audit, load_institution
from excedentes.application.results import ImportSummary
from excedentes.domain.catalog import MedicalUnit, clean_text, name_key
from excedentes.domain.dates import format_datetime
from excedentes.domain.errors import StaleVersion
from excedentes.domain.imports import (
    ImportResult,
    UnitRow,
    validate_catalog_rows,
    validate_unit_rows,
)
from excedentes.domain.versions import VERSION_MISSING, VersionStamp, version_required
from shared.kernel.clock import Clock
from shared.kernel.errors import NotFound, PermissionDenied, ValidationError
from shared.kernel.imports import LineError
from shared.kernel.scope import Role

FORMATS = ("csv", "xlsx")

# the two versioned resources of an institution (columns ``<kind>_version`` …)
CATALOG = "catalog"
UNITS = "units"
CATALOG_WHAT = "este catálogo"
UNITS_WHAT = "las unidades médicas"


def catalog_stale(stamp: VersionStamp, kind: str, institution_code: str) -> StaleVersion:
    """'Otra persona actualizó el catálogo el 06/12/2026 10:42 (coordinador.ss2); …'."""
    when = f" el {format_datetime(stamp.updated_at)}" if stamp.updated_at else ""
    who = f" ({stamp.updated_by})" if stamp.updated_by else ""
    if kind == CATALOG:
        what, current = "el catálogo", "el catálogo actual"
    else:
        what, current = f"las unidades médicas de {institution_code}", "las unidades actuales"
    return StaleVersion(f"Otra persona actualizó {what}{when}{who}; revise {current} y vuelva "
                        "a importar su archivo.", details=stamp.as_dict(),
                        log_message=f"stale {kind} import: current version {stamp.version}")


def check_version(uow: ExcedentesUnitOfWork, code: str, kind: str,
                  expected: int | None) -> None:
    """Early refusal (before the file is validated): a missing or stale version."""
    if expected == VERSION_MISSING:
        raise version_required(CATALOG_WHAT if kind == CATALOG else UNITS_WHAT)
    if expected is not None:
        current = uow.institutions.catalog_version(code, kind)
        if current.version != expected:
            raise catalog_stale(current, kind, code)


def claim_version(uow: ExcedentesUnitOfWork, clock: Clock, actor: Actor, code: str,
                  kind: str, expected: int | None) -> None:
    """Move the version on (from ``expected`` when given) in one compare-and-set UPDATE,
    first thing in the write transaction: a concurrent import waits on the row and then finds
    the version moved, so of two imports from the same page exactly one is written."""
    if expected == VERSION_MISSING:
        raise version_required(CATALOG_WHAT if kind == CATALOG else UNITS_WHAT)
    if not uow.institutions.bump_catalog_version(code, kind, expected, actor.username,
                                                 clock.now()):
        raise catalog_stale(uow.institutions.catalog_version(code, kind), kind, code)


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
    unchanged. ``expected_version``: the catalog version the page / API client saw (None:
    the current one). Audited as ``excedentes.catalog_imported``."""

    files: CatalogFiles

    def __call__(self, actor: Actor, institution_code: str, path: Path,
                 original_name: str | None = None, *,
                 expected_version: int | None = None) -> ImportSummary:
        # The file is read before the transaction starts (SQLite writers queue on it).
        rows = list(self.files.read_catalog(Path(path), original_name or Path(path).name))
        with self.uow_factory() as uow:
            inst = load_institution(uow, institution_code.upper())
            require_manage(actor.scope, inst.code)
            check_version(uow, inst.code, CATALOG, expected_version)
        # Every line is validated outside the write transaction (on SQLite it would hold the
        # write lock, stalling every other user); only a valid file is then written, whole.
        result = validate_catalog_rows(inst, rows)
        result.raise_if_invalid()
        with self.uow_factory() as uow:
            inst = load_institution(uow, institution_code.upper())
            claim_version(uow, self.clock, actor, inst.code, CATALOG, expected_version)
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

    ``expected_version`` is the version of the units of ``institution_code`` (default: a
    coordinador's own institution) the page / API client saw; None (the CLI): the current one.
    The units version of every institution the file touches moves on too.
    Audited as ``excedentes.units_imported``.
    """

    files: CatalogFiles

    def __call__(self, actor: Actor, path: Path,
                 original_name: str | None = None, *, institution_code: str | None = None,
                 expected_version: int | None = None) -> ImportSummary:
        if actor.scope.role not in (Role.ADMIN, Role.COORDINADOR):
            raise PermissionDenied("La importación de unidades corresponde al coordinador "
                                   "de la institución.")
        checked = (institution_code or (actor.scope.ref if actor.scope.role is Role.COORDINADOR
                                        else None) or "").strip().upper() or None
        if expected_version is not None:
            if checked is None:
                raise ValidationError("Indique la institución cuyas unidades médicas importa "
                                      "(la versión que consultó es la de esa institución).")
            with self.uow_factory() as uow:
                require_manage(actor.scope, load_institution(uow, checked).code)
                check_version(uow, checked, UNITS, expected_version)
        raw_rows = list(self.files.read_units(Path(path), original_name or Path(path).name))
        with self.uow_factory() as uow:
            known = {inst: codes for inst, codes in uow.entities.codes_by_institution().items()
                     if may_manage(actor.scope, inst)}
            names = _UnitNames.of(uow, known)
        # Lines are validated outside the write transaction (SQLite's write lock would stall
        # every other user meanwhile); the writes below stay one transaction, all or nothing.
        rows = [_canonical_row(r, names) for r in raw_rows]
        result = validate_unit_rows(rows, entities=known)
        result.raise_if_invalid()
        with self.uow_factory() as uow:
            # sorted: two imports touching the same institutions lock their rows in one order
            touched = {u.institution_code for u in result.items} | ({checked} if checked and
                                                                     expected_version is not None
                                                                     else set())
            for code in sorted(touched):
                claim_version(uow, self.clock, actor, code, UNITS,
                              expected_version if code == checked else None)
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
