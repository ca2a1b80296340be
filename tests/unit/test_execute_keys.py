"""What a session's cache entry is keyed on, and what makes an entry stale."""

from __future__ import annotations

import importlib.metadata
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
import pytest

from wmbook.execute import keys
from wmbook.execute.keys import (
    engine_fingerprint,
    environment_fingerprint,
    imports_unchanged,
    package_fingerprint,
    python_fingerprint,
    record_imports,
    session_key,
)
from wmbook.model import SessionSpec, Step, StepKey, StepKind

NUMPY = importlib.metadata.version("numpy")
YAML = importlib.metadata.version("PyYAML")

SPEC = SessionSpec(
    page="docs/p.md",
    name="main",
    steps=(
        Step(StepKey(StepKind.CODE, 0), "import numpy as np\nx = np.ones(3)", 4, 60.0),
        Step(StepKey(StepKind.CHECK, 0), "x.sum()", 9, 60.0, evaluate=True),
        Step(StepKey(StepKind.CODE, 1), "1 / 0", 12, 60.0, "ZeroDivisionError"),
    ),
    source_lines=("# Page", "", "```python"),
    files=(("data.csv", b"a,b\n1,2\n"),),
)


def _step(index: int, **changes: Any) -> SessionSpec:
    steps = list(SPEC.steps)
    steps[index] = msgspec.structs.replace(steps[index], **changes)
    return msgspec.structs.replace(SPEC, steps=tuple(steps))


def _shift(lines: int) -> SessionSpec:
    steps = tuple(msgspec.structs.replace(s, first_line=s.first_line + lines) for s in SPEC.steps)
    return msgspec.structs.replace(SPEC, steps=steps, source_lines=("New prose.", *SPEC.source_lines))


@pytest.mark.parametrize(
    "changed",
    [
        pytest.param(_step(0, source="import numpy as np\nx = np.ones(4)"), id="code"),
        pytest.param(_step(1, source="x.mean()"), id="check-expression"),
        pytest.param(_step(0, timeout=5.0), id="timeout"),
        pytest.param(_step(2, raises="ValueError"), id="raises"),
        pytest.param(_step(2, raises=None), id="raises-removed"),
        pytest.param(_step(1, key=StepKey(StepKind.CODE, 0)), id="step-kind"),
        pytest.param(_step(2, key=StepKey(StepKind.CODE, 2)), id="step-index"),
        pytest.param(msgspec.structs.replace(SPEC, steps=SPEC.steps[:2]), id="step-removed"),
        pytest.param(msgspec.structs.replace(SPEC, files=(("data.csv", b"a,b\n1,3\n"),)), id="file-content"),
        pytest.param(msgspec.structs.replace(SPEC, files=(("other.csv", b"a,b\n1,2\n"),)), id="file-name"),
        pytest.param(msgspec.structs.replace(SPEC, files=()), id="file-removed"),
        pytest.param(msgspec.structs.replace(SPEC, page="docs/q.md"), id="page"),
        pytest.param(msgspec.structs.replace(SPEC, name="other"), id="session-name"),
    ],
)
def test_the_key_changes_with_what_the_session_runs(changed: SessionSpec) -> None:
    assert session_key(changed) != session_key(SPEC)


@pytest.mark.parametrize(
    "same",
    [
        pytest.param(_shift(3), id="prose-added-above"),
        pytest.param(_shift(-2), id="prose-removed-above"),
        pytest.param(msgspec.structs.replace(SPEC, source_lines=("Other text",)), id="prose-edited"),
        pytest.param(msgspec.structs.replace(SPEC), id="equal-spec"),
    ],
)
def test_the_key_ignores_line_numbers_and_prose(same: SessionSpec) -> None:
    assert session_key(same) == session_key(SPEC)


@pytest.mark.parametrize(
    ("function", "value"),
    [("engine_fingerprint", "an edited wmbook"), ("python_fingerprint", "cpython|4.0|linux|x86_64")],
)
def test_the_key_changes_with_the_engine_and_the_interpreter(
    monkeypatch: pytest.MonkeyPatch, function: str, value: str
) -> None:
    before = session_key(SPEC)
    monkeypatch.setattr(keys, function, lambda: value)
    assert session_key(SPEC) != before


def test_the_whole_environment_is_in_the_key_only_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    narrow, wide = session_key(SPEC), session_key(SPEC, whole_environment=True)
    assert narrow != wide
    monkeypatch.setattr(keys, "environment_fingerprint", lambda: "numpy upgraded")
    assert session_key(SPEC) == narrow
    assert session_key(SPEC, whole_environment=True) != wide


