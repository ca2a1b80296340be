"""An executor from a package that is not wmbook's: tests/fixtures/foreign_executor declares
``toy`` under the ``wmbook.executors`` entry points.  Installed into a new environment (which
sees wmbook and its dependencies from the one running the tests), it is found by name, runs
every session of a book with ``executor: toy``, and the site equals a local build's."""

from __future__ import annotations

import shutil
import sys
import sysconfig
from pathlib import Path

import pytest

from wheel_book import clean_env, run

from .conftest import build_site, copy_fixture, site_files

PACKAGE = Path(__file__).resolve().parents[1] / "fixtures" / "foreign_executor"


def _environment(dest: Path) -> Path:
    """A new virtual environment with the toy executor installed (no build isolation, so
    nothing is downloaded); wmbook and its dependencies come from this test run's."""
    venv = dest / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=dest, timeout=300).check()
    site_packages = Path(sysconfig.get_path("purelib", vars={"base": str(venv), "platbase": str(venv)}))
    ours = sysconfig.get_path("purelib")
    (site_packages / "wmbook-test-run.pth").write_text(f"import site; site.addsitedir({ours!r})\n")
    package = dest / "package"  # built from a copy: the build leaves its folders beside the sources
    shutil.copytree(PACKAGE, package)
    install = [sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation"]
    run([*install, "--prefix", venv, package], cwd=dest, timeout=600).check()
    return venv


@pytest.mark.slow  # a new environment, and a build in a process of its own
def test_an_executor_from_another_package_builds_the_same_site(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    local = build_site(copy_fixture("cluster", tmp_path / "local"), caplog)
    assert not local.failed, local.messages
    venv = _environment(tmp_path)
    root = copy_fixture("cluster", tmp_path / "toy")
    config = root / "mkdocs.yml"
    config.write_text(
        config.read_text().replace("      timeout: 30", "      timeout: 30\n      executor: toy")
    )
    ran = tmp_path / "toy-ran.txt"
    command = [venv / "bin" / "python", "-m", "mkdocs", "build", "--strict", "--site-dir", root / "site"]
    built = run(command, cwd=root, timeout=600, env=clean_env(TOY_EXECUTOR_LOG=str(ran)))
    built.check()
    assert sorted(ran.read_text().splitlines()) == [
        "docs/index.md main",
        "docs/other.md apart",
        "docs/other.md main",
    ]
    assert site_files(root / "site") == site_files(local.site)


def test_an_executor_not_installed_is_refused_with_the_installed_names(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """In the environment running the tests, toy is not installed."""
    root = copy_fixture("cluster", tmp_path)
    config = root / "mkdocs.yml"
    config.write_text(
        config.read_text().replace("      timeout: 30", "      timeout: 30\n      executor: toy")
    )
    site = build_site(root, caplog)
    assert site.failed
    assert "'toy' is not an installed executor; installed: dask, local" in site.messages, site.messages
