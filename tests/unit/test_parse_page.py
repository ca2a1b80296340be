"""Parsing a page: every block handed to its kind in page order, the registry of kinds,
and what the prose holds (headings, citations, equation links, math, title)."""

from __future__ import annotations

import pytest

from wmbook.book import ParsedPage
from wmbook.kinds import registry
from wmbook.kinds.code import CodeBlock
from wmbook.kinds.equation import Equation
from wmbook.kinds.instrument import InstrumentBlock
from wmbook.kinds.output import ExpectedOutput
from wmbook.kinds.quiz import Quiz
from wmbook.kinds.references import ReferenceList
from wmbook.model import SourceLoc
from wmbook.parse.fences import find_fences, front_matter_lines
from wmbook.parse.page import parse_page
from wmbook.parse.prose import Prose, read_prose

PATH = "docs/x.md"


def page(text: str) -> ParsedPage:
    return parse_page(text, PATH)


# -- the registry of kinds --


def test_fence_languages() -> None:
    assert {lang: kind.name for lang, kind in registry().by_fence.items()} == {
        "python": "code",
        "py": "code",
        "python3": "code",
        # markdown-exec's languages: code blocks when marked to run (exec="1")
        "pycon": "code",
        "md": "code",
        "markdown": "code",
        "bash": "code",
        "sh": "code",
        "console": "code",
        "{code-cell}": "code",  # MyST notebooks' code cells
        "pyodide": "code",  # markdown-exec's: runs in the reader's browser only
        "output": "output",
        "tree": "tree",  # markdown-exec's file trees, drawn
    }


def test_block_names() -> None:
    assert {name: kind.name for name, kind in registry().by_block.items()} == {
        "quiz": "quiz",
        "equation": "equation",
        "instrument": "instrument",
        "references": "references",
    }


def test_every_record_type_has_one_kind() -> None:
    assert {record.__name__: kind.name for record, kind in registry().by_record.items()} == {
        "CodeBlock": "code",
        "ExpectedOutput": "output",
        "Quiz": "quiz",
        "Equation": "equation",
        "InstrumentBlock": "instrument",
        "ReferenceList": "references",
        "TreeBlock": "tree",
    }
    kinds = registry().kinds
    assert len({kind.name for kind in kinds}) == len(kinds) == 7
    for kind in kinds:
        assert bool(kind.fences) != bool(kind.blocks), kind.name


# -- blocks in page order --

MIXED = "\n".join(
    [
        "---",  # 1
        "title: Mixed",  # 2
        "---",  # 3
        "# Heading",  # 4
        "```python",  # 5
        "x = 2.3",  # 6
        "```",  # 7
        "```output",  # 8
        "```",  # 9
        "/// quiz | What is x?",  # 10
        "    answer: 2.3",  # 11
        "    check: x",  # 12
        "Because.",  # 13
        "///",  # 14
        "/// equation | EQ 1",  # 15
        "$$x$$",  # 16
        "///",  # 17
        "```text",  # 18
        "not a block",  # 19
        "```",  # 20
        "/// instrument | F1",  # 21
        "    name: latent_rollout",  # 22
        "///",  # 23
        "```py",  # 24
        "y = 1",  # 25
        "```",  # 26
        "Cites [@k].",  # 27
        "/// references",  # 28
        "///",  # 29
    ]
)


def test_blocks_are_typed_records_in_page_order() -> None:
    parsed = page(MIXED)
    assert parsed.diagnostics == ()
    assert [(type(b), b.region.start, b.region.end) for b in parsed.blocks] == [
        (CodeBlock, 5, 7),
        (ExpectedOutput, 8, 9),
        (Quiz, 10, 14),
        (Equation, 15, 17),
        (InstrumentBlock, 21, 23),
        (CodeBlock, 24, 26),
        (ReferenceList, 28, 29),
    ]
    assert [b.index for b in parsed.blocks_of(CodeBlock)] == [0, 1]
    assert (
        len(parsed.blocks_of(ExpectedOutput))
        == len(parsed.blocks_of(Quiz))
        == len(parsed.blocks_of(Equation))
        == 1
    )
    assert len(parsed.blocks_of(InstrumentBlock)) == len(parsed.blocks_of(ReferenceList)) == 1
    for kind in registry().kinds:  # a kind, or the type of its records
        assert parsed.blocks_of(kind) == parsed.blocks_of(kind.record)
    assert (parsed.title, parsed.meta, parsed.chapter) == ("Mixed", {"title": "Mixed"}, None)
    for block in parsed.blocks:
        lines = MIXED.split("\n")[block.region.start - 1 : block.region.end]
        assert block.region.text == "\n".join(lines)


def test_a_page_without_blocks() -> None:
    parsed = page("# Only prose\n\nText.\n")
    assert parsed.blocks == () and parsed.diagnostics == ()
    assert (parsed.title, parsed.has_math) == ("Only prose", False)


def test_fences_inside_a_block_are_its_content() -> None:
    """A python fence in a quiz's explanation is shown with it, not run on its own."""
    text = "/// quiz | Q?\n    answer: true\n```python\nprint(1)\n```\n///\n"
    parsed = page(text)
    assert parsed.diagnostics == ()
    assert [type(b) for b in parsed.blocks] == [Quiz]
    assert parsed.blocks_of(Quiz)[0].content == ("```python", "print(1)", "```")


def test_unknown_block_name_is_an_error_listing_the_known_ones() -> None:
    parsed = page("Text.\n\n/// qiuz | Is this a quiz?\n    answer: true\nNo.\n///\n")
    assert parsed.blocks == ()
    assert [d.loc for d in parsed.diagnostics] == [SourceLoc(PATH, 3)]
    message = parsed.diagnostics[0].message
    assert message == "unknown block 'qiuz' (known blocks: quiz, equation, instrument, references)"
    for name in registry().by_block:
        assert name in message


