"""A remote executor's checks, with a cluster of our own making instead of a real one: a
worker with another Python or wmbook is not trusted, an answer that is not data is refused,
a lost worker costs one more attempt, files beside the page travel, and the progress relay
takes only typed events."""

from __future__ import annotations

import pickle
import threading
import time
from collections.abc import Callable
from pathlib import Path

import msgspec
import pytest

from wmbook.execute import remote
from wmbook.execute.channel import Activity, WorkerAnswer, WorkerRequest, decode, encode
from wmbook.execute.executors import ActivityBoard
from wmbook.execute.sandbox import Limits
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

FIRST, SECOND = StepKey(StepKind.CODE, 0), StepKey(StepKind.CODE, 1)
SPEC = SessionSpec(
    "docs/page.md", "main", (Step(FIRST, "x = 1", 7, 60.0), Step(SECOND, "print(x)", 12, 60.0)), ()
)
DONE = SessionResult(
    "docs/page.md", "main", (StepResult(FIRST, Outcome.OK), StepResult(SECOND, Outcome.OK)), 0.1
)


class Cluster:
    """Tasks end as ``endings`` says, one per launch, at once; what each was sent is kept."""

    kind = "Toy"
    address = "toy://cluster"

    def __init__(self, *endings: remote.Ending) -> None:
        self.endings = list(endings)
        self.requests: list[WorkerRequest] = []
        self.relay: Callable[[object], None] | None = None
        self.cancelled = self.closed = False

    def launch(self, task: str, request: bytes, ended: Callable[[remote.Ending], None]) -> None:
        self.requests.append(decode(request, WorkerRequest))
        ended(self.endings.pop(0))

    def listen(self, relay: Callable[[object], None]) -> None:
        self.relay = relay

    def cancel(self) -> None:
        self.cancelled = True

    def close(self) -> None:
        self.closed = True


def _answer(result: SessionResult = DONE, fingerprint: str = "") -> remote.Answered:
    return remote.Answered(encode(WorkerAnswer(fingerprint or remote.fingerprint(), result)))


def _run(*endings: remote.Ending, spec: SessionSpec = SPEC) -> tuple[SessionResult, Cluster]:
    cluster = Cluster(*endings)
    stored: list[SessionResult] = []
    session = remote.RemoteRunner(cluster, ActivityBoard().set).submit(spec, after=stored.append).result(0)
    assert stored == [session]  # stored before the future resolved
    return session, cluster


@pytest.mark.parametrize(("theirs", "trusted"), [("", True), ("another wmbook", False)])
def test_a_result_is_trusted_only_from_a_worker_like_the_build(theirs: str, trusted: bool) -> None:
    session, _ = _run(_answer(fingerprint=theirs))
    if trusted:
        assert session == DONE
    else:
        assert session.results[0].outcome is Outcome.LOST
        assert (
            "a Toy worker of toy://cluster runs another Python or another wmbook" in session.results[0].detail
        )


class Evil:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (eval, ("1",))


@pytest.mark.parametrize(
    "answer",
    [(remote.fingerprint(), DONE), pickle.dumps(Evil()), encode({"fingerprint": 1, "result": []})],
)
def test_a_worker_s_answer_is_data_or_refused(answer: object) -> None:
    session, _ = _run(remote.Answered(answer))
    assert session.results[0].outcome is Outcome.LOST
    assert "a Toy worker of toy://cluster" in session.results[0].detail


def test_a_lost_worker_costs_one_more_attempt() -> None:
    session, cluster = _run(remote.WorkerLost("toy://w1"), _answer())
    assert session == DONE and len(cluster.requests) == 2


def test_a_session_lost_twice_is_reported_at_its_first_block() -> None:
    session, _ = _run(remote.WorkerLost("toy://w1"), remote.WorkerLost(""))
    assert [(r.key, r.outcome, r.detail) for r in session.results] == [
        (FIRST, Outcome.LOST, "the Toy worker running this session was lost 2 times (the last: unknown)"),
        (SECOND, Outcome.NOT_RUN, "docs/page.md:7"),
    ]
    assert session.failed


