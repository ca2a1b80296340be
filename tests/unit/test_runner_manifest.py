"""The runner's manifest: which blocks run in the browser and what each replays first."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wmbook.blocks import CodeBlock
from wmbook.model import StepKey
from wmbook.parse.marked import ExecuteMode
from wmbook.parse.options import OptionError, parse_code_options
from wmbook.parse.page import parse_page
from wmbook.runner import pyodide
from wmbook.runner.manifest import manifest_json, runnable_blocks

PAGE = """# Page

```python
a = 1
```

```python session="other"
b = 2
```

```python run="off"
c = a + 1
```

```python exec="off"
not run at all
```

```python raises="ValueError"
int("x")
```

```python timeout="5"
print(a, c)
```
"""


def _blocks() -> tuple[list, dict[StepKey, str]]:
    blocks = list(parse_page(PAGE, "docs/p.md").blocks_of(CodeBlock))
    return blocks, {b.key: f"p-{b.index}" for b in blocks}


def test_runnable_blocks_and_their_replay_order() -> None:
    blocks, slots = _blocks()
    found = {b.id: (b.session, b.replay, b.timeout) for b in runnable_blocks(blocks, slots, 60)}
    assert found == {
        "p-0": ("main", (), 60),
        "p-1": ("other", (), 60),
        # run="off" (p-2) is not runnable, but the blocks below it still replay it
        "p-4": ("main", ("p-0", "p-2"), 60),
        "p-5": ("main", ("p-0", "p-2", "p-4"), 5.0),
    }


def test_manifest_carries_code_of_replayed_blocks_and_raises() -> None:
    blocks, slots = _blocks()
    data = json.loads(manifest_json(blocks, slots, 60, {"base": "assets/wmbook/"}))
    assert data["base"] == "assets/wmbook/"
    assert set(data["code"]) == {"p-0", "p-1", "p-2", "p-4", "p-5"}  # exec="off" has no code to run
    assert data["raises"] == {"p-4": "ValueError"}


def test_manifest_is_safe_inside_a_script_element() -> None:
    page = parse_page('```python\nprint("</script><b>")\n```\n', "docs/p.md")
    blocks = list(page.blocks_of(CodeBlock))
    text = manifest_json(blocks, {blocks[0].key: "p-0"}, 60, {})
    assert "</script>" not in text and "<" not in text
    assert json.loads(text)["code"]["p-0"] == 'print("</script><b>")'


@pytest.mark.parametrize(
    ("info", "run"),
    [("", True), ('run="on"', True), ('run="off"', False), ('run="OFF" session="s"', False)],
)
def test_run_option(info: str, run: bool) -> None:
    assert parse_code_options(info).run is run


@pytest.mark.parametrize("info", ['run="maybe"', 'exec="off" run="off"'])
def test_bad_run_option(info: str) -> None:
    with pytest.raises(OptionError):
        parse_code_options(info)


def test_runtime_that_cannot_be_fetched_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def offline(workdir: Path) -> Path:
        raise pyodide.RuntimeUnavailable("network unreachable")

    monkeypatch.setattr(pyodide, "_fetch_tarball", offline)
    with pytest.raises(pyodide.RuntimeUnavailable) as caught:
        pyodide.ensure_runtime(tmp_path)
    message = str(caught.value)
    assert f"Pyodide {pyodide.VERSION}" in message and "network unreachable" in message
    assert "run_in_browser: false" in message and str(tmp_path) in message


def test_runtime_with_a_wrong_checksum_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def tampered(workdir: Path) -> Path:
        path = workdir / f"pyodide-{pyodide.VERSION}.tgz"
        path.write_bytes(b"not the package")
        return path

    monkeypatch.setattr(pyodide, "_fetch_tarball", tampered)
    with pytest.raises(pyodide.RuntimeUnavailable, match="does not match its pinned checksum"):
        pyodide.ensure_runtime(tmp_path)
    assert not (tmp_path / "pyodide" / pyodide.VERSION).exists()


def test_kept_runtime_is_used_without_fetching(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "pyodide" / pyodide.VERSION
    folder.mkdir(parents=True)
    for name in pyodide.CORE_FILES:
        (folder / name).write_bytes(b"x" * 10)
    (folder / ".integrity").write_text(pyodide.INTEGRITY + "\n")

    def never(workdir: Path) -> Path:
        raise AssertionError("fetched although the runtime is kept")

    monkeypatch.setattr(pyodide, "_fetch_tarball", never)
    assert pyodide.ensure_runtime(tmp_path) == folder
    assert pyodide.runtime_bytes(folder) == 10 * len(pyodide.CORE_FILES)


def test_serve_gives_wasm_its_type(monkeypatch: pytest.MonkeyPatch) -> None:
    import mimetypes

    import wmbook.plugin

    monkeypatch.setattr(wmbook.plugin, "install_interrupt_handlers", lambda: None)  # not in pytest's process
    table = mimetypes.MimeTypes()  # as the system's files have it, less the type of .wasm
    table.types_map[True].pop(".wasm", None)
    monkeypatch.setattr(mimetypes, "_db", table)
    assert mimetypes.guess_type("pyodide.asm.wasm")[0] is None
    wmbook.plugin.WmbookPlugin().on_startup(command="serve", dirty=False)  # as mkdocs serve starts
    assert mimetypes.guess_type("pyodide.asm.wasm")[0] == "application/wasm"


PYODIDE_PAGE = """# Page

```python exec="1"
print("built")
```

```pyodide install="griffe, attrs" theme="monokai"
import griffe
```

```pyodide session="other" height="3"
x = 1
```

```pyodide
print("again")
```
"""


def test_pyodide_fences_run_only_in_the_browser() -> None:
    """markdown-exec's pyodide fences never run at build time; without run_in_browser they are
    the only runnable blocks, each in its own session (default when none is named)."""
    page = parse_page(PYODIDE_PAGE, "docs/p.md", site_mode=ExecuteMode.MARKED)
    blocks = list(page.blocks_of(CodeBlock))
    assert [(b.options.execute, b.options.browser_only) for b in blocks] == [
        (True, False),
        (False, True),
        (False, True),
        (False, True),
    ]
    slots = {b.key: f"p-{b.index}" for b in blocks}
    found = {
        b.id: (b.session, b.replay, b.install) for b in runnable_blocks(blocks, slots, 60, everything=False)
    }
    assert found == {
        "p-1": ("pyodide:default", (), ("griffe", "attrs")),
        "p-2": ("pyodide:other", (), ()),
        "p-3": ("pyodide:default", ("p-1",), ()),
    }
    data = json.loads(manifest_json(blocks, slots, 60, {}, everything=False))
    assert set(data["code"]) == {"p-1", "p-2", "p-3"}
    assert data["blocks"][0]["install"] == ["griffe", "attrs"]
