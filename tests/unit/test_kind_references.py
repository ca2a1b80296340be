"""The references kind: the ``/// references`` block, and the page-wide citation rules
(known keys, a bibliography that exists, a reference list on every page that cites)."""

from __future__ import annotations

import re

import pytest
from kind_support import check_context, clean_page, parse_block, render_context

from wmbook.cite.bibliography import PageCitations, Reference, Related
from wmbook.cite.reference_list import references_html
from wmbook.kinds import references as kind
from wmbook.kinds.references import SLOT, ReferenceList
from wmbook.model import Region, Severity, SourceLoc
from wmbook.parse.page import parse_page
from wmbook.render.citations import link_citations

PATH = "docs/r.md"
BIB = "docs/references.bib"
LIST = "/// references\n///"


def ref(key: str) -> Reference:
    return Reference(key=key, authors=("Doe, J.",), year="2020", title=key)


KNOWN = {key: ref(key) for key in ("a", "b", "c")}


def test_a_reference_list_is_found_where_it_is_written() -> None:
    found, problems = parse_block(kind.parse, f"Intro.\n\n{LIST}\n", PATH)
    assert problems == []
    assert found == ReferenceList(Region(3, 4, LIST), SourceLoc(PATH, 3))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/// references\n    style: apa\n///\n", [(2, "unknown references option 'style'")]),
        ("/// references\n    style: apa\n    order: year\n///\n", [(2, "'style'"), (3, "'order'")]),
        ("/// references\n    - a list\n///\n", [(1, "'key: value' lines")]),
    ],
)
def test_a_reference_list_takes_no_options(text: str, expected: list[tuple[int, str]]) -> None:
    found, problems = parse_block(kind.parse, text, PATH)
    assert found is not None
    assert [
        (p.loc.line, fragment in p.message) for p, (_, fragment) in zip(problems, expected, strict=True)
    ] == [(line, True) for line, _ in expected]


def test_render_is_the_slot_between_blank_lines() -> None:
    page = clean_page(f"Cites [@a].\n\n{LIST}\n", PATH)
    (block,) = page.blocks_of(ReferenceList)
    assert kind.render(block, render_context(page)) == ["", SLOT, ""]


# -- page-wide rules --


@pytest.mark.parametrize(
    ("text", "found", "expected"),
    [
        pytest.param("No citations.", True, [], id="no-citations"),
        pytest.param("No citations.", False, [], id="no-citations-no-bibliography"),
        pytest.param(f"Text [@a] and [@b; @c].\n\n{LIST}\n", True, [], id="all-known"),
        pytest.param(
            f"Intro.\n\nText [@a] and [@zzz].\n\n{LIST}\n",
            True,
            [(3, f"unknown citation key 'zzz'; add it to {BIB} or fix the key")],
            id="unknown-key",
        ),
        pytest.param(
            f"[@x; @a]\n[@y]\n\n{LIST}\n",
            True,
            [(1, "unknown citation key 'x'"), (2, "unknown citation key 'y'")],
            id="unknown-keys-each-at-its-line",
        ),
        pytest.param(
            "Intro.\n\nText [@a].\n\nMore [@b].\n",
            True,
            [(3, "this page cites works but has no reference list; add '/// references' and '///'")],
            id="no-reference-list",
        ),
        pytest.param(
            "Intro.\n\nText [@zzz].\n",
            True,
            [(3, "unknown citation key 'zzz'"), (3, "has no reference list")],
            id="unknown-key-and-no-list",
        ),
        pytest.param(
            f"Intro.\n\nText [@a].\n\nMore [@zzz].\n\n{LIST}\n",
            False,
            [
                (
                    3,
                    f"this page cites works but there is no bibliography: wmbook looked for {BIB}; "
                    "add that BibTeX file or set the plugin's 'bibliography' option",
                )
            ],
            id="missing-bibliography-names-where-it-looked",
        ),
        pytest.param(
            "`[@a]` is code.\n\n```text\n[@b]\n```\n",
            False,
            [],
            id="citations-in-code-do-not-count",
        ),
    ],
)
def test_check_page(text: str, found: bool, expected: list[tuple[int, str]]) -> None:
    page = clean_page(text, PATH)
    ctx = check_context(page, bibliography=KNOWN if found else {}, bibliography_found=found)
    problems = kind.check_page(page, ctx)
    assert [d.loc.line for d in problems] == [line for line, _ in expected]
    for diagnostic, (_, fragment) in zip(problems, expected, strict=True):
        assert fragment in diagnostic.message
        assert diagnostic.severity is Severity.ERROR
        assert diagnostic.loc.path == PATH


def test_the_bibliography_path_is_the_one_displayed() -> None:
    page = clean_page("Text [@zzz].\n", PATH)
    ctx = check_context(page, bibliography=KNOWN, bibliography_path="refs/book.bib")
    assert "add it to refs/book.bib or fix the key" in kind.check_page(page, ctx)[0].message
    missing = check_context(page, bibliography_path="refs/book.bib", bibliography_found=False)
    assert "wmbook looked for refs/book.bib" in kind.check_page(page, missing)[0].message


def test_citations_in_a_caption_count() -> None:
    text = "/// equation | EQ 1\n$$a$$\nAfter [@zzz].\n///\n"
    page = parse_page(text, PATH)
    assert [(loc.line, keys) for loc, keys in page.citations] == [(3, ("zzz",))]


# -- the list the slot is filled with --

PUBLISHED = Reference(
    key="pub",
    authors=("Doe, J.",),
    year="2025",
    title="Published",
    entry_type="article",
    journal="J",
    volume="4",
)
PREPRINT = Reference(
    key="pre",
    authors=("Doe, J.",),
    year="2023",
    title="Preprint",
    arxiv="2301.00001",
    annotation="What the reader finds: *one* idea.",
    related=(Related("Also published as", PUBLISHED),),
)


def test_the_list_shows_related_versions_and_annotations_under_their_entry() -> None:
    citations = PageCitations({})
    filled = link_citations(f"See [@pre].\n\n{SLOT}\n", citations, {"pre": PREPRINT, "pub": PUBLISHED})
    (item,) = re.findall(r'<li id="ref-pre" value="1">(.*?)</li>\n', filled)
    assert item == (
        'Doe, J. (2023). Preprint. <a href="https://arxiv.org/abs/2301.00001">arXiv:2301.00001</a>'
        '<br><span class="wmbook-reference__related">Also published as: Published (2025). <em>J</em> 4.</span>'
        '<br><span class="wmbook-reference__note">What the reader finds: <em>one</em> idea.</span>'
    )
    assert 'id="ref-pub"' not in filled  # a version not cited is not an item of its own


def test_a_list_item_is_one_line_and_the_list_one_html_block() -> None:
    lines = references_html(PageCitations({"pre": 1, "pub": 2}), {"pre": PREPRINT, "pub": PUBLISHED})
    assert lines[0] == '<ol class="wmbook-references">' and lines[-1] == "</ol>"
    assert [line[:20] for line in lines[1:-1]] == ['<li id="ref-pre" val', '<li id="ref-pub" val']
    assert "" not in lines
