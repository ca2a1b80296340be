"""The instrument kind: the registry of instruments, validation of the block, unique
labels, and renderings kept in the store while the instrument's code is unchanged."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from kind_support import check_context, clean_page, parse_block, render_context

from wmbook.instruments.base import Instrument
from wmbook.instruments.registry import BUILT_IN, InstrumentError, InstrumentRegistry
from wmbook.kinds import instrument as kind
from wmbook.kinds.instrument import InstrumentBlock
from wmbook.model import Diagnostic, Region, SourceLoc
from wmbook.store import Store

PATH = "docs/inst.md"
BUILT_IN_NAMES = ("imagined_planner", "latent_rollout", "pixel_vs_embedding")

FAKE_MODULE = """\
from wmbook.instruments.base import Instrument, RenderedInstrument

CALLS = []


def make(tag):
    def build(anchor):
        CALLS.append((tag, anchor))
        return RenderedInstrument(
            preview_svg=f"<svg>{tag}</svg>",
            item_json='{"tag": "%s"}' % tag,
            target_id=anchor + "-bokeh",
            readouts_html=f'<p class="readouts">{tag}</p>',
            description=f"A {tag} instrument.",
        )

    return Instrument(tag, f"Title {tag}", f"A {tag} instrument.", "F1", build, f"<p>Default caption {tag}.</p>")


INSTRUMENT = make("one")
TWO = make("two")
NOT_AN_INSTRUMENT = 3
"""


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The name of a module, importable for this test only, that defines instruments."""
    name = f"fake_instruments_{uuid.uuid4().hex[:12]}"
    folder = tmp_path / "modules"
    folder.mkdir()
    (folder / f"{name}.py").write_text(FAKE_MODULE, encoding="utf-8")
    monkeypatch.syspath_prepend(str(folder))
    return name


def calls(module: str) -> list[tuple[str, str]]:
    """What the fake instruments of ``module`` have built so far."""
    import importlib

    return list(importlib.import_module(module).CALLS)


# -- the registry --


def test_registry_names() -> None:
    assert InstrumentRegistry().names() == BUILT_IN_NAMES
    assert tuple(sorted(BUILT_IN)) == BUILT_IN_NAMES


@pytest.mark.parametrize(
    ("configured", "names"),
    [
        ({"my": "some.module:OBJ"}, ("imagined_planner", "latent_rollout", "my", "pixel_vs_embedding")),
        ({"aaa": "x:Y", "zzz": "x:Z"}, ("aaa", *BUILT_IN_NAMES, "zzz")),
        ({"latent_rollout": "mine:OTHER"}, BUILT_IN_NAMES),
        ({}, BUILT_IN_NAMES),
    ],
)
def test_configured_instruments_show_in_the_names(configured: dict[str, str], names: tuple[str, ...]) -> None:
    registry = InstrumentRegistry(configured)
    assert registry.names() == names
    for name, target in configured.items():
        assert registry.targets[name] == target


@pytest.mark.parametrize(
    ("target", "fragment"),
    [
        ("some.module:OBJ", "cannot be loaded"),
        ("wmbook.store:NOPE", "cannot be loaded"),
        ("wmbook.store", "cannot be loaded"),
        ("wmbook.store:digest", "wmbook.store:digest is not a wmbook Instrument"),
        ("wmbook.instruments.registry:BUILT_IN", "is not a wmbook Instrument"),
    ],
)
def test_a_bad_target_raises_instrument_error(target: str, fragment: str) -> None:
    registry = InstrumentRegistry({"my": target})
    with pytest.raises(InstrumentError) as caught:
        registry.get("my")
    assert fragment in str(caught.value)
    assert "'my'" in str(caught.value)


def test_a_target_is_loaded_once_with_instrument_as_the_default_attribute(fake: str) -> None:
    registry = InstrumentRegistry({"one": fake, "two": f"{fake}:TWO"})
    one = registry.get("one")
    assert (one.name, one.title) == ("one", "Title one")
    assert registry.get("one") is one
    assert registry.get("two").name == "two"
    with pytest.raises(InstrumentError, match="is not a wmbook Instrument"):
        InstrumentRegistry({"three": f"{fake}:NOT_AN_INSTRUMENT"}).get("three")


