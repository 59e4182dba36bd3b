from __future__ import annotations

from typing import Callable, Mapping

from shared.storage.domain import FileStorage


class ConfiguredStorageSelector:
    """Per-institution storage: ``{"IMSS": "s3"}`` plus a default backend name."""

    def __init__(self, backends: Mapping[str, Callable[[], FileStorage]], default: str,
                 by_institution: Mapping[str, str]) -> None:
        unknown = {default, *by_institution.values()} - set(backends)
        if unknown:
            raise ValueError(f"unknown storage backend(s): {', '.join(sorted(unknown))}")
        self._factories = backends
        self._default = default
        self._by_institution = {k.upper(): v for k, v in by_institution.items()}
        self._built: dict[str, FileStorage] = {}

    def _get(self, name: str) -> FileStorage:
        if name not in self._built:
            self._built[name] = self._factories[name]()
        return self._built[name]

    def for_institution(self, institution: str | None) -> FileStorage:
        name = self._by_institution.get((institution or "").upper(), self._default)
        return self._get(name)
