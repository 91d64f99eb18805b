"""The import kinds an app offers, each registered once when the app is set up (``create_app``):
the built-in ones by :func:`partnercrm.imports.services.register`, those kept in other packages
(agreements) by a function of that package. Nothing is registered at import time, and each app
has its own registry (``app.extensions``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import Flask, current_app

if TYPE_CHECKING:
    from partnercrm.imports.columns import Kind
    from partnercrm.imports.importer import Importer

_EXTENSION = "partnercrm.import_kinds"


@dataclass(frozen=True)
class ImportKind:
    """One kind of file: its columns (``spec``), the importer that checks and writes its rows,
    its label on the Import page, and whether school staff may import it (admins and
    coordinators import every kind)."""

    spec: Kind
    importer: type[Importer]
    label: str
    schools_may_import: bool = True

    @property
    def name(self) -> str:
        return self.spec.name


class ImportEngine:
    """The registered kinds, in the order they were registered (the Import page's order)."""

    def __init__(self) -> None:
        self._kinds: dict[str, ImportKind] = {}

    def register_kind(
        self,
        importer: type[Importer],
        spec: Kind,
        label: str,
        *,
        schools_may_import: bool = True,
    ) -> ImportKind:
        if spec.name in self._kinds:
            raise ValueError(f"the import kind {spec.name!r} is registered twice")
        kind = ImportKind(spec, importer, label, schools_may_import)
        self._kinds[spec.name] = kind
        return kind

    def kind(self, name: str) -> ImportKind:
        """The kind called ``name``; KeyError if there is none."""
        return self._kinds[name]

    def __contains__(self, name: object) -> bool:
        return name in self._kinds

    def __iter__(self) -> Iterator[ImportKind]:
        return iter(list(self._kinds.values()))

    def names(self) -> list[str]:
        return list(self._kinds)


def create_engine(app: Flask) -> ImportEngine:
    """Give ``app`` its (empty) import engine."""
    engine = app.extensions[_EXTENSION] = ImportEngine()
    return engine


def import_engine(app: Flask | None = None) -> ImportEngine:
    """The import engine of ``app`` (default: the current app)."""
    return (app or current_app).extensions[_EXTENSION]
