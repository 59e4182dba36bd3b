"""Parts of hot pages rendered once and served again while their inputs are the same.

A page's rows are most of its rendering (every cell a look-up and an escape); when they come
from the read side's process cache they are the same immutable objects on every request until
something is written. ``Fragments.render`` keeps the HTML of a template per inputs:

- ``held``: immutable values (tuples of frozen rows) compared by identity; the cache holds
  them, so an identity is never reused while kept, and a write makes new ones;
- ``key``: every other input, hashable, compared by value (flags of the caller's scope,
  codes, labels).

The template must read nothing else (no request, no clock, no session): the caller passes
``context()`` built from ``held`` and ``key`` only.
"""

from __future__ import annotations

from typing import Any, Callable

from litestar import Request
from markupsafe import Markup

KEPT = 256  # fragments per template and process (each a few tens of KB at most)


class Fragments:
    def __init__(self, template: str, kept: int = KEPT) -> None:
        self.template = template
        self._kept = kept
        # (ids of held, key) -> (held, html); shared by the handlers' threads (a race only
        # renders twice)
        self._html: dict[tuple[Any, ...], tuple[tuple[Any, ...], Markup]] = {}

    def render(self, request: Request[Any, Any, Any], held: tuple[Any, ...],
               key: tuple[Any, ...], context: Callable[[], dict[str, Any]]) -> Markup:
        full = (tuple(map(id, held)), key)
        found = self._html.get(full)
        if found is not None and all(a is b for a, b in zip(found[0], held)):
            return found[1]
        env = request.app.template_engine.engine  # type: ignore[union-attr]
        html = Markup(env.get_template(self.template).render(**context()))
        if len(self._html) >= self._kept:
            self._html.clear()  # bounded memory; refilled by the next requests
        self._html[full] = (held, html)
        return html
