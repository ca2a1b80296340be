"""Which builds start this machine's worker server while MkDocs reads the book: those sure
to run sessions here."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from wmbook.backends import sure_to_run_sessions
from wmbook.config import Settings
from wmbook.store import Store

KEY = "ab" + "0" * 62


def _settings(cache_dir: Path) -> Settings:
    return Settings(
        timeout=30.0,
        workers=2,
        accept=False,
        verbose=False,
        cache_mode="auto",
        cache_dir=str(cache_dir),
        cache_max_age_days=30.0,
        cache_max_bytes=1 << 30,
        cache_key="imports",
        bibliography="",
        bibliography_explicit=False,
        instruments={},
        progress_after=10.0,
        run_in_browser=False,
        packages_url="",
    )


@pytest.mark.parametrize(
    ("stored", "changes", "expected"),
    [
        ((), {}, True),  # a cold build: nothing stored, nothing shared
        (("math",), {}, True),  # other entries do not answer for sessions
        (("sessions",), {}, False),  # a result may answer: start the server when one is missing
        ((), {"cache_url": "s3://bucket/book"}, False),  # a fresh clone may run nothing at all
        ((), {"cache_mode": "cache-only"}, False),  # never runs code
    ],
)
def test_a_build_sure_to_run_sessions_is_told(
    tmp_path: Path, stored: tuple[str, ...], changes: dict[str, str], expected: bool
) -> None:
    store = Store(tmp_path / "cache")
    for namespace in stored:
        store.write(namespace, KEY, b"{}")
    assert sure_to_run_sessions(replace(_settings(tmp_path / "cache"), **changes)) is expected