def test_built_in_instruments_load() -> None:
    instrument = InstrumentRegistry().get("latent_rollout")
    assert instrument.name == "latent_rollout"


def test_source_digest_hashes_the_defining_file_without_importing_it(fake: str, tmp_path: Path) -> None:
    import sys

    registry = InstrumentRegistry({"one": f"{fake}:INSTRUMENT", "gone": "no_such_module_here:X"})
    source = (tmp_path / "modules" / f"{fake}.py").read_bytes()
    assert registry.source_digest("one") == hashlib.sha256(source).hexdigest()
    assert fake not in sys.modules
    assert registry.source_digest("gone") == hashlib.sha256(b"no_such_module_here").hexdigest()
    (tmp_path / "modules" / f"{fake}.py").write_bytes(source + b"\n# edited\n")
    assert registry.source_digest("one") != hashlib.sha256(source).hexdigest()


# -- parsing the block --


def instrument(
    argument: str, *options: str, registry: InstrumentRegistry | None = None
) -> tuple[InstrumentBlock | None, list[Diagnostic]]:
    text = "\n".join([f"/// instrument | {argument}", *(f"    {o}" for o in options), "A caption.", "///"])
    return parse_block(kind.parse, text, PATH, registry)


@pytest.mark.parametrize(
    ("argument", "name", "label", "title", "anchor"),
    [
        (
            "MM5.1 — Latent-rollout visualizer",
            "latent_rollout",
            "MM5.1",
            "Latent-rollout visualizer",
            "inst-mm5-1",
        ),
        ("MM5.2 - Pixels", "pixel_vs_embedding", "MM5.2", "Pixels", "inst-mm5-2"),
        ("7", "imagined_planner", "7", "", "inst-7"),
        ("A.1 — Appendix", "latent_rollout", "A.1", "Appendix", "inst-a-1"),
    ],
)
def test_valid_instruments(argument: str, name: str, label: str, title: str, anchor: str) -> None:
    found, problems = instrument(argument, f"name: {name}")
    assert problems == []
    assert found is not None
    assert (found.name, found.label, found.title, found.anchor) == (name, label, title, anchor)
    assert found.loc == SourceLoc(PATH, 1)
    assert found.content == ("A caption.",)
    lines = [f"/// instrument | {argument}", f"    name: {name}", "A caption.", "///"]
    assert found.region == Region(1, 4, "\n".join(lines))


KNOWN = "(known instruments: imagined_planner, latent_rollout, pixel_vs_embedding)"


@pytest.mark.parametrize(
    ("argument", "options", "expected"),
    [
        ("MM5.1 — X", ("name: latent_rolout",), (2, f"unknown instrument 'latent_rolout' {KNOWN}")),
        ("MM5.1 — X", (), (1, f"an instrument needs 'name:' {KNOWN}")),
        ("MM5.1 — X", ("name: 3",), (1, "an instrument needs 'name:'")),
        ("MM5.1 — X", ("name: ''",), (1, "an instrument needs 'name:'")),
        ("MM5.1 — X", ("name: latent_rollout", "size: big"), (3, "unknown instrument option 'size'")),
        ("Latent rollout", ("name: latent_rollout",), (1, "needs a label like 'MM5.1 — Title'")),
        ("MM5.1: X", ("name: latent_rollout",), (1, "needs a label like 'MM5.1 — Title'")),
        ("", ("name: latent_rollout",), (1, "needs a label like 'MM5.1 — Title'")),
    ],
)
def test_bad_instruments(argument: str, options: tuple[str, ...], expected: tuple[int, str]) -> None:
    _, problems = instrument(argument, *options)
    assert [(p.loc.line, expected[1] in p.message) for p in problems] == [(expected[0], True)]


def test_the_page_registry_decides_which_names_are_known() -> None:
    registry = InstrumentRegistry({"my": "some.module:OBJ"})
    found, problems = instrument("F1 — Mine", "name: my", registry=registry)
    assert problems == [] and found is not None and found.name == "my"
    _, problems = instrument("F1 — Mine", "name: my")
    assert [p.message for p in problems] == [f"unknown instrument 'my' {KNOWN}"]
    page = clean_page("/// instrument | F1\n    name: my\n///\n", PATH, registry)
    assert [i.name for i in page.blocks_of(InstrumentBlock)] == ["my"]


