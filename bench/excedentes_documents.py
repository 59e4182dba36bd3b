"""Time the excedentes documents beside the bare library loops, measured in the same run.

1. The final PDF of a synthetic largest entity (60,000 rows in 1,000 units) through
   ``FpdfReportRenderer`` beside a bare fpdf2 ``cell()`` loop writing the same rows (same font,
   size, page format and column widths). Goal: product / bare <= 1.3.
2. The Excel export of 100,000 records through ``XlsxRecordsExporter`` beside a bare XlsxWriter
   constant-memory loop writing the same cells. Goal: product / bare <= 1.3.

Each measurement runs in its own process, so that its peak RSS (VmHWM, with psutil's RSS after
start-up for reference) is its own. Rows are generated lazily in both runs.
Usage: ``python bench/excedentes_documents.py [--rows 60000 --units 1000 --records 100000]``.
"""

from __future__ import annotations

import argparse
import io
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Iterator

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

GROUPS = ["Cirugía", "Laboratorio de análisis clínicos", "Imagenología", "Medicina Nuclear",
          "Consulta externa especialidad", "Hospitalización", "Radioterapia", "Rehabilitación"]
WORDS = ("biometría hemática completa velocidad de sedimentación globular reticulocitos "
         "plaquetas amigdalectomía con o sin adenoidectomía creación conducto entre el "
         "ventrículo derecho y la arteria pulmonar braquiterapia manual hospitalización "
         "radiografía abdomen simple antígeno prostático libre total coprocultivo").split()
CAUSES = ["Carencia de Servicio", "Falta de Equipo", "Falta de Insumos", "Falta de Personal"]


def product_names(n: int = 3000) -> list[str]:
    """Deterministic catalog names of 2 to 16 words (some wrap to two or three lines)."""
    names = []
    for i in range(n):
        length = 2 + (i * 7) % 15
        words = [WORDS[(i * 13 + k * 5) % len(WORDS)] for k in range(length)]
        names.append(" ".join(words).capitalize() + f" {i}")
    return names


def report_document(rows: int, units: int):  # -> EntityReportDocument
    from excedentes.application.documents import EntityReportDocument, ReportLine, UnitSection

    names = product_names()
    per_unit = rows // units

    def lines(u: int, start: int, count: int, shortages: bool) -> list[ReportLine]:
        return [ReportLine(GROUPS[(u + i) % len(GROUPS)], names[(u * 31 + i) % len(names)],
                           CAUSES[i % 4] if shortages else None,
                           "Ambulatorio" if i % 3 else "Hospitalario",
                           (i * 977) % 20000 + 1, (i * 131) % 5000 + 1)
                for i in range(start, start + count)]

    def sections() -> Iterator[UnitSection]:
        for u in range(units):
            n_short = per_unit * 2 // 3
            yield UnitSection(f"BCSSA{u:06d} HOSPITAL GENERAL DE ZONA NÚM. {u}, SEGUNDO NIVEL",
                              lines(u, 0, n_short, True), lines(u, n_short, per_unit - n_short,
                                                                  False))

    return EntityReportDocument(
        final=True,
        header_lines=("INSTITUTO MEXICANO DEL SEGURO SOCIAL", "DIRECCIÓN DE PRESTACIONES MÉDICAS"),
        printed_at=datetime(2026, 3, 10, 10, 0, 0), year=2026,
        entity_title="OOAD/UMAE Edo. de Méx. Ote.", units_reporting=units, units_total=units * 2,
        answered_no=False, no_interventions_sentence="", not_closed_sentence="",
        sections=sections(),
        signature_labels=("Autoriza TOOAD:", "Autoriza Jefe de Servicios de Prestaciones Médicas:"),
        folio="EXC-2026-IMSS-15-0001", fingerprint="3f9a1c2be47d")


def pdf_product(args: argparse.Namespace) -> dict:
    from excedentes.adapters.pdf import FpdfReportRenderer

    doc = report_document(args.rows, args.units)
    start = time.perf_counter()
    out = io.BytesIO()
    pages = FpdfReportRenderer().render(doc, out)
    return {"seconds": time.perf_counter() - start, "pages": pages, "bytes": out.tell()}


def pdf_bare(args: argparse.Namespace) -> dict:
    return bare_pdf(report_document(args.rows, args.units))


def bare_pdf(doc) -> dict:  # doc: EntityReportDocument
    """fpdf2 alone: one bordered ``cell()`` per value at a fixed height, same column widths."""
    from fpdf import FPDF

    from excedentes.adapters.pdf.report import BODY_PT, SHORTAGES, SURPLUSES
    from shared.adapters.rendering.pdf import FONTS, thousands

    start = time.perf_counter()
    pdf = FPDF(unit="mm", format="Letter")
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.set_font("DejaVu", size=BODY_PT)
    pdf.set_margins(12, 12, 12)
    pdf.set_auto_page_break(True, margin=22)
    pdf.add_page()
    h = 4.4
    for section in doc.sections:
        for table, rows in ((SHORTAGES, section.shortages), (SURPLUSES, section.surpluses)):
            widths = [c.width for c in table.columns]
            for n, r in enumerate(rows, start=1):
                cause = [r.cause or ""] if table.with_cause else []
                values = [str(n), r.group, r.product, *cause]
                values += [r.modality, thousands(r.monthly_events), thousands(r.monthly_patients)]
                for w, v in zip(widths[:-1], values[:-1]):
                    pdf.cell(w, h, v, border=1)
                pdf.cell(widths[-1], h, values[-1], border=1, new_x="LMARGIN", new_y="NEXT")
    out = io.BytesIO()
    out.write(bytes(pdf.output()))
    return {"seconds": time.perf_counter() - start, "pages": pdf.page, "bytes": out.tell()}


