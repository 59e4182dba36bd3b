"""The report's cell layout: wrapped lines always fit their column, and nothing is lost
unless the last allowed line says so with "…"."""

from __future__ import annotations

from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from excedentes.adapters.pdf.report import ELLIPSIS, MAX_LINES, PAD, SHORTAGES, _ReportPdf
from excedentes.application.documents import EntityReportDocument

PDF = _ReportPdf(EntityReportDocument(
    final=False, header_lines=(), printed_at=datetime(2026, 1, 2, 3, 4, 5), year=2026,
    entity_title="Entidad Federativa COLIMA", units_reporting=0, units_total=0,
    answered_no=False, no_interventions_sentence="", not_closed_sentence="", sections=()))

words = st.text(alphabet="abcdefghijklmnopqrstuvwxyzáéíóúñÁÉÍÓÚÑ(),./-0123456789",
                min_size=1, max_size=40)
texts = st.lists(words, min_size=1, max_size=30).map(" ".join)
widths = st.sampled_from([c.width for c in SHORTAGES.columns if c.align == "L"])


@settings(max_examples=300, deadline=None)
@given(texts, widths, st.booleans())
def test_wrapped_lines_fit_and_keep_the_text(text, width, bold):
    lines = PDF._wrap(text, width, bold)
    assert 1 <= len(lines) <= MAX_LINES
    for line, line_width in lines:
        assert line_width <= width - 2 * PAD + 1e-6
    joined = "".join(line for line, _ in lines)
    if not joined.endswith(ELLIPSIS):
        assert joined.replace(" ", "") == text.replace(" ", "")
    else:
        assert len(lines) == MAX_LINES


def test_short_text_is_one_line_and_measured_like_fpdf():
    (line, width), = PDF._wrap("Amigdalectomía", 63.0)
    assert line == "Amigdalectomía"
    PDF.font(7)
    assert abs(width - PDF.get_string_width("Amigdalectomía")) < 1e-6


def test_numbers_have_thousands_separators():
    assert PDF._number(1234567) == (("1,234,567", PDF._width("1,234,567", PDF._cw)),)