def test_unclosed_block_is_an_error_at_its_header() -> None:
    parsed = page("Text.\n/// references\n")
    assert [(d.loc.line, "never closed" in d.message) for d in parsed.diagnostics] == [(2, True)]
    assert "end it with a line '///'" in parsed.diagnostics[0].message
    assert len(parsed.blocks_of(ReferenceList)) == 1


def test_references_block_takes_no_options() -> None:
    parsed = page("/// references\n    style: apa\n///\n")
    assert [(d.loc.line, "unknown references option 'style'" in d.message) for d in parsed.diagnostics] == [
        (2, True)
    ]


def test_front_matter_is_not_searched_and_lines_count_it() -> None:
    text = "---\ntitle: '/// quiz | not a block'\n---\n\n/// quiz | Q\n    answer: true\n///\n"
    parsed = page(text)
    assert parsed.diagnostics == ()
    assert [q.loc.line for q in parsed.blocks_of(Quiz)] == [5]


def test_problems_of_every_kind_are_collected_in_page_order() -> None:
    text = "\n".join(
        [
            "```python exce='off'",  # 1
            "x",  # 2
            "```",  # 3
            "/// quiz | Q",  # 4
            "    answr: 1",  # 5
            "///",  # 6
            "/// equation | 1",  # 7
            "$$a$$",  # 8
            "///",  # 9
            "/// instrument | F1",  # 10
            "    name: nothing",  # 11
            "///",  # 12
        ]
    )
    assert [d.loc.line for d in page(text).diagnostics] == [1, 5, 4, 7, 11]


def test_a_bad_front_matter_is_reported() -> None:
    parsed = page("---\ntitle: [unclosed\n---\n\n# T\n")
    # At the offending line of the file (the YAML starts on line 2), and the page is not run.
    assert [(d.loc.line, "front matter is not valid YAML" in d.message) for d in parsed.diagnostics] == [
        (2, True)
    ]
    assert not parsed.runnable


# -- the prose --


def prose(text: str) -> Prose:
    return read_prose(text, PATH, find_fences(text), front_matter_lines(text) + 1)


def test_headings_citations_and_equation_links_with_lines() -> None:
    text = "\n".join(
        [
            "# Title",  # 1
            "## 5.1 First {#sec-5-1}",  # 2
            "Text [@a] and [@b; @c] and `[@code]` and [EQ 1](#eq-1).",  # 3
            "```text",  # 4
            "## not a heading [@fenced] [x](#eq-fenced)",  # 5
            "```",  # 6
            "### Level three",  # 7
            "## Bare heading",  # 8
            "Inline `[EQ 2](#eq-2)` is code; [EQ 3](#eq-3) is a link.",  # 9
        ]
    )
    parsed = page(text)
    assert [(h.loc.line, h.text, h.anchor) for h in parsed.headings] == [
        (2, "5.1 First", "sec-5-1"),
        (8, "Bare heading", ""),
    ]
    assert [(loc.line, keys) for loc, keys in parsed.citations] == [(3, ("a",)), (3, ("b", "c"))]
    assert [(loc.line, anchor) for loc, anchor in parsed.equation_links] == [(3, "eq-1"), (9, "eq-3")]
    assert parsed.title == "Title"
    assert prose(text).headings == parsed.headings


@pytest.mark.parametrize(
    ("heading", "text", "anchor"),
    [
        ("## 5.1 Title {#sec-5-1}", "5.1 Title", "sec-5-1"),
        ("## 5.1 Title {#sec-5-1 .wide}", "5.1 Title", "sec-5-1"),
        ("##   Spaced   {  #spaced }", "Spaced", "spaced"),
        ("## 5.R References {#sec-5-r}", "5.R References", "sec-5-r"),
        ("## No id", "No id", ""),
    ],
)
def test_heading_ids(heading: str, text: str, anchor: str) -> None:
    assert [(h.text, h.anchor) for h in page(heading + "\n").headings] == [(text, anchor)]


@pytest.mark.parametrize(
    ("text", "h1"),
    [
        ("# Title\n", "Title"),
        ("# Title {#top}\n", "Title"),
        ("# Closed ##\n", "Closed"),
        ("Intro.\n\n# Later\n\n# Second\n", "Later"),
        ("## Only h2\n", ""),
        ("```text\n# in code\n```\n# Real\n", "Real"),
        ("---\ntitle: Front\n---\n# Heading\n", "Heading"),
    ],
)
def test_first_level_title(text: str, h1: str) -> None:
    assert prose(text).h1 == h1


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("---\ntitle: Front\n---\n# Heading\n", "Front"),
        ("---\ntitle: ''\n---\n# Heading\n", "Heading"),
        ("---\ntitle: 3\n---\n# Heading\n", "Heading"),
        ("No title at all.\n", ""),
    ],
)
def test_title_prefers_the_front_matter(text: str, title: str) -> None:
    assert page(text).title == title


@pytest.mark.parametrize(
    ("text", "has_math"),
    [
        ("Inline $x$.", True),
        ("Display \\[x\\].", True),
        ("Inline \\(x\\).", True),
        ("No math here.", False),
        ("Code `$x$` only.", False),
        ("```text\n$x$\n```\n", False),
        ("/// equation | EQ 1\n\\[x\\]\n///\n", True),
    ],
)
def test_has_math(text: str, has_math: bool) -> None:
    assert page(text).has_math is has_math
