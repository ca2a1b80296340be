"""The registry of block kinds: loaded from the ``wmbook.kinds`` entry points, wmbook's own
first, a package that gives something else or claims what another kind claims refused."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from types import ModuleType
from typing import NoReturn

import pytest
from kind_support import check_context, parse_context, render_context
from msgspec.structs import replace

from wmbook.errors import BookError
from wmbook.kinds import ENTRY_POINT_GROUP, OWN, build_registry, guarded, load_registry, registry
from wmbook.kinds.base import BlockKind, ExportContext
from wmbook.model import Diagnostic, Region, SourceLoc
from wmbook.parse.blocks import RawBlock
from wmbook.parse.page import parse_page


@dataclass(frozen=True)
class Note:
    region: Region


NOTE = BlockKind(name="note_kind", record=Note, blocks=("note_kind",))


@pytest.fixture
def module(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """A module a test's entry points can name (``kind_test_module:...``)."""
    made = ModuleType("kind_test_module")
    made.NOTE = NOTE  # type: ignore[attr-defined]
    made.NOT_A_KIND = object()  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "kind_test_module", made)
    return made


def own_points() -> list[EntryPoint]:
    return [ep for ep in entry_points(group=ENTRY_POINT_GROUP) if ep.name in OWN]


def point(name: str, value: str) -> EntryPoint:
    return EntryPoint(name, value, ENTRY_POINT_GROUP)


def test_wmbook_registers_its_own_kinds_as_entry_points() -> None:
    assert sorted(ep.value for ep in own_points()) == sorted(f"wmbook.kinds.{name}:KIND" for name in OWN)
    assert [kind.name for kind in registry().kinds[: len(OWN)]] == list(OWN)


def test_another_package_kind_comes_after_wmbook_own(module: ModuleType) -> None:
    loaded = load_registry([point("note_kind", "kind_test_module:NOTE"), *reversed(own_points())])
    assert [kind.name for kind in loaded.kinds] == [*OWN, "note_kind"]
    assert loaded.by_block["note_kind"].record is Note
    assert loaded.of(Note(Region(1, 2, "text"))).name == "note_kind"
    assert loaded.by_block["quiz"] is registry().by_block["quiz"]  # wmbook's own are used as they are


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("kind_test_module:NOT_A_KIND", "is not a wmbook.kinds.base.BlockKind but object"),
        ("kind_test_module:MISSING", "could not be loaded: AttributeError"),
        ("no_such_module_here:KIND", "could not be loaded: ModuleNotFoundError"),
    ],
)
def test_an_entry_point_that_gives_no_kind_stops_the_build(
    module: ModuleType, value: str, message: str
) -> None:
    with pytest.raises(BookError, match="the block kind 'note_kind = ") as raised:
        load_registry([*own_points(), point("note_kind", value)])
    assert message in str(raised.value)


def test_an_entry_point_named_otherwise_than_its_kind_is_refused(module: ModuleType) -> None:
    with pytest.raises(BookError, match="names a kind called 'note_kind'; give the entry point that name"):
        load_registry([*own_points(), point("notes", "kind_test_module:NOTE")])


def test_missing_own_kinds_say_to_reinstall() -> None:
    with pytest.raises(BookError, match=r"wmbook's own block kinds \(quiz\) are not registered.*reinstall"):
        load_registry([ep for ep in own_points() if ep.name != "quiz"])


@pytest.mark.parametrize(
    ("change", "claim"),
    [
        ({"blocks": ("quiz",)}, "block '/// quiz'"),
        ({"blocks": (), "fences": ("python",)}, "fence language 'python'"),
    ],
)
def test_two_kinds_cannot_claim_one_way_of_writing(change: dict[str, tuple[str, ...]], claim: str) -> None:
    rival = replace(NOTE, **change)  # type: ignore[arg-type]
    with pytest.raises(BookError, match=f"both claim the {claim}"):
        build_registry([*registry().kinds, rival])


def _raises(*args: object) -> NoReturn:
    raise ZeroDivisionError("division by zero")


def test_a_failing_kind_of_another_package_is_a_diagnostic_at_its_block() -> None:
    kind = guarded(
        replace(NOTE, parse=_raises, check=_raises, render=_raises, check_page=_raises, notebook=_raises)
    )
    text = "# Page\n\n/// note_kind\nSome text.\n///\n"
    raw = RawBlock("note_kind", "", 3, 5, (), ("Some text.",), 4, True)
    record, problems = kind.parse(raw, parse_context(text, "docs/p.md"))
    assert record is None
    assert [(d.loc, d.message.split(":")[0]) for d in problems] == [
        (SourceLoc("docs/p.md", 3), "the 'note_kind' block kind failed to parse this block")
    ]
    assert "ZeroDivisionError: division by zero" in problems[0].message
    assert "_raises" in problems[0].detail  # the traceback's last frames
    page = parse_page(text, "docs/p.md")
    note = Note(Region(3, 5, "/// note_kind\nSome text.\n///"))
    (found,) = kind.check(note, check_context(page))
    assert isinstance(found, Diagnostic) and found.loc == SourceLoc("docs/p.md", 3)
    ctx = render_context(page)
    assert kind.render(note, ctx) == ["/// note_kind", "Some text.", "///"]  # shown as written
    assert [d.loc.line for d in ctx.problems] == [3]
    assert [d.loc.line for d in kind.check_page(page, check_context(page))] == [1]
    export = ExportContext(page, {}, "p.html", lambda text: text)
    assert [cell["source"] for cell in kind.notebook(note, export)] == [
        ["/// note_kind\n", "Some text.\n", "///"]
    ]


class _LookedAt(list[object]):
    """A page's blocks that count how many of them a reader looks at."""

    looked = 0

    def __iter__(self):  # type: ignore[no-untyped-def]
        self.looked += len(self)
        return super().__iter__()

    def __getitem__(self, index):  # type: ignore[no-untyped-def]
        got = super().__getitem__(index)
        self.looked += len(got) if isinstance(index, slice) else 1
        return got


def test_counting_a_kinds_blocks_looks_at_each_block_once() -> None:
    ctx = parse_context("", "docs/p.md")
    ctx.blocks = blocks = _LookedAt()
    indexes = []
    for n in range(200):
        indexes.append((ctx.count(Note), ctx.count(Region)))
        blocks.append(Note(Region(n, n + 1, "")) if n % 3 else object())
    assert indexes[:4] == [(0, 0), (0, 0), (1, 0), (2, 0)]
    assert indexes[-1] == (sum(1 for n in range(199) if n % 3), 0)
    assert blocks.looked <= 2 * 200  # not the whole page again at every block (200 * 200 / 2)
