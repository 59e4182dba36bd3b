"""The entity's report (E11): Preliminar and Versión Final, drawn with fpdf2.

Layout (Letter, portrait): the institution header lines, "Fecha de impresión", the title with
the year, the entity and "N de M Unidades Médicas reportan Excedentes y/o Faltantes" on the
first page; then, per unit, its heading ("CLUES NAME, NIVEL") and a Faltantes and an Excedentes
table. A table that continues on the next page repeats the unit heading "(continuación)", the
caption and the column headings. Every page carries a running header (after the first), the
preliminary's two sentences or the final's signature area with folio and fingerprint, and
"Página N de M".

Speed. A report of the largest entity holds ~60,000 rows. fpdf2's ``table()`` is an order of
magnitude slower than a plain ``cell()`` loop, and ``cell()`` itself costs ~50 µs per cell
(each one builds styled text fragments). Rows are therefore laid out here once, with the
font's width table and a cache per distinct text (products repeat across units), and drawn
with ``text()`` at computed positions (~10 µs) plus one rule per row; the column rules of a
table are drawn once per page. Rows have a fixed height per number of lines (1 to 3): long
product names wrap at word boundaries and the last allowed line ends in "…", so that nothing
needs ``multi_cell``. ``bench/excedentes_documents.py`` measures it beside a bare ``cell()``
loop writing the same rows.

``document.sections`` is consumed once, in order: a lazy iterable streams.
"""

from __future__ import annotations

from typing import BinaryIO, Sequence

import attrs

from excedentes.application.documents import EntityReportDocument, ReportLine, UnitSection
from shared.adapters.rendering.pdf import BaseDocument, thousands

BODY_PT = 7.0  # table body and column headings
LINE = 3.0  # mm between the baselines of a wrapped cell
ROW_PAD = 0.7  # mm above and below the lines of a row
PAD = 1.0  # mm left/right inside a cell
MAX_LINES = 3  # a cell wraps to at most this many lines; the last one ends in "…"
RULE = 0.15  # mm, table rules
HEADER_FILL = 225  # gray of the column headings
ELLIPSIS = "…"

PRELIMINARY_MARGIN = 31.0  # bottom area: "Sin Validez Oficial.", the sentence, the page number
FINAL_MARGIN = 52.0  # bottom area: signatures, folio and fingerprint, the page number


@attrs.frozen
class _Column:
    title: str
    width: float
    align: str = "L"  # L | R | C


@attrs.frozen
class _Table:
    caption: str
    columns: tuple[_Column, ...]
    with_cause: bool


_NO = _Column("No.", 8.0, "R")
_GROUP = _Column("Grupo de Servicio", 34.0)
_CAUSE = _Column("Causa Principal", 28.0)
_MODALITY = _Column("Ambulatorio/ Hospitalario", 21.0)
_EVENTS = _Column("Eventos Mensuales", 18.0, "R")
_PATIENTS = _Column("Pacientes Mensuales", 19.9, "R")
# Letter portrait between 12 mm margins: 191.9 mm
SHORTAGES = _Table("Faltantes", (_NO, _GROUP, _Column("Producto", 63.0), _CAUSE, _MODALITY,
                                 _EVENTS, _PATIENTS), True)
SURPLUSES = _Table("Excedentes", (_NO, _GROUP, _Column("Producto", 91.0), _MODALITY, _EVENTS,
                                  _PATIENTS), False)

# A laid-out cell: its lines, each with its width in mm.
_Lines = tuple[tuple[str, float], ...]


class FpdfReportRenderer:
    """``ReportRenderer`` port: one PDF per call, written to ``out``."""

    def render(self, document: EntityReportDocument, out: BinaryIO) -> int:
        pdf = _ReportPdf(document)
        pdf.build()
        pdf.save(out)
        return pdf.page


