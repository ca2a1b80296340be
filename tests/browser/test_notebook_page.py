"""A notebook page in headless Chromium: math rendered by KaTeX, nothing from other hosts."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .harness import FONT_STATE, LOCAL_HOST, ROOT, open_tab, serve


@pytest.fixture(scope="module")
def notebook_book_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The notebooks fixture book (mkdocs-jupyter beside wmbook), built and served on 127.0.0.1."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    root = tmp_path_factory.mktemp("notebook_book") / "book"
    shutil.copytree(ROOT / "tests" / "fixtures" / "notebooks", root)
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("WMBOOK_ACCEPT", raising=False)
        patch.setenv("NO_MKDOCS_2_WARNING", "1")
        config = load_config(config_file=str(root / "mkdocs.yml"), site_dir=str(root / "site"), strict=True)
        build(config)
    with serve(Path(root / "site"), LOCAL_HOST) as url:
        yield url


def test_notebook_page_renders_math_and_loads_only_its_own_files(
    browser: Any, notebook_book_url: str
) -> None:
    with open_tab(browser, notebook_book_url) as (tab, visit):
        response = tab.goto("/nb/momentum/", wait_until="networkidle")
        assert response is not None and response.status == 200
        state = tab.evaluate(FONT_STATE)
        text = tab.locator("article").inner_text()
        tab.wait_for_load_state("networkidle")
    assert not visit.problems, "\n".join(visit.problems)
    assert "$" not in text.replace("US$", ""), "raw TeX left on the page"
    assert state["family"] and state["family"].split(",")[0].strip().strip("\"'") == "KaTeX_Main"
    assert any(face["family"] == "KaTeX_Main" and face["status"] == "loaded" for face in state["faces"])


def test_notebook_quiz_is_interactive(browser: Any, notebook_book_url: str) -> None:
    with open_tab(browser, notebook_book_url) as (tab, visit):
        tab.goto("/nb/momentum/", wait_until="networkidle")
        quiz = tab.locator(".wmbook-quiz").first
        quiz.locator("input[name=value]").fill("5.0")
        quiz.get_by_role("button", name="Check").click()
        feedback = quiz.locator(".wmbook-quiz__feedback")
        feedback.wait_for(state="visible")
        assert feedback.inner_text().strip()
    assert not visit.problems, "\n".join(visit.problems)
