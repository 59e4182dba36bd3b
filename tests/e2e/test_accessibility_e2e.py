"""Accessibility (WCAG 2.1 A and AA) of every HTML page, for every role, in the real Chromium:
axe-core (the copy shipped by the PyPI package ``axe-playwright-python``, no CDN) runs on each
page of ``PAGES``, error states included (a grid with errors, refused forms, an empty list, a
404), and must find nothing. ``test_every_page_route_is_checked`` keeps ``PAGES`` complete: a
new GET page route that is neither checked here nor in ``NOT_PAGES`` fails it.

Also here: the layout checks of issue 19 (reflow at 320 px, 10 rows at 200 % zoom, the phone
menu, focus after a save or an error), with screenshots in the test's temporary folder."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import pytest

from .conftest import LiveServer

pytestmark = pytest.mark.e2e

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
DESKTOP = {"width": 1366, "height": 768}
NARROW = {"width": 320, "height": 640}  # SC 1.4.10: reflow at 320 CSS px
PASSWORDS = {"admin": "Demo-2026-ADM", "revisor": "Demo-2026-REV", "evaluador": "Demo-2026-EVA",
             "coordinador": "Demo-2026-COO", "capturista": "Demo-2026-CAP", "director": "Demo-2026-DIR"}
ENTITY = "/excedentes/entidades/{inst:str}/{entity:str}/{year:int}"
UNIT = ENTITY + "/unidades/{clues:str}"
GROUP = UNIT + "/grupos/{group_id:int}"
TRIO_NSS = "1071533138"  # a demo NSS with three records, so a homologación can be asked


def _axe_source() -> str:
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()


@dataclass(frozen=True)
class Check:
    """One page state to check: the route it belongs to (None for a state that is no route,
    such as the 404 page) and how to get there from a logged-in page."""
    name: str
    route: str | None
    go: Callable[..., None]


def _to(path: str) -> Callable[..., None]:
    def go(page, base: str) -> None:
        page.goto(base + path)
    return go


def _href(page, selector: str) -> str:
    """The first link matching ``selector`` on the current page."""
    href = page.locator(selector).first.get_attribute("href")
    assert href, f"no link {selector} on {page.url}"
    return href


def _via(path: str, selector: str, then: str = "") -> Callable[..., None]:
    """Open ``path``, follow its first link matching ``selector`` (plus ``then``)."""
    def go(page, base: str) -> None:
        page.goto(base + path)
        page.goto(base + _href(page, selector) + then)
    return go


def _login_refused(page, base: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Nombre de usuario").fill("admin")
    page.get_by_label("Contraseña").fill("no-es-la-contraseña")
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_load_state()
    assert page.get_by_role("alert").is_visible()


def _password_refused(page, base: str) -> None:
    page.goto(base + "/cuenta/contrasena")
    page.get_by_label("Contraseña actual").fill("no-es-la-actual-1")
    page.get_by_label("Nueva contraseña", exact=True).fill("Otra-Clave-2026x")
    page.get_by_label("Confirmar nueva contraseña").fill("Otra-Clave-2026x")
    page.locator("form[action='/cuenta/contrasena'] button[type=submit]").click()
    page.wait_for_load_state()
    assert page.get_by_role("alert").is_visible()


def _nss_refused(path: str) -> Callable[..., None]:
    def go(page, base: str) -> None:
        page.goto(base + path)
        page.locator("main input[name=nss]").fill("12")
        page.locator("main input[name=nss]").press("Enter")
        page.wait_for_load_state()
        assert page.locator("#nss-error").is_visible()
    return go


def _nss_found(path: str, nss: str = "1111111111") -> Callable[..., None]:
    def go(page, base: str) -> None:
        page.goto(base + path)
        page.locator("main input[name=nss]").fill(nss)
        page.locator("main input[name=nss]").press("Enter")
        page.wait_for_load_state()
    return go


def _patients_none(page, base: str) -> None:
    page.goto(base + "/sanece/pacientes")
    box = page.locator("main input[type=search], main input[name=q]").first
    box.fill("ZZZ-NADIE-SE-LLAMA-ASI")
    box.press("Enter")
    page.wait_for_load_state()
    assert page.locator(".san-empty").is_visible()


def _grid(page, base: str) -> None:
    page.goto(base + "/excedentes/entidades/SS/BC/2026/unidades")
    page.goto(base + _href(page, "main table a[href*='/unidades/']"))
    page.goto(base + _href(page, "main a[href*='/grupos/']"))
    page.goto(base + _href(page, "main a[href*='/grupos/']"))
    if "/productos" not in page.url:
        page.goto(base + _href(page, "main a[href$='/productos']"))


def _grid_with_errors(page, base: str) -> None:
    _grid(page, base)  # the page accepts the save's confirmation (run_checks)
    page.locator("#grid tbody input[name^='fa']").first.fill("12")
    page.get_by_role("button", name="Guardar").first.click()
    page.wait_for_load_state()
    assert page.locator(".row-error").count() > 0, "the grid refused nothing"


def _grid_under_group(suffix: str) -> Callable[..., None]:
    def go(page, base: str) -> None:
        _grid(page, base)
        page.goto(page.url.rsplit("/productos", 1)[0] + suffix)
    return go


def _analysis(page, base: str, suffix: str = "") -> None:
    page.goto(base + "/intercambios")
    links = page.locator("main table a[href^='/intercambios/']")
    if links.count() == 0:  # run one from the form, as a coordinador does
        form = page.locator("#nuevo")
        form.get_by_label("Mínimo de pacientes por intercambio").fill("1")
        form.get_by_role("button", name="Ejecutar análisis").click()
        page.wait_for_url(re.compile(r"/intercambios/\d+$"))
        page.goto(base + "/intercambios")
    page.goto(base + _href(page, "main table a[href^='/intercambios/']") + suffix)


def _expiry_refused(page, base: str) -> None:
    """A folio that cannot take the change: the refusal replaces the form."""
    page.goto(base + "/sanece/inicio")
    folio = _href(page, "main a[href^='/sanece/consultar?folio=']").split("=", 1)[1]
    page.goto(base + f"/sanece/cambios/fecha-vencimiento?folio={folio}&kind=cancellation")
    assert page.locator(".san-refused").is_visible()


def _not_found(page, base: str) -> None:
    assert page.goto(base + "/no-existe").status == 404


def _audit_empty(page, base: str) -> None:
    page.goto(base + "/admin/bitacora?usuario=nadie-con-este-nombre")
    assert page.get_by_text("No hay datos disponibles en la tabla").is_visible()


def _institution_refused(page, base: str) -> None:
    """Registering a code that exists: the form comes back with the refusal."""
    page.goto(base + "/excedentes/instituciones")
    page.get_by_label("Edición").select_option("SS")
    page.get_by_role("button", name="Registrar institución").click()
    page.wait_for_load_state()
    assert page.get_by_text("ya está registrada").first.is_visible()


def _job_page(page, base: str) -> None:
    """The institution's Excel export started from the tablero: its job page, finished."""
    page.goto(base + "/excedentes/tablero")
    page.get_by_role("button", name=re.compile("Excel de los registros de la institución")).click()
    page.wait_for_url(re.compile(r"/trabajos/[0-9a-f]+$"))
    page.locator("[data-job-done]").wait_for(state="visible", timeout=60_000)


