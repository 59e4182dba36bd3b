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


def _normalized(response: Any) -> tuple[int, str, str]:
    ctype = response.headers.get("content-type", "").split(";")[0]
    body = response.text.replace(response.headers.get("x-request-id", "\x00"), "<rid>")
    body = re.sub(r'name="csrf_token" value="[^"]+"', "", body)
    body = re.sub(r"Información al: <span>[^<]*</span>", "", body)
    return response.status_code, ctype, body


def assert_foreign_like_missing(client: Any, foreign_path: str, missing_path: str, method: str = "GET",
                                **kwargs: Any) -> None:
    """A resource outside the user's scope must answer exactly like one that does not exist:
    same status, same content type, same body (request ids and CSRF tokens aside)."""
    send = getattr(client, method.lower())
    foreign = send(foreign_path, **kwargs)
    missing = send(missing_path, **kwargs)
    f, m = _normalized(foreign), _normalized(missing)
    assert f[0] == m[0] and f[0] in (404, 303), (f[0], m[0])
    assert f[1] == m[1]
    assert f[2].replace(foreign_path, "<path>") == m[2].replace(missing_path, "<path>")


def offer_s3_storage(container) -> None:
    """Make the installation offer an S3 backend beside the local disk, for tests that only set
    an institution's storage setting (no file is written there: building it fails the test)."""
    from dependency_injector import providers

    from shared.storage.adapters.selector import ConfiguredStorageSelector

    local = container.storage().backend("local")

    def never_used():
        raise AssertionError("this test writes no file to S3")

    container.storage.override(providers.Object(ConfiguredStorageSelector(
        {"local": lambda: local, "s3": never_used}, "local", {})))


class SelectsSeen:
    """``with SelectsSeen(engine) as seen:``: the SELECT statements ``engine`` runs in the block
    (to prove a page view was served from the process cache, or was not)."""

    def __init__(self, engine: Any) -> None:
        self.engine, self.seen = engine, []

    def _log(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            self.seen.append(statement)

    def __enter__(self) -> list[str]:
        from sqlalchemy import event

        event.listen(self.engine, "before_cursor_execute", self._log)
        return self.seen

    def __exit__(self, *exc: object) -> None:
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._log)
