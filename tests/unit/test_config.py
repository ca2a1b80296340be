"""Settings from the plugin's options in mkdocs.yml and the environment: bad values name
what to fix, and settings left under ``extra:`` are refused with where they go now."""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import pytest

from wmbook.config import WmbookConfig, reject_old_settings
from wmbook.errors import BookError
from wmbook.execute.executor import CacheMode
from wmbook.execute.sandbox import default_memory_bytes
from wmbook.parse.marked import ExecuteMode
from wmbook.settings import ENVIRONMENT as OVERRIDES
from wmbook.settings import (
    ENVIRONMENT_ONLY,
    CacheKey,
    OnError,
    Settings,
    resolve_settings,
    setting_options,
)

ENVIRONMENT = (
    "WMBOOK_WORKERS",
    "WMBOOK_CACHE",
    "WMBOOK_ACCEPT",
    "WMBOOK_VERBOSE",
    "WMBOOK_CACHE_URL",
    "WMBOOK_SCHEDULER",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)


def options(**values: Any) -> WmbookConfig:
    """The plugin's options as MkDocs hands them over, validated."""
    cfg = WmbookConfig()
    cfg.load_dict(values)
    failed, _ = cfg.validate()
    assert failed == []
    return cfg


def settings(tmp_path: Path, **values: Any) -> Settings:
    return resolve_settings(options(**values), str(tmp_path), str(tmp_path / "docs"))


def test_defaults(tmp_path: Path) -> None:
    got = settings(tmp_path)
    assert got == Settings(
        timeout=60.0,
        workers=os.cpu_count() or 1,
        accept=False,
        verbose=False,
        cache_mode=CacheMode.AUTO,
        cache_dir=str(tmp_path / ".cache/wmbook"),
        cache_max_age_days=30.0,
        cache_max_bytes=500 * 1024 * 1024,
        cache_key=CacheKey.IMPORTS,
        bibliography=str(tmp_path / "docs" / "references.bib"),
        bibliography_explicit=False,
        instruments={},
        progress_after=3.0,
        run_in_browser=False,
        packages_url="https://cdn.jsdelivr.net/pyodide/v314.0.8/full/",
        sandbox=True,
        memory_bytes=default_memory_bytes(),
        file_bytes=64 * 1024 * 1024,
        max_processes=512,
        display_bytes=5 * 1024 * 1024,
        network=False,
        sandbox_read=(),
        env=(),
        cache_url="",
        cache_public_key="",
        executor="local",
        scheduler="",
        execute=ExecuteMode.ALL,
        exclude=(),
        on_error=OnError.FAIL,
        math=True,
        ipython=False,
    )


def test_every_option_reaches_the_settings() -> None:
    """No option is declared in mkdocs.yml's schema without the engine reading it, and every
    setting names an option (or a variable of the environment)."""
    read = set(setting_options().values())
    declared = {name for name, _ in WmbookConfig._schema}
    assert declared - read == set()
    assert read - declared == set(ENVIRONMENT_ONLY)
    overridden = {option for options, _ in OVERRIDES.values() for option in options}
    assert overridden <= declared | set(ENVIRONMENT_ONLY)


def test_settings_are_frozen(tmp_path: Path) -> None:
    got = settings(tmp_path)
    with pytest.raises(AttributeError):
        got.timeout = 1.0  # type: ignore[misc]


def test_options_are_taken(tmp_path: Path) -> None:
    (tmp_path / "refs.bib").write_text("", encoding="utf-8")
    got = settings(
        tmp_path,
        timeout=5,
        workers=2,
        verbose=True,
        cache="force",
        cache_dir="build/cache",
        cache_max_age_days=1.5,
        cache_max_mb=0.5,
        cache_key="environment",
        bibliography="refs.bib",
        instruments={"my": "pkg.mod:OBJ"},
        progress_after=0,
    )
    assert (got.timeout, got.workers, got.verbose, got.cache_mode) == (5.0, 2, True, CacheMode.FORCE)
    assert (got.cache_dir, got.cache_max_age_days, got.cache_max_bytes) == (
        str(tmp_path / "build/cache"),
        1.5,
        512 * 1024,
    )
    assert (got.cache_key, got.instruments, got.progress_after) == ("environment", {"my": "pkg.mod:OBJ"}, 0.0)
    assert (got.bibliography, got.bibliography_explicit) == (str(tmp_path / "refs.bib"), True)


