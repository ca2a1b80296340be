"""What the sandbox lets a session read, and what a kernel's Landlock version cannot enforce."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from wmbook.execute import namespaces, sandbox
from wmbook.execute.landlock import unenforced
from wmbook.execute.sandbox import folder_bytes, readable_paths


@pytest.mark.parametrize(
    ("abi", "network", "missing"),
    [
        (0, False, ("file writes", "file reads", "network", "signals")),
        (3, False, ("network", "signals and abstract Unix sockets")),
        (3, True, ("signals and abstract Unix sockets",)),
        (5, False, ("signals and abstract Unix sockets",)),
        (6, False, ()),
        (7, True, ()),
    ],
)
def test_what_a_kernel_cannot_enforce_is_named(abi: int, network: bool, missing: tuple[str, ...]) -> None:
    assert unenforced(abi, network) == missing


def test_a_project_on_the_import_path_is_readable_without_its_hidden_entries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "book"
    for name in (".git", ".venv-secrets", "docs", "mylib"):
        (project / name).mkdir(parents=True)
    (project / "mkdocs.yml").write_text("site_name: x\n")
    monkeypatch.setattr(sys, "path", [str(project), *sys.path])
    sandbox._python_paths.cache_clear()
    try:
        paths = readable_paths([str(tmp_path / "page-folder")])
    finally:
        sandbox._python_paths.cache_clear()
    assert {str(project / n) for n in ("docs", "mylib", "mkdocs.yml")} <= set(paths)
    assert str(project) not in paths and str(project / ".git") not in paths
    assert str(tmp_path / "page-folder") in paths
    assert "/etc/ssl" in paths and "/etc" not in paths and "/etc/shadow" not in paths


def test_the_session_folder_is_measured_without_its_captured_output(tmp_path: Path) -> None:
    (tmp_path / "cwd" / "sub").mkdir(parents=True)
    (tmp_path / "cwd" / "sub" / "data.bin").write_bytes(b"x" * 100_000)
    (tmp_path / "step-0.out").write_bytes(b"y" * 100_000)
    measured = folder_bytes(str(tmp_path), [str(tmp_path / "step-0.out")])
    assert 100_000 <= measured < 200_000


def test_a_root_session_owns_its_page_s_folders_above_and_the_nearest_beneath(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lower, upper = tmp_path / "docs", tmp_path / "upper"
    for folder in ("lab/data/raw", "lab/data/clean", "lab/figures", "other/deep", "lab/many"):
        (lower / folder).mkdir(parents=True)
    for number in range(5):
        (lower / "lab" / "many" / f"f{number}").mkdir()
    (lower / "lab" / "figures").chmod(0o750)
    monkeypatch.setattr(namespaces, "_OWNED_FOLDERS", 6)
    namespaces._own_folders(str(lower), str(upper), "lab", os.getuid(), os.getgid())
    made = sorted(str(path.relative_to(upper)) for path in upper.rglob("*"))
    # The page's folder and those above it, then the nearest beneath it, level by level.
    assert made == [
        "lab", "lab/data", "lab/data/clean", "lab/data/raw", "lab/figures", "lab/many", "lab/many/f0"
    ]  # fmt: skip
    assert (upper / "lab" / "figures").stat().st_mode & 0o777 == 0o750
    assert upper.stat().st_uid == os.getuid()
