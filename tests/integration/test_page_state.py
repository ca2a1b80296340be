"""A build holds a finished page's parsed blocks, sessions and notebook write no longer, a
page MkDocs has read holds no parse until its outputs are placed, and a session's stored
result is read back when its page asks: what is alive does not grow with the number of pages."""

from __future__ import annotations

import gc
import json
import threading
import time
from collections import Counter
from concurrent.futures import Future
from concurrent.futures.thread import _WorkItem
from pathlib import Path
from typing import Any

import pytest

from wmbook import stages
from wmbook.blocks import CodeBlock
from wmbook.book import Book, Page
from wmbook.execute.executor import Executor, StoredRun
from wmbook.model import Fence, PendingResult, Region, SessionResult, SessionSpec, Step, StepResult
from wmbook.parse.options import CodeOptions

from .conftest import build_site

# What a page's parse and run leave: any of them alive at the end is held for every page.
PER_PAGE = (CodeBlock, Fence, Step, SessionSpec, Future)

MKDOCS_YML = "site_name: Pages\nplugins:\n  - wmbook\n"


@pytest.fixture(autouse=True)
def no_kept_parses(monkeypatch: pytest.MonkeyPatch) -> None:
    """No page's parse kept whole between MkDocs' passes (a small book's are, up to a bound:
    ``test_kept_parses_are_bounded``), so that what a page holds shows in a book of ten."""
    monkeypatch.setattr(stages, "KEPT_PARSES_BYTES", 0)


def page_text(number: int) -> str:
    return f"# Page {number}\n\nSome prose.\n\n```python\nvalue = {number}\nprint(value * 2)\n```\n"


def write_book(root: Path, pages: int) -> None:
    docs = root / "docs"
    docs.mkdir(parents=True)
    (root / "mkdocs.yml").write_text(MKDOCS_YML)
    (docs / "index.md").write_text("# Pages\n")
    for number in range(pages):
        (docs / f"page{number}.md").write_text(page_text(number))


def in_a_pool_thread(thing: object) -> bool:
    """A future a thread pool's worker has run but not yet let go of (the worker drops it when
    the thread next gets the CPU): one at most, however many pages, so not held for a page."""
    return isinstance(thing, Future) and any(
        isinstance(holder, _WorkItem) for holder in gc.get_referrers(thing)
    )


def every_object() -> list[object]:
    """Every object reachable from those the collector tracks: a record made only of strings
    and numbers (a ``Fence``) is not tracked itself, but whatever holds it is."""
    gc.collect()
    seen: dict[int, object] = {}
    stack = gc.get_objects()
    while stack:
        thing = stack.pop()
        if id(thing) not in seen:
            seen[id(thing)] = thing
            stack.extend(gc.get_referents(thing))
    return list(seen.values())


def alive(types: tuple[type, ...]) -> Counter[str]:
    """How many objects of each of these types are alive, leaving out a pool thread's last
    future (and its condition)."""
    everything = every_object()
    passing = [o for o in everything if isinstance(o, Future) and in_a_pool_thread(o)]
    transient = {id(o) for o in passing} | {id(o._condition) for o in passing}
    return Counter(type(o).__name__ for o in everything if isinstance(o, types) and id(o) not in transient)


def grown_between(few: Counter[str], many: Counter[str]) -> dict[str, int]:
    """What a bigger book has more of than a smaller one: held for every page."""
    return {name: many[name] - few[name] for name in many if many[name] > few[name]}


