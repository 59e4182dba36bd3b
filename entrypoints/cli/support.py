"""What the contexts' CLI modules share: the period option's type, the administrator the
commands act as, and naming an institution by code or name.

Kept apart from ``main.py`` (the platform's commands) and from each context's module, so a
context's commands never import another context's CLI module.
"""

from __future__ import annotations

import click

from entrypoints.cli.main import actor, get_container
from shared.kernel.scope import Actor, Role, Scope

YEAR = click.IntRange(2000, 2100)  # a capture period's year
ADMIN = Scope(Role.ADMIN)


def admin_actor() -> Actor:
    """The CLI acts as an administrator, audited as ``cli:<user>``."""
    return Actor.admin(actor())


def institution_code(ctx: click.Context, text: str) -> str:
    """An institution's code from its code or name (case, accents and punctuation ignored);
    the collection's register of institutions answers, with its Spanish error."""
    return get_container(ctx).excedentes.queries().resolve_institution(ADMIN, text).code
