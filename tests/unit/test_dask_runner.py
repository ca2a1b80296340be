"""The Dask runner's verdicts on what a worker sends back, without a cluster: a worker with
another Python or wmbook is not trusted, a lost session is reported at its first block."""

from __future__ import annotations

import dataclasses
import pickle
from pathlib import Path

import pytest

from wmbook.execute.channel import encode
from wmbook.model import (
    FileRead,
    Outcome,
    PageFolder,
    ReadKind,
    SessionResult,
    SessionSpec,
    Step,
    StepKey,
    StepKind,
    StepResult,
)

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
    answer = encode(dask_runner.WorkerAnswer(theirs, DONE))
    session = _runner()._collect(Finished(answer), SPEC)  # type: ignore[attr-defined]
    if trusted:
        assert session == DONE
    else:
        assert session.results[0].outcome is Outcome.LOST
        assert "tcp://cluster:8786 runs another Python or another wmbook" in session.results[0].detail


class Evil:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (eval, ("1",))


@pytest.mark.parametrize(
    "answer",
    [(dask_runner.fingerprint(), DONE), pickle.dumps(Evil()), encode({"fingerprint": 1, "result": []})],
)
def test_a_worker_s_answer_is_data_or_refused(answer: object) -> None:
    session = _runner()._collect(Finished(answer), SPEC)  # type: ignore[attr-defined]
    assert session.results[0].outcome is Outcome.LOST
    assert "tcp://cluster:8786" in session.results[0].detail


def test_a_lost_session_is_reported_at_its_first_block() -> None:
    session = dask_runner.lost_result(SPEC, "the Dask worker running this session was lost 2 times")
    assert [(r.key, r.outcome, r.detail) for r in session.results] == [
        (FIRST, Outcome.LOST, "the Dask worker running this session was lost 2 times"),
        (SECOND, Outcome.NOT_RUN, "docs/page.md:7"),
    ]
    assert session.failed


def test_files_a_stale_run_read_are_sent_up_front(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from wmbook.execute import pagefiles

    (tmp_path / "lab").mkdir()
    (tmp_path / "lab" / "big.csv").write_text("1,2\n" * 100)
    (tmp_path / "lab" / "small.csv").write_text("1\n")
    monkeypatch.setattr(pagefiles, "SHIP_FILE_BYTES", 10)
    folder = PageFolder(str(tmp_path), "lab")
    plain = dask_runner._with_page_files(dataclasses.replace(SPEC, folder=folder)).folder
    assert [path for path, _ in plain.shipped] == ["lab/small.csv"] and plain.unsent == ("lab/big.csv",)
    hinted = dataclasses.replace(SPEC, folder=dataclasses.replace(folder, expected=("lab/big.csv",)))
    sent = dask_runner._with_page_files(hinted).folder
    assert [path for path, _ in sent.shipped] == ["lab/big.csv", "lab/small.csv"] and sent.unsent == ()
    monkeypatch.setattr(pagefiles, "SHIP_MAX_BYTES", 100)  # too large to send: left to a second run
    assert dask_runner._with_page_files(hinted).folder.unsent == ("lab/big.csv",)


def test_a_file_read_but_not_sent_is_named_at_the_step_that_read_it() -> None:
    read = StepResult(SECOND, Outcome.OK, reads=(FileRead("lab/big.csv", ReadKind.ABSENT),))
    session = dataclasses.replace(DONE, results=(DONE.results[0], read))
    named = dask_runner.unsent_result(session, ["lab/big.csv"], "it is too large")
    assert named.results[1].outcome is Outcome.LOST and named.failed
    assert (
        named.results[1].detail == "lab/big.csv beside the page was not on the Dask worker (it is too large)"
    )
