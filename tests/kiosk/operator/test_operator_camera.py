"""Enrolment from the gate camera on the operator page: the live checks, the capture with consent, and the refusals.

The gate loop's side is a real GateScreenState fed frames as the runner feeds it (`step`), on the page's manual clock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from hardware.camera import Frame
from hardware.clock import ManualClock
from kiosk.config.schema import KioskConfig
from kiosk.demo.frames import _paste_fit, empty_scene, person_with_code
from kiosk.screens.catalogue import Translator
from kiosk.screens.state import GateScreenState
from kiosk.vision import VisionConfig
from kiosk.vision.demo_faces import demo_faces
from tests.kiosk.operator.client import Client
from tests.kiosk.operator.conftest import PASSWORD

Stored = Callable[[], tuple[list[str], list[tuple[str, dict[str, object]]]]]
CONSENT = {"purpose": "entry control at the front door", "valid_days": 30, "consent_given": True}


@pytest.fixture
def operator_config(operator_config: KioskConfig, models_dir: Path) -> KioskConfig:
    return replace(operator_config, vision=VisionConfig(models_dir=str(models_dir)))


@pytest.fixture
def gate_state(operator_clock: ManualClock) -> GateScreenState:
    return GateScreenState(Translator.for_language("en"), 5.0, False, 3.0, operator_clock)


def show(gate: GateScreenState, image: np.ndarray, camera: str = "up") -> None:
    """One turn of the gate loop with this camera image (as the runner hands it to the screens)."""
    gate.step("credential", Frame(image, 0.0, 0) if camera == "up" else None, camera, "normal", None)


def one_face() -> np.ndarray:
    return person_with_code(demo_faces().unknown, None)


def two_faces() -> np.ndarray:
    frame = empty_scene()
    faces = demo_faces()
    _paste_fit(frame, faces.enrolled, x=0, y=40, width=320, height=400)
    _paste_fit(frame, faces.unknown, x=320, y=40, width=320, height=400)
    return frame


def api_login(client: Client) -> str:
    return str(client.request("POST", "/api/v1/login", json_body={"name": "ops", "password": PASSWORD}).json()["csrf_token"])


def test_the_live_check_says_why_a_capture_would_be_refused_until_one_good_face_is_in_view(client: Client, gate_state: GateScreenState) -> None:
    api_login(client)
    show(gate_state, empty_scene())
    assert client.get("/api/v1/camera/check").json()["problems"] == [
        "no face in the camera frame (expected the person facing the camera, face uncovered and in view)"
    ]
    show(gate_state, two_faces())
    several = client.get("/api/v1/camera/check").json()
    assert several["ready"] is False and [face["number"] for face in several["faces"]] == [1, 2]
    assert several["problems"][0].startswith("2 faces in the camera frame (expected exactly one") and "1 at x=" in several["problems"][0]
    small = empty_scene()
    _paste_fit(small, demo_faces().unknown, x=20, y=40, width=100, height=130)
    show(gate_state, small)
    assert client.get("/api/v1/camera/check").json()["problems"][0].startswith("face-too-small: ")
    show(gate_state, cv2.GaussianBlur(one_face(), (0, 0), 12))
    assert client.get("/api/v1/camera/check").json()["problems"][0].startswith("too-blurry: ")
    show(gate_state, one_face())
    ready = client.get("/api/v1/camera/check").json()
    assert (ready["ready"], ready["problems"], len(ready["faces"])) == (True, [], 1)


def test_a_capture_enrols_the_person_in_view_with_the_consent_and_nothing_but_the_database_is_written(
    client: Client, gate_state: GateScreenState, stored: Stored, tmp_path: Path
) -> None:
    csrf = api_login(client)
    show(gate_state, one_face())
    preview = client.get("/api/v1/camera/preview.jpg")
    assert preview.status == 200 and preview.headers["Content-Type"] == "image/jpeg" and preview.body[:2] == b"\xff\xd8"
    before = {path for path in tmp_path.rglob("*") if path.is_file()}
    reply = client.request("POST", "/api/v1/people/holder-grace/capture", json_body=CONSENT, headers={"X-CSRF-Token": csrf})
    assert reply.status == 200, reply.text
    people, audit = stored()
    assert people == ["holder-alice", "holder-grace"]
    grace = next(person for person in client.get("/api/v1/people").json()["people"] if person["person_id"] == "holder-grace")
    assert grace["consent"]["recorded_by"] == "operator ops" and grace["consent"]["purpose"] == CONSENT["purpose"]
    assert ("operator-change", {"operator": "ops", "action": "people-enroll", "source": "gate-camera", "replaced": False, "templates": grace["templates"]}) in audit
    written = {path.name for path in tmp_path.rglob("*") if path.is_file()} - {path.name for path in before}
    assert written <= {"kiosk.db-wal", "kiosk.db-shm"}, "the frame is never written to disk"


def test_a_capture_is_refused_with_the_reason_and_an_enrolled_id_is_replaced_only_when_asked(
    client: Client, gate_state: GateScreenState, stored: Stored
) -> None:
    csrf = api_login(client)
    headers = {"X-CSRF-Token": csrf}
    show(gate_state, two_faces())
    several = client.request("POST", "/api/v1/people/holder-grace/capture", json_body=CONSENT, headers=headers)
    assert several.status == 400 and "2 faces in the camera frame" in several.json()["message"] and "2 at x=" in several.json()["message"]
    show(gate_state, one_face())
    unconfirmed = client.request("POST", "/api/v1/people/holder-grace/capture", json_body={**CONSENT, "consent_given": False}, headers=headers)
    assert unconfirmed.status == 400 and "consent is not confirmed" in unconfirmed.json()["message"]
    too_long = client.request("POST", "/api/v1/people/holder-grace/capture", json_body={**CONSENT, "valid_days": 10_000}, headers=headers)
    assert too_long.status == 400 and "storage.consent_max_days" in too_long.json()["message"]
    named = client.request("POST", "/api/v1/people/Grace%20Hopper/capture", json_body=CONSENT, headers=headers)
    assert named.status == 400 and "never a name" in named.json()["message"]
    taken = client.request("POST", "/api/v1/people/holder-alice/capture", json_body=CONSENT, headers=headers)
    assert taken.status == 400 and "already enrolled" in taken.json()["message"]
    assert stored()[0] == ["holder-alice"]
    replaced = client.request("POST", "/api/v1/people/holder-alice/capture", json_body={**CONSENT, "replace": True}, headers=headers)
    assert replaced.status == 200, replaced.text
    assert [d["replaced"] for kind, d in stored()[1] if kind == "operator-change"] == [True]


def test_no_preview_and_no_capture_from_a_stalled_gate_loop_or_a_camera_that_is_down(
    client: Client, gate_state: GateScreenState, operator_clock: ManualClock
) -> None:
    csrf = api_login(client)
    show(gate_state, one_face())
    operator_clock.advance(4.0)  # longer than stalled_after_s: the last frame may be anyone's, long gone
    assert client.get("/api/v1/camera/preview.jpg").status == 204
    assert client.get("/api/v1/camera/check").json()["problems"] == ["the gate loop is stalled: no current camera frame"]
    stalled = client.request("POST", "/api/v1/people/holder-grace/capture", json_body=CONSENT, headers={"X-CSRF-Token": csrf})
    assert stalled.json()["message"] == "capture refused: the gate loop is stalled: no current camera frame"
    show(gate_state, one_face(), camera="down")
    assert client.get("/api/v1/camera/check").json()["problems"] == ["the gate camera is down (expected up)"]
    assert client.get("/api/v1/camera/preview.jpg").status == 204


def test_the_page_form_captures_from_the_camera(client: Client, gate_state: GateScreenState, stored: Stored) -> None:
    client.log_in("ops", PASSWORD)
    token = client.get("/people").form_token()
    show(gate_state, one_face())
    form = {"csrf": token, "person_id": "holder-grace", "purpose": "entry", "valid_days": "30", "consent_given": "yes"}
    reply = client.post("/people/capture", form)
    assert reply.status == 303 and "enrolled%20holder-grace%20from%20the%20gate%20camera" in reply.headers["Location"]
    assert stored()[0] == ["holder-alice", "holder-grace"]


def test_a_flood_of_live_checks_on_one_frame_runs_the_face_detector_once(client: Client, gate_state: GateScreenState, monkeypatch: pytest.MonkeyPatch) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from kiosk.operator import enrolment

    assessed: list[int] = []
    real = enrolment.assess_frame

    def counted(pipeline: object, seq: int, image: np.ndarray) -> object:
        assessed.append(seq)
        return real(pipeline, seq, image)  # type: ignore[arg-type]

    monkeypatch.setattr(enrolment, "assess_frame", counted)
    api_login(client)
    show(gate_state, one_face())
    with ThreadPoolExecutor(8) as pool:
        replies = list(pool.map(lambda _: Client(client.port, dict(client.cookies)).get("/api/v1/camera/check").status, range(24)))
    assert replies == [200] * 24
    assert len(assessed) == 1, "the checks are serialised and the answer for one frame is reused"
