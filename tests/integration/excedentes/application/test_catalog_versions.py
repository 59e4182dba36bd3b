"""Optimistic concurrency of an institution's catalog and units (SQLite and PostgreSQL): an
import names the version its page was drawn from; one from a page drawn before another import
(or an accepted product request that added a product) changes nothing and says who imported
and when; of two imports from the same page exactly one is written."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from excedentes.application.access import Actor
from excedentes.application.use_cases.product_requests import FileProductRequestCommand
from excedentes.domain.errors import StaleVersion, VersionRequired
from excedentes.domain.versions import VERSION_MISSING
from shared.kernel.errors import NotFound, ValidationError

from ..support import ADMIN, ADMIN_SCOPE, BC, CAP_BC, COORD_IMSS, COORD_SS, race

CATALOG_HEAD = "Servicio,Grupo de Servicio,Especialidad,Producto,Unidad de Medida\n"
UNITS_HEAD = "CLUES,Unidad Médica,Nivel,Entidad,Institución\n"
COORD_SS2 = Actor.coordinador("coordinador.ss2", "SS")
PAIRS = 20


def _catalog_file(tmp_path, product, name="catalogo.csv"):
    path = tmp_path / name
    path.write_text(CATALOG_HEAD + "Servicios de Atención Médica,Cirugía,Cirugía general,"
                    f"{product},Procedimiento\n", encoding="utf-8")
    return path


def _units_file(tmp_path, *lines, name="unidades.csv"):
    path = tmp_path / name
    path.write_text(UNITS_HEAD + "".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def _state(exc, inst="SS"):
    return exc.queries().catalog_state(ADMIN_SCOPE, inst)


def _products(exc, inst="SS"):
    return {r.product for r in exc.read_model().catalog_rows(inst)}


def test_a_stale_catalog_import_changes_nothing_and_names_who_imported(world, exc, tmp_path):
    start = _state(exc)
    assert start.catalog.version == 0 and start.catalog.updated_by is None
    assert start.products == len(_products(exc))
    first = exc.import_catalog()(COORD_SS2, "SS", _catalog_file(tmp_path, "Apendicectomía"),
                                 expected_version=0)
    assert first.created == 1
    after = _state(exc)
    assert after.catalog.version == 1 and after.catalog.updated_by == "coordinador.ss2"
    assert after.catalog.updated_at is not None and after.products == start.products + 1
    assert after.units == start.units  # the units have their own version

    with pytest.raises(StaleVersion) as refused:
        exc.import_catalog()(COORD_SS, "SS", _catalog_file(tmp_path, "Hernioplastia inguinal"),
                             expected_version=0)
    message = refused.value.message
    assert message.startswith("Otra persona actualizó el catálogo el 10/03/2026")
    assert message.endswith("(coordinador.ss2); revise el catálogo actual y vuelva a importar "
                            "su archivo.")
    assert refused.value.details["version"] == 1
    assert refused.value.details["updated_by"] == "coordinador.ss2"
    assert "Hernioplastia inguinal" not in _products(exc)  # nothing written
    assert _state(exc).catalog.version == 1

    # a stale page whose file is also invalid is told it is stale (checked first)
    bad = tmp_path / "malo.csv"
    bad.write_text(CATALOG_HEAD + "Servicios de Atención Médica,Cirugía,,,\n", encoding="utf-8")
    with pytest.raises(StaleVersion):
        exc.import_catalog()(COORD_SS, "SS", bad, expected_version=0)
    # the current version imports; the CLI (no version) acts on whatever is current
    exc.import_catalog()(COORD_SS, "SS", _catalog_file(tmp_path, "Hernioplastia inguinal"),
                         expected_version=1)
    exc.import_catalog()(ADMIN, "SS", _catalog_file(tmp_path, "Cierre de colostomía"))
    now = _state(exc)
    assert now.catalog.version == 3 and now.catalog.updated_by == "admin"
    assert {"Hernioplastia inguinal", "Cierre de colostomía"} <= _products(exc)


def test_an_import_without_a_version_is_refused_after_the_scope_checks(world, exc, tmp_path):
    path = _catalog_file(tmp_path, "Apendicectomía")
    with pytest.raises(NotFound):  # a foreign institution answers like a missing one
        exc.import_catalog()(COORD_IMSS, "SS", path, expected_version=VERSION_MISSING)
    with pytest.raises(VersionRequired):
        exc.import_catalog()(COORD_SS, "SS", path, expected_version=VERSION_MISSING)
    assert "Apendicectomía" not in _products(exc) and _state(exc).catalog.version == 0
    units = _units_file(tmp_path, "BCSSA009999,NUEVA,PRIMER NIVEL,BC,SS")
    with pytest.raises(VersionRequired):
        exc.import_units()(COORD_SS, units, expected_version=VERSION_MISSING)
    with pytest.raises(NotFound):
        exc.import_units()(COORD_IMSS, units, institution_code="SS", expected_version=0)
    with pytest.raises(ValidationError):  # an admin says whose units version it saw
        exc.import_units()(ADMIN, units, expected_version=0)
    assert _state(exc).units.version == 0 and _state(exc).unit_count == world_units(exc)


def world_units(exc, inst="SS"):
    return sum(1 for r in exc.read_model().unit_rows(inst))


def test_units_imports_have_their_own_version(world, exc, tmp_path):
    start = _state(exc)
    mine = _units_file(tmp_path, "BCSSA009999,NUEVA,PRIMER NIVEL,BC,SS")
    # a coordinador's import checks their own institution's units
    done = exc.import_units()(COORD_SS2, mine, expected_version=0)
    assert done.created == 1
    after = _state(exc)
    assert after.units.version == 1 and after.units.updated_by == "coordinador.ss2"
    assert after.unit_count == start.unit_count + 1 and after.catalog == start.catalog

    other = _units_file(tmp_path, "BCSSA008888,OTRA,PRIMER NIVEL,BC,SS", name="otra.csv")
    with pytest.raises(StaleVersion) as refused:
        exc.import_units()(COORD_SS, other, institution_code="SS", expected_version=0)
    assert refused.value.message.startswith(
        "Otra persona actualizó las unidades médicas de SS el 10/03/2026")
    assert "(coordinador.ss2); revise las unidades actuales y vuelva a importar su archivo." \
        in refused.value.message
    assert world_units(exc) == after.unit_count  # nothing written

    # an admin's file touching two institutions moves both versions on
    imss_before = _state(exc, "IMSS").units.version
    both = _units_file(tmp_path, "BCSSA008888,OTRA,PRIMER NIVEL,BC,SS",
                       "NLIMS000999,UMF 99,PRIMER NIVEL,NL,IMSS", name="ambas.csv")
    exc.import_units()(ADMIN, both, institution_code="SS", expected_version=1)
    assert _state(exc).units.version == 2
    assert _state(exc, "IMSS").units.version == imss_before + 1
    assert _state(exc, "IMSS").units.updated_by == "admin"


def test_an_accepted_request_that_adds_a_product_makes_older_pages_stale(world, exc, tmp_path):
    filed = exc.file_product_request()(CAP_BC, FileProductRequestCommand(
        BC, world.gid("Atención Estomatológica"), world.sid("Consulta externa Odontología"),
        "Colocación de implante dental", "Procedimiento", "No aparece en el catálogo."))
    exc.accept_product_request()(COORD_SS2, filed.id)
    state = _state(exc)
    assert state.catalog.version == 1 and state.catalog.updated_by == "coordinador.ss2"
    with pytest.raises(StaleVersion):
        exc.import_catalog()(COORD_SS, "SS", _catalog_file(tmp_path, "Apendicectomía"),
                             expected_version=0)
    assert "Apendicectomía" not in _products(exc)


def test_twenty_concurrent_pairs_of_imports_have_exactly_one_winner_each(world, exc, tmp_path):
    actors = (COORD_SS, COORD_SS2)
    kinds = ("catalog", "units")
    with ThreadPoolExecutor(max_workers=2) as pool:
        for i in range(PAIRS):
            kind = kinds[i % 2]
            start = getattr(_state(exc), kind).version
            if kind == "catalog":
                files = [_catalog_file(tmp_path, f"Producto {i}-{k}", f"c{i}-{k}.csv")
                         for k in (0, 1)]
            else:
                files = [_units_file(tmp_path, f"BCSSA{i:02d}{k}000,UNIDAD {i}-{k},"
                                     "PRIMER NIVEL,BC,SS", name=f"u{i}-{k}.csv") for k in (0, 1)]

            def attempt(k, start=start, files=files, kind=kind):
                if kind == "catalog":
                    return exc.import_catalog()(actors[k], "SS", files[k],
                                                expected_version=start)
                return exc.import_units()(actors[k], files[k], expected_version=start)

            w, outcomes = race(pool, attempt, i)
            loser = outcomes[1 - w]
            assert outcomes[w].created == 1
            assert f"({actors[w].username})" in loser.message
            stamp = getattr(_state(exc), kind)
            assert stamp.version == start + 1 and stamp.updated_by == actors[w].username
            if kind == "catalog":
                names = _products(exc)
                assert f"Producto {i}-{w}" in names and f"Producto {i}-{1 - w}" not in names
            else:
                clues = {r.clues for r in exc.read_model().unit_rows("SS")}
                assert f"BCSSA{i:02d}{w}000" in clues
                assert f"BCSSA{i:02d}{1 - w}000" not in clues
