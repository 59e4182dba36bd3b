"""The administrator's "Instituciones" page (both databases): list, registration from an
edition, the settings form, CSRF, admins only, and a stale form shown again (409) with who
saved and the stored values beside the typed ones."""

from __future__ import annotations

import html
import re

from excedentes.application.access import Actor
from excedentes.application.use_cases.institutions import UpdateInstitutionCommand
from excedentes.domain.institution import InstitutionSettings
from tests.helpers import csrf_from, offer_s3_storage

BASE = "/excedentes/instituciones"


def _text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.text)).split())


def _hidden_version(page: str) -> str:
    m = re.search(r'<input type="hidden" name="version" value="([^"]*)">', page)
    assert m, "no version field"
    return m.group(1)


def _edit_form(page: str, **changes: str) -> dict[str, str]:
    """The edit form as a browser sends it back (every field), with ``changes``."""
    fields = {name: html.unescape(value) for name, value in
              re.findall(r'<input id="[^"]+" name="([^"]+)" value="([^"]*)"', page)}
    for name in ("nombre_firma", "especialidad", "almacenamiento"):
        select = re.search(rf'<select id="{name}" name="{name}".*?</select>', page, re.S)
        fields[name] = re.search(r'<option value="([^"]*)" selected>', select.group(0)).group(1)
    area = re.search(r'<textarea id="encabezado" name="encabezado"[^>]*>(.*?)</textarea>', page,
                     re.S)
    fields["encabezado"] = html.unescape(area.group(1))
    fields.update(csrf_token=csrf_from(page), version=_hidden_version(page), **changes)
    return fields


