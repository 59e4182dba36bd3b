from __future__ import annotations

from typing import Callable, Mapping

from shared.kernel.errors import ValidationError
from shared.storage.domain import FileStorage


class ConfiguredStorageSelector:
    """The storage backends this installation has (``local``; ``s3`` when a bucket is set) and
    which one each institution writes to.

    An institution writes to the backend of its settings (kept by the admin on the Instituciones
    page), unless the operator pins it in ``STORAGE_BY_INSTITUTION``; without either, the
    default. A stored file is read back from the backend it was written to (``backend``), so
    changing an institution's backend never strands its earlier files."""

    def __init__(self, backends: Mapping[str, Callable[[], FileStorage]], default: str,
                 by_institution: Mapping[str, str]) -> None:
        unknown = {default, *by_institution.values()} - set(backends)
        if unknown:
            raise ValueError(f"unknown storage backend(s): {', '.join(sorted(unknown))}")
        self._factories = backends
        self._default = default
        self._by_institution = {k.upper(): v for k, v in by_institution.items()}
        self._built: dict[str, FileStorage] = {}

    @property
    def backends(self) -> frozenset[str]:
        return frozenset(self._factories)

    def backend(self, name: str | None) -> FileStorage:
        """The backend called ``name`` (a stored file's); the default for files stored before
        backends were recorded (``None``)."""
        name = name or self._default
        if name not in self._factories:
            raise ValidationError(
                f"El almacenamiento «{name}» no está configurado en esta instalación "
                f"(disponibles: {', '.join(sorted(self._factories))}).")
        if name not in self._built:
            self._built[name] = self._factories[name]()
        return self._built[name]

    def create_missing(self) -> list[str]:
        """Create what a backend lacks and can create (the S3 bucket); the ones it created."""
        created = []
        for name in sorted(self._factories):
            backend = self.backend(name)
            create = getattr(backend, "create", None)
            if create is not None and not backend.reachable():
                create()
                created.append(name)
        return created

    def unreachable(self) -> list[str]:
        """The backends of this installation that cannot be used now (the health check)."""
        out = []
        for name in sorted(self._factories):
            try:
                ok = self.backend(name).reachable()
            except Exception:  # noqa: BLE001 - a backend that cannot even be built is down
                ok = False
            if not ok:
                out.append(name)
        return out

    def for_institution(self, institution: str | None, preferred: str | None = None) -> FileStorage:
        """Where ``institution`` writes new files; ``preferred`` is its own setting."""
        pinned = self._by_institution.get((institution or "").upper())
        return self.backend(pinned or preferred or self._default)
