"""The PDF "Acuerdo de intercambio de servicios" of an accepted agreement (fpdf2 on the shared
``BaseDocument``, Letter portrait): folio, both parties (institution, entity, unit, CLUES),
the service, patients per month, the dates, both signature blocks with the institutions'
labels, and on every page the folio and the content fingerprint (as the collection's final
report does), so that a printed or scanned page is traced to what was agreed."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO, Iterable, Iterator

from exchange.application.agreements import AgreementDocument, AgreementView, LoopView
from exchange.application.model import UnitInfo
from exchange.domain.agreements import LoopFigures
from shared.adapters.rendering.pdf import BaseDocument, thousands
from shared.adapters.rendering.xlsx import Column, write_workbook

TITLE = "Acuerdo de intercambio de servicios"


def _date(d: object) -> str:
    return d.strftime("%d/%m/%Y") if hasattr(d, "strftime") else str(d)


class _AgreementPdf(BaseDocument):
    def __init__(self, doc: AgreementDocument) -> None:
        super().__init__("P", title=TITLE, author="Coordinación de intercambio de servicios")
        self.doc = doc
        self.set_auto_page_break(True, margin=26)
        self.on_footer = _trace

    def build(self) -> None:
        doc, s = self.doc, self.doc.stored
        a = s.agreement
        t = a.terms
        self.add_page()
        self.font(14, bold=True)
        self.cell(0, 8, TITLE, new_x="LMARGIN", new_y="NEXT", align="C")
        self.font(9)
        self.cell(0, 5, f"Folio {s.folio} · Estado: {doc.status.label} · Impreso el "
                        f"{doc.printed_at.strftime('%d/%m/%Y %H:%M')}",
                  new_x="LMARGIN", new_y="NEXT", align="C")
        self.ln(4)
        self._party("Parte solicitante (recibe pacientes)", s.requesting)
        self._party("Parte proveedora (atiende pacientes)", s.providing)
        self._heading("Servicio convenido")
        rows = [("Producto o servicio", a.product),
                ("Unidad de medida", s.unit_of_measure or "—"),
                ("Grupo de servicio", s.service_group or "—"),
                ("Modalidad", a.modality.value),
                ("Pacientes por mes", thousands(t.patients)),
                ("Vigencia", f"del {_date(t.start)} al {_date(t.end)} "
                             f"({len(a.months())} meses)")]
        if a.agreed is not None and a.agreed != a.proposed:
            p = a.proposed
            rows.append(("Propuesta original", f"{thousands(p.patients)} pacientes por mes, del "
                                               f"{_date(p.start)} al {_date(p.end)}"))
        if s.analysis_id:
            rows.append(("Origen", f"Intercambio propuesto del análisis {s.analysis_id}"))
        if a.notes:
            rows.append(("Observaciones", a.notes))
        self._rows(rows)
        self.ln(3)
        self.font(9)
        self.multi_cell(0, 5, (
            f"La parte proveedora atenderá hasta {thousands(t.patients)} pacientes por mes de "
            f"la parte solicitante durante la vigencia, y registrará cada mes los pacientes "
            "efectivamente atendidos. Cualquiera de las partes puede cancelar el acuerdo "
            "indicando el motivo."), new_x="LMARGIN", new_y="NEXT")
        self._signatures()

    def _heading(self, text: str) -> None:
        self.ln(2)
        self.font(10, bold=True)
        self.set_fill_color(230, 236, 242)
        self.cell(0, 6, text, new_x="LMARGIN", new_y="NEXT", fill=True)
        self.font(9)

    def _rows(self, rows: list[tuple[str, str]]) -> None:
        for label, value in rows:
            self.font(9, bold=True)
            self.cell(48, 5.5, label)
            self.font(9)
            self.multi_cell(0, 5.5, value, new_x="LMARGIN", new_y="NEXT")

    def _party(self, title: str, u: UnitInfo) -> None:
        self._heading(title)
        self._rows([("Institución", f"{u.institution_name} ({u.institution})"),
                    ("Entidad", f"{u.entity_name} ({u.entity})"),
                    ("Unidad médica", u.name), ("CLUES", u.clues),
                    ("Estado", u.state_name)])

    def _signatures(self) -> None:
        s = self.doc.stored
        if self.get_y() > self.h - 26 - 45:
            self.add_page()
        self.ln(10)
        top = self.get_y()
        half = self.epw / 2
        for i, (side, u) in enumerate((("Por la parte solicitante", s.requesting),
                                       ("Por la parte proveedora", s.providing))):
            x = self.l_margin + i * half + 4
            width = half - 8
            self.set_xy(x, top)
            self.font(8, bold=True)
            self.cell(width, 4, self.fit(side, width))
            self.set_xy(x, top + 4)
            self.font(8)
            self.cell(width, 4, self.fit(f"{u.institution_name} ({u.institution})", width))
            self.line(x, top + 24, x + width, top + 24)
            self.set_xy(x, top + 25)
            self.cell(width, 4, "Nombre, cargo y firma")


def _trace(pdf: BaseDocument) -> None:
    doc = pdf.doc  # type: ignore[attr-defined]
    pdf.set_xy(pdf.l_margin, -12)
    pdf.font(7)
    pdf.cell(pdf.epw * 0.75, 5, f"Folio: {doc.stored.folio}    Huella: {doc.fingerprint}")


LOOP_COLUMNS = [Column("Pacientes faltantes (mensuales)", 16, "int"),
                Column("Potencial del análisis (óptima)", 16, "int"),
                Column("Pacientes en acuerdos aceptados (mensuales)", 18, "int"),
                Column("Pacientes atendidos (últimos 12 meses)", 18, "int"),
                Column("Potencial / faltantes", 12, "percent"),
                Column("Acordado / potencial", 12, "percent"),
                Column("Atendidos / (acordado × 12)", 14, "percent")]


def _figures(f: LoopFigures) -> tuple:
    share = f.potential / f.needed if f.needed else None
    return (f.needed, f.potential, f.agreed, f.served_12m, share,
            f.agreed_share if f.potential else None, f.served_share if f.agreed else None)


def _agreement_rows(items: Iterable[AgreementView], counter: list[int]) -> Iterator[tuple]:
    for v in items:
        s, a = v.stored, v.a
        t = a.terms
        served = sum(d.served for d in a.deliveries)
        counter[0] += 1
        yield (s.folio, v.status.label, s.requesting.institution, s.requesting.entity_name,
               s.requesting.clues, s.requesting.name, s.requesting.state_name,
               s.providing.institution, s.providing.entity_name, s.providing.clues,
               s.providing.name, a.product, a.modality.value, t.patients, t.start, t.end,
               len(a.deliveries), served, a.decision.code if a.decision else "",
               a.decision.text if a.decision else "")


class AgreementDocumentsAdapter:
    """``AgreementDocuments``: the agreement PDF (fpdf2) and the loop workbook (XlsxWriter)."""

    def write_loop(self, loop: LoopView, agreements: Iterable[AgreementView],
                   path: Path) -> int:
        """Sheets "Ciclo" (the total), "Estados", "Instituciones" and "Acuerdos"; returns
        the number of agreements written."""
        counter = [0]
        write_workbook(path, [
            ("Ciclo", [Column("Ámbito", 34), *LOOP_COLUMNS],
             [(f"Total · {loop.analysis_label}", *_figures(loop.total))]),
            ("Estados", [Column("Clave", 7), Column("Estado", 26), *LOOP_COLUMNS],
             [(r.key, r.label, *_figures(r.figures)) for r in loop.states]),
            ("Instituciones", [Column("Clave", 9), Column("Institución", 34), *LOOP_COLUMNS],
             [(r.key, r.label, *_figures(r.figures)) for r in loop.institutions]),
            ("Acuerdos", [Column("Folio", 16), Column("Estado del acuerdo", 12),
                          Column("Institución solicitante", 10), Column("Entidad solicitante", 22),
                          Column("CLUES solicitante", 13), Column("Unidad solicitante", 30),
                          Column("Estado (solicitante)", 18),
                          Column("Institución proveedora", 10), Column("Entidad proveedora", 22),
                          Column("CLUES proveedora", 13), Column("Unidad proveedora", 30),
                          Column("Producto", 34), Column("Modalidad", 12),
                          Column("Pacientes por mes", 10, "int"), Column("Inicio", 11, "date"),
                          Column("Término", 11, "date"), Column("Meses registrados", 10, "int"),
                          Column("Pacientes atendidos", 10, "int"), Column("Motivo", 12),
                          Column("Explicación del motivo", 30)],
             _agreement_rows(agreements, counter)),
        ])
        return counter[0]

    def render_agreement(self, doc: AgreementDocument, out: BinaryIO) -> int:
        pdf = _AgreementPdf(doc)
        pdf.build()
        pdf.save(out)
        return pdf.page_no()
