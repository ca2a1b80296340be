"""The authoring contract, end to end: fixture books built with MkDocs."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import SiteBuild, build_site


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> SiteBuild:
    from .conftest import copy_fixture

    root = copy_fixture("good", tmp_path_factory.mktemp("good"))
    with pytest.MonkeyPatch.context():
        caplog = _ModuleCaplog()
        return caplog.build(root)


class _ModuleCaplog:
    """A module-scoped stand-in for caplog: collects records from the root logger."""

    def build(self, root: Path) -> SiteBuild:
        import logging

        from mkdocs.commands.build import build
        from mkdocs.config import load_config
        from mkdocs.exceptions import Abort

        records: list[logging.LogRecord] = []

        class Collect(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                records.append(record)

        handler = Collect(level=logging.INFO)
        logger = logging.getLogger("mkdocs")
        level = logger.level
        logger.setLevel(logging.INFO)
        logger.addHandler(handler)
        try:
            config = load_config(config_file=str(root / "mkdocs.yml"), site_dir=str(root / "site"))
            failed = False
            try:
                build(config)
            except Abort:
                failed = True
        finally:
            logger.removeHandler(handler)
            logger.setLevel(level)
        text = "\n".join(r.getMessage() for r in records if r.levelno >= logging.WARNING)
        site = SiteBuild(root, root / "site", failed, text)
        site.info = "\n".join(r.getMessage() for r in records)  # type: ignore[attr-defined]
        return site


@pytest.fixture(scope="module")
def bad(tmp_path_factory: pytest.TempPathFactory) -> SiteBuild:
    from .conftest import copy_fixture

    root = copy_fixture("bad", tmp_path_factory.mktemp("bad"))
    return _ModuleCaplog().build(root)


def _outputs(html: str) -> list[str]:
    return re.findall(
        r'<div class="wmbook-output[^"]*"[^>]*>.*?<pre><code>(.*?)</code></pre></div>', html, re.S
    )


# -- the good book builds and shows what ran --


def test_good_book_builds(good: SiteBuild) -> None:
    assert not good.failed, good.messages
    assert "sessions: 3 run" in good.info  # type: ignore[attr-defined]


def test_output_is_escaped(good: SiteBuild) -> None:
    html = good.html()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)</script>" not in html


def test_fd_level_capture_child_process_and_warnings(good: SiteBuild) -> None:
    text = "\n".join(_outputs(good.html()))
    assert "from the file descriptor" in text
    assert "from a child process" in text
    assert "UserWarning: mind the gap" in text


def test_output_shown_once(good: SiteBuild) -> None:
    html = good.html()
    assert html.count("value=42") == 1  # the expected fence is not rendered beside the output
    assert html.count("42.0012") == 1


def test_named_session_and_pages_are_isolated(good: SiteBuild) -> None:
    assert "False True" in "\n".join(_outputs(good.html()))
    assert _outputs(good.html("other")) == ["False"]


def test_indented_block_in_admonition_runs(good: SiteBuild) -> None:
    html = good.html()
    note = html[html.index("Inside an admonition") :]
    assert "indented block" in note.split("</div>\n</div>")[0] or "indented block" in "".join(_outputs(note))


def test_raises_block_shows_traceback_with_markdown_line(good: SiteBuild) -> None:
    text = "\n".join(_outputs(good.html()))
    assert "File &quot;docs/index.md&quot;, line 50" in text
    assert "KeyError: &#x27;missing&#x27;" in text


def test_exec_off_is_shown_not_run(good: SiteBuild) -> None:
    html = good.html()
    assert "never run" in html  # the code is displayed
    assert html.count('class="wmbook-output wmbook-output--') == 5  # but it has no output box


def test_figure_is_inline_accessible_svg(good: SiteBuild) -> None:
    html = good.html()
    svgs = re.findall(r"<svg[^>]*>", html)
    figure = [s for s in svgs if "wmbook-svg" in s]
    assert len(figure) == 1
    assert 'role="img"' in figure[0] and 'aria-label="Squares"' in figure[0]
    assert "currentColor" in html


# -- the bad book: every problem, one run, each at its line --


def test_bad_book_fails_and_reports_everything(bad: SiteBuild) -> None:
    assert bad.failed
    for expected in [
        "docs/index.md:10: NameError: name 'undefined_name' is not defined",
        "docs/index.md:13: not run because the block at docs/index.md:10 failed",
        "docs/index.md:19: SyntaxError",
        "docs/index.md:23: unknown option 'exce'",
        "docs/index.md:28: timed out after 1 s",
        "docs/index.md:32: not run because the block at docs/index.md:28 failed",
        "docs/index.md:37: the session's process exited with status 1",
        'docs/index.md:46: the block is marked raises="ValueError" but raised nothing',
        "docs/second.md:7: the block printed something other than this expected output",
        "docs/second.md:11: an output fence must come directly after a python block",
    ]:
        assert expected in bad.messages, expected


def test_mismatch_message_has_a_diff(bad: SiteBuild) -> None:
    assert "-2.3\n" in bad.messages and "+2.4" in bad.messages


def test_traceback_uses_markdown_lines(bad: SiteBuild) -> None:
    assert 'File "docs/index.md", line 10, in <module>' in bad.messages


def test_died_block_keeps_its_partial_output(bad: SiteBuild) -> None:
    assert "about to leave" in bad.html()


def test_failing_pages_still_render(bad: SiteBuild) -> None:
    assert "wmbook-output--error" in bad.html()
    assert "Bad page two" in bad.html("second")


# -- accept mode and timeouts from mkdocs.yml --


def test_accept_rewrites_only_mismatching_fences(
    fixture_site: Callable[[str], Path], caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = fixture_site("bad")
    (root / "docs" / "index.md").unlink()
    page = root / "docs" / "second.md"
    page.write_text(page.read_text().replace("```output\norphan output\n```\n", ""))
    monkeypatch.setenv("WMBOOK_ACCEPT", "1")
    result = build_site(root, caplog)
    assert not result.failed, result.messages
    assert "```output\n2.4\n```" in page.read_text()
    monkeypatch.delenv("WMBOOK_ACCEPT")
    assert not build_site(root, caplog).failed


def test_bad_settings_name_the_option(
    fixture_site: Callable[[str], Path], caplog: pytest.LogCaptureFixture
) -> None:
    root = fixture_site("good")
    config = root / "mkdocs.yml"
    config.write_text(config.read_text().replace("timeout: 20", "timeout: soon"))
    result = build_site(root, caplog)
    assert result.failed
    assert "Plugin 'wmbook' option 'timeout'" in result.messages


def test_settings_left_under_extra_say_where_they_moved(
    fixture_site: Callable[[str], Path], caplog: pytest.LogCaptureFixture
) -> None:
    root = fixture_site("good")
    config = root / "mkdocs.yml"
    config.write_text(config.read_text() + "extra:\n  wmbook:\n    timeout: 20\n")
    result = build_site(root, caplog)
    assert result.failed
    assert "extra.wmbook is no longer read; move its settings under the plugin" in result.messages


def _with_hook(root: Path, body: str) -> None:
    """Add a hook that changes every page's Markdown before wmbook reads it."""
    (root / "hooks").mkdir()
    (root / "hooks" / "edit_first.py").write_text(
        "from mkdocs.plugins import event_priority\n\n\n"
        "@event_priority(100)\n"
        "def on_page_markdown(markdown, page, config, files):\n" + body
    )
    config = root / "mkdocs.yml"
    config.write_text(config.read_text() + "hooks:\n  - hooks/edit_first.py\n")


