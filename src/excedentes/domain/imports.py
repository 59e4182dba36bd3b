"""Validation of catalog and unit imports (E13): every line checked, all-or-nothing.

The adapters read CSV or XLSX into plain rows (with their 1-based line numbers, the header
being line 1) and call ``validate_catalog_rows`` / ``validate_unit_rows``. The result holds
either every valid item or every ``LineError`` ("Línea 7: …", ``shared.kernel.imports``);
``raise_if_invalid`` refuses the whole file so that nothing is half-imported.

Catalog rows share their Servicio / Grupo / Especialidad values: the same name (ignoring case,
accents and spacing) becomes the same value object, spelled as on its first line.
"""

from __future__ import annotations

from typing import Collection, Generic, Iterable, Mapping, TypeVar

import attrs

from excedentes.domain.catalog import (
    MedicalUnit,
    Product,
    Service,
    ServiceGroup,
    Specialty,
    clean_text,
    normalize_clues,
)
from excedentes.domain.institution import Institution
from excedentes.domain.rules import NameRequired, SpecialtyLevelMatchesInstitution
from shared.kernel.errors import DomainError
from shared.kernel.imports import LineError, raise_if_errors
from shared.kernel.text import fold_text

T = TypeVar("T")


@attrs.frozen
class ImportResult(Generic[T]):
    items: tuple[T, ...]
    errors: tuple[LineError, ...]

    @property
    def ok(self) -> bool:
        return not self.errors

    def raise_if_invalid(self) -> None:
        """``ImportInvalid`` naming every bad line (``shared.kernel.imports``)."""
        raise_if_errors(self.errors)


@attrs.frozen
class CatalogRow:
    line: int
    service: str = attrs.field(converter=clean_text)
    group: str = attrs.field(converter=clean_text)
    specialty: str = attrs.field(converter=clean_text)
    product: str = attrs.field(converter=clean_text)
    unit_of_measure: str = attrs.field(converter=clean_text)


@attrs.frozen
class UnitRow:
    line: int
    clues: str = attrs.field(converter=normalize_clues)
    name: str = attrs.field(converter=clean_text)
    level: str = attrs.field(converter=clean_text)
    entity_code: str = attrs.field(converter=clean_text)
    institution_code: str = attrs.field(converter=clean_text)


def validate_catalog_rows(institution: Institution,
                          rows: Iterable[CatalogRow]) -> ImportResult[Product]:
    services: dict[str, Service] = {}
    groups: dict[tuple[str, str], ServiceGroup] = {}
    specialties: dict[tuple[str, str, str], Specialty] = {}
    first_line: dict[tuple[str, str, str, str], int] = {}
    products: list[Product] = []
    errors: list[LineError] = []
    for row in rows:
        problems = [rule.get_message() for rule in (
            NameRequired("El servicio", row.service),
            NameRequired("El grupo de servicio", row.group),
            NameRequired("El producto", row.product),
            NameRequired("La unidad de medida", row.unit_of_measure),
            SpecialtyLevelMatchesInstitution(institution.code, institution.has_specialty_level,
                                             bool(row.specialty)),
        ) if rule.is_broken()]
        key = (fold_text(row.service), fold_text(row.group), fold_text(row.specialty),
               fold_text(row.product))
        if key in first_line:
            problems.append(f"Producto repetido: ya aparece en la línea {first_line[key]}.")
        if problems:
            errors += [LineError(row.line, m) for m in problems]
            continue
        first_line[key] = row.line
        try:
            service = services.setdefault(key[0], Service(institution.code, row.service))
            group = groups.setdefault(key[:2], ServiceGroup(service, row.group))
            specialty = (specialties.setdefault(key[:3], Specialty(group, row.specialty))
                         if row.specialty else None)
            products.append(Product(None, row.product, row.unit_of_measure, group, specialty))
        except DomainError as exc:
            errors.append(LineError(row.line, exc.message))
    return _result(products, errors)


def validate_unit_rows(rows: Iterable[UnitRow], *,
                       entities: Mapping[str, Collection[str]] | None = None
                       ) -> ImportResult[MedicalUnit]:
    """``entities``: institution code -> its entity codes; when given, others are errors."""
    units: list[MedicalUnit] = []
    errors: list[LineError] = []
    first_line: dict[str, int] = {}
    for row in rows:
        problems: list[str] = []
        if row.clues in first_line:
            problems.append(f"CLUES repetida: ya aparece en la línea {first_line[row.clues]}.")
        if entities is not None and row.entity_code not in entities.get(row.institution_code, ()):
            problems.append(f"La entidad {row.entity_code!r} no existe en la institución "
                            f"{row.institution_code!r}.")
        problems[:0] = MedicalUnit.problems(
            clues=row.clues, name=row.name, level=row.level, entity_code=row.entity_code,
            institution_code=row.institution_code)
        first_line.setdefault(row.clues, row.line)
        if problems:
            errors += [LineError(row.line, m) for m in problems]
        else:
            units.append(MedicalUnit(row.clues, row.name, row.level, row.entity_code,
                                     row.institution_code))
    return _result(units, errors)


def _result(items: list[T], errors: list[LineError]) -> ImportResult[T]:
    return ImportResult((), tuple(errors)) if errors else ImportResult(tuple(items), ())
