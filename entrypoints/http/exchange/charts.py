"""Server-rendered SVG bar charts (no JavaScript, no CDN): horizontal bars, one row per
label, one bar per series.

Accessible by construction: ``role="img"`` (``"figure"`` when its labels are links) with a ``<title>`` and a ``<desc>`` (named by
``aria-labelledby``), every bar carries its value as text and as a tooltip ``<title>``, the
row labels are real text (links when the row drills down, so the keyboard reaches them), and
colours come from CSS classes of the product's palette (``exchange.css``). The data of every
chart is also in the table printed under it. The drawing is in a ``viewBox``: the page scales
it to its column (readable at 1366×768; on a phone the wrapper scrolls sideways).
"""

from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import attrs
from markupsafe import Markup, escape

from exchange.application.views import percent_text

WIDTH = 760
FONT = 12  # px in the viewBox
CHAR = 6.6  # average width of a character at FONT (for the label column)
BAR = 11
GAP = 3
ROW_PAD = 9
TOP = 40  # legend and ticks
VALUE_ROOM = 78
MAX_LABEL_WIDTH = 250.0  # longer labels are cut with "…" (the full text is a tooltip)


@attrs.frozen
class Series:
    name: str
    css_class: str  # "s-faltante", "s-excedente", "s-optima", "s-voraz", "s-cubierto"


@attrs.frozen
class BarRow:
    label: str
    values: tuple[float, ...]  # one per series, >= 0
    texts: tuple[str, ...]  # what each bar says ("1,234", "17.0 %")
    href: str | None = None


def text_width(text: str) -> float:
    """Estimated width in the viewBox of ``text`` at ``FONT`` (capitals are wider): enough to
    size the label column so that no label runs off the left edge."""
    width = 0.0
    for ch in text:
        if ch.isupper() or ch in "MW%@":
            width += 8.2
        elif ch in " .,;:'|!il()":
            width += 3.6
        else:
            width += CHAR
    return width


def _cut(text: str) -> str:
    """Shorten a label to ``MAX_LABEL_WIDTH`` (the full text stays as a tooltip)."""
    if text_width(text) <= MAX_LABEL_WIDTH:
        return text
    while text and text_width(text + "…") > MAX_LABEL_WIDTH:
        text = text[:-1]
    return text.rstrip() + "…"


def nice_scale(top: float) -> tuple[float, int]:
    """A round maximum for counts (1, 2 or 5 times a power of ten per step) and its number
    of intervals (4 to 6): the smallest such maximum that holds ``top``."""
    if top <= 0:
        return 1.0, 4
    best: tuple[float, int] | None = None
    for intervals in (4, 5, 6):
        raw = top / intervals
        magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
        step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
        if best is None or step * intervals < best[0]:
            best = (step * intervals, intervals)
    assert best is not None
    return best


def _num(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def bar_chart(chart_id: str, title: str, desc: str, series: Sequence[Series],
              rows: Sequence[BarRow], *, max_value: float | None = None,
              tick: Callable[[float], str] = lambda v: f"{round(v):,}") -> Markup:
    """The ``<svg>`` of a horizontal grouped bar chart. ``max_value`` fixes the scale (1.0
    for shares); otherwise the largest value. With no rows, a short text says so."""
    cid = escape(chart_id)
    if not rows:
        return Markup(f'<p class="chart-empty" id="{cid}">{escape(title)}: sin datos.</p>')
    longest = max(text_width(_cut(r.label)) for r in rows)
    label_w = max(80.0, longest + 10)
    x0 = label_w + 8
    room = WIDTH - x0 - VALUE_ROOM
    top = max((v for r in rows for v in r.values), default=0.0)
    scale_max, intervals = (max_value, 4) if max_value is not None else nice_scale(top)
    row_h = len(series) * BAR + (len(series) - 1) * GAP + ROW_PAD * 2
    height = TOP + row_h * len(rows) + 8
    # a chart whose labels are links is a figure: inside role="img" the links would be
    # hidden from screen readers (axe: nested-interactive)
    role = "figure" if any(r.href for r in rows) else "img"
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{cid}" '
           f'viewBox="0 0 {WIDTH} {_num(height)}" role="{role}" '
           f'aria-labelledby="{cid}-t {cid}-d" font-size="{FONT}">',
           f'<title id="{cid}-t">{escape(title)}</title>',
           f'<desc id="{cid}-d">{escape(desc)}</desc>']
    # legend
    x = x0
    for s in series:
        out.append(f'<rect class="{escape(s.css_class)}" x="{_num(x)}" y="6" width="12" '
                   f'height="12" rx="2"/>')
        out.append(f'<text x="{_num(x + 17)}" y="16">{escape(s.name)}</text>')
        x += 17 + len(s.name) * CHAR + 24
    # grid and ticks at every interval of the scale
    for k in range(intervals + 1):
        gx = x0 + room * k / intervals
        out.append(f'<line class="grid" x1="{_num(gx)}" y1="{TOP - 6}" x2="{_num(gx)}" '
                   f'y2="{_num(height - 8)}"/>')
        out.append(f'<text class="tick" x="{_num(gx)}" y="{TOP - 9}" text-anchor="middle">'
                   f'{escape(tick(scale_max * k / intervals))}</text>')
    for i, r in enumerate(rows):
        y = TOP + i * row_h
        label = _cut(r.label)
        text = (f'<text class="label" x="{_num(label_w)}" y="{_num(y + row_h / 2 + 4)}" '
                f'text-anchor="end">{escape(label)}'
                + (f'<title>{escape(r.label)}</title>' if label != r.label else '')
                + '</text>')
        out.append(f'<a href="{escape(r.href)}">{text}</a>' if r.href else text)
        for j, (s, value, shown) in enumerate(zip(series, r.values, r.texts)):
            by = y + ROW_PAD + j * (BAR + GAP)
            w = max(0.0, min(1.0, value / scale_max if scale_max else 0.0)) * room
            out.append(f'<rect class="{escape(s.css_class)}" x="{_num(x0)}" y="{_num(by)}" '
                       f'width="{_num(max(w, 0.5))}" height="{BAR}">'
                       f'<title>{escape(r.label)} — {escape(s.name)}: {escape(shown)}</title>'
                       '</rect>')
            out.append(f'<text class="value" x="{_num(x0 + w + 4)}" y="{_num(by + BAR - 2)}">'
                       f'{escape(shown)}</text>')
    out.append(f'<line class="axis" x1="{_num(x0)}" y1="{TOP - 6}" x2="{_num(x0)}" '
               f'y2="{_num(height - 8)}"/>')
    out.append("</svg>")
    return Markup("".join(out))


