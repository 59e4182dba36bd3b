"""Catalog and organisation values: what is reported, where, and when.

- The product catalog of an institution is a four-level tree (E13):
  ``Service`` (Servicio, e.g. "Servicios de Atención Médica") > ``ServiceGroup`` (Grupo de
  Servicio, e.g. "Cirugía") > ``Specialty`` (Especialidad troncal, optional: IMSS 2020 has no
  such level) > ``Product`` (the intervention, with its Unidad de Medida: Estudio, Consulta,
  Sesión…). Each level holds its parent, so a product knows its whole path.
- ``MedicalUnit``: one unit identified by its CLUES (11 characters, ``BCSSA001152``), with its
  name, level (PRIMER NIVEL, SEGUNDO NIVEL, TERCER NIVEL…), entity and institution.
- ``Entity``: a state entity of an institution (OOAD/UMAE, Entidad Federativa, Delegación).
- ``Period``: "Captura del periodo YYYY" of an institution, with an open flag and optional
  window dates; ``capture_refusal(clock)`` says whether capture is allowed today, and if not,
  why and since when.

All are frozen attrs values whose constructors normalise text (trimmed, single spaces) and
refuse invalid states with a Spanish ``ValidationError``. Identity (``Product.id``) is the
repository's surrogate key; ``None`` until stored.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

import attrs

from excedentes.domain.rules import (
    CaptureWindowMustBeOpen,
    CluesMustBeValid,
    NameRequired,
    SpecialtyLevelMatchesInstitution,
    UnitLevelMustBeKnown,
    WindowEndNotBeforeStart,
)
from shared.kernel.clock import Clock
from shared.kernel.errors import DomainError, ValidationError
from shared.kernel.rules import check_rule
from shared.kernel.text import clean_text, fold_text  # clean_text: imported from here too

_PUNCTUATION = re.compile(r"[^\w\s]|_")
_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")
MIN_YEAR, MAX_YEAR = 2000, 2100


def name_key(value: Any) -> str:
    """How a typed name is matched to an institution, an entity or a level: case, accents,
    punctuation and extra spaces ignored ("Edo de Mex Ote" = "Edo. de Méx. Ote." =
    "edo de mex ote"; "IMSS-BIENESTAR" = "imss bienestar")."""
    return fold_text(_PUNCTUATION.sub(" ", fold_text(value)))


def normalize_clues(value: Any) -> str:
    return clean_text(value).replace(" ", "").upper()


def check_clues(clues: str) -> str:
    check_rule(CluesMustBeValid(clues))
    return clues


def _required(what: str):
    def validate(_inst: object, _attr: attrs.Attribute, value: str) -> None:
        check_rule(NameRequired(what, value))
    return validate


def _code(what: str):
    def validate(_inst: object, _attr: attrs.Attribute, value: str) -> None:
        check_rule(NameRequired(what, value))
        if not _CODE_RE.match(value):
            raise ValidationError(
                f"{what} no es válido: {value!r} (letras, dígitos, punto, guion o guion bajo).",
                log_message=f"invalid code {value!r}")
    return validate


# --------------------------------------------------------------------------- product catalog


@attrs.frozen
class Service:
    """Servicio: the top level (e.g. "Servicios de Atención Médica")."""

    institution_code: str = attrs.field(converter=clean_text,
                                        validator=_code("El código de la institución"))
    name: str = attrs.field(converter=clean_text, validator=_required("El nombre del servicio"))


@attrs.frozen
class ServiceGroup:
    """Grupo de Servicio (Paso 4), e.g. "Cirugía", "Laboratorio de análisis clínicos"."""

    service: Service
    name: str = attrs.field(converter=clean_text,
                            validator=_required("El nombre del grupo de servicio"))


@attrs.frozen
class Specialty:
    """Especialidad troncal (Paso 5), e.g. "Consulta externa"; only some institutions have it."""

    group: ServiceGroup
    name: str = attrs.field(converter=clean_text,
                            validator=_required("El nombre de la especialidad troncal"))


@attrs.frozen
class Product:
    """A catalog intervention (a row of the Paso 6 grid) with its unit of measure."""

    id: int | None
    name: str = attrs.field(converter=clean_text, validator=_required("El nombre del producto"))
    unit_of_measure: str = attrs.field(converter=clean_text,
                                       validator=_required("La unidad de medida"))
    group: ServiceGroup
    specialty: Specialty | None = None

    def __attrs_post_init__(self) -> None:
        if self.specialty is not None and self.specialty.group != self.group:
            raise ValidationError(
                "La especialidad troncal no pertenece al grupo de servicio del producto.",
                log_message="specialty of another group")

    @property
    def service(self) -> Service:
        return self.group.service

    @property
    def institution_code(self) -> str:
        return self.group.service.institution_code

    @property
    def path(self) -> tuple[str, ...]:
        """Servicio, Grupo, [Especialidad,] Producto: for exports and breadcrumbs."""
        levels = [self.service.name, self.group.name]
        if self.specialty is not None:
            levels.append(self.specialty.name)
        return (*levels, self.name)

    def check_fits(self, has_specialty_level: bool) -> None:
        """The institution's catalog shape decides whether the specialty level is used."""
        check_rule(SpecialtyLevelMatchesInstitution(
            self.institution_code, has_specialty_level, self.specialty is not None))


# --------------------------------------------------------------------------- units, entities


