"""Small helpers for HTTP tests: create users, log in through the real form."""

from __future__ import annotations

import re
from typing import Any

from shared.kernel.scope import Role

PASSWORD = "Clave-Segura-2026"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_user(container: Any, username: str, role: Role = Role.ADMIN, scope_ref: str | None = None,
              password: str = PASSWORD, full_name: str | None = None) -> Any:
    return container.identity().create_user("test", username, full_name or username.title(), role,
                                            scope_ref, password)


def csrf_from(html: str) -> str:
    m = _CSRF.search(html)
    assert m, "page has no CSRF token"
    return m.group(1)


def login(client: Any, username: str, password: str = PASSWORD, next_: str = "/") -> Any:
    page = client.get("/login")
    token = csrf_from(page.text)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token,
                                       "next": next_}, follow_redirects=False)


def page_csrf(client: Any, path: str = "/cuenta/contrasena") -> str:
    return csrf_from(client.get(path).text)


def api_csrf(client: Any) -> str:
    return client.get("/api/auth/csrf").json()["csrf_token"]
