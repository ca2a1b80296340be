"""The W3C Nu validator over the chapter and the contributor page: no error beyond those a
page without wmbook's blocks (Material's own markup) has."""

from __future__ import annotations

import json
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from .conftest import REPO

VNU_VERSION = "26.9.27"


@pytest.fixture(scope="module")
def vnu(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The validator's jar, from the npm registry's vnu-jar package."""
    from wmbook.runner.pyodide import npm_pack

    java = shutil.which("java")
    assert java, "the Nu validator needs Java (.ci/run installs default-jre-headless)"
    folder = tmp_path_factory.mktemp("vnu")
    tarball = npm_pack("vnu-jar", VNU_VERSION, folder)
    with tarfile.open(tarball) as archive:
        archive.extract("package/build/dist/vnu.jar", folder, filter="data")
    return folder / "package" / "build" / "dist" / "vnu.jar"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    root = tmp_path_factory.mktemp("valid") / "book"
    shutil.copytree(REPO / "docs", root / "docs")
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    build(load_config(config_file=str(root / "mkdocs.yml"), site_dir=str(root / "site")))
    return root / "site"


def _errors(vnu: Path, page: Path) -> set[str]:
    done = subprocess.run(
        ["java", "-jar", str(vnu), "--format", "json", "--errors-only", str(page)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    return {m["message"] for m in json.loads(done.stderr)["messages"] if m.get("type") == "error"}


@pytest.mark.parametrize("page", ["world-models/index.html", "writing/index.html"])
def test_no_validation_error_of_wmbook(vnu: Path, site: Path, page: str) -> None:
    material = _errors(vnu, site / "index.html")  # the home page: no wmbook block on it
    ours = _errors(vnu, site / page) - material
    assert not ours, "\n".join(sorted(ours))
