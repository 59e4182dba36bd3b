"""E11: the preliminary and final PDFs read back with pypdf."""

from __future__ import annotations

import io

import attrs
import pytest

from excedentes.adapters.pdf import FpdfReportRenderer
from excedentes.application.ports import ReportRenderer

from .builders import (
    CLUES,
    ENTITY,
    FINGERPRINT,
    FOLIO,
    IMSS_SIGNATURES,
    ISSSTE_HEADER,
    ISSSTE_SIGNATURES,
    NO_SENTENCE,
    NOT_CLOSED,
    SIZES,
    UNIT_NAMES,
    document,
    patients_of,
    render,
)

TITLE = "Recolección de Excedentes y Faltantes de Servicios Médicos Institucionales para el 2023"
SHORTAGE_HEAD = ("No. Grupo de Servicio Producto Causa Principal Ambulatorio/ Hospitalario "
                 "Eventos Mensuales Pacientes Mensuales")
SURPLUS_HEAD = ("No. Grupo de Servicio Producto Ambulatorio/ Hospitalario Eventos Mensuales "
                "Pacientes Mensuales")


@pytest.fixture(scope="module")
def final():
    return render(document(final=True))


@pytest.fixture(scope="module")
def preliminary():
    return render(document(final=False))


def test_the_renderer_implements_the_port():
    renderer: ReportRenderer = FpdfReportRenderer()
    assert callable(renderer.render)


@pytest.mark.parametrize("kind", ["final", "preliminary"])
def test_first_page_carries_the_title_block(kind, request):
    _, texts, _ = request.getfixturevalue(kind)
    first = texts[0]
    for line in ISSSTE_HEADER:
        assert line in first
    assert "Fecha de impresión: 03/08/2023 14:34:02" in first
    assert TITLE in first
    assert ENTITY in first
    assert "1,234 de 20,754 Unidades Médicas reportan Excedentes y/o Faltantes" in first
    assert first.index(ISSSTE_HEADER[0]) < first.index(TITLE) < first.index(ENTITY)


@pytest.mark.parametrize("kind", ["final", "preliminary"])
def test_page_numbers_on_every_page(kind, request):
    pages, texts, reader = request.getfixturevalue(kind)
    assert pages == len(reader.pages) == len(texts)
    assert pages >= 8  # 406 rows, some on two or three lines
    for n, text in enumerate(texts, start=1):
        assert f"Página {n} de {pages}" in text


@pytest.mark.parametrize("kind", ["final", "preliminary"])
def test_every_unit_and_every_row_is_printed_once(kind, request):
    _, texts, _ = request.getfixturevalue(kind)
    everything = " ".join(texts)
    for u, (shortages, surpluses) in enumerate(SIZES):
        heading = f"{CLUES[u]} {UNIT_NAMES[u]}"
        assert everything.count(heading) >= 1
        for table, count in ((0, shortages), (1, surpluses)):
            for i in range(count):
                number = f"{patients_of(u, table, i):,}"
                assert everything.count(number) == 1, number
    # unit 2 has no shortages: its heading is followed by the Excedentes table
    unit2 = everything.index(f"{CLUES[2]} {UNIT_NAMES[2]}")
    assert everything[unit2:].split(CLUES[3])[0].count("Faltantes") == 0
    assert "Excedentes" in everything[unit2:].split(CLUES[3])[0]


def test_tables_have_their_columns_and_formatted_values(final):
    _, texts, _ = final
    everything = " ".join(texts)
    assert SHORTAGE_HEAD in everything
    assert SURPLUS_HEAD in everything
    assert ("1 Cirugía Amigdalectomía con o sin adenoidectomía Carencia de Servicio Hospitalario "
            f"12,345 {patients_of(0, 0, 0):,}") in everything
    assert ("1 Cirugía Amigdalectomía con o sin adenoidectomía Hospitalario "
            f"12,345 {patients_of(0, 1, 0):,}") in everything
    for word in ("Laboratorio de análisis clínicos", "Imagenología", "Falta de Equipo",
                 "Falta de Insumos", "Falta de Personal", "Ambulatorio", "Albúmina en sangre.",
                 "Antígeno prostático psa libre", "Coproparasitoscópico (1 muestra)."):
        assert word in everything


def test_a_long_product_name_wraps_and_is_shortened_within_its_row(final):
    _, texts, _ = final
    everything = " ".join(texts)
    # the 270-character name wraps on three lines, the last one ending in "…"
    assert "Biometría hemática completa, velocidad de" in everything
    assert "…" in everything
    assert "Coombs directo e indirecto con titulación" not in everything


