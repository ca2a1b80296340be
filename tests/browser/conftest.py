"""Build the repository's book once, serve it on 127.0.0.1 and drive it with Chromium."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .harness import CHROMIUM, CHROMIUM_ARGS, LOCAL_HOST, ROOT, PageLog, find_demo_page, is_local, serve


@pytest.fixture(scope="session")
def site_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The book built from mkdocs.yml (running every block) into a temporary directory."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    target = tmp_path_factory.mktemp("site")
    saved = {name: os.environ.get(name) for name in ("WMBOOK_ACCEPT", "NO_MKDOCS_2_WARNING")}
    os.environ.pop("WMBOOK_ACCEPT", None)  # never rewrite the book's pages from a test
    os.environ["NO_MKDOCS_2_WARNING"] = "1"
    try:
        config = load_config(config_file=str(ROOT / "mkdocs.yml"), site_dir=str(target))
        config.plugins.on_startup(command="build", dirty=False)
        try:
            build(config)
        finally:
            config.plugins.on_shutdown()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    assert (target / "index.html").is_file()
    return target


@pytest.fixture(scope="session")
def demo_path(site_dir: Path) -> str:
    """URL path of the page that shows every feature."""
    return find_demo_page(site_dir)


@pytest.fixture(scope="session")
def base_url(site_dir: Path) -> Iterator[str]:
    """URL of the built site, served from a daemon thread on a free port."""
    with serve(site_dir, LOCAL_HOST) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium driven by Playwright."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=list(CHROMIUM_ARGS)
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page_log() -> PageLog:
    """Requests aborted and console errors of the current test's page."""
    return PageLog()


@pytest.fixture
def page(browser: Any, base_url: str, page_log: PageLog) -> Iterator[Any]:
    """A fresh light-scheme page that may only talk to 127.0.0.1 and records console errors."""
    context = browser.new_context(
        base_url=base_url, color_scheme="light", viewport={"width": 1280, "height": 900}
    )
    tab = context.new_page()

    def route(route: Any) -> None:
        url = route.request.url
        if is_local(url):
            route.continue_()
        else:
            page_log.blocked.append(url)
            route.abort()

    def on_console(message: Any) -> None:
        if message.type == "error":
            page_log.console_errors.append(f"console: {message.text}")

    def on_page_error(error: Any) -> None:
        page_log.console_errors.append(f"pageerror: {error}")

    tab.route("**/*", route)
    tab.on("console", on_console)
    tab.on("pageerror", on_page_error)
    try:
        yield tab
    finally:
        context.close()
