"""The tablero's rows are built and rendered once per data version and caller (issue 12):
a write shows on the next view, and each caller keeps their own view of the same data
(both databases)."""

from __future__ import annotations

import html
import re

from .flows import entity_path, page_form

ROW = re.compile(r'<tr class="([^"]*)">\s*<td class="num">\d+</td>\s*<td>(?:<a href="[^"]+">)?'
                 r'BAJA CALIFORNIA<')


def _bc_row(page: str) -> str:
    """The BAJA CALIFORNIA row of a tablero, from its <tr> to its </tr>."""
    start = ROW.search(page)
    assert start, "no BAJA CALIFORNIA row"
    return page[start.start():page.index("</tr>", start.start())]


def test_a_write_shows_on_the_next_tablero_and_each_caller_keeps_their_view(as_user) -> None:
    coord, cap = as_user("coord_ss"), as_user("cap_bc")
    coord.get("/excedentes/tablero")  # rendered once; the second view is served again
    before = _bc_row(coord.get("/excedentes/tablero").text)
    assert "Sin iniciar" in html.unescape(before)

    # the same data seen by the capturista: their row is theirs, the coordinador's was not
    mine = _bc_row(cap.get("/excedentes/tablero").text)
    assert ROW.match(mine).group(1).startswith("mine")
    assert not ROW.match(before).group(1).startswith("mine")
    assert "/revision" in before and "/revision" not in mine  # the coordinador reviews

    saved = cap.post(entity_path() + "/respuesta",
                     data={"respuesta": "NO", **page_form(cap, entity_path())},
                     follow_redirects=False)
    assert saved.status_code == 303

    after = html.unescape(_bc_row(coord.get("/excedentes/tablero").text))
    assert "Sin iniciar" not in after and "Por finalizar" in after
