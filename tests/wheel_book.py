"""Build wmbook's wheel, install it into a fresh virtual environment and build a book with it.

Nothing here imports wmbook: the book is built by the ``mkdocs`` of the new environment,
which knows wmbook only as the installed wheel. The environment has no system site
packages, and the build runs with ``PATH``, ``PYTHONPATH`` and ``VIRTUAL_ENV`` cleared of
the environment that runs the tests, so nothing of the repository can leak into it.
"""

from __future__ import annotations

import json
import os
import posixpath
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

REPO = Path(__file__).resolve().parents[1]
FOREIGN = REPO / "tests" / "fixtures" / "foreign"
# What a wheel is built from; everything else in the repository is not part of the package.
_SOURCES = ("pyproject.toml", "README.md", "LICENSE", "LICENSE.txt", "MANIFEST.in", "setup.cfg", "src")
_DROPPED_VARIABLES = ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "__PYVENV_LAUNCHER__")
INSTALL_TIMEOUT = 1200  # seconds; the dependencies come from the package index
BUILD_TIMEOUT = 600


def package_files(package_dir: Path) -> set[str]:
    """Every file of a package folder as ``wmbook/...`` paths, without compiled bytecode."""
    return {
        f"{package_dir.name}/{path.relative_to(package_dir).as_posix()}"
        for path in package_dir.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }


def clean_env(**extra: str) -> dict[str, str]:
    """The environment of the test run without its virtual environment and wmbook settings."""
    prefixes = {Path(sys.prefix).resolve()} if sys.prefix != sys.base_prefix else set()
    if os.environ.get("VIRTUAL_ENV"):
        prefixes.add(Path(os.environ["VIRTUAL_ENV"]).resolve())
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("WMBOOK_") and name not in _DROPPED_VARIABLES
    }
    path = [
        entry
        for entry in env.get("PATH", "").split(os.pathsep)
        if entry and Path(entry).resolve().parent not in prefixes
    ]
    env["PATH"] = os.pathsep.join(path or ["/usr/bin", "/bin"])
    env["NO_MKDOCS_2_WARNING"] = "1"
    env.update(extra)
    return env


def run(args: list[str | Path], *, cwd: Path, timeout: float, env: dict[str, str] | None = None) -> Run:
    """Run a command to its end, its standard output and error together; never raises for a failure."""
    started = time.perf_counter()
    done = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env if env is not None else clean_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
        check=False,
    )
    return Run([str(a) for a in args], done.returncode, done.stdout, time.perf_counter() - started)


@dataclass(frozen=True)
class Run:
    """One finished command."""

    args: list[str]
    returncode: int
    output: str = field(repr=False)
    seconds: float

    def check(self) -> Run:
        """Raise with the command's output unless it succeeded."""
        if self.returncode != 0:
            raise AssertionError(
                f"{' '.join(self.args)} exited with status {self.returncode}:\n{self.output[-20000:]}"
            )
        return self


@dataclass(frozen=True)
class BookBuild:
    """What one ``mkdocs build --strict`` of the book produced."""

    site: Path
    run: Run
    report: dict[str, Any] | None = field(repr=False)  # last-build.json as this build left it

    @property
    def ok(self) -> bool:
        return self.run.returncode == 0

    def require_success(self) -> None:
        """Fail with the build's log unless the build succeeded."""
        assert self.ok, f"mkdocs build --strict failed ({self.run.returncode}):\n{self.run.output[-20000:]}"

    def require_report(self) -> dict[str, Any]:
        """The build's last-build.json; fails if the build wrote none."""
        self.require_success()
        assert self.report is not None, f"the build wrote no last-build.json:\n{self.run.output[-5000:]}"
        return self.report

    def summary(self) -> dict[str, Any]:
        summary = self.require_report()["summary"]
        assert isinstance(summary, dict)
        return summary

    def sessions(self) -> dict[tuple[str, str], dict[str, Any]]:
        """Each session of the report by (page, session name)."""
        sessions = self.require_report()["sessions"]
        keyed = {(entry["page"], entry["session"]): entry for entry in sessions}
        assert len(keyed) == len(sessions), f"a session is reported twice: {sessions}"
        return keyed

    def executed(self) -> set[tuple[str, str]]:
        """The sessions this build ran (not taken from the cache)."""
        return {key for key, entry in self.sessions().items() if not entry["from_cache"]}

    def html(self, page: str) -> str:
        """The built HTML of ``page``, a path such as ``basics/coins.html``."""
        self.require_success()
        return (self.site / page).read_text(encoding="utf-8")

    def pages(self) -> list[str]:
        """Every built HTML page, as paths relative to the site."""
        self.require_success()
        return sorted(p.relative_to(self.site).as_posix() for p in self.site.rglob("*.html"))


