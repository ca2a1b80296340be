"""What a book adds to its site: the asset kinds it uses and its block kinds' own files."""

from __future__ import annotations

from wmbook.assets_files import ASSETS, BASE, site_assets
from wmbook.kinds import registry
from wmbook.model import AssetKind


def test_base_first_then_kinds_by_name_then_block_kinds_files() -> None:
    quiz = next(kind for kind in registry().kinds if kind.name == "quiz")
    assets = site_assets({AssetKind.RUNNER, AssetKind.MATH}, None, [quiz])
    assert assets.styles == (
        *BASE[0],
        f"{ASSETS}/katex/katex.min.css",
        f"{ASSETS}/runner.css",
        f"{ASSETS}/kinds/quiz/quiz.css",
    )
    assert assets.scripts == (*BASE[1], f"{ASSETS}/runner.js", f"{ASSETS}/kinds/quiz/quiz.js")
    copied = dict(assets.files)
    assert copied[f"{ASSETS}/kinds/quiz/quiz.js"].read_text(encoding="utf-8").strip()
    assert f"{ASSETS}/wmbook.css" in copied
    assert all(path.is_file() for path in copied.values())


def test_a_book_without_block_kind_files_ships_none() -> None:
    assets = site_assets(set())
    assert assets.styles == BASE[0]
    assert assets.scripts == BASE[1]
    assert not any("/kinds/" in uri for uri, _ in assets.files)
