"""The transaction mechanics of the contexts' in-memory unit-of-work fakes
(``tests/unit/<context>/application/fakes.py``), so each fake only writes its repositories.

An ``InMemoryStore`` is the "database": ``state`` is what was committed (an attrs class of
plain containers with an ``audit`` list). ``store.uow()`` opens an ``InMemoryUnitOfWork`` on a
deep copy of it; ``commit`` makes the copy the committed state, and leaving without a commit
drops it, so a refused use case leaves the store as it was (as a rolled-back transaction
does).
"""

from __future__ import annotations

import copy
from typing import Any, ClassVar


class InMemoryUnitOfWork:
    """One transaction on a copy of the store's state; a subclass's ``_bind`` builds its
    repositories on the copy it is given."""

    def __init__(self, store: "InMemoryStore") -> None:
        self.store = store
        self._bind(copy.deepcopy(store.state))

    def _bind(self, state: Any) -> None:
        self.state = state

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.rollback()

    def commit(self) -> None:
        self.store.state = self.state
        self.store.commits += 1
        self._bind(copy.deepcopy(self.state))  # what follows needs a commit of its own

    def rollback(self) -> None:
        self._bind(copy.deepcopy(self.store.state))


class InMemoryAudit:
    """The audit log of a fake: entries go to its state's ``audit`` list (same transaction)."""

    def __init__(self, state: Any) -> None:
        self.s = state

    def record(self, entry: Any) -> None:
        self.s.audit.append(entry)


class InMemoryStore:
    """What was committed (a fresh ``state_class()`` unless given); ``uow_class`` opens
    transactions on it. Each context sets both."""

    uow_class: ClassVar[type[InMemoryUnitOfWork]]
    state_class: ClassVar[type]

    def __init__(self, state: Any = None) -> None:
        self.state = state if state is not None else self.state_class()
        self.commits = 0

    def uow(self) -> Any:
        return self.uow_class(self)

    @property
    def audit(self) -> list[Any]:
        return self.state.audit

    def actions(self) -> list[str]:
        return [e.action for e in self.state.audit]

    def snapshot(self) -> Any:
        """A copy to compare with later: a refusal must leave the store equal to it."""
        return copy.deepcopy(self.state)