@dataclass
class WheelBook:
    """The wheel, the environment it is installed in and the foreign book built with it."""

    wheel: Path
    source: Path  # the copy of the repository's package sources the wheel was built from
    venv: Path
    root: Path  # the book's folder (mkdocs.yml)
    first: BookBuild = field(repr=False)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def mkdocs(self) -> Path:
        return self.venv / "bin" / "mkdocs"

    @property
    def report_path(self) -> Path:
        return self.root / ".cache" / "wmbook" / "last-build.json"

    def pip(self, *args: str) -> Run:
        """Run the environment's pip; raises if it fails."""
        return run([self.python, "-m", "pip", *args], cwd=self.root, timeout=INSTALL_TIMEOUT).check()

    def python_output(self, code: str) -> str:
        """What ``code`` prints in the environment's Python; raises if it fails."""
        return run([self.python, "-c", code], cwd=self.root, timeout=120).check().output.strip()

    def distributions(self) -> dict[str, str]:
        """Name and version of every distribution installed in the environment."""
        code = (
            "import importlib.metadata as m, json; "
            "print(json.dumps({d.metadata['Name'].lower(): d.version for d in m.distributions()}))"
        )
        result = json.loads(self.python_output(code))
        assert isinstance(result, dict)
        return result

    def installed_package(self) -> Path:
        """The folder of the wmbook package installed in the environment."""
        return Path(self.python_output("import pathlib, wmbook; print(pathlib.Path(wmbook.__file__).parent)"))

    def build(self, site_name: str) -> BookBuild:
        """Build the book with the environment's mkdocs into ``site_name`` beside mkdocs.yml."""
        return build_book(self.mkdocs, self.root, self.root / site_name)


def build_wheel(dest: Path) -> tuple[Path, Path]:
    """Build the repository's wheel from a copy of its package sources; return (wheel, source)."""
    source = dest / "source"
    source.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in _SOURCES:
        path = REPO / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=ignore)
        elif path.is_file():
            shutil.copy2(path, source / name)
    wheels = dest / "wheels"
    command: list[str | Path] = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", wheels, "."]
    run(command, cwd=source, timeout=INSTALL_TIMEOUT).check()
    found = sorted(wheels.glob("wmbook-*.whl"))
    assert len(found) == 1, f"expected one wmbook wheel in {wheels}, found {found}"
    return found[0], source


def make_venv(dest: Path, wheel: Path) -> Path:
    """A fresh virtual environment (no system site packages) with the wheel installed."""
    venv = dest / "venv"
    run([sys.executable, "-m", "venv", venv], cwd=dest, timeout=300).check()
    python = venv / "bin" / "python"
    run([python, "-m", "pip", "install", wheel], cwd=dest, timeout=INSTALL_TIMEOUT).check()
    return venv


def build_book(mkdocs: Path, root: Path, site: Path) -> BookBuild:
    """``mkdocs build --strict`` of the book at ``root`` into ``site``; never raises for a failing build."""
    report_path = root / ".cache" / "wmbook" / "last-build.json"
    report_path.unlink(missing_ok=True)
    command: list[str | Path] = [
        mkdocs,
        "build",
        "--strict",
        "--config-file",
        "mkdocs.yml",
        "--site-dir",
        site,
    ]
    result = run(command, cwd=root, timeout=BUILD_TIMEOUT)
    report = json.loads(report_path.read_text(encoding="utf-8")) if report_path.is_file() else None
    return BookBuild(site, result, report)


def make_wheel_book(tmp: Path) -> WheelBook:
    """Build the wheel, install it into a new environment, copy the foreign book and build it."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    wheel, source = build_wheel(tmp)
    timings["wheel"] = time.perf_counter() - started
    started = time.perf_counter()
    venv = make_venv(tmp, wheel)
    timings["venv"] = time.perf_counter() - started
    root = tmp / "book"
    shutil.copytree(FOREIGN, root)
    first = build_book(venv / "bin" / "mkdocs", root, root / "site")
    timings["build"] = first.run.seconds
    return WheelBook(wheel, source, venv, root, first, timings)


class PageLinks(HTMLParser):
    """The ids of a page and the URLs its elements point at."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.urls: list[tuple[str, str]] = []  # (tag, url)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.add(str(attributes["id"]))
        if tag == "a" and attributes.get("name"):
            self.ids.add(str(attributes["name"]))
        for name in ("href", "src"):
            value = attributes.get(name)
            if value is not None and tag in {"a", "link", "script", "img", "source", "iframe"}:
                self.urls.append((tag, value))


def parse_page(text: str) -> PageLinks:
    parser = PageLinks()
    parser.feed(text)
    parser.close()
    return parser


def resolve(page: str, url: str) -> tuple[str, str] | None:
    """The site path and fragment a URL on ``page`` points at; None for URLs that leave the site."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or url.startswith(("mailto:", "javascript:", "data:")):
        return None
    path = unquote(parts.path)
    if not path:
        return page, unquote(parts.fragment)
    if path.startswith("/"):  # served from the site's root, as on the 404 page
        target = posixpath.normpath(path.lstrip("/"))
    else:
        target = posixpath.normpath(posixpath.join(posixpath.dirname(page), path))
    return target, unquote(parts.fragment)
