"""The Paso 6 rows written in Python (``grid_html``) are exactly the HTML the reference Jinja
loop of macros writes (``paso6_rows_reference.html``, the page's template before), for any
values typed, stored, refused, stale or commented, editable or read-only."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from jinja2 import Environment, FileSystemLoader

from entrypoints.http.excedentes.common import EntityUrls
from entrypoints.http.excedentes.grid_html import (
    editable_rows,
    history_prefix,
    readonly_rows,
)
from excedentes.application.results import GridLine
from excedentes.domain.grid import GridField, GridRow
from excedentes.domain.quality import ValueNote

HERE = Path(__file__).parent
# autoescape as Litestar's Jinja engine configures it for the pages
ENV = Environment(loader=FileSystemLoader(HERE), autoescape=True)
REFERENCE = ENV.get_template("paso6_rows_reference.html").module

# what a cell may hold: blank, numbers, spaces, and text that must be escaped
text = st.one_of(st.just(""), st.just(" "), st.sampled_from(["12", "1,200", "Desabasto",
                                                              "Falta de Equipo"]),
                 st.text(alphabet='<>&"\' aé0«', max_size=6))
rows = st.builds(GridRow, product_id=st.just(0), shortage_outpatient=text,
                 shortage_inpatient=text, cause=text, surplus_outpatient=text,
                 surplus_inpatient=text, monthly_patients=text)
FIELDS = [f.value for f in GridField]
errors = st.dictionaries(st.sampled_from(FIELDS),
                         st.lists(st.text(alphabet="<&a é", max_size=5), min_size=0,
                                  max_size=2).map(tuple), max_size=3)
currents = st.one_of(st.none(), st.dictionaries(st.sampled_from(FIELDS[1:]), text,
                                                max_size=3))
notes = st.one_of(st.none(), st.builds(ValueNote, comment=text,
                                       outlier=st.one_of(st.none(), text)))


@st.composite
def grids(draw: st.DrawFn) -> dict:
    n = draw(st.integers(min_value=0, max_value=5))
    pids = draw(st.lists(st.integers(min_value=1, max_value=10**6), min_size=n, max_size=n,
                         unique=True))
    lines, kept, comments, starts = [], {}, {}, {}
    for number, pid in enumerate(pids, 1):
        stored = attrs_with(draw(rows), pid)
        line = GridLine(number=number, product_id=pid, product=draw(text) + " <b>",
                        unit_of_measure=draw(text), row=stored)
        shown = attrs_with(draw(rows), pid) if draw(st.booleans()) else stored
        start = attrs_with(draw(rows), pid) if draw(st.booleans()) else stored
        lines.append((line, shown, draw(errors), start, draw(currents)))
        note = draw(notes)
        if note is not None:
            kept[pid] = note
        if draw(st.booleans()):
            comments[pid] = draw(text)
        if draw(st.booleans()):
            starts[pid] = draw(text)
    return {"lines": lines, "notes": kept, "comments": comments, "starts": starts}


def attrs_with(row: GridRow, pid: int) -> GridRow:
    return GridRow(product_id=pid, **{f.value: row.raw(f) for f in GridField
                                      if f is not GridField.PRODUCT})


URLS = EntityUrls("IMSS", "B&C", 2026)
UNIT = type("Unit", (), {"clues": "BCIMS<001"})()


@settings(max_examples=300, deadline=None)
@given(grids())
def test_editable_rows_are_the_reference_html(grid: dict) -> None:
    expected = REFERENCE.rows(grid["lines"], True, grid["notes"], grid["comments"],
                              grid["starts"], URLS, UNIT)
    got = editable_rows(grid["lines"], grid["notes"], grid["comments"], grid["starts"],
                        history_prefix(URLS.root, UNIT.clues))
    assert str(got) == str(expected)


@settings(max_examples=150, deadline=None)
@given(grids())
def test_readonly_rows_are_the_reference_html(grid: dict) -> None:
    expected = REFERENCE.rows(grid["lines"], False, grid["notes"], {}, {}, URLS, UNIT)
    got = readonly_rows(grid["lines"], grid["notes"], history_prefix(URLS.root, UNIT.clues))
    assert str(got) == str(expected)


def test_history_prefix_is_the_history_address_without_the_product() -> None:
    assert URLS.history("BC1", 7) == history_prefix(URLS.root, "BC1") + "7/historial"


def test_a_stored_row_with_values_links_its_history_and_escapes_what_it_shows() -> None:
    stored = GridRow(product_id=5, shortage_outpatient="3", cause="Desabasto",
                     monthly_patients="2")
    line = GridLine(number=1, product_id=5, product="Gasas <10 cm>", unit_of_measure="Pieza",
                    row=stored)
    html = str(editable_rows([(line, stored, {}, stored, None)], {}, {}, {},
                             history_prefix(URLS.root, "BC1")))
    assert 'id="p5">Gasas &lt;10 cm&gt;</th>' in html
    assert '<input type="hidden" name="ofa5" value="3">' in html
    assert 'href="/excedentes/entidades/IMSS/B&amp;C/2026/unidades/BC1/productos/5/historial"' \
        in html
