"""Instrument renderings are kept in the cache and reused while the instruments' code is unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import wmbook.instruments as instruments
from wmbook.blocks.instrument import InstrumentBlock
from wmbook.model import SourceLoc
from wmbook.parse.blocks import RawBlock
from wmbook.render import page as render_page


def _block(name: str = "latent_rollout", anchor: str = "inst-mm5-1") -> InstrumentBlock:
    raw = RawBlock("instrument", "MM5.1 — Title", 1, 4, (), ("A caption.",), 3, True)
    return InstrumentBlock(SourceLoc("docs/x.md", 1), "MM5.1", "Title", name, anchor, raw)


def test_second_rendering_comes_from_the_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = render_page.instrument_markup(_block(), lambda text: f"<p>{text}</p>", "../bokeh/", tmp_path)
    assert len(list(tmp_path.glob("*.json"))) == 1

    class NoRegistry:
        def __getitem__(self, name: str) -> None:
            raise AssertionError("rendered again although the stored rendering is valid")

    monkeypatch.setattr(instruments, "REGISTRY", NoRegistry(), raising=False)
    second = render_page.instrument_markup(_block(), lambda text: f"<p>{text}</p>", "../bokeh/", tmp_path)
    assert second == first
    assert "<p>A caption.</p>" in second


def test_changed_code_or_anchor_renders_anew(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    render_page.instrument_markup(_block(), lambda text: "", "b/", tmp_path)
    render_page.instrument_markup(_block(anchor="inst-other"), lambda text: "", "b/", tmp_path)
    assert len(list(tmp_path.glob("*.json"))) == 2
    monkeypatch.setattr(render_page, "_instruments_digest", lambda: "code changed")
    render_page.instrument_markup(_block(), lambda text: "", "b/", tmp_path)
    assert len(list(tmp_path.glob("*.json"))) == 3


def test_damaged_entry_is_rendered_again(tmp_path: Path) -> None:
    render_page.instrument_markup(_block(), lambda text: "", "b/", tmp_path)
    (entry,) = tmp_path.glob("*.json")
    entry.write_text("{not json")
    markup = render_page.instrument_markup(_block(), lambda text: "", "b/", tmp_path)
    assert 'id="inst-mm5-1"' in markup and "wmbook-instrument-item" in markup
    assert json.loads(entry.read_text())["rendered"]["target_id"] == "inst-mm5-1-bokeh"
