"""Fence options: what is accepted, and that every mistake is an error."""

from __future__ import annotations

import pytest

from wmbook.parse.options import (
    CODE_OPTIONS,
    CodeOptions,
    OptionError,
    OutputOptions,
    parse_code_options,
    parse_output_options,
    split_options,
)


@pytest.mark.parametrize(
    ("info", "expected"),
    [
        ("", CodeOptions()),
        ('exec="off"', CodeOptions(execute=False)),
        ('exec="on"', CodeOptions(execute=True)),
        ('exec="OFF"', CodeOptions(execute=False)),
        ('session="b"', CodeOptions(session="b")),
        ('session="part-2.a_b"', CodeOptions(session="part-2.a_b")),
        ('timeout="2.5"', CodeOptions(timeout=2.5)),
        ('raises="ValueError"', CodeOptions(raises="ValueError")),
        ('raises="json.JSONDecodeError"', CodeOptions(raises="json.JSONDecodeError")),
        ("session='b' timeout='3'", CodeOptions(session="b", timeout=3.0)),
        ("session=b timeout=2.5", CodeOptions(session="b", timeout=2.5)),
        ("exec=off", CodeOptions(execute=False)),
        ('session = "b"', CodeOptions(session="b")),
        (
            'session="s" timeout="10" raises="KeyError"',
            CodeOptions(session="s", timeout=10.0, raises="KeyError"),
        ),
        ('  raises="E"   session="x"  ', CodeOptions(session="x", raises="E")),
        ('figure="5.2"', CodeOptions(figure="5.2")),
        (
            'figure="A.1" caption="The *RSSM*, drawn."',
            CodeOptions(figure="A.1", caption="The *RSSM*, drawn."),
        ),
        ("figure=7 caption='Say \"hi\".'", CodeOptions(figure="7", caption='Say "hi".')),
        ('code="folded"', CodeOptions(code_display="folded")),
        ('code="shown"', CodeOptions()),
        ('exec="off" code="folded"', CodeOptions(execute=False, code_display="folded")),
        (
            'code="folded" title="Helpers"',
            CodeOptions(code_display="folded", passed_on=(("title", "Helpers"),)),
        ),
        # A removed code has no editor, and a folded or removed output no place to print to.
        ('code="removed"', CodeOptions(code_display="removed", run=False)),
        ('output="folded"', CodeOptions(output_display="folded", run=False)),
        (
            'output="removed" code="folded"',
            CodeOptions(code_display="folded", output_display="removed", run=False),
        ),
        ('output="shown"', CodeOptions()),
        ('figure="5.3" narrow="on"', CodeOptions(figure="5.3", narrow=True)),
        ('figure="5.3" narrow="off"', CodeOptions(figure="5.3")),
    ],
)
def test_valid_code_options(info: str, expected: CodeOptions) -> None:
    """Accepted option strings give the options they spell."""
    assert parse_code_options(info) == expected


