"""Every SAnECE page renders with the guide's labels, on both databases: the director's header
and menu (S1), Inicio with Buscar and pagination (S2), Consultar folio with its messages (S3),
Pacientes and the Historial (S5), the Cambios sections (S6–S11), Extracción (S13), Comentarios
(S15), the revisor's queue, the evaluador's queue and the administrators' list; roles outside
SAnECE are refused."""

from __future__ import annotations

import re
from datetime import date

from excedentes.adapters.demo_data import institutions
from sanece.domain.model import Folio
from tests.integration.sanece.support import (
    F_B,
    F_EXPIRED,
    F_M1,
    F_NOT,
    F_PENDING,
    F_VALID,
)

from .support import nss_searched, searched, text_of


def assert_labels(text: str, *labels: str) -> None:
    missing = [label for label in labels if label not in text]
    assert not missing, f"missing {missing} in: {text[:1500]}"


def menu_of(markup: str) -> list[str]:
    nav = re.search(r'<nav class="menu".*?</nav>', markup, flags=re.S)
    assert nav
    return [text_of(x) for x in re.findall(r"<li>(.*?)</li>", nav.group(0), flags=re.S)]


def add_pending_folios(world, count: int) -> None:
    """More folios in unit A, so that Inicio has a second page."""
    with world.san.uow() as uow:
        for i in range(count):
            uow.folios.add(Folio(number=f"2026030{i + 2}10{i}", medicine_id=world.medicines[
                "USTEKINUMAB"], evaluation_date=date(2026, 3, 2 + i), unit_id=world.units["A"],
                patient_id=world.patients["M1"], diagnosis="PSORIASIS EN PLACAS"))
        uow.commit()


def test_director_header_menu_inicio_search_and_pages(as_user, world):
    add_pending_folios(world, 5)
    client = as_user("dir_a")
    assert client.get("/sanece", follow_redirects=False).headers["location"] == "/"
    home = client.get("/", follow_redirects=False)
    assert home.status_code == 303 and home.headers["location"] == "/sanece/inicio"
    page = client.get("/sanece/inicio")
    text = text_of(page.text)
    assert_labels(text, "Director de la Unidad Médica", "Usuario DIR_A",
                  "CAMPECHE (H Gral Zona MF 4)", "Información al: 10-03-2026 10:00",
                  "Estatus de últimos folios registrados en tu unidad", "Buscar:",
                  "Mostrando 1 a 10 de 12 registros", "Folio (Genérico)",
                  "Paciente (nss-agregado)", "Estatus de Evaluación", "Clave (Cantidad)",
                  "Fecha de vencimiento", "Ver detalle", "PDF")
    assert menu_of(page.text) == ["Inicio", "Consultar folio", "Pacientes", "Cambios",
                                  "Extracción", "Comentarios o sugerencias",
                                  "Cambiar contraseña", "Cerrar sesión"]
    second = text_of(client.get("/sanece/inicio?pagina=2").text)
    assert "Mostrando 11 a 12 de 12 registros" in second
    assert f"{F_VALID} (CERTOLIZUMAB PEGOL) 1111111111-1F1980OR Validada Vigente 5795 (12) " \
           "15/04/2026" in text + second
    assert f"{F_EXPIRED} (USTEKINUMAB)" in text + second and "Vencido" in text + second
    assert F_B not in text + second  # another unit's folio
    found = text_of(searched(client, "/sanece/inicio", "miguel angel").text)
    assert "de 6 registros" in found and F_M1 in found and F_VALID not in found
    # Buscar also finds what the table shows in the Clave and Fecha de vencimiento columns
    by_key = text_of(searched(client, "/sanece/inicio", "5795").text)
    assert F_VALID in by_key and F_EXPIRED not in by_key
    by_expiry = text_of(searched(client, "/sanece/inicio", "15/04/2026").text)
    assert "de 1 registro" in by_expiry and F_VALID in by_expiry
    assert F_VALID in text_of(searched(client, "/sanece/inicio", "2026-04-15 certolizumab").text)
    assert client.get("/sanece/inicio?pagina=x").status_code == 422