def _proposal_refused(page, base: str) -> None:
    """A proposal naming a unit that is not in the catalog: the form comes back refused."""
    page.goto(base + "/intercambios/acuerdos/nuevo")
    page.get_by_label("CLUES de la unidad solicitante").fill("XXXXX000000")
    page.get_by_label("CLUES de la unidad proveedora").fill("YYYYY000000")
    page.get_by_label("Producto o servicio").fill("Consulta")
    page.get_by_label("Pacientes por mes").fill("3")
    page.get_by_role("button", name="Proponer acuerdo").click()
    page.wait_for_load_state()
    assert page.get_by_role("alert").is_visible()


def _folio_form(path: str) -> Callable[..., None]:
    def go(page, base: str) -> None:
        page.goto(base + "/sanece/inicio")
        folio = _href(page, "main a[href^='/sanece/consultar?folio=']").split("=", 1)[1]
        page.goto(base + f"{path}?folio={folio}")
    return go


# Every page state checked, by demo user (``sanece-admin demo users``); None = not logged in.
PAGES: dict[str | None, list[Check]] = {
    None: [
        Check("Iniciar sesión", "/login", _to("/login")),
        Check("Iniciar sesión, rechazado", "/login", _login_refused),
        Check("Olvidé mi contraseña", "/olvide-contrasena", _to("/olvide-contrasena")),
    ],
    "admin": [
        Check("Inicio", "/", _to("/")),
        Check("Usuarios", "/admin/usuarios", _to("/admin/usuarios")),
        Check("Bitácora", "/admin/bitacora", _to("/admin/bitacora")),
        Check("Cambiar contraseña", "/cuenta/contrasena", _to("/cuenta/contrasena")),
        Check("Cambiar contraseña, rechazado", "/cuenta/contrasena", _password_refused),
        Check("Homologaciones validadas", "/sanece/homologaciones", _to("/sanece/homologaciones")),
        Check("Catálogo de motivos", "/sanece/motivos", _to("/sanece/motivos")),
        Check("Deshacer homologación", "/sanece/homologaciones/{request_id:int}",
              _via("/sanece/homologaciones", "main a[href^='/sanece/homologaciones/']")),
        Check("Comentarios recibidos", "/sanece/comentarios-recibidos", _to("/sanece/comentarios-recibidos")),
        Check("Folios por unidad, elegir la unidad", "/sanece/inicio", _to("/sanece/inicio")),
        Check("Bitácora sin resultados", "/admin/bitacora", _audit_empty),
        Check("Instituciones", "/excedentes/instituciones", _to("/excedentes/instituciones")),
        Check("Instituciones, registro rechazado", "/excedentes/instituciones",
              _institution_refused),
        Check("Institución: datos", "/excedentes/instituciones/{code:str}",
              _to("/excedentes/instituciones/SS")),
        Check("Motivos de devolución", "/excedentes/motivos", _to("/excedentes/motivos")),
        Check("Completitud nacional", "/excedentes/completitud", _to("/excedentes/completitud")),
        Check("Página inexistente (404)", None, _not_found),
        # Exchange agreements (issue 17): the admin sees every agreement and every form.
        Check("Acuerdos de intercambio", "/intercambios/acuerdos", _to("/intercambios/acuerdos")),
        Check("Acuerdo de intercambio", "/intercambios/acuerdos/{agreement_id:int}",
              _via("/intercambios/acuerdos", "main table a[href^='/intercambios/acuerdos/']")),
        Check("Acuerdo propuesto (formularios)", "/intercambios/acuerdos/{agreement_id:int}",
              _via("/intercambios/acuerdos?estado_acuerdo=propuesto",
                   "main table a[href^='/intercambios/acuerdos/']")),
        Check("Proponer acuerdo", "/intercambios/acuerdos/nuevo", _to("/intercambios/acuerdos/nuevo")),
        Check("Proponer acuerdo, rechazado", "/intercambios/acuerdos/nuevo", _proposal_refused),
        Check("Motivos de rechazo y cancelación", "/intercambios/acuerdos/motivos",
              _to("/intercambios/acuerdos/motivos")),
        Check("El ciclo en cifras", "/intercambios/ciclo", _to("/intercambios/ciclo")),
    ],
    "coordinador.imss": [
        Check("Mis descargas, vacía", "/trabajos", _to("/trabajos")),
        Check("Trabajo: exportación terminada", "/trabajos/{job_id:str}", _job_page),
        Check("Mis descargas", "/trabajos", _to("/trabajos")),
        Check("Tablero", "/excedentes/tablero", _to("/excedentes/tablero")),
        Check("Excedentes (entrada)", "/excedentes", _to("/excedentes")),
        Check("Periodos", "/excedentes/periodos", _to("/excedentes/periodos")),
        Check("Solicitudes de producto", "/excedentes/solicitudes", _to("/excedentes/solicitudes")),
        Check("Catálogos", "/excedentes/catalogos", _to("/excedentes/catalogos")),
        Check("Guía de ayuda", "/excedentes/ayuda", _to("/excedentes/ayuda")),
        Check("Reportes de la entidad", ENTITY + "/reportes", _to("/excedentes/entidades/IMSS/HG/2026/reportes")),
        Check("Reporte firmado", ENTITY + "/firmado", _to("/excedentes/entidades/IMSS/HG/2026/firmado")),
        Check("Apertura", ENTITY + "/apertura", _to("/excedentes/entidades/IMSS/HG/2026/apertura")),
        Check("Revisión", ENTITY + "/revision", _to("/excedentes/entidades/IMSS/HG/2026/revision")),
        Check("Historial de la entidad", ENTITY + "/historial",
              _to("/excedentes/entidades/IMSS/HG/2026/historial")),
        Check("Aceptar varios reportes", "/excedentes/tablero/aceptar",
              _to("/excedentes/tablero/aceptar?periodo=2026&entidad=HG")),
        Check("Completitud de la institución", "/excedentes/completitud",
              _to("/excedentes/completitud?periodo=2026")),
        Check("Valores atípicos", ENTITY + "/valores-atipicos",
              _to("/excedentes/entidades/IMSS/HG/2026/valores-atipicos")),
        Check("Historial de un valor", UNIT + "/productos/{product_id:int}/historial",
              _via("/excedentes/entidades/IMSS/HG/2026/valores-atipicos",
                   "main table a[href*='/historial']")),
        Check("Intercambios", "/intercambios", _to("/intercambios")),
        Check("Intercambios: vista nacional", "/intercambios/{analysis_id:int}", _analysis),
        Check("Intercambios: propuestas", "/intercambios/{analysis_id:int}/propuestas",
              lambda page, base: _analysis(page, base, "/propuestas")),
        Check("Intercambios: entidades", "/intercambios/{analysis_id:int}/entidades",
              lambda page, base: _analysis(page, base, "/entidades")),
    ],
    "capturista.ss.bc": [
        Check("Tablero (capturista)", "/excedentes/tablero", _to("/excedentes/tablero")),
        Check("Paso 2", ENTITY, _to("/excedentes/entidades/SS/BC/2026")),
        Check("Paso 3", ENTITY + "/unidades", _to("/excedentes/entidades/SS/BC/2026/unidades")),
        Check("Paso 4", UNIT, _via("/excedentes/entidades/SS/BC/2026/unidades", "main table a[href*='/unidades/']")),
        Check("Paso 5", GROUP, _grid_under_group("")),
        Check("Paso 6", GROUP + "/productos", _grid),
        Check("Paso 6 con errores", GROUP + "/productos", _grid_with_errors),
        Check("Solicitar producto", GROUP + "/solicitar-producto", _grid_under_group("/solicitar-producto")),
        Check("Paso 7: finalizar", ENTITY + "/finalizar", _to("/excedentes/entidades/SS/BC/2026/finalizar")),
        Check("Solicitudes de producto (capturista)", "/excedentes/solicitudes", _to("/excedentes/solicitudes")),
    ],
    "capturista.ss.as": [
        Check("Paso 2 sin iniciar", ENTITY, _to("/excedentes/entidades/SS/AS/2026")),
    ],
    "director.campeche": [
        Check("Inicio SAnECE", "/sanece/inicio", _to("/sanece/inicio")),
        Check("Avisos", "/avisos", _to("/avisos")),
        Check("SAnECE (entrada)", "/sanece", _to("/sanece")),
        Check("Consultar folio", "/sanece/consultar", _to("/sanece/consultar")),
        Check("Consultar folio: detalle", "/sanece/consultar",
              _via("/sanece/inicio", "main a[href^='/sanece/consultar?folio=']")),
        Check("Consultar folio: rechazado", "/sanece/consultar", _to("/sanece/consultar?folio=99999999999")),
        Check("Pacientes", "/sanece/pacientes", _to("/sanece/pacientes")),
        Check("Pacientes: sin resultados", "/sanece/pacientes", _patients_none),
        Check("Historial del paciente", "/sanece/pacientes/{patient_id:int}",
              _via("/sanece/pacientes", "main a[href^='/sanece/pacientes/']")),
        Check("Cambios", "/sanece/cambios", _to("/sanece/cambios")),
        Check("Datos del paciente: búsqueda", "/sanece/cambios/datos-paciente", _to("/sanece/cambios/datos-paciente")),
        Check("Datos del paciente: NSS rechazado", "/sanece/cambios/datos-paciente",
              _nss_refused("/sanece/cambios/datos-paciente")),
        Check("Datos del paciente: encontrado", "/sanece/cambios/datos-paciente",
              _nss_found("/sanece/cambios/datos-paciente")),
        Check("Datos del paciente: formulario", "/sanece/cambios/datos-paciente/{patient_id:int}",
              lambda page, base: (_nss_found("/sanece/cambios/datos-paciente")(page, base),
                                  page.goto(base + _href(page, "main a[href*='/datos-paciente/']")))),
        Check("Homologación: búsqueda", "/sanece/cambios/homologacion",
              _nss_found("/sanece/cambios/homologacion", TRIO_NSS)),
        Check("Homologación: registro", "/sanece/cambios/homologacion/registro/{record_id:int}",
              lambda page, base: (_nss_found("/sanece/cambios/homologacion", TRIO_NSS)(page, base),
                                  page.goto(base + _href(page, "main a[href*='/homologacion/registro/']")))),
        Check("Fecha de vencimiento", "/sanece/cambios/fecha-vencimiento", _to("/sanece/cambios/fecha-vencimiento")),
        Check("Fecha de vencimiento: folio", "/sanece/cambios/fecha-vencimiento",
              _folio_form("/sanece/cambios/fecha-vencimiento")),
        Check("Fecha de vencimiento: rechazada", "/sanece/cambios/fecha-vencimiento", _expiry_refused),
        Check("Unidad médica", "/sanece/cambios/unidad-medica", _folio_form("/sanece/cambios/unidad-medica")),
        Check("Requerimiento", "/sanece/cambios/requerimiento", _folio_form("/sanece/cambios/requerimiento")),
        Check("Solicitud", "/sanece/solicitudes/{request_id:int}",
              _via("/sanece/cambios/fecha-vencimiento", "main a[href^='/sanece/solicitudes/']")),
        Check("Extracción", "/sanece/extraccion", _to("/sanece/extraccion")),
        Check("Comentarios", "/sanece/comentarios", _to("/sanece/comentarios")),
    ],
    "revisor": [
        Check("Revisión de solicitudes", "/sanece/revision", _to("/sanece/revision")),
        Check("Revisar una solicitud", "/sanece/solicitudes/{request_id:int}",
              _via("/sanece/revision", "main a[href^='/sanece/solicitudes/']")),
        Check("Estadísticas de la cola", "/sanece/revision/estadisticas",
              _to("/sanece/revision/estadisticas")),
    ],
    "evaluador": [
        Check("Evaluación de folios", "/sanece/evaluacion", _to("/sanece/evaluacion")),
        Check("Evaluar un folio", "/sanece/evaluacion/{number:str}",
              _via("/sanece/evaluacion", "main a[href^='/sanece/evaluacion/']")),
    ],
}