def test_the_admin_lists_and_registers_from_an_edition(as_user, container):
    admin = as_user("admin_exc")
    page = admin.get(BASE)
    assert page.status_code == 200
    text = _text(page)
    for label in ("Instituciones", "Instituciones registradas", "Código", "Nombre",
                  "Firmas del reporte final", "Reporte firmado", "Especialidad troncal",
                  "Secretaría de Salud", "Entidad Federativa (3)", "150 MB", "OOAD/UMAE (2)",
                  "Autoriza TOOAD: / Autoriza Jefe de Servicios de Prestaciones Médicas:",
                  "Subdelegación Médica: / Subdelegación Administrativa: (con «Nombre:»)",
                  "Registrar una institución", "Edición", "PEMEX — PEMEX",
                  "Leyenda de la primera firma del reporte final",
                  "Tamaño máximo del reporte firmado (MB)",
                  "Nivel de especialidad troncal (Paso 5)", "Almacenamiento de los archivos",
                  "Entidades (una por renglón: CÓDIGO, Nombre)"):
        assert label in text, label
    assert 'href="/excedentes/instituciones"' in page.text  # the admin navigation
    assert f'href="{BASE}/SS"' in page.text

    r = admin.post(BASE, data={"csrf_token": csrf_from(page.text), "edicion": "PEMEX",
                               "pdf_mb": "120", "especialidad": "", "almacenamiento": ""},
                   follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"{BASE}/PEMEX"
    stored = container.excedentes.read_model().institution("PEMEX")
    assert stored.name == "Petróleos Mexicanos" and stored.signed_pdf_max_mb == 120
    assert stored.has_specialty_level and len(container.excedentes.read_model().entities(
        "PEMEX")) == 32
    edit = admin.get(r.headers["location"])
    text = _text(edit)
    assert "Institución PEMEX registrada: Petróleos Mexicanos, con 32 entidades" in text
    assert "PEMEX — Petróleos Mexicanos" in text and "Datos de la institución" in text
    assert 'name="pdf_mb" value="120"' in edit.text


def test_registration_refusals_keep_what_was_typed(as_user, container):
    admin = as_user("admin_exc")
    token = csrf_from(admin.get(BASE).text)
    r = admin.post(BASE, data={"csrf_token": token, "edicion": "SS", "nombre": "Salud BC"})
    assert r.status_code == 409
    assert "La institución SS ya está registrada" in _text(r)
    assert 'value="Salud BC"' in r.text and '<option value="SS" selected>' in r.text
    r = admin.post(BASE, data={"csrf_token": token, "codigo": "NUEVA", "nombre": "Nueva",
                               "lista_entidades": "BC BAJA CALIFORNIA"})
    assert r.status_code == 422
    assert "Entidades, renglón 1: escriba «CÓDIGO, Nombre»" in _text(r)
    r = admin.post(BASE, data={"csrf_token": token, "codigo": "NUEVA", "nombre": "Nueva"})
    assert r.status_code == 422 and "denominación de las entidades es obligatoria" in _text(r)
    r = admin.post(BASE, data={"csrf_token": token, "edicion": "PEMEX", "pdf_mb": "mucho"})
    assert r.status_code == 422 and "debe ser un número entero" in _text(r)
    assert container.excedentes.read_model().institution("NUEVA") is None
    assert container.excedentes.read_model().institution("PEMEX") is None
    # without the form's CSRF token nothing is registered
    r = admin.post(BASE, data={"edicion": "PEMEX"})
    assert r.status_code == 403
    assert container.excedentes.read_model().institution("PEMEX") is None


def test_the_admin_edits_the_settings(as_user, container):
    offer_s3_storage(container)
    admin = as_user("admin_exc")
    page = admin.get(f"{BASE}/issste").text
    assert _hidden_version(page) == "0"
    form = _edit_form(page, entidades="Representación Estatal", nombre_firma="no",
                      encabezado="ISSSTE\r\nSUBDIRECCIÓN MÉDICA", almacenamiento="s3")
    r = admin.post(f"{BASE}/ISSSTE", data=form, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == BASE
    stored = container.excedentes.read_model().institution("ISSSTE")
    assert stored.entity_word == "Representación Estatal" and not stored.signature_name_line
    assert stored.header_lines == ("ISSSTE", "SUBDIRECCIÓN MÉDICA")
    assert stored.storage_backend == "s3"
    assert stored.signature_labels == ("Subdelegación Médica:", "Subdelegación Administrativa:")
    listed = _text(admin.get(BASE))
    assert "Institución ISSSTE: datos guardados." in listed
    assert "S3 (almacenamiento de objetos)" in listed
    again = admin.get(f"{BASE}/ISSSTE")
    assert _hidden_version(again.text) == "1"
    assert re.search(r"Versión 1: guardada el 10/03/2026 \d\d:\d\d \(admin_exc\)", _text(again))
    # a refused value: shown again with the typed values, nothing saved
    form = _edit_form(again.text, pdf_mb="0", nombre="ISSSTE Nacional")
    r = admin.post(f"{BASE}/ISSSTE", data=form)
    assert r.status_code == 422 and 'value="ISSSTE Nacional"' in r.text
    # the especialidad level of an institution with a catalog is fixed (409)
    ss = _edit_form(admin.get(f"{BASE}/SS").text, especialidad="no")
    r = admin.post(f"{BASE}/SS", data=ss)
    assert r.status_code == 409 and "SS ya tiene 6 productos en su catálogo" in _text(r)
    assert container.excedentes.read_model().institution("SS").has_specialty_level
    assert container.excedentes.read_model().institution("ISSSTE").name.startswith(
        "Instituto de Seguridad")


def test_a_stale_form_is_shown_again_with_who_saved(as_user, container):
    admin = as_user("admin_exc")
    page = admin.get(f"{BASE}/SS").text
    drawn = _edit_form(page, nombre="Secretaría de Salud Federal", pdf_mb="180")
    # another administrator saves meanwhile
    container.excedentes.update_institution()(Actor.admin("admin.dos"), UpdateInstitutionCommand(
        "SS", InstitutionSettings(signed_pdf_max_mb=200), expected_version=0))

    r = admin.post(f"{BASE}/SS", data=drawn)
    assert r.status_code == 409
    text = _text(r)
    assert re.search(r"Otra persona guardó los datos de esta institución el 10/03/2026 "
                     r"\d\d:\d\d \(admin\.dos\) después de que usted abrió la página; no se "
                     r"guardó ninguno de sus cambios", text)
    # what the user typed is kept, the stored value beside it, the version is the current one
    assert 'value="Secretaría de Salud Federal"' in r.text and 'value="180"' in r.text
    assert "Guardado actualmente: 200" in text
    assert "Guardado actualmente: Secretaría de Salud" in text
    assert _hidden_version(r.text) == "1"
    stored = container.excedentes.read_model().institution("SS")
    assert stored.name == "Secretaría de Salud" and stored.signed_pdf_max_mb == 200
    # saving again from the page shown is a deliberate choice, and it saves
    r = admin.post(f"{BASE}/SS", data=_edit_form(r.text), follow_redirects=False)
    assert r.status_code == 303
    stored = container.excedentes.read_model().institution("SS")
    assert stored.name == "Secretaría de Salud Federal" and stored.signed_pdf_max_mb == 180
    # a form without its version (an older page) saves nothing
    form = _edit_form(admin.get(f"{BASE}/SS").text, nombre="Otra")
    del form["version"]
    r = admin.post(f"{BASE}/SS", data=form)
    assert r.status_code == 428
    assert container.excedentes.read_model().institution("SS").name == \
        "Secretaría de Salud Federal"


def test_only_admins_see_the_page(as_user, container):
    admin = as_user("admin_exc")
    assert admin.get(f"{BASE}/NOPE").status_code == 404
    for name in ("coord_ss", "cap_bc"):
        client = as_user(name)
        home = client.get("/excedentes/ayuda")
        assert 'href="/excedentes/instituciones"' not in home.text  # not in their menu
        token = csrf_from(home.text)
        for path in (BASE, f"{BASE}/SS", f"{BASE}/IMSS"):
            assert client.get(path).status_code == 403, (name, path)
        r = client.post(BASE, data={"csrf_token": token, "edicion": "PEMEX"})
        assert r.status_code == 403
        r = client.post(f"{BASE}/SS", data={"csrf_token": token, "nombre": "Mía",
                                            "version": "0"})
        assert r.status_code == 403
    assert container.excedentes.read_model().institution("PEMEX") is None
    assert container.excedentes.read_model().institution("SS").name == "Secretaría de Salud"