def test_table_headings_repeat_after_a_page_break(final):
    _, texts, _ = final
    continued = [t for t in texts[1:] if "(continuación)" in t]
    assert continued, "a 90-row table must continue on another page"
    for text in texts[1:]:
        rows_on_page = any(f"{patients_of(u, t, i):,}" in text for u in range(len(SIZES))
                           for t in (0, 1) for i in range(100))
        if rows_on_page:
            assert "No. Grupo de Servicio Producto" in text
            assert "Eventos Mensuales Pacientes Mensuales" in text
    # running header from the second page on
    for text in texts[1:]:
        assert ENTITY in text and "Fecha de impresión: 03/08/2023 14:34:02" in text


def test_preliminary_pages_carry_the_watermark_and_no_signatures(preliminary):
    _, texts, _ = preliminary
    for text in texts:
        assert "Sin Validez Oficial." in text
        assert NOT_CLOSED in text
        for label in ISSSTE_SIGNATURES:
            assert label not in text
        assert "Folio:" not in text and "Huella:" not in text


def test_final_pages_carry_signatures_folio_and_fingerprint_and_no_watermark(final):
    _, texts, _ = final
    for text in texts:
        assert "Sin Validez Oficial." not in text
        assert NOT_CLOSED not in text
        assert "aún no cierra" not in text
        for label in ISSSTE_SIGNATURES:
            assert label in text
        assert text.count("Nombre:") == 2
        assert f"Folio: {FOLIO}" in text
        assert f"Huella: {FINGERPRINT}" in text


def test_imss_signatures_without_name_lines():
    _, texts, _ = render(document(final=True, signatures=IMSS_SIGNATURES, name_line=False,
                                  sizes=((3, 2), (1, 0))))
    for text in texts:
        for label in IMSS_SIGNATURES:
            assert label in text
        assert "Nombre:" not in text


@pytest.mark.parametrize("final", [True, False])
def test_the_no_case_prints_the_sentence_instead_of_sections(final):
    pages, texts, _ = render(document(final=final, answered_no=True))
    assert pages == 1
    text = texts[0]
    assert NO_SENTENCE in text
    assert "Unidades Médicas reportan" not in text
    assert "Faltantes Faltantes" not in text and CLUES[0] not in text
    assert "Página 1 de 1" in text
    assert ("Sin Validez Oficial." in text) is (not final)
    assert (ISSSTE_SIGNATURES[0] in text) is final


def test_an_entity_without_sections_yields_one_page():
    pages, texts, _ = render(document(final=True, sizes=()))
    assert pages == 1
    assert "Página 1 de 1" in texts[0]


def test_a_unit_without_records_says_so():
    _, texts, _ = render(document(final=False, sizes=((0, 0), (1, 1))))
    assert "Sin registros de Excedentes ni Faltantes." in texts[0]


def test_accents_render_with_the_embedded_unicode_font(final):
    _, texts, reader = final
    fonts = reader.pages[0]["/Resources"]["/Font"]
    names = {str(fonts[k].get_object()["/BaseFont"]) for k in fonts}
    assert any("DejaVu" in n for n in names)
    assert all("Helvetica" not in n for n in names)
    assert "Amigdalectomía" in texts[0] and "Recolección" in texts[0]
    assert "«DR. JAVIER BUENFIL OSORIO»" in " ".join(texts)


def test_sections_are_consumed_once_from_a_lazy_iterable():
    consumed = []

    def once():
        for section in document(final=True).sections:
            consumed.append(section.heading)
            yield section

    pages, texts, _ = render(attrs.evolve(document(final=True), sections=once()))
    assert len(consumed) == len(SIZES)
    assert pages == len(texts)


@pytest.mark.parametrize("rows", [9, 999, 2_857, 10_000, 99_999])
def test_the_no_column_fits_the_largest_row_number(rows):
    """"No." was 8 mm whatever the rows: "2,857" touched the rule and "10,000" overflowed."""
    from excedentes.adapters.pdf.report import PAD, SHORTAGES, SURPLUSES, _ReportPdf
    from shared.adapters.rendering.pdf import thousands

    pdf = _ReportPdf(document(final=False))
    for table in (SHORTAGES, SURPLUSES):
        sized = pdf._sized(table, rows)
        number = pdf._width(thousands(rows), pdf._cw)
        assert number + 2 * PAD <= sized.columns[0].width
        assert sum(c.width for c in sized.columns) == pytest.approx(
            sum(c.width for c in table.columns))  # the table keeps the page's width
        if rows < 1000:
            assert sized == table
