"""Pure pieces around the exchange pages: scopes, filters, the Spanish texts, the
side-by-side comparison, and the server-side SVG charts."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from entrypoints.http.exchange.charts import BarRow, Series, bar_chart, nice_scale, text_width
from entrypoints.http.exchange.forms import RunForm, filter_query, view_filter
from exchange.application.model import (
    EMPTY_COUNTS,
    PotentialCounts,
    PotentialLevel,
    Side,
    TierCounts,
    ViewFilter,
    Viewer,
    viewer_of,
)
from exchange.application.views import (
    Comparison,
    CriteriaView,
    PotentialRow,
    comparison_rows,
    percent_text,
)
from exchange.domain.matching import AllocationMethod, ExchangeCriteria, Tier
from shared.kernel.errors import ValidationError
from shared.kernel.scope import Role, Scope

SVG = "{http://www.w3.org/2000/svg}"


def test_each_role_sees_its_part() -> None:
    assert viewer_of(Scope(Role.ADMIN)) == Viewer()
    assert viewer_of(Scope(Role.COORDINADOR, "imss")) == Viewer("IMSS")
    assert viewer_of(Scope(Role.CAPTURISTA, "SS:BC")) == Viewer("SS", "BC")
    assert viewer_of(Scope(Role.CAPTURISTA, "nonsense")) is None
    assert viewer_of(Scope(Role.REVISOR)) is None
    assert viewer_of(Scope(Role.DIRECTOR, "7")) is None


def test_filters_take_names_codes_and_spanish_sides() -> None:
    flt = view_filter("imss", "Baja California Sur", "Cirugía", "proveedor")
    assert flt == ViewFilter("IMSS", "03", "cirugia", Side.PROVIDING)
    assert filter_query(flt) == {"institucion": "IMSS", "estado": "03", "grupo": "cirugia",
                                 "lado": "proveedor"}
    assert filter_query(ViewFilter(), pagina=2) == {"pagina": 2}
    assert ViewFilter().empty and not flt.empty
    with pytest.raises(ValidationError, match="Estado desconocido"):
        view_filter(state="Atlantis")
    with pytest.raises(ValidationError, match="Lado desconocido"):
        view_filter(side="arriba")


def test_the_run_form_keeps_what_was_typed_and_builds_the_command() -> None:
    class Form(dict):
        def getall(self, key):
            return self[key]

    form = RunForm.from_form(Form(periodo="2026", nivel=["1", "3"], minimo="2",
                                  institucion=["IMSS"], entre_instituciones="1", estado="02",
                                  grupo="cirugia"))
    cmd = form.command()
    assert cmd.criteria == ExchangeCriteria(frozenset({Tier.SAME_ENTITY,
                                                       Tier.NEIGHBOUR_STATE}), True,
                                            frozenset({"IMSS"}), 2)
    assert (cmd.year, cmd.state, cmd.service_group) == (2026, "02", "cirugia")
    bad = RunForm.from_form(Form(periodo="2026", minimo="cero"))
    assert bad.niveles == () and bad.minimo == "cero" and not bad.entre_instituciones
    with pytest.raises(ValidationError, match="número entero"):
        bad.command()
    with pytest.raises(ValidationError, match="nivel"):
        RunForm(periodo="2026", niveles=()).command()
    with pytest.raises(ValidationError, match="periodo"):
        RunForm(periodo="").command()


def test_criteria_read_as_one_spanish_sentence() -> None:
    text = CriteriaView.of(ExchangeCriteria(frozenset({Tier.SAME_ENTITY}), False,
                                            frozenset({"SS", "IMSS"}), 3)).text
    assert text == ("Niveles: Misma entidad; solo dentro de cada institución; instituciones: "
                    "IMSS, SS; mínimo 3 pacientes por intercambio.")
    assert "todas" in CriteriaView.of(ExchangeCriteria()).text
    assert percent_text(0.17) == "17.0 %" and percent_text(0) == "0.0 %"


def test_the_comparison_says_how_much_the_optimum_adds() -> None:
    counts = PotentialCounts("IMSS", None, None, None, 10, 100, 2, 1, 30, 3, 2, 45)
    row = PotentialRow.of(counts, PotentialLevel.INSTITUTION)
    assert (row.key, row.label) == ("IMSS", "IMSS")
    assert row.added_patients == 15 and row.added_records == 2
    assert row.optimal.share_records_covered == 0.5 and row.greedy.share_patients_covered == 0.3
    tiers = [TierCounts(AllocationMethod.GREEDY, Tier.SAME_ENTITY, 2, 30),
             TierCounts(AllocationMethod.OPTIMAL, Tier.SAME_ENTITY, 2, 25),
             TierCounts(AllocationMethod.OPTIMAL, Tier.NEIGHBOUR_STATE, 3, 20)]
    c = Comparison.of(row, tiers)
    assert (c.greedy.exchanges, c.optimal.exchanges) == (2, 5)
    assert (c.optimal.patients_same_entity, c.optimal.patients_same_state,
            c.optimal.patients_neighbour_state) == (25, 0, 20)
    assert c.added_patients == 15
    rows = {name: (g, o) for name, g, o, _, _ in comparison_rows(c)}
    assert rows["Pacientes mensuales cubiertos"] == (30, 45)
    assert rows["Intercambios propuestos"] == (2, 5)
    entity = PotentialRow.of(attrs.evolve(counts, entity="NL", entity_name="Nuevo León"),
                             PotentialLevel.ENTITY)
    assert (entity.key, entity.label) == ("IMSS:NL", "Nuevo León (IMSS)")
    empty = PotentialRow.of(EMPTY_COUNTS, PotentialLevel.NATIONAL)
    assert empty.optimal.share_records_covered == 0.0 and empty.label == "Total"


# --------------------------------------------------------------------------- charts


def _chart(rows, **kw):
    return bar_chart("g1", "Potencial por estado", "Porcentaje de registros cubiertos.",
                     (Series("Voraz", "s-voraz"), Series("Óptima", "s-optima")), rows, **kw)


def test_a_chart_is_accessible_svg_with_its_values_as_text() -> None:
    svg = _chart([BarRow("BAJA CALIFORNIA", (0.25, 0.5), ("25.0 %", "50.0 %"), "/x?estado=02"),
                  BarRow("JALISCO & CO <b>", (0.0, 1.0), ("0.0 %", "100.0 %"))],
                 max_value=1.0)
    root = ET.fromstring(str(svg))  # well-formed, names escaped
    assert root.get("role") == "figure"  # its labels are links: not an img (would hide them)
    plain = ET.fromstring(str(_chart([BarRow("X", (0.1, 0.2), ("10 %", "20 %"))], max_value=1.0)))
    assert plain.get("role") == "img"  # no links: a picture with its title and description
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert title.text == "Potencial por estado"
    texts = [t.text for t in root.iter(f"{SVG}text")]
    for expected in ("BAJA CALIFORNIA", "JALISCO & CO <b>", "25.0 %", "100.0 %", "Voraz",
                     "Óptima"):
        assert expected in texts
    link, = root.iter(f"{SVG}a")
    assert link.get("href") == "/x?estado=02"
    bars = [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert len(bars) == 4
    widths = [float(b.get("width")) for b in bars]
    assert widths[1] == pytest.approx(2 * widths[0])  # proportional to the value
    assert widths[3] == pytest.approx(4 * widths[0])
    assert bars[0].find(f"{SVG}title").text == "BAJA CALIFORNIA — Voraz: 25.0 %"


def test_long_labels_are_cut_with_the_full_text_as_tooltip() -> None:
    name = "Biometría hemática completa, velocidad de sedimentación globular y plaquetas"
    root = ET.fromstring(str(_chart([BarRow(name, (1, 2), ("1", "2"))])))
    label = next(t for t in root.iter(f"{SVG}text") if (t.text or "").startswith("Biometría"))
    assert label.text.endswith("…") and len(label.text) < len(name)
    assert label.find(f"{SVG}title").text == name
    assert text_width(label.text) <= 250


def test_no_rows_is_a_short_text() -> None:
    assert "sin datos" in str(_chart([]))


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=0.01, max_value=1e7, allow_nan=False))
def test_the_count_scale_is_round_and_holds_the_largest_value(top: float) -> None:
    maximum, intervals = nice_scale(top)
    assert maximum >= top and 4 <= intervals <= 6
    step = maximum / intervals
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert round(mantissa, 6) in (1.0, 2.0, 5.0)
    assert maximum <= max(6.0, top * 2.5)  # never absurdly loose
