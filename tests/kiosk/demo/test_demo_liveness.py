"""The demo's liveness scene: with the MiniFASNet models a print of Alice's photo held up with her pass is refused
while the live visitors pass; without them the demo runs as before and says in one line why the scene is skipped."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from kiosk.demo.frames import FRAME_SIZE, person_scene
from kiosk.demo.report import demo_timeline
from kiosk.demo.scenario import Demo
from kiosk.demo.world import TimelineEntry
from kiosk.service.sources.face import SPOOF_PROMPT
from tests.kiosk.demo.test_demo_command import run_demo
from tests.kiosk.service.test_liveness_check import face_models_only

PRINT_VISITOR = "someone holding up a print of alice's photo, with her paper pass"


@pytest.fixture(scope="module")
def played(liveness_models: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    demo = Demo(tmp_path_factory.mktemp("demo"), str(liveness_models))
    try:
        demo.play()
        yield demo
    finally:
        demo.world.storage.close()


def decision_of(demo: Demo, who: str) -> TimelineEntry:
    [entry] = [entry for entry in demo.world.timeline.decisions if entry.subject == who]
    return entry


def test_with_the_liveness_models_the_demo_policy_requires_liveness(played: Demo) -> None:
    assert "liveness" in played.world.config.gate.checks
    assert demo_timeline(played.world).splitlines()[2].startswith("liveness check on (MiniFASNet models found)")


def test_a_print_of_alices_photo_held_up_with_her_pass_is_refused_with_the_liveness_reason(played: Demo) -> None:
    entry = decision_of(played, PRINT_VISITOR)
    assert (entry.verdict, entry.reasons) == ("denied", ("liveness-failed",))
    assert entry.message == f"Entry denied. {SPOOF_PROMPT}"
    assert "presentation attack: mean P(real)" in entry.detail


def test_live_visitors_pass_the_liveness_check_and_keep_their_verdicts(played: Demo) -> None:
    alice = decision_of(played, "alice (masked, rotating pass on her phone)")
    assert alice.verdict == "granted"
    assert "liveness: live: mean P(real)" in alice.detail
    assert decision_of(played, "mallory (alice's paper pass, her own face)").reasons == ("face-mismatch",)
    assert decision_of(played, "alice again, feverish").reasons == ("temperature-high",)


def test_without_the_liveness_models_the_demo_says_in_one_line_that_the_scene_is_skipped(models_dir: Path, tmp_path: Path) -> None:
    only_face = face_models_only(models_dir, tmp_path)
    result = run_demo(only_face)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].endswith("checks credential, face, temperature")
    assert lines[2] == (
        f"liveness scene skipped: model 'minifasnet-v2' missing: no antispoof_minifasnet/MiniFASNetV2.onnx in {only_face};"
        f" run 'kiosk models fetch minifasnet-v2 --dir {only_face}' (the check needs both minifasnet-v2 and minifasnet-v1se;"
        " they come from GitHub)"
    )
    assert [line for line in lines if "liveness" in line] == [lines[2]]
    assert "GRANTED  alice (masked, rotating pass on her phone)" in result.stdout


def test_a_visitor_smaller_than_the_frame_is_continued_to_its_edges_not_pasted_onto_the_entrance() -> None:
    photo = np.full((300, 240, 3), (10, 200, 60), np.uint8)
    scene = person_scene(photo, (80, 60, 80, 100))
    assert scene.shape == (*FRAME_SIZE, 3)
    assert np.abs(scene.astype(int) - (10, 200, 60)).max() <= 1


def test_without_any_models_the_liveness_line_says_the_face_stage_is_missing_too(tmp_path: Path) -> None:
    result = run_demo(tmp_path / "no-models")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[2] == "liveness scene skipped: the face stage is unavailable"
