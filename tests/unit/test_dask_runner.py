"""The Dask runner's verdicts on what a worker sends back, without a cluster: a worker with
another Python or wmbook is not trusted, a lost session is reported at its first block."""

from __future__ import annotations

import pytest

from wmbook.model import Outcome, SessionResult, SessionSpec, Step, StepKey, StepKind, StepResult

dask_runner = pytest.importorskip("wmbook.execute.dask_runner")

FIRST, SECOND = StepKey(StepKind.CODE, 0), StepKey(StepKind.CODE, 1)
SPEC = SessionSpec(
    "docs/page.md", "main", (Step(FIRST, "x = 1", 7, 60.0), Step(SECOND, "print(x)", 12, 60.0)), ()
)
DONE = SessionResult(
    "docs/page.md", "main", (StepResult(FIRST, Outcome.OK), StepResult(SECOND, Outcome.OK)), 0.1
)


class Finished:
    """What a finished Dask future hands back."""

    def __init__(self, value: object) -> None:
        self.value = value

    def result(self) -> object:
        return self.value


def _runner() -> object:
    runner = dask_runner.DaskRunner.__new__(dask_runner.DaskRunner)  # no scheduler needed here
    runner.address = "tcp://cluster:8786"
    runner._fingerprint = dask_runner.fingerprint()
    return runner


@pytest.mark.parametrize(
    ("theirs", "trusted"),
    [(dask_runner.fingerprint(), True), ("another wmbook", False)],
)
def test_a_result_is_trusted_only_from_a_worker_like_the_build(theirs: str, trusted: bool) -> None:
    session = _runner()._collect(Finished((theirs, DONE)), SPEC)  # type: ignore[attr-defined]
    if trusted:
        assert session is DONE
    else:
        assert session.results[0].outcome is Outcome.LOST
        assert "tcp://cluster:8786 runs another Python or another wmbook" in session.results[0].detail


def test_a_lost_session_is_reported_at_its_first_block() -> None:
    session = dask_runner.lost_result(SPEC, "the Dask worker running this session was lost 2 times")
    assert [(r.key, r.outcome, r.detail) for r in session.results] == [
        (FIRST, Outcome.LOST, "the Dask worker running this session was lost 2 times"),
        (SECOND, Outcome.NOT_RUN, "docs/page.md:7"),
    ]
    assert session.failed
