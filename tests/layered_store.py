"""A build's store over a shared cache in a folder, as the store tests make it."""

from __future__ import annotations

from pathlib import Path

from wmbook.shared_store import SharedStore
from wmbook.store import Store


def layered_store(tmp_path: Path, name: str, signing: str = "", public: str = "") -> Store:
    """A local store ``tmp_path/name`` over the shared cache ``tmp_path/shared``, signing
    what it writes with ``signing`` and taking only entries ``public`` verifies (each when given)."""
    from wmbook.signing import private_key, public_key

    shared = SharedStore(
        str(tmp_path / "shared"),
        private_key(signing) if signing else None,
        public_key(public) if public else None,
    )
    return Store(tmp_path / name, shared)