def test_sandbox_options_are_taken(tmp_path: Path) -> None:
    got = settings(tmp_path, network=True, max_processes=64, sandbox_read=["data", "/srv/x"], env=["API_URL"])
    assert (got.network, got.max_processes, got.env) == (True, 64, ("API_URL",))
    assert got.sandbox_read == (str(tmp_path / "data"), "/srv/x")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"timeout": 0}, "mkdocs.yml: plugins.wmbook.timeout must be a positive number of seconds"),
        ({"timeout": -1.5}, "plugins.wmbook.timeout must be a positive number"),
        (
            {"progress_after": -1},
            "mkdocs.yml: plugins.wmbook.progress_after must be a number of seconds >= 0",
        ),
        (
            {"instruments": {"my": "no_colon"}},
            "plugins.wmbook.instruments: write each as  name: 'package.module:ATTRIBUTE'",
        ),
        ({"instruments": {"my": 3}}, "plugins.wmbook.instruments"),
        ({"max_processes": -1}, "mkdocs.yml: plugins.wmbook.max_processes must be >= 0"),
        (
            {"bibliography": "missing.bib"},
            "mkdocs.yml: plugins.wmbook.bibliography: .*missing.bib does not exist",
        ),
    ],
)
def test_bad_option_values(tmp_path: Path, values: dict[str, Any], message: str) -> None:
    with pytest.raises(BookError, match=message):
        settings(tmp_path, **values)


@pytest.mark.parametrize(
    ("values", "key", "fragment"),
    [
        ({"cache": "always"}, "cache", "Expected one of: ('auto', 'force', 'cache-only')"),
        ({"cache_key": "everything"}, "cache_key", "Expected one of: ('imports', 'environment')"),
        ({"timeout": "fast"}, "timeout", "Expected type"),
        ({"workers": 1.5}, "workers", "Expected type"),
        ({"instruments": ["a"]}, "instruments", "Expected type"),
    ],
)
def test_mkdocs_validates_the_option_types(values: dict[str, Any], key: str, fragment: str) -> None:
    cfg = WmbookConfig()
    cfg.load_dict(values)
    failed, _ = cfg.validate()
    assert [name for name, _ in failed] == [key]
    assert fragment in str(failed[0][1])


def test_an_unknown_option_is_a_warning() -> None:
    cfg = WmbookConfig()
    cfg.load_dict({"colour": "blue"})
    failed, warnings = cfg.validate()
    assert failed == []
    assert warnings == [("colour", "Unrecognised configuration name: colour")]


@pytest.mark.parametrize(
    ("env", "value", "message"),
    [
        ("WMBOOK_WORKERS", "two", "WMBOOK_WORKERS='two' must be a whole number"),
        ("WMBOOK_WORKERS", "-1", "WMBOOK_WORKERS='-1' must be a whole number"),
        ("WMBOOK_CACHE", "sometimes", "WMBOOK_CACHE='sometimes' must be one of auto, force, cache-only"),
    ],
)
def test_bad_environment_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, env: str, value: str, message: str
) -> None:
    monkeypatch.setenv(env, value)
    with pytest.raises(BookError, match=message):
        settings(tmp_path)


def test_environment_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WMBOOK_WORKERS", "3")
    monkeypatch.setenv("WMBOOK_CACHE", "cache-only")
    monkeypatch.setenv("WMBOOK_ACCEPT", "1")
    monkeypatch.setenv("WMBOOK_VERBOSE", "yes")
    got = settings(tmp_path, workers=1, timeout=5, cache="force")
    assert (got.workers, got.cache_mode, got.accept, got.verbose, got.timeout) == (
        3,
        CacheMode.CACHE_ONLY,
        True,
        True,
        5.0,
    )
    assert got.cache_dir == str(tmp_path / ".cache/wmbook")


@pytest.mark.parametrize(
    ("value", "accept"),
    [("1", True), ("true", True), (" YES ", True), ("on", True), ("0", False), ("", False), ("no", False)],
)
def test_accept_flag(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str, accept: bool) -> None:
    monkeypatch.setenv("WMBOOK_ACCEPT", value)
    assert settings(tmp_path).accept is accept


@pytest.mark.parametrize("workers", ["0", ""])
def test_zero_workers_means_one_per_core(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: str
) -> None:
    monkeypatch.setenv("WMBOOK_WORKERS", workers)
    assert settings(tmp_path, workers=0).workers == (os.cpu_count() or 1)


