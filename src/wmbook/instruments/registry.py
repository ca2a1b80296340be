"""Which instruments a book can place, found without importing them (and so Bokeh).

Three sources, later ones winning on a name clash: wmbook's own instruments, the
``wmbook.instruments`` entry-point group (a package that offers instruments declares
``name = "package.module:INSTRUMENT"``), and the book's ``instruments:`` setting
(``name: "module:attribute"``).  Each names an ``Instrument`` object; it is imported
the first time a page places it.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
from collections.abc import Mapping
from pathlib import Path

from wmbook.instruments.base import Instrument
from wmbook.registered import registered

ENTRY_POINT_GROUP = "wmbook.instruments"
BUILT_IN = {
    "latent_rollout": "wmbook.instruments.latent_rollout:INSTRUMENT",
    "pixel_vs_embedding": "wmbook.instruments.pixel_vs_embedding:INSTRUMENT",
    "imagined_planner": "wmbook.instruments.imagined_planner:INSTRUMENT",
}


class InstrumentError(Exception):
    """An instrument that is registered but cannot be loaded; the message says which."""


def _entry_point_targets() -> dict[str, str]:
    return {ep.name: ep.value for ep in registered(ENTRY_POINT_GROUP)}


class InstrumentRegistry:
    """Instrument names and the ``module:attribute`` each is loaded from."""

    def __init__(self, configured: Mapping[str, str] | None = None) -> None:
        self.targets = {**BUILT_IN, **_entry_point_targets(), **dict(configured or {})}
        self._loaded: dict[str, Instrument] = {}

    def names(self) -> tuple[str, ...]:
        """Every name a page may use, sorted."""
        return tuple(sorted(self.targets))

    def get(self, name: str) -> Instrument:
        """The instrument registered as ``name`` (imported on first use)."""
        if name not in self._loaded:
            target = self.targets[name]
            module_name, _, attribute = target.partition(":")
            try:
                value = getattr(importlib.import_module(module_name), attribute or "INSTRUMENT")
            except (ImportError, AttributeError) as exc:
                raise InstrumentError(f"instrument {name!r} ({target}) cannot be loaded: {exc}") from exc
            if not isinstance(value, Instrument):
                raise InstrumentError(f"instrument {name!r}: {target} is not a wmbook Instrument")
            self._loaded[name] = value
        return self._loaded[name]

    def source_digest(self, name: str) -> str:
        """Hash of the file that defines the instrument, found without importing it (for
        the rendering cache; wmbook's own instruments are also covered by its code hash)."""
        module_name = self.targets[name].partition(":")[0]
        try:
            spec = importlib.util.find_spec(module_name)
            data = Path(spec.origin).read_bytes() if spec and spec.origin else module_name.encode()
        except (ImportError, OSError, ValueError):
            data = module_name.encode()
        return hashlib.sha256(data).hexdigest()
