"""Imports are bounded (both databases): a zip bomb (one huge shared string), an .xlsx with too
many rows and an upload over ``IMPORT_MAX_MB`` are refused with a Spanish message, through the
JSON API, the coordinator's page and the CLI, before the database is touched."""

from __future__ import annotations

from pathlib import Path

import attrs
import openpyxl
import pytest
from click.testing import CliRunner

from entrypoints.cli.main import cli
from tests.helpers import api_csrf, page_csrf
from tests.integration.excedentes.support import ADMIN_SCOPE
from tests.integration.excedentes_http.conftest import as_user, exc_app, world  # noqa: F401
from tests.unit.shared.adapters.test_import_limits_reader import HEADER, plain_xlsx, with_huge_text

PROBLEM = "application/problem+json"
INST = "/api/excedentes/institutions/SS"
MAX_ROWS = 50
MAX_UPLOAD = 512 * 1024


@pytest.fixture
def settings(settings):  # the root fixture's settings with small import limits
    return attrs.evolve(settings, import_max_rows=MAX_ROWS, import_max_bytes=MAX_UPLOAD)


@pytest.fixture(scope="session")
def bomb(tmp_path_factory) -> Path:
    """The reported case: ~200 KB zipped, one 200 MB text inside (default unzip limits)."""
    base = tmp_path_factory.mktemp("bomb")
    path = with_huge_text(plain_xlsx(base / "src.xlsx"), base / "catalogo.xlsx", 200)
    assert path.stat().st_size < MAX_UPLOAD
    return path


@pytest.fixture
def too_many_rows(tmp_path) -> Path:
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet()
    # the catalog's columns and the patients' (an import ignores the columns it does not use)
    ws.append([*HEADER, "NSS", "Agregado", "Primer apellido", "Segundo apellido", "Nombre(s)"])
    for i in range(MAX_ROWS + 1):
        ws.append(["Servicios de Atención Médica", "Cirugía", "Cirugía general", f"Prod {i}",
                   "Pieza", f"{1000000000 + i}", "1F1980OR", "PÉREZ", "LÓPEZ", "ANA"])
    path = tmp_path / "filas.xlsx"
    wb.save(path)
    return path


@pytest.fixture
def oversize(tmp_path) -> Path:
    path = tmp_path / "grande.csv"
    line = "Servicios de Atención Médica,Cirugía,Cirugía general,Producto,Pieza\n"
    path.write_text(",".join(HEADER) + "\n" + line * (MAX_UPLOAD // len(line) + 100))
    return path


def _products(container) -> int:
    tree = container.excedentes.queries().catalog_tree(ADMIN_SCOPE, "SS")
    return sum(g.products for s in tree.services for g in s.groups)


def _post(client, path: Path):
    etag = client.get(f"{INST}/catalog/version").headers["etag"]
    return client.post(f"{INST}/catalog", headers={"x-csrf-token": api_csrf(client),
                                                   "If-Match": etag},
                       files={"archivo": (path.name, path.read_bytes(), "application/octet-stream")})


@pytest.mark.parametrize("which, message", [
    ("bomb", "Los textos del archivo «catalogo.xlsx» ocupan más de 30 MB"),  # a zip bomb
    ("too_many_rows", "El archivo «filas.xlsx» tiene más de 50 líneas de datos"),
])
def test_api_refuses_an_import_past_its_limits(as_user, container, request, which, message):
    k = as_user("coord_ss")
    before = _products(container)
    r = _post(k, request.getfixturevalue(which))
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
    assert message in r.json()["detail"]
    assert _products(container) == before


def test_api_refuses_an_upload_over_import_max_mb(as_user, oversize):
    r = _post(as_user("coord_ss"), oversize)
    assert r.status_code == 413 and r.headers["content-type"] == PROBLEM
    assert "excede el tamaño máximo permitido" in r.json()["detail"]


def test_the_catalog_page_shows_the_refusal(as_user, bomb):
    k = as_user("coord_ss")
    token = page_csrf(k, "/excedentes/catalogos?institucion=SS")
    r = k.post("/excedentes/catalogos/SS/productos", data={"csrf_token": token},
               files={"archivo": (bomb.name, bomb.read_bytes(), "application/octet-stream")})
    assert r.status_code == 422
    assert "ocupan más de 30 MB" in r.text


@pytest.fixture
def run(container, world):  # noqa: F811
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(cli, list(args), obj={"container": container})

    return invoke


@pytest.mark.parametrize("which, message", [
    ("bomb", "ocupan más de 30 MB al descomprimirse"),
    ("too_many_rows", "tiene más de 50 líneas de datos"),
    ("oversize", "excede el tamaño máximo permitido de 512 KB"),
])
def test_cli_refuses_the_same_files(run, container, request, which, message):
    path = request.getfixturevalue(which)
    before = _products(container)
    for args in (("excedentes", "catalog", "import", "--institution", "SS", str(path)),
                 ("sanece", "import", "patients", str(path))):
        r = run(*args)
        assert r.exit_code == 1, r.output
        assert r.output.startswith("Error:") and message in r.output, r.output
    assert _products(container) == before
