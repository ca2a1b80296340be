"""Finding ``/// name | argument`` blocks with their lines, and reading their YAML options."""

from __future__ import annotations

import pytest

from wmbook.model import SourceLoc
from wmbook.parse.block_options import read_options, slugify
from wmbook.parse.blocks import RawBlock, find_blocks
from wmbook.parse.fences import find_fences

PATH = "docs/x.md"


def blocks(text: str, first_line: int = 1) -> list[RawBlock]:
    return find_blocks(text, find_fences(text), first_line)


# -- find_blocks --


def test_block_parts_and_line_numbers() -> None:
    text = "\n".join(
        [
            "Intro.",  # 1
            "",  # 2
            "/// quiz | What is x?",  # 3
            "    answer: 2.3",  # 4
            "    check: x",  # 5
            "It is **2.3**.",  # 6
            "",  # 7
            "More.",  # 8
            "///",  # 9
            "After.",  # 10
        ]
    )
    (block,) = blocks(text)
    assert block == RawBlock(
        name="quiz",
        argument="What is x?",
        start=3,
        end=9,
        options=((4, "answer: 2.3"), (5, "check: x")),
        content=("It is **2.3**.", "", "More."),
        content_start=6,
        closed=True,
    )


@pytest.mark.parametrize(
    ("header", "name", "argument"),
    [
        ("/// quiz | Question?", "quiz", "Question?"),
        ("///quiz|Question?", "quiz", "Question?"),
        ("//// quiz | Question?   ", "quiz", "Question?"),
        ("   /// quiz | Indented three", "quiz", "Indented three"),
        ("/// references", "references", ""),
        ("/// references |", "references", ""),
        ("/// equation | EQ 1 | with a bar", "equation", "EQ 1 | with a bar"),
        ("/// my-block | x", "my-block", "x"),
    ],
)
def test_header_forms(header: str, name: str, argument: str) -> None:
    (block,) = blocks(f"{header}\ntext\n///\n")
    assert (block.name, block.argument, block.start, block.end) == (name, argument, 1, 3)


@pytest.mark.parametrize(
    "line",
    [
        "    /// quiz | four spaces make an indented code line",
        "// quiz | two slashes",
        "/// | no name",
        "text /// quiz | not at the start",
        "///",
    ],
)
def test_lines_that_are_not_headers(line: str) -> None:
    assert blocks(f"{line}\nsomething\n///\n") == []


def test_options_stop_at_the_first_line_not_indented_four_spaces() -> None:
    text = "/// quiz | Q\n    answer: 1\n      more: 2\n   three: spaces\n    late: 3\n///"
    (block,) = blocks(text)
    assert block.options == ((2, "answer: 1"), (3, "  more: 2"))
    assert block.content == ("   three: spaces", "    late: 3")
    assert block.content_start == 4


def test_a_blank_line_ends_the_options() -> None:
    (block,) = blocks("/// quiz | Q\n\n    answer: true\n///")
    assert block.options == ()
    assert block.content == ("", "    answer: true")
    assert block.content_start == 2


def test_block_options_in_yaml_block_style() -> None:
    text = "/// quiz | Q\n    answer: b\n    choices:\n      - a\n      - b\nBody\n///"
    (block,) = blocks(text)
    assert [line for line, _ in block.options] == [2, 3, 4, 5]
    assert block.options[2] == (4, "  - a")


def test_several_blocks_in_order() -> None:
    text = "/// equation | EQ 1\n$$a$$\n///\n\n/// quiz | Q\n    answer: true\n///\n/// references\n///\n"
    found = blocks(text)
    assert [(b.name, b.start, b.end) for b in found] == [
        ("equation", 1, 3),
        ("quiz", 5, 7),
        ("references", 8, 9),
    ]


def test_nested_block_belongs_to_the_outer_one() -> None:
    text = "\n".join(
        [
            "/// quiz | Outer",  # 1
            "    answer: true",  # 2
            "/// details | Inner",  # 3
            "inner text",  # 4
            "///",  # 5
            "outer text",  # 6
            "///",  # 7
            "/// references",  # 8
            "///",  # 9
        ]
    )
    found = blocks(text)
    assert [(b.name, b.start, b.end, b.closed) for b in found] == [
        ("quiz", 1, 7, True),
        ("references", 8, 9, True),
    ]
    assert found[0].content == ("/// details | Inner", "inner text", "///", "outer text")


