"""Group a page's steps into sessions: its code blocks and quiz checks, in page order."""

from __future__ import annotations

from wmbook.book import ParsedPage
from wmbook.model import SessionSpec, Step


def page_sessions(page: ParsedPage, default_timeout: float, keep_going: bool = False) -> list[SessionSpec]:
    """One ``SessionSpec`` per session name used on the page (``main`` unless set); with
    ``keep_going`` a session runs its later steps after one raised."""
    positioned: list[tuple[int, str, Step]] = []
    for block in page.code_blocks:
        if not block.options.execute:
            continue
        timeout = block.options.timeout or default_timeout
        step = Step(block.key, block.executed_code, block.fence.body_start, timeout, block.options.raises)
        positioned.append((block.fence.start, block.options.session, step))
    for quiz in page.quizzes:
        if quiz.check is not None:
            check = quiz.check
            step = Step(check.key, check.expression, check.loc.line, default_timeout)
            positioned.append((check.loc.line, check.session, step))
    positioned.sort(key=lambda item: item[0])
    by_session: dict[str, list[Step]] = {}
    for _, session, step in positioned:
        by_session.setdefault(session, []).append(step)
    source_lines = tuple(page.text.split("\n"))
    return [
        SessionSpec(page.path, name, tuple(steps), source_lines, page.depends_on, keep_going)
        for name, steps in by_session.items()
    ]
