"""Behaviour of the instruments' numpy reference models and their rendering."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pytest

from wmbook.instruments import REGISTRY, bokehjs_assets, bokehjs_files, instrument_html, planner_model
from wmbook.instruments import imagined_planner as planner
from wmbook.instruments import latent_rollout as latent
from wmbook.instruments import pixel_vs_embedding as pve
from wmbook.instruments.prng import Mulberry32, fixed, normal_block, uniform_block

# ---- PRNG ------------------------------------------------------------------


def test_prng_is_deterministic_and_uniform() -> None:
    a = [Mulberry32(123).next_float() for _ in range(3)]
    b = [Mulberry32(123).next_float() for _ in range(3)]
    assert a == b
    gen = Mulberry32(99)
    draws = np.array([gen.next_float() for _ in range(20000)])
    assert draws.min() >= 0.0 and draws.max() < 1.0
    assert abs(draws.mean() - 0.5) < 0.01
    assert Mulberry32(1).next_float() != Mulberry32(2).next_float()


def test_prng_known_values() -> None:
    # Pinned outputs: any change to the generator breaks the JS/Python contract.
    gen = Mulberry32(0)
    got = [gen.next_float() for _ in range(3)]
    assert got == pytest.approx([0.26642920868471265, 0.0003297457005828619, 0.2232720274478197], abs=0)


def test_block_matches_sequential_stream() -> None:
    gen = Mulberry32(2**32 - 5)  # seeds wrap modulo 2**32
    seq = [gen.next_float() for _ in range(500)]
    assert uniform_block(2**32 - 5, 500).tolist() == seq
    assert uniform_block(2**32 - 5, 100, start=400).tolist() == seq[400:]


def test_normals_match_sequential_stream_and_look_normal() -> None:
    gen = Mulberry32(7)
    seq = [gen.normal() for _ in range(50)]
    assert normal_block(7, 50).tolist() == seq
    z = normal_block(11, 20000)
    assert abs(z.mean()) < 0.03
    assert abs(z.std() - 1.0) < 0.03


def test_fixed_rounds_like_tofixed() -> None:
    assert fixed(0.125, 2) == "0.13"  # exact tie: away from zero, not to even
    assert fixed(-0.125, 2) == "-0.13"
    assert fixed(-0.0, 3) == "0.000"
    assert fixed(1.0005, 3) == "1.000"  # 1.0005 is stored slightly below the tie
    assert fixed(2.5, 0) == "3"


# ---- MM5.1 latent rollout ----------------------------------------------------


@pytest.mark.parametrize(
    ("decay", "expected"),
    [
        (0.8, "stable"),
        (0.998, "stable"),
        (1.0, "neutral"),
        (0.1 * 10, "neutral"),
        (0.8 + 100 * 0.002, "neutral"),
        (1.0 + 1e-12, "neutral"),
        (1.002, "unstable"),
        (1.1, "unstable"),
    ],
)
def test_regime_flips_at_one(decay: float, expected: str) -> None:
    assert latent.regime(decay) == expected
    r = latent.simulate(0.95, decay, 20.0, 0.1, 16)
    assert (r.regime, r.learned_regime) == ("stable", expected)
    assert latent.simulate(decay, 0.95, 20.0, 0.1, 16).regime == expected


def test_the_decay_grid_reaches_the_chapters_pair() -> None:
    # §5.1: the learned slow eigenvalue 0.990 against the true 0.994; both on the slider's grid.
    lo, hi = latent.DECAY_RANGE
    for decay in (0.990, 0.994):
        steps = (decay - lo) / latent.DECAY_STEP
        assert abs(steps - round(steps)) < 1e-6 and lo <= decay <= hi
    assert (latent.DEFAULTS["true_decay"], latent.DEFAULTS["learned_decay"]) == (0.994, 0.990)


def test_an_exact_model_has_no_gap() -> None:
    r = latent.simulate(0.97, 0.97, 20.0, 0.1, 64)
    assert max(r.gaps) == 0.0 and r.fixed_gap == 0.0
    assert (r.xs, r.ys) == (r.learned_xs, r.learned_ys)


def test_the_gap_compounds_with_the_horizon() -> None:
    r = latent.simulate(0.994, 0.990, 20.0, 0.1, 60)
    assert r.gaps[0] == 0.0
    # One step off by 0.004 of a unit state; sixty imagined steps later, more than thirty times that.
    assert r.one_step_gap == pytest.approx(0.004, rel=1e-9)
    assert r.final_gap > 30 * r.one_step_gap
    assert all(b > a for a, b in itertools.pairwise(r.gaps[:40]))
    # Both stable: the gap peaks (near step 1 / ln(0.994 / 0.990), about 120 steps, here)
    # and then sinks toward the distance between the two fixed points.
    far = np.array(latent.simulate(0.994, 0.990, 20.0, 0.1, latent.HORIZON_MAX).gaps)
    assert 100 < int(far.argmax()) < 140 and far[-1] < 0.7 * far.max()
    long_run = latent.simulate(0.9, 0.85, 20.0, 0.1, 120)
    assert long_run.final_gap == pytest.approx(long_run.fixed_gap, rel=1e-3)
    # A learned decay above 1 makes the gap grow without bound.
    wild = latent.simulate(0.994, 1.05, 20.0, 0.1, 120)
    assert wild.learned_regime == "unstable" and wild.final_gap > 100.0


def test_each_rollout_converges_or_escapes() -> None:
    for theta in (5.0, 20.0, 90.0):
        for push in (0.0, 0.1, 0.3):
            r = latent.simulate(0.9, 1.1, theta, push, 64)
            assert math.hypot(r.xs[-1] - r.fixed_x, r.ys[-1] - r.fixed_y) < 0.01
            assert math.hypot(r.learned_xs[-1], r.learned_ys[-1]) > 100.0


def test_neutral_rollout_orbits_the_fixed_point() -> None:
    r = latent.simulate(1.0, 1.0, 30.0, 0.2, 64)
    radii = np.hypot(np.array(r.xs) - r.fixed_x, np.array(r.ys) - r.fixed_y)
    assert np.ptp(radii) < 1e-9


def test_latent_shapes_and_horizon() -> None:
    r = latent.simulate(0.95, 0.93, 20.0, 0.1, 16)
    assert r.horizon == 16 and len(r.xs) == len(r.learned_xs) == len(r.gaps) == 17
    assert (r.xs[0], r.ys[0]) == (r.learned_xs[0], r.learned_ys[0]) == (1.0, 0.0)
    ro = latent.format_readouts(r)
    assert ro["final_gap"] == fixed(r.final_gap, 4) and ro["one_step_gap"] == fixed(r.gaps[1], 4)


# ---- MM5.2 pixel vs embedding ----------------------------------------------------


def test_defaults_are_the_chapter_programs() -> None:
    # §5.3's program: 64 pixels on [-1, 1], blob width 0.12, speed 0.15, noise_sd 0.5, 300/100 split.
    assert (pve.P, pve.N, pve.TRAIN, pve.WIDTH, pve.SPEED) == (64, 400, 300, 0.12, 0.15)
    assert pve.DEFAULTS == {"signal": 1.0, "noise_sd": 0.5}
    r = pve.simulate(1.0, 0.5)
    # Other random draws than the program's numpy ones, so close to its numbers, not equal:
    # share of noise 0.777, relative losses 0.979 (pixels), 0.759 (perfect), 0.341 (embedding).
    assert r.wasted == pytest.approx(0.777, abs=0.03)
    assert r.pixel_relative == pytest.approx(0.979, abs=0.03)
    assert r.ideal_relative == pytest.approx(0.759, abs=0.03)
    assert r.embedding_relative == pytest.approx(0.341, abs=0.06)
    assert r.ideal_loss == pytest.approx(0.25, abs=0.01)


def test_wasted_is_the_programs_share_of_noise() -> None:
    for sd in (0.1, 0.5, 1.0):
        r = pve.simulate(1.0, sd)
        assert r.wasted == pytest.approx(sd**2 / r.pixel_loss)
        assert pve.format_readouts(r)["wasted"] == fixed(100 * sd**2 / r.pixel_loss, 1) + " %"
    assert pve.simulate(1.0, 0.0).wasted == 0.0


def test_the_ridge_solve_is_the_programs() -> None:
    pos, eps_now, eps_next = pve.scene()
    x = pve.render(pos, 1.0) + 0.5 * eps_now
    y = pve.render(pos + pve.SPEED, 1.0) + 0.5 * eps_next
    w = pve.ridge_fit(x[:300], y[:300], 10.0)
    x1 = np.column_stack([x[:300], np.ones(300)])
    expected = np.linalg.lstsq(
        np.vstack([x1, np.sqrt(10.0) * np.eye(65)]), np.vstack([y[:300], np.zeros((65, 64))]), rcond=None
    )[0]
    np.testing.assert_allclose(w, expected, rtol=1e-8, atol=1e-10)
    assert pve.simulate(1.0, 0.5).pixel_loss == pytest.approx(
        float(np.mean((pve.ridge_apply(w, x[300:]) - y[300:]) ** 2))
    )


def test_less_noise_helps_the_pixel_route_most() -> None:
    # The chapter's invitation: at noise_sd = 0.1 the pixel route's relative loss falls
    # sharply and the gap between the routes narrows.
    loud, quiet = pve.simulate(1.0, 0.5), pve.simulate(1.0, 0.1)
    assert quiet.pixel_relative < 0.3 * loud.pixel_relative
    assert quiet.pixel_relative - quiet.embedding_relative < loud.pixel_relative - loud.embedding_relative
    for signal in (0.25, 1.0, 2.0):
        pix = [pve.simulate(signal, sd).pixel_loss for sd in (0.0, 0.25, 0.5, 1.0)]
        assert all(b > a for a, b in itertools.pairwise(pix))


def test_bars_stay_in_their_frame() -> None:
    for signal, sd in itertools.product((0.25, 0.5, 1.0, 2.0), (0.0, 0.5, 0.8, 1.0)):
        assert max(pve.bar_heights(pve.simulate(signal, sd))) < pve.BAR_TOP


def test_pixel_vs_embedding_is_seeded() -> None:
    assert pve.simulate(1.3, 0.7) == pve.simulate(1.3, 0.7)
    assert len(pve.simulate(1.0, 1.0).grid) == pve.P


# ---- MM5.3 imagined planner --------------------------------------------------------

SEEDS = range(24)
ERRORS = (0.0, 0.25, 0.5, 1.0)


def _runs(
    plans: int, error: float, replan: bool = False, horizon: int = 16
) -> list[planner_model.ImaginedPlan]:
    return [planner.simulate(plans, error, horizon, b, replan) for b in SEEDS]


def _mean(runs: list[planner_model.ImaginedPlan], field: str) -> float:
    return float(np.mean([getattr(r, field) for r in runs]))


def _eq_mm5_5(xs: list[float], ys: list[float], gamma: float = 0.95) -> float:
    """The return of EQ MM5.5 written out: discounted rewards -distance, then the value."""
    goal = planner_model.GOAL
    dist = [float(np.hypot(x - goal[0], y - goal[1])) for x, y in zip(xs[1:], ys[1:], strict=True)]
    rewards = sum(-d * gamma**k for k, d in enumerate(dist))
    value = -dist[-1] / (1 - gamma)
    return rewards + gamma ** len(dist) * value


@pytest.mark.parametrize(("error", "horizon"), [(0.0, 16), (0.4, 8), (1.0, 24)])
def test_plans_are_scored_by_the_discounted_imagined_return(error: float, horizon: int) -> None:
    r = planner.simulate(64, error, horizon, 3)
    w = horizon + 1
    scores = [
        _eq_mm5_5(xs, ys)
        for xs, ys in zip(planner.split_lines(r.cand_xs, w), planner.split_lines(r.cand_ys, w), strict=True)
    ]
    assert r.winner == int(np.argmax(scores))
    assert r.best_return == pytest.approx(max(scores), rel=1e-12)
    assert r.real_return == pytest.approx(_eq_mm5_5(r.real_x, r.real_y), rel=1e-12)


def test_the_winner_is_not_simply_the_plan_that_ends_nearest() -> None:
    # The return counts the distance at every step, so it often prefers another plan.
    differ = 0
    for b in range(8):
        r = planner.simulate(64, 0.5, 16, b)
        ends = np.hypot(np.asarray(r.cand_xs[16::17]) - 1.6, np.asarray(r.cand_ys[16::17]) - 1.0)
        differ += int(np.argmin(ends)) != r.winner
    assert differ >= 2


def test_more_plans_do_better_without_model_error() -> None:
    misses = [_mean(_runs(n, 0.0), "real_miss") for n in (1, 8, 64, 512)]
    assert all(b < a for a, b in itertools.pairwise(misses))
    for b in SEEDS:
        # Plans are nested prefixes of one stream, so with a perfect model the
        # best real return can only improve as plans are added, and it is the
        # imagined one.
        few = planner.simulate(16, 0.0, 16, b)
        many = planner.simulate(256, 0.0, 16, b)
        assert many.real_return >= few.real_return
        assert few.real_return == pytest.approx(few.best_return, rel=1e-12)


def test_model_error_hurts_reality_but_not_imagination() -> None:
    runs = {e: _runs(512, e) for e in ERRORS}
    misses = [_mean(runs[e], "real_miss") for e in ERRORS]
    assert all(b > a for a, b in itertools.pairwise(misses))
    real = [_mean(runs[e], "real_return") for e in ERRORS]
    assert all(b < a for a, b in itertools.pairwise(real))
    for e in ERRORS[1:]:
        # The search keeps finding plans the wrong model likes: imagination stays
        # as good as with the exact model, reality falls behind it.
        assert _mean(runs[e], "best_return") >= _mean(runs[0.0], "best_return")
        assert _mean(runs[e], "best_return") > _mean(runs[e], "real_return")


def test_replanning_wins_back_what_open_loop_loses() -> None:
    for e in ERRORS[1:]:
        open_loop, replanned = _runs(512, e), _runs(512, e, replan=True)
        assert _mean(replanned, "real_miss") < _mean(open_loop, "real_miss"), e
        assert _mean(replanned, "real_return") > _mean(open_loop, "real_return"), e
    # At the largest error, re-planning halves the miss.
    assert _mean(_runs(512, 1.0, replan=True), "real_miss") < 0.6 * _mean(_runs(512, 1.0), "real_miss")


def test_replanning_starts_like_open_loop_and_then_plans_afresh() -> None:
    open_loop = planner.simulate(64, 0.5, 12, 2)
    replanned = planner.simulate(64, 0.5, 12, 2, replan=True)
    # The plan made at the start is the same; so is its first action, carried out by both.
    for field in ("cand_xs", "cand_ys", "imag_x", "imag_y", "best_return", "winner"):
        assert getattr(replanned, field) == getattr(open_loop, field), field
    assert replanned.real_x[:2] == open_loop.real_x[:2] and replanned.real_y[:2] == open_loop.real_y[:2]
    assert replanned.real_x != open_loop.real_x
    assert len(replanned.real_x) == 13
    assert (open_loop.evaluated, replanned.evaluated) == (64, 64 * 12)
    # Each later plan starts from the real position: its first action is that of the best
    # of fresh candidates imagined from there.
    model = planner_model.learned_model(0.5)
    x, y = replanned.real_x[5], replanned.real_y[5]
    fresh = planner_model.actions(64, 2, 5)
    xs, ys = planner_model.imagine(fresh, 12, x, y, model)
    best = int(np.argmax(planner_model.path_returns(xs, ys)))
    assert replanned.real_x[6] == x + fresh[best, 0, 0]
    assert replanned.real_y[6] == y + fresh[best, 0, 1]


def test_readouts_name_the_mode_and_the_cost() -> None:
    ro = planner.format_readouts(planner.simulate(32, 0.3, 10, 0))
    assert (ro["mode"], ro["plans"]) == ("open loop", "32")
    ro = planner.format_readouts(planner.simulate(32, 0.3, 10, 0, replan=True))
    assert (ro["mode"], ro["plans"]) == ("re-planned every step", "320")
    assert set(ro) == {"best_return", "real_return", "real_miss", "mode", "plans", "draw"}
    assert planner.format_readouts(planner.simulate(32, 0.3, 10, 4))["draw"] == "5"


def test_with_an_exact_model_imagined_and_real_differ_only_when_replanning() -> None:
    # Open loop the first search's winner is the path carried out: equal returns at zero error.
    for batch in range(6):
        for plans in (1, 64):
            r = planner.simulate(plans, 0.0, 16, batch)
            assert r.best_return == r.real_return
    # Re-planning carries out the first actions of 16 searches, so the real return scores
    # another path: on draw 19 (batch 18), with one plan, -46.68 imagined against -29.04 real.
    ro = planner.format_readouts(planner.simulate(1, 0.0, 16, 18, replan=True))
    assert (ro["best_return"], ro["real_return"], ro["draw"]) == ("-46.68", "-29.04", "19")


def test_planner_is_seeded_and_reimagine_changes_batch() -> None:
    assert planner.simulate(64, 0.3, 12, 5) == planner.simulate(64, 0.3, 12, 5)
    assert planner.simulate(64, 0.3, 12, 5) != planner.simulate(64, 0.3, 12, 6)
    assert planner.simulate(64, 0.3, 12, 5, True) == planner.simulate(64, 0.3, 12, 5, True)
    assert planner.simulate(64, 0.3, 12, 5, True).real_x != planner.simulate(64, 0.3, 12, 6, True).real_x
    r = planner.simulate(32, 0.0, 10, 0)
    assert len(r.cand_xs) == 32 * 11 and r.plans == 32
    assert r.imag_x == r.cand_xs[r.winner * 11 : (r.winner + 1) * 11]
    assert r.imag_x == pytest.approx(r.real_x)  # perfect model: imagined == real


def test_horizon_keeps_action_prefixes() -> None:
    short = planner.simulate(8, 0.0, 6, 0)
    long = planner.simulate(8, 0.0, 12, 0)
    for k in range(8):
        assert long.cand_xs[k * 13 : k * 13 + 7] == short.cand_xs[k * 7 : k * 7 + 7]


def test_each_replan_has_candidates_of_its_own() -> None:
    first, second = planner_model.actions(512, 0, 0), planner_model.actions(512, 0, 1)
    assert not np.array_equal(first, second)
    # Fewer plans are the first ones of more, in every re-plan.
    assert np.array_equal(planner_model.actions(16, 0, 3), planner_model.actions(512, 0, 3)[:16])
    assert np.array_equal(planner_model.actions(16, 1, 0), planner_model.actions(512, 1, 0)[:16])


# ---- rendering ---------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_render_is_serialisable_and_the_same_whatever_came_before(name: str) -> None:
    inst = REGISTRY[name]
    rendered = inst.render(f"inst {name}!")
    for other in sorted(REGISTRY):  # Bokeh's model counter moves on with every rendering
        REGISTRY[other].render(f"inst {other}-other")
    assert inst.render(f"inst {name}!") == rendered  # so model ids must not depend on it
    item = json.loads(rendered.item_json)
    assert item["target_id"] == rendered.target_id
    assert rendered.target_id.startswith(f"inst-{name}")
    assert item["doc"]["roots"], "the layout must be in the document"
    svg = rendered.preview_svg
    assert svg.startswith("<svg") and "currentColor" in svg and 'role="img"' in svg
    assert 'aria-live="polite"' in rendered.readouts_html
    html = instrument_html(rendered, f"inst {name}!", inst.title, inst.caption_html)
    assert 'class="wmbook-instrument"' in html and "data-item" in html
    assert f'id="{rendered.target_id}"' in html
    assert html.count("</script>") == 1  # the item JSON cannot end the script early


def test_bokehjs_files_are_the_version_matched_core_and_widgets() -> None:
    names = [p.name for p in bokehjs_files()]
    assert names == ["bokeh.min.js", "bokeh-widgets.min.js"]
    assets = bokehjs_assets()
    import bokeh

    assert set(assets) == {
        f"bokeh-{bokeh.__version__}.min.js",
        f"bokeh-widgets-{bokeh.__version__}.min.js",
    }
    assert all(p.is_file() for p in assets.values())


# ---- the chapter's captions -----------------------------------------------------------


def _caption(name: str) -> str:
    """An instrument's caption with the paragraph just above its block (where its reading guide is)."""
    from pathlib import Path

    text = (Path(__file__).parents[2] / "docs" / "world-models.md").read_text(encoding="utf-8")
    start = text.index(f"    name: {name}\n")
    opener = text.rindex("\n///", 0, start)
    guide = text.rindex("\n\n", 0, text.rindex("\n\n", 0, opener)) if "\n\n" in text[:opener] else 0
    return text[guide : text.index("\n///", start)]


