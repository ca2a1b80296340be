"""The ``local`` executor: sessions on this machine, ``workers`` at a time (``runner.SessionPool``).

Declared apart from the pool so that naming it (the settings ask an executor whether it
takes an address) imports nothing of the worker server: its modules load when the first
session runs, and a build whose sessions are all cached never loads them.
"""

from __future__ import annotations

from wmbook.execute.executors import ExecutorPlugin, RunnerOptions, SessionRunner


def start(options: RunnerOptions) -> SessionRunner:
    """This machine's session pool."""
    from wmbook.execute.runner import SessionPool

    return SessionPool(options.workers, options.progress)


EXECUTOR = ExecutorPlugin(start=start, summary="sessions run on this machine, workers at a time")