def test_fingerprints() -> None:
    assert engine_fingerprint() == engine_fingerprint()
    assert len(engine_fingerprint()) == 64
    assert sys.version in python_fingerprint()
    assert sys.executable not in python_fingerprint()


def test_the_engine_fingerprint_follows_sources_not_compiled_files(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "sub" / "__pycache__").mkdir(parents=True)
    (package / "a.py").write_text("x = 1\n")
    (package / "sub" / "b.py").write_text("y = 2\n")
    (package / "sub" / "__pycache__" / "b.cpython-311.pyc").write_bytes(b"compiled")
    first = package_fingerprint(package, "1.0")
    assert package_fingerprint(package, "1.1") != first
    (package / "sub" / "__pycache__" / "b.cpython-311.pyc").write_bytes(b"compiled again")
    (package / "sub" / "__pycache__" / "new.txt").write_text("anything in a cache folder")
    assert package_fingerprint(package, "1.0") == first
    (package / "sub" / "b.py").write_text("y = 3\n")  # same size, maybe the same time
    edited = package_fingerprint(package, "1.0")
    assert edited != first
    (package / "sub" / "c.js").write_text("1")  # any new file counts, not only Python
    assert package_fingerprint(package, "1.0") != edited


def _site(root: Path, *dists: str) -> str:
    root.mkdir(parents=True)
    for dist in dists:
        (root / dist).mkdir()
    (root / "module.py").write_text("", encoding="utf-8")
    return str(root)


@pytest.mark.parametrize(
    ("other", "same"),
    [
        pytest.param(
            lambda p: [_site(p / "moved" / "site", "numpy-2.0.dist-info", "yaml-6.egg-info")],
            True,
            id="moved",
        ),
        pytest.param(
            lambda p: [_site(p / "b", "yaml-6.egg-info", "numpy-2.0.dist-info")], True, id="listed-apart"
        ),
        pytest.param(
            lambda p: [_site(p / "b", "numpy-2.1.dist-info", "yaml-6.egg-info")], False, id="upgraded"
        ),
        pytest.param(
            lambda p: [_site(p / "b", "numpy-2.0.dist-info", "yaml-6.egg-info", "rich-13.dist-info")],
            False,
            id="installed",
        ),
        pytest.param(lambda p: [_site(p / "b", "numpy-2.0.dist-info")], False, id="removed"),
    ],
)
def test_environment_fingerprint_holds_the_installed_distributions_not_their_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, other: Callable[[Path], list[str]], same: bool
) -> None:
    monkeypatch.setattr(
        sys, "path", [_site(tmp_path / "a", "numpy-2.0.dist-info", "yaml-6.egg-info"), "/no/such"]
    )
    before = environment_fingerprint()
    monkeypatch.setattr(sys, "path", other(tmp_path))
    assert (environment_fingerprint() == before) is same


# -- what a session imported --


def test_record_imports() -> None:
    assert record_imports(["numpy", "definitely_not_a_module"]) == {
        "numpy": [["dist", "numpy", NUMPY]],
        "definitely_not_a_module": [["missing"]],
    }
    assert record_imports(["numpy", "definitely_not_a_module", "numpy", "yaml", "json"]) == {
        "definitely_not_a_module": [["missing"]],
        "json": [["local"]],
        "numpy": [["dist", "numpy", NUMPY]],
        "yaml": [["dist", "PyYAML", YAML]],
    }
    assert record_imports([]) == {}