@pytest.mark.parametrize(
    "extra",
    [{"wmbook": {"timeout": 5}}, {"wmbook": "fast", "other": 1}, {"wmbook": None}],
)
def test_settings_under_extra_are_refused(extra: dict[str, Any]) -> None:
    with pytest.raises(BookError) as caught:
        reject_old_settings(extra)
    message = str(caught.value)
    assert message.startswith(
        "mkdocs.yml: extra.wmbook is no longer read; move its settings under the plugin:"
    )
    assert "plugins:\n  - wmbook:\n      timeout: 60" in message


@pytest.mark.parametrize("extra", [{}, {"analytics": {"id": 1}}, None, "text", ["wmbook"]])
def test_other_extra_settings_are_fine(extra: object) -> None:
    before = copy.deepcopy(extra)
    assert reject_old_settings(extra) is None  # no error
    assert extra == before  # left as they are, for the theme and the plugins that read them


# -- the shared cache and the Dask executor --


@pytest.mark.parametrize(
    ("given", "env", "expected"),
    [
        (None, "", ""),
        ("s3://bucket/book", "", "s3://bucket/book"),
        (None, "gs://bucket/ci", "gs://bucket/ci"),
        ("s3://bucket/book", "https://example.org/cache", "https://example.org/cache"),
        ("shared/cache", "", "{root}/shared/cache"),  # a folder, relative to mkdocs.yml
        ("/srv/cache", "", "/srv/cache"),
    ],
)
def test_cache_url_from_the_setting_or_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, given: str | None, env: str, expected: str
) -> None:
    if env:
        monkeypatch.setenv("WMBOOK_CACHE_URL", env)
    values = {} if given is None else {"cache_url": given}
    assert settings(tmp_path, **values).cache_url == expected.format(root=tmp_path)


@pytest.mark.parametrize(
    ("values", "env", "expected"),
    [
        ({}, "", ""),
        ({"scheduler": "tcp://cluster:8786"}, "", ""),  # an address alone runs nothing remotely
        ({"executor": "dask", "scheduler": "tcp://cluster:8786"}, "", "tcp://cluster:8786"),
        ({}, "tcp://ci:8786", "tcp://ci:8786"),  # the environment alone selects the cluster
        ({"executor": "local"}, "tcp://ci:8786", "tcp://ci:8786"),
    ],
)
def test_scheduler_from_the_settings_or_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, values: dict[str, str], env: str, expected: str
) -> None:
    if env:
        monkeypatch.setenv("WMBOOK_SCHEDULER", env)
    assert settings(tmp_path, **values).scheduler == expected


def test_dask_without_a_scheduler_says_what_to_set(tmp_path: Path) -> None:
    with pytest.raises(BookError, match=r"executor is dask, so set scheduler: tcp://HOST:8786"):
        settings(tmp_path, executor="dask")


def test_an_unknown_executor_is_refused_with_the_installed_names() -> None:
    cfg = WmbookConfig()
    cfg.load_dict({"executor": "ray"})
    failed, _ = cfg.validate()
    assert [name for name, _ in failed] == ["executor"]
    assert str(failed[0][1]) == (
        "'ray' is not an installed executor; installed: dask, local "
        "(a package adds one under the wmbook.executors entry point)"
    )


@pytest.mark.parametrize(
    ("values", "env", "expected"),
    [
        ({}, "", "local"),
        ({"executor": "dask", "scheduler": "tcp://cluster:8786"}, "", "dask"),
        ({}, "tcp://ci:8786", "dask"),  # the executor that takes tcp:// addresses
        ({}, "ci:8786", "dask"),  # Dask reads an address without a scheme as tcp://
    ],
)
def test_the_executor_from_the_settings_or_the_environment_s_address(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, values: dict[str, str], env: str, expected: str
) -> None:
    if env:
        monkeypatch.setenv("WMBOOK_SCHEDULER", env)
    assert settings(tmp_path, **values).executor == expected


def test_an_address_no_executor_takes_says_which_are_installed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WMBOOK_SCHEDULER", "ray://head:10001")
    with pytest.raises(BookError) as caught:
        settings(tmp_path)
    assert str(caught.value) == (
        "WMBOOK_SCHEDULER='ray://head:10001': no installed executor takes ray:// addresses; "
        "name one in mkdocs.yml: plugins.wmbook.executor (installed: dask, local)"
    )
