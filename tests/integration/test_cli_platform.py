"""``sanece-admin`` platform commands through click's runner, on both databases."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from entrypoints.cli.main import cli
from shared.audit.domain import AuditFilter


@pytest.fixture
def run(container):
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(cli, list(args), obj={"container": container}, input=input,
                             catch_exceptions=False)

    return invoke


def test_users_lifecycle(run, container):
    r = run("users", "create", "maria.lopez", "--name", "María López", "--role", "revisor",
            "--password", "Clave-Segura-2026")
    assert r.exit_code == 0, r.output
    listed = run("users", "list")
    assert "maria.lopez" in listed.output and "María López" in listed.output
    assert run("users", "disable", "maria.lopez", "--reason", "baja").exit_code == 0
    assert container.identity().list_users()[0].active is False
    assert run("users", "enable", "maria.lopez").exit_code == 0
    assert run("users", "reset-password", "maria.lopez", "--password", "Otra-Clave-2027").exit_code == 0
    assert container.identity().authenticate("maria.lopez", "Otra-Clave-2027").username == "maria.lopez"
    assert run("users", "grant", "maria.lopez", "--role", "evaluador").exit_code == 0
    audit = run("audit", "list", "--action", "identity.", "--limit", "50")
    assert audit.exit_code == 0
    for action in ("identity.user_created", "identity.user_disabled", "identity.password_reset",
                   "identity.role_granted"):
        assert action in audit.output
    entries = container.audit_query().list(AuditFilter(action="identity.role_granted"))
    assert entries[0].entry.before["role"] == "revisor" and entries[0].entry.after["role"] == "evaluador"


@pytest.mark.parametrize("args, message", [
    (["users", "create", "x1", "--name", "X", "--role", "revisor", "--password", "corta"], "al menos 10"),
    (["users", "create", "Mal Nombre", "--name", "X", "--role", "revisor", "--password", "Clave-Segura-2026"],
     "nombre de usuario"),
    (["users", "create", "dir1", "--name", "X", "--role", "director", "--password", "Clave-Segura-2026"],
     "requiere un ámbito"),
    (["users", "create", "dir1", "--name", "X", "--role", "director", "--scope", "NO-EXISTE",
      "--password", "Clave-Segura-2026"], "no existe"),
    (["users", "disable", "fantasma"], "no existe"),
    (["users", "grant", "fantasma", "--role", "admin"], "no existe"),
])
def test_bad_input_is_one_clear_line_and_non_zero(container, args, message):
    runner = CliRunner()
    r = runner.invoke(cli, args, obj={"container": container})
    assert r.exit_code != 0
    out = r.output.strip()
    assert message in out and "Traceback" not in out
    assert len(out.splitlines()) == 1, out


def test_duplicate_user_is_refused(run, container):
    run("users", "create", "pepe", "--name", "Pepe", "--role", "admin", "--password", "Clave-Segura-2026")
    r = CliRunner().invoke(cli, ["users", "create", "pepe", "--name", "Pepe", "--role", "admin", "--password",
                                 "Clave-Segura-2026"], obj={"container": container})
    assert r.exit_code == 1 and "ya existe" in r.output


def test_demo_load_creates_printed_users(run, container):
    r = run("demo", "load")
    assert r.exit_code == 0, r.output
    users = run("demo", "users")
    assert "admin" in users.output and "Demo-2026-ADM" in users.output
    assert container.identity().authenticate("admin", "Demo-2026-ADM").role.value == "admin"
    again = run("demo", "load", "--if-empty")
    assert "ya tiene datos" in again.output


def test_audit_list_filters_by_user_target_type_and_days(run, container, clock):
    from datetime import timedelta

    assert run("users", "create", "vieja.cuenta", "--name", "Vieja", "--role", "revisor",
               "--password", "Clave-Segura-2026").exit_code == 0
    clock.advance(timedelta(days=10))
    assert run("users", "create", "nueva.cuenta", "--name", "Nueva", "--role", "revisor",
               "--password", "Clave-Segura-2026").exit_code == 0
    identity = container.identity()
    identity.authenticate("nueva.cuenta", "Clave-Segura-2026")  # a login: actor nueva.cuenta

    recent = run("audit", "list", "--days", "5")
    assert recent.exit_code == 0
    assert "nueva.cuenta" in recent.output and "vieja.cuenta" not in recent.output
    everything = run("audit", "list", "--days", "30")
    assert "nueva.cuenta" in everything.output and "vieja.cuenta" in everything.output

    by_user = container.audit_query().list(AuditFilter(actor="nueva.cuenta"))
    assert by_user and {r.entry.actor for r in by_user} == {"nueva.cuenta"}
    mine = run("audit", "list", "--user", "nueva.cuenta")
    assert mine.exit_code == 0 and "identity.login" in mine.output
    assert "identity.user_created" not in mine.output  # created by the CLI's actor, not by her

    users = run("audit", "list", "--target-type", "user")
    assert users.exit_code == 0 and "identity.user_created" in users.output
    nothing = run("audit", "list", "--target-type", "no-such-type")
    assert nothing.exit_code == 0 and "identity." not in nothing.output

    bad = CliRunner().invoke(cli, ["audit", "list", "--days", "-1"], obj={"container": container})
    assert bad.exit_code != 0 and "Traceback" not in bad.output


_HELP_PROBE = """
import sys
from entrypoints.cli.main import cli
cli(["--help"], standalone_mode=False)
loaded = sorted({m.split(".")[0] for m in sys.modules} & {"sanece", "excedentes", "exchange",
                                                          "sqlalchemy", "litestar"})
print("LOADED", loaded, sorted(m for m in sys.modules if m.startswith("entrypoints.cli.")))
"""


def test_help_lists_the_contexts_groups_without_importing_them():
    # A fresh interpreter: this test process has imported every context already.
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", _HELP_PROBE], capture_output=True, text=True,
                          timeout=60, check=True)
    # the platform's own command modules (click and rich only) load; no context's does
    assert ("LOADED [] ['entrypoints.cli.deferred', 'entrypoints.cli.jobs', "
            "'entrypoints.cli.main', 'entrypoints.cli.notifications']") in done.stdout
    for group, words in (("excedentes", "periodos"), ("exchange", "intercambio"),
                         ("sanece", "solicitudes de cambio")):
        line = next(x for x in done.stdout.splitlines() if x.strip().startswith(group + " "))
        assert words in line


def test_a_context_group_is_registered_when_it_is_run():
    runner = CliRunner()
    excedentes = runner.invoke(cli, ["excedentes", "--help"])
    assert excedentes.exit_code == 0 and "institution" in excedentes.output
    assert "exchange" in excedentes.output  # the former name of ``exchange analyze``
    exchange = runner.invoke(cli, ["exchange", "--help"])
    assert exchange.exit_code == 0 and "analyze" in exchange.output
