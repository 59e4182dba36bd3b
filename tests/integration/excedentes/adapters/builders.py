"""Documents built in code for the rendering tests (no database)."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Iterator

from pypdf import PdfReader

from excedentes.application.documents import EntityReportDocument, ReportLine, UnitSection

PRINTED = datetime(2023, 8, 3, 14, 34, 2)
ENTITY = "Entidad Federativa CAMPECHE"
NO_SENTENCE = ("La Entidad Federativa CAMPECHE no reporta intervenciones Excedentes/Faltantes "
               "para el año 2023")
NOT_CLOSED = "La Entidad Federativa CAMPECHE aún no cierra el registro de información."
ISSSTE_HEADER = ("INSTITUTO DE SEGURIDAD Y SERVICIOS SOCIALES DE LOS TRABAJADORES DEL ESTADO",
                 "DIRECCIÓN NORMATIVA DE PROSPECTIVA Y PLANEACIÓN INSTITUCIONAL")
ISSSTE_SIGNATURES = ("Subdelegación Médica:", "Subdelegación Administrativa:")
IMSS_SIGNATURES = ("Autoriza TOOAD:", "Autoriza Jefe de Servicios de Prestaciones Médicas:")
FOLIO = "EXC-2023-ISSSTE-04-000017"
FINGERPRINT = "9f3a1c2be47d"

GROUPS = ("Cirugía", "Laboratorio de análisis clínicos", "Imagenología", "Medicina Nuclear")
PRODUCTS = ("Amigdalectomía con o sin adenoidectomía", "Albúmina en sangre.",
            "Antígeno prostático psa libre", "Coproparasitoscópico (1 muestra).",
            "Flebogramografía radioisotópica.", "Dilatación de esófago")
LONG_PRODUCT = ("Biometría hemática completa, velocidad de sedimentación globular (vsg), "
                "reticulocitos y plaquetas, determinación de grupo sanguíneo y factor Rh, "
                "pruebas cruzadas mayores y menores, Coombs directo e indirecto con titulación")
CAUSES = ("Carencia de Servicio", "Falta de Equipo", "Falta de Insumos", "Falta de Personal")
CLUES = ("CCIST000016", "CCIST000022", "BCSSA001152", "BCIST000122", "CCSSA000301",
         "CCSSA000410", "CCSSA000512")
UNIT_NAMES = ("CALKINI 1, PRIMER NIVEL", "CAMPECHE (HOSPITAL GENERAL «DR. JAVIER BUENFIL "
              "OSORIO»), SEGUNDO NIVEL", "3 DE OCTUBRE, PRIMER NIVEL", "UNIDAD MÓVIL NO. 7, "
              "PRIMER NIVEL", "ESCÁRCEGA, SEGUNDO NIVEL", "CIUDAD DEL CARMEN, TERCER NIVEL",
              "CHAMPOTÓN, PRIMER NIVEL")


def patients_of(unit: int, table: int, row: int) -> int:
    """A distinct number per row (shown with a thousands separator), to find every row."""
    return 10_000 + unit * 1_000 + table * 500 + row


def unit_lines(unit: int, count: int, shortages: bool) -> list[ReportLine]:
    lines = []
    for i in range(count):
        product = LONG_PRODUCT if (unit, i) == (1, 3) else PRODUCTS[(unit + i) % len(PRODUCTS)]
        lines.append(ReportLine(
            group=GROUPS[i % len(GROUPS)], product=product,
            cause=CAUSES[i % len(CAUSES)] if shortages else None,
            modality="Ambulatorio" if i % 2 else "Hospitalario",
            monthly_events=12_345 if i == 0 else i + 1,
            monthly_patients=patients_of(unit, 0 if shortages else 1, i)))
    return lines


# (shortages, surpluses) per unit: 7 units, 406 rows; unit 2 has only surpluses
SIZES = ((20, 5), (90, 30), (0, 12), (60, 60), (3, 0), (45, 25), (41, 15))


def sections(sizes=SIZES) -> Iterator[UnitSection]:
    """A one-shot generator, as the application streams it."""
    for u, (short, surplus) in enumerate(sizes):
        yield UnitSection(f"{CLUES[u]} {UNIT_NAMES[u]}", unit_lines(u, short, True),
                          unit_lines(u, surplus, False))


def document(*, final: bool, answered_no: bool = False, sizes=SIZES,
             signatures=ISSSTE_SIGNATURES, name_line: bool = True) -> EntityReportDocument:
    return EntityReportDocument(
        final=final, header_lines=ISSSTE_HEADER, printed_at=PRINTED, year=2023,
        entity_title=ENTITY, units_reporting=1_234, units_total=20_754, answered_no=answered_no,
        no_interventions_sentence=NO_SENTENCE, not_closed_sentence=NOT_CLOSED,
        sections=sections(sizes), signature_labels=signatures, signature_name_line=name_line,
        folio=FOLIO if final else None, fingerprint=FINGERPRINT if final else None)


def render(doc: EntityReportDocument) -> tuple[int, list[str], PdfReader]:
    """Render with the product renderer; returns pages, each page's text (spaces collapsed)."""
    from excedentes.adapters.pdf import FpdfReportRenderer

    out = io.BytesIO()
    pages = FpdfReportRenderer().render(doc, out)
    reader = PdfReader(io.BytesIO(out.getvalue()))
    return pages, [" ".join(p.extract_text().split()) for p in reader.pages], reader