def percent_tick(value: float) -> str:
    return f"{round(value * 100)} %"


# --------------------------------------------------------------------------- the national view

FALTANTES = Series("Registros faltantes", "s-faltante")
EXCEDENTES = Series("Registros excedentes", "s-excedente")
GREEDY = Series("Asignación voraz", "s-voraz")
OPTIMAL = Series("Asignación óptima", "s-optima")
NEEDED = Series("Pacientes faltantes", "s-faltante")
COVERED = Series("Pacientes cubiertos (óptima)", "s-cubierto")


@attrs.frozen
class OverviewCharts:
    balance: Markup
    states: Markup
    institutions: Markup
    products: Markup


def overview_charts(ov: Any, state_href: Callable[[str], str],
                    institution_href: Callable[[str], str]) -> OverviewCharts:
    """The four charts of the national view (E15) from an ``ExchangeOverview``."""
    share = percent_text
    balance = bar_chart(
        "grafica-balance", "Faltantes y excedentes por estado",
        "Número de registros faltantes y excedentes de cada estado. "
        f"{ov.scope_label}. {ov.filter.text}",
        (FALTANTES, EXCEDENTES),
        [BarRow(s.name, (s.shortage_records, s.surplus_records),
                (f"{s.shortage_records:,}", f"{s.surplus_records:,}"), state_href(s.state))
         for s in ov.states])
    with_shortages = [s for s in ov.states if s.shortage_records]
    states = bar_chart(
        "grafica-potencial-estado", "Potencial de intercambio por estado",
        "Porcentaje de registros faltantes de cada estado cubiertos total o parcialmente, "
        f"con la asignación voraz y con la óptima. {ov.filter.text}",
        (GREEDY, OPTIMAL),
        [BarRow(s.name, (s.greedy.share_records_covered, s.optimal.share_records_covered),
                (share(s.greedy.share_records_covered), share(s.optimal.share_records_covered)),
                state_href(s.state)) for s in with_shortages],
        max_value=1.0, tick=percent_tick)
    institutions = bar_chart(
        "grafica-potencial-institucion", "Potencial de intercambio por institución",
        "Porcentaje de registros faltantes de cada institución cubiertos total o "
        f"parcialmente, con la asignación voraz y con la óptima. {ov.filter.text}",
        (GREEDY, OPTIMAL),
        [BarRow(r.label, (r.greedy.share_records_covered, r.optimal.share_records_covered),
                (share(r.greedy.share_records_covered), share(r.optimal.share_records_covered)),
                institution_href(r.key)) for r in ov.institutions],
        max_value=1.0, tick=percent_tick)
    products = bar_chart(
        "grafica-productos", "Productos con más pacientes faltantes",
        "Pacientes mensuales faltantes de cada producto y cuántos cubre la asignación "
        f"óptima. {ov.filter.text}",
        (NEEDED, COVERED),
        [BarRow(f"{p.name} ({p.unit_of_measure})", (p.patients_needed, p.patients_covered),
                (f"{p.patients_needed:,}",
                 f"{p.patients_covered:,} ({share(p.share_patients_covered)})"))
         for p in ov.products])
    return OverviewCharts(balance, states, institutions, products)
