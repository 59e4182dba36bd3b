"""An institution is data, not code (E1).

Everything that differed between the legacy editions (IMSS 2020, Secretaría de Salud 2021,
IMSS-BIENESTAR 2023, ISSSTE 2023) is a field here: the report header lines, the word for its
entities, the two signature labels of the final report, the signed-PDF limit, whether the
catalog has the especialidad troncal level (Paso 5), and the storage backend name that the
composition root uses to pick a ``FileStorage``. Examples (demo data builds them):

- IMSS: entity word "OOAD/UMAE", signatures "Autoriza TOOAD:" / "Autoriza Jefe de Servicios de
  Prestaciones Médicas:", 100 MB, no especialidad level.
- SS: "Entidad Federativa", 150 MB, with especialidad level.
- ISSSTE: "Delegación", signatures "Subdelegación Médica:" / "Subdelegación Administrativa:"
  each followed by a "Nombre:" line, 100 MB, with especialidad level.

The editions' settings are data (``excedentes/adapters/editions.json``); an administrator
registers an institution from one of them or from scratch and later changes its settings
(``InstitutionSettings`` below, ``use_cases/institutions.py``). The code is the key and never
changes; the especialidad troncal level can change only while the institution's catalog is
empty (``SpecialtyLevelFixed``: the catalog's shape and the recorded grids depend on it).
"""

from __future__ import annotations

import re

import attrs

from excedentes.domain.catalog import clean_text
from excedentes.domain.rules import MB, NameRequired
from excedentes.domain.signed import DEFAULT_SIGNED_PDF_MAX_BYTES, SignedReportPolicy
from shared.kernel.errors import Conflict, ValidationError
from shared.kernel.rules import check_rule

_INSTITUTION_CODE = re.compile(r"^[A-Z][A-Z0-9_-]{1,15}$")
# The file-storage adapters the platform has (``shared.storage.adapters``): local disk, S3.
STORAGE_BACKENDS = ("local", "s3")
# Bounds of the settings: the columns' sizes, and what a report header / upload can carry.
MAX_NAME = 200
MAX_ENTITY_WORD = 64
MAX_LABEL = 200
MAX_HEADER_LINES = 6
MAX_SIGNED_PDF_MB = 1024  # a signed scan beyond 1 GB is a mistake, not a report


def _lines(value: object) -> tuple[str, ...]:
    return tuple(clean_text(v) for v in (value or ()) if clean_text(v))  # type: ignore[union-attr]


