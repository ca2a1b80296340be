"""Files not sent with a remote session: names of one empty stand-in, and of another once a
file's links run out (``EMLINK``)."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from wmbook.execute import workdir
from wmbook.execute.workdir import FolderWatch
from wmbook.model import PageFolder


def test_a_second_stand_in_when_the_first_has_all_the_links_it_may(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    link = os.link
    made: list[str] = []

    def bounded(source: str, target: str) -> None:
        if source.endswith("unsent") and len(made) == 2:  # the first stand-in is full after two
            raise OSError(errno.EMLINK, "Too many links")
        link(source, target)
        made.append(target)

    monkeypatch.setattr(workdir.os, "link", bounded)
    unsent = ("lab/a.md", "lab/b.md", "lab/c.md", "lab/d.md")
    watch = FolderWatch(PageFolder("/nowhere/docs", "lab", shipped=(), unsent=unsent), str(tmp_path))
    work = Path(watch.build())
    assert sorted(p.name for p in work.iterdir()) == ["a.md", "b.md", "c.md", "d.md"]
    inodes = [(work / name).stat().st_ino for name in ("a.md", "b.md", "c.md", "d.md")]
    assert inodes[0] == inodes[1] != inodes[2] == inodes[3]
    for name in ("a.md", "c.md"):
        assert watch._not_sent_at(os.path.realpath(work / name)) == f"lab/{name}"


def test_an_error_other_than_too_many_links_is_not_hidden(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refused(source: str, target: str) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(workdir.os, "link", refused)
    watch = FolderWatch(PageFolder("/nowhere/docs", "lab", shipped=(), unsent=("lab/a.md",)), str(tmp_path))
    with pytest.raises(PermissionError):
        watch.build()
