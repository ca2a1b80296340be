"""`mkdocs serve` for writers: a failing block shows in the page, and the preview goes on."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from waits import until

from .conftest import FIXTURES

pytestmark = pytest.mark.slow  # a real `mkdocs serve` process

FAILING = '\n```python\nprint("before")\nprint(1 / 0)\n```\n'


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=20) as response:  # the server answers (no hang)
        return str(response.read().decode("utf-8"))


class Server:
    """A real `mkdocs serve` on 127.0.0.1 and everything it printed so far."""

    def __init__(self, root: Path) -> None:
        self.port = _free_port()
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mkdocs", "serve", "-a", f"127.0.0.1:{self.port}"],
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path}"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[Server, Path]]:
    root = tmp_path / "book"
    shutil.copytree(FIXTURES / "good", root)
    page = root / "docs" / "other.md"
    page.write_text(page.read_text() + FAILING)
    serving = Server(root)
    try:
        assert until(lambda: "Serving on" in serving.output, 90), serving.output
        yield serving, page
    finally:
        serving.process.terminate()
        try:
            serving.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            serving.process.kill()


def test_failing_block_is_shown_and_the_server_answers(server: tuple[Server, Path]) -> None:
    serving, _ = server
    html = _get(serving.url("other/"))
    assert 'class="wmbook-problems"' in html
    assert "ZeroDivisionError: division by zero" in html
    assert 'class="wmbook-output wmbook-output--error"' in html  # the traceback in the block's place
    home = _get(serving.url(""))
    assert "wmbook-problems" not in home  # only the failing page shows problems
    assert "docs/other.md:" in serving.output and "ZeroDivisionError" in serving.output, serving.output
    # MkDocs wraps a long message at the terminal's width (80 columns when it has none).
    assert "strict `mkdocs build` fails" in " ".join(serving.output.split()), serving.output


def test_fixing_the_block_clears_the_page(server: tuple[Server, Path]) -> None:
    serving, page = server
    page.write_text(page.read_text().replace("print(1 / 0)", "print(1 / 4)"))
    assert until(lambda: "wmbook-problems" not in _get(serving.url("other/")), 60), serving.output
    html = _get(serving.url("other/"))
    assert "0.25" in html
