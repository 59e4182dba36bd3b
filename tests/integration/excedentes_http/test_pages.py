"""Every excedentes page renders with the guides' labels, for each role (both databases)."""

from __future__ import annotations

import html

from tests.integration.excedentes.support import U_HGZ33, U_OCTUBRE

from .flows import entity_path, grid_path


def text(response) -> str:
    assert response.status_code == 200, response.text[-2000:]
    return html.unescape(response.text)


def test_capturista_pages_follow_the_ss_guide(as_user, world):
    c = as_user("cap_bc")
    home = c.get("/", follow_redirects=False)
    assert home.status_code == 303 and home.headers["location"] == "/excedentes/tablero"

    board = text(c.get("/excedentes/tablero"))
    for label in ("Captura del periodo 2026", "Paso 1.- Seleccionar la Entidad Federativa",
                  "No.", "Unidades Médicas", "Total", "Con Excedentes/ Faltantes",
                  "Sin Excedentes/ Faltantes", "Reporte", "Preliminar", "Final (para firmas)",
                  "Subir (firmado)", "Semáforo", "Guía de Ayuda",
                  "La Entidad Federativa ha finalizado el registro de información",
                  "La Entidad Federativa aún no finaliza el registro de información"):
        assert label in board, label
    # own row actionable, the others read-only
    assert f'<a href="{entity_path()}">BAJA CALIFORNIA</a>' in board
    assert ">BAJA CALIFORNIA SUR</a>" not in board and "BAJA CALIFORNIA SUR" in board
    assert "Total (3)" in board  # totals row over the 3 SS entities

    step2 = text(c.get(entity_path()))
    assert ("Paso 2.- ¿Alguna de las Unidades Médicas de la Entidad Federativa BAJA CALIFORNIA "
            "tiene Excedentes/Faltantes de algún Servicio Médico Institucional?") in step2
    assert "Seleccione una opción" in step2 and "Inicio" in step2 and "Regresar" in step2

    step3 = text(c.get(entity_path() + "/unidades"))
    assert "Paso 3.- Del siguiente listado, ingresar a la unidad médica" in step3
    assert "PRIMER NIVEL" in step3 and "SEGUNDO NIVEL" in step3
    assert "BCSSA001152" in step3 and "3 DE OCTUBRE, PRIMER NIVEL" in step3
    assert "¿Con excedentes/ faltantes?" in step3 and "Mostrando 1 a 3 de 3 registros" in step3
    found = text(c.get(entity_path() + "/unidades?q=algodones"))
    assert "ALGODONES, PRIMER NIVEL" in found and "3 DE OCTUBRE" not in found
    assert "Mostrando 1 a 1 de 1 registro" in found

    step4 = text(c.get(f"{entity_path()}/unidades/{U_OCTUBRE}"))
    assert "Paso 4.- Seleccionar el grupo de servicio" in step4
    assert "Servicios de Atención Médica" in step4 and "Grupo de Servicio" in step4
    assert "¿Con Excedente y/o Faltante?" in step4 and "Cirugía" in step4

    step5 = text(c.get(f"{entity_path()}/unidades/{U_OCTUBRE}/grupos/{world.gid('Cirugía')}"))
    assert "Paso 5.- Seleccionar la especialidad troncal" in step5
    assert "Especialidad Troncal" in step5 and "Cirugía general" in step5
    assert "Otorrinolaringología" in step5

    grid = text(c.get(grid_path(world, U_OCTUBRE)))
    for label in ("Paso 6.- Llenar la siguiente tabla", "Nota 1: Cantidad mínima 1.", "No.",
                  "Producto", "Faltante", "Ambulatoria", "Hospitalaria", "Causa", "Excedente",
                  "Pacientes Mensuales", "Unidad de Medida", "Buscar", "Guardar",
                  "Anestesia", "Dilatación de esófago", "Procedimiento", "Falta de Equipo",
                  "Solicitar producto", "Regresar"):
        assert label in grid, label
    assert 'data-confirm="' in grid and "/static/excedentes.js" in grid
    # without JavaScript the product filter works through ?q=
    filtered = text(c.get(grid_path(world, U_OCTUBRE, q="dilatacion")))
    assert "Dilatación de esófago" in filtered and "Anestesia" not in filtered
    assert "1 de 2 productos" in filtered

    step7 = text(c.get(entity_path() + "/finalizar"))
    assert "Paso 7.- Finalizar el registro de Excedentes y Faltantes de la Entidad Federativa" in step7
    assert "¿Desea finalizar el registro?" in step7
    assert "¿Está seguro de cerrar el registro de información?" in step7
    assert "Ingresar contraseña:" in step7
    step8 = text(c.get(entity_path() + "/reportes"))
    assert "Paso 8.- Reporte “Versión Final” para firmas" in step8 and "Preliminar" in step8
    step9 = text(c.get(entity_path() + "/firmado"))
    assert "Paso 9.- Subir Reporte “Versión Final” firmado" in step9
    assert "después de finalizar el registro" in step9  # not finalized yet: no upload form

    guide = text(c.get("/excedentes/ayuda"))
    for label in ("Guía de Ayuda", "Servicios Médicos Faltantes", "Servicios Médicos Excedentes",
                  "Paso 1.- Seleccionar la Entidad Federativa", "Paso 5.- Seleccionar Especialidad",
                  "Paso 9.- Subir Reporte", "150 Megabytes", "Carencia de Servicio",
                  "2,857", "apertura"):
        assert label in guide, label
    assert "@" not in guide  # no officials' e-mails

    requests = text(c.get("/excedentes/solicitudes"))
    assert "Solicitudes de producto" in requests and "Decisión" not in requests


