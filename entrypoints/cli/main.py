"""``sanece-admin``: database, users, demo data, audit, and each context's commands."""

from __future__ import annotations

import functools
import importlib
import sys
from datetime import timedelta, timezone
from typing import TYPE_CHECKING, Any, Callable, TypeVar

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from shared.kernel.demo import SCALES
from shared.kernel.errors import DomainError
from shared.kernel.scope import Role

if TYPE_CHECKING:  # the container (every context, SQLAlchemy...) is imported on first use
    from entrypoints.container import Container

# Wide when piped (tables are read by scripts and tests); the terminal's width otherwise.
console = Console(width=None if sys.stdout.isatty() else 200)
err_console = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])


class CliError(click.ClickException):
    """One clear line on stderr and exit code 1."""

    def show(self, file: Any = None) -> None:
        err_console.print(f"[bold red]Error:[/] {self.message}", highlight=False, soft_wrap=True)


def cli_errors(fn: F) -> F:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except DomainError as exc:
            raise CliError(exc.message) from exc
        except (ValueError, FileNotFoundError, PermissionError) as exc:
            raise CliError(str(exc)) from exc

    return wrapper  # type: ignore[return-value]


def get_container(ctx: click.Context) -> Container:
    obj = ctx.ensure_object(dict)
    if "container" not in obj:
        from entrypoints.container import build_container

        try:
            obj["container"] = build_container()
        except ValueError as exc:
            raise CliError(f"configuración inválida: {exc}") from exc
    return obj["container"]


def actor() -> str:
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # noqa: BLE001
        return "cli"


def rich_progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=err_console, transient=False)


class ContextGroups(click.Group):
    """The contexts' command groups, imported only when one of them is run (``--help`` and
    the platform's own commands start without importing any context)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        from entrypoints.modules import CLI_GROUPS

        return sorted({*super().list_commands(ctx), *CLI_GROUPS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        from entrypoints.modules import CLI_GROUPS, cli_group

        if cmd_name in CLI_GROUPS and cmd_name not in self.commands:
            self.add_command(cli_group(cmd_name))
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        from entrypoints.modules import CLI_GROUPS

        rows = [(name, CLI_GROUPS[name][1] if name in CLI_GROUPS and name not in self.commands
                 else self.commands[name].get_short_help_str(formatter.width))
                for name in self.list_commands(ctx)
                if name in CLI_GROUPS or not self.commands[name].hidden]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=ContextGroups, context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Administración de SAnECE y Excedentes y Faltantes."""
    ctx.ensure_object(dict)


# --- db ------------------------------------------------------------------------------------
@cli.group()
def db() -> None:
    """Base de datos."""


@db.command("upgrade")
@click.pass_context
@cli_errors
def db_upgrade(ctx: click.Context) -> None:
    """Aplica las migraciones pendientes."""
    from entrypoints.persistence import upgrade

    settings = get_container(ctx).settings()
    if settings.is_sqlite:
        settings.var_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url)
    console.print("Base de datos al día.")


# --- users ---------------------------------------------------------------------------------
ROLE_CHOICE = click.Choice([r.value for r in Role])


@cli.group()
def storage() -> None:
    """Almacenamiento de archivos (local, S3)."""


@storage.command("check")
@click.option("--create", is_flag=True, help="Crear lo que falte y se pueda crear (el bucket de S3).")
@click.pass_context
@cli_errors
def storage_check(ctx: click.Context, create: bool) -> None:
    """Comprueba que cada almacenamiento configurado responde (el bucket existe)."""
    selector = get_container(ctx).storage()
    if create:
        for name in selector.create_missing():
            console.print(f"Almacenamiento {name}: creado.")
    down = selector.unreachable()
    if down:
        raise CliError(f"no responde el almacenamiento {', '.join(down)} (¿existe el bucket? "
                       "Créelo con `sanece-admin storage check --create`).")
    console.print(f"Almacenamiento listo: {', '.join(sorted(selector.backends))}.")


@cli.group()
def users() -> None:
    """Usuarios, roles y ámbitos."""


