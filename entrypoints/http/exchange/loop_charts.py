"""The loop's two drawings, SVG made on the server (no JavaScript, no CDN, no geometry read at
run time):

- ``funnel``: from need to care, four centred bars whose widths are proportional to monthly
  patients: faltantes, the latest analysis' potential, patients under agreements, and the
  monthly average served over the last 12 months;
- ``tile_map``: the 32 states as a tile-grid cartogram (one square per state, placed roughly
  where the state lies), filled by the exchange potential (share of faltante patients the
  latest analysis could cover, five classes), each tile with the agreed share (agreements
  over potential) as text; every tile is a link to the state's drill-down.

Accessible as the bar charts are (``charts.py``): a ``<title>`` and ``<desc>``, values as text
and as tooltips, ``role="figure"`` when tiles are links, and a table with the same data under
each drawing on the page.
"""

from __future__ import annotations

from typing import Callable, Sequence

from markupsafe import Markup, escape

from exchange.application.agreements import LoopRow, LoopView
from exchange.application.views import percent_text

# (column, row) of each state (INEGI code) in the grid: north-west to south-east.
TILES: dict[str, tuple[int, int]] = {
    "02": (0, 0), "26": (1, 0), "08": (2, 0), "05": (3, 0), "19": (4, 0),
    "03": (0, 1), "25": (1, 1), "10": (2, 1), "32": (3, 1), "24": (4, 1), "28": (5, 1),
    "18": (1, 2), "01": (2, 2), "11": (3, 2), "22": (4, 2), "13": (5, 2),
    "14": (1, 3), "16": (2, 3), "15": (3, 3), "09": (4, 3), "29": (5, 3), "30": (6, 3),
    "31": (7, 3),
    "06": (1, 4), "12": (2, 4), "17": (3, 4), "21": (4, 4), "27": (5, 4), "04": (6, 4),
    "23": (7, 4),
    "20": (4, 5), "07": (5, 5),
}
ABBREVIATIONS = {
    "01": "AGS", "02": "BC", "03": "BCS", "04": "CAM", "05": "COA", "06": "COL", "07": "CHS",
    "08": "CHH", "09": "CDMX", "10": "DGO", "11": "GTO", "12": "GRO", "13": "HGO", "14": "JAL",
    "15": "MEX", "16": "MIC", "17": "MOR", "18": "NAY", "19": "NL", "20": "OAX", "21": "PUE",
    "22": "QRO", "23": "QROO", "24": "SLP", "25": "SIN", "26": "SON", "27": "TAB", "28": "TAM",
    "29": "TLX", "30": "VER", "31": "YUC", "32": "ZAC",
}
# Classes of the potential share (upper bounds), lightest to darkest: the legend's order.
CLASSES = ((0.0, "Sin faltantes o sin potencial"), (0.1, "Hasta 10 %"), (0.25, "10 a 25 %"),
           (0.5, "25 a 50 %"), (1.0, "Más de 50 %"))
TILE, GAP, LEGEND_H = 84, 6, 46


def potential_share(row: LoopRow) -> float:
    f = row.figures
    return f.potential / f.needed if f.needed else 0.0


def map_class(row: LoopRow) -> int:
    share = potential_share(row)
    if share <= 0:
        return 0
    for i, (top, _) in enumerate(CLASSES[1:], 1):
        if share <= top:
            return i
    return len(CLASSES) - 1


def _svg_open(chart_id: str, width: int, height: int, title: str, desc: str,
              role: str) -> list[str]:
    cid = escape(chart_id)
    return [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{cid}" '
            f'viewBox="0 0 {width} {height}" role="{role}" aria-labelledby="{cid}-t {cid}-d" '
            'font-size="12">', f'<title id="{cid}-t">{escape(title)}</title>',
            f'<desc id="{cid}-d">{escape(desc)}</desc>']