def test_a_chapter_header_lists_the_instruments_through_their_kind() -> None:
    from wmbook.stages import header_entries

    text = "/// instrument | MM5.1 — Rollout\n    name: latent_rollout\n///\n\n/// quiz | Q?\n    answer: true\n///\n"
    page = clean_page(text, PATH)
    assert header_entries(page.blocks) == (("MM5.1", "Rollout", "inst-mm5-1"),)


# -- unique labels --


def test_a_caption_links_the_equation_it_shows_and_the_link_is_checked() -> None:
    """An instrument's caption is Markdown: a link to its equation is checked like any other."""
    from wmbook.kinds import equation

    lines = [
        "/// equation | EQ MM5.1 — Contract",  # 1
        "$$a$$",
        "///",
        "/// instrument | MM5.1 — One",  # 4
        "    name: latent_rollout",
        "*The transition of [EQ MM5.1](#eq-mm5-1).* A caption.",  # 6
        "///",
        "/// instrument | MM5.2 — Two",  # 8
        "    name: latent_rollout",
        "Shows [EQ MM5.9](#eq-mm5-9).",  # 10
        "///",
    ]
    page = clean_page("\n".join(lines), PATH)
    problems = equation.check_page(page, check_context(page))
    assert [(d.loc.line, d.message.split(",")[0]) for d in problems] == [(10, "link to #eq-mm5-9")]
    caption = kind.render(page.blocks_of(InstrumentBlock)[0], render_context(page, caption_html=lambda t: t))
    assert "[EQ MM5.1](#eq-mm5-1)" in "".join(caption)


def test_duplicate_label_is_an_error_at_the_second_instrument() -> None:
    text = "\n".join(
        [
            "/// instrument | MM5.1 — One",  # 1
            "    name: latent_rollout",  # 2
            "///",  # 3
            "/// instrument | MM5.2 — Two",  # 4
            "    name: latent_rollout",  # 5
            "///",  # 6
            "/// instrument | MM5.1 — Again",  # 7
            "    name: pixel_vs_embedding",  # 8
            "///",  # 9
            "/// equation | EQ MM5.1",  # 10: equations have labels of their own
            "$$a$$",
            "///",
        ]
    )
    page = clean_page(text, PATH)
    found = kind.check_page(page, check_context(page))
    assert [(d.loc.line, d.message) for d in found] == [
        (7, f"MM5.1 is already the label of the instrument at {PATH}:1")
    ]


# -- rendering, and the store --

ONE_PAGE = "/// instrument | F1 — Given title\n    name: one\nThe caption.\n///\n"


def _render(
    fake: str, store: Store | None, registry: InstrumentRegistry | None = None, text: str = ONE_PAGE
) -> str:
    registry = registry or InstrumentRegistry({"one": fake})
    page = clean_page(text, PATH, registry)
    (block,) = page.blocks_of(InstrumentBlock)
    return "\n".join(kind.render(block, render_context(page, store=store, instruments=registry)))


def _entries(root: Path) -> list[Path]:
    return sorted((root / "instruments").glob("*/*"))


def test_render_places_the_instrument_with_its_label_title_and_caption(fake: str) -> None:
    markup = _render(fake, None)
    assert markup.startswith("\n") and markup.endswith("\n")
    assert 'id="inst-f1"' in markup
    assert "<svg>one</svg>" in markup
    assert '<span class="wmbook-instrument-label">Instrument F1</span>' in markup
    assert '<strong class="wmbook-instrument-title">Given title</strong> <p>The caption.</p>' in markup
    assert 'data-bokeh-base="../assets/wmbook/bokeh/"' in markup
    assert calls(fake) == [("one", "inst-f1")]


def test_render_falls_back_to_the_instrument_title_and_caption(fake: str) -> None:
    markup = _render(fake, None, text="/// instrument | F1\n    name: one\n///\n")
    assert '<strong class="wmbook-instrument-title">Title one</strong> <p>Default caption one.</p>' in markup


