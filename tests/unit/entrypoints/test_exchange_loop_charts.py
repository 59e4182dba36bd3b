"""The loop's SVG drawings: every state has one tile of its own, the map's classes follow the
potential share, and the funnel says its values as text."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from entrypoints.http.exchange.loop_charts import ABBREVIATIONS, TILES, funnel, map_class, tile_map
from exchange.application.agreements import LoopRow, LoopView
from exchange.domain.agreements import LoopFigures
from exchange.domain.states import STATES

SVG = "{http://www.w3.org/2000/svg}"


def _rows() -> tuple[LoopRow, ...]:
    return tuple(LoopRow(code, name, LoopFigures(100, int(code), int(code) // 2, 12))
                 for code, name in STATES.items())


def test_one_tile_per_state() -> None:
    assert set(TILES) == set(STATES) == set(ABBREVIATIONS)
    assert len(set(TILES.values())) == 32


def test_the_map_links_every_state_with_its_figures() -> None:
    svg = ET.fromstring(str(tile_map(_rows(), lambda s: f"/x?estado={s}")))
    assert svg.get("role") == "figure" and svg.find(f"{SVG}desc").text
    links = svg.findall(f"{SVG}a")
    assert [a.get("href") for a in links] == [f"/x?estado={c}" for c in STATES]
    assert "potencial 15 (15.0 %)" in links[14].get("aria-label")


def test_map_classes() -> None:
    def cls(needed: int, potential: int) -> int:
        return map_class(LoopRow("01", "X", LoopFigures(needed, potential)))

    assert (cls(0, 0), cls(100, 0), cls(100, 5), cls(100, 20), cls(100, 40), cls(100, 90)) == \
        (0, 0, 1, 2, 3, 4)


def test_funnel_says_each_stage() -> None:
    loop = LoopView(1, "Análisis 1", LoopFigures(200, 50, 20, 120), (), (), ("2026-01",))
    svg = ET.fromstring(str(funnel(loop)))
    texts = "".join(svg.itertext())
    for value in ("200", "50 (25.0 % del faltante)", "20 (10.0 % del faltante)",
                  "10 (5.0 % del faltante)"):
        assert value in texts