# GET routes that render no HTML page of their own, so axe has nothing to check there.
NOT_PAGES = (
    re.compile(r"^/api/"),             # JSON API (and its file downloads)
    re.compile(r"^/schema"),           # OpenAPI documents
    re.compile(r"^/static/"),          # CSS and JavaScript
    re.compile(r"^/health$"),          # service status, JSON
    re.compile(r"/(pdf|excel|exportar|descargar)($|/)"),  # file downloads
    re.compile(r"/reportes/(preliminar|final)$"),          # PDF reports
    re.compile(r"/exportar/"),          # catalog downloads
    re.compile(r"/adjuntos/"),          # request attachments (files)
    re.compile(r"^/trabajos/\{job_id:str\}/archivo$"),  # a finished job's file
    re.compile(r"^/intercambios/acuerdos/\{agreement_id:int\}/firmado$"),  # a signed scan
    # The Cambios page of a registered folio type without pages of its own: none of the guide's
    # five has one (each answers 404 there); a sixth type adds its check to PAGES.
    re.compile(r"^/sanece/cambios/\{slug:str\}$"),
)


def _password(user: str) -> str:
    return PASSWORDS[user.split(".")[0]]


@pytest.fixture(scope="module")
def demo(live_server: LiveServer) -> LiveServer:
    live_server.admin("demo", "load")
    return live_server