def export_rows(n: int):  # -> Iterator[ExportRow]
    from excedentes.application.documents import ExportRow

    names = product_names()
    for i in range(n):
        unit = i // 60
        yield ExportRow("IMSS", "Edo. de Méx. Ote.", f"MCIMS{unit:06d}",
                        f"HOSPITAL GENERAL DE ZONA NÚM. {unit}", "SEGUNDO NIVEL", "Cirugía",
                        GROUPS[i % len(GROUPS)], "Consulta externa especialidad",
                        names[i % len(names)], "Estudio", "Faltante" if i % 3 else "Excedente",
                        "Ambulatoria" if i % 2 else "Hospitalaria",
                        CAUSES[i % 4] if i % 3 else "", (i * 977) % 20000 + 1, (i * 131) % 5000 + 1)


def xlsx_product(args: argparse.Namespace) -> dict:
    from excedentes.adapters.xlsx import XlsxRecordsExporter

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.xlsx"
        start = time.perf_counter()
        count = XlsxRecordsExporter().write(export_rows(args.records), path)
        return {"seconds": time.perf_counter() - start, "rows": count,
                "bytes": path.stat().st_size}


def xlsx_bare(args: argparse.Namespace) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        return bare_xlsx(export_rows(args.records), Path(tmp) / "bare.xlsx")


def bare_xlsx(rows, path: Path) -> dict:  # rows: Iterable[ExportRow]
    """XlsxWriter alone, constant memory: write_string / write_number per cell, a header row."""
    import xlsxwriter

    from excedentes.adapters.xlsx.export import COLUMNS

    start = time.perf_counter()
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("Registros")
    for c, col in enumerate(COLUMNS):
        ws.write_string(0, c, col.title)
    count = 0
    for r, row in enumerate(rows, start=1):
        values = (row.institution, row.entity, row.clues, row.unit, row.level, row.service,
                  row.group, row.specialty, row.product, row.unit_of_measure, row.kind,
                  row.modality, row.cause)
        for c, v in enumerate(values):
            ws.write_string(r, c, v)
        ws.write_number(r, 13, row.monthly_events)
        ws.write_number(r, 14, row.monthly_patients)
        count = r
    wb.close()
    return {"seconds": time.perf_counter() - start, "rows": count, "bytes": path.stat().st_size}


def peak_rss_mib() -> float:
    """This process's own peak RSS: VmHWM (``ru_maxrss`` would include the parent's at fork)."""
    try:
        status = Path("/proc/self/status").read_text()
        return int(status.split("VmHWM:")[1].split()[0]) / 1024
    except (OSError, IndexError, ValueError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


PARTS = {"pdf-product": pdf_product, "pdf-bare": pdf_bare,
         "xlsx-product": xlsx_product, "xlsx-bare": xlsx_bare}


def run_part(name: str, args: argparse.Namespace) -> dict:
    cmd = [sys.executable, __file__, "--part", name, "--rows", str(args.rows),
           "--units", str(args.units), "--records", str(args.records)]
    done = subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=60_000)
    parser.add_argument("--units", type=int, default=1_000)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--part", choices=sorted(PARTS))
    args = parser.parse_args()
    if args.part:
        base_rss = psutil.Process().memory_info().rss
        result = PARTS[args.part](args)
        result["peak_rss_mib"] = peak_rss_mib()
        result["start_rss_mib"] = base_rss / 2**20
        print(json.dumps(result))
        return

    from excedentes.adapters.pdf.report import BODY_PT

    print(f"Final PDF, {args.rows:,} rows in {args.units:,} units (Letter, DejaVu {BODY_PT:g} pt)")
    product = run_part("pdf-product", args)
    bare = run_part("pdf-bare", args)
    _report("FpdfReportRenderer", product, "pages")
    _report("bare fpdf2 cell() loop", bare, "pages")
    print(f"  ratio product/bare: {product['seconds'] / bare['seconds']:.2f}x (goal <= 1.30x)")

    print(f"Excel export, {args.records:,} records x 15 columns (constant memory)")
    product = run_part("xlsx-product", args)
    bare = run_part("xlsx-bare", args)
    _report("XlsxRecordsExporter", product, "rows")
    _report("bare XlsxWriter loop", bare, "rows")
    print(f"  ratio product/bare: {product['seconds'] / bare['seconds']:.2f}x (goal <= 1.30x)")


def _report(label: str, result: dict, count: str) -> None:
    print(f"  {label:<24} {result['seconds']:7.2f} s  {result[count]:>7,} {count}  "
          f"{result['bytes'] / 2**20:6.1f} MiB file  peak RSS {result['peak_rss_mib']:6.1f} MiB "
          f"(at start {result['start_rss_mib']:.1f} MiB)")


if __name__ == "__main__":
    main()