@users.command("create")
@click.argument("username")
@click.option("--name", "full_name", required=True, help="Nombre completo.")
@click.option("--role", type=ROLE_CHOICE, required=True)
@click.option("--scope", "scope_ref", default=None, help="Unidad, entidad o institución según el rol.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.pass_context
@cli_errors
def users_create(ctx: click.Context, username: str, full_name: str, role: str, scope_ref: str | None,
                 password: str) -> None:
    """Crea un usuario personal."""
    view = get_container(ctx).identity().create_user(actor(), username, full_name, Role(role), scope_ref, password)
    console.print(f"Usuario «{view.username}» creado ({view.role.label}).")


@users.command("list")
@click.option("--role", type=ROLE_CHOICE, default=None)
@click.option("--inactive", is_flag=True, help="Solo inactivos.")
@click.pass_context
@cli_errors
def users_list(ctx: click.Context, role: str | None, inactive: bool) -> None:
    """Lista los usuarios."""
    rows = get_container(ctx).identity().list_users(Role(role) if role else None, False if inactive else None)
    table = Table("Usuario", "Nombre", "Rol", "Ámbito", "Activo", "Bloqueado")
    for u in rows:
        table.add_row(u.username, u.full_name, u.role.value, u.scope_ref or "—",
                      "sí" if u.active else "no", "sí" if u.locked else "no")
    console.print(table)


@users.command("disable")
@click.argument("username")
@click.option("--reason", default=None)
@click.pass_context
@cli_errors
def users_disable(ctx: click.Context, username: str, reason: str | None) -> None:
    """Desactiva un usuario (sus sesiones dejan de valer)."""
    get_container(ctx).identity().set_active(actor(), username, False, reason)
    console.print(f"Usuario «{username}» desactivado.")


@users.command("enable")
@click.argument("username")
@click.pass_context
@cli_errors
def users_enable(ctx: click.Context, username: str) -> None:
    """Reactiva un usuario."""
    get_container(ctx).identity().set_active(actor(), username, True)
    console.print(f"Usuario «{username}» activado.")


@users.command("reset-password")
@click.argument("username")
@click.option("--password", prompt="Nueva contraseña", hide_input=True, confirmation_prompt=True)
@click.pass_context
@cli_errors
def users_reset_password(ctx: click.Context, username: str, password: str) -> None:
    """Restablece la contraseña, desbloquea la cuenta y cierra sus sesiones."""
    get_container(ctx).identity().reset_password(actor(), username, password)
    console.print(f"Contraseña de «{username}» restablecida.")


@users.command("unlock")
@click.argument("username")
@click.pass_context
@cli_errors
def users_unlock(ctx: click.Context, username: str) -> None:
    """Desbloquea una cuenta bloqueada por intentos fallidos (queda en la bitácora)."""
    view = get_container(ctx).identity().unlock(actor(), username)
    console.print(f"Usuario «{view.username}» desbloqueado.")


@users.command("grant")
@click.argument("username")
@click.option("--role", type=ROLE_CHOICE, required=True)
@click.option("--scope", "scope_ref", default=None)
@click.pass_context
@cli_errors
def users_grant(ctx: click.Context, username: str, role: str, scope_ref: str | None) -> None:
    """Asigna rol y ámbito (cierra las sesiones abiertas del usuario)."""
    view = get_container(ctx).identity().grant(actor(), username, Role(role), scope_ref)
    console.print(f"«{view.username}»: {view.role.label} ({view.scope_ref or 'global'}).")


# --- demo ----------------------------------------------------------------------------------
@cli.group()
def demo() -> None:
    """Datos de demostración."""


@demo.command("load")
@click.option("--scale", type=click.Choice(SCALES), default="small", show_default=True)
@click.option("--if-empty", is_flag=True, help="Solo si la base de datos no tiene usuarios.")
@click.pass_context
@cli_errors
def demo_load(ctx: click.Context, scale: str, if_empty: bool) -> None:
    """Carga los datos de demostración de cada contexto y sus usuarios."""
    from entrypoints.demo_runner import load_demo

    container = get_container(ctx)
    if if_empty and container.identity().list_users():
        console.print("La base de datos ya tiene datos: no se carga la demostración.")
        return
    down = container.storage().unreachable()
    if down:  # before writing anything: a half-loaded demo would need a fresh database
        raise CliError(f"no responde el almacenamiento {', '.join(down)} (¿existe el bucket? "
                       "Créelo con `sanece-admin storage check --create`); no se cargó nada.")
    with rich_progress() as progress:
        tasks: dict[str, Any] = {}

        def report(label: str, done: int, total: int) -> None:
            if label not in tasks:
                tasks[label] = progress.add_task(label, total=total)
            progress.update(tasks[label], completed=done, total=total)

        created = load_demo(container, scale, report)
    console.print(f"Demostración cargada ({scale}); {created} usuarios creados.")


@demo.command("users")
@click.pass_context
@cli_errors
def demo_users(ctx: click.Context) -> None:
    """Muestra los usuarios de demostración existentes y sus contraseñas."""
    from entrypoints.demo_runner import demo_user_specs

    container = get_container(ctx)
    existing = {u.username for u in container.identity().list_users(active=True)}
    table = Table("Usuario", "Contraseña", "Rol", "Ámbito", "Para", title="Usuarios de demostración")
    shown = 0
    for spec in demo_user_specs(container, "small"):
        if spec.username in existing:
            table.add_row(spec.username, spec.password, spec.role.label, spec.scope_ref or "—", spec.note)
            shown += 1
    if shown:
        console.print(table)
    else:
        console.print("No hay usuarios de demostración (sanece-admin demo load).")


# --- audit ---------------------------------------------------------------------------------
@cli.group()
def audit() -> None:
    """Bitácora de auditoría."""


@audit.command("list")
@click.option("--user", "actor_", default=None, help="Quién hizo el cambio.")
@click.option("--action", default=None, help="Prefijo de acción, p. ej. identity.")
@click.option("--target-type", default=None)
@click.option("--target-id", default=None)
@click.option("--days", type=click.IntRange(min=0), default=None, help="Solo los últimos N días.")
@click.option("--limit", type=click.IntRange(min=1, max=10000), default=100, show_default=True)
@click.pass_context
@cli_errors
def audit_list(ctx: click.Context, actor_: str | None, action: str | None, target_type: str | None,
               target_id: str | None, days: int | None, limit: int) -> None:
    """Lista entradas de la bitácora (más recientes primero)."""
    container = get_container(ctx)
    since = container.clock().now() - timedelta(days=days) if days is not None else None
    from shared.audit.domain import AuditFilter

    rows = container.audit_query().list(AuditFilter(actor_, action, target_type, target_id, since, None, limit))
    table = Table("Id", "Fecha (UTC)", "Usuario", "Acción", "Objeto", "Antes → Después", "Motivo")
    for r in rows:
        e = r.entry
        change = f"{dict(e.before) if e.before else ''} → {dict(e.after) if e.after else ''}" \
            if (e.before or e.after) else ""
        table.add_row(str(r.id), e.at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S"), e.actor,
                      e.action, f"{e.target_type} {e.target_id}", change, e.reason or "")
    console.print(table)


@audit.command("verify")
@click.pass_context
@cli_errors
def audit_verify(ctx: click.Context) -> None:
    """Comprueba la cadena de hashes de la bitácora (detecta entradas alteradas o borradas)."""
    from shared.audit.chain import verify_chain

    report = verify_chain(get_container(ctx).audit_query().chain())
    if not report.intact:
        raise CliError(f"la bitácora fue alterada: {report.problem}; {report.checked - 1} "
                       "entradas anteriores están íntegras.")
    # The head hash, kept outside the database, also reveals a rewrite of the whole tail.
    console.print(f"Bitácora íntegra: {report.checked} entradas; hash final {report.head}.")


# --- serve ---------------------------------------------------------------------------------
@cli.command("serve")
@click.option("--host", default=None)
@click.option("--port", type=int, default=None)
@click.option("--workers", type=int, default=None)
@click.option("--no-jobs", is_flag=True, help="No ejecutar trabajos aquí (otro `sanece-admin worker` lo hace).")
@click.pass_context
@cli_errors
def serve(ctx: click.Context, host: str | None, port: int | None, workers: int | None,
          no_jobs: bool) -> None:
    """Inicia el servidor web (y el worker de trabajos)."""
    import uvicorn

    settings = get_container(ctx).settings()
    child = None if no_jobs else _jobs_cli.start_embedded_worker(ctx)
    try:
        uvicorn.run("entrypoints.http.app:app_from_env", factory=True, host=host or settings.host,
                    port=port or settings.port, workers=workers or settings.workers,
                    log_config=None, access_log=False, proxy_headers=False)
    finally:
        _jobs_cli.stop_embedded_worker(child)


# Platform commands in a module of their own, which uses this one's helpers: looked up by
# name, as the contexts' groups are (it imports only click and rich: --help stays fast).
_jobs_cli = importlib.import_module("entrypoints.cli.jobs")
cli.add_command(_jobs_cli.jobs)
cli.add_command(_jobs_cli.worker)
cli.add_command(importlib.import_module("entrypoints.cli.notifications").notifications)


def main() -> None:  # pragma: no cover
    cli(obj={})


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
