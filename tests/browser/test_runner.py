"""The in-browser runner in headless Chromium, offline: Pyodide from the site, the page's sessions."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .harness import LOCAL_HOST, ROOT, is_local, serve

PACKAGES = "https://packages.example.org/pyodide/"
RUN_TIMEOUT = 120_000  # ms: the first Run loads the runtime (13.5 MB from the local server)


@pytest.fixture(scope="module")
def runner_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The runner fixture book (run_in_browser: true), built and served on 127.0.0.1."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    root = tmp_path_factory.mktemp("runner_book") / "book"
    shutil.copytree(ROOT / "tests" / "fixtures" / "runner", root)
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("WMBOOK_ACCEPT", raising=False)
        patch.setenv("NO_MKDOCS_2_WARNING", "1")
        build(load_config(config_file=str(root / "mkdocs.yml"), site_dir=str(root / "site"), strict=True))
    with serve(Path(root / "site"), LOCAL_HOST) as url:
        yield url


class Tab:
    """A page of the runner book that may only reach 127.0.0.1 (and a 404 for packages)."""

    def __init__(self, browser: Any, base_url: str) -> None:
        self.context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.errors: list[str] = []

        def route(route: Any) -> None:
            url = route.request.url
            self.requests.append(url)
            if is_local(url):
                route.continue_()
            elif url.startswith(PACKAGES):
                route.fulfill(status=404, body="offline")
            else:
                self.errors.append(f"request to another host: {url}")
                route.abort()

        self.page.route("**/*", route)
        self.page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        self.page.goto("/", wait_until="networkidle")

    def bar(self, number: int) -> Any:
        """The toolbar of the page's runnable example ``number`` (1-based among runnable ones)."""
        return self.page.locator(".wmbook-run__bar").nth(number - 1)

    def edit(self, number: int, code: str | None = None) -> Any:
        button = self.bar(number).get_by_role("button", name="Edit")
        if button.is_visible():
            button.click()
        editor = self.page.get_by_role("textbox", name=f"Code of example {number}.")
        if code is not None:
            editor.fill(code)
        return editor

    def run(self, number: int) -> str:
        """Run example ``number``; the text of its 'your run' box."""
        self.bar(number).get_by_role("button", name="Run").click()
        return self.yours(number)

    def yours(self, number: int) -> str:
        box = self.page.locator(".wmbook-run").nth(number - 1).locator(".wmbook-run__yours")
        box.wait_for(timeout=RUN_TIMEOUT)
        return str(box.locator("pre").inner_text())

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def tab(browser: Any, runner_url: str) -> Iterator[Tab]:
    opened = Tab(browser, runner_url)
    try:
        yield opened
        assert not opened.errors, "\n".join(opened.errors)
    finally:
        opened.close()


def test_no_python_is_fetched_before_run(tab: Tab) -> None:
    assert tab.page.locator(".wmbook-run__bar").count() == 7  # the run="off" block has none
    assert not [u for u in tab.requests if "/pyodide/" in u or "runner-worker" in u]


def test_edited_block_uses_a_name_defined_above(tab: Tab) -> None:
    tab.edit(2, "answer = base + 100\nprint('edited answer', answer)")
    assert tab.run(2).strip() == "edited answer 140"
    assert [u for u in tab.requests if u.endswith("/assets/wmbook/pyodide/pyodide.asm.wasm")]
    built = tab.page.locator(".wmbook-run").nth(1).locator(".wmbook-output").last
    assert not built.is_visible()  # the built output is a click away
    tab.page.get_by_role("button", name="Show the built output").click()
    assert "answer is 42" in built.inner_text()


def test_session_state_replays_edited_blocks_above(tab: Tab) -> None:
    tab.edit(1, "base = 1")
    tab.edit(3)
    assert tab.run(3).strip() == "twice the answer: 6"  # base 1 -> answer 3 -> 6


def test_named_session_is_separate(tab: Tab) -> None:
    tab.edit(4)
    assert tab.run(4).strip() == "other session sees base: False"


def test_exception_shows_the_edited_lines(tab: Tab) -> None:
    tab.edit(1, "x = 1\ny = x / 0")
    text = tab.run(1)
    assert 'File "example 1", line 2' in text and "ZeroDivisionError: division by zero" in text
    assert tab.page.locator(".wmbook-run__yours .wmbook-output--error").count() == 1