def test_consultar_folio_detail_messages_and_pacientes(as_user, world):
    client = as_user("dir_a")
    empty = text_of(client.get("/sanece/consultar").text)
    assert_labels(empty, "Consultar folio", "Escribe el folio que deseas consultar:",
                  "Puedes obtener información de cualquier folio proveniente de la unidad "
                  "médica a la que perteneces.")
    bad = client.get("/sanece/consultar?folio=2025041421")
    assert bad.status_code == 422
    assert "El folio debe tener exactamente 11 dígitos" in text_of(bad.text)
    assert 'value="2025041421"' in bad.text  # what was typed stays in the box
    foreign = client.get(f"/sanece/consultar?folio={F_B}")
    assert foreign.status_code == 404
    assert "El folio solicitado no existe o no corresponde a tu unidad médica." in \
        text_of(foreign.text)
    detail = text_of(client.get(f"/sanece/consultar?folio={F_NOT}").text)
    assert_labels(detail, f"Folio: {F_NOT}", "Genérico TRASTUZUMAB EMTANSINA",
                  "Estatus No Validada", "Fecha de evaluación 14/04/2025", "Periodo (meses)",
                  "Paciente: PRUEBA PRUEBA PACIENTE", "NSS y agregado 1111111111 - 1F1980OR",
                  "Diagnóstico CÁNCER DE MAMA", "OOAD/UMAE CAMPECHE",
                  "UNIDAD H Gral Zona MF 4", "Clave 1:", "Clave 2:", "Requerimiento:",
                  "Observaciones: teyi", "Descargar PDF")

    patients = client.get("/sanece/pacientes")
    text = text_of(patients.text)
    assert_labels(text, "Pacientes con solicitudes recientes.", "Buscar:",
                  "Mostrando 1 a 4 de 4 registros", "Primer apellido", "Segundo apellido",
                  "Nombre(s)", "NSS", "Agregado", "Historial de evaluaciones",
                  "PRUEBA PRUEBA PACIENTE 1111111111 1F1980OR")
    assert "LOPEZ" not in text  # unit B's patient
    p1 = world.patients["P1"]
    assert f'href="/sanece/pacientes/{p1}"' in patients.text
    history = text_of(client.get(f"/sanece/pacientes/{p1}").text)
    assert_labels(history, "Historial de evaluaciones",
                  "PRUEBA PRUEBA PACIENTE 1111111111 - 1F1980OR", "Folio Genérico Estatus",
                  f"{F_PENDING} TRASTUZUMAB EMTANSINA Pendiente",
                  f"{F_NOT} TRASTUZUMAB EMTANSINA No Validada", "Ver detalle")
    shown = text_of(client.get(f"/sanece/pacientes/{p1}?folio={F_VALID}").text)
    assert f"Detalle del folio {F_VALID}" in shown and "Fecha de vencimiento 15/04/2026" in shown
    other = client.get(f"/sanece/pacientes/{p1}?folio={F_M1}")  # not this patient's
    assert other.status_code == 404 and f"Detalle del folio {F_M1}" not in other.text
    assert "Mostrando 1 a 1 de 1 registro" in text_of(
        searched(client, "/sanece/pacientes", "1111111111").text)


