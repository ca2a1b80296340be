"""Accept mode rewrites only the body of an output fence, byte for byte."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from kind_support import check_context

from wmbook.accept import apply_rewrites
from wmbook.book import ParsedPage
from wmbook.kinds import output
from wmbook.kinds.output import ExpectedOutput, OutputRewrite
from wmbook.model import Fence, Outcome, PageRef, Severity, SourceLoc, StepKey, StepKind, StepResult
from wmbook.parse.page import parse_page

DISPLAY = "docs/page.md"

PAGE = (
    "---\n"
    "title: Café\n"
    "---\n"
    "\n"
    "# Café 漢字 🎉\t\n"
    "\n"
    "\n"
    "\n"
    "Prose with trailing spaces   \n"
    "\tA tabbed line, naïve façade.\n"
    "\n"
    "```python\n"
    "print('é 漢字 🎉')\n"
    "```\n"
    "\n"
    "\n"
    "```output\n"
    "old é\n"
    "\n"
    "old 漢字  \n"
    "```\n"
    "\n"
    '!!! note "Inside 漢字"\n'
    "\n"
    "    ```python\n"
    "    for i in range(2):\n"
    "        print(i)\n"
    "    ```\n"
    "\n"
    "    ```output\n"
    "    old 0\n"
    "    ```\n"
    "\n"
    "End 🎉  \t\n"
)

NEW_TEXTS = [
    "new é 漢字 🎉\n",
    "first line\n\n  indented  \nlast\n",
    "no trailing newline",
    "",
    "tabs\tinside\n\n\n",
    "a line with ``` inside is fine\n",
]


def _write(tmp_path: Path, raw: bytes, mode: int = 0o640) -> tuple[Path, ParsedPage]:
    """Write the page and parse it the way the build reads it."""
    path = tmp_path / "page.md"
    path.write_bytes(raw)
    path.chmod(mode)
    with open(path, encoding="utf-8-sig", errors="replace") as handle:
        text = handle.read()
    return path, parse_page(text, PageRef("page.md", DISPLAY, str(path)))


def _with_output(page: ParsedPage) -> list[ExpectedOutput]:
    """The page's expected-output fences."""
    assert not page.diagnostics, [d.format() for d in page.diagnostics]
    return list(page.blocks_of(ExpectedOutput))


def _lines(raw: bytes) -> list[bytes]:
    """Lines split at LF only (as the parser counts them), each keeping its ending."""
    return io.BytesIO(raw).readlines()


def _output_fence(expected: ExpectedOutput) -> Fence:
    return expected.fence


def _split_at_body(raw: bytes, fence: Fence) -> tuple[bytes, bytes, bytes]:
    """The bytes before an output fence's body, the body, and the bytes from its closing line on."""
    lines = _lines(raw)
    prefix = b"".join(lines[: fence.start])
    body = b"".join(lines[fence.start : fence.end - 1])
    suffix = b"".join(lines[fence.end - 1 :])
    assert prefix + body + suffix == raw
    return prefix, body, suffix


def _check_body(body: bytes, printed: str, indent: str, eol: bytes) -> None:
    """The new body is the printed text, one indented line per printed line."""
    want = printed.rstrip("\n").split("\n") if printed.rstrip("\n") else []
    got = _lines(body)
    assert len(got) == len(want)
    for line, expected in zip(got, want, strict=True):
        assert line.endswith(eol)
        content = line[: -len(eol)].decode("utf-8")
        assert "\r" not in content and "\n" not in content
        if expected.strip():
            assert content == indent + expected
        else:
            assert content.strip() == ""


@pytest.mark.parametrize("which", [0, 1], ids=["top-level", "admonition"])
@pytest.mark.parametrize("new_text", NEW_TEXTS)
@pytest.mark.parametrize(
    ("eol", "bom"),
    [(b"\n", b""), (b"\r\n", b""), (b"\r\n", b"\xef\xbb\xbf")],
    ids=["lf", "crlf", "bom-crlf"],
)
def test_only_the_fence_body_changes(
    tmp_path: Path, eol: bytes, bom: bytes, new_text: str, which: int
) -> None:
    """Every byte outside the rewritten body is unchanged; the body is the printed text."""
    before = bom + PAGE.encode("utf-8").replace(b"\n", eol)
    path, page = _write(tmp_path, before)
    expected = _with_output(page)[which]
    fence = _output_fence(expected)

    problems = apply_rewrites(str(path), [OutputRewrite(expected, new_text)])

    assert problems == []
    after = path.read_bytes()
    prefix, _, suffix = _split_at_body(before, fence)
    assert after.startswith(prefix)
    assert after.endswith(suffix)
    assert len(after) >= len(prefix) + len(suffix)
    _check_body(after[len(prefix) : len(after) - len(suffix)], new_text, fence.indent, eol)
    assert os.listdir(tmp_path) == ["page.md"]
    assert path.stat().st_mode & 0o7777 == 0o640

    with open(path, encoding="utf-8-sig") as handle:
        reparsed = _with_output(parse_page(handle.read(), DISPLAY))
    texts = [expected.text for expected in reparsed]
    assert texts[which] == new_text.rstrip("\n")
    assert texts[1 - which] == _with_output(page)[1 - which].text