def test_stop_ends_a_runaway_block_and_the_next_run_starts_afresh(tab: Tab) -> None:
    tab.edit(2, "answer = base + 2\nprint(answer)")
    assert tab.run(2).strip() == "42"  # Python is loaded
    tab.edit(3, "while True:\n    pass")
    tab.bar(3).get_by_role("button", name="Run").click()
    status = tab.bar(3).locator(".wmbook-run__status")
    status.filter(has_text="running").wait_for()  # the block was handed to Python
    tab.bar(3).get_by_role("button", name="Stop").click()
    # Stop ends the worker at once (how fast is for tests/bench/runner_bench.py to say).
    status.filter(has_text="stopped").wait_for()
    tab.edit(3, "print('after the stop:', answer)")
    text = tab.run(3)
    assert "started afresh" in text and "after the stop: 42" in text


def test_a_run_past_the_blocks_timeout_is_stopped(tab: Tab) -> None:
    tab.edit(6, "while True:\n    pass")
    text = tab.run(6)
    assert 'timed out after 3 s; make the block faster or set timeout="S"' in text


def test_reset_restores_the_built_code_and_output(tab: Tab) -> None:
    tab.edit(2, "print('changed')")
    assert tab.run(2).strip() == "changed"
    tab.bar(2).get_by_role("button", name="Reset").click()
    assert tab.page.locator("textarea").count() == 0
    box = tab.page.locator(".wmbook-run").nth(1)
    assert box.locator(".wmbook-run__yours").count() == 0
    assert "answer is 42" in box.inner_text()
    assert tab.page.locator(".wmbook-run").nth(1).evaluate("b => !b.previousElementSibling.hidden")


def test_keyboard_only(tab: Tab) -> None:
    edit = tab.bar(1).get_by_role("button", name="Edit")
    edit.focus()
    tab.page.keyboard.press("Enter")
    editor = tab.page.get_by_role("textbox", name="Code of example 1.")
    assert editor.evaluate("e => document.activeElement === e")
    tab.page.keyboard.press("Control+a")
    tab.page.keyboard.type("if True:")
    tab.page.keyboard.press("Enter")  # keeps the block's indentation
    tab.page.keyboard.press("Shift+Tab")
    tab.page.keyboard.press("Tab")  # indents (and does not leave the editor)
    tab.page.keyboard.type("base = 7")
    tab.page.keyboard.press("Enter")
    tab.page.keyboard.type("print('typed', base)")
    assert editor.input_value() == "if True:\n    base = 7\n    print('typed', base)"
    tab.page.keyboard.press("Control+Enter")
    assert tab.yours(1).strip() == "typed 7"
    tab.page.keyboard.press("Escape")
    tab.page.keyboard.press("Tab")
    assert not editor.evaluate("e => document.activeElement === e")  # Escape, then Tab, leaves


def test_missing_package_says_which_from_where(tab: Tab) -> None:
    tab.edit(7)
    text = tab.run(7)
    assert "could not load the package numpy from https://packages.example.org/pyodide/numpy-" in text
    assert "you may be offline" in text
    wheels = [u for u in tab.requests if u.startswith(PACKAGES)]
    assert wheels and all(u.endswith(".whl") for u in wheels)


def test_pyodide_fences_run_in_the_browser(tab: Tab) -> None:
    """markdown-exec's pyodide fences are runnable blocks of the runner, in one session."""
    tab.page.goto("/pyodide/", wait_until="networkidle")
    assert tab.page.locator(".wmbook-run__bar").count() == 2
    tab.edit(2)
    assert tab.run(2).strip() == "hello from the browser"  # the block above ran first


def test_a_figure_from_a_run_is_an_image_not_markup(tab: Tab) -> None:
    """A block decides what the worker sends as a figure (here a fake pyplot's): it is shown as
    an image of the SVG, so an event handler in it never joins the page."""
    code = (
        "import sys, types\n"
        "class Figure:\n"
        "    def savefig(self, buffer, **options):\n"
        '        buffer.write(\'<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9">\'\n'
        '                     \'<img src="x" onerror="document.title=1"><rect width="9" height="9"/></svg>\')\n'
        "fake = types.ModuleType('matplotlib.pyplot')\n"
        "fake.get_fignums = lambda: [1]\n"
        "fake.figure = lambda number: Figure()\n"
        "fake.close = lambda which: None\n"
        "sys.modules['matplotlib.pyplot'] = fake\n"
    )
    tab.edit(1, code)
    tab.run(1)
    figure = tab.page.locator(".wmbook-run__yours figure")
    assert figure.locator("svg").count() == 0 and figure.locator("img[onerror]").count() == 0
    image = figure.locator("img.wmbook-svg")
    assert image.count() == 1 and image.get_attribute("src").startswith("data:image/svg+xml")
    assert tab.page.title() != "1"