def alive_at_report(
    tmp_path: Path, pages: int, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> tuple[Counter[str], int]:
    """Objects of the per-page types alive when the report stage starts, and the characters
    of page text the book still holds."""
    root = tmp_path / f"book{pages}"
    write_book(root, pages)
    seen: list[tuple[Counter[str], int]] = []
    report = stages.report

    def counting(book: Book, *args: object, **kwargs: object) -> None:
        counts = alive(PER_PAGE)
        text = sum(len(page.parsed.text) for page in book.pages.values())
        seen.append((counts, text))
        report(book, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(stages, "report", counting)
    build = build_site(root, caplog)
    assert not build.failed, build.messages
    assert (build.site / "page1" / "index.html").read_text().count("<pre") >= 1
    assert len(seen) == 1
    return seen[0]


def test_finished_pages_are_let_go(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    few, few_text = alive_at_report(tmp_path, 2, caplog, monkeypatch)
    many, many_text = alive_at_report(tmp_path, 10, caplog, monkeypatch)
    assert few_text == many_text == 0
    # Eight more pages leave nothing more alive (a test run's own objects are the same in both).
    grown = grown_between(few, many)
    assert grown == {}, f"kept for every page: {grown}"


# What a page whose session is cached held until its page asked for it (a Future with its
# Condition, and the session's spec: a copy of the page's text).
PER_CACHE_HIT = (SessionSpec, Future, threading.Condition)


def alive_at_first_check(
    tmp_path: Path,
    pages: int,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    types: tuple[type, ...] = PER_CACHE_HIT,
    stage: str = "check",
) -> Counter[str]:
    """Objects of ``types`` alive when an unchanged build checks its first page (every page's
    session a cache hit, none asked for yet; MkDocs has read every page), or first enters
    another ``stage`` (``render_markdown``: MkDocs reads its first page)."""
    root = tmp_path / f"cached{pages}"
    write_book(root, pages)
    assert not build_site(root, caplog).failed  # fills the cache
    seen: list[Counter[str]] = []
    cached: list[bool] = []
    entered, report = getattr(stages, stage), stages.report

    def counting(book: Book, page: Page, *args: object, **kwargs: object) -> object:
        if not seen:
            seen.append(alive(types))
        return entered(book, page, *args, **kwargs)

    def reporting(book: Book, *args: object, **kwargs: object) -> None:
        cached.append(all(session.from_cache for session in book.sessions))
        report(book, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(stages, stage, counting)
    monkeypatch.setattr(stages, "report", reporting)
    build = build_site(root, caplog)
    assert not build.failed, build.messages
    assert cached == [True]
    return seen[0]


def test_cache_hits_hold_no_spec_or_future_until_asked(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    few = alive_at_first_check(tmp_path, 2, caplog, monkeypatch)
    many = alive_at_first_check(tmp_path, 10, caplog, monkeypatch)
    grown = grown_between(few, many)
    assert grown == {}, f"held for every cached page: {grown}"


# What a page's parse holds: kept from the build's start, or from MkDocs' reading the page to its
# outputs' placing, every page's would be held at once (MkDocs reads every page before it places
# the first one's outputs).
PER_PARSE = (CodeBlock, Fence, Region, CodeOptions)


@pytest.mark.parametrize("stage", ["render_markdown", "check"])
def test_pages_hold_no_parse_until_rendered(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch, stage: str
) -> None:
    # render_markdown: every page parsed and its sessions started; check: every page read by MkDocs.
    few = alive_at_first_check(tmp_path, 2, caplog, monkeypatch, PER_PARSE, stage)
    many = alive_at_first_check(tmp_path, 10, caplog, monkeypatch, PER_PARSE, stage)
    grown = grown_between(few, many)
    assert grown == {}, f"held for every page read: {grown}"


def settled(pending: object) -> bool:
    """Whether a page's session has ended and, if its result goes to the store, is stored."""
    assert isinstance(pending, Future | StoredRun)
    return pending.done() and not (isinstance(pending, StoredRun) and pending.held())


def parses_alive_when_sessions_start(
    tmp_path: Path, pages: int, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> Counter[str]:
    """Objects of a page's parse alive when the build starts every page's sessions (every
    page read)."""
    root = tmp_path / f"start{pages}"
    write_book(root, pages)
    seen: list[Counter[str]] = []
    submit_all = Executor.submit_all

    def counting(executor: Executor, *args: Any, **kwargs: Any) -> list[PendingResult]:
        seen.append(alive(PER_PARSE))
        return submit_all(executor, *args, **kwargs)

    monkeypatch.setattr(Executor, "submit_all", counting)
    build = build_site(root, caplog)
    assert not build.failed, build.messages
    assert len(seen) == 1
    return seen[0]


def test_pages_are_parsed_one_at_a_time_when_the_build_starts(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    few = parses_alive_when_sessions_start(tmp_path, 2, caplog, monkeypatch)
    many = parses_alive_when_sessions_start(tmp_path, 10, caplog, monkeypatch)
    grown = grown_between(few, many)
    assert grown == {}, f"held for every page when its sessions start: {grown}"


def held_when_every_session_ended(
    tmp_path: Path, pages: int, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> tuple[Counter[str], int]:
    """Results alive in a cold build once every page's session has ended and been stored,
    before the first page asks for its results; and how many pages' outputs were placed."""
    root = tmp_path / f"cold{pages}"
    write_book(root, pages)
    seen: list[Counter[str]] = []
    check = stages.check

    def counting(book: Book, page: Page) -> None:
        if not seen:
            pending = [p for each in book.pages.values() for p in each.sessions]
            deadline = time.monotonic() + 120
            while not all(settled(p) for p in pending) and time.monotonic() < deadline:
                time.sleep(0.05)  # the sessions are running: waited for, up to the deadline
            seen.append(alive((SessionResult, StepResult)))
        check(book, page)

    monkeypatch.setattr(stages, "check", counting)
    build = build_site(root, caplog)
    assert not build.failed, build.messages
    printed = [(build.site / f"page{n}" / "index.html").read_text() for n in range(pages)]
    return seen[0], sum(f"<pre><code>{n * 2}</code></pre>" in html for n, html in enumerate(printed))


def test_cold_results_are_read_back_from_the_store_not_held(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    few, few_shown = held_when_every_session_ended(tmp_path, 2, caplog, monkeypatch)
    many, many_shown = held_when_every_session_ended(tmp_path, 10, caplog, monkeypatch)
    assert (few_shown, many_shown) == (2, 10)  # each page shows what its block printed
    grown = grown_between(few, many)
    assert grown == {}, f"held for every page run: {grown}"


def test_kept_parses_are_bounded(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The parses kept whole between MkDocs' passes take no more than their bound: a book of
    twenty pages holds those of as many pages as one of ten when MkDocs has read every page."""
    monkeypatch.setattr(stages, "KEPT_PARSES_BYTES", 3 * stages.parse_bytes(page_text(10)))
    ten = alive_at_first_check(tmp_path, 10, caplog, monkeypatch, (CodeBlock,))
    twenty = alive_at_first_check(tmp_path, 20, caplog, monkeypatch, (CodeBlock,))
    assert ten == twenty == Counter(CodeBlock=3)  # three pages kept whole, in both books


@pytest.mark.parametrize("cached", [False, True])
def test_a_small_book_is_parsed_once_a_page(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch, cached: bool
) -> None:
    """Its pages' parses, and their sessions' specs, are kept whole between MkDocs' passes: no
    page is parsed again, and no cache hit builds its spec again when its page asks."""
    monkeypatch.undo()  # the bound as a book meets it
    root = tmp_path / "small"
    write_book(root, 5)
    if cached:
        assert not build_site(root, caplog).failed  # fills the cache
    parses: Counter[str] = Counter()
    specs_again: list[str] = []
    parse_text, page_spec = stages.parse_text, stages._page_spec

    def counting(book: Book, ref: Any, text: str) -> Any:
        parses[ref.uri] += 1
        return parse_text(book, ref, text)

    def spec_again(book: Book, page: Page, name: str) -> SessionSpec:
        specs_again.append(page.uri)
        return page_spec(book, page, name)

    monkeypatch.setattr(stages, "parse_text", counting)
    monkeypatch.setattr(stages, "_page_spec", spec_again)
    build = build_site(root, caplog)
    assert not build.failed, build.messages
    assert "<pre><code>8</code></pre>" in (build.site / "page4" / "index.html").read_text()
    assert parses == Counter({"index.md": 1} | {f"page{n}.md": 1 for n in range(5)})
    assert specs_again == []
    report = json.loads((root / ".cache" / "wmbook" / "last-build.json").read_text())
    assert [session["from_cache"] for session in report["sessions"]] == [cached] * 5
