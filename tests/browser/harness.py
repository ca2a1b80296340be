"""Constants and records shared by the browser fixtures and tests."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
LOCAL_HOST = "127.0.0.1"
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
)
# Text printed by the first example of the page that shows every feature.
DEMO_MARKER = "mean of 10000 draws"


@dataclass
class PageLog:
    """What a page tried to do that a test may want to assert on."""

    blocked: list[str] = field(default_factory=list)  # requests that would have left 127.0.0.1
    console_errors: list[str] = field(default_factory=list)


def is_local(url: str) -> bool:
    """Whether a request goes to the test server's host."""
    return urlsplit(url).hostname == LOCAL_HOST


def find_demo_page(site_dir: Path) -> str:
    """URL path of the demo page: ``/demo/``, or the built page that holds the demo examples."""
    if (site_dir / "demo" / "index.html").is_file():
        return "/demo/"
    for html_file in sorted(site_dir.rglob("index.html")):
        if DEMO_MARKER in html_file.read_text(encoding="utf-8"):
            relative = html_file.parent.relative_to(site_dir).as_posix()
            return "/" if relative == "." else f"/{relative}/"
    raise AssertionError(f"no built page prints {DEMO_MARKER!r}")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files without logging every request."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve(root: Path, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve ``root`` from a daemon thread on a free port of ``host``; yield the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer((host, 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


FONT_STATE = """async () => {
  await document.fonts.ready;
  const math = document.querySelector(".katex");
  const faces = [];
  document.fonts.forEach((face) => faces.push({family: face.family.replace(/["']/g, ""), status: face.status}));
  return {family: math ? getComputedStyle(math).fontFamily : null, faces};
}"""


@dataclass
class Visit:
    """What one page did while it loaded."""

    problems: list[str] = field(default_factory=list)
    loaded: list[tuple[str, int]] = field(default_factory=list)  # (url, status) of every response


@contextmanager
def open_tab(browser: Any, base_url: str) -> Iterator[tuple[Any, Visit]]:
    """A fresh tab that may only reach 127.0.0.1 and records every problem of its pages."""
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    visit = Visit()
    aborted: set[str] = set()

    def route(route: Any) -> None:
        url = route.request.url
        if is_local(url):
            route.continue_()
        else:
            aborted.add(url)
            visit.problems.append(f"request to another host: {url}")
            route.abort()

    def on_response(response: Any) -> None:
        visit.loaded.append((response.url, response.status))
        if response.status >= 400:
            visit.problems.append(f"HTTP {response.status}: {response.url}")

    def on_request_failed(request: Any) -> None:
        # ERR_ABORTED: a request cut short by leaving the page (a missing file is a 404 instead).
        if request.url not in aborted and "ERR_ABORTED" not in str(request.failure):
            visit.problems.append(f"request failed ({request.failure}): {request.url}")

    def on_console(message: Any) -> None:
        if message.type == "error":
            visit.problems.append(f"console error: {message.text}")

    tab.route("**/*", route)
    tab.on("response", on_response)
    tab.on("requestfailed", on_request_failed)
    tab.on("console", on_console)
    tab.on("pageerror", lambda error: visit.problems.append(f"page error: {error}"))
    try:
        yield tab, visit
    finally:
        context.close()
