"""Registering institutions and changing their settings (E1), on both databases: one
transaction each, audited, admins only, optimistic concurrency on the settings' version."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from excedentes.application.access import Actor
from excedentes.application.use_cases.institutions import (
    CreateInstitutionCommand,
    UpdateInstitutionCommand,
)
from excedentes.domain.errors import StaleVersion, VersionRequired
from excedentes.domain.institution import InstitutionSettings, SpecialtyLevelFixed
from excedentes.domain.rules import MB
from excedentes.domain.versions import VERSION_MISSING
from shared.audit.domain import AuditFilter
from shared.kernel.errors import Conflict, NotFound, PermissionDenied, ValidationError
from shared.kernel.scope import Role, Scope

from tests.helpers import offer_s3_storage

from ..support import ADMIN, ADMIN_SCOPE, CAP_BC, COORD_IMSS, COORD_SS, race

ADMIN2 = Actor.admin("admin.dos")


def _audit(container, action):
    return [r.entry for r in container.audit_query().list(AuditFilter(action=action))]


def test_create_from_an_edition_with_overrides_is_audited(exc, world, container):
    view = exc.create_institution()(ADMIN, CreateInstitutionCommand(
        edition="pemex", settings=InstitutionSettings(signed_pdf_max_mb=120)))
    assert (view.code, view.name, view.entity_word) == ("PEMEX", "Petróleos Mexicanos",
                                                       "Entidad Federativa")
    assert view.signed_pdf_max_mb == 120 and view.version.version == 0
    stored = exc.read_model().institution("PEMEX")
    assert stored.signed_pdf_max_bytes == 120 * MB
    assert stored.header_lines[0] == "PETRÓLEOS MEXICANOS"
    # after the three of the world, in the order of pickers and lists
    assert [i.code for i in exc.queries().institutions(ADMIN_SCOPE)] == \
        ["IMSS", "SS", "ISSSTE", "PEMEX"]
    [entry] = _audit(container, "excedentes.institution_created")
    assert entry.actor == "admin" and entry.target_type == "institution"
    assert entry.target_id == "PEMEX" and entry.reason == "edición PEMEX"
    assert entry.after["signed_pdf_max_mb"] == 120 and entry.after["code"] == "PEMEX"


def test_create_from_scratch_and_under_another_code(exc, world):
    view = exc.create_institution()(ADMIN, CreateInstitutionCommand(
        code="sedena", settings=InstitutionSettings(
            name="Secretaría de la Defensa Nacional", entity_word="Región Militar",
            signature_labels=("Autoriza Dirección General de Sanidad:", "Autoriza Jefatura:"),
            has_specialty_level=True)))
    assert view.code == "SEDENA" and view.signed_pdf_max_mb == 100
    assert exc.queries().resolve_institution(ADMIN_SCOPE, "secretaria de la defensa nacional").code == "SEDENA"
    # an edition registered under another code (a second SS-like institution)
    other = exc.create_institution()(ADMIN, CreateInstitutionCommand(code="SSBC", edition="SS"))
    assert other.code == "SSBC" and other.signed_pdf_max_mb == 150


@pytest.mark.parametrize("cmd, error, message", [
    (CreateInstitutionCommand(edition="SS"), Conflict, "La institución SS ya está registrada"),
    (CreateInstitutionCommand(edition="XX"), ValidationError,
     "No existe la edición «XX» \\(use IMSS, SS, IMSSB, ISSSTE o PEMEX\\)"),
    (CreateInstitutionCommand(), ValidationError, "Indique el código de la institución"),
    (CreateInstitutionCommand(code="NUEVA", settings=InstitutionSettings(name="Nueva")),
     ValidationError, "denominación de las entidades es obligatoria"),
    (CreateInstitutionCommand(code="mal código", edition="SS"), ValidationError,
     "Código de institución no válido"),
])
def test_create_refusals_write_nothing(exc, world, container, cmd, error, message):
    with pytest.raises(error, match=message):
        exc.create_institution()(ADMIN, cmd)
    assert [i.code for i in exc.read_model().institutions()] == ["IMSS", "SS", "ISSSTE"]
    assert _audit(container, "excedentes.institution_created") == []


def test_only_admins_register_or_change_institutions(exc, world):
    for actor in (COORD_SS, CAP_BC):
        with pytest.raises(PermissionDenied, match="administración del sistema"):
            exc.create_institution()(actor, CreateInstitutionCommand(edition="PEMEX"))
    change = UpdateInstitutionCommand("SS", InstitutionSettings(name="Otra"))
    with pytest.raises(PermissionDenied):  # their own institution: seen, not theirs to change
        exc.update_institution()(COORD_SS, change)
    with pytest.raises(NotFound, match="La institución solicitada no existe") as foreign:
        exc.update_institution()(COORD_IMSS, change)  # another institution: like a missing one
    with pytest.raises(NotFound) as missing:
        exc.update_institution()(ADMIN, UpdateInstitutionCommand("NOPE", InstitutionSettings()))
    assert foreign.value.message == missing.value.message
    queries = exc.institution_queries()
    with pytest.raises(PermissionDenied):
        queries.list(Scope(Role.COORDINADOR, "SS"))
    with pytest.raises(NotFound):
        queries.get(Scope(Role.COORDINADOR, "IMSS"), "SS")
    assert exc.read_model().institution("SS").name == "Secretaría de Salud"


def test_update_bumps_the_version_and_audits_before_and_after(exc, world, container, clock):
    offer_s3_storage(container)
    queries = exc.institution_queries()
    drawn = queries.get(ADMIN_SCOPE, "ISSSTE").version.version
    change = exc.update_institution()(ADMIN, UpdateInstitutionCommand(
        "issste", InstitutionSettings(entity_word="Representación Estatal",
                                      signature_name_line=False, storage_backend="s3"),
        expected_version=drawn))
    assert change.changed and change.institution.version.version == drawn + 1
    assert change.institution.version.updated_by == "admin"
    assert change.institution.version.updated_at == clock.now()
    stored = exc.read_model().institution("ISSSTE")
    assert (stored.entity_word, stored.signature_name_line, stored.storage_backend) == \
        ("Representación Estatal", False, "s3")
    assert stored.signature_labels == ("Subdelegación Médica:", "Subdelegación Administrativa:")
    [entry] = _audit(container, "excedentes.institution_updated")
    assert entry.before["entity_word"] == "Delegación"
    assert entry.after["entity_word"] == "Representación Estatal"
    assert entry.after["storage_backend"] == "s3"
    # the entity title every page and report prints follows the setting
    assert stored.entity_title("CAMPECHE") == "Representación Estatal CAMPECHE"
    listed = {v.code: v for v in queries.list(ADMIN_SCOPE)}
    assert listed["ISSSTE"].version.version == drawn + 1 and listed["SS"].version.version == 0


def test_a_stale_or_versionless_update_changes_nothing(exc, world, container):
    exc.update_institution()(ADMIN2, UpdateInstitutionCommand(
        "SS", InstitutionSettings(signed_pdf_max_mb=200), expected_version=0))
    with pytest.raises(StaleVersion, match=r"Otra persona guardó los datos de esta institución "
                                           r"el 10/03/2026 \d\d:\d\d \(admin\.dos\)") as stale:
        exc.update_institution()(ADMIN, UpdateInstitutionCommand(
            "SS", InstitutionSettings(name="Secretaría de Salud Federal"), expected_version=0))
    assert stale.value.status == 409 and stale.value.details["version"] == 1
    # the same values again from a stale page are still refused (it did not see the change)
    with pytest.raises(StaleVersion):
        exc.update_institution()(ADMIN, UpdateInstitutionCommand(
            "SS", InstitutionSettings(signed_pdf_max_mb=200), expected_version=0))
    with pytest.raises(VersionRequired):
        exc.update_institution()(ADMIN, UpdateInstitutionCommand(
            "SS", InstitutionSettings(name="Otra"), expected_version=VERSION_MISSING))
    stored = exc.read_model().institution("SS")
    assert stored.name == "Secretaría de Salud" and stored.signed_pdf_max_bytes == 200 * MB
    assert exc.institution_queries().get(ADMIN_SCOPE, "SS").version.version == 1
    assert len(_audit(container, "excedentes.institution_updated")) == 1


def test_saving_the_same_values_records_nothing(exc, world, container):
    change = exc.update_institution()(ADMIN, UpdateInstitutionCommand(
        "IMSS", InstitutionSettings(entity_word="OOAD/UMAE"), expected_version=0))
    assert not change.changed and change.institution.version.version == 0
    assert _audit(container, "excedentes.institution_updated") == []


def test_the_specialty_level_is_fixed_once_the_catalog_has_products(exc, world, container):
    with pytest.raises(SpecialtyLevelFixed, match="SS ya tiene 6 productos"):
        exc.update_institution()(ADMIN, UpdateInstitutionCommand(
            "SS", InstitutionSettings(has_specialty_level=False, name="Salud")))
    stored = exc.read_model().institution("SS")
    assert stored.has_specialty_level and stored.name == "Secretaría de Salud"
    assert exc.institution_queries().get(ADMIN_SCOPE, "SS").version.version == 0  # rolled back
    # ISSSTE has no catalog yet: its Paso 5 can still be switched off
    change = exc.update_institution()(ADMIN, UpdateInstitutionCommand(
        "ISSSTE", InstitutionSettings(has_specialty_level=False)))
    assert change.changed and not exc.read_model().institution("ISSSTE").has_specialty_level


def test_invalid_settings_are_refused_before_anything_changes(exc, world):
    with pytest.raises(ValidationError, match="Almacenamiento no válido"):
        exc.update_institution()(ADMIN, UpdateInstitutionCommand(
            "SS", InstitutionSettings(storage_backend="ftp"), expected_version=0))
    assert exc.institution_queries().get(ADMIN_SCOPE, "SS").version.version == 0


def test_the_lookup_error_lists_the_institutions_that_exist(exc, world):
    with pytest.raises(NotFound, match=r"No existe la institución «PEMEX» \(use IMSS, SS o "
                                       r"ISSSTE\)\."):
        exc.queries().resolve_institution(ADMIN_SCOPE, "PEMEX")
    exc.create_institution()(ADMIN, CreateInstitutionCommand(edition="PEMEX"))
    assert exc.queries().resolve_institution(ADMIN_SCOPE, "petroleos mexicanos").code == "PEMEX"
    # a coordinador is told only of the institutions they can see
    with pytest.raises(NotFound, match=r"\(use SS\)\.$"):
        exc.queries().resolve_institution(Scope(Role.COORDINADOR, "SS"), "IMSS")


def test_the_lookup_error_says_how_to_register_the_first_one(container):
    with pytest.raises(NotFound, match="no hay instituciones registradas: regístrelas con "
                                       "«sanece-admin excedentes institution create"):
        container.excedentes.queries().resolve_institution(ADMIN_SCOPE, "SS")


def test_the_demo_registers_the_same_editions(container):
    editions = container.excedentes.editions()
    loader = container.excedentes.demo_loader()
    assert [i.code for i in loader.institutions()] == [e.code for e in editions.all()]
    assert loader.institutions() == [e.institution() for e in editions.all()]


def test_an_edition_registers_its_entities_and_given_entities_replace_them(exc, world):
    view = exc.create_institution()(ADMIN, CreateInstitutionCommand(edition="IMSSB"))
    assert view.entity_count == 32
    entities = exc.read_model().entities("IMSSB")
    assert (entities[0].code, entities[0].name) == ("AS", "AGUASCALIENTES")
    assert exc.queries().resolve_entity(ADMIN_SCOPE, "IMSSB", "baja california").code == "BC"
    own = exc.create_institution()(ADMIN, CreateInstitutionCommand(
        code="PEMEX", edition="PEMEX", entities=(("TC", "TABASCO"), ("VZ", "VERACRUZ"))))
    assert own.entity_count == 2
    assert [e.code for e in exc.read_model().entities("PEMEX")] == ["TC", "VZ"]
    listed = {v.code: v.entity_count for v in exc.institution_queries().list(ADMIN_SCOPE)}
    assert listed["IMSSB"] == 32 and listed["PEMEX"] == 2 and listed["SS"] == 3


@pytest.mark.parametrize("entities, message", [
    ((("TC", "TABASCO"), ("tc", "Otra")), "Entidades repetidas: TC, tc"),
    ((("TC", " "),), "nombre de la entidad"),
])
def test_bad_entities_register_nothing(exc, world, entities, message):
    with pytest.raises(ValidationError, match=message):
        exc.create_institution()(ADMIN, CreateInstitutionCommand(edition="PEMEX",
                                                                 entities=entities))
    assert exc.read_model().institution("PEMEX") is None


def test_concurrent_saves_of_the_same_form_have_exactly_one_winner(exc, world, container):
    actors = (ADMIN, ADMIN2)
    with ThreadPoolExecutor(max_workers=2) as pool:
        for i in range(8):
            start = exc.institution_queries().get(ADMIN_SCOPE, "IMSS").version.version

            def attempt(k, start=start, i=i):
                return exc.update_institution()(actors[k], UpdateInstitutionCommand(
                    "IMSS", InstitutionSettings(name=f"IMSS {i}-{k}"), expected_version=start))

            w, outcomes = race(pool, attempt, i)
            assert outcomes[w].changed
            assert f"({actors[w].username})" in outcomes[1 - w].message
            view = exc.institution_queries().get(ADMIN_SCOPE, "IMSS")
            assert view.version.version == start + 1 and view.name == f"IMSS {i}-{w}"
            assert view.version.updated_by == actors[w].username
    assert len(_audit(container, "excedentes.institution_updated")) == 8