def test_cambios_sections_extraction_and_comments_render(as_user, world):
    client = as_user("dir_a")
    index = text_of(client.get("/sanece/cambios").text)
    assert_labels(index, "Por medio de esta sección se puede solicitar la actualización o "
                  "cambio de alguno de los siguientes rubros:", "Cambio de datos de pacientes",
                  "Homologación de registros", "Cambio de fecha de vencimiento",
                  "Cambio de unidad médica", "Cambio de requerimiento",
                  "Debe esperar a que el cambio sea evaluado por la jefatura de área de "
                  "Catálogo II")
    data = text_of(nss_searched(client, "/sanece/cambios/datos-paciente", "1111111111").text)
    assert_labels(data, "Actualización de datos de pacientes",
                  "Escribe el número de seguridad social (NSS):", "Primer apellido",
                  "Solicitar cambio de datos", "Historial de evaluaciones",
                  "Solicitudes de actualizacion de datos realizadas:", "Datos originales",
                  "Datos solicitados", "Estatus de cambio", "Revisar",
                  "No hay datos disponibles en la tabla", "Mostrando 0 a 0 de 0 registros")
    assert "Solicitar Homologación" not in data  # a single record: nothing to homologate
    several = text_of(nss_searched(client, "/sanece/cambios/datos-paciente", "1071533138").text)
    assert "Solicitar Homologación" in several and several.count("1071533138") >= 3
    bad = nss_searched(client, "/sanece/cambios/datos-paciente", "12345")
    assert bad.status_code == 422
    assert "El NSS debe tener exactamente 10 dígitos." in text_of(bad.text)
    none = text_of(nss_searched(client, "/sanece/cambios/datos-paciente", "2222222222").text)
    assert "No se encontraron pacientes con el NSS 2222222222 en tu unidad médica." in none
    merge = text_of(nss_searched(client, "/sanece/cambios/homologacion", "1071533138").text)
    assert_labels(merge, "Homologación de registros de pacientes",
                  "Solicitudes de homologacion realizadas:", "Datos anteriores",
                  "Datos actuales", "Solicitar Homologación")
    form = text_of(client.get(f"/sanece/cambios/datos-paciente/{world.patients['P1']}").text)
    assert_labels(form, "Habilita el dato que deseas corregir y realiza la modificación "
                  "deseada:", "NSS:", "Agregado:", "Apellido paterno:", "Apellido materno:",
                  "Nombre:", "Adjuntar vigencia:", "Solicitar cambio de datos")
    expiry = text_of(client.get(
        f"/sanece/cambios/fecha-vencimiento?kind=extension&folio={F_VALID}").text)
    assert_labels(expiry, "Cambio de fecha de vencimiento", "Baja de folio.",
                  "Ampliación de fecha de vencimiento.",
                  "Aplica para folios validados que la fecha de vencimiento se debe de ampliar.",
                  "Completa los siguientes datos para registrar la solicitud de prórroga:",
                  "Elige el motivo:", "Desabasto", "Detalla el motivo:",
                  "Adjunta al menos un archivo que sustente la solicitud:", "Adjunto 1:",
                  "Adjunto 2:", "Adjunto 3:", "Solicitar Prórroga", "Solicitudes realizadas:",
                  "Folio Fecha de vencimiento original Tipo de solicitud Estatus de cambio "
                  "Fecha final Revisar")
    cancel = text_of(client.get(
        f"/sanece/cambios/fecha-vencimiento?kind=cancellation&folio={F_VALID}").text)
    assert_labels(cancel, "Solicitar Baja", "Reacción adversa al medicamento",
                  "reporte Vigiflow si aplica")
    unit = text_of(client.get(f"/sanece/cambios/unidad-medica?folio={F_VALID}").text)
    assert_labels(unit, "Cambio de unidad médica", "Elige el motivo de la solicitud:",
                  "Contrarreferencia", "Elige la OOAD de destino:", "AGUASCALIENTES",
                  "Elige la unidad médica de destino:", "Elige primero la OOAD de destino",
                  "Ver unidades de la OOAD", "Solicitar Cambio de unidad",
                  "Folio OOAD/UMAE de destino Estatus de cambio Revisar")
    chosen = text_of(client.get(f"/sanece/cambios/unidad-medica?folio={F_VALID}&"
                                f"destination_ooad_id={world.ooads['AGUASCALIENTES']}").text)
    assert "H Gral Zona 3" in chosen
    req = text_of(client.get(f"/sanece/cambios/requerimiento?folio={F_VALID}").text)
    assert_labels(req, "Cambio de requerimiento", "Genérico validado CERTOLIZUMAB PEGOL",
                  "Selecciona clave 1:", "5795 ampula 200 mg", "5796 jeringa prellenada 200 mg",
                  "Cantidad clave 1:", "Requerimiento:", "Detalla el motivo de cambio:",
                  "Solicitar cambio de Requerimiento",
                  "Fecha solicitud Folio Requerimiento original Claves y cantidad original "
                  "Requerimiento solicitado Claves y cantidad solicitado Estatus de cambio "
                  "Revisar")
    bad_folio = client.get("/sanece/cambios/requerimiento?folio=abc")
    assert bad_folio.status_code == 422 and "11 dígitos" in text_of(bad_folio.text)

    extraction = text_of(client.get("/sanece/extraccion").text)
    assert_labels(extraction, "Extracción de datos",
                  "La información disponible es exclusivamente de tu unidad médica",
                  "Puedes extraer información de tres años de antigüedad a la fecha",
                  "El rango máximo permitido de extracción es de un año",
                  "Selecciona la fecha de inicio", "Selecciona la fecha de fin",
                  "Selecciona el genérico", "TODOS", "Selecciona el filtro de extracción",
                  "POR FOLIO", "POR PACIENTE", "Estatus de evaluación", "Exportar a Excel")
    comments = text_of(client.get("/sanece/comentarios").text)
    assert_labels(comments, "Comentarios o sugerencias",
                  "Agradecemos tus opiniones y reportes de posibles fallas o mejoras", "Enviar")