def test_a_cluster_s_error_reaches_the_page() -> None:
    cluster = Cluster(remote.Failed(RuntimeError("cancelled")))
    future = remote.RemoteRunner(cluster, ActivityBoard().set).submit(SPEC)
    with pytest.raises(RuntimeError, match="cancelled"):
        future.result(0)


def test_a_file_read_but_not_sent_goes_with_the_second_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wmbook.execute import pagefiles

    monkeypatch.setattr(pagefiles, "SHIP_FILE_BYTES", 0)  # nothing is sent up front
    (tmp_path / "lab").mkdir()
    (tmp_path / "lab" / "data.csv").write_text("1\n")
    folder = PageFolder(str(tmp_path), "lab")
    looked = StepResult(FIRST, Outcome.RAISED, reads=(FileRead("lab/data.csv", ReadKind.ABSENT),))
    first = msgspec.structs.replace(DONE, results=(looked, DONE.results[1]))
    session, cluster = _run(_answer(first), _answer(), spec=msgspec.structs.replace(SPEC, folder=folder))
    assert session == DONE
    assert cluster.requests[0].spec.folder is not None and not cluster.requests[0].spec.folder.shipped
    second = cluster.requests[1].spec.folder
    assert second is not None and [path for path, _ in second.shipped or ()] == ["lab/data.csv"]


