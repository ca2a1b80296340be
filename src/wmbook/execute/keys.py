"""What a session's cache entry is keyed on, and what makes it stale.

The key (``session_key``) covers the session's steps and options, its quiz checks,
the files its page declares, the page path, the Python version and wmbook's own
code.  The distributions the session imported are recorded when it runs
(``record_imports``) and compared when the entry is read (``imports_unchanged``):
installing an unrelated package or moving the virtual environment keeps every
entry, upgrading numpy re-runs exactly the sessions that imported numpy.  With
``cache_key: environment`` the key also holds every installed distribution.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import importlib.util
import os
import platform
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

import wmbook
from wmbook.model import SessionSpec, StepKind
from wmbook.store import digest

# A recorded import: ["dist", name, version] | ["local"] (no distribution) | ["missing"].
ImportRecord = list[str]


@functools.cache
def engine_fingerprint() -> str:
    """Hash of every file of the installed wmbook package (an edit in a checkout counts)."""
    return package_fingerprint(Path(wmbook.__file__).parent, wmbook.__version__)


def package_fingerprint(root: Path, version: str) -> str:
    """Hash of ``version`` and the content of every file under ``root``, its compiled
    modules and fonts left out: compiled files follow their sources, fonts are not code.
    Contents, not sizes and times: a file can change and keep both."""
    found: list[tuple[tuple[str, ...], str]] = []
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = [name for name in subfolders if name != "__pycache__"]  # not walked at all
        where = Path(folder).relative_to(root).parts
        found += [((*where, name), os.path.join(folder, name)) for name in names]
    hasher = hashlib.sha256(version.encode())
    for parts, path in sorted(found):  # the order of the paths' parts, as Path's own sorting
        if parts[-1].endswith((".pyc", ".woff2")) or not os.path.isfile(path):
            continue
        with open(path, "rb") as file:
            hasher.update("/".join(parts).encode() + b"\0" + file.read())
    return hasher.hexdigest()


def python_fingerprint() -> str:
    """The interpreter: implementation, version and platform (not where it is installed)."""
    return f"{sys.implementation.name}|{sys.version}|{sys.platform}|{platform.machine()}"


def environment_fingerprint() -> str:
    """Every installed distribution with its version, read from the names of the
    ``*.dist-info`` and ``*.egg-info`` folders on ``sys.path`` (cheaper than reading
    every METADATA file); paths are left out, so a moved environment keeps its key."""
    dists: set[str] = set()
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        dists.update(n for n in names if n.endswith((".dist-info", ".egg-info")))
    return digest(*sorted(dists))


def session_key(spec: SessionSpec, *, whole_environment: bool = False) -> str:
    """The content hash that names a session's cache entry."""
    steps = [
        [
            # wmbook's own steps as before; another kind's evaluated steps apart from its run ones
            f"{s.kind}:evaluate" if s.evaluate and s.kind != StepKind.CHECK else str(s.kind),
            s.source,
            s.timeout,
            s.raises,
            str(s.key),
            s.shell,
            s.returncode,
            s.show_value,
            s.columns,
            s.echo,
            s.ipython,
        ]
        for s in spec.steps
    ]
    files = [[rel, hashlib.sha256(content).hexdigest()] for rel, content in spec.files]
    parts = [
        "session-1",
        spec.page,
        spec.name,
        repr(steps),
        repr(files),
        python_fingerprint(),
        engine_fingerprint(),
    ]
    if spec.keep_going:  # later steps ran after a failure: other results
        parts.append("keep-going")
    if whole_environment:
        parts.append(environment_fingerprint())
    return digest(*parts)


@functools.cache
def _module_owners() -> Mapping[str, list[str]]:
    # Reads every distribution's file list once per process; only needed when storing.
    return importlib.metadata.packages_distributions()


def _version(dist: str) -> str | None:
    """The installed version of ``dist`` (the one ``importlib.metadata.version`` finds).
    Installers name its folder ``name-version.dist-info``: that name is read rather than
    its METADATA, which is parsed as a whole e-mail (3 ms for matplotlib's, in every build);
    a folder named otherwise (an ``.egg-info`` without version) is read as before."""
    try:
        found = importlib.metadata.distribution(dist)
    except importlib.metadata.PackageNotFoundError:
        return None
    folder = getattr(getattr(found, "_path", None), "name", "")  # PathDistribution's folder
    stem = folder.removesuffix(".dist-info")
    if stem != folder and stem.count("-") == 1 and stem.partition("-")[2]:
        return stem.partition("-")[2]
    return found.version


def _findable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def _provides(dist: importlib.metadata.Distribution, module: str) -> bool:
    top = dist.read_text("top_level.txt")
    if top:
        return module in top.split()
    record = dist.read_text("RECORD")
    if record:
        # Rows of ``path,hash,size``, a path with a comma or quote in double quotes: read as
        # text, as a list of thousands of paths (``dist.files``) would take a tenth of a second.
        heads = tuple(f"{quote}{module}{end}" for quote in ("", '"') for end in ("/", ".py,", '.py"'))
        return any(line.startswith(heads) for line in record.splitlines())
    return any(f.parts and f.parts[0] in (module, f"{module}.py") for f in dist.files or ())


def _owners(module: str) -> list[str]:
    """The distributions that provide a top-level module.  Most are named like the module
    (numpy, matplotlib): those are found directly, without reading every distribution."""
    try:
        dist = importlib.metadata.distribution(module)
    except importlib.metadata.PackageNotFoundError:
        dist = None
    if dist is not None and _provides(dist, module):
        return [str(dist.metadata["Name"])]
    return list(_module_owners().get(module, []))


def _import_record(module: str) -> list[ImportRecord]:
    owners = _owners(module)
    found = [["dist", d, v] for d in sorted(set(owners)) if (v := _version(d)) is not None]
    return found or ([["local"]] if _findable(module) else [["missing"]])


def record_imports(
    modules: Iterable[str], memo: dict[str, list[ImportRecord]] | None = None
) -> dict[str, list[ImportRecord]]:
    """For each top-level module a session imported: the distributions that provide it.
    ``memo`` holds the modules already looked up in this build: finding a module's owner
    may read its distribution's whole file list, which every session would repeat."""
    memo = {} if memo is None else memo
    records: dict[str, list[ImportRecord]] = {}
    for module in sorted(set(modules)):
        if module not in memo:
            memo[module] = _import_record(module)
        records[module] = memo[module]
    return records


def imports_unchanged(records: Mapping[str, list[ImportRecord]], memo: dict[str, str | None]) -> bool:
    """Whether every distribution a session imported is installed at the same version
    (and modules that were missing are still missing).  ``memo`` holds the versions
    already looked up in this build."""
    for module, entries in records.items():
        for entry in entries:
            if entry[0] == "dist":
                if entry[1] not in memo:
                    memo[entry[1]] = _version(entry[1])
                if memo[entry[1]] != entry[2]:
                    return False
            elif (entry[0] == "missing") == _findable(module):
                return False
    return True
