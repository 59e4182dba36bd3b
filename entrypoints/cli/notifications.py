"""``sanece-admin notifications list|project|email``: a user's inbox as the operator sees it,
a projection run on demand (the pages run it too, when the audit trail moved), and each
user's e-mail address for the optional copies (``SMTP_URL``). Only click and rich are imported
here: the container comes on first use."""

from __future__ import annotations

from datetime import timezone
from typing import Any

import click
from rich.table import Table

from entrypoints.cli.deferred import cli_errors, get_container


def _console() -> Any:
    from entrypoints.cli.main import console

    return console


@click.group("notifications")
def notifications() -> None:
    """Avisos de los usuarios (bandeja, proyección, correo)."""


@notifications.command("list")
@click.option("--user", "username", required=True, help="Usuario cuya bandeja se muestra.")
@click.option("--unread", is_flag=True, help="Solo los no leídos.")
@click.pass_context
@cli_errors
def list_(ctx: click.Context, username: str, unread: bool) -> None:
    """Lista los avisos de un usuario (más recientes primero)."""
    console = _console()
    rows = get_container(ctx).operator_inbox()(username, unread_only=unread)
    if not rows:
        console.print("No hay avisos.")
        return
    table = Table("Id", "Fecha (UTC)", "Tipo", "Aviso", "Liga", "Leído")
    for n in rows:
        table.add_row(str(n.id), n.created_at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M"),
                      n.kind.label, n.title, n.link, "no" if n.unread else "sí")
    console.print(table)


@notifications.command("project")
@click.option("--sweep", is_flag=True,
              help="Revisar también folios por vencer y solicitudes fuera de plazo.")
@click.pass_context
@cli_errors
def project(ctx: click.Context, sweep: bool) -> None:
    """Genera los avisos pendientes de la bitácora (y de las fechas con --sweep)."""
    stored = get_container(ctx).project_notifications()(sweep=True if sweep else None)
    _console().print(f"Avisos nuevos: {stored}")


@notifications.command("email")
@click.argument("username")
@click.argument("address", required=False)
@click.option("--clear", is_flag=True, help="Quitar el correo del usuario.")
@click.pass_context
@cli_errors
def email(ctx: click.Context, username: str, address: str | None, clear: bool) -> None:
    """Registra (o quita con --clear) el correo al que se copian los avisos del usuario."""
    if not clear and not address:
        raise click.UsageError("Indique el correo o --clear.")
    saved = get_container(ctx).set_notification_email()(username, None if clear else address)
    _console().print(f"{username}: {saved or 'sin correo'}")