@attrs.frozen
class Institution:
    code: str = attrs.field(converter=lambda v: clean_text(v).upper())  # IMSS, SS, ISSSTE…
    name: str = attrs.field(converter=clean_text)
    entity_word: str = attrs.field(converter=clean_text)  # OOAD/UMAE, Entidad Federativa…
    signature_labels: tuple[str, str] = attrs.field(converter=_lines)
    header_lines: tuple[str, ...] = attrs.field(factory=tuple, converter=_lines)
    signature_name_line: bool = False  # ISSSTE prints "Nombre:" under each signature label
    signed_pdf_max_bytes: int = DEFAULT_SIGNED_PDF_MAX_BYTES
    has_specialty_level: bool = False
    storage_backend: str = "local"

    def __attrs_post_init__(self) -> None:
        if not _INSTITUTION_CODE.match(self.code):
            raise ValidationError(
                f"Código de institución no válido: {self.code!r} (por ejemplo IMSS, SS, ISSSTE).",
                log_message="bad institution code")
        check_rule(NameRequired("El nombre de la institución", self.name))
        check_rule(NameRequired("La denominación de las entidades", self.entity_word))
        if len(self.signature_labels) != 2:
            raise ValidationError("El reporte final lleva exactamente dos firmas.",
                                  log_message="signature labels must be two")
        if not all(self.signature_labels):
            raise ValidationError("Escriba las dos leyendas de firma del reporte final.",
                                  log_message="empty signature label")
        _check_length("El nombre de la institución", self.name, MAX_NAME)
        _check_length("La denominación de las entidades", self.entity_word, MAX_ENTITY_WORD)
        for label in self.signature_labels:
            _check_length("Cada leyenda de firma", label, MAX_LABEL)
        if len(self.header_lines) > MAX_HEADER_LINES:
            raise ValidationError(f"El encabezado de los reportes admite hasta "
                                  f"{MAX_HEADER_LINES} líneas.",
                                  log_message="too many header lines")
        for line in self.header_lines:
            _check_length("Cada línea del encabezado", line, MAX_LABEL)
        if isinstance(self.signed_pdf_max_bytes, bool) or \
                not isinstance(self.signed_pdf_max_bytes, int) or \
                not 0 < self.signed_pdf_max_bytes <= MAX_SIGNED_PDF_MB * MB:
            raise ValidationError(f"El tamaño máximo del PDF firmado debe ser positivo y de "
                                  f"hasta {MAX_SIGNED_PDF_MB} MB.",
                                  log_message="bad signed pdf limit")
        if self.storage_backend not in STORAGE_BACKENDS:
            raise ValidationError(f"Almacenamiento no válido: «{self.storage_backend}» (use "
                                  f"{' o '.join(STORAGE_BACKENDS)}).",
                                  log_message="bad storage backend name")

    @property
    def signed_pdf_max_mb(self) -> int:
        """The limit in whole MB (how editions, forms and the CLI state it), rounded up."""
        return -(-self.signed_pdf_max_bytes // MB)

    @property
    def settings(self) -> "InstitutionSettings":
        return InstitutionSettings(
            name=self.name, entity_word=self.entity_word,
            signature_labels=self.signature_labels, header_lines=self.header_lines,
            signature_name_line=self.signature_name_line,
            signed_pdf_max_mb=self.signed_pdf_max_mb,
            has_specialty_level=self.has_specialty_level,
            storage_backend=self.storage_backend)

    def with_settings(self, changes: "InstitutionSettings") -> "Institution":
        """This institution with every setting ``changes`` gives (None: kept); the code never
        changes. Validation re-runs on the result."""
        given = {k: v for k, v in attrs.asdict(changes, recurse=False).items() if v is not None}
        mb = given.pop("signed_pdf_max_mb", None)
        if mb is not None:
            given["signed_pdf_max_bytes"] = _mb_to_bytes(mb)
        return attrs.evolve(self, **given)

    def snapshot(self) -> dict[str, object]:
        """The settings as the audit trail records them (before → after)."""
        return {"name": self.name, "entity_word": self.entity_word,
                "signature_labels": list(self.signature_labels),
                "header_lines": list(self.header_lines),
                "signature_name_line": self.signature_name_line,
                "signed_pdf_max_mb": self.signed_pdf_max_mb,
                "has_specialty_level": self.has_specialty_level,
                "storage_backend": self.storage_backend}

    @property
    def signed_report_policy(self) -> SignedReportPolicy:
        return SignedReportPolicy(self.signed_pdf_max_bytes)

    @property
    def report_header(self) -> tuple[str, ...]:
        """Header lines of the reports; the name alone when none were configured."""
        return self.header_lines or (self.name.upper(),)

    def entity_title(self, entity_name: str) -> str:
        """"OOAD/UMAE Nuevo León", "Entidad Federativa BAJA CALIFORNIA"."""
        return f"{self.entity_word} {entity_name}"

    def step2_question(self, entity_name: str) -> str:
        return (f"¿Alguna de las Unidades Médicas de la {self.entity_title(entity_name)} tiene "
                "Excedentes/Faltantes de algún Servicio Médico Institucional?")

    def no_interventions_sentence(self, entity_name: str, year: int) -> str:
        """What the report says when the entity answered NO (E11)."""
        return (f"La {self.entity_title(entity_name)} no reporta intervenciones "
                f"Excedentes/Faltantes para el año {year}")


def _check_length(what: str, value: str, limit: int) -> None:
    if len(value) > limit:
        raise ValidationError(f"{what} admite hasta {limit} caracteres.",
                              log_message="setting too long")


def _mb_to_bytes(mb: object) -> int:
    if isinstance(mb, bool) or not isinstance(mb, int) or not 0 < mb <= MAX_SIGNED_PDF_MB:
        raise ValidationError(f"El tamaño máximo del PDF firmado debe ser un número entero de "
                              f"MB entre 1 y {MAX_SIGNED_PDF_MB}.",
                              log_message="bad signed pdf limit")
    return mb * MB


@attrs.frozen
class InstitutionSettings:
    """What an administrator sets of an institution (E1); None: not given (kept on update,
    taken from the edition on create). The signed-PDF limit is in MB, as the guides state it."""

    name: str | None = None
    entity_word: str | None = None
    signature_labels: tuple[str, str] | None = None
    header_lines: tuple[str, ...] | None = None
    signature_name_line: bool | None = None
    signed_pdf_max_mb: int | None = None
    has_specialty_level: bool | None = None
    storage_backend: str | None = None

    def over(self, base: "InstitutionSettings") -> "InstitutionSettings":
        """These settings with ``base`` filling the ones not given (an edition's defaults)."""
        mine = attrs.asdict(self, recurse=False)
        return attrs.evolve(base, **{k: v for k, v in mine.items() if v is not None})

    def build(self, code: str) -> Institution:
        """A new institution with these settings; the ones not given take the defaults of a
        bare institution (100 MB, no especialidad level, local storage); name, entity word and
        the two signature labels are required."""
        given = {k: v for k, v in attrs.asdict(self, recurse=False).items() if v is not None}
        mb = given.pop("signed_pdf_max_mb", None)
        if mb is not None:
            given["signed_pdf_max_bytes"] = _mb_to_bytes(mb)
        given.setdefault("name", "")
        given.setdefault("entity_word", "")
        given.setdefault("signature_labels", ())
        return Institution(code=code, **given)


class SpecialtyLevelFixed(Conflict):
    """The especialidad troncal level changed while the catalog has products."""


def check_settings_change(before: Institution, after: Institution, catalog_products: int) -> None:
    """The especialidad troncal level (Paso 5) can change only while the catalog is empty:
    its products hang under especialidades (or not), and so do the recorded grids."""
    if before.has_specialty_level != after.has_specialty_level and catalog_products:
        raise SpecialtyLevelFixed(
            f"{before.code} ya tiene {catalog_products:,} productos en su catálogo: el nivel "
            "de especialidad troncal (Paso 5) solo puede cambiar mientras el catálogo está "
            "vacío.", log_message="specialty level change with a catalog")