class UnitLevel:
    """The levels of care, in display order (Paso 3's headings). A unit has one of them; a
    typed level is matched ignoring case, accents and punctuation ("primer nivel")."""

    FIRST = "PRIMER NIVEL"
    SECOND = "SEGUNDO NIVEL"
    THIRD = "TERCER NIVEL"
    ORDER = (FIRST, SECOND, THIRD)

    @classmethod
    def normalize(cls, value: Any) -> str:
        """The known level's spelling, or the text in capitals (then refused as unknown)."""
        key = name_key(value)
        return next((level for level in cls.ORDER if name_key(level) == key),
                    clean_text(value).upper())

    @classmethod
    def sort_key(cls, level: str) -> tuple[int, str]:
        """Paso 3 groups units under level headings in this order."""
        try:
            return (cls.ORDER.index(level), level)
        except ValueError:
            return (len(cls.ORDER), level)


@attrs.frozen
class Entity:
    """A state entity of one institution: the unit of reporting, finalizing and signing."""

    institution_code: str = attrs.field(converter=clean_text,
                                        validator=_code("El código de la institución"))
    code: str = attrs.field(converter=clean_text, validator=_code("El código de la entidad"))
    name: str = attrs.field(converter=clean_text, validator=_required("El nombre de la entidad"))


def _known_level(_inst: object, _attr: attrs.Attribute, value: str) -> None:
    check_rule(UnitLevelMustBeKnown(value, UnitLevel.ORDER))


@attrs.frozen
class MedicalUnit:
    clues: str = attrs.field(converter=normalize_clues)
    name: str = attrs.field(converter=clean_text,
                            validator=_required("El nombre de la unidad médica"))
    level: str = attrs.field(converter=UnitLevel.normalize,
                             validator=[_required("El nivel de atención"), _known_level])
    entity_code: str = attrs.field(converter=clean_text,
                                   validator=_code("El código de la entidad"))
    institution_code: str = attrs.field(converter=clean_text,
                                        validator=_code("El código de la institución"))

    def __attrs_post_init__(self) -> None:
        check_clues(self.clues)

    @classmethod
    def problems(cls, **values: Any) -> list[str]:
        """Every field's problem at once, in column order ([] when the unit is valid): an
        import line reports all it has wrong, not only the first."""
        found: list[str] = []
        for field in attrs.fields(cls):
            value = field.converter(values[field.name]) if field.converter else values[field.name]
            try:
                if field.validator is not None:
                    field.validator(None, field, value)
                if field.name == "clues":
                    check_clues(value)
            except DomainError as exc:
                found.append(exc.message)
        return found

    @property
    def label(self) -> str:
        """"3 DE OCTUBRE, PRIMER NIVEL" (Paso 3 and the reports)."""
        return f"{self.name}, {self.level}"

    @property
    def heading(self) -> str:
        """"BCSSA001152 3 DE OCTUBRE, PRIMER NIVEL": a unit's section in the reports."""
        return f"{self.clues} {self.label}"


# --------------------------------------------------------------------------- periods


def _year(_inst: object, _attr: attrs.Attribute, value: int) -> None:
    if not MIN_YEAR <= value <= MAX_YEAR:
        raise ValidationError(f"Año de captura no válido: {value}.", log_message="bad year")


@attrs.frozen
class Period:
    """The capture period of an institution for one year (E2).

    Capture is allowed while ``is_open`` and, when dates are set, from ``window_start`` to
    ``window_end`` inclusive (civil dates where the product is used, from ``clock.today()``).
    ``closed_at`` remembers when a coordinator closed it, so that refusals say since when.
    """

    institution_code: str = attrs.field(converter=clean_text,
                                        validator=_code("El código de la institución"))
    year: int = attrs.field(validator=_year)
    is_open: bool = True
    window_start: date | None = None
    window_end: date | None = None
    closed_at: datetime | None = None

    def __attrs_post_init__(self) -> None:
        check_rule(WindowEndNotBeforeStart(self.window_start, self.window_end))

    @property
    def label(self) -> str:
        return f"Captura del periodo {self.year}"

    def capture_rule(self, clock: Clock, *, for_manager: bool = False
                     ) -> CaptureWindowMustBeOpen:
        """The rule the entity report checks before any change. ``for_manager``: the reader
        may open the period (coordinador, admin), so the refusal tells them they can, instead
        of sending them to ask their coordinator."""
        return CaptureWindowMustBeOpen(self.year, self.is_open, self.window_start,
                                       self.window_end, self.closed_at, clock.today(),
                                       for_manager=for_manager)

    def capture_refusal(self, clock: Clock, *, for_manager: bool = False) -> str | None:
        """Why capture is not allowed now (Spanish, with the date, worded for the reader), or
        None when it is."""
        rule = self.capture_rule(clock, for_manager=for_manager)
        return rule.get_message() if rule.is_broken() else None

    def is_capture_open(self, clock: Clock) -> bool:
        return not self.capture_rule(clock).is_broken()

    def ensure_capture_open(self, clock: Clock, *, for_manager: bool = False) -> None:
        check_rule(self.capture_rule(clock, for_manager=for_manager))

    # Coordinators' actions return a new value; the application saves it.
    def opened(self) -> "Period":
        return attrs.evolve(self, is_open=True, closed_at=None)

    def closed(self, clock: Clock) -> "Period":
        return attrs.evolve(self, is_open=False, closed_at=clock.now())

    def with_window(self, start: date | None, end: date | None) -> "Period":
        return attrs.evolve(self, window_start=start, window_end=end)