def test_files_a_stale_run_read_are_sent_up_front(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from wmbook.execute import pagefiles

    (tmp_path / "lab").mkdir()
    (tmp_path / "lab" / "big.csv").write_text("1,2\n" * 100)
    (tmp_path / "lab" / "small.csv").write_text("1\n")
    monkeypatch.setattr(pagefiles, "SHIP_FILE_BYTES", 10)
    folder = PageFolder(str(tmp_path), "lab")
    plain = remote.with_page_files(msgspec.structs.replace(SPEC, folder=folder)).folder
    assert plain is not None
    assert [path for path, _ in plain.shipped or ()] == ["lab/small.csv"] and plain.unsent == ("lab/big.csv",)
    hinted = msgspec.structs.replace(SPEC, folder=msgspec.structs.replace(folder, expected=("lab/big.csv",)))
    sent = remote.with_page_files(hinted).folder
    assert sent is not None
    assert [path for path, _ in sent.shipped or ()] == ["lab/big.csv", "lab/small.csv"] and sent.unsent == ()
    monkeypatch.setattr(pagefiles, "SHIP_MAX_BYTES", 100)  # too large to send: left to a second run
    again = remote.with_page_files(hinted).folder
    assert again is not None and again.unsent == ("lab/big.csv",)


def test_a_file_read_but_not_sent_is_named_at_the_step_that_read_it() -> None:
    read = StepResult(SECOND, Outcome.OK, reads=(FileRead("lab/big.csv", ReadKind.ABSENT),))
    session = msgspec.structs.replace(DONE, results=(DONE.results[0], read))
    named = remote.unsent_result(session, ["lab/big.csv"], "it is too large", "Dask")
    assert named.results[1].outcome is Outcome.LOST and named.failed
    assert (
        named.results[1].detail == "lab/big.csv beside the page was not on the Dask worker (it is too large)"
    )


def test_the_relay_shows_a_worker_s_step_until_its_session_ends() -> None:
    board = ActivityBoard()
    cluster = Cluster()
    runner = remote.RemoteRunner(cluster, board.set)
    assert cluster.relay is not None
    cluster.relay(encode(Activity("t1", "docs/slow.md", 9)))
    cluster.relay(pickle.dumps(Activity("t2", "docs/evil.md", 1)))  # not data: dropped
    cluster.relay({"task": "t3", "page": "docs/dict.md", "line": 1})  # not an encoded Activity
    assert [(r.page, r.line) for r in board.snapshot()] == [("docs/slow.md", 9)]
    cluster.relay(encode(Activity("t1")))
    cluster.relay(encode(Activity("t1", "docs/slow.md", 12)))  # late: the session is over
    assert board.snapshot() == []
    runner.shutdown()
    assert cluster.cancelled and cluster.closed


def test_a_worker_readies_sessions_while_as_many_as_it_has_threads_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Given the cluster's way to leave a task's thread, each task leaves it once its session
    is under way: sessions are readied while the worker's threads run others' steps, no more
    run steps at once than it has threads, and no more are under way than its turns allow."""
    threads, tasks = 2, 9
    monkeypatch.setattr(remote, "_turns", None)
    monkeypatch.setattr(remote, "worker_server", lambda: None)
    seen = threading.Condition()
    counts = {"under way": 0, "running": 0, "most under way": 0, "most running": 0, "left": 0}
    go = threading.Event()

    def change(name: str, by: int) -> None:
        with seen:
            counts[name] += by
            counts[f"most {name}"] = max(counts[f"most {name}"], counts[name])
            seen.notify_all()

    def run_in_process(
        server: object, spec: SessionSpec, limits: Limits, report: object, turn: threading.Semaphore
    ) -> SessionResult:
        change("under way", 1)  # readied here, before its turn
        with turn:
            change("running", 1)
            assert go.wait(30)
            change("running", -1)
        change("under way", -1)
        return DONE

    def leave() -> None:
        with seen:
            counts["left"] += 1
            seen.notify_all()

    monkeypatch.setattr(remote, "run_in_process", run_in_process)
    request = encode(WorkerRequest(SPEC, Limits()))
    answers: list[bytes] = []
    workers = [
        threading.Thread(
            target=lambda: answers.append(remote.run_on_worker(request, "t", None, leave, threads))
        )
        for _ in range(tasks)
    ]
    for worker in workers:
        worker.start()
    under_way = (1 + remote.WorkerTurns.AHEAD) * threads
    with seen:  # every session that may be under way is, while the first ones hold the turns
        assert seen.wait_for(lambda: counts["under way"] == under_way and counts["running"] == threads, 30)
    go.set()
    for worker in workers:
        worker.join(30)
    assert counts["left"] == tasks and len(answers) == tasks
    assert counts["most running"] == threads and counts["most under way"] == under_way
    assert all(decode(answer, WorkerAnswer).result == DONE for answer in answers)


def test_a_worker_sends_only_the_steps_that_run_a_while(monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[Activity] = []
    arrived = threading.Event()

    def send(event: bytes) -> None:
        sent.append(decode(event, Activity))
        arrived.set()

    monkeypatch.setattr(remote.StepRelay, "DELAY", 3600.0)
    quick = remote.StepRelay()
    quick.started("t1", "docs/a.md", 4, send)
    quick.started("t1", "docs/a.md", 9, send)
    quick.ended("t1", send)
    assert sent == []  # quick steps, and the end of a session none of whose steps was sent
    monkeypatch.setattr(remote.StepRelay, "DELAY", 0.0)
    slow = remote.StepRelay()
    slow.started("t2", "docs/b.md", 12, send)
    assert arrived.wait(30)
    slow.ended("t2", send)
    assert [(a.task, a.page, a.line) for a in sent] == [("t2", "docs/b.md", 12), ("t2", "", 0)]
    assert sent[0].ran >= 0.0


def test_the_relay_counts_a_step_from_when_it_started_on_the_worker() -> None:
    board = ActivityBoard()
    cluster = Cluster()
    remote.RemoteRunner(cluster, board.set)
    assert cluster.relay is not None
    before = time.monotonic()
    cluster.relay(encode(Activity("t1", "docs/slow.md", 9, ran=5.0)))
    cluster.relay(encode(Activity("t2", "docs/odd.md", 3, ran=float("inf"))))  # taken as just started
    since = {r.page: r.since for r in board.snapshot()}
    assert since["docs/slow.md"] <= before - 5.0 + 0.001
    assert since["docs/odd.md"] >= before
