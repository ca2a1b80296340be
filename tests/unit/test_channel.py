"""The channel between the build and a session carries typed data: a message of the wrong
shape, a pickle or an oversized frame is refused, never run or read into memory whole."""

from __future__ import annotations

import pickle
import struct

import pytest

from wmbook.execute import channel as channel_module
from wmbook.execute.channel import ChannelClosed, ChannelError, SessionRequest, channel_pair, decode, encode
from wmbook.execute.sandbox import Limits, session_environment
from wmbook.model import (
    Display,
    Figure,
    Outcome,
    PageFolder,
    SessionSpec,
    Step,
    StepKey,
    StepKind,
    StepResult,
)

KEY = StepKey(StepKind.CODE, 3)
RESULT = StepResult(
    KEY,
    Outcome.RAISED,
    "printed\n",
    (Figure("<svg/>", "Figure 1"),),
    "ValueError",
    12,
    "Traceback …",
    {"a": [1, 2.5, None]},
    "{'a': [1, 2.5, None]}",
    0.25,
    "",
    ("numpy",),
    (Display((("text/html", "<b>x</b>"),)),),
)
SPEC = SessionSpec(
    "docs/p.md",
    "main",
    (Step(KEY, "x = 1", 4, 30.0, "ValueError"),),
    ("a", "b"),
    (("d.csv", b"\x00\x01"),),
    folder=PageFolder("/book/docs", "ch1", (("ch1/x.csv", b"1,2"),), ("ch1/big.bin",)),
)


def test_records_arrive_as_they_were_sent() -> None:
    ours, theirs = channel_pair()
    request = SessionRequest(
        SPEC, "/tmp/s", Limits(memory_bytes=5, readable=("/data",)), (("PATH", "/bin"),), ("/cg",)
    )
    theirs.send(RESULT)
    ours.send(request)
    assert ours.recv(StepResult) == RESULT
    assert theirs.recv(SessionRequest) == request


class Evil:
    ran = False

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (exec, ("Evil.ran = True",))


@pytest.mark.parametrize(
    "body",
    [
        pickle.dumps(Evil()),
        pickle.dumps(RESULT),
        encode({"key": "code-3", "outcome": "ok"}),
        encode(RESULT)[:-3],
        b"",
    ],
)
def test_anything_but_the_expected_record_is_refused(body: bytes) -> None:
    ours, theirs = channel_pair()
    theirs.sock.sendall(struct.pack(">I", len(body)) + body)
    with pytest.raises(ChannelError, match="not a valid StepResult"):
        ours.recv(StepResult)
    assert not Evil.ran


def test_an_oversized_frame_is_refused_before_it_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(channel_module, "MAX_FRAME", 100)
    ours, theirs = channel_pair()
    theirs.sock.sendall(struct.pack(">I", 101))
    with pytest.raises(ChannelError, match="larger than"):
        ours.recv(StepResult)


def test_a_closed_channel_and_a_stalled_frame_are_told_apart() -> None:
    ours, theirs = channel_pair()
    theirs.sock.sendall(struct.pack(">I", 10) + b"abc")  # a frame begun, never finished
    with pytest.raises(TimeoutError):
        ours.recv(StepResult, timeout=0.05)
    theirs.close()
    with pytest.raises(ChannelClosed):
        ours.recv(StepResult)


def test_a_bytes_answer_decodes_only_to_its_type() -> None:
    assert decode(encode((SPEC, Limits())), tuple[SessionSpec, Limits]) == (SPEC, Limits())
    with pytest.raises(ChannelError):
        decode(encode(("x", 1)), tuple[SessionSpec, Limits])


@pytest.mark.parametrize(
    ("source", "names", "expected"),
    [
        ({"PATH": "/bin", "AWS_SECRET_ACCESS_KEY": "s", "GITHUB_TOKEN": "t"}, (), {"PATH": "/bin"}),
        ({"LC_TIME": "de_DE", "TZ": "UTC", "HOME": "/root"}, (), {"LC_TIME": "de_DE", "TZ": "UTC"}),
        ({"API_URL": "https://x", "OTHER": "y"}, ("API_URL",), {"API_URL": "https://x"}),
        ({"MPLBACKEND": "TkAgg"}, (), {}),
    ],
)
def test_a_session_s_environment_is_an_allow_list(
    source: dict[str, str], names: tuple[str, ...], expected: dict[str, str]
) -> None:
    fixed = {"HOME": "/s", "MPLBACKEND": "Agg"}
    assert session_environment(source, names, fixed) == {**expected, **fixed}