def test_imss_steps_without_specialty_level(as_user, world):
    c = as_user("cap_nl")
    board = text(c.get("/excedentes/tablero"))
    assert "OOAD/UMAE" in board and "Nuevo León" in board
    assert "La OOAD/UMAE ha finalizado el registro de información" in board
    group = world.gid("Cirugía", "IMSS")
    step4 = text(c.get(f"{entity_path('IMSS', 'NL')}/unidades/{U_HGZ33}"))
    grid_link = f"{entity_path('IMSS', 'NL')}/unidades/{U_HGZ33}/grupos/{group}/productos"
    assert f'href="{grid_link}"' in step4  # the group opens its grid: no Paso 5
    skip = c.get(f"{entity_path('IMSS', 'NL')}/unidades/{U_HGZ33}/grupos/{group}",
                 follow_redirects=False)
    assert skip.status_code == 303 and skip.headers["location"] == grid_link
    grid = text(c.get(grid_link))
    # the IMSS guide numbers the grid Paso 5 and the upload Paso 8
    assert "Paso 5.- Llenar la siguiente tabla" in grid and "Grupo de Servicio seleccionado" in grid
    assert "Anestesia" in grid and "Especialidad:" not in grid
    step9 = text(c.get(entity_path("IMSS", "NL") + "/firmado"))
    assert "Paso 8.- Subir Reporte" in step9
    guide = text(c.get("/excedentes/ayuda"))
    assert "Paso 8.- Subir Reporte" in guide and "Especialidad Troncal" not in guide
    assert "100 Megabytes" in guide


def test_coordinador_pages(as_user, world):
    k = as_user("coord_ss")
    assert k.get("/", follow_redirects=False).headers["location"] == "/excedentes/tablero"
    board = text(k.get("/excedentes/tablero"))
    assert "Apertura" in board and ">BAJA CALIFORNIA SUR</a>" in board  # every row readable
    assert "Excel de los registros de la institución (2026)" in board
    assert "Sin iniciar" in board  # the state of rows the coordinador cannot finalize
    picked = text(k.get("/excedentes/tablero?periodo=2025"))
    assert "Captura del periodo 2025" in picked and "está cerrada" in picked

    periods = text(k.get("/excedentes/periodos"))
    for label in ("Periodos de captura", "Captura del periodo 2026", "Captura del periodo 2025",
                  "Cerrar periodo 2026", "Abrir periodo 2025", "Guardar fechas", "Nuevo periodo",
                  "Año"):
        assert label in periods, label
    catalogs = text(k.get("/excedentes/catalogos"))
    for label in ("Catálogo de productos", "Unidades médicas", "Importar catálogo",
                  "Importar unidades", "CSV", "Excel (XLSX)", "Cirugía general"):
        assert label in catalogs, label
    queue = text(k.get("/excedentes/solicitudes"))
    assert "Solicitudes de producto" in queue and "No hay solicitudes" in queue
    reopen = text(k.get(entity_path() + "/apertura"))
    assert "Apertura del registro" in reopen and "no ha finalizado su registro" in reopen
    # a coordinador reads the grid but cannot capture
    grid = text(k.get(grid_path(world, U_OCTUBRE)))
    assert "Anestesia" in grid and 'name="fa' not in grid and "Guardar" not in grid

    # capturistas do not get the coordinador's pages
    c = as_user("cap_bc")
    assert c.get("/excedentes/periodos").status_code == 403
    assert c.get("/excedentes/catalogos").status_code == 403
    assert c.get(entity_path() + "/apertura").status_code == 403


def test_admin_picks_the_institution(as_user, world):
    a = as_user("admin_exc")
    board = text(a.get("/excedentes/tablero?institucion=IMSS&periodo=2026"))
    assert "Instituto Mexicano del Seguro Social" in board and "Nuevo León" in board
    assert 'name="institucion"' in board and "Excel nacional de los registros (2026)" in board
    assert "Periodos de captura" in text(a.get("/excedentes/periodos?institucion=IMSS"))