@pytest.mark.parametrize(
    ("info", "fragments"),
    [
        ('exce="off"', ("'exce'", "exec", "session", "timeout", "raises")),
        ('sesion="b"', ("'sesion'", "known options")),
        ('exec="off" exec="on"', ("'exec'", "twice")),
        ('session="a" session="a"', ("'session'", "twice")),
        ('foo exec="off"', ("'foo'",)),
        ('exec="off" bar', ("'bar'",)),
        ('exec="off", session="a"', ("','",)),
        ("{.python}", ("{.python}",)),
        ('figure="5."', ("figure='5.'", "not a label")),
        ('figure="5 2"', ("figure='5 2'", "not a label")),
        ('figure="fig-5"', ("figure='fig-5'", "letters, digits and dots")),
        ('caption="Alone."', ("caption=", 'figure="LABEL"')),
        ('exec="off" figure="1"', ('exec="off"', "figure")),
        ('timeout="0"', ("timeout", "'0'", "> 0")),
        ('timeout="-1"', ("timeout", "'-1'", "> 0")),
        ('timeout="abc"', ("timeout", "'abc'", "not a number")),
        ('timeout="nan"', ("timeout", "'nan'")),
        ('timeout="inf"', ("timeout", "'inf'")),
        ('exec="maybe"', ("exec", "'maybe'", '"on"', '"off"')),
        ('exec="maybe"', ("exec", "'maybe'")),
        ('session="bad name"', ("session", "'bad name'", "not a valid name")),
        ('session=""', ("session", "not a valid name")),
        ('session="-x"', ("session", "'-x'")),
        ('raises="1Error"', ("raises", "'1Error'", "exception name")),
        ('raises="Value Error"', ("raises", "'Value Error'")),
        ('raises="json..Error"', ("raises", "'json..Error'")),
        ('exec="off" session="a"', ('exec="off"', "session")),
        ('exec="off" session="main"', ('exec="off"', "session")),
        ('exec="off" timeout="3"', ('exec="off"', "timeout")),
        ('exec="off" raises="ValueError"', ('exec="off"', "raises")),
        ('code="hidden"', ("code='hidden'", '"folded"', '"removed"')),
        ('output="hide"', ("output='hide'", '"folded"', "still runs")),
        ('exec="off" output="folded"', ('exec="off"', "output")),
        ('output="folded" exec="1" source="above"', ("output=", "markdown-exec's style")),
        ('code="folded" exec="1" source="above"', ("code=", "markdown-exec's style")),
        ('narrow="on"', ("narrow=", 'figure="LABEL"')),
        ('figure="1" narrow="maybe"', ("narrow='maybe'", '"on" or "off"')),
    ],
)
def test_invalid_code_options(info: str, fragments: tuple[str, ...]) -> None:
    """Every mistake is an OptionError whose message names what to fix."""
    with pytest.raises(OptionError) as caught:
        parse_code_options(info)
    for fragment in fragments:
        assert fragment in str(caught.value)


@pytest.mark.parametrize(
    ("info", "expected"),
    [
        ("", OutputOptions()),
        ('rtol="0.01"', OutputOptions(rtol=0.01)),
        ('atol="1e-9"', OutputOptions(atol=1e-9)),
        ('rtol="0"', OutputOptions(rtol=0.0)),
        ("rtol='0.1' atol='0.5'", OutputOptions(rtol=0.1, atol=0.5)),
        ("atol=2", OutputOptions(atol=2.0)),
    ],
)
def test_valid_output_options(info: str, expected: OutputOptions) -> None:
    """Tolerances of an output fence are read as numbers >= 0."""
    assert parse_output_options(info) == expected


@pytest.mark.parametrize(
    ("info", "fragments"),
    [
        ('rtol="x"', ("rtol", "'x'", "not a number")),
        ('atol="-1"', ("atol", "'-1'", ">= 0")),
        ('rtol="-0.5"', ("rtol", "'-0.5'")),
        ('atol="nan"', ("atol", "'nan'")),
        ('exec="off"', ("'exec'", "rtol", "atol")),
        ('rtol="1" rtol="2"', ("'rtol'", "twice")),
        ('rtol="0.1" approx', ("'approx'",)),
    ],
)
def test_invalid_output_options(info: str, fragments: tuple[str, ...]) -> None:
    """A bad tolerance or a code option on an output fence is an error."""
    with pytest.raises(OptionError) as caught:
        parse_output_options(info)
    for fragment in fragments:
        assert fragment in str(caught.value)


@pytest.mark.parametrize(
    ("info", "expected"),
    [
        ("", {}),
        ('exec="off"', {"exec": "off"}),
        ("session='a b'", {"session": "a b"}),
        ('timeout=5 raises="E"', {"timeout": "5", "raises": "E"}),
        ('session=""', {"session": ""}),
        ('raises="a=b"', {"raises": "a=b"}),
    ],
)
def test_split_options(info: str, expected: dict[str, str]) -> None:
    """Pairs are split with their quotes removed."""
    assert split_options(info, CODE_OPTIONS) == expected


@pytest.mark.parametrize(
    "info",
    ['other="1"', 'exec="off" x', '"off"', "exec=", 'exec="off" exec="off"'],
)
def test_split_options_rejects(info: str) -> None:
    """Unknown keys, stray text and repeats are never ignored."""
    with pytest.raises(OptionError):
        split_options(info, CODE_OPTIONS)
