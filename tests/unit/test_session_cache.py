"""The session cache on top of the store, and the executor that asks it first."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path

import msgspec
import pytest

from wmbook.execute.cache import SessionCache, relocate
from wmbook.execute.executor import CacheMode, Executor
from wmbook.execute.keys import session_key
from wmbook.model import (
    Display,
    Figure,
    FileRead,
    Outcome,
    PageFolder,
    SessionResult,
    SessionSpec,
    Step,
    StepKey,
    StepKind,
    StepResult,
)
from wmbook.store import Store

PAGE = "docs/p.md"
CODE0, CODE1, CHECK0 = StepKey(StepKind.CODE, 0), StepKey(StepKind.CODE, 1), StepKey(StepKind.CHECK, 0)

SPEC = SessionSpec(
    page=PAGE,
    name="main",
    steps=(
        Step(CODE0, "import numpy as np\nimport warnings\nwarnings.warn('w')", 4, 60.0),
        Step(CHECK0, "2 + 2", 10, 60.0, evaluate=True),
        Step(CODE1, "try:\n    1 / 0\nexcept ZeroDivisionError:\n    print('caught')", 14, 60.0),
    ),
    source_lines=(),
)

TRACEBACK = f'Traceback (most recent call last):\n  File "{PAGE}", line 15, in <module>\nZeroDivisionError\n'
RESULT = SessionResult(
    PAGE,
    "main",
    (
        StepResult(
            CODE0,
            Outcome.OK,
            output=f"{PAGE}:6: UserWarning: w\n",
            figures=(Figure("<svg/>", "A plot"),),
            duration=0.25,
            imports=("numpy", "warnings"),
        ),
        StepResult(
            CHECK0,
            Outcome.OK,
            value=4,
            value_repr="4",
            duration=0.01,
            displays=(Display((("text/html", "<b>4</b>"), ("text/plain", "4"))),),
        ),
        StepResult(
            CODE1,
            Outcome.OK,
            output="caught\n",
            error_line=15,
            traceback=TRACEBACK,
            exc_type=None,
            detail="",
            duration=0.5,
        ),
    ),
    duration=1.5,
)


def _moved(lines: int, spec: SessionSpec = SPEC) -> SessionSpec:
    steps = tuple(msgspec.structs.replace(s, first_line=s.first_line + lines) for s in spec.steps)
    return msgspec.structs.replace(spec, steps=steps)


@pytest.fixture
def cache(tmp_path: Path) -> SessionCache:
    return SessionCache(Store(tmp_path / "store"))


def _entries(cache: SessionCache) -> list[Path]:
    return sorted((cache.store.root / "sessions").glob("*/*"))


KEY = session_key(SPEC)


def test_round_trip(cache: SessionCache) -> None:
    assert cache.load(KEY, SPEC) is None
    cache.store_result(KEY, SPEC, RESULT)
    loaded = cache.load(KEY, SPEC)
    assert loaded == msgspec.structs.replace(RESULT, from_cache=True)
    assert loaded is not None and loaded.results[1].value == 4
    assert len(_entries(cache)) == 1


def test_the_entry_is_plain_json(cache: SessionCache) -> None:
    cache.store_result(KEY, SPEC, RESULT)
    payload = cache.store.read("sessions", KEY)
    assert payload is not None
    data = json.loads(payload)
    assert isinstance(data["format"], int)
    assert (data["firsts"], data["duration"]) == ([4, 10, 14], 1.5)
    assert sorted(data["imports"]) == ["matplotlib", "numpy", "warnings"]
    assert data["results"][1]["key"] == ["check", 0]


@pytest.mark.parametrize(
    "outcome",
    [Outcome.RAISED, Outcome.TIMEOUT, Outcome.DIED, Outcome.NOT_RUN, Outcome.UNCACHED],
)
def test_failed_sessions_are_not_stored(cache: SessionCache, outcome: Outcome) -> None:
    failed = msgspec.structs.replace(RESULT, results=(*RESULT.results[:2], StepResult(CODE1, outcome)))
    cache.store_result(KEY, SPEC, failed)
    assert _entries(cache) == []
    assert cache.load(KEY, SPEC) is None


@pytest.mark.parametrize("lines", [3, -2, 40])
def test_line_numbers_move_with_the_blocks(cache: SessionCache, lines: int) -> None:
    """Prose edited above the blocks keeps the entry; its line numbers are moved to where the blocks are."""
    cache.store_result(KEY, SPEC, RESULT)
    moved = _moved(lines)
    assert session_key(moved) == KEY
    loaded = cache.load(KEY, moved)
    assert loaded is not None and loaded.from_cache
    first, check, last = loaded.results
    assert first.output == f"{PAGE}:{6 + lines}: UserWarning: w\n"
    assert last.error_line == 15 + lines
    assert f'File "{PAGE}", line {15 + lines}, in' in last.traceback
    assert (check.value, last.output) == (4, "caught\n")


def test_blocks_moved_apart_move_each_by_its_own_shift() -> None:
    spec = msgspec.structs.replace(
        SPEC, steps=(SPEC.steps[0], SPEC.steps[1], msgspec.structs.replace(SPEC.steps[2], first_line=20))
    )
    moved = relocate(RESULT, [4, 10, 14], spec)
    assert moved.results[0].output == RESULT.results[0].output
    assert moved.results[2].error_line == 21
    assert f'File "{PAGE}", line 21, in' in moved.results[2].traceback


def test_lines_of_other_files_and_outside_the_blocks_stay() -> None:
    other = StepResult(CODE1, Outcome.OK, output='File "lib.py", line 15\ndocs/other.md:15\ndocs/p.md:2\n')
    result = msgspec.structs.replace(RESULT, results=(*RESULT.results[:2], other))
    moved = relocate(result, [4, 10, 14], _moved(5))
    assert moved.results[2].output == 'File "lib.py", line 15\ndocs/other.md:15\ndocs/p.md:2\n'
    assert relocate(result, [4, 10, 14], SPEC) is result


def test_an_entry_is_stale_when_an_imported_distribution_changed(cache: SessionCache) -> None:
    cache.store_result(KEY, SPEC, RESULT)
    payload = cache.store.read("sessions", KEY)
    assert payload is not None
    data = json.loads(payload)
    assert data["imports"]["numpy"][0][0] == "dist"
    data["imports"]["numpy"] = [["dist", "numpy", "0.0.1"]]
    cache.store.write("sessions", KEY, json.dumps(data).encode())
    assert SessionCache(cache.store).load(KEY, SPEC) is None


def test_an_entry_is_stale_when_a_file_it_read_changed(cache: SessionCache, tmp_path: Path) -> None:
    (tmp_path / "lab").mkdir()
    (tmp_path / "lab" / "data.csv").write_text("1\n")
    (tmp_path / "lab" / "other.csv").write_text("2\n")
    spec = msgspec.structs.replace(SPEC, folder=PageFolder(str(tmp_path), "lab"))
    first = msgspec.structs.replace(RESULT.results[0], reads=(FileRead("lab/data.csv"),))
    cache.store_result(KEY, spec, msgspec.structs.replace(RESULT, results=(first, *RESULT.results[1:])))
    (tmp_path / "lab" / "other.csv").write_text("changed\n")
    assert SessionCache(cache.store).load(KEY, spec) is not None  # a file it did not read
    (tmp_path / "lab" / "data.csv").write_text("changed\n")
    later = SessionCache(cache.store)
    assert later.load(KEY, spec) is None
    # The run it takes is told what the last one read (a remote worker is sent those files).
    expected = later.with_expected_reads(KEY, spec).folder
    assert expected is not None and expected.expected == ("lab/data.csv",)


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(lambda data: {**data, "format": 1}, id="other-format"),
        pytest.param(lambda data: {k: v for k, v in data.items() if k != "results"}, id="no-results"),
        pytest.param(lambda data: {**data, "firsts": [4]}, id="firsts-do-not-fit"),
        pytest.param(lambda data: {**data, "results": [{"key": ["code", 0]}]}, id="result-fields-missing"),
        pytest.param(
            lambda data: {**data, "results": [{**data["results"][0], "outcome": "odd"}]}, id="bad-outcome"
        ),
    ],
)
def test_an_unreadable_entry_is_a_miss(
    cache: SessionCache, caplog: pytest.LogCaptureFixture, edit: Callable[[dict[str, object]], object]
) -> None:
    cache.store_result(KEY, SPEC, RESULT)
    payload = cache.store.read("sessions", KEY)
    assert payload is not None
    cache.store.write("sessions", KEY, json.dumps(edit(json.loads(payload))).encode())
    with caplog.at_level(logging.INFO, logger="mkdocs.plugins.wmbook"):
        assert cache.load(KEY, _moved(1)) is None


def test_a_payload_that_is_not_json_is_a_miss_with_a_warning(
    cache: SessionCache, caplog: pytest.LogCaptureFixture
) -> None:
    cache.store.write("sessions", KEY, b"{not json")
    with caplog.at_level(logging.INFO, logger="mkdocs.plugins.wmbook"):
        assert cache.load(KEY, SPEC) is None
    assert "the cache entry of docs/p.md:4 (session main) is unreadable" in caplog.text


# -- the executor: cache first, the pool on a miss --


class FakePool:
    """Records the sessions it is asked to run and runs each at once."""

    def __init__(self) -> None:
        self.ran: list[str] = []

    def submit(
        self, spec: SessionSpec, after: Callable[[SessionResult], None] | None = None, limits: object = None
    ) -> Future[SessionResult]:
        self.ran.append(spec.name)
        result = msgspec.structs.replace(RESULT, name=spec.name)
        if after is not None:
            after(result)
        future: Future[SessionResult] = Future()
        future.set_result(result)
        return future


def _executor(cache: SessionCache, mode: CacheMode) -> tuple[Executor, FakePool]:
    pool = FakePool()
    return Executor(pool, cache, mode), pool  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("mode", "runs"),
    [(CacheMode.AUTO, ["main"]), (CacheMode.FORCE, ["main", "main"]), (CacheMode.CACHE_ONLY, [])],
)
def test_executor_modes(cache: SessionCache, mode: CacheMode, runs: list[str]) -> None:
    if mode is CacheMode.CACHE_ONLY:
        cache.store_result(KEY, SPEC, RESULT)
    executor, pool = _executor(cache, mode)
    first = executor.submit(SPEC).result()
    second = executor.submit(SPEC).result()
    assert pool.ran == runs
    assert second.from_cache is (mode is not CacheMode.FORCE)
    assert first.results == RESULT.results


def test_cache_only_without_an_entry_runs_nothing(cache: SessionCache) -> None:
    executor, pool = _executor(cache, CacheMode.CACHE_ONLY)
    result = executor.submit(SPEC).result()
    assert pool.ran == []
    assert [(r.key, r.outcome) for r in result.results] == [
        (CODE0, Outcome.UNCACHED),
        (CHECK0, Outcome.NOT_RUN),
        (CODE1, Outcome.NOT_RUN),
    ]
    assert result.results[0].detail == "session 'main' is not in the cache and the cache mode is cache-only"


def test_a_cache_hit_is_read_when_its_page_asks_for_it(cache: SessionCache) -> None:
    cache.store_result(KEY, SPEC, RESULT)
    executor, pool = _executor(cache, CacheMode.AUTO)
    future = executor.submit(SPEC)
    assert future.done()
    reads: list[str] = []
    read = cache.store.read
    cache.store.read = lambda *args, **kwargs: reads.append(args[1]) or read(*args, **kwargs)  # type: ignore[method-assign]
    assert future.result().results == RESULT.results
    assert reads == [KEY]  # read from the store now, not held since the submission
    assert pool.ran == []


def test_a_cache_hit_gone_before_its_page_asks_runs(cache: SessionCache) -> None:
    cache.store_result(KEY, SPEC, RESULT)
    executor, pool = _executor(cache, CacheMode.AUTO)
    future = executor.submit(SPEC)
    for entry in _entries(cache):
        entry.unlink()  # another build pruned the cache meanwhile
    assert future.result().results == RESULT.results
    assert pool.ran == ["main"]


def test_a_cache_hit_damaged_before_its_page_asks_runs_its_spec_built_again(cache: SessionCache) -> None:
    cache.store_result(KEY, SPEC, RESULT)
    executor, pool = _executor(cache, CacheMode.AUTO)
    built: list[str] = []

    def again() -> SessionSpec:
        built.append(SPEC.name)
        return SPEC

    (pending,) = executor.submit_all([SPEC], [again])
    assert built == []  # the spec is built again only when the page asks
    for entry in _entries(cache):
        entry.write_bytes(b"{damaged")
    assert pending.result().results == RESULT.results
    assert built == ["main"]
    assert pool.ran == ["main"]


@pytest.mark.parametrize(("budget", "runs"), [(1000, []), (2000, ["main"])])
def test_a_hit_whose_outputs_were_cut_by_another_budget_runs(
    cache: SessionCache, budget: int, runs: list[str]
) -> None:
    from wmbook.execute.sandbox import Limits
    from wmbook.model import CUT_MIME

    cut = msgspec.structs.replace(RESULT.results[1], displays=(Display(((CUT_MIME, "5000 1000"),)),))
    cache.store_result(
        KEY, SPEC, msgspec.structs.replace(RESULT, results=(RESULT.results[0], cut, RESULT.results[2]))
    )
    pool = FakePool()
    executor = Executor(pool, cache, CacheMode.AUTO, limits=Limits(display_bytes=budget))  # type: ignore[arg-type]
    executor.submit(SPEC).result()
    assert pool.ran == runs


# -- with a shared layer --


def _shared_cache(tmp_path: Path, clone: str) -> SessionCache:
    from wmbook.shared_store import SharedStore

    return SessionCache(Store(tmp_path / clone, SharedStore(str(tmp_path / "shared"))))


def test_a_session_published_by_one_clone_is_not_run_by_another(tmp_path: Path) -> None:
    ci, ci_pool = _executor(_shared_cache(tmp_path, "ci"), CacheMode.AUTO)
    ci.submit(SPEC).result()
    ci.cache.store.flush()
    contributor, pool = _executor(_shared_cache(tmp_path, "contributor"), CacheMode.AUTO)
    result = contributor.submit(SPEC).result()
    assert (ci_pool.ran, pool.ran) == (["main"], [])
    assert result.from_cache and result.results == RESULT.results


def test_a_session_in_neither_layer_runs_and_is_published(tmp_path: Path) -> None:
    executor, pool = _executor(_shared_cache(tmp_path, "ci"), CacheMode.AUTO)
    executor.submit(SPEC).result()
    executor.cache.store.flush()
    assert pool.ran == ["main"]
    assert len(list((tmp_path / "shared" / "sessions").glob("*/*"))) == 1


def test_cache_only_names_both_layers(tmp_path: Path) -> None:
    executor, pool = _executor(_shared_cache(tmp_path, "host"), CacheMode.CACHE_ONLY)
    result = executor.submit(SPEC).result()
    assert pool.ran == []
    assert result.results[0].detail == (
        "session 'main' is not in the local or the shared cache and the cache mode is cache-only"
    )
