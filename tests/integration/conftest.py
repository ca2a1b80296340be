"""Build fixture sites from tests/fixtures/ into tmp_path with MkDocs' own API."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort, BuildError

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"


@dataclass
class SiteBuild:
    """What one fixture build produced."""

    root: Path
    site: Path
    failed: bool
    messages: str  # everything logged at WARNING and above

    def html(self, page: str = "") -> str:
        """The built HTML of ``page`` ('' for the home page, 'other' for other/index.html)."""
        path = self.site / page / "index.html" if page else self.site / "index.html"
        return path.read_text(encoding="utf-8")


def copy_fixture(name: str, dest: Path) -> Path:
    """Copy a fixture site into ``dest``."""
    root = dest / name
    shutil.copytree(FIXTURES / name, root)
    return root


def build_site(root: Path, caplog: pytest.LogCaptureFixture, **overrides: object) -> SiteBuild:
    """Build the site at ``root``; never raises for a failing book."""
    caplog.clear()
    caplog.set_level(logging.INFO)
    site = root / "site"
    failed = False
    try:
        config = load_config(config_file=str(root / "mkdocs.yml"), site_dir=str(site), **overrides)
        build(config)
    except (Abort, BuildError):
        failed = True
    messages = "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING)
    return SiteBuild(root, site, failed, messages)


@contextlib.contextmanager
def warnings_logged() -> Iterator[list[logging.LogRecord]]:
    """What MkDocs and its plugins log at WARNING and above while the block runs (for builds
    in module-scoped fixtures, where ``caplog`` is not available)."""
    records: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    logger = logging.getLogger("mkdocs")
    handler = Collect(level=logging.WARNING)
    logger.addHandler(handler)
    try:
        yield records
    finally:
        logger.removeHandler(handler)


def build_strict(
    root: Path, *, strict: bool = True, may_fail: bool = False, **overrides: object
) -> SiteBuild:
    """Build the site at ``root``, strictly unless told (for module-scoped fixtures, which
    have no caplog), with ``overrides`` in place of mkdocs.yml's settings; raises when the
    build fails, unless ``may_fail`` (its pages are written even then), when the result says
    it failed."""
    failed = False
    with warnings_logged() as records:
        config = load_config(
            config_file=str(root / "mkdocs.yml"), site_dir=str(root / "site"), strict=strict, **overrides
        )
        try:
            build(config)
        except (Abort, BuildError):
            if not may_fail:
                raise
            failed = True
    return SiteBuild(root, root / "site", failed, "\n".join(r.getMessage() for r in records))


def subprocess_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a build run as a process of its own: its own TMPDIR, no cache."""
    temp = tmp_path / "tmp"
    temp.mkdir(exist_ok=True)
    return {**os.environ, "NO_MKDOCS_2_WARNING": "1", "TMPDIR": str(temp), "WMBOOK_CACHE": "force", **extra}


