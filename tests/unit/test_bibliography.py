"""The book's BibTeX file, reference list entries, citation numbers and in-text citation links."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from wmbook.cite.bibliography import (
    PageCitations,
    Reference,
    citation_html,
    load_bibliography,
    reference_html,
    references_html,
)
from wmbook.kinds.references import SLOT as REFERENCES_SLOT
from wmbook.model import SourceLoc
from wmbook.parse.page import parse_page
from wmbook.render.citations import link_citations

REPO = Path(__file__).resolve().parents[2]
BIB = REPO / "docs" / "references.bib"


@pytest.fixture(scope="module")
def bibliography() -> dict[str, Reference]:
    refs, problems = load_bibliography(str(BIB), "docs/references.bib")
    assert problems == []
    return refs


def ref(key: str, *authors: str, **fields: str) -> Reference:
    values = {"year": "2020", "title": f"Title {key}", "venue": "", "doi": "", "arxiv": "", "url": ""}
    values.update(fields)
    return Reference(key=key, authors=authors or ("Doe, J.",), **values)


# -- reading the book's bibliography --


def test_every_entry_of_the_book_is_read(bibliography: dict[str, Reference]) -> None:
    assert len(bibliography) == 16
    assert {
        "ha2018worldmodels",
        "hafner2023dreamerv3",
        "hafner2021dreamerv2",
        "balestriero2025lejepa",
    } <= set(bibliography)


def test_every_key_the_chapter_cites_is_in_the_bibliography(bibliography: dict[str, Reference]) -> None:
    text = (REPO / "docs" / "world-models.md").read_text(encoding="utf-8")
    page = parse_page(text, "docs/world-models.md")
    cited = {key for _, keys in page.citations for key in keys}
    assert len(cited) >= 10
    assert cited <= set(bibliography)


def test_fields_of_one_entry(bibliography: dict[str, Reference]) -> None:
    assert bibliography["ha2018worldmodels"] == Reference(
        key="ha2018worldmodels",
        authors=("Ha, D.", "Schmidhuber, J."),
        year="2018",
        title="World Models",
        venue="",
        doi="10.5281/zenodo.1207631",
        arxiv="1803.10122",
        url="https://worldmodels.github.io",
    )
    genie = bibliography["bruce2024genie"]
    assert len(genie.authors) == 25 and "de Freitas, N." in genie.authors


@pytest.mark.parametrize(
    ("key", "fragments", "absent"),
    [
        (
            "ha2018worldmodels",
            [
                "Ha, D., &amp; Schmidhuber, J. (2018). World Models.",
                '<a href="https://doi.org/10.5281/zenodo.1207631">doi:10.5281/zenodo.1207631</a>',
                '<a href="https://arxiv.org/abs/1803.10122">arXiv:1803.10122</a>',
            ],
            ["worldmodels.github.io", "<em>"],
        ),
        (
            "schrittwieser2020muzero",
            [
                "Schrittwieser, J., Antonoglou, I.,",
                "&amp; Silver, D. (2020). Mastering Atari, Go, chess and shogi by planning with a learned model.",
                "<em>Nature</em>.",
                '<a href="https://doi.org/10.1038/s41586-020-03051-4">',
                "arXiv:1911.08265",
            ],
            ["nature.com"],
        ),
        (
            "hafner2019planet",
            [
                "(2019). Learning Latent Dynamics for Planning from Pixels.",
                "<em>Proceedings of the 36th International Conference on Machine Learning (ICML)</em>.",
                '<a href="https://arxiv.org/abs/1811.04551">arXiv:1811.04551</a>',
            ],
            ["doi:", "proceedings.mlr.press"],
        ),
        (
            "lecun2022path",
            [
                "LeCun, Y. (2022). A Path Towards Autonomous Machine Intelligence.",
                '<a href="https://openreview.net/forum?id=BZ5a1r-kVsf">https://openreview.net/forum?id=BZ5a1r-kVsf</a>',
            ],
            ["doi:", "arXiv:"],
        ),
        ("assran2025vjepa2", ["Hogan, F. R.", "(2025). V-JEPA 2:"], []),
        ("bruce2024genie", ["Reed, S., … Rocktäschel, T. (2024)"], ["Zhang, J.", "de Freitas"]),
    ],
)
def test_reference_entries(
    bibliography: dict[str, Reference], key: str, fragments: list[str], absent: list[str]
) -> None:
    entry = reference_html(bibliography[key])
    for fragment in fragments:
        assert fragment in entry
    for fragment in absent:
        assert fragment not in entry


@pytest.mark.parametrize(
    ("authors", "shown"),
    [
        (("Ha, D.",), "Ha, D. (2020)."),
        (("Ha, D.", "Schmidhuber, J."), "Ha, D., &amp; Schmidhuber, J. (2020)."),
        (("A, A.", "B, B.", "C, C."), "A, A., B, B., &amp; C, C. (2020)."),
        (tuple(f"N{i}, X." for i in range(1, 21)), "N19, X., &amp; N20, X. (2020)."),
        (tuple(f"N{i}, X." for i in range(1, 23)), "N19, X., … N22, X. (2020)."),
    ],
)
def test_author_lists(authors: tuple[str, ...], shown: str) -> None:
    entry = reference_html(ref("k", *authors))
    assert shown in entry
    assert "N20, X., …" not in entry and "N21" not in entry


def test_url_is_shown_only_without_doi_or_arxiv_and_everything_is_escaped() -> None:
    assert reference_html(ref("k", url="https://x.org/?a=1&b=2")).endswith(
        '<a href="https://x.org/?a=1&amp;b=2">https://x.org/?a=1&amp;b=2</a>'
    )
    entry = reference_html(
        ref("k", "Smith & Co", title="A <b> C", venue="V & W", arxiv="2101.1", url="https://u")
    )
    assert "Smith &amp; Co (2020). A &lt;b&gt; C. <em>V &amp; W</em>." in entry
    assert "https://u" not in entry


def test_missing_file_is_an_empty_bibliography(tmp_path: Path) -> None:
    assert load_bibliography(str(tmp_path / "none.bib"), "docs/none.bib") == ({}, [])


def test_unreadable_file_is_a_diagnostic_naming_it(tmp_path: Path) -> None:
    broken = tmp_path / "refs.bib"
    broken.write_text(
        "@article{a,\n  title = {A},\n}\n@article{a,\n  title = {Again},\n}\n", encoding="utf-8"
    )
    refs, problems = load_bibliography(str(broken), "docs/refs.bib")
    assert refs == {}
    assert [p.loc for p in problems] == [SourceLoc("docs/refs.bib", 1)]
    assert "cannot read the bibliography" in problems[0].message


def test_braces_and_escaped_ampersands_are_cleaned(tmp_path: Path) -> None:
    bib = tmp_path / "refs.bib"
    bib.write_text(
        "@misc{g,\n  author = {Hopper, Grace Brewster},\n  title = {{Compilers} {\\&} Bugs},\n"
        "  howpublished = {Web page},\n  year = {2022}\n}\n"
        "@misc{org,\n  organization = {The Group},\n  title = {Report}\n}\n",
        encoding="utf-8",
    )
    refs, problems = load_bibliography(str(bib), "docs/refs.bib")
    assert problems == []
    assert (refs["g"].authors, refs["g"].title, refs["g"].venue) == (
        ("Hopper, G. B.",),
        "Compilers & Bugs",
        "Web page",
    )
    assert (refs["org"].authors, refs["org"].year) == (("The Group",), "n.d.")


# -- numbering and the reference list --


def test_numbers_follow_the_order_of_first_citation() -> None:
    citations = PageCitations({})
    assert [citations.cite(k) for k in ["b", "a", "b", "c", "a"]] == [1, 2, 1, 3, 2]
    assert citations.numbers == {"b": 1, "a": 2, "c": 3}


def test_citation_html_links_each_number() -> None:
    citations = PageCitations({})
    assert citation_html(["x", "y"], citations) == (
        '<span class="wmbook-citation">[<a class="wmbook-citation__link" href="#ref-x">1</a>, '
        '<a class="wmbook-citation__link" href="#ref-y">2</a>]</span>'
    )


def test_reference_list_is_in_number_order_with_ids(bibliography: dict[str, Reference]) -> None:
    citations = PageCitations({"lecun2022path": 2, "ha2018worldmodels": 1, "missing": 3})
    lines = references_html(citations, bibliography)
    assert lines[0] == '<ol class="wmbook-references">' and lines[-1] == "</ol>"
    assert [re.match(r'<li id="([^"]+)" value="(\d)">', line).groups() for line in lines[1:-1]] == [  # type: ignore[union-attr]
        ("ref-ha2018worldmodels", "1"),
        ("ref-lecun2022path", "2"),
    ]


# -- in-text citations --

KNOWN = {key: ref(key) for key in ("a", "b", "c")}


def cite(*pairs: tuple[str, int]) -> str:
    links = ", ".join(f'<a class="wmbook-citation__link" href="#ref-{k}">{n}</a>' for k, n in pairs)
    return f'<span class="wmbook-citation">[{links}]</span>'


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("Text [@a].", f"Text {cite(('a', 1))}."),
        ("[@a; @b] then [@b]", f"{cite(('a', 1), ('b', 2))} then {cite(('b', 2))}"),
        ("[@b;@a]", cite(("b", 1), ("a", 2))),
        ("`[@a]` and [@b]", f"`[@a]` and {cite(('b', 1))}"),
        ("``code `[@a]` here`` and [@b]", f"``code `[@a]` here`` and {cite(('b', 1))}"),
        ("[@c] `x` [@a] `[@b]`", f"{cite(('c', 1))} `x` {cite(('a', 2))} `[@b]`"),
        ("```text\n[@a]\n```\n[@b]", f"```text\n[@a]\n```\n{cite(('b', 1))}"),
        ("~~~\n[@a; @b]\n~~~\n", "~~~\n[@a; @b]\n~~~\n"),
        ("Unknown [@zzz] stays.", "Unknown [@zzz] stays."),
        ("[@zzz; @a]", cite(("a", 1))),
        (
            "An email a@b.org and [a](#x) are not citations.",
            "An email a@b.org and [a](#x) are not citations.",
        ),
    ],
)
def test_link_citations(markdown: str, expected: str) -> None:
    assert link_citations(markdown, PageCitations({}), KNOWN) == expected


def test_reference_slot_is_filled_with_the_cited_works_only() -> None:
    citations = PageCitations({})
    result = link_citations(f"First [@c], then [@a].\n\n{REFERENCES_SLOT}\n", citations, KNOWN)
    assert REFERENCES_SLOT not in result
    assert citations.numbers == {"c": 1, "a": 2}
    items = re.findall(r'<li id="ref-(\w+)" value="(\d)">', result)
    assert items == [("c", "1"), ("a", "2")]
