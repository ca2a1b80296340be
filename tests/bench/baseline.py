"""The benchmark's ratios against a committed baseline: which moved beyond the noise band.

``bench-results/baseline.json`` holds the ratios of a quiet run of ``nox -s bench`` and the
commit it measured; every run writes its own ratios, with its commit, beside it.  A ratio
is compared in the direction that is worse for it (a higher time ratio, a lower efficiency).
"""

from __future__ import annotations

import compileall
import importlib.util
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

# How far a ratio may move from the baseline before it is reported: quiet runs of the same
# commit differ by a few percent; a loaded machine by more (the run then says so).
NOISE_BAND = 0.08


def compile_wmbook() -> None:
    """Write wmbook's compiled modules before anything is timed, as an installed wheel has
    them: an editable checkout in a shell with PYTHONDONTWRITEBYTECODE set would otherwise
    compile every module at each build, while MkDocs' own modules load compiled."""
    spec = importlib.util.find_spec("wmbook")
    assert spec is not None and spec.origin is not None, "wmbook is installed"
    compileall.compile_dir(str(Path(spec.origin).parent), quiet=1)


@dataclass(frozen=True)
class Ratio:
    """One ratio of the benchmark: its value, its target, and which way is better."""

    label: str
    value: float
    target: float
    higher_is_better: bool = False

    def meets_target(self) -> bool:
        """Whether the value is on the good side of its target."""
        return self.value >= self.target if self.higher_is_better else self.value <= self.target


@dataclass(frozen=True)
class Move:
    """A ratio that moved beyond the noise band since the baseline."""

    name: str
    label: str
    before: float
    after: float

    @property
    def change(self) -> float:
        """Relative change, positive when the value grew."""
        return self.after / self.before - 1.0 if self.before else float("inf")


def compare(
    ratios: dict[str, Ratio], baseline: dict[str, float], band: float = NOISE_BAND
) -> tuple[list[Move], list[Move]]:
    """(worse, better): the ratios that moved beyond ``band`` (relative) from the baseline's.
    A ratio the baseline does not hold is left out (a new row starts its own history)."""
    worse: list[Move] = []
    better: list[Move] = []
    for name, ratio in ratios.items():
        before = baseline.get(name)
        if before is None or before <= 0:
            continue
        move = Move(name, ratio.label, before, ratio.value)
        grew = move.change > band
        shrank = move.change < -band
        if (grew and not ratio.higher_is_better) or (shrank and ratio.higher_is_better):
            worse.append(move)
        elif grew or shrank:
            better.append(move)
    return worse, better


def current_commit(repo: Path) -> str:
    """The commit the working tree is at (``+dirty`` when it has uncommitted changes)."""
    try:
        head = subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "--short=12", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(repo), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


def load_baseline(path: Path, pages: int | None = None, blocks: int | None = None) -> dict[str, float]:
    """The baseline's ratios by name ({} when there is none yet, or when it measured another
    book than ``pages`` x ``blocks``: its ratios would say nothing of this run's)."""
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    if (pages, blocks) != (None, None) and (data.get("pages"), data.get("blocks")) != (pages, blocks):
        return {}
    return {str(name): float(value) for name, value in data.get("ratios", {}).items()}


def report(worse: list[Move], better: list[Move], baseline: Path) -> list[str]:
    """Lines that say what moved, for the end of the benchmark's output."""
    if not worse and not better:
        return [f"every ratio within ±{NOISE_BAND:.0%} of {baseline.name}"]
    lines = [f"moved beyond ±{NOISE_BAND:.0%} of {baseline.name}:"]
    lines += [f"  WORSE  {m.name}: {m.before:.2f} -> {m.after:.2f} ({m.change:+.0%})" for m in worse]
    lines += [f"  better {m.name}: {m.before:.2f} -> {m.after:.2f} ({m.change:+.0%})" for m in better]
    return lines
