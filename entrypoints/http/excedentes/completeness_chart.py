"""The national completeness trend as an inline SVG, drawn on the server (no script, no CDN):
per period, the share of entities that finalized, finalized on time, and were accepted."""

from __future__ import annotations

from html import escape

from excedentes.application.results import CompletenessView

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 56
SERIES = (  # (label, attribute, colour, dash): distinguishable without colour too
    ("Finalizadas", "finalized_pct", "#1f5f8b", ""),
    ("A tiempo", "on_time_pct", "#2e7d32", "6 4"),
    ("Aceptadas", "accepted_pct", "#8e4a00", "2 3"),
)


def trend_svg(view: CompletenessView) -> str:
    """One line per series over the periods; the table under it carries the same figures."""
    rows = [r for r in view.rows if r.year is not None]
    if not rows:
        return ""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(i: int) -> float:
        return LEFT + (plot_w / 2 if len(rows) == 1 else plot_w * i / (len(rows) - 1))

    def y(pct: float) -> float:
        return TOP + plot_h * (1 - pct / 100)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
           f'class="trend" role="img" aria-labelledby="trend-title trend-desc">',
           '<title id="trend-title">Tendencia nacional de completitud y oportunidad</title>',
           '<desc id="trend-desc">Porcentaje de entidades que finalizaron, finalizaron a tiempo '
           'y fueron aceptadas, por periodo. La tabla siguiente contiene las mismas cifras.'
           '</desc>']
    for pct in (0, 25, 50, 75, 100):
        out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(pct):.1f}" y2="{y(pct):.1f}" '
                   'stroke="#ccc" stroke-width="1"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y(pct) + 4:.1f}" text-anchor="end" '
                   f'font-size="11" fill="#333">{pct}%</text>')
    for i, r in enumerate(rows):
        out.append(f'<text x="{x(i):.1f}" y="{TOP + plot_h + 16}" text-anchor="middle" '
                   f'font-size="12" fill="#222">{r.year}</text>')
    for n, (label, attr, colour, dash) in enumerate(SERIES):
        points = [(x(i), y(getattr(r.figures, attr) or 0.0)) for i, r in enumerate(rows)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        if len(points) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
            out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2.5"'
                       f'{dash_attr} points="{path}"/>')
        for (px, py), r in zip(points, rows):
            value = getattr(r.figures, attr)
            out.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="4" fill="{colour}">'
                       f'<title>{escape(label)} {r.year}: '
                       f'{"—" if value is None else f"{value:.1f}%"}</title></circle>')
        lx = LEFT + n * 160
        ly = HEIGHT - 14
        out.append(f'<line x1="{lx}" x2="{lx + 28}" y1="{ly - 4}" y2="{ly - 4}" '
                   f'stroke="{colour}" stroke-width="2.5"{dash_attr}/>')
        out.append(f'<text x="{lx + 34}" y="{ly}" font-size="12" fill="#222">'
                   f'{escape(label)}</text>')
    out.append("</svg>")
    return "\n".join(out)
