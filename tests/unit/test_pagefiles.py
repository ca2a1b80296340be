"""Files beside a page: what a cache entry records of the paths a session read, when the entry
is stale, which files a remote session is sent, and where a page's relative paths lead."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from wmbook.execute import pagefiles
from wmbook.execute.pagefiles import missed, over_budget, reads_unchanged, record_reads, ship
from wmbook.execute.sessions import page_folder
from wmbook.model import FileRead, PageFolder, ReadKind


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    root = tmp_path / "docs"
    (root / "lab" / "data").mkdir(parents=True)
    (root / "lab" / "a.csv").write_text("1,2\n")
    (root / "lab" / "data" / "b.csv").write_text("3\n")
    (root / "top.csv").write_text("top\n")
    return root


READS = (
    FileRead("lab/a.csv"),
    FileRead("lab/data/b.csv"),
    FileRead("lab/later.csv", ReadKind.ABSENT),
    FileRead("lab", ReadKind.LISTING),
)


def _stale_after(docs: Path, change: str) -> bool:
    folder = PageFolder(str(docs), "lab")
    records = record_reads(folder, READS, {})
    path = docs / change
    if change.endswith("vanish"):
        (docs / change.removesuffix(" vanish")).unlink()
    elif path.exists():
        path.write_text(path.read_text() + "more\n")
    else:
        path.write_text("new\n")
    return not reads_unchanged(folder, records, {})


@pytest.mark.parametrize(
    ("change", "stale"),
    [
        ("lab/a.csv", True),  # a file read changed
        ("lab/data/b.csv", True),
        ("lab/a.csv vanish", True),  # a file read vanished
        ("lab/later.csv", True),  # a file found absent appeared (and the listed folder changed)
        ("lab/data/c.csv", False),  # a new file in a folder nobody listed
        ("top.csv", False),  # a file nobody read
    ],
)
def test_an_entry_is_stale_exactly_when_what_it_read_changed(docs: Path, change: str, stale: bool) -> None:
    assert _stale_after(docs, change) is stale


def test_a_listed_folder_is_stale_when_its_names_change_not_their_content(docs: Path) -> None:
    folder = PageFolder(str(docs), "lab")
    records = record_reads(folder, [FileRead("lab/data", ReadKind.LISTING)], {})
    (docs / "lab" / "data" / "b.csv").write_text("changed\n")
    assert reads_unchanged(folder, records, {})
    (docs / "lab" / "data" / "b.csv").rename(docs / "lab" / "data" / "c.csv")
    assert not reads_unchanged(folder, records, {})


def test_records_are_plain_data_each_path_once(docs: Path) -> None:
    folder = PageFolder(str(docs), "lab")
    records = record_reads(folder, [*READS, FileRead("lab/a.csv")], {})
    assert [r[:2] for r in records] == [
        ["listing", "lab"],
        ["file", "lab/a.csv"],
        ["file", "lab/data/b.csv"],
        ["file", "lab/later.csv"],
    ]
    assert records[3][2] == ""  # absent


def test_no_records_and_no_folder() -> None:
    assert reads_unchanged(None, [], {})
    assert not reads_unchanged(None, [["file", "x.csv", "abc"]], {})


def test_the_memo_spares_hashing_a_file_twice(docs: Path) -> None:
    folder = PageFolder(str(docs), "lab")
    memo: dict[tuple[str, str], str] = {}
    records = record_reads(folder, READS, memo)
    (docs / "lab" / "a.csv").write_text("changed within the build\n")
    assert reads_unchanged(folder, records, memo)  # one build sees one state of each file


def test_ship_sends_small_files_names_the_rest(docs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (docs / "lab" / "big.bin").write_bytes(b"x" * 100)
    (docs / "lab" / "page.md").write_text("# A page, not data\n")
    monkeypatch.setattr(pagefiles, "SHIP_FILE_BYTES", 50)
    shipped = ship(PageFolder(str(docs), "lab"))
    assert shipped.shipped == (("lab/a.csv", b"1,2\n"), ("lab/data/b.csv", b"3\n"))
    assert shipped.unsent == ("lab/big.bin", "lab/page.md")
    again = ship(shipped, ["lab/big.bin", "top.csv"], again=True)  # a second run sends what fits
    sent = ["lab/a.csv", "lab/big.bin", "lab/data/b.csv", "lab/page.md", "top.csv"]
    assert [path for path, _ in again.shipped or ()] == sent
    assert again.unsent == ()


def test_missed_files_are_those_the_docs_folder_has(docs: Path) -> None:
    folder = ship(PageFolder(str(docs), "lab"))
    reads = [
        FileRead("top.csv", ReadKind.ABSENT),  # not sent, and here: missed
        FileRead("lab/nowhere.csv", ReadKind.ABSENT),  # absent here too
        FileRead("lab/a.csv", ReadKind.FILE),
        FileRead("lab", ReadKind.LISTING),
    ]
    assert missed(folder, reads) == ["top.csv"]


@pytest.mark.parametrize("path", ["../secret.txt", "lab/../../secret.txt", "/etc/hostname", "lab/link"])
def test_a_reported_path_outside_the_docs_folder_is_never_hashed_or_sent(docs: Path, path: str) -> None:
    (docs.parent / "secret.txt").write_text("not the book's\n")
    (docs / "lab" / "link").symlink_to(docs.parent / "secret.txt")
    folder = PageFolder(str(docs), "lab")
    read = FileRead(path, ReadKind.ABSENT)
    assert record_reads(folder, [read], {}) == []
    assert missed(folder, [read]) == []
    assert all(sent != path for sent, _ in ship(folder, [path]).shipped or ())


def test_over_budget_names_the_limit(docs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = PageFolder(str(docs), "lab")
    assert over_budget(folder, ["lab/a.csv"]) == ""
    monkeypatch.setattr(pagefiles, "SHIP_MAX_BYTES", 3)
    assert (
        over_budget(folder, ["lab/a.csv"])
        == "it is too large: wmbook sends at most 3 bytes of files with a session"
    )


@pytest.mark.parametrize(
    ("page", "docs_dir", "expected"),
    [
        ("docs/lab/x.ipynb", "docs", ("docs", "lab")),
        ("docs/x.md", "docs", ("docs", "")),
        ("docs/a/b/x.md", "docs", ("docs", "a/b")),
        ("elsewhere/x.md", "docs", ("elsewhere", "")),  # outside the docs folder: its own folder
        ("docs/lab/x.md", "", ("docs/lab", "")),
    ],
)
def test_page_folder(tmp_path: Path, page: str, docs_dir: str, expected: tuple[str, str]) -> None:
    folder = page_folder(str(tmp_path / page), str(tmp_path / docs_dir) if docs_dir else "")
    assert folder is not None
    assert (os.path.relpath(folder.root, tmp_path), folder.page) == expected
    assert folder.path.rstrip(os.sep) == str((tmp_path / page).parent)


def test_a_page_without_a_file_has_no_folder() -> None:
    assert page_folder("", "docs") is None