def test_page_edited_by_another_plugin_still_gets_its_outputs(
    fixture_site: Callable[[str], Path], caplog: pytest.LogCaptureFixture
) -> None:
    root = fixture_site("good")
    # Like a macros plugin: new lines above every block, prose changed around them.
    _with_hook(
        root,
        "    return 'Inserted first.\\n\\nAnd a second line.\\n\\n' + markdown.replace('Good', 'Fine')\n",
    )
    result = build_site(root, caplog, strict=True)
    assert not result.failed, result.messages
    html = result.html()
    assert "Inserted first." in html
    assert html.count('class="wmbook-output wmbook-output--') == 5
    assert "wmbook-slot" not in html


def test_block_changed_by_another_plugin_is_reported(
    fixture_site: Callable[[str], Path], caplog: pytest.LogCaptureFixture
) -> None:
    root = fixture_site("good")
    _with_hook(root, "    return markdown.replace('never run', 'changed by a plugin')\n")
    result = build_site(root, caplog)
    assert result.failed
    assert "another plugin changed this block before wmbook read the page" in result.messages


def test_a_notebook_that_cannot_be_written_is_reported_at_its_page(
    fixture_site: Callable[[str], Path], caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wmbook import stages

    real = stages.atomic_write

    def full_disk(path: Path, data: bytes, mode: int | None = None) -> None:
        if path.suffix == ".ipynb":
            raise OSError(28, "No space left on device")
        real(path, data, mode)

    monkeypatch.setattr(stages, "atomic_write", full_disk)
    result = build_site(fixture_site("good"), caplog)
    assert result.failed
    assert (
        "docs/index.md:1: could not write the page's notebook: [Errno 28] No space left on device"
        in result.messages
    )
