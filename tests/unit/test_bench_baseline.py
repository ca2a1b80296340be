"""The benchmark says which ratio moved beyond the noise band of its committed baseline."""

from __future__ import annotations

import json
from pathlib import Path

from bench.baseline import Ratio, compare, load_baseline, report

REPO = Path(__file__).resolve().parents[2]


def test_a_ratio_is_worse_in_its_own_direction() -> None:
    ratios = {
        "cold": Ratio("cold / peer", 1.20, 0.70),  # time ratio up 20%: worse
        "efficiency": Ratio("efficiency", 0.60, 0.90, higher_is_better=True),  # down 25%: worse
        "unchanged": Ratio("unchanged / floor", 1.00, 1.15),  # down 20%: better
        "edited": Ratio("edited", 1.03, 1.00),  # within the band
        "new": Ratio("a row the baseline lacks", 9.0, 1.0),
    }
    baseline = {"cold": 1.0, "efficiency": 0.8, "unchanged": 1.25, "edited": 1.0}
    worse, better = compare(ratios, baseline, band=0.08)
    assert [m.name for m in worse] == ["cold", "efficiency"]
    assert [m.name for m in better] == ["unchanged"]
    assert round(worse[0].change, 2) == 0.20
    lines = report(worse, better, Path("baseline.json"))
    assert lines[1] == "  WORSE  cold: 1.00 -> 1.20 (+20%)"
    assert report([], [], Path("baseline.json")) == ["every ratio within ±8% of baseline.json"]


def test_the_committed_baseline_names_every_ratio_the_benchmark_has() -> None:
    baseline = load_baseline(REPO / "bench-results" / "baseline.json")
    assert set(baseline) <= {
        "cold_vs_markdown_exec",
        "unchanged_vs_floor",
        "edited_vs_floor_and_session",
        "speed_up_2_workers",
        "cold_efficiency",
        "dask_vs_local",
        "shared_clone_vs_floor",
    }
    assert baseline and all(value > 0 for value in baseline.values())
    assert json.loads((REPO / "bench-results" / "baseline.json").read_text())["commit"]


def test_a_baseline_of_another_book_is_not_compared(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    path.write_text(json.dumps({"pages": 40, "blocks": 5, "ratios": {"cold": 1.0}}))
    assert load_baseline(path, 40, 5) == {"cold": 1.0}
    assert load_baseline(path, 2, 1) == {}
    assert load_baseline(tmp_path / "missing.json", 40, 5) == {}
