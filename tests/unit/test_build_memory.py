"""A build does not hold every page's results until its end: the report keeps only what it needs."""

from __future__ import annotations

from wmbook import stages
from wmbook.model import Figure, Outcome, SessionResult, StepKey, StepKind, StepResult
from wmbook.report import summarise

OK = StepResult(StepKey(StepKind.CODE, 0), Outcome.OK, output="x" * 1000, figures=(Figure("<svg/>", "f"),))
FAILED = StepResult(StepKey(StepKind.CODE, 1), Outcome.RAISED, traceback="ZeroDivisionError\n")


def test_the_report_keeps_a_sessions_outcome_not_its_outputs() -> None:
    good = SessionResult("docs/a.md", "main", (OK, OK), 1.5, from_cache=True)
    bad = SessionResult("docs/b.md", "main", (OK, FAILED, StepResult(FAILED.key, Outcome.NOT_RUN)), 2.0)
    kept = [stages._for_report(good), stages._for_report(bad)]
    assert [s.results for s in kept] == [(), (FAILED,)]
    assert summarise(kept) == summarise([good, bad])
    assert [(s.page, s.name, s.duration, s.from_cache) for s in kept] == [
        ("docs/a.md", "main", 1.5, True),
        ("docs/b.md", "main", 2.0, False),
    ]
