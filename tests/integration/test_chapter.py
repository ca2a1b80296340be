"""The book itself: the chapter builds, runs clean, and has every part it promises."""

from __future__ import annotations

import html as html_text
import json
import logging
import os
import re
import shutil
from pathlib import Path

import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort

REPO = Path(__file__).resolve().parents[2]

SECTIONS = ["sec-5-1", "sec-5-2", "sec-5-3", "sec-5-4", "sec-5-5", "sec-5-r"]
EQUATIONS = ["eq-mm5-1", "eq-mm5-2", "eq-mm5-3", "eq-mm5-4", "eq-mm5-5"]
INSTRUMENTS = ["inst-mm5-1", "inst-mm5-2", "inst-mm5-3"]
REFERENCES = [
    "ha2018worldmodels",
    "lecun2022path",
    "hafner2023dreamerv3",
    "assran2023ijepa",
    "bardes2024vjepa",
    "assran2025vjepa2",
    "bruce2024genie",
    "parkerholder2024genie2",
    "schrittwieser2020muzero",
    "valevski2024gamengen",
]


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The repository's book, built from a copy (so no test touches the real tree)."""
    root = tmp_path_factory.mktemp("book") / "book"
    for name in ("docs",):
        shutil.copytree(REPO / name, root / name)
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    records: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    logger = logging.getLogger("mkdocs")
    handler = Collect(level=logging.INFO)
    level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    os.environ.pop("WMBOOK_ACCEPT", None)
    try:
        config = load_config(config_file=str(root / "mkdocs.yml"), site_dir=str(root / "site"), strict=True)
        try:
            build(config)
        except Abort:
            pytest.fail("the book does not build:\n" + "\n".join(r.getMessage() for r in records))
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    return root, (root / "site" / "world-models" / "index.html").read_text(encoding="utf-8")


def test_chapter_executes_with_no_errors(book: tuple[Path, str]) -> None:
    root, _ = book
    report = json.loads((root / ".cache" / "wmbook" / "last-build.json").read_text())
    assert report["summary"]["failed"] == 0
    assert not [d for d in report["diagnostics"] if d["severity"] == "error"]
    chapter = [s for s in report["sessions"] if s["page"] == "docs/world-models.md"]
    assert chapter and not any(s["failed"] for s in chapter)


@pytest.mark.parametrize("anchor", SECTIONS + EQUATIONS + INSTRUMENTS)
def test_anchor_present(book: tuple[Path, str], anchor: str) -> None:
    assert f'id="{anchor}"' in book[1]


@pytest.mark.parametrize("key", REFERENCES)
def test_reference_listed_and_cited(book: tuple[Path, str], key: str) -> None:
    html = book[1]
    assert f'<li id="ref-{key}"' in html
    assert f'href="#ref-{key}"' in html


def test_quizzes(book: tuple[Path, str]) -> None:
    kinds = re.findall(r'class="wmbook-quiz"[^>]*data-kind="(\w+)"', book[1])
    assert len(kinds) >= 5
    assert {"truefalse", "numeric"} <= set(kinds)


def test_header_and_outputs(book: tuple[Path, str]) -> None:
    html = book[1]
    assert "Chapter 05 / 06" in html
    assert re.search(r"≈ \d+ min", html)
    assert "Embodied AI" in html and "(forthcoming)" in html
    assert html.count('class="wmbook-output wmbook-output--ok"') >= 5
    assert 'class="wmbook-output wmbook-output--error"' not in html
    assert html.count("wmbook-figure") >= 2


def _reference_list(page: str) -> dict[str, str]:
    """Each listed work's text as a reader sees it, by key."""
    (listing,) = re.findall(r'<ol class="wmbook-references">(.*?)</ol>', page, re.S)
    items = re.findall(r'<li id="ref-([\w-]+)" value="\d+">(.*?)</li>', listing, re.S)
    return {key: html_text.unescape(re.sub(r"<[^>]+>", "", item)) for key, item in items}


def test_reference_list_shows_volume_issue_and_pages(book: tuple[Path, str]) -> None:
    listed = _reference_list(book[1])
    assert "Nature 588(7839), 604–609." in listed["schrittwieser2020muzero"]
    assert "Nature ." not in " ".join(listed.values())
    assert (
        "(Proceedings of Machine Learning Research, Vol. 235, pp. 4603–4623). PMLR."
        in listed["bruce2024genie"]
    )


def test_reference_list_shows_the_published_versions(book: tuple[Path, str]) -> None:
    listed = _reference_list(book[1])
    assert (
        "Also published as: Mastering diverse control tasks through world models (2025). "
        "Nature 640(8059), 647–653. doi:10.1038/s41586-025-08744-2"
    ) in listed["hafner2023dreamerv3"]
    assert (
        "Also published as: Recurrent World Models Facilitate Policy Evolution (2018). "
        "In Advances in Neural Information Processing Systems (Vol. 31, pp. 2450–2462)."
    ) in listed["ha2018worldmodels"]
    assert 'href="https://doi.org/10.1038/s41586-025-08744-2"' in book[1]


def test_every_listed_work_has_one_annotation(book: tuple[Path, str]) -> None:
    (listing,) = re.findall(r'<ol class="wmbook-references">(.*?)</ol>', book[1], re.S)
    items = re.findall(r'<li id="ref-[\w-]+" value="\d+">(.*?)</li>', listing, re.S)
    assert len(items) >= len(REFERENCES)
    for item in items:
        notes = re.findall(r'<span class="wmbook-reference__note">([^<]{40,})', item)
        assert len(notes) == 1, item