def test_second_rendering_comes_from_the_store(fake: str, tmp_path: Path) -> None:
    store = Store(tmp_path / "store")
    first = _render(fake, store)
    assert len(_entries(store.root)) == 1

    class NoLoading(InstrumentRegistry):
        def get(self, name: str) -> Instrument:
            raise AssertionError("rendered again although the stored rendering is valid")

    second = _render(fake, store, NoLoading({"one": fake}))
    assert second == first
    assert calls(fake) == [("one", "inst-f1")]
    page = clean_page(ONE_PAGE, PATH, NoLoading({"one": fake}))
    ctx = render_context(page, store=store, instruments=NoLoading({"one": fake}))
    rendered, title, caption = kind._rendered(page.blocks_of(InstrumentBlock)[0], ctx)
    assert (rendered.preview_svg, rendered.target_id, rendered.label) == (
        "<svg>one</svg>",
        "inst-f1-bokeh",
        "",
    )
    assert (title, caption) == ("Title one", "<p>Default caption one.</p>")


def test_without_a_store_every_rendering_is_made(fake: str, tmp_path: Path) -> None:
    _render(fake, None)
    _render(fake, None)
    assert len(calls(fake)) == 2


def test_changed_code_or_anchor_renders_anew(
    fake: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(tmp_path / "store")
    _render(fake, store)
    _render(fake, store, text=ONE_PAGE.replace("F1", "F2"))
    assert len(_entries(store.root)) == 2
    monkeypatch.setattr(InstrumentRegistry, "source_digest", lambda self, name: "code changed")
    _render(fake, store)
    assert len(_entries(store.root)) == 3
    assert calls(fake) == [("one", "inst-f1"), ("one", "inst-f2"), ("one", "inst-f1")]


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda path: path.write_bytes(path.read_bytes()[:-3]), id="checksum-mismatch"),
        pytest.param(lambda path: path.write_bytes(b""), id="empty"),
    ],
)
def test_damaged_entry_is_rendered_again(fake: str, tmp_path: Path, damage: Callable[[Path], object]) -> None:
    store = Store(tmp_path / "store")
    first = _render(fake, store)
    (entry,) = _entries(store.root)
    damage(entry)
    assert _render(fake, store) == first
    assert len(calls(fake)) == 2
    (again,) = _entries(store.root)
    payload = store.read("instruments", again.name)
    assert payload is not None and json.loads(payload)["rendered"]["target_id"] == "inst-f1-bokeh"


def test_unreadable_payload_is_rendered_again(fake: str, tmp_path: Path) -> None:
    store = Store(tmp_path / "store")
    first = _render(fake, store)
    (entry,) = _entries(store.root)
    store.write("instruments", entry.name, b'{"rendered": {"no such field": 1}}')
    assert _render(fake, store) == first
    assert len(calls(fake)) == 2


def test_pointing_a_name_at_another_instrument_of_the_same_module_renders_anew(
    fake: str, tmp_path: Path
) -> None:
    """The rendering key holds the name's target, not only the name and the file that defines it."""
    store = Store(tmp_path / "store")
    _render(fake, store, InstrumentRegistry({"one": f"{fake}:INSTRUMENT"}))
    markup = _render(fake, store, InstrumentRegistry({"one": f"{fake}:TWO"}))
    assert "<svg>two</svg>" in markup


def test_a_built_in_instrument_renders_and_is_stored(tmp_path: Path) -> None:
    store = Store(tmp_path / "store")
    text = "/// instrument | MM5.1 — Latent rollout\n    name: latent_rollout\nA caption.\n///\n"
    page = clean_page(text, PATH)
    (block,) = page.blocks_of(InstrumentBlock)
    ctx = render_context(page, store=store)
    markup = "\n".join(kind.render(block, ctx))
    assert 'id="inst-mm5-1"' in markup and "wmbook-instrument-item" in markup
    assert '<span class="wmbook-instrument-label">Instrument MM5.1</span>' in markup
    (entry,) = _entries(store.root)
    payload = store.read("instruments", entry.name)
    assert payload is not None
    assert json.loads(payload)["rendered"]["target_id"] == "inst-mm5-1-bokeh"