def test_central_roles_pages_and_refusals(as_user, world, container):
    revisor = as_user("revisor")
    assert revisor.get("/", follow_redirects=False).headers["location"] == "/sanece/revision"
    queue = revisor.get("/sanece/revision")
    assert_labels(text_of(queue.text), "Jefatura de área de Catálogo II", "Solicitudes de cambio",
                  "Tipo de solicitud", "OOAD/UMAE", "Antigüedad mínima (días hábiles)",
                  "Estatus de cambio", "Mostrando 0 a 0 de 0 registros")
    assert "Consultar folio" in menu_of(queue.text) and "Cambios" not in menu_of(queue.text)
    assert revisor.get(f"/sanece/consultar?folio={F_B}").status_code == 200  # every unit
    assert revisor.get("/sanece/revision?tipo=bogus").status_code == 422
    assert revisor.get("/sanece/cambios").status_code == 403  # the director files

    evaluador = as_user("evaluador")
    assert evaluador.get("/", follow_redirects=False).headers["location"] == \
        "/sanece/evaluacion"
    pending = text_of(evaluador.get("/sanece/evaluacion").text)
    assert_labels(pending, "Evaluador SAnECE", "Folios pendientes de evaluación",
                  f"{F_PENDING} (TRASTUZUMAB EMTANSINA)", "CAMPECHE (H Gral Zona MF 4)",
                  "Mostrando 1 a 1 de 1 registro")
    assert evaluador.get("/sanece/revision").status_code == 403

    admin = as_user("admin")
    received = text_of(admin.get("/sanece/comentarios-recibidos").text)
    assert "Comentarios o sugerencias recibidos" in received
    assert "Comentarios SAnECE recibidos" in admin.get("/").text

    with container.excedentes.uow() as uow:
        uow.institutions.add(next(i for i in institutions() if i.code == "IMSS"), 1)
        uow.commit()
    coordinador = as_user("coordinador")  # excedentes: nothing of SAnECE
    for path in ("/sanece/inicio", f"/sanece/consultar?folio={F_VALID}", "/api/sanece/folios"):
        assert coordinador.get(path).status_code == 403, path
    director = as_user("dir_a")
    assert director.get("/sanece/revision").status_code == 403
    assert director.get("/sanece/comentarios-recibidos").status_code == 403
