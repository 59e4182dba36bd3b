from __future__ import annotations

from typing import Sequence

from shared.identity.application import ScopeDirectory
from shared.kernel.scope import Scope


class CompositeScopeDirectory:
    """Asks each context's directory in turn; the first that knows the scope answers."""

    def __init__(self, directories: Sequence[ScopeDirectory]) -> None:
        self._directories = list(directories)

    def describe(self, scope: Scope) -> str | None:
        for directory in self._directories:
            label = directory.describe(scope)
            if label is not None:
                return label
        return None
