"""The base layout's "Inicio" leads to the role's own home page and is marked current there."""

from __future__ import annotations

import re

from shared.kernel.scope import Role
from tests.helpers import login, make_user
from tests.integration.excedentes.support import load_world

INICIO = re.compile(r'<a href="([^"]+)"\s*(aria-current="page")?\s*>Inicio</a>')


def test_inicio_is_the_roles_home_and_is_current_there(client, container):
    load_world(container.excedentes)
    make_user(container, "cap.bc", Role.CAPTURISTA, "SS:BC")
    assert login(client, "cap.bc").status_code == 303
    home = client.get("/", follow_redirects=False)
    assert home.status_code == 303
    target = home.headers["location"]
    page = client.get(target)
    link = INICIO.search(page.text)
    assert link is not None and link.group(1) == target and link.group(2)
    other = INICIO.search(client.get("/cuenta/contrasena").text)
    assert other is not None and other.group(1) == target and not other.group(2)