def build_in_subprocess(
    root: Path, env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``mkdocs build`` of the book at ``root`` in a process of its own."""
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-q"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


ONE_PAGE_CONFIG = """site_name: {title}
theme:
  name: material
  font: false
markdown_extensions:
  - pymdownx.superfences
plugins:
{plugins}  - wmbook:
{options}"""


def one_page_book(
    folder: Path, page: str, *, title: str = "Book", options: str = "", plugins: tuple[str, ...] = ()
) -> Path:
    """A book of one page, ``docs/index.md``, in ``folder/book``, built with Material, the
    ``plugins`` named and wmbook; ``options`` are wmbook's settings as YAML lines indented
    under it (``"      timeout: 30\n"``).  The sandbox, escape, secrets and hostile-output
    tests each write their attack as that page."""
    root = folder / "book"
    (root / "docs").mkdir(parents=True, exist_ok=True)
    listed = "".join(f"  - {name}\n" for name in plugins)
    (root / "mkdocs.yml").write_text(ONE_PAGE_CONFIG.format(title=title, plugins=listed, options=options))
    (root / "docs" / "index.md").write_text(page, encoding="utf-8")
    return root


@pytest.fixture
def fixture_site(tmp_path: Path) -> Callable[[str], Path]:
    """Copy a named fixture site into the test's tmp_path."""
    return lambda name: copy_fixture(name, tmp_path)


class BuiltCopy(Protocol):
    """What the ``built_copy`` fixture gives: a copy of a built fixture site, and its first build."""

    def __call__(self, name: str, dest: Path, **overrides: object) -> tuple[Path, SiteBuild]: ...


@pytest.fixture(scope="session")
def built_copy(tmp_path_factory: pytest.TempPathFactory) -> BuiltCopy:
    """A named fixture site built once per test process (each ``pytest -n`` worker has its
    own), with ``overrides`` in place of mkdocs.yml's settings, then copied with its site
    and cache into ``dest``: ``(root, first build)``.  A test that edits its copy and builds
    it again (with the same overrides) sees what a second build of the same folder sees (the
    cache holds no absolute path; copying keeps the files' times)."""
    first: dict[str, SiteBuild] = {}

    def copy(name: str, dest: Path, **overrides: object) -> tuple[Path, SiteBuild]:
        key = json.dumps([name, overrides], sort_keys=True)
        if key not in first:
            root = copy_fixture(name, tmp_path_factory.mktemp(f"built-{name}"))
            first[key] = build_strict(root, strict=False, may_fail=True, **overrides)
        root = dest / name
        shutil.copytree(first[key].root, root, symlinks=True)
        return root, first[key]

    return copy


def free_port() -> int:
    """A TCP port nothing listens on at the moment."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def session_report(root: Path) -> dict[tuple[str, str], bool]:
    """(page, session) -> whether it came from the cache, from the build's JSON report."""
    data = json.loads((root / ".cache" / "wmbook" / "last-build.json").read_text())
    return {(s["page"], s["session"]): s["from_cache"] for s in data["sessions"]}


def site_files(site: Path) -> dict[str, bytes]:
    """Every file a build wrote, by its path in the site."""
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


@dataclass(frozen=True)
class S3Server:
    """A real S3-compatible server (moto) on 127.0.0.1, with one bucket."""

    endpoint: str
    bucket: str
    client: Any  # a boto3 S3 client

    def url(self, prefix: str) -> str:
        """The ``s3://`` URL of a prefix of the bucket."""
        return f"s3://{self.bucket}/{prefix}"

    def keys(self, prefix: str) -> list[str]:
        """The object keys under ``prefix``."""
        listing = self.client.list_objects_v2(Bucket=self.bucket, Prefix=prefix)
        return sorted(item["Key"] for item in listing.get("Contents", []))


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """One moto server for the test session; the AWS_* variables point s3fs at it."""
    boto3 = pytest.importorskip("boto3")
    server_module = pytest.importorskip("moto.server")
    port = free_port()
    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    patch = pytest.MonkeyPatch()
    for name, value in {
        "AWS_ACCESS_KEY_ID": "wmbook-test",
        "AWS_SECRET_ACCESS_KEY": "wmbook-test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": endpoint,
    }.items():
        patch.setenv(name, value)
    client = boto3.client("s3")
    client.create_bucket(Bucket="book-cache")
    # Anyone may read, as from a cache published for every contributor.
    anyone_reads = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::book-cache/*",
    }
    client.put_bucket_policy(
        Bucket="book-cache", Policy=json.dumps({"Version": "2012-10-17", "Statement": [anyone_reads]})
    )
    try:
        yield S3Server(endpoint, "book-cache", client)
    finally:
        server.stop()
        patch.undo()


@pytest.fixture(scope="session")
def dask_cluster() -> Iterator[str]:
    """One real two-worker Dask cluster (worker processes) on 127.0.0.1; its address.

    ``allowed-failures: 0``: the scheduler gives up on a session at the first lost worker,
    so that wmbook's own single retry is what the tests see."""
    dask = pytest.importorskip("dask")
    distributed = pytest.importorskip("distributed")
    from wmbook.execute.pool import shutdown_pool

    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
        )
    try:
        yield str(cluster.scheduler_address)
    finally:
        shutdown_pool()  # the build's connection goes before the cluster does
        cluster.close()


@pytest.fixture(scope="session")
def python3_kernel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A ``python3`` kernelspec of this interpreter: the one Jupyter finds, or one installed for the run."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    with pytest.MonkeyPatch.context() as patch:
        try:
            spec = KernelSpecManager().get_kernel_spec("python3")
            usable = (
                spec.argv[0] in ("python", "python3")
                or Path(spec.argv[0]).resolve() == Path(sys.executable).resolve()
            )
        except NoSuchKernel:
            usable = False
        if not usable:
            prefix = tmp_path_factory.mktemp("kernel")
            subprocess.run(
                [sys.executable, "-m", "ipykernel", "install", "--prefix", str(prefix), "--name", "python3"],
                check=True,
                capture_output=True,
            )
            patch.setenv("JUPYTER_PATH", os.pathsep.join([str(prefix / "share" / "jupyter")]))
        yield
