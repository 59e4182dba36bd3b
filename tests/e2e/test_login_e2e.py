"""A person logs in with the guide's labels, sees the header, changes nothing, logs out."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_login_header_logout(live_server, page, shots):
    live_server.admin("users", "create", "rosa.admin", "--name", "Rosa Administradora", "--role", "admin",
                      "--password", "Clave-Segura-2026")
    page.goto(live_server.url + "/")
    assert page.locator("h1").inner_text() == "Debes ingresar con tu usuario autorizado"
    page.get_by_label("Nombre de usuario").fill("rosa.admin")
    page.get_by_label("Contraseña").fill("equivocada-123")
    page.get_by_role("button", name="Iniciar sesión").click()
    assert "incorrectos" in page.get_by_role("alert").inner_text()
    shots(page, "01-login-error")
    page.get_by_label("Contraseña").fill("Clave-Segura-2026")
    page.get_by_role("button", name="Iniciar sesión").click()
    header = page.locator(".who")
    assert "Rosa Administradora" in header.inner_text() and "Administrador" in header.inner_text()
    assert page.locator(".info-at").inner_text().startswith("Información al:")
    path = shots(page, "02-home")
    assert path.stat().st_size > 1000
    page.get_by_role("navigation").get_by_role("link", name="Bitácora").click()
    expect(page.get_by_role("cell", name="identity.login", exact=True).first).to_be_visible()
    page.get_by_role("button", name="Cerrar sesión").click()
    assert page.locator("h1").inner_text() == "Debes ingresar con tu usuario autorizado"
    shots(page, "03-logged-out")
    page.goto(live_server.url + "/admin/bitacora")
    assert "/login" in page.url
