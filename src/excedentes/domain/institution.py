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
"""

from __future__ import annotations

import re

import attrs

from excedentes.domain.catalog import clean_text
from excedentes.domain.rules import NameRequired
from excedentes.domain.signed import DEFAULT_SIGNED_PDF_MAX_BYTES, SignedReportPolicy
from shared.kernel.errors import ValidationError
from shared.kernel.rules import check_rule

_INSTITUTION_CODE = re.compile(r"^[A-Z][A-Z0-9_-]{1,15}$")
_BACKEND = re.compile(r"^[a-z0-9_-]{1,32}$")


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
        if self.signed_pdf_max_bytes <= 0:
            raise ValidationError("El tamaño máximo del PDF firmado debe ser positivo.",
                                  log_message="bad signed pdf limit")
        if not _BACKEND.match(self.storage_backend):
            raise ValidationError(f"Almacenamiento no válido: {self.storage_backend!r}.",
                                  log_message="bad storage backend name")

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
