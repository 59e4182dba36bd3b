"""The settings of an institution (E1): what an administrator may set, the editions kept as
data, and the one change that depends on the catalog (the especialidad troncal level)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from excedentes.adapters.editions import EDITIONS_FILE, JsonInstitutionEditions
from excedentes.domain.institution import (
    MAX_HEADER_LINES,
    MAX_SIGNED_PDF_MB,
    Institution,
    InstitutionSettings,
    SpecialtyLevelFixed,
    check_settings_change,
)
from excedentes.domain.rules import MB
from shared.kernel.errors import ValidationError

ISSSTE = InstitutionSettings(
    name="Instituto de Seguridad y Servicios Sociales de los Trabajadores del Estado",
    entity_word="Delegación",
    signature_labels=("Subdelegación Médica:", "Subdelegación Administrativa:"),
    signature_name_line=True, signed_pdf_max_mb=100, has_specialty_level=True)


def test_settings_build_an_institution_with_the_bare_defaults():
    inst = InstitutionSettings(name="Nueva Institución", entity_word="Región",
                               signature_labels=("Autoriza A:", "Autoriza B:")).build("nueva")
    assert inst.code == "NUEVA"
    assert inst.signed_pdf_max_bytes == 100 * MB and inst.signed_pdf_max_mb == 100
    assert (inst.has_specialty_level, inst.storage_backend, inst.header_lines) == \
        (False, "local", ())
    assert inst.report_header == ("NUEVA INSTITUCIÓN",)


@pytest.mark.parametrize("missing, message", [
    ("name", "nombre de la institución es obligatorio"),
    ("entity_word", "denominación de las entidades es obligatoria"),
    ("signature_labels", "dos firmas"),
])
def test_a_new_institution_needs_name_entity_word_and_both_signatures(missing, message):
    settings = InstitutionSettings(**{**{k: getattr(ISSSTE, k) for k in
                                         ("name", "entity_word", "signature_labels")},
                                      missing: None})
    with pytest.raises(ValidationError, match=message):
        settings.build("ISSSTE")


def test_given_settings_win_over_the_edition_and_the_rest_come_from_it():
    merged = InstitutionSettings(signed_pdf_max_mb=150, signature_name_line=False).over(ISSSTE)
    inst = merged.build("ISSSTE")
    assert inst.signed_pdf_max_bytes == 150 * MB
    assert inst.signature_name_line is False  # False is a value, not "not given"
    assert inst.entity_word == "Delegación" and inst.has_specialty_level is True


def test_with_settings_keeps_what_is_not_given_and_never_the_code():
    inst = ISSSTE.build("ISSSTE")
    changed = inst.with_settings(InstitutionSettings(entity_word="Representación Estatal",
                                                     header_lines=("ISSSTE", "SUBDIRECCIÓN")))
    assert changed.code == "ISSSTE" and changed.name == inst.name
    assert changed.entity_word == "Representación Estatal"
    assert changed.header_lines == ("ISSSTE", "SUBDIRECCIÓN")
    assert inst.with_settings(InstitutionSettings()) == inst
    assert inst.with_settings(InstitutionSettings(header_lines=())).report_header == \
        (inst.name.upper(),)


@pytest.mark.parametrize("changes, message", [
    (InstitutionSettings(signed_pdf_max_mb=0), "entre 1 y 1024"),
    (InstitutionSettings(signed_pdf_max_mb=MAX_SIGNED_PDF_MB + 1), "entre 1 y 1024"),
    (InstitutionSettings(storage_backend="ftp"), "Almacenamiento no válido: «ftp» \\(use local o s3\\)"),
    (InstitutionSettings(header_lines=tuple(f"Línea {n}" for n in range(MAX_HEADER_LINES + 1))),
     "hasta 6 líneas"),
    (InstitutionSettings(name="x" * 201), "nombre de la institución admite hasta 200"),
    (InstitutionSettings(entity_word="x" * 65), "denominación de las entidades admite hasta 64"),
    (InstitutionSettings(signature_labels=("Autoriza:", " ")), "dos firmas"),
    (InstitutionSettings(signature_labels=("Autoriza:", "y" * 201)), "leyenda de firma admite"),
    (InstitutionSettings(name="   "), "nombre de la institución es obligatorio"),
])
def test_bad_settings_are_refused_in_spanish(changes, message):
    with pytest.raises(ValidationError, match=message):
        ISSSTE.build("ISSSTE").with_settings(changes)


@given(st.integers(min_value=1, max_value=MAX_SIGNED_PDF_MB))
def test_the_limit_in_mb_round_trips(mb):
    inst = InstitutionSettings(signed_pdf_max_mb=mb).over(ISSSTE).build("ISSSTE")
    assert inst.signed_pdf_max_bytes == mb * MB
    assert inst.signed_report_policy.max_bytes == mb * MB
    assert inst.settings.signed_pdf_max_mb == mb
    assert inst.settings.build("ISSSTE") == inst  # settings -> institution -> settings


def test_the_specialty_level_changes_only_while_the_catalog_is_empty():
    before = ISSSTE.build("ISSSTE")
    after = before.with_settings(InstitutionSettings(has_specialty_level=False))
    check_settings_change(before, after, catalog_products=0)  # empty catalog: allowed
    check_settings_change(before, before.with_settings(
        InstitutionSettings(name="ISSSTE")), catalog_products=2857)  # other settings: allowed
    with pytest.raises(SpecialtyLevelFixed, match="ya tiene 2,857 productos") as refused:
        check_settings_change(before, after, catalog_products=2857)
    assert refused.value.status == 409


def test_the_snapshot_names_every_setting_for_the_audit_trail():
    snap = ISSSTE.build("ISSSTE").snapshot()
    assert snap == {"name": ISSSTE.name, "entity_word": "Delegación",
                    "signature_labels": ["Subdelegación Médica:", "Subdelegación Administrativa:"],
                    "header_lines": [], "signature_name_line": True, "signed_pdf_max_mb": 100,
                    "has_specialty_level": True, "storage_backend": "local"}


# ------------------------------------------------------------------ the editions' data


def test_the_five_editions_of_the_guides_are_data():
    editions = JsonInstitutionEditions()
    assert [e.code for e in editions.all()] == ["IMSS", "SS", "IMSSB", "ISSSTE", "PEMEX"]
    imss, ss, issste = (editions.get(c).institution() for c in ("imss", "SS", "ISSSTE"))
    assert imss.entity_word == "OOAD/UMAE" and not imss.has_specialty_level
    assert imss.signature_labels == ("Autoriza TOOAD:",
                                     "Autoriza Jefe de Servicios de Prestaciones Médicas:")
    assert imss.signed_pdf_max_bytes == 100 * MB
    assert ss.entity_word == "Entidad Federativa" and ss.has_specialty_level
    assert ss.signed_pdf_max_bytes == 150 * MB
    assert issste.signature_labels == ("Subdelegación Médica:", "Subdelegación Administrativa:")
    assert issste.signature_name_line and issste.entity_word == "Delegación"
    assert editions.get("XX") is None


def test_a_broken_editions_file_fails_naming_the_edition(tmp_path):
    data = json.loads(EDITIONS_FILE.read_text(encoding="utf-8"))
    data["editions"][1]["signed_pdf_max_mb"] = 0
    path = tmp_path / "editions.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValueError, match="edición 'SS' no válida"):
        JsonInstitutionEditions(path).all()
    data["editions"][1] = dict(data["editions"][0])
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValueError, match="repetidos"):
        JsonInstitutionEditions(path).all()


def test_the_editions_entities_are_the_demos_entities():
    from excedentes.adapters.demo import entities_of

    for edition in JsonInstitutionEditions().all():
        assert list(edition.entities) == [(c, n) for c, n, _ in entities_of(edition.code)]
    imss = JsonInstitutionEditions().get("IMSS")
    assert len(imss.entities) == 35 and ("MC-OTE", "Edo. de Méx. Ote.") in imss.entities
    assert len(JsonInstitutionEditions().get("SS").entities) == 32
