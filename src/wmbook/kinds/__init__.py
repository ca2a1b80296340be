"""The registry of block kinds: each kind is one module whose ``KIND`` says everything
about its blocks (``wmbook.kinds.base.BlockKind``).

Kinds are found through the ``wmbook.kinds`` entry-point group, wmbook's own as any
other package's (``pyproject.toml``)::

    [project.entry-points."wmbook.kinds"]
    my_block = "my_package.my_block:KIND"

=============  ==========================  ==========================================
kind           written as                  module
=============  ==========================  ==========================================
code           ```python / py / python3    ``wmbook.kinds.code`` (parse ``code_parse``;
               (markdown-exec: pycon, md,  record in ``wmbook.blocks``)
               bash, sh, console; MyST:
               {code-cell})
output         ```output after code        ``wmbook.kinds.output``
quiz           /// quiz | question         ``wmbook.kinds.quiz`` (parse ``quiz_parse``;
                                          answers ``quiz_grade``)
equation       /// equation | EQ A.1       ``wmbook.kinds.equation``
instrument     /// instrument | MM5.1      ``wmbook.kinds.instrument``
references     /// references              ``wmbook.kinds.references``
tree           ```tree (markdown-exec's)   ``wmbook.kinds.tree``
=============  ==========================  ==========================================
"""

from __future__ import annotations

import functools
import traceback
from collections.abc import Iterable, Sequence
from importlib.metadata import EntryPoint
from typing import Any

import msgspec

from wmbook.blocks import OutputRewrite
from wmbook.book import ParsedPage
from wmbook.errors import BookError, not_registered
from wmbook.kinds.base import (
    BlockKind,
    CheckContext,
    ExportContext,
    ParseContext,
    RenderContext,
    source_cell,
)
from wmbook.model import Block, Diagnostic, SourceLoc
from wmbook.notebook.cells import Cell
from wmbook.registered import registered

ENTRY_POINT_GROUP = "wmbook.kinds"
# wmbook's own kinds come first, in this order (it is the order of their page-wide checks);
# other packages' kinds follow by name.
OWN = ("code", "output", "quiz", "equation", "instrument", "references", "tree")


class Registry(msgspec.Struct, frozen=True):
    """The block kinds of this installation, and where each is written."""

    kinds: tuple[BlockKind[Any], ...]
    by_fence: dict[str, BlockKind[Any]] = msgspec.field(default_factory=dict)  # fence language -> kind
    by_block: dict[str, BlockKind[Any]] = msgspec.field(default_factory=dict)  # ``/// name`` -> kind
    by_record: dict[type, BlockKind[Any]] = msgspec.field(default_factory=dict)  # record type -> kind

    def of(self, block: Block) -> BlockKind[Any]:
        """The kind of a parsed block."""
        return self.by_record[type(block)]


def _loaded(point: EntryPoint) -> BlockKind[Any]:
    """The ``BlockKind`` an entry point names; a package that fails to give one stops the build."""
    where = f"the block kind '{point.name} = {point.value}' (entry point group {ENTRY_POINT_GROUP})"
    try:
        kind = point.load()
    except Exception as exc:
        raise BookError(f"{where} could not be loaded: {type(exc).__name__}: {exc}") from exc
    if not isinstance(kind, BlockKind):
        raise BookError(f"{where} is not a wmbook.kinds.base.BlockKind but {type(kind).__name__}")
    if kind.name != point.name:
        raise BookError(f"{where} names a kind called {kind.name!r}; give the entry point that name")
    return kind if point.name in OWN and point.value.startswith("wmbook.") else guarded(kind)


def _failure(kind: BlockKind[Any], stage: str, loc: SourceLoc, exc: Exception) -> Diagnostic:
    message = f"the {kind.name!r} block kind failed to {stage} this block: {type(exc).__name__}: {exc}"
    trace = "".join(traceback.format_exception(exc)[-6:]).rstrip()
    return Diagnostic(loc, message + "; fix the block, or report it to the kind's package", detail=trace)


def guarded(kind: BlockKind[Any]) -> BlockKind[Any]:
    """Another package's kind whose failures are the build's diagnostics at the block's line
    (its block shown as written), not a crash of the whole build."""

    def parse(raw: Any, ctx: ParseContext) -> tuple[Any, list[Diagnostic]]:
        try:
            return kind.parse(raw, ctx)
        except Exception as exc:  # noqa: BLE001  (a stranger's code: reported at its block)
            return None, [_failure(kind, "parse", SourceLoc(ctx.path, raw.start), exc)]

    def check(block: Any, ctx: CheckContext) -> Sequence[Diagnostic | OutputRewrite]:
        try:
            return kind.check(block, ctx)
        except Exception as exc:  # noqa: BLE001
            return [_failure(kind, "check", SourceLoc(ctx.page.path, block.region.start), exc)]

    def render(block: Any, ctx: RenderContext) -> list[str]:
        try:
            return kind.render(block, ctx)
        except Exception as exc:  # noqa: BLE001
            ctx.problems.append(_failure(kind, "render", SourceLoc(ctx.page.path, block.region.start), exc))
            return block.region.text.split("\n")  # type: ignore[no-any-return]

    def check_page(page: ParsedPage, ctx: CheckContext) -> list[Diagnostic]:
        try:
            return kind.check_page(page, ctx)
        except Exception as exc:  # noqa: BLE001
            return [_failure(kind, "check the page of", SourceLoc(page.path, 1), exc)]

    def notebook(block: Any, ctx: ExportContext) -> Sequence[Cell]:
        try:
            return kind.notebook(block, ctx)
        except Exception:  # noqa: BLE001  (the notebook keeps the block as written instead)
            return source_cell(block, ctx)

    return msgspec.structs.replace(
        kind, parse=parse, check=check, render=render, check_page=check_page, notebook=notebook
    )


def build_registry(kinds: Iterable[BlockKind[Any]]) -> Registry:
    """A registry of ``kinds``; two kinds that claim one name, fence or record are an error."""
    registry = Registry(tuple(kinds))
    for kind in registry.kinds:
        claims: list[tuple[dict[Any, BlockKind[Any]], Any, str]] = [
            (registry.by_record, kind.record, f"record {kind.record.__name__}"),
            *((registry.by_fence, lang, f"fence language {lang!r}") for lang in kind.fences),
            *((registry.by_block, name, f"block '/// {name}'") for name in kind.blocks),
        ]
        for table, key, what in claims:
            other = table.setdefault(key, kind)
            if other is not kind:
                raise BookError(f"the block kinds {other.name!r} and {kind.name!r} both claim the {what}")
    return registry


def load_registry(points: Iterable[EntryPoint]) -> Registry:
    """The registry of the kinds the entry points name, wmbook's own first."""
    found = {point.name: point for point in points}
    missing = [name for name in OWN if name not in found]
    if missing:
        raise BookError(not_registered("block kinds", missing, ENTRY_POINT_GROUP))
    names = [*OWN, *sorted(set(found) - set(OWN))]
    return build_registry(_loaded(found[name]) for name in names)


@functools.cache
def registry() -> Registry:
    """The installed kinds (loaded once per process)."""
    return load_registry(registered(ENTRY_POINT_GROUP))


__all__ = [
    "ENTRY_POINT_GROUP",
    "BlockKind",
    "Registry",
    "build_registry",
    "guarded",
    "load_registry",
    "registry",
]
