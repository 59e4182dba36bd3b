"""A real installation through the CLI, on both databases: ``db upgrade`` on an empty database,
``excedentes institution create --edition SS`` (never the demo), then the existing commands
(periods, catalog and units imports, the tablero) work for it; the help texts and errors list
the institutions registered in the database."""

from __future__ import annotations

import sqlalchemy as sa
from click.testing import CliRunner

from entrypoints.cli.main import cli
from entrypoints.persistence import load_all_tables
from excedentes.application.access import EntityRef
from shared.adapters.sql.database import create_engine
from shared.audit.domain import AuditFilter
from shared.kernel.pagination import PageRequest

from tests.helpers import offer_s3_storage

from ..support import ADMIN_SCOPE

CATALOG = ("Servicio,Grupo de Servicio,Especialidad,Producto,Unidad de Medida\n"
           "Servicios de Atención Médica,Cirugía,Cirugía general,Anestesia,Procedimiento\n"
           "Servicios de Atención Médica,Consulta,Consulta externa,Consulta de primera vez,"
           "Consulta\n")
UNITS = ("CLUES,Unidad Médica,Nivel,Entidad,Institución\n"
         "BCSSA001152,3 DE OCTUBRE,PRIMER NIVEL,BAJA CALIFORNIA,SS\n"
         "BCSSA000013,HOSPITAL GENERAL MEXICALI,SEGUNDO NIVEL,BC,Secretaría de Salud\n")


