"""The agreement pages and API through Litestar's test client (real sessions, CSRF and the
streamed upload), on SQLite and PostgreSQL: propose from a proposed exchange, accept, the
PDF, a month of services, the signed scan, the loop page (funnel, map, tables, Excel), the
API and the reason catalog; a foreign agreement answers like a missing one; refused forms are
shown back. One scenario: the test world is the slow part."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from html import unescape
from urllib.parse import parse_qs, urlsplit

from openpyxl import load_workbook
from pypdf import PdfReader

from exchange.application.use_cases import RunExchangeCommand
from tests.helpers import api_csrf, assert_foreign_like_missing, csrf_from
from tests.integration.excedentes.support import ADMIN, U_MX, YEAR

from .support import U_SS_MC, login_as, make_users

SVG = "{http://www.w3.org/2000/svg}"


def _post(client, path: str, page_html: str, **data):
    return client.post(path, data={**data, "csrf_token": csrf_from(page_html)},
                       follow_redirects=False)


def test_pages_walk_the_loop(client, container, xch, xworld):
    xch.seed_reasons()()
    aid = xch.run_analysis()(ADMIN, RunExchangeCommand(YEAR)).analysis.id
    make_users(container, "coordinador.imss", "coordinador.ss", "coordinador.issste")

    login_as(client, "coordinador.imss")
    drill = client.get(f"/intercambios/{aid}/propuestas")
    links = [unescape(h) for h in re.findall(r'href="(/intercambios/acuerdos/nuevo\?[^"]+)"',
                                             drill.text)]
    assert links and all("solicitante=" in h for h in links)
    link = next(h for h in links if U_SS_MC in h)
    form = client.get(link)
    assert form.status_code == 200 and f'value="{U_SS_MC}"' in form.text
    assert 'value="2026-03-01"' in form.text  # default dates: from this month
    bad = _post(client, "/intercambios/acuerdos/nuevo", form.text, analisis=str(aid),
                solicitante=U_MX, proveedor=U_SS_MC, producto="Otro producto",
                modalidad="Ambulatorio", pacientes="5", inicio="2026-03-01",
                termino="2026-12-31")
    assert bad.status_code == 422 and "ya no está en el análisis" in bad.text
    assert 'value="Otro producto"' in bad.text  # the form comes back as typed
    data = {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}
    assert data["pacientes"] == "5" and f'value="{data["pacientes"]}"' in form.text
    created = _post(client, "/intercambios/acuerdos/nuevo", form.text, inicio="2026-03-01",
                    termino="2026-12-31", **data)
    assert created.status_code == 303, created.text
    url = created.headers["location"]
    assert client.get(url).status_code == 200

    login_as(client, "coordinador.issste")
    assert_foreign_like_missing(client, url, "/intercambios/acuerdos/999999")
    assert_foreign_like_missing(client, url + "/pdf", "/intercambios/acuerdos/999999/pdf")

    login_as(client, "coordinador.ss")
    page = client.get(url)
    assert "Aceptar acuerdo" in page.text and "Rechazar acuerdo" in page.text
    assert _post(client, url + "/aceptar", page.text, pacientes="4").status_code == 303
    page = client.get(url)
    assert "Vigente" in page.text and "Registrar servicios" in page.text
    pdf = client.get(url + "/pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert "Acuerdo de intercambio de servicios" in PdfReader(
        io.BytesIO(pdf.content)).pages[0].extract_text()
    over = _post(client, url + "/servicios", page.text, mes="2026-03", atendidos="9")
    assert over.status_code == 422 and "no pueden exceder" in unescape(over.text)
    assert _post(client, url + "/servicios", page.text, mes="2026-03",
                 atendidos="4").status_code == 303
    page = client.get(url)
    assert re.search(r"2026-03</th>\s*<td class=\"num\">4</td>\s*<td class=\"num\">4", page.text)

    # The signed scan: PDF only, checked by content; then downloadable by both parties.
    token = csrf_from(page.text)
    refused = client.post(url + "/firmado", data={"csrf_token": token},
                          files={"archivo": ("firmado.pdf", b"MZ not a pdf", "application/pdf")})
    assert refused.status_code == 422 and "no es un PDF" in refused.text
    ok = client.post(url + "/firmado", data={"csrf_token": token}, follow_redirects=False,
                     files={"archivo": ("firmado.pdf", b"%PDF-1.4 firmado", "application/pdf")})
    assert ok.status_code == 303, ok.text
    login_as(client, "coordinador.imss")
    assert client.get(url + "/firmado").content == b"%PDF-1.4 firmado"

    # The loop: figures, funnel and map (32 tiles, each a link), tables, Excel, API.
    loop = client.get("/intercambios/ciclo")
    assert loop.status_code == 200
    assert re.search(r'id="cifra-acordado">4<', loop.text)
    assert re.search(r'id="cifra-atendido">4<', loop.text)
    svgs = [ET.fromstring(s) for s in re.findall(r"<svg .*?</svg>", loop.text, flags=re.S)]
    assert len(svgs) == 2
    tiles = svgs[1].findall(f".//{SVG}a")
    assert len(tiles) == 32
    assert f"/intercambios/{aid}/propuestas?estado=15" in {t.get("href") for t in tiles}
    book = load_workbook(io.BytesIO(client.get("/intercambios/ciclo/excel").content))
    assert book.sheetnames == ["Ciclo", "Estados", "Instituciones", "Acuerdos"]
    assert book["Acuerdos"].max_row == 2
    api = client.get("/api/excedentes/intercambios/ciclo").json()
    assert (api["total"]["agreed"], api["total"]["served_12m"]) == (4, 4)
    assert client.get("/intercambios/acuerdos").text.count("AIS-2026-") == 1

    # The API and the reason catalog.
    make_users(container, "admin")
    login_as(client, "coordinador.imss")
    headers = {"x-csrf-token": api_csrf(client)}
    body = {"requesting_clues": U_MX, "providing_clues": U_SS_MC, "product": "Conducto",
            "patients": 3, "start": "2026-04-01", "end": "2026-09-30"}
    made = client.post("/api/excedentes/intercambios/acuerdos", json=body, headers=headers)
    assert made.status_code == 201, made.text
    agreement = made.json()
    assert agreement["status"] == "propuesto" and agreement["folio"].startswith("AIS-2026-")
    bad = client.post("/api/excedentes/intercambios/acuerdos", headers=headers,
                      json={**body, "end": "2026-02-30"})
    assert bad.status_code == 422 and "Fecha de término no válida" in bad.json()["detail"]
    path = f"/api/excedentes/intercambios/acuerdos/{agreement['id']}"
    denied = client.post(path + "/accept", json={}, headers=headers)
    assert denied.status_code == 403

    login_as(client, "coordinador.ss")
    headers = {"x-csrf-token": api_csrf(client)}
    declined = client.post(path + "/decline", headers=headers,
                           json={"reason_code": "DISTANCIA", "text": "Sin traslado"})
    assert declined.status_code == 200 and declined.json()["status"] == "rechazado"
    assert client.get("/api/excedentes/intercambios/acuerdos").json()["total"] == 2

    # The catalog page: everyone reads it, the admin changes it.
    page = client.get("/intercambios/acuerdos/motivos")
    assert "DISTANCIA" in page.text and "Guardar motivo" not in page.text
    login_as(client, "admin")
    page = client.get("/intercambios/acuerdos/motivos")
    saved = _post(client, "/intercambios/acuerdos/motivos", page.text, clave="SIN_INSUMOS",
                  texto="Sin insumos para el servicio")
    assert saved.status_code == 303
    assert "Sin insumos para el servicio" in client.get("/intercambios/acuerdos/motivos").text