def _log_in(page, base: str, user: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Nombre de usuario").fill(user)
    page.get_by_label("Contraseña").fill(_password(user))
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_url(lambda url: "/login" not in url)


def _axe(page, source: str) -> list[dict]:
    # page.evaluate runs through the DevTools protocol, which the page's CSP
    # (script-src 'self') does not govern, so axe runs without weakening the CSP.
    page.evaluate(source)
    result = page.evaluate("options => axe.run(document, options)",
                           {"runOnly": {"type": "tag", "values": TAGS}, "resultTypes": ["violations"]})
    return [{"id": v["id"], "nodes": [n["target"] for n in v["nodes"]], "help": v["help"]}
            for v in result["violations"]]


def run_checks(browser, base: str, only: set[str] | None = None) -> Iterator[tuple[str | None, Check, list[dict]]]:
    """Each checked page with its axe violations, one browser context per user."""
    source = _axe_source()
    for user, checks in PAGES.items():
        if only is not None and user not in only:
            continue
        context = browser.new_context(locale="es-MX", viewport=DESKTOP)
        page = context.new_page()
        page.set_default_timeout(20000)
        page.on("dialog", lambda dialog: dialog.accept())  # "¿Confirma que los datos son correctos?"
        if user:
            _log_in(page, base, user)
        for i, check in enumerate(checks):
            check.go(page, base)
            page.wait_for_load_state()
            violations = _axe(page, source)
            # reflow (SC 1.4.10): at 320 CSS px nothing scrolls sideways but the tables' boxes
            page.set_viewport_size(NARROW)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > NARROW["width"]:
                violations.append({"id": "reflow-320", "nodes": [page.url], "help": f"{width} px wide at 320"})
            if i == 0 and user:  # the phone menu, opened, once per user
                page.get_by_role("button", name="Menú").click()
                violations += _axe(page, source)
            page.set_viewport_size(DESKTOP)
            yield user, check, violations
        context.close()


def test_no_axe_violations_on_any_page(demo, browser, tmp_path):
    checked, failing = [], []
    for user, check, violations in run_checks(browser, demo.url):
        checked.append(f"{user or 'anónimo'}: {check.name}")
        failing += [f"{user or 'anónimo'} · {check.name}: {v['id']} ({v['help']}) {v['nodes'][:3]}"
                    for v in violations]
    (tmp_path / "paginas-revisadas.txt").write_text("\n".join(checked) + "\n")
    print("\n".join(["Páginas revisadas con axe:", *checked]))
    assert len(checked) == sum(len(c) for c in PAGES.values())
    assert failing == [], "\n".join(failing)


def _page_routes() -> set[str]:
    from entrypoints.http.app import create_app

    app = create_app()
    return {route.path for route in app.routes for handler in route.route_handlers
            if "GET" in handler.http_methods}


def test_every_page_route_is_checked(tmp_path, monkeypatch):
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    routes = _page_routes()
    pages = {r for r in routes if not any(p.search(r) for p in NOT_PAGES)}
    checked = {c.route for checks in PAGES.values() for c in checks if c.route}
    assert checked - routes == set(), "checked routes the app does not have"
    assert pages - checked == set(), "page routes without an accessibility check: add them to PAGES"
    assert len(pages) > 40


# ----------------------------------------------------------------------------- layout and focus

ZOOM_200 = {"width": 683, "height": 384}  # 1366×768 at 200 % zoom, in CSS pixels
PHONE = {"width": 375, "height": 812}

ROWS_IN_SIGHT = """wrap => {
  // rows of the table fully visible at once in the viewport and in its box, once the box's
  // first row is scrolled into view (the page and the box scroll as a user would)
  const rows = [...wrap.querySelectorAll('tbody tr')].filter(r => r.offsetParent !== null);
  if (!rows.length) return 0;
  rows[0].scrollIntoView({block: 'start'});
  const box = wrap.getBoundingClientRect();
  const head = wrap.querySelector('thead');
  const top = Math.max(0, box.top, head ? head.getBoundingClientRect().bottom : 0);
  const bottom = Math.min(window.innerHeight, box.bottom);
  return rows.filter(r => { const b = r.getBoundingClientRect(); return b.top >= top - 1 && b.bottom <= bottom + 1; }).length;
}"""


def _shoot(page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=False)


def _no_sideways_page_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} scrolls sideways ({width} px)"


