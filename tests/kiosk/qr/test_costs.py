"""StageCosts: the planner's cost of each stage, robust to a preempted run and never shutting a stage out."""

from __future__ import annotations

from kiosk.qr.costs import MIN_MEGAPIXELS, RETRY_AFTER_SKIPS, StageCosts


def test_a_stage_that_never_ran_costs_nothing_so_it_is_tried() -> None:
    assert StageCosts().expected_ms("zbar", 0.3) == 0.0


def test_the_cost_scales_with_the_image_and_ignores_one_slow_run() -> None:
    costs = StageCosts()
    for ms in (2.0, 2.0, 40.0):  # the last run was interrupted by the scheduler
        costs.record("zxing", 0.3, ms)
    assert costs.expected_ms("zxing", 0.3) == 2.0
    assert costs.expected_ms("zxing", 0.6) == 4.0


def test_small_images_are_charged_as_the_minimum_size() -> None:
    costs = StageCosts()
    costs.record("zxing", 0.001, 0.5)
    assert costs.expected_ms("zxing", 0.3) == 0.5 / MIN_MEGAPIXELS * 0.3


def test_a_stage_skipped_long_enough_runs_once_more() -> None:
    costs = StageCosts()
    costs.record("zbar", 0.3, 30.0)
    assert all(costs.skip("zbar") for _ in range(RETRY_AFTER_SKIPS))
    assert not costs.skip("zbar")
    costs.record("zbar", 0.3, 5.0)
    assert costs.skip("zbar")