def test_a_module_without_a_distribution_is_local(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "book_helpers_for_keys.py").write_text("X = 1\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert record_imports(["book_helpers_for_keys"]) == {"book_helpers_for_keys": [["local"]]}


class _Installed(importlib.metadata.Distribution):
    """A distribution with the given metadata files and no top_level.txt (as wheels built
    by meson or hatch have none)."""

    def __init__(self, files: dict[str, str]) -> None:
        self._files = files

    def read_text(self, filename: str) -> str | None:
        return self._files.get(filename)

    def locate_file(self, path: str | Any) -> Path:
        return Path("/nonexistent") / str(path)


@pytest.mark.parametrize(
    ("record", "module", "provides"),
    [
        pytest.param(
            "plotkit/__init__.py,sha256=x,10\nplotkit-1.0.dist-info/RECORD,,\n", "plotkit", True, id="package"
        ),
        pytest.param("plotkit.py,sha256=x,10\n", "plotkit", True, id="module-file"),
        pytest.param('"plotkit/a,b.py",sha256=x,10\n', "plotkit", True, id="quoted-path"),
        pytest.param("plotkit_extra/__init__.py,,\nplotkit.pyi,,\n", "plotkit", False, id="other-names"),
        pytest.param("../../bin/plotkit,,\n", "plotkit", False, id="a-script"),
    ],
)
def test_a_distribution_provides_the_modules_its_record_lists(
    record: str, module: str, provides: bool
) -> None:
    dist = _Installed({"RECORD": record})
    assert keys._provides(dist, module) is provides
    # The same answer as from the distribution's file list, which is much slower to build.
    assert any(f.parts and f.parts[0] in (module, f"{module}.py") for f in dist.files or ()) is provides


@pytest.mark.parametrize(
    ("records", "unchanged"),
    [
        pytest.param({"numpy": [["dist", "numpy", NUMPY]]}, True, id="same-version"),
        pytest.param({"numpy": [["dist", "numpy", "0.0.1"]]}, False, id="other-version"),
        pytest.param(
            {"numpy": [["dist", "numpy", NUMPY]], "yaml": [["dist", "PyYAML", "1.0"]]}, False, id="one-of-two"
        ),
        pytest.param({"gone": [["dist", "definitely-not-a-distribution", "1.0"]]}, False, id="uninstalled"),
        pytest.param({"definitely_not_a_module": [["missing"]]}, True, id="still-missing"),
        pytest.param({"numpy": [["missing"]]}, False, id="missing-then-installed"),
        pytest.param({"json": [["local"]]}, True, id="local"),
        pytest.param({"definitely_not_a_module": [["local"]]}, False, id="local-then-removed"),
        pytest.param({}, True, id="nothing-imported"),
    ],
)
def test_imports_unchanged(records: dict[str, list[list[str]]], unchanged: bool) -> None:
    assert imports_unchanged(records, {}) is unchanged


def test_recorded_imports_are_unchanged_right_away() -> None:
    assert imports_unchanged(record_imports(["numpy", "yaml", "json", "definitely_not_a_module"]), {})


def test_versions_are_looked_up_once_per_build() -> None:
    memo: dict[str, str | None] = {}
    assert imports_unchanged({"numpy": [["dist", "numpy", NUMPY]]}, memo)
    assert memo == {"numpy": NUMPY}
    memo["numpy"] = "9.9"  # what the build saw first wins
    assert not imports_unchanged({"numpy": [["dist", "numpy", NUMPY]]}, memo)


def _installed(site: Path, folder: str, metadata_file: str, version: str) -> None:
    (site / folder).mkdir(parents=True)
    (site / folder / metadata_file).write_text(f"Metadata-Version: 2.1\nName: wm-probe\nVersion: {version}\n")


def test_versions_are_read_from_the_folder_name_without_parsing_metadata(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    read: list[str] = []
    real_read = importlib.metadata.PathDistribution.read_text
    monkeypatch.setattr(
        importlib.metadata.PathDistribution,
        "read_text",
        lambda self, name: read.append(name) or real_read(self, name),
    )
    monkeypatch.setattr(sys, "path", [str(tmp_path / "old")])
    _installed(tmp_path / "old", "wm_probe-1.2.3.dist-info", "METADATA", "1.2.3")
    recorded = [["dist", "wm-probe", "1.2.3"]]
    assert keys._version("wm-probe") == "1.2.3"
    assert "METADATA" not in read
    monkeypatch.setattr(sys, "path", [str(tmp_path / "new")])
    _installed(tmp_path / "new", "wm_probe-1.3.0.dist-info", "METADATA", "1.3.0")
    assert not imports_unchanged({"wm_probe": recorded}, {})  # upgraded: its folder's name says so
    # A folder without the version in its name (``setup.py develop``): its metadata says it.
    monkeypatch.setattr(sys, "path", [str(tmp_path / "develop")])
    _installed(tmp_path / "develop", "wm_probe.egg-info", "PKG-INFO", "0.5")
    assert keys._version("wm-probe") == "0.5"
    monkeypatch.setattr(sys, "path", [str(tmp_path / "none")])
    assert keys._version("wm-probe") is None


def test_owners_are_looked_up_once_per_build(monkeypatch: pytest.MonkeyPatch) -> None:
    memo: dict[str, list[list[str]]] = {}
    first = record_imports(["numpy", "json"], memo)
    assert memo == first
    looked_up: list[str] = []
    monkeypatch.setattr(keys, "_owners", lambda module: looked_up.append(module) or [])
    assert record_imports(["json", "numpy", "yaml"], memo) == {**first, "yaml": [["local"]]}
    assert looked_up == ["yaml"]  # numpy's file list is not read a second time
