"""A worker server that cannot start is one clear error per page, not a crash of the build."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from wmbook.execute import runner

from .conftest import build_site


def test_worker_server_failure_is_reported(
    fixture_site: Callable[[str], Path], caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(self: runner.WorkerServer) -> None:
        raise RuntimeError("the wmbook worker server did not start (is numpy installed?)")

    from wmbook.execute import pool

    pool.shutdown_pool()  # a fresh pool, whose server has not started yet
    monkeypatch.setattr(runner.WorkerServer, "_launch", refuse)
    site = build_site(fixture_site("cache"), caplog)
    assert site.failed
    assert (
        "docs/index.md:1: could not run the page's code: the wmbook worker server did not start"
        in site.messages
    )
    assert "docs/data.md:1: could not run the page's code" in site.messages