def test_the_chapter_captions_quote_what_the_instruments_show() -> None:
    d = latent.DEFAULTS
    ro = latent.format_readouts(
        latent.simulate(d["true_decay"], d["learned_decay"], d["theta_deg"], d["push"], int(d["horizon"]))
    )
    caption = _caption("latent_rollout")
    assert ro["one_step_gap"] in caption and ro["final_gap"] in caption and "0.994" in caption
    ro = pve.format_readouts(pve.simulate(pve.DEFAULTS["signal"], pve.DEFAULTS["noise_sd"]))
    caption = _caption("pixel_vs_embedding")
    assert ro["wasted"] in caption
    assert ro["pixel_loss"].split("(")[1].rstrip(")") in caption
    assert ro["embedding_loss"].split("(")[1].rstrip(")") in caption
    ro = planner.format_readouts(planner.simulate(1, 0.0, 16, 18, replan=True))
    # MM5.3's caption is short; the text above it tells how to read its readouts.
    text = (Path(__file__).parents[2] / "docs" / "world-models.md").read_text(encoding="utf-8")
    start = text.index("One readout needs care")
    caption = text[start : text.index("/// instrument | MM5.3", start)].replace("−", "-")
    assert ro["best_return"] in caption and ro["real_return"] in caption and f"draw {ro['draw']}" in caption