def funnel(loop: LoopView, chart_id: str = "grafica-embudo") -> Markup:
    f = loop.total
    stages = (("Pacientes faltantes", f.needed, "f-faltante"),
              ("Potencial del análisis", f.potential, "f-potencial"),
              ("En acuerdos aceptados", f.agreed, "f-acordado"),
              ("Atendidos (promedio mensual, 12 meses)", round(f.served_12m / 12), "f-atendido"))
    width, bar_h, gap, label_w = 760, 40, 10, 250
    room = width - label_w - 20
    top = max(v for _, v, _ in stages) or 1
    height = len(stages) * (bar_h + gap) + 10
    desc = ("Pacientes mensuales en cada etapa, de la necesidad a la atención: " + "; ".join(
        f"{name}: {value:,}" for name, value, _ in stages) + ".")
    out = _svg_open(chart_id, width, height, "Del faltante a la atención", desc, "img")
    first = stages[0][1] or 1
    for i, (name, value, css) in enumerate(stages):
        y = 5 + i * (bar_h + gap)
        w = max(1.0, room * value / top)
        x = label_w + (room - w) / 2
        share = "" if i == 0 else f" ({percent_text(value / first)} del faltante)"
        out.append(f'<text class="label" x="{label_w - 8}" y="{y + bar_h / 2 + 4}" '
                   f'text-anchor="end">{escape(name)}</text>')
        out.append(f'<rect class="{css}" x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" '
                   f'rx="3"><title>{escape(name)}: {value:,}{escape(share)}</title></rect>')
        out.append(f'<text class="value funnel-value" x="{label_w + room / 2:.1f}" '
                   f'y="{y + bar_h / 2 + 4}" text-anchor="middle">{value:,}{escape(share)}'
                   '</text>')
    out.append("</svg>")
    return Markup("".join(out))


def tile_map(states: Sequence[LoopRow], href: Callable[[str], str],
             chart_id: str = "mapa-estados") -> Markup:
    cols = 1 + max(c for c, _ in TILES.values())
    rows = 1 + max(r for _, r in TILES.values())
    width = cols * (TILE + GAP) + GAP
    height = LEGEND_H + rows * (TILE + GAP) + GAP
    out = _svg_open(chart_id, width, height, "Potencial de intercambio y parte acordada por "
                    "estado", "Cada cuadro es un estado: el color indica el potencial de "
                    "intercambio (pacientes faltantes que el análisis más reciente puede "
                    "cubrir) y el texto la parte de ese potencial ya en acuerdos. Cada estado "
                    "lleva a su detalle.", "figure")
    # legend
    x = GAP
    for i, (_, label) in enumerate(CLASSES):
        out.append(f'<rect class="m{i}" x="{x}" y="8" width="14" height="14" rx="2"/>')
        out.append(f'<text x="{x + 19}" y="19">{escape(label)}</text>')
        x += 19 + int(len(label) * 6.6) + 18
    out.append(f'<text class="note" x="{GAP}" y="38">Color: potencial / faltantes · '
               'Texto: acordado / potencial</text>')
    for row in states:
        place = TILES.get(row.key)
        if place is None:
            continue
        c, r = place
        x, y = GAP + c * (TILE + GAP), LEGEND_H + GAP + r * (TILE + GAP)
        cls = map_class(row)
        f = row.figures
        tip = (f"{row.label}: faltantes {f.needed:,}; potencial {f.potential:,} "
               f"({percent_text(potential_share(row))}); en acuerdos {f.agreed:,} "
               f"({percent_text(f.agreed_share)} del potencial); atendidos en 12 meses "
               f"{f.served_12m:,}")
        dark = " dark" if cls >= 3 else ""
        out.append(f'<a href="{escape(href(row.key))}" aria-label="{escape(tip)}">'
                   f'<rect class="m{cls} tile" x="{x}" y="{y}" width="{TILE}" height="{TILE}" '
                   f'rx="4"><title>{escape(tip)}</title></rect>'
                   f'<text class="tile-abbr{dark}" x="{x + TILE / 2}" y="{y + 24}" '
                   f'text-anchor="middle">{ABBREVIATIONS[row.key]}</text>'
                   f'<text class="tile-value{dark}" x="{x + TILE / 2}" y="{y + 46}" '
                   f'text-anchor="middle">{percent_text(potential_share(row))}</text>'
                   f'<text class="tile-value{dark}" x="{x + TILE / 2}" y="{y + 66}" '
                   f'text-anchor="middle">Acordado {percent_text(f.agreed_share)}</text></a>')
    out.append("</svg>")
    return Markup("".join(out))
