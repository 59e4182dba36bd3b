"""Security headers on every kind of response, and markup that a strict CSP does not break."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from litestar.testing import TestClient

from entrypoints.http.app import create_app
from shared.kernel.scope import Role
from tests.helpers import login, make_user

HTTP = Path(__file__).resolve().parents[2] / "entrypoints" / "http"


def _check_common(r, where: str) -> None:
    h = r.headers
    csp = h.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in csp, where
    assert "default-src 'self'" in csp and "object-src 'none'" in csp and "base-uri 'none'" in csp, where
    # no inline script or style allowed, no third-party origin
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, where
    assert not re.search(r"https?:|\*", csp), where
    assert h.get("x-frame-options") == "DENY", where
    assert h.get("x-content-type-options") == "nosniff", where
    assert h.get("referrer-policy") in ("no-referrer", "same-origin"), where
    assert "camera=()" in h.get("permissions-policy", ""), where
    assert "strict-transport-security" not in h, where  # plain HTTP: no HSTS
    assert len(h.get_list("content-security-policy")) == 1, where


def test_every_kind_of_response_carries_the_headers(client, container):
    make_user(container, "hdr", Role.ADMIN)
    anon = {
        "login page": client.get("/login"),
        "redirect to login": client.get("/", follow_redirects=False),
        "api 401": client.get("/api/auth/me"),
        "unrouted 404 page": client.get("/no-existe"),
        "unrouted 404 api": client.get("/api/no-existe"),
        "health": client.get("/health"),
        "openapi": client.get("/schema/openapi.json"),
        "csrf 403": client.post("/login", data={"username": "x", "password": "y"}),
    }
    login(client, "hdr")
    authed = {
        "home page": client.get("/"),
        "password page": client.get("/cuenta/contrasena"),
        "admin page": client.get("/admin/usuarios"),
        "api answer": client.get("/api/auth/me"),
        "api list": client.get("/api/admin/audit"),
        "405": client.delete("/cuenta/contrasena"),
    }
    for where, r in {**anon, **authed}.items():
        _check_common(r, where)
        assert r.headers.get("cache-control") == "no-store", where
    static = client.get("/static/app.js")
    assert static.status_code == 200
    _check_common(static, "static")
    assert "no-store" not in static.headers.get("cache-control", "")


def test_https_adds_hsts_and_a_host_prefixed_cookie(container, settings):
    import attrs
    from dependency_injector import providers

    container.settings.override(providers.Object(attrs.evolve(settings, cookie_secure=True)))
    make_user(container, "seguro", Role.ADMIN, full_name="Usuaria Segura")
    with TestClient(app=create_app(container), base_url="https://testserver.local") as c:
        page = c.get("/login")
        assert page.headers["strict-transport-security"].startswith("max-age=31536000")
        assert "includeSubDomains" in page.headers["strict-transport-security"]
        r = login(c, "seguro")
        assert r.status_code == 303
        assert r.headers["strict-transport-security"]
        cookies = [v for k, v in r.headers.multi_items() if k == "set-cookie"]
        session = [v for v in cookies if v.startswith("__Host-sanece_session=")]
        assert session, cookies
        attrs_ = [p.strip().lower() for p in session[0].split(";")[1:]]
        assert "secure" in attrs_ and "path=/" in attrs_ and "httponly" in attrs_
        assert not any(a.startswith("domain") for a in attrs_)
        assert not any(v.startswith("sanece_session=") for v in cookies)
        assert "Usuaria Segura" in c.get("/").text


def test_templates_and_scripts_have_no_inline_code_or_style():
    bad = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle\s*=|\son[a-z]+\s*=|javascript:", re.I)
    found = []
    for path in HTTP.rglob("*.html"):
        for m in bad.finditer(path.read_text()):
            found.append(f"{path.relative_to(HTTP)}: {m.group(0)}")
    for path in (HTTP / "static").glob("*.js"):
        text = path.read_text()
        for m in re.finditer(r"setAttribute\(\s*['\"](style|on[a-z]+)['\"]|\beval\(|new Function\(", text):
            found.append(f"{path.name}: {m.group(0)}")
    assert found == []


def test_server_rendered_charts_need_no_inline_style():
    from entrypoints.http.exchange.charts import BarRow, Series, bar_chart

    svg = str(bar_chart("c1", "Título", "Descripción", [Series("Faltante", "s-faltante")],
                        [BarRow("Uno", (3.0,), ("3",)), BarRow("Dos", (5.0,), ("5",), href="/x")]))
    assert "<svg" in svg
    assert not re.search(r"<style\b|\sstyle\s*=|\son[a-z]+\s*=|<script", svg, re.I)


@pytest.mark.parametrize("path", ["/static/app.css", "/static/app.js"])
def test_static_assets_have_no_third_party_urls(path, client):
    body = client.get(path).text
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", body)
    assert "@import" not in body


def test_pdf_downloads_carry_the_headers_once(container):
    from litestar import Request, get

    from entrypoints.http.downloads import stream_bytes
    from entrypoints.http.rendering import HttpModule

    @get("/test-pdf", sync_to_thread=False)
    def pdf(request: Request) -> object:
        return stream_bytes(b"%PDF-1.7\n", "application/pdf", "reporte.pdf")

    make_user(container, "descarga", Role.ADMIN)
    with TestClient(app=create_app(container, modules=[HttpModule("t", [pdf])]),
                    base_url="http://testserver.local") as c:
        login(c, "descarga")
        r = c.get("/test-pdf")
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/pdf")
        _check_common(r, "pdf")
        assert r.headers.get_list("x-content-type-options") == ["nosniff"]
        assert r.headers["cache-control"] == "no-store"
