"""Registering an institution and changing its settings on the fake unit of work; the editions
are the real ones (the JSON data file the CLI uses)."""

from __future__ import annotations

import pytest

from excedentes.adapters.editions import JsonInstitutionEditions
from excedentes.application.use_cases.institutions import (
    ADMIN_ONLY,
    CreateInstitution,
    CreateInstitutionCommand,
    UpdateInstitution,
    UpdateInstitutionCommand,
)
from excedentes.domain.catalog import Product, Service, ServiceGroup
from excedentes.domain.errors import StaleVersion
from excedentes.domain.institution import InstitutionSettings, SpecialtyLevelFixed
from shared.kernel.errors import Conflict, NotFound, PermissionDenied, ValidationError

from .fakes import ADMIN, COORD_IMSS, COORD_SS, FakeStore, small_world

EDITIONS = JsonInstitutionEditions()


def create(store: FakeStore, clock, actor=ADMIN, **cmd):
    return CreateInstitution(store.uow, clock, EDITIONS)(actor, CreateInstitutionCommand(**cmd))


def update(store: FakeStore, clock, code="SS", actor=ADMIN, expected=None, **settings):
    cmd = UpdateInstitutionCommand(code, InstitutionSettings(**settings), expected)
    return UpdateInstitution(store.uow, clock)(actor, cmd)


# --------------------------------------------------------------------------- create


def test_create_from_an_edition_registers_it_with_its_entities(clock):
    store = FakeStore()
    view = create(store, clock, edition="pemex", settings=InstitutionSettings(signed_pdf_max_mb=20))
    edition = EDITIONS.get("PEMEX")
    stored = store.state.institutions["PEMEX"]
    assert stored.name == edition.settings.name and stored.signed_pdf_max_mb == 20
    assert len(store.state.entities) == len(edition.entities) == view.entity_count > 0
    (entry,) = store.audit
    assert (entry.action, entry.target_type, entry.target_id) == (
        "excedentes.institution_created", "institution", "PEMEX")
    assert entry.reason == "edición PEMEX" and entry.after["signed_pdf_max_mb"] == 20


def test_create_without_an_edition_needs_the_required_settings(clock):
    store = FakeStore()
    with pytest.raises(ValidationError):
        create(store, clock, code="NUEVA", settings=InstitutionSettings(name="Nueva"))
    view = create(store, clock, code="NUEVA", entities=(("01", "NORTE"),),
                  settings=InstitutionSettings(name="Nueva", entity_word="Región",
                                               signature_labels=("Elaboró", "Autorizó")))
    assert view.code == "NUEVA" and store.actions() == ["excedentes.institution_created"]


@pytest.mark.parametrize("actor, cmd, error", [
    (ADMIN, dict(edition="SS"), Conflict),  # SS exists
    (ADMIN, dict(edition="NADA"), ValidationError),  # no such edition
    (ADMIN, dict(code="NUEVA", edition="IMSS", entities=(("A", "Uno"), ("a", "Otro"))),
     ValidationError),  # repeated entity codes
    (COORD_SS, dict(edition="PEMEX"), PermissionDenied),
])
def test_create_refusals_write_nothing(world, clock, actor, cmd, error):
    before = world.store.snapshot()
    with pytest.raises(error) as refused:
        create(world.store, clock, actor, **cmd)
    if error is PermissionDenied:
        assert refused.value.message == ADMIN_ONLY
    assert world.store.state == before


# --------------------------------------------------------------------------- update


def test_update_changes_the_settings_and_audits_before_and_after(world, clock):
    change = update(world.store, clock, name="Secretaría de Salud Federal", expected=0)
    assert change.changed and change.institution.version.version == 1
    assert world.store.state.institutions["SS"].name == "Secretaría de Salud Federal"
    (entry,) = world.store.audit
    assert entry.action == "excedentes.institution_updated"
    assert (entry.before["name"], entry.after["name"]) == ("Secretaría de Salud",
                                                           "Secretaría de Salud Federal")


def test_saving_the_same_settings_records_nothing(world, clock):
    before = world.store.snapshot()
    change = update(world.store, clock, name="Secretaría de Salud", expected=0)
    assert not change.changed and world.store.state == before


def test_an_update_from_a_stale_form_is_refused(world, clock):
    update(world.store, clock, name="Uno", expected=0)
    before = world.store.snapshot()
    with pytest.raises(StaleVersion) as refused:
        update(world.store, clock, name="Dos", expected=0)
    assert ADMIN.username in refused.value.message
    assert world.store.state == before


def test_the_specialty_level_is_fixed_once_the_catalog_has_products(clock):
    world = small_world()  # SS has products and the especialidad level
    before = world.store.snapshot()
    with pytest.raises(SpecialtyLevelFixed):
        update(world.store, clock, has_specialty_level=False)
    assert world.store.state == before
    # an institution without products may still change it
    store = FakeStore()
    create(store, clock, edition="ISSSTE")
    level = store.state.institutions["ISSSTE"].has_specialty_level
    assert update(store, clock, "ISSSTE", has_specialty_level=not level).changed
    # ... until its catalog has a product
    with store.uow() as uow:
        group = ServiceGroup(Service("ISSSTE", "Servicios"), "Cirugía")
        uow.catalog.merge_products([Product(None, "Anestesia", "Procedimiento", group)])
        uow.commit()
    with pytest.raises(SpecialtyLevelFixed):
        update(store, clock, "ISSSTE", has_specialty_level=level)


@pytest.mark.parametrize("actor, code, error", [
    (COORD_SS, "SS", PermissionDenied),  # their own institution: not theirs to change
    (COORD_IMSS, "SS", NotFound),  # another one: like a missing code
    (ADMIN, "NADA", NotFound),
])
def test_update_refusals_write_nothing(world, clock, actor, code, error):
    before = world.store.snapshot()
    with pytest.raises(error):
        update(world.store, clock, code, actor, name="Otra")
    assert world.store.state == before
