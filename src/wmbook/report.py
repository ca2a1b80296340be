"""Report stage: one summary line per build, and one error listing every problem."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import msgspec
from msgspec.structs import asdict

from wmbook.model import Diagnostic, SessionResult, Severity
from wmbook.store import atomic_write


class BuildSummary(msgspec.Struct, frozen=True):
    """Counts for the end-of-build line."""

    sessions: int
    executed: int
    cached: int
    failed: int
    seconds: float

    def line(self) -> str:
        """``12 sessions: 10 run, 2 from cache, 1 failed; 3.2 s executing``."""
        return (
            f"{self.sessions} sessions: {self.executed} run, {self.cached} from cache, "
            f"{self.failed} failed; {self.seconds:.1f} s executing"
        )


def summarise(results: Sequence[SessionResult]) -> BuildSummary:
    """Totals over every session of the build."""
    executed = [r for r in results if not r.from_cache]
    return BuildSummary(
        sessions=len(results),
        executed=len(executed),
        cached=len(results) - len(executed),
        failed=sum(r.failed for r in results),
        seconds=sum(r.duration for r in executed),
    )


def page_table(results: Sequence[SessionResult]) -> str:
    """Per-session table for verbose builds."""
    rows = [f"{'page':40} {'session':12} {'source':7} {'status':7} seconds"]
    for r in sorted(results, key=lambda r: (r.page, r.name)):
        source = "cache" if r.from_cache else "run"
        status = "failed" if r.failed else "ok"
        rows.append(f"{r.page:40} {r.name:12} {source:7} {status:7} {r.duration:7.2f}")
    return "\n".join(rows)


def write_json_report(
    path: str | Path,
    summary: BuildSummary,
    results: Sequence[SessionResult],
    diagnostics: Sequence[Diagnostic],
) -> None:
    """Machine-readable account of the build (atomic write)."""
    report = {
        "summary": asdict(summary),
        "sessions": [
            {
                "page": r.page,
                "session": r.name,
                "from_cache": r.from_cache,
                "failed": r.failed,
                "seconds": round(r.duration, 4),
            }
            for r in results
        ],
        "diagnostics": [
            {"location": str(d.loc), "severity": d.severity.value, "message": d.message} for d in diagnostics
        ],
    }
    atomic_write(Path(path), json.dumps(report, indent=2).encode())


def error_report(diagnostics: Sequence[Diagnostic]) -> str:
    """All problems of the build, errors first, in file and line order."""
    ordered = sorted(diagnostics, key=lambda d: (d.severity is not Severity.ERROR, d.loc))
    errors = sum(d.severity is Severity.ERROR for d in diagnostics)
    head = f"wmbook found {errors} error{'s' if errors != 1 else ''} in the book:"
    return "\n".join([head, *(d.format() for d in ordered)])