def _context(browser, viewport: dict, scale: float = 1):
    context = browser.new_context(locale="es-MX", viewport=viewport, device_scale_factor=scale)
    context.set_default_timeout(20000)
    return context


SCREENS = {  # the four screens of issue 19, by the user who sees them
    "tablero": ("coordinador.imss", lambda page, base: page.goto(base + "/excedentes/tablero")),
    "paso6": ("capturista.ss.bc", _grid),
    "inicio": ("director.campeche", lambda page, base: page.goto(base + "/sanece/inicio")),
    "revision": ("revisor", lambda page, base: page.goto(base + "/sanece/revision")),
}


def test_zoom_phone_and_reflow(demo, browser, tmp_path):
    """Screenshots at 1366×768, at 200 % zoom and at 375 px (kept in the temporary folder);
    at 200 % the tablero and the grid show 10 rows or more, the grid's headings and inputs
    do not overflow; no page scrolls sideways at 320 px; on a phone the menu is one button
    and a wide table says that it scrolls."""
    folder = tmp_path / "screenshots"
    folder.mkdir()
    for name, (user, go) in SCREENS.items():
        for size, viewport, scale in (("1366", DESKTOP, 1), ("zoom200", ZOOM_200, 2), ("375", PHONE, 1),
                                      ("320", NARROW, 1)):
            context = _context(browser, viewport, scale)
            page = context.new_page()
            _log_in(page, demo.url, user)
            go(page, demo.url)
            page.wait_for_load_state()
            _no_sideways_page_scroll(page)
            if size == "zoom200" and name in ("tablero", "paso6"):
                wrap = page.locator("#grid" if name == "paso6" else ".table-wrap").first
                assert wrap.evaluate(ROWS_IN_SIGHT) >= 10, f"{name} at 200 %: fewer than 10 rows in sight"
            if name == "paso6":
                # the longest cause typed in; no heading nor input cuts its text
                longest = page.evaluate("""() => [...document.querySelectorAll('#causas option')]
                    .map(o => o.value).sort((a, b) => b.length - a.length)[0]""")
                page.locator("#grid input[list]").first.fill(longest)
                cut = page.evaluate("""() => [...document.querySelectorAll('.grid-head th, #grid input')]
                    .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent || e.value)""")
                assert cut == [], f"Paso 6 at {size}: cut {cut[:5]}"
            if size in ("375", "320"):
                toggle = page.get_by_role("button", name="Menú")
                assert toggle.get_attribute("aria-expanded") == "false"
                assert page.locator("nav.menu").bounding_box()["height"] < 60
                assert not page.get_by_role("link", name="Cambiar contraseña").is_visible()
                toggle.click()
                assert toggle.get_attribute("aria-expanded") == "true"
                assert page.get_by_role("link", name="Cambiar contraseña").is_visible()
                toggle.click()
                if name in ("inicio", "revision", "tablero"):
                    assert page.locator(".scroll-hint").first.is_visible()
            _shoot(page, folder, f"{name}-{size}")
            context.close()
    assert len(list(folder.glob("*.png"))) == 16
    print(f"Capturas en {folder}")


