"""Paths and form helpers of the excedentes HTTP tests (the world of
``tests.integration.excedentes.support``)."""

from __future__ import annotations

import io
import re
from typing import Any, Mapping

from pypdf import PdfReader

from tests.helpers import csrf_from
from tests.integration.excedentes.support import YEAR

PREFIXES = ("fa", "fh", "c", "ea", "eh", "pm")


def entity_path(inst: str = "SS", entity: str = "BC", year: int = YEAR) -> str:
    return f"/excedentes/entidades/{inst}/{entity}/{year}"


def grid_path(world: Any, clues: str, inst: str = "SS", entity: str = "BC",
              group: str = "Cirugía", specialty: str | None = "Cirugía general",
              q: str | None = None) -> str:
    path = f"{entity_path(inst, entity)}/unidades/{clues}/grupos/{world.gid(group, inst)}/productos"
    params = []
    if specialty:
        params.append(f"especialidad={world.sid(specialty, inst)}")
    if q:
        params.append(f"q={q}")
    return path + ("?" + "&".join(params) if params else "")


def api_entity(inst: str = "SS", entity: str = "BC", year: int = YEAR) -> str:
    return f"/api/excedentes/entities/{inst}/{entity}/{year}"


def token(client: Any, path: str = "/excedentes/ayuda") -> str:
    return csrf_from(client.get(path).text)


def page_form(client: Any, path: str) -> dict[str, str]:
    """The hidden fields a form page carries (CSRF token and the version it was drawn
    from), as a browser sends them back."""
    text = client.get(path).text
    m = re.search(r'<input type="hidden" name="version" value="([^"]*)">', text)
    return {"csrf_token": csrf_from(text), **({"version": m.group(1)} if m else {})}


def form_fields(client: Any, page: str, action: str) -> dict[str, str]:
    """The CSRF token and the version of the form posting to ``action`` on ``page`` (a page
    with one form per row: periods, product requests)."""
    text = client.get(page).text
    start = text.find(f'action="{action}"')
    assert start >= 0, f"no form posting to {action}"
    m = re.compile(r'name="version" value="([^"]*)"').search(text, start)
    assert m, f"no version in the form of {action}"
    return {"csrf_token": csrf_from(text), "version": m.group(1)}


def if_match(client: Any, path: str) -> dict[str, str]:
    """``If-Match`` with the ETag of ``path`` (an API GET)."""
    return {"If-Match": client.get(path).headers["etag"]}


def api_etag(client: Any, inst: str = "SS", entity: str = "BC") -> dict[str, str]:
    """``If-Match`` with the entity's current ETag (answer, finalize, reopen)."""
    return {"If-Match": client.get(api_entity(inst, entity)).headers["etag"]}


def grid_hidden(html: str) -> dict[str, str]:
    """The hidden inputs a Paso 6 page carries: the version it was drawn from and each row's
    starting values ("ofa12"), as a browser would send them back."""
    return {m.group(1): m.group(2) for m in re.finditer(
        r'<input type="hidden" name="(version|o(?:fa|fh|c|ea|eh|pm)\d+)" value="([^"]*)">',
        html)}


def grid_form(csrf: str, pids: list[int], values: Mapping[int, Mapping[str, str]],
              hidden: Mapping[str, str] | None = None) -> dict:
    """What the browser sends for the shown rows: ``p`` per row, then the row's inputs
    (``fa12`` = Faltante Ambulatoria of product 12), plus the page's hidden inputs."""
    data: dict[str, Any] = {"csrf_token": csrf, "p": [str(p) for p in pids], **(hidden or {})}
    for pid in pids:
        for prefix in PREFIXES:
            data[f"{prefix}{pid}"] = values.get(pid, {}).get(prefix, "")
    return data


def post_grid(client: Any, path: str, pids: list[int],
              values: Mapping[int, Mapping[str, str]]) -> Any:
    html = client.get(path).text
    return client.post(path, data=grid_form(csrf_from(html), pids, values, grid_hidden(html)),
                       follow_redirects=False)


def input_value(html: str, name: str) -> str | None:
    m = re.search(rf'<input name="{name}"(?: value="([^"]*)")?', html)
    return None if m is None else (m.group(1) or "")


def selected_cause(html: str, pid: int) -> str:
    """The cause is an input bound to the ``causas`` datalist (one list for the whole grid)."""
    m = re.search(rf'<input name="c{pid}" list="causas"(?: value="([^"]*)")?', html)
    assert m, f"no cause input for product {pid}"
    return m.group(1) or ""


def pdf_text(content: bytes) -> tuple[str, int]:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages), len(reader.pages)


def upload(client: Any, path: str, content: bytes, name: str = "firmado.pdf",
           ctype: str = "application/pdf", headers: dict | None = None) -> Any:
    csrf = csrf_from(client.get(path).text)
    return client.post(path, data={"csrf_token": csrf}, files={"archivo": (name, content, ctype)},
                       headers=headers, follow_redirects=False)


def signed_pdf(note: str = "firmado") -> bytes:
    return b"%PDF-1.4\n% " + note.encode() + b"\n" + b"0" * 2048 + b"\n%%EOF\n"