@pytest.mark.parametrize("eol", [b"\n", b"\r\n"], ids=["lf", "crlf"])
def test_two_fences_at_once(tmp_path: Path, eol: bytes) -> None:
    """Both fences of a page can be rewritten in one call; the rest stays as it was."""
    before = PAGE.encode("utf-8").replace(b"\n", eol)
    path, page = _write(tmp_path, before)
    first, second = _with_output(page)
    rewrites = [OutputRewrite(second, "zwei\ndrei\n"), OutputRewrite(first, "eins é\n")]

    assert apply_rewrites(str(path), rewrites) == []

    old = _lines(before)
    one, two = _output_fence(first), _output_fence(second)
    expected = b"".join(
        [
            *old[: one.start],
            "eins é".encode() + eol,
            *old[one.end - 1 : two.start],
            b"    zwei" + eol,
            b"    drei" + eol,
            *old[two.end - 1 :],
        ]
    )
    assert path.read_bytes() == expected
    assert os.listdir(tmp_path) == ["page.md"]


@pytest.mark.parametrize("mode", [0o600, 0o644, 0o664, 0o755])
def test_file_mode_is_kept(tmp_path: Path, mode: int) -> None:
    """The rewritten file keeps its permission bits."""
    path, page = _write(tmp_path, PAGE.encode("utf-8"), mode)
    apply_rewrites(str(path), [OutputRewrite(_with_output(page)[0], "changed\n")])
    assert path.stat().st_mode & 0o7777 == mode
    assert b"changed\n" in path.read_bytes()


def test_unchanged_output_leaves_the_file_alone(tmp_path: Path) -> None:
    """Rewriting a fence with the text it already holds changes nothing."""
    raw = PAGE.encode("utf-8")
    path, page = _write(tmp_path, raw)
    inode = path.stat().st_ino
    apply_rewrites(str(path), [OutputRewrite(_with_output(page)[1], "old 0\n")])
    assert path.read_bytes() == raw
    assert path.stat().st_ino == inode
    assert os.listdir(tmp_path) == ["page.md"]


@pytest.mark.parametrize(
    ("which", "printed"),
    [
        (0, "before\n```\nafter\n"),
        (0, "```python\n"),
        (0, "   ```   \n"),
        (0, "`````\n"),
        (1, "x\n```\n"),
    ],
)
def test_fence_marker_in_output_is_refused(tmp_path: Path, which: int, printed: str) -> None:
    """Printed text that would close the fence gives a Diagnostic and leaves the file as it was."""
    raw = PAGE.encode("utf-8")
    path, page = _write(tmp_path, raw)
    expected = _with_output(page)[which]

    problems = apply_rewrites(str(path), [OutputRewrite(expected, printed)])

    assert [(p.loc, p.severity) for p in problems] == [(expected.loc, Severity.ERROR)]
    assert "```" in problems[0].message
    assert path.read_bytes() == raw
    assert os.listdir(tmp_path) == ["page.md"]


def test_refused_fence_does_not_stop_the_other(tmp_path: Path) -> None:
    """One refused rewrite still lets the other fence of the page be rewritten."""
    path, page = _write(tmp_path, PAGE.encode("utf-8"))
    first, second = _with_output(page)
    problems = apply_rewrites(str(path), [OutputRewrite(first, "```\n"), OutputRewrite(second, "fine\n")])
    assert [p.loc for p in problems] == [SourceLoc(DISPLAY, 17)]
    data = path.read_bytes().decode("utf-8")
    assert "    fine\n" in data
    assert "old é\n" in data


def test_shorter_marker_in_output_is_accepted(tmp_path: Path) -> None:
    """``` printed under a ```` fence cannot close it, so it is written."""
    raw = b"```python\nprint('```')\n```\n\n````output\nold\n````\n"
    path, page = _write(tmp_path, raw)
    assert apply_rewrites(str(path), [OutputRewrite(_with_output(page)[0], "```\n")]) == []
    assert path.read_bytes() == b"```python\nprint('```')\n```\n\n````output\n```\n````\n"


@pytest.mark.parametrize(
    "separator",
    ["\u2028", "\u2029", "\x85", "\x0c", "\x1e"],
    ids=["line-separator", "paragraph-separator", "next-line", "form-feed", "record-separator"],
)
def test_unicode_line_separators_in_prose(tmp_path: Path, separator: str) -> None:
    """Characters that are not LF do not shift the lines that are rewritten."""
    raw = f"Intro{separator}still intro\n\n```python\nprint(1)\n```\n\n```output\nold\n```\nEnd\n".encode()
    path, page = _write(tmp_path, raw)
    apply_rewrites(str(path), [OutputRewrite(_with_output(page)[0], "new\n")])
    assert path.read_bytes() == raw.replace(b"```output\nold\n", b"```output\nnew\n")


def test_rewrites_from_the_check_make_the_page_pass(tmp_path: Path) -> None:
    """What the output kind's check asks for in accept mode, once written, matches the same results."""
    path, page = _write(tmp_path, PAGE.encode("utf-8"))
    results = [
        StepResult(StepKey(StepKind.CODE, 0), Outcome.OK, output="é 漢字 🎉\n"),
        StepResult(StepKey(StepKind.CODE, 1), Outcome.OK, output="0\n1\n"),
    ]
    ctx = check_context(page, results, accept=True)
    findings = [
        finding for expected in page.blocks_of(ExpectedOutput) for finding in output.check(expected, ctx)
    ]
    rewrites = [finding for finding in findings if isinstance(finding, OutputRewrite)]
    assert len(rewrites) == len(findings) == 2
    assert apply_rewrites(str(path), rewrites) == []
    with open(path, encoding="utf-8-sig") as handle:
        again = parse_page(handle.read(), DISPLAY)
    ctx = check_context(again, results, accept=False)
    assert [
        finding for expected in again.blocks_of(ExpectedOutput) for finding in output.check(expected, ctx)
    ] == []
    assert [e.text for e in again.blocks_of(ExpectedOutput)] == ["é 漢字 🎉", "0\n1"]