def test_focus_goes_to_the_error_summary_then_to_the_row(demo, browser, tmp_path):
    context = _context(browser, DESKTOP)
    page = context.new_page()
    page.on("dialog", lambda d: d.accept())
    _log_in(page, demo.url, "capturista.ss.bc")
    # the two-tone ring: dark (#1d1d1b, 15:1 on the light pages) around a white halo (7.8:1 on
    # the green menu), whatever the background
    page.get_by_role("navigation", name="Menú principal").get_by_role("link").first.focus()
    ring = page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
        return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow]; }""")
    assert ring[:3] == ["solid", "3px", "rgb(29, 29, 27)"] and "rgb(255, 255, 255)" in ring[3], ring
    _grid_with_errors(page, demo.url)
    summary = page.locator("#resumen-errores")
    assert page.evaluate("document.activeElement.id") == "resumen-errores"
    link = summary.locator("a[data-error-link]").first
    row_header = link.get_attribute("href")[1:]
    link.click()
    focused_row = page.evaluate("document.activeElement.closest('tr').querySelector('th[scope=row]').id")
    assert focused_row == row_header
    assert page.evaluate("document.activeElement.getAttribute('aria-invalid')") == "true"
    page.screenshot(path=str(tmp_path / "paso6-error-focus.png"))
    # fixed and saved: the focus goes to the result message
    cause = page.locator("tr:has(th#%s) input[name^='c']" % row_header)
    cause.fill("Falta de Insumos")
    page.locator("tr:has(th#%s) input[name^='pm']" % row_header).fill("3")
    page.get_by_role("button", name="Guardar").first.click()
    page.wait_for_load_state()
    assert "Información guardada" in page.locator(".flash-success").inner_text()
    assert "flash-success" in page.evaluate("document.activeElement.className")
    # the cause shows whole in its input
    assert cause.evaluate("e => e.scrollWidth <= e.clientWidth + 1")
    context.close()
