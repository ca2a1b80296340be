"""A session sees none of the build's secrets: not its environment, not the files of the
user's home or of the project's .git, not another process's environment; it opens no TCP
connection and signals no process outside its own sandbox."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from wmbook.execute.sandbox import landlock_abi

from .conftest import build_in_subprocess, build_site, one_page_book, subprocess_env

SECRET = "s3cr3t-4f9d8c1e"

LOOK = """
import os, pathlib
found = []
for name, value in os.environ.items():
    if "{secret}" in value:
        found.append("environment " + name)
for path in [{files}]:
    try:
        if "{secret}" in pathlib.Path(path).read_text():
            found.append(path)
    except OSError:
        pass
for entry in pathlib.Path("/proc").glob("[0-9]*/environ"):
    try:
        if b"{secret}" in entry.read_bytes():
            found.append(str(entry))
    except OSError:
        pass
print("HOME is the session folder:", os.environ["HOME"] == os.path.dirname(os.getcwd()))
print("found:", len(found), sorted(found))
"""

needs_landlock = pytest.mark.skipif(
    landlock_abi() < 6, reason="this kernel's Landlock lacks network or scopes"
)


def _book(tmp_path: Path, code: str, extra: str = "") -> Path:
    page = f"# Secrets\n\n```python\n{code}```\n"
    return one_page_book(tmp_path, page, title="Secrets", options="      timeout: 30\n" + extra)


@needs_landlock
def test_the_build_s_secrets_are_out_of_a_session_s_reach(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    (home / ".aws" / "credentials").write_text(f"[default]\naws_secret_access_key = {SECRET}\n")
    (home / ".ssh").mkdir()
    (home / ".ssh" / "id_ed25519").write_text(SECRET)
    root = tmp_path / "book"
    (root / ".git").mkdir(parents=True)
    (root / ".git" / "config").write_text(f'[remote "origin"]\n\turl = https://x:{SECRET}@example.org/r\n')
    files = [home / ".aws" / "credentials", home / ".ssh" / "id_ed25519", root / ".git" / "config"]
    files_text = ", ".join(repr(str(f)) for f in files) + ', "../.git/config", "../../.git/config"'
    _book(tmp_path, LOOK.format(secret=SECRET, files=files_text))
    env = subprocess_env(tmp_path, HOME=str(home), AWS_SECRET_ACCESS_KEY=SECRET, GITHUB_TOKEN=SECRET)
    done = build_in_subprocess(root, env, timeout=180)
    assert done.returncode == 0, done.stderr
    html = (root / "site" / "index.html").read_text()
    assert "found: 0 []" in html, html[html.find("found:") : html.find("found:") + 400]
    assert "HOME is the session folder: True" in html


def test_a_variable_named_in_env_is_passed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WMBOOK_TEST_WANTED", "passed on")
    monkeypatch.setenv("WMBOOK_TEST_UNWANTED", "kept back")
    code = 'import os\nprint(os.environ.get("WMBOOK_TEST_WANTED"), os.environ.get("WMBOOK_TEST_UNWANTED"))\n'
    root = _book(tmp_path, code, "      env: [WMBOOK_TEST_WANTED]\n")
    site = build_site(root, caplog)
    assert not site.failed, site.messages
    assert "passed on None" in site.html()


@needs_landlock
def test_a_session_opens_no_tcp_connection(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        port = listener.getsockname()[1]
        code = f'import socket\nsocket.create_connection(("127.0.0.1", {port}), timeout=5).sendall(b"leak")\n'
        site = build_site(_book(tmp_path, code), caplog)
        listener.setblocking(False)
        with pytest.raises(BlockingIOError):
            listener.accept()  # the build is over: a connection it made would be waiting here
    assert site.failed
    assert "docs/index.md:5: PermissionError" in site.messages


@needs_landlock
def test_network_true_lets_sessions_connect(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        port = listener.getsockname()[1]
        code = f'import socket\nsocket.create_connection(("127.0.0.1", {port}), timeout=5).close()\n'
        site = build_site(_book(tmp_path, code, "      network: true\n"), caplog)
        listener.setblocking(False)
        listener.accept()[0].close()
    assert not site.failed, site.messages


@needs_landlock
def test_a_session_signals_no_process_outside_its_sandbox(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Signal 0 only asks whether a signal could be sent: nothing is harmed either way.
    code = f"""import os
reachable = []
for pid in [{os.getpid()}, os.getppid(), *range(max(2, os.getpid() - 200), os.getpid() + 200)]:
    if pid == os.getpid():
        continue
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        continue
    except PermissionError:
        continue
    reachable.append(pid)
print("reachable:", reachable)
"""
    site = build_site(_book(tmp_path, code), caplog)
    assert not site.failed, site.messages
    assert "reachable: []" in site.html()