def _empty_database(url: str) -> None:
    """What a new installation starts from: no table at all."""
    engine = create_engine(url)
    load_all_tables().drop_all(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()


def _runner(container):
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(cli, list(args), obj={"container": container})

    return run


def test_a_new_installation_registers_ss_and_works_with_it(container, db_url, tmp_path):
    _empty_database(db_url)
    run = _runner(container)
    # before the upgrade the help still prints, saying where to look
    help_text = run("excedentes", "period", "open", "--help")
    assert help_text.exit_code == 0 and "institution list" in help_text.output
    assert run("db", "upgrade").exit_code == 0

    help_text = run("excedentes", "period", "open", "--help").output
    assert "no hay instituciones registradas" in " ".join(help_text.split())
    refused = run("excedentes", "period", "create", "--institution", "SS", "--period", "2026")
    assert refused.exit_code == 1
    assert "Error: No existe la institución «SS» (no hay instituciones registradas" in \
        " ".join(refused.output.split())

    created = run("excedentes", "institution", "create", "--edition", "SS")
    assert created.exit_code == 0, created.output
    assert "Institución SS registrada: Secretaría de Salud, con 32 entidades (Entidad " \
           "Federativa)." in created.output
    assert "hasta 150 MB" in created.output

    out = " ".join(run("excedentes", "catalog", "import", "--help").output.split())
    assert "Código o nombre de la institución (use SS)." in out

    r = run("excedentes", "period", "create", "--institution", "ss", "--period", "2026",
            "--start", "2026-01-01", "--end", "2026-12-31")
    assert r.exit_code == 0 and "Captura del periodo 2026 (SS) creado: abierto." in r.output
    catalog = tmp_path / "catalogo.csv"
    catalog.write_text(CATALOG, encoding="utf-8")
    r = run("excedentes", "catalog", "import", "--institution", "Secretaría de Salud",
            str(catalog))
    assert r.exit_code == 0, r.output
    assert "Catálogo importado" in r.output and "2" in r.output
    units = tmp_path / "unidades.csv"
    units.write_text(UNITS, encoding="utf-8")
    r = run("excedentes", "units", "import", str(units))
    assert r.exit_code == 0, r.output
    assert "Unidades importadas" in r.output

    r = run("excedentes", "status", "--institution", "SS", "--period", "2026")
    assert r.exit_code == 0, r.output
    for text in ("Captura del periodo 2026", "Entidad Federativa", "BAJA CALIFORNIA",
                 "AGUASCALIENTES", "ZACATECAS"):
        assert text in r.output, text
    exc = container.excedentes
    tree = exc.queries().catalog_tree(ADMIN_SCOPE, "SS")
    assert [g.name for s in tree.services for g in s.groups] == ["Cirugía", "Consulta"]
    listing = exc.queries().units(ADMIN_SCOPE, EntityRef("SS", "BC"), 2026, PageRequest(1, 25))
    assert listing.page.total == 2

    # a second institution; the errors now list both
    assert run("excedentes", "institution", "create", "--edition", "IMSS",
               "--signed-max-mb", "120").exit_code == 0
    r = run("excedentes", "period", "open", "--institution", "PEMEX", "--period", "2026")
    assert r.exit_code == 1
    assert "Error: No existe la institución «PEMEX» (use SS o IMSS)." in " ".join(r.output.split())
    listed = run("excedentes", "institution", "list")
    assert listed.exit_code == 0
    for text in ("Instituciones registradas", "SS", "Secretaría de Salud", "OOAD/UMAE",
                 "150 MB", "120 MB", "35", "32"):
        assert text in listed.output, text
    entries = container.audit_query().list(AuditFilter(action="excedentes.institution_created"))
    assert {e.entry.target_id for e in entries} == {"SS", "IMSS"}
    assert all(e.entry.actor.startswith("cli") for e in entries)


def test_institution_create_and_update_from_the_cli(container, db_url, tmp_path):
    run = _runner(container)
    entities = tmp_path / "entidades.csv"
    entities.write_text("Código,Nombre\nRM-1,Primera Región Militar\nRM-2,Segunda Región "
                        "Militar\n", encoding="utf-8")
    r = run("excedentes", "institution", "create", "--code", "SEDENA", "--name",
            "Secretaría de la Defensa Nacional", "--entity-word", "Región Militar",
            "--signature-1", "Autoriza Dirección General de Sanidad:", "--signature-2",
            "Autoriza Jefatura de Servicios:", "--header-line", "SEDENA", "--header-line",
            "DIRECCIÓN GENERAL DE SANIDAD", "--specialty-level", "--entities", str(entities))
    assert r.exit_code == 0, r.output
    assert "Institución SEDENA registrada: Secretaría de la Defensa Nacional, con 2 entidades" \
        in r.output
    inst = container.excedentes.read_model().institution("SEDENA")
    assert inst.header_lines == ("SEDENA", "DIRECCIÓN GENERAL DE SANIDAD")
    assert inst.has_specialty_level and inst.signed_pdf_max_mb == 100

    offer_s3_storage(container)
    r = run("excedentes", "institution", "update", "sedena", "--signature-2",
            "Autoriza Subdirección:", "--no-header", "--storage", "s3", "--version", "0")
    assert r.exit_code == 0, r.output
    assert "Institución SEDENA: datos guardados." in r.output
    inst = container.excedentes.read_model().institution("SEDENA")
    assert inst.signature_labels == ("Autoriza Dirección General de Sanidad:",
                                     "Autoriza Subdirección:")
    assert inst.header_lines == () and inst.storage_backend == "s3"
    entry = container.audit_query().list(
        AuditFilter(action="excedentes.institution_updated"))[0].entry
    assert entry.before["storage_backend"] == "local" and entry.after["storage_backend"] == "s3"

    # errors: one Spanish line starting with "Error:" and a non-zero exit, nothing changed
    for args, message in [
        (("create", "--code", "SEDENA", "--edition", "SS"),
         "Error: La institución SEDENA ya está registrada"),
        (("create", "--edition", "XX"),
         "Error: No existe la edición «XX» (use IMSS, SS, IMSSB, ISSSTE o PEMEX)."),
        (("create", "--code", "NUEVA", "--name", "Nueva", "--entity-word", "Región",
          "--signature-1", "Solo una:"),
         "Error: Indique las dos leyendas de firma: --signature-1 y --signature-2."),
        (("update", "SEDENA", "--version", "0", "--name", "Otra"),
         "Error: Otra persona guardó los datos de esta institución"),
        (("update", "SEDENA", "--entity-word", " "),
         "Error: La denominación de las entidades es obligatoria."),
        (("update", "NOPE", "--name", "X"), "Error: No existe la institución «NOPE» (use "
                                            "SEDENA)."),
        (("update", "SEDENA", "--no-header", "--header-line", "X"),
         "Error: Use --header-line o --no-header, no ambas."),
    ]:
        r = run("excedentes", "institution", *args)
        assert r.exit_code == 1, (args, r.output)
        assert r.output.strip().startswith("Error:") and message in " ".join(r.output.split()), \
            (args, r.output)
    assert container.excedentes.read_model().institution("SEDENA").name == \
        "Secretaría de la Defensa Nacional"
    bad = tmp_path / "malas.csv"
    bad.write_text("RM-1\n", encoding="utf-8")
    r = run("excedentes", "institution", "create", "--edition", "PEMEX", "--entities", str(bad))
    assert r.exit_code == 1
    assert "Error: «malas.csv»: línea 1: se esperan dos columnas, Código y Nombre." in r.output
    assert container.excedentes.read_model().institution("PEMEX") is None
