"""Which fences are marked to run, and which run under each ``execute`` mode."""

from __future__ import annotations

import pytest

from wmbook.parse.marked import ExecuteMode, claims_fence, exec_flag, has_run_options, is_marked
from wmbook.parse.options import OptionError, parse_code_options


@pytest.mark.parametrize(
    ("info", "marked"),
    [
        ('exec="on"', True),
        ('exec="1"', True),
        ('exec="true"', True),
        ('exec="yes"', True),
        ("exec=True", True),
        ("exec='YES'", True),
        ('session="a" exec="on"', True),
        ('exec="off"', False),
        ('exec="0"', False),
        ('exec="false"', False),
        ('exec="no"', False),
        ('exec="maybe"', False),
        ("", False),
        ('session="a"', False),
        ('title="exec=on"', False),
        ('noexec="on"', False),
    ],
)
def test_is_marked(info: str, marked: bool) -> None:
    """Only exec= with a spelling of yes marks a fence."""
    assert is_marked(info) is marked


@pytest.mark.parametrize(
    ("info", "mode", "runs"),
    [
        ("", ExecuteMode.ALL, True),
        ('exec="off"', ExecuteMode.ALL, True),
        ('exec="maybe"', ExecuteMode.ALL, True),
        ('exec="maybe"', ExecuteMode.MARKED, True),
        ('exec="1"', ExecuteMode.ALL, True),
        ("", ExecuteMode.MARKED, False),
        ('session="a"', ExecuteMode.MARKED, False),
        ('exec="on"', ExecuteMode.MARKED, True),
        ('exec="yes"', ExecuteMode.MARKED, True),
        ('exec="off"', ExecuteMode.MARKED, False),
        ('exec="on"', ExecuteMode.NONE, False),
        ("", ExecuteMode.NONE, False),
    ],
)
def test_claims_fence(info: str, mode: ExecuteMode, runs: bool) -> None:
    """all reads every fence, marked the marked ones (and misspelt exec=), none no fence."""
    assert claims_fence(info, mode) is runs


def test_exec_flag_words() -> None:
    """Unknown words are neither true nor false."""
    assert exec_flag(" On ") is True
    assert exec_flag("FALSE") is False
    assert exec_flag("2") is None


@pytest.mark.parametrize(("word", "execute"), [("1", True), ("true", True), ("yes", True), ("0", False)])
def test_code_options_read_markdown_exec_spellings(word: str, execute: bool) -> None:
    """markdown-exec's spellings of exec= are accepted by the fence options too (its yes
    spellings also ask for its presentation: see test_mdexec.py)."""
    assert parse_code_options(f'exec="{word}"').execute is execute


def test_code_options_reject_other_exec_words() -> None:
    """A word that spells neither is still an error that lists the spellings."""
    with pytest.raises(OptionError, match='"on" or "off"'):
        parse_code_options('exec="maybe"')


@pytest.mark.parametrize(
    ("info", "has"),
    [('session="a"', True), ('raises="E"', True), ('title="a.py" hl_lines="2"', False), ("", False)],
)
def test_has_run_options(info: str, has: bool) -> None:
    """Options about running a fence, which Markdown's own fences do not read."""
    assert has_run_options(info) is has