@pytest.mark.parametrize(
    ("text", "end", "content"),
    [
        ("/// quiz | Q\n    answer: true\nno end", 3, ("no end",)),
        (
            "/// quiz | Q\n/// details | inner\n///\nouter never closed",
            4,
            ("/// details | inner", "///", "outer never closed"),
        ),
    ],
)
def test_unclosed_block_runs_to_the_end(text: str, end: int, content: tuple[str, ...]) -> None:
    (block,) = blocks(text)
    assert not block.closed
    assert (block.start, block.end, block.content) == (1, end, content)


def test_blocks_inside_code_fences_are_ignored() -> None:
    text = "\n".join(
        [
            "````markdown",  # 1
            "/// quiz | An example in a fence",  # 2
            "    answer: true",  # 3
            "///",  # 4
            "````",  # 5
            "",  # 6
            "/// equation | EQ 1",  # 7
            "```text",  # 8
            "///",  # 9: a closing line inside a fence does not close the block
            "```",  # 10
            "$$a$$",  # 11
            "///",  # 12
        ]
    )
    (block,) = blocks(text)
    assert (block.name, block.start, block.end) == ("equation", 7, 12)


def test_lines_before_first_line_are_skipped() -> None:
    text = "---\ntitle: x\n---\n/// quiz | Q\n    answer: true\n///\n"
    assert [b.start for b in blocks(text, first_line=4)] == [4]
    assert blocks(text, first_line=5) == []


# -- options and ids --


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("EQ MM5.1", "eq-mm5-1"),
        ("EQ A.1", "eq-a-1"),
        ("EQ GD2.3", "eq-gd2-3"),
        ("  Hello, World!  ", "hello-world"),
        ("True or false: x > 2?", "true-or-false-x-2"),
        ("Genie's latent", "genie-s-latent"),
        ("", ""),
    ],
)
def test_slugify(text: str, slug: str) -> None:
    assert slugify(text) == slug


def test_read_options_reports_bad_yaml_at_its_line() -> None:
    (block,) = blocks("/// quiz | Q\n    answer: true\n    check: [unclosed\n///")
    options, problems = read_options(block, PATH, ("answer", "check"))
    assert options.values == {}
    assert len(problems) == 1
    assert problems[0].loc == SourceLoc(PATH, 3)
    assert "not valid YAML" in problems[0].message


def test_read_options_rejects_a_non_mapping() -> None:
    (block,) = blocks("/// quiz | Q\n    - a list\n///")
    _, problems = read_options(block, PATH, ("answer",))
    assert [(p.loc.line, "'key: value' lines" in p.message) for p in problems] == [(1, True)]


def test_read_options_keeps_lines_and_written_text() -> None:
    (block,) = blocks("/// quiz | Q\n    answer:   2.30\n    check: x\n///")
    options, problems = read_options(block, PATH, ("answer", "check"))
    assert problems == []
    assert options.values == {"answer": 2.3, "check": "x"}
    assert options.lines == {"answer": 2, "check": 3}
    assert options.written == {"answer": "2.30", "check": "x"}
    assert options.loc(PATH, "tol", 1) == SourceLoc(PATH, 1)


@pytest.mark.parametrize(
    ("option", "written"),
    [
        ("answer: 2.30  # rounded", "2.30"),
        ("answer: '2.30  # kept'", "'2.30  # kept'"),
        ('answer: "a # b"', '"a # b"'),
        ("answer:", ""),
    ],
)
def test_written_text_drops_a_yaml_comment_outside_quotes(option: str, written: str) -> None:
    (block,) = blocks(f"/// quiz | Q\n    {option}\n///")
    options, problems = read_options(block, PATH, ("answer",))
    assert problems == []
    assert options.written == {"answer": written}


def test_read_options_drops_unknown_keys_from_the_values() -> None:
    (block,) = blocks("/// quiz | Q\n    answer: 1\n    colour: red\n///")
    options, problems = read_options(block, PATH, ("answer",))
    assert options.values == {"answer": 1}
    assert [(p.loc.line, p.message) for p in problems] == [
        (3, "unknown quiz option 'colour' (known options: answer)")
    ]