class _ReportPdf(BaseDocument):
    def __init__(self, doc: EntityReportDocument) -> None:
        kind = "Versión Final" if doc.final else "Preliminar"
        super().__init__("P", title=f"Reporte {kind} - {doc.entity_title} - {doc.year}",
                         author=doc.header_lines[0] if doc.header_lines else "")
        self.doc = doc
        self.printed = doc.printed_at.strftime("%d/%m/%Y %H:%M:%S")
        self.set_auto_page_break(True, FINAL_MARGIN if doc.final else PRELIMINARY_MARGIN)
        self.on_header = _ReportPdf._running_header
        self.on_footer = _ReportPdf._final_footer if doc.final else _ReportPdf._preliminary_footer
        # fpdf2 reserves three digits for the "{nb}" alias (it warns from 1,000 pages on and
        # the label overflows the margin); any other alias of four characters reserves four.
        self.alias_nb_pages("{np}")
        self.page_label = "Página {n} de {{np}}"
        self.content_width = self.w - self.l_margin - self.r_margin
        # Width tables of the two fonts, read once (fpdf2 keeps them per font, in 1/1000 em).
        self.font(BODY_PT, bold=True)
        self._bold_cw = self.current_font.cw
        self.font(BODY_PT)
        self._cw = self.current_font.cw
        self._em = BODY_PT * 0.001 / self.k  # 1/1000 em -> mm at BODY_PT
        self._baseline = 0.5 * LINE + 0.3 * BODY_PT / self.k  # as cell() places its text
        self._layout: dict[tuple[str, float, bool], _Lines] = {}
        self._numbers: dict[int, _Lines] = {}
        # state of the table being drawn, for page breaks and the column rules
        self._table: _Table | None = None
        self._heading = ""
        self._segment_top = 0.0

    # ------------------------------------------------------------------ document

    def build(self) -> None:
        doc = self.doc
        self.add_page()
        self._title_block()
        if doc.answered_no:
            self.ln(4)
            self._centered(doc.no_interventions_sentence, 10, bold=True, minimum=7)
            return
        for section in doc.sections:
            self._section(section)

    def _title_block(self) -> None:
        doc = self.doc
        for line in doc.header_lines:
            self._centered(line, 9, bold=True, minimum=6.5, height=4.5)
        self.ln(2)
        self.font(8)
        self.cell(0, 4.5, f"Fecha de impresión: {self.printed}", align="R",
                  new_x="LMARGIN", new_y="NEXT")
        self.ln(2)
        self._centered("Recolección de Excedentes y Faltantes de Servicios Médicos "
                       f"Institucionales para el {doc.year}", 10.5, bold=True, minimum=7)
        self.ln(1)
        self._centered(doc.entity_title, 10, bold=True, minimum=7)
        if not doc.answered_no:
            self.ln(1)
            self._centered(f"{thousands(doc.units_reporting)} de {thousands(doc.units_total)} "
                           "Unidades Médicas reportan Excedentes y/o Faltantes", 9, minimum=7)
        self.ln(3)

    def _centered(self, text: str, size: float, *, bold: bool = False, minimum: float = 7,
                  height: float | None = None) -> None:
        """One centered line; the font shrinks down to ``minimum`` before the text wraps."""
        while True:
            self.font(size, bold)
            if size <= minimum or self.get_string_width(text) <= self.content_width - 2:
                break
            size -= 0.5
        self.multi_cell(0, height or size * 0.55, text, align="C", new_x="LMARGIN", new_y="NEXT")

    # ------------------------------------------------------------------ sections and tables

    def _section(self, section: UnitSection) -> None:
        self._heading = section.heading
        tables = [(self._sized(t, len(rows)), rows)
                  for t, rows in ((SHORTAGES, section.shortages),
                                  (SURPLUSES, section.surpluses)) if rows]
        first_row = (self._row_height(tables[0][0], tables[0][1][0], 1) if tables else 0)
        # keep the heading with the caption, the column headings and the first row
        header = self._header_height(tables[0][0]) if tables else 0
        if self.y + 6 + 5 + header + first_row > self.page_break_trigger:
            self.add_page()
        self._unit_heading(section.heading)
        if not tables:
            self.font(8)
            self.cell(0, 5, "Sin registros de Excedentes ni Faltantes.",
                      new_x="LMARGIN", new_y="NEXT")
        for table, rows in tables:
            self._draw_table(table, rows)
        self.ln(2)

    def _sized(self, table: _Table, row_count: int) -> _Table:
        """The table with its "No." column wide enough for the largest row number ("2,857",
        "10,000"); the Producto column gives up the difference (it wraps, numbers cannot)."""
        needed = self._width(thousands(max(row_count, 1)), self._cw) + 2 * PAD + 0.4
        if needed <= _NO.width:
            return table
        extra = -(-needed * 2 // 1) / 2 - _NO.width  # rounded up to half a millimetre
        no, group, product, *rest = table.columns
        return attrs.evolve(table, columns=(
            attrs.evolve(no, width=no.width + extra), group,
            attrs.evolve(product, width=product.width - extra), *rest))

    def _unit_heading(self, heading: str, continued: bool = False) -> None:
        self.font(8.5, bold=True)
        suffix = " (continuación)" if continued else ""
        text = self.fit(heading, self.content_width - self.get_string_width(suffix)) + suffix
        self.cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")

    def _draw_table(self, table: _Table, rows: Sequence[ReportLine]) -> None:
        first = self._row_height(table, rows[0], 1)
        if self.y + 5 + self._header_height(table) + first > self.page_break_trigger:
            self.add_page()
            self._unit_heading(self._heading, continued=True)
        self._table = table
        self._caption_and_header(table)
        self.font(BODY_PT)
        cells = self._cells
        draw = self._draw_row
        for number, line in enumerate(rows, start=1):
            draw(cells(table, line, number))
        self._close_segment()
        self._table = None
        self.ln(1.5)

    def _caption_and_header(self, table: _Table, continued: bool = False) -> None:
        self.font(8, bold=True)
        self.cell(0, 5, table.caption + (" (continuación)" if continued else ""),
                  new_x="LMARGIN", new_y="NEXT")
        # column headings: gray band, bold, centered, wrapped
        height = self._header_height(table)
        x, y = self.l_margin, self.y
        self.set_line_width(RULE)
        self.set_fill_color(HEADER_FILL)
        self.rect(x, y, self.content_width, height, style="DF")
        self.set_fill_color(0)
        self.font(BODY_PT, bold=True)
        for col in table.columns:
            lines = self._wrap(col.title, col.width, bold=True)
            self._put(lines, x, y, col.width, height, "C")
            x += col.width
        self.y = y + height
        self._segment_top = y

    def _header_height(self, table: _Table) -> float:
        return 2 * ROW_PAD + LINE * max(len(self._wrap(c.title, c.width, bold=True))
                                        for c in table.columns)

    def _cells(self, table: _Table, line: ReportLine, number: int) -> list[_Lines]:
        cols = table.columns
        cells = [self._number(number), self._wrap(line.group, cols[1].width),
                 self._wrap(line.product, cols[2].width)]
        if table.with_cause:
            cells.append(self._wrap(line.cause or "", cols[3].width))
        cells += [self._wrap(line.modality, cols[-3].width), self._number(line.monthly_events),
                  self._number(line.monthly_patients)]
        return cells

    def _row_height(self, table: _Table, line: ReportLine, number: int) -> float:
        return 2 * ROW_PAD + LINE * max(len(c) for c in self._cells(table, line, number))

    def _draw_row(self, cells: list[_Lines]) -> None:
        table = self._table
        assert table is not None
        height = 2 * ROW_PAD + LINE * max(len(c) for c in cells)
        if self.y + height > self.page_break_trigger:
            self._continue_on_next_page(table)
        x, y = self.l_margin, self.y
        put = self._put
        for col, lines in zip(table.columns, cells):
            put(lines, x, y, col.width, height, col.align)
            x += col.width
        self.line(self.l_margin, y + height, x, y + height)
        self.y = y + height

    def _put(self, lines: _Lines, x: float, y: float, width: float, height: float,
             align: str) -> None:
        """Write a laid-out cell, centered vertically in a row of ``height``."""
        base = y + (height - LINE * len(lines)) / 2 + self._baseline
        text = self.text
        for text_line, text_width in lines:
            if align == "R":
                text(x + width - PAD - text_width, base, text_line)
            elif align == "C":
                text(x + (width - text_width) / 2, base, text_line)
            else:
                text(x + PAD, base, text_line)
            base += LINE

    def _close_segment(self) -> None:
        """Column rules and frame of the part of the table on this page."""
        table = self._table
        if table is None:
            return
        top, bottom = self._segment_top, self.y
        x = self.l_margin
        self.rect(x, top, self.content_width, bottom - top)
        for col in table.columns[:-1]:
            x += col.width
            self.line(x, top, x, bottom)

    def _continue_on_next_page(self, table: _Table) -> None:
        self._close_segment()
        self.add_page()
        self._unit_heading(self._heading, continued=True)
        self._caption_and_header(table, continued=True)
        self.font(BODY_PT)

    # ------------------------------------------------------------------ text layout

    def _number(self, value: int) -> _Lines:
        laid = self._numbers.get(value)
        if laid is None:
            text = thousands(value)
            laid = self._numbers[value] = ((text, self._width(text, self._cw)),)
        return laid

    def _width(self, text: str, cw: object) -> float:
        return sum(cw[ord(c)] for c in text) * self._em  # type: ignore[index]

    def _wrap(self, text: str, width: float, bold: bool = False) -> _Lines:
        """Greedy word wrap in ``width`` mm, at most MAX_LINES lines, cached per text."""
        key = (text, width, bold)
        laid = self._layout.get(key)
        if laid is not None:
            return laid
        cw = self._bold_cw if bold else self._cw
        room = width - 2 * PAD
        text = " ".join(text.split())
        if self._width(text, cw) <= room:
            laid = ((text, self._width(text, cw)),)
        else:
            laid = self._wrap_words(text, room, cw)
        self._layout[key] = laid
        return laid

    def _wrap_words(self, text: str, room: float, cw: object) -> _Lines:
        lines: list[str] = []
        current = ""
        words = text.split(" ")
        i = 0
        while i < len(words):
            word = words[i]
            candidate = f"{current} {word}" if current else word
            if self._width(candidate, cw) <= room:
                current = candidate
                i += 1
                continue
            if not current:  # a single word wider than the cell: cut it
                cut = self._fit_chars(word, room, cw, "")
                lines.append(cut)
                words[i] = word[len(cut):]
                if len(lines) == MAX_LINES - 1:
                    break
                continue
            lines.append(current)
            current = ""
            if len(lines) == MAX_LINES - 1:
                break
        rest = " ".join(([current] if current else []) + words[i:])
        if len(lines) == MAX_LINES - 1 and self._width(rest, cw) > room:
            rest = self._fit_chars(rest, room, cw, ELLIPSIS).rstrip(" ,;:") + ELLIPSIS
        if rest:
            lines.append(rest)
        return tuple((s, self._width(s, cw)) for s in lines)

    def _fit_chars(self, text: str, room: float, cw: object, tail: str) -> str:
        """The longest prefix of ``text`` that fits in ``room`` with ``tail`` after it."""
        budget = room / self._em - sum(cw[ord(c)] for c in tail)  # type: ignore[index]
        used = 0.0
        for n, char in enumerate(text):
            used += cw[ord(char)]  # type: ignore[index]
            if used > budget:
                return text[:max(n, 1)]
        return text

    # ------------------------------------------------------------------ page furniture

    def _running_header(self) -> None:
        """From the second page on: entity and printing date above a thin rule."""
        if self.page_no() == 1:
            return
        self.font(7)
        self.set_text_color(90)
        y = self.t_margin - 4
        self.set_xy(self.l_margin, y)
        half = self.content_width / 2
        self.cell(half, 4, self.fit(self.doc.entity_title, half))
        self.cell(half, 4, f"Fecha de impresión: {self.printed}", align="R")
        self.set_draw_color(150)
        self.set_line_width(RULE)
        self.line(self.l_margin, y + 4.5, self.w - self.r_margin, y + 4.5)
        self.set_draw_color(0)
        self.set_text_color(0)
        self.set_xy(self.l_margin, y + 6.5)

    def _preliminary_footer(self) -> None:
        doc = self.doc
        self.set_y(-27)
        self.font(11, bold=True)
        self.set_text_color(150, 0, 0)
        self.cell(0, 6, "Sin Validez Oficial.", align="C", new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0)
        size = 8.0
        self.font(size)
        while size > 6 and self.get_string_width(doc.not_closed_sentence) > self.content_width:
            size -= 0.5
            self.font(size)
        self.cell(0, 5, doc.not_closed_sentence, align="C", new_x="LMARGIN", new_y="NEXT")

    def _final_footer(self) -> None:
        doc = self.doc
        top = self.h - FINAL_MARGIN + 3
        self.set_xy(self.l_margin, top)
        self.font(7)
        self.set_text_color(90)
        self.cell(0, 3.5, "Área para firmas", align="C")
        self.set_text_color(0)
        half = self.content_width / 2
        self.set_line_width(0.2)
        for i, label in enumerate(doc.signature_labels):
            x = self.l_margin + i * half + 4
            width = half - 8
            size = 8.0
            self.font(size, bold=True)
            while size > 6.5 and self.get_string_width(label) > width - 1.5:
                size -= 0.5
                self.font(size, bold=True)
            self.set_xy(x, top + 5)
            self.cell(width, 4, self.fit(label, width))
            self.line(x, top + 20, x + width, top + 20)  # signature
            if doc.signature_name_line:
                self.font(8)
                self.set_xy(x, top + 22)
                self.cell(14, 4, "Nombre:")
                self.line(x + 14, top + 25.5, x + width, top + 25.5)
        trace = []
        if doc.folio:
            trace.append(f"Folio: {doc.folio}")
        if doc.fingerprint:
            trace.append(f"Huella: {doc.fingerprint}")
        if trace:
            self.set_xy(self.l_margin, -12)
            self.font(7)
            self.cell(self.content_width * 0.7, 5, "    ".join(trace))
