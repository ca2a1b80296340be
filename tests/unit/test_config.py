"""Settings from mkdocs.yml and the environment: bad values name what to fix."""

from __future__ import annotations

import pytest
from mkdocs.exceptions import PluginError

from wmbook.config import load_settings


@pytest.mark.parametrize(
    ("env", "value", "message"),
    [
        ("WMBOOK_WORKERS", "two", "WMBOOK_WORKERS='two' must be a whole number"),
        ("WMBOOK_CACHE", "sometimes", "WMBOOK_CACHE='sometimes' must be one of auto, force, cache-only"),
    ],
)
def test_bad_environment_values(monkeypatch: pytest.MonkeyPatch, env: str, value: str, message: str) -> None:
    monkeypatch.setenv(env, value)
    with pytest.raises(PluginError, match=message):
        load_settings({}, "mkdocs.yml", "/book")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"wmbook": {"timeout": 0}}, "mkdocs.yml: extra.wmbook.timeout must be a positive number"),
        ({"wmbook": {"cache": "always"}}, "mkdocs.yml: extra.wmbook.cache"),
        ({"wmbook": {"colour": "blue"}}, "mkdocs.yml: extra.wmbook.colour"),
        ({"wmbook": "fast"}, "mkdocs.yml: extra.wmbook must be a mapping"),
    ],
)
def test_bad_mkdocs_yml_values(
    monkeypatch: pytest.MonkeyPatch, extra: dict[str, object], message: str
) -> None:
    for name in ("WMBOOK_WORKERS", "WMBOOK_CACHE"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(PluginError, match=message):
        load_settings(extra, "mkdocs.yml", "/book")


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WMBOOK_WORKERS", "3")
    monkeypatch.setenv("WMBOOK_CACHE", "force")
    monkeypatch.setenv("WMBOOK_ACCEPT", "1")
    settings = load_settings({"wmbook": {"workers": 1, "timeout": 5}}, "mkdocs.yml", "/book")
    assert (settings.workers, settings.cache_mode, settings.accept, settings.timeout) == (
        3,
        "force",
        True,
        5.0,
    )
    assert settings.cache_dir == "/book/.cache/wmbook"
