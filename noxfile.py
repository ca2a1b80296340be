"""Development tasks for wmbook: build, serve, test, lint and accept outputs."""

from __future__ import annotations

import os

import nox

nox.options.sessions = ["tests", "lint"]
nox.options.reuse_existing_virtualenvs = True

QUIET_MKDOCS = {"NO_MKDOCS_2_WARNING": "1"}
# Compiled modules are kept (PYTHONDONTWRITEBYTECODE unset, should the shell set it), as an
# installed wheel has them: otherwise every build and every benchmarked build compiles the
# editable wmbook again, and the benchmarks time that against MkDocs' compiled modules.
BYTECODE = {"PYTHONDONTWRITEBYTECODE": ""}


@nox.session(default=False)
def build(session: nox.Session) -> None:
    """Build the book into site/, executing every code block (strict)."""
    _install(session)
    session.run("mkdocs", "build", "--strict", *session.posargs, env=QUIET_MKDOCS)


@nox.session(default=False)
def serve(session: nox.Session) -> None:
    """Serve the book on http://127.0.0.1:8000 and rebuild on every edit."""
    _install(session)
    session.run(
        "mkdocs", "serve", "--dev-addr", "127.0.0.1:8000", "--livereload", *session.posargs, env=QUIET_MKDOCS
    )


@nox.session
def tests(session: nox.Session) -> None:
    """Run unit, integration and browser tests."""
    _install(session, ".[test]")
    session.run("pytest", *session.posargs, env=QUIET_MKDOCS)


@nox.session(default=False)
def quick(session: nox.Session) -> None:
    """Run the unit and in-process integration tests (not those marked slow) on every core: the fast loop."""
    _install(session, ".[test]")
    # A test file stays on one worker (--dist loadfile): its module-scoped builds run once,
    # not once on each worker that takes some of its tests.  Compiled modules are kept
    # (BYTECODE), so that no worker compiles every test module and pytest's rewritten
    # asserts again at each run.
    session.run(
        "pytest",
        "-m",
        "not slow",
        "-n",
        "auto",
        "--dist",
        "loadfile",
        "-q",
        *session.posargs,
        env={**QUIET_MKDOCS, **BYTECODE},
    )


@nox.session
def lint(session: nox.Session) -> None:
    """Check style and types: ruff check, ruff format --check, mypy."""
    _install(session, ".[lint]")
    session.run("ruff", "check", "src", "tests", "noxfile.py")
    session.run("ruff", "format", "--check", "src", "tests", "noxfile.py")
    session.run("mypy", "src", *session.posargs)


@nox.session(default=False)
def accept(session: nox.Session) -> None:
    """Rebuild, writing what each block printed into its mismatching expected-output fence."""
    _install(session)
    session.run("mkdocs", "build", "--strict", *session.posargs, env={**QUIET_MKDOCS, "WMBOOK_ACCEPT": "1"})


@nox.session(default=False)
def bench(session: nox.Session) -> None:
    """Time wmbook against plain MkDocs and markdown-exec: bench [PAGES] [BLOCKS] [--growth]."""
    _install(session, ".[distributed,s3]")
    session.install("markdown-exec", "moto[server]")
    session.run("python", "tests/bench/run_bench.py", *session.posargs, env={**QUIET_MKDOCS, **BYTECODE})


@nox.session(name="publish-cache", default=False)
def publish_cache(session: nox.Session) -> None:
    """Build the book once, publishing every result to WMBOOK_CACHE_URL, signed with WMBOOK_CACHE_SIGNING_KEY (CI)."""
    url = os.environ.get("WMBOOK_CACHE_URL", "")
    if not url:
        session.error("set WMBOOK_CACHE_URL to the shared cache (s3://bucket/prefix, with write access)")
    _install(session, ".[distributed,s3]")
    session.run(
        "mkdocs", "build", "--strict", *session.posargs, env={**QUIET_MKDOCS, "WMBOOK_CACHE_URL": url}
    )


@nox.session(name="cache-keys", default=False)
def cache_keys(session: nox.Session) -> None:
    """Print a new key pair for signing the shared cache (CI's secret, mkdocs.yml's public key)."""
    _install(session)
    session.run("python", "-m", "wmbook.keys", *session.posargs)


@nox.session(name="bench-instruments", default=False)
def bench_instruments(session: nox.Session) -> None:
    """Time instrument slider steps in headless Chromium and the bytes an instrument page loads."""
    _install(session, ".[test]")
    session.run(
        "python", "tests/bench/instrument_bench.py", *session.posargs, env={**QUIET_MKDOCS, **BYTECODE}
    )


@nox.session(name="bench-notebooks", default=False)
def bench_notebooks(session: nox.Session) -> None:
    """Time a book of notebooks run by wmbook against mkdocs-jupyter's own execution."""
    _install(session, ".[test]")
    session.run("python", "tests/bench/notebook_bench.py", *session.posargs, env={**QUIET_MKDOCS, **BYTECODE})


@nox.session(name="bench-runner", default=False)
def bench_runner(session: nox.Session) -> None:
    """Time the first and a second Run of the in-browser runner in headless Chromium."""
    _install(session, ".[test]")
    session.run("python", "tests/bench/runner_bench.py", *session.posargs, env={**QUIET_MKDOCS, **BYTECODE})


@nox.session(name="bench-models", default=False)
def bench_models(session: nox.Session) -> None:
    """Time the instruments' JavaScript models in Node.js against their budgets per slider step."""
    _install(session, ".[test]")
    session.run("python", "tests/bench/model_bench.py", *session.posargs)


def _install(session: nox.Session, target: str = ".") -> None:
    session.install("-e", target)
