"""An operator in a real headless Chromium: logs in, enrols a newcomer from the simulated gate camera, sees their
visit decided, forgets them.

Screenshots go to $KIOSK_SCREENSHOTS_DIR when set (docs/screenshots/ for the README), else to tmp.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from kiosk.demo.frames import empty_scene, person_with_code
from kiosk.demo.scenario import ENROLLED, NORMAL_SKIN_C, STEP_S, Demo
from kiosk.demo.world import demo_config
from kiosk.operator.config import OperatorConfig
from kiosk.operator.site import open_operator_page
from kiosk.screens.gate_screen import screen_state
from tests.kiosk.screens.browser import chromium

PASSWORD = "correct horse battery"
NEWCOMER = "visitor-7f3a"


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[object]:
    yield from chromium(tmp_path / "profile", 1100, 900)


def element(driver: object, element_id: str) -> Any:
    """The element once the page that has it is loaded: a click that submits a form returns before the next page."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, 10, poll_frequency=0.05).until(expected_conditions.presence_of_element_located((By.ID, element_id)))


def test_an_operator_enrols_a_person_from_the_gate_camera_sees_their_visit_and_forgets_them(
    tmp_path: Path, models_dir: Path, browser: object
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    shots = Path(os.environ.get("KIOSK_SCREENSHOTS_DIR", tmp_path / "screenshots"))
    shots.mkdir(parents=True, exist_ok=True)
    base = demo_config(tmp_path / "gate", str(models_dir))
    # The loop waits for the browser on purpose: 60 s of real time before the page would call it stalled.
    config = replace(
        base,
        screens=replace(base.screens, stalled_after_s=60.0),
        operator=OperatorConfig(enabled=True, accounts_file=tmp_path / "operators.json"),
    )
    state = screen_state(config)  # the demo's runner feeds the operator's live view and camera preview through it
    demo = Demo(tmp_path / "gate", str(models_dir), display=state)
    world = demo.world
    page = open_operator_page(config, state, port=0, clock=world.clock)
    assert page.server is not None
    page.site.accounts.add("ops", PASSWORD)
    driver = browser
    try:
        world.runner.start()
        world.run_for(0.5, STEP_S)
        driver.get(page.server.url)  # type: ignore[attr-defined]
        assert driver.current_url.endswith("/login")  # type: ignore[attr-defined]
        driver.find_element(By.ID, "name").send_keys("ops")  # type: ignore[attr-defined]
        driver.find_element(By.ID, "password").send_keys(PASSWORD)  # type: ignore[attr-defined]
        driver.find_element(By.ID, "submit").click()  # type: ignore[attr-defined]
        assert element(driver, "live-door").text == "locked"
        assert "No decisions stored." in driver.find_element(By.ID, "decisions").text  # type: ignore[attr-defined]

        # Two people in view: the live check refuses, naming where each face is.
        world.camera.present(two_people(demo))
        world.run_for(STEP_S, STEP_S)
        driver.find_element(By.LINK_TEXT, "People").click()  # type: ignore[attr-defined]
        problems = element(driver, "camera-problems")
        WebDriverWait(driver, 60, poll_frequency=0.1).until(lambda d: "2 faces in the camera frame" in problems.text, "the several-faces check")
        assert driver.find_element(By.ID, "capture-submit").get_attribute("disabled") is not None  # type: ignore[attr-defined]
        boxes = "#camera-faces .face-box"
        WebDriverWait(driver, 10, poll_frequency=0.1).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, boxes)) == 2, "a box over each face")
        assert [box.text for box in driver.find_elements(By.CSS_SELECTOR, boxes)] == ["1", "2"]  # type: ignore[attr-defined]

        # The newcomer alone in front of the camera: every check passes, the operator captures with consent.
        world.camera.present(person_with_code(demo.unknown_face, None))
        world.run_for(STEP_S, STEP_S)
        WebDriverWait(driver, 30, poll_frequency=0.1).until(lambda d: problems.get_attribute("data-ready") == "yes", "a ready camera check")
        ready_box = f"{boxes}.ready"
        WebDriverWait(driver, 10, poll_frequency=0.1).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ready_box)) == 1, "the one face boxed as ready")
        WebDriverWait(driver, 10, poll_frequency=0.1).until(
            lambda d: d.execute_script("return document.getElementById('camera-preview').naturalWidth") > 0, "the camera preview"
        )
        driver.find_element(By.ID, "capture-id").send_keys(NEWCOMER)  # type: ignore[attr-defined]
        driver.find_element(By.ID, "capture-consent").click()  # type: ignore[attr-defined]
        driver.save_screenshot(str(shots / "operator-enrol-from-camera.png"))  # type: ignore[attr-defined]
        driver.find_element(By.ID, "capture-submit").click()  # type: ignore[attr-defined]
        assert element(driver, "done").text.startswith(f"enrolled {NEWCOMER} from the gate camera: ")
        assert NEWCOMER in driver.find_element(By.ID, "people").text  # type: ignore[attr-defined]
        driver.save_screenshot(str(shots / "operator-people.png"))  # type: ignore[attr-defined]

        # The newcomer's first visit: their pass, their face, a normal temperature.
        code = demo.issuer.rotating_pass(NEWCOMER).code_at(demo.now())
        world.camera.present(person_with_code(demo.unknown_face, code))
        world.thermometer.subject_arrives(NORMAL_SKIN_C, distance_m=0.08)
        for _ in range(100):
            world.run_for(STEP_S, STEP_S)
            if world.timeline.decisions:
                break
        world.camera.present(empty_scene())
        driver.find_element(By.LINK_TEXT, "Status").click()  # type: ignore[attr-defined]
        decisions = element(driver, "decisions").text
        passed = "credential-valid, face-match, liveness-ok, temperature-ok" if "liveness" in world.config.gate.checks else "credential-valid, face-match, temperature-ok"
        assert "granted" in decisions and passed in decisions  # the demo requires liveness when its models are there
        assert driver.find_element(By.ID, "live-door").text == "unlocked"  # type: ignore[attr-defined]
        driver.save_screenshot(str(shots / "operator-status.png"))  # type: ignore[attr-defined]

        driver.find_element(By.LINK_TEXT, "People").click()  # type: ignore[attr-defined]
        element(driver, f"forget-{NEWCOMER}").click()
        assert element(driver, "done").text == "forgotten"
        assert NEWCOMER not in driver.find_element(By.ID, "people").text  # type: ignore[attr-defined]
        assert [person.person_id for person in world.storage.people.list_people()] == [ENROLLED], "the gate's own connection sees the erasure"
    finally:
        page.stop()
        world.runner.shut_down()
        world.storage.close()


def two_people(demo: Demo) -> np.ndarray:
    """The newcomer and the enrolled person side by side in front of the camera."""
    frame = empty_scene()
    for x, face in ((0, demo.alice_face), (320, demo.unknown_face)):
        assert face is not None
        height, width = face.shape[:2]
        scale = min(300 / width, 400 / height)
        resized = cv2.resize(face, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
        frame[40 : 40 + resized.shape[0], x + 10 : x + 10 + resized.shape[1]] = resized
    return frame
