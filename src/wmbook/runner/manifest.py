"""What the page's runner needs to know: its runnable blocks, their sessions and the
order in which a session's earlier blocks are replayed before a block runs."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from wmbook.kinds import CodeBlock


@dataclass(frozen=True)
class RunnableBlock:
    """One block the reader may edit and run."""

    id: str  # the block's output slot: the page element it belongs to
    session: str
    code: str
    timeout: float  # seconds, as at build time
    replay: tuple[str, ...]  # the ids of the same session's blocks above it, in page order


def runnable_blocks(
    blocks: Sequence[CodeBlock], slot: dict[int, str], default_timeout: float
) -> list[RunnableBlock]:
    """Every executed block not marked ``run="off"``, with what it replays first.

    A block's replay list holds every executed block of its session above it, runnable
    or not (a ``run="off"`` block's definitions are still needed by the ones below).
    """
    seen: dict[str, list[str]] = {}
    found = []
    for block in blocks:
        if not block.options.execute:
            continue
        ident = slot[block.index]
        session = seen.setdefault(block.options.session, [])
        if block.options.run:
            timeout = block.options.timeout or default_timeout
            found.append(RunnableBlock(ident, block.options.session, block.code, timeout, tuple(session)))
        session.append(ident)
    return found


def manifest_json(
    blocks: Sequence[CodeBlock], slot: dict[int, str], default_timeout: float, extra: dict[str, object]
) -> str:
    """The page's runner manifest, safe inside a ``<script>`` element."""
    executed = [b for b in blocks if b.options.execute]
    data = {
        **extra,
        "blocks": [asdict(b) for b in runnable_blocks(blocks, slot, default_timeout)],
        # Replayed blocks that the reader cannot run themselves still need their code.
        "code": {slot[b.index]: b.code for b in executed},
        # A block marked raises= is expected to fail: replaying it does not stop the session.
        "raises": {slot[b.index]: b.options.raises for b in executed if b.options.raises},
    }
    return json.dumps(data).replace("<", "\\u003c")
