"""What the page's runner needs to know: its runnable blocks, their sessions and the
order in which a session's earlier blocks are replayed before a block runs."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

import msgspec
from msgspec.structs import asdict

from wmbook.blocks import CodeBlock
from wmbook.model import StepKey
from wmbook.templates import Markup, render, script_json


class RunnableBlock(msgspec.Struct, frozen=True):
    """One block the reader may edit and run."""

    id: str  # the block's output slot: the page element it belongs to
    session: str
    code: str
    timeout: float  # seconds, as at build time
    replay: tuple[str, ...]  # the ids of the same session's blocks above it, in page order
    key: StepKey  # the block's step (not in the manifest)
    install: tuple[str, ...] = ()  # packages micropip installs first (a pyodide fence's install=)

    def manifest_entry(self) -> dict[str, object]:
        """What the page's runner reads about the block."""
        return {k: v for k, v in asdict(self).items() if k != "key"}


def in_browser(block: CodeBlock, everything: bool = True) -> bool:
    """Whether the browser may run the block: every executed one (``everything``: the book
    has the runner), and those that run only there (markdown-exec's pyodide fences)."""
    return block.options.browser_only or (everything and block.options.execute)


def runnable_blocks(
    blocks: Sequence[CodeBlock], slot: Mapping[StepKey, str], default_timeout: float, everything: bool = True
) -> list[RunnableBlock]:
    """Every executed block not marked ``run="off"`` (only browser-only blocks, unless
    ``everything``), with what it replays first.

    A block's replay list holds every executed block of its session above it, runnable
    or not (a ``run="off"`` block's definitions are still needed by the ones below).
    """
    seen: dict[str, list[str]] = {}
    found = []
    for block in blocks:
        if not in_browser(block, everything):
            continue
        ident = slot[block.key]
        session = seen.setdefault(block.options.session, [])
        if block.options.run:
            timeout = block.options.timeout or default_timeout
            found.append(
                RunnableBlock(
                    ident,
                    block.options.session,
                    block.code,
                    timeout,
                    tuple(session),
                    block.key,
                    block.options.install,
                )
            )
        session.append(ident)
    return found


def manifest_json(
    blocks: Sequence[CodeBlock],
    slot: Mapping[StepKey, str],
    default_timeout: float,
    extra: dict[str, object],
    everything: bool = True,
) -> str:
    """The page's runner manifest, safe inside a ``<script>`` element."""
    executed = [b for b in blocks if in_browser(b, everything)]
    runnable = runnable_blocks(blocks, slot, default_timeout, everything)
    data = {
        **extra,
        "blocks": [b.manifest_entry() for b in runnable],
        # Replayed blocks that the reader cannot run themselves still need their code.
        "code": {slot[b.key]: b.code for b in executed},
        # A block marked raises= is expected to fail: replaying it does not stop the session.
        "raises": {slot[b.key]: b.options.raises for b in executed if b.options.raises},
    }
    return str(script_json(json.dumps(data)))


def runnable_output(block_id: str, output_html: str) -> str:
    """A runnable block's output, wrapped for the in-browser runner (pages and notebooks)."""
    return render("runner_block.html", block=block_id, output=Markup(output_html))


def manifest_script(manifest: str) -> str:
    """The page's manifest (``manifest_json``) as the script element runner.js reads."""
    return render("runner_data.html", manifest=Markup(manifest))
