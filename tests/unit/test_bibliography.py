"""The book's BibTeX file, reference list entries, citation numbers and in-text citation links."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from wmbook.cite.bibliography import PageCitations, Reference, Related, load_bibliography
from wmbook.cite.inline import inline_markdown
from wmbook.cite.reference_list import citation_html, reference_html, references_html
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
    values = {"year": "2020", "title": f"Title {key}"}
    values.update(fields)
    return Reference(key=key, authors=authors or ("Doe, J.",), **values)


# -- reading the book's bibliography --


def test_every_entry_of_the_book_is_read(bibliography: dict[str, Reference]) -> None:
    assert len(bibliography) == 19
    assert {
        "ha2018worldmodels",
        "ha2018recurrent",
        "hafner2023dreamerv3",
        "hafner2025dreamerv3nature",
        "hafner2021dreamerv2",
        "balestriero2025lejepa",
        "schrittwieser2020muzero",
        "lecun2022path",
        "kingma2016iaf",
    } <= set(bibliography)


def test_every_entry_of_the_book_has_a_one_line_annotation(bibliography: dict[str, Reference]) -> None:
    for key, entry in bibliography.items():
        assert 40 <= len(entry.annotation) <= 240, key
        assert "\n" not in entry.annotation


def test_the_book_records_the_published_versions(bibliography: dict[str, Reference]) -> None:
    (nature,) = bibliography["hafner2023dreamerv3"].related
    assert nature.phrase == "Also published as"
    assert (nature.work.title, nature.work.journal, nature.work.volume, nature.work.number) == (
        "Mastering diverse control tasks through world models",
        "Nature",
        "640",
        "8059",
    )
    assert (nature.work.pages, nature.work.doi) == ("647–653", "10.1038/s41586-025-08744-2")
    (neurips,) = bibliography["ha2018worldmodels"].related
    assert neurips.work.title == "Recurrent World Models Facilitate Policy Evolution"
    assert (neurips.work.pages, neurips.work.arxiv) == ("2450–2462", "1809.01999")


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
        doi="10.5281/zenodo.1207631",
        arxiv="1803.10122",
        url="https://worldmodels.github.io",
        annotation=bibliography["ha2018worldmodels"].annotation,
        related=(Related("Also published as", bibliography["ha2018recurrent"]),),
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
                '<a href="https://arxiv.org/abs/1803.10122">arXiv:1803.10122</a><br>'
                '<span class="wmbook-reference__related">Also published as: Recurrent World Models Facilitate '
                "Policy Evolution (2018). In <em>Advances in Neural Information Processing Systems</em> "
                "(Vol. 31, pp. 2450–2462). Curran Associates, Inc.",
                '<a href="https://arxiv.org/abs/1809.01999">arXiv:1809.01999</a></span>',
                '<br><span class="wmbook-reference__note">A VAE that compresses each frame,',
            ],
            ["worldmodels.github.io", "Ha, D., &amp; Schmidhuber, J. (2018). Recurrent"],
        ),
        (
            "hafner2023dreamerv3",
            [
                "(2023). Mastering Diverse Domains through World Models. <a",
                "Also published as: Mastering diverse control tasks through world models (2025). "
                '<em>Nature</em> 640(8059), 647–653. <a href="https://doi.org/10.1038/s41586-025-08744-2">'
                "doi:10.1038/s41586-025-08744-2</a></span>",
            ],
            ["arXiv preprint", "nature.com"],
        ),
        (
            "schrittwieser2020muzero",
            [
                "Schrittwieser, J., Antonoglou, I.,",
                "&amp; Silver, D. (2020). Mastering Atari, Go, chess and shogi by planning with a learned model.",
                "<em>Nature</em> 588(7839), 604–609.",
                '<a href="https://doi.org/10.1038/s41586-020-03051-4">',
                "arXiv:1911.08265",
            ],
            ["nature.com", "Nature</em>."],
        ),
        (
            "hafner2019planet",
            [
                "(2019). Learning Latent Dynamics for Planning from Pixels. In <em>Proceedings of the 36th "
                "International Conference on Machine Learning (ICML)</em> (Proceedings of Machine Learning "
                "Research, Vol. 97, pp. 2555–2565). PMLR.",
                '<a href="https://proceedings.mlr.press/v97/hafner19a.html">',
                '<a href="https://arxiv.org/abs/1811.04551">arXiv:1811.04551</a>',
            ],
            ["doi:"],
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


def test_url_is_shown_only_without_doi_and_everything_is_escaped() -> None:
    assert reference_html(ref("k", url="https://x.org/?a=1&b=2")).endswith(
        '<a href="https://x.org/?a=1&amp;b=2">https://x.org/?a=1&amp;b=2</a>'
    )
    entry = reference_html(
        ref("k", "Smith & Co", title="A <b> C", howpublished="V & W", arxiv="2101.1", url="https://u")
    )
    assert "Smith &amp; Co (2020). A &lt;b&gt; C. <em>V &amp; W</em>." in entry
    assert '<a href="https://u">' in entry and "arXiv:2101.1" in entry
    assert "https://u" not in reference_html(ref("k", doi="10.1/x", url="https://u"))
    assert "arxiv.org/abs/2101.1</a>" not in reference_html(
        ref("k", arxiv="2101.1", url="https://arxiv.org/abs/2101.1")
    )


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
    assert (refs["g"].authors, refs["g"].title, refs["g"].howpublished) == (
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
        # A handle as a link's text, as sites write people's names: a link, not a citation.
        (
            "By ([@a](https://github.com/a)) and [@b][user].",
            "By ([@a](https://github.com/a)) and [@b][user].",
        ),
        ("[@a]: https://github.com/a", "[@a]: https://github.com/a"),
    ],
)
def test_link_citations(markdown: str, expected: str) -> None:
    assert link_citations(markdown, PageCitations({}), KNOWN) == expected


def test_a_page_that_cites_nothing_is_handed_back_as_it_is() -> None:
    markdown = "# Page\n\n```python\nprint(1)\n```\n\nProse with [a link](#x).\n"
    assert link_citations(markdown, PageCitations({}), KNOWN) is markdown


def test_reference_slot_is_filled_with_the_cited_works_only() -> None:
    citations = PageCitations({})
    result = link_citations(f"First [@c], then [@a].\n\n{REFERENCES_SLOT}\n", citations, KNOWN)
    assert REFERENCES_SLOT not in result
    assert citations.numbers == {"c": 1, "a": 2}
    items = re.findall(r'<li id="ref-(\w+)" value="(\d)">', result)
    assert items == [("c", "1"), ("a", "2")]


# -- what each type of entry shows --


def load(tmp_path: Path, text: str) -> tuple[dict[str, Reference], list[tuple[int, str]]]:
    bib = tmp_path / "refs.bib"
    bib.write_text(text, encoding="utf-8")
    refs, problems = load_bibliography(str(bib), "docs/refs.bib")
    assert all(p.loc.path == "docs/refs.bib" for p in problems)
    return refs, [(p.loc.line, p.message) for p in problems]


def shown(entry_html: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", entry_html))


AUTHOR = "  author = {Doe, Jane},\n  title = {T},\n  year = {2020},\n"


@pytest.mark.parametrize(
    ("entry", "text"),
    [
        (
            "@article{k,\n{a}  journal = {Nature},\n  volume = {588},\n  number = {7839},\n  pages = {604--609}\n}",
            "Doe, J. (2020). T. Nature 588(7839), 604–609.",
        ),
        (
            "@article{k,\n{a}  journal = {Nature},\n  volume = {588},\n  pages = {604-609}\n}",
            "Doe, J. (2020). T. Nature 588, 604–609.",
        ),
        (
            "@article{k,\n{a}  journal = {Nature},\n  pages = {604--609}\n}",
            "Doe, J. (2020). T. Nature, 604–609.",
        ),
        ("@article{k,\n{a}  journal = {Nature},\n  number = {7}\n}", "Doe, J. (2020). T. Nature, no. 7."),
        ("@article{k,\n{a}  journal = {Nature}\n}", "Doe, J. (2020). T. Nature."),
        ("@article{k,\n{a}  volume = {3}\n}", "Doe, J. (2020). T. 3."),
        ("@article{k,\n{a}}", "Doe, J. (2020). T."),
        (
            "@inproceedings{k,\n{a}  booktitle = {Proc. X},\n  series = {S},\n  volume = {97},\n  pages = {1--9},\n  publisher = {PMLR}\n}",
            "Doe, J. (2020). T. In Proc. X (S, Vol. 97, pp. 1–9). PMLR.",
        ),
        ("@inproceedings{k,\n{a}  booktitle = {ICLR}\n}", "Doe, J. (2020). T. In ICLR."),
        (
            "@incollection{k,\n{a}  booktitle = {Essays},\n  pages = {12},\n  publisher = {P}\n}",
            "Doe, J. (2020). T. In Essays (p. 12). P.",
        ),
        ("@inproceedings{k,\n{a}  pages = {5--6}\n}", "Doe, J. (2020). T. pp. 5–6."),
        (
            "@book{k,\n{a}  series = {Ergebnisse},\n  volume = {2},\n  publisher = {Springer},\n  address = {Berlin}\n}",
            "Doe, J. (2020). T (Ergebnisse, Vol. 2). Springer.",
        ),
        ("@book{k,\n{a}}", "Doe, J. (2020). T."),
        (
            "@techreport{k,\n{a}  number = {12},\n  institution = {Lab}\n}",
            "Doe, J. (2020). T (Technical report No. 12). Lab.",
        ),
        ("@phdthesis{k,\n{a}  school = {MIT}\n}", "Doe, J. (2020). T [Doctoral dissertation, MIT]."),
        (
            "@misc{k,\n{a}  howpublished = {Blog post},\n  organization = {Lab}\n}",
            "Doe, J. (2020). T. Blog post. Lab.",
        ),
        ("@online{k,\n{a}}", "Doe, J. (2020). T."),
        (
            "@misc{k,\n  title = {Why?},\n  organization = {Lab},\n  date = {2021-03-04}\n}",
            "Lab (2021). Why?",
        ),
    ],
)
def test_each_type_shows_only_the_fields_it_has(tmp_path: Path, entry: str, text: str) -> None:
    refs, problems = load(tmp_path, entry.replace("{a}", AUTHOR))
    assert problems == []
    assert shown(reference_html(refs["k"])) == text


def test_italics_mark_the_container_or_the_whole_work(tmp_path: Path) -> None:
    refs, _ = load(
        tmp_path,
        f"@article{{a,\n{AUTHOR}  journal = {{J}}\n}}\n@book{{b,\n{AUTHOR}}}\n@inproceedings{{c,\n{AUTHOR}  booktitle = {{B}}\n}}\n",
    )
    assert "<em>J</em>" in reference_html(refs["a"])
    assert "(2020). <em>T</em>." in reference_html(refs["b"])
    assert "In <em>B</em>." in reference_html(refs["c"])


# -- related works and annotations --

RELATED = """@misc{pre,
  author = {Doe, Jane},
  title = {Preprint},
  year = {2023},
  eprint = {2301.04104},
  archivePrefix = {arXiv},
  related = {pub},{extra}
  annotation = {What you find: *the method* and `code`.}
}
@article{pub,
  author = {Doe, Jane},
  title = {Published},
  journal = {Nature},
  volume = {1},
  pages = {2--3},
  year = {2025},
  doi = {10.1038/x1}
}
"""


def test_a_related_work_is_shown_with_its_own_link_and_without_repeated_authors(tmp_path: Path) -> None:
    refs, problems = load(tmp_path, RELATED.replace("{extra}", ""))
    assert problems == []
    entry = reference_html(refs["pre"])
    assert shown(entry) == (
        "Doe, J. (2023). Preprint. arXiv:2301.04104"
        "Also published as: Published (2025). Nature 1, 2–3. doi:10.1038/x1"
        "What you find: the method and code."
    )
    assert '<span class="wmbook-reference__related">Also published as: Published (2025).' in entry
    assert '<a href="https://doi.org/10.1038/x1">doi:10.1038/x1</a></span>' in entry
    assert (
        '<span class="wmbook-reference__note">What you find: <em>the method</em> and <code>code</code>.</span>'
        in entry
    )
    assert "Also published as" not in reference_html(refs["pub"])  # the link goes one way


def test_a_related_work_by_other_authors_names_them(tmp_path: Path) -> None:
    text = RELATED.replace("{extra}", "").replace(
        "{Doe, Jane},\n  title = {Published}", "{Roe, Ray},\n  title = {Published}"
    )
    refs, _ = load(tmp_path, text)
    assert "Also published as: Roe, R. (2025). Published. <em>Nature</em>" in reference_html(refs["pre"])


@pytest.mark.parametrize(
    ("extra", "phrase"),
    [
        ("\n  relatedtype = {origpubas},", "Originally published as: "),
        ("\n  relatedtype = {TranslationOf},", "Translation of: "),
        ("\n  relatedstring = {Peer-reviewed version},", "Peer-reviewed version: "),
    ],
)
def test_relatedtype_and_relatedstring_choose_the_words(tmp_path: Path, extra: str, phrase: str) -> None:
    refs, problems = load(tmp_path, RELATED.replace("{extra}", extra))
    assert problems == []
    assert f'<span class="wmbook-reference__related">{phrase}Published' in reference_html(refs["pre"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain & <b>bold</b>", "plain &amp; &lt;b&gt;bold&lt;/b&gt;"),
        ("**strong** and _em_ and *em*", "<strong>strong</strong> and <em>em</em> and <em>em</em>"),
        ("`a<b` and `[x](y)`", "<code>a&lt;b</code> and <code>[x](y)</code>"),
        ("[site](https://x.org/?a=1&b=2)", '<a href="https://x.org/?a=1&amp;b=2">site</a>'),
        ("[here](/docs/page.html)", '<a href="/docs/page.html">here</a>'),
        ("[bad](javascript:void)", "bad"),
        ("snake_case_name and 2*3*4", "snake_case_name and 2*3*4"),
    ],
)
def test_annotations_are_inline_markdown_with_everything_else_escaped(text: str, expected: str) -> None:
    assert str(inline_markdown(text)) == expected


# -- what the bibliography cannot use is an error at its line --


@pytest.mark.parametrize(
    ("fields", "line", "fragment"),
    [
        (
            "related = {nosuch},",
            7,
            "'pre' is related to 'nosuch', which is not in the bibliography; add an entry with that key or fix related",
        ),
        ("related = {pre},", 7, "'pre' names itself in related; name the key of the other version"),
        (
            "related = {pub},\n  relatedtype = {alsoas},",
            8,
            "unknown relatedtype 'alsoas' of 'pre' (known: origpubas, origpubin,",
        ),
    ],
)
def test_bad_relations_are_errors_at_their_line(
    tmp_path: Path, fields: str, line: int, fragment: str
) -> None:
    refs, problems = load(tmp_path, RELATED.replace("related = {pub},{extra}", fields))
    assert [(number, fragment in message) for number, message in problems] == [(line, True)], problems
    assert "pre" in refs


@pytest.mark.parametrize(
    ("field", "fragment"),
    [
        (
            "relatedtype = {origpubas}",
            "'k' has relatedtype but no related; add related = {key} or remove relatedtype",
        ),
        (
            "url = {javascript:alert(1)}",
            "the url of 'k' is not an http(s) or relative link ('javascript:alert(1)'); fix or remove it",
        ),
        ("doi = {not-a-doi}", "the doi of 'k' is not a DOI ('not-a-doi'); write it as 10.NNNN/suffix"),
        (
            "eprint = {2301.04104}",
            "the eprint of 'k' has no archivePrefix; wmbook links arXiv eprints: write archivePrefix = {arXiv}",
        ),
        ("eprint = {hal-01}, archivePrefix = {HAL}", "the eprint of 'k' has archivePrefix 'HAL'"),
        ("eprint = {23.1}, eprinttype = {arxiv}", "the eprint of 'k' is not an arXiv id ('23.1')"),
        ("annotation = {see [this](data:text/html,x)}", "the annotation of 'k' links to 'data:text/html,x'"),
    ],
)
def test_fields_the_renderer_cannot_use_are_errors_at_their_line(
    tmp_path: Path, field: str, fragment: str
) -> None:
    text = f"% a comment\n@misc{{other,\n  title = {{O}}\n}}\n\n@misc{{k,\n{AUTHOR}  {field}\n}}\n"
    refs, problems = load(tmp_path, text)
    assert problems == [(10, problems[0][1])] and fragment in problems[0][1], problems
    assert refs["k"].url == "" and refs["k"].doi == "" and refs["k"].arxiv == ""


def test_a_doi_written_as_a_link_and_an_eprint_with_its_prefix_are_read_as_ids(tmp_path: Path) -> None:
    fields = (
        "  doi = {https://doi.org/10.1038/abc},\n  eprint = {arXiv:2301.04104},\n  archivePrefix = {arXiv}\n"
    )
    refs, problems = load(tmp_path, f"@misc{{k,\n{AUTHOR}{fields}}}\n")
    assert problems == [] and (refs["k"].doi, refs["k"].arxiv) == ("10.1038/abc", "2301.04104")
