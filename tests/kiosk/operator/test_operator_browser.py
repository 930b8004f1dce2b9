"""An operator in a real headless Chromium: logs in, sees the gate's next decision, forgets the person.

Screenshots go to $KIOSK_SCREENSHOTS_DIR when set (docs/screenshots/ for the README), else to tmp.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from kiosk.demo.frames import empty_scene, person_with_code
from kiosk.demo.scenario import ENROLLED, NORMAL_SKIN_C, STEP_S, Demo
from kiosk.demo.world import demo_config
from kiosk.operator.config import OperatorConfig
from kiosk.operator.site import open_operator_page
from kiosk.screens.gate_screen import screen_state
from tests.kiosk.screens.browser import chromium

PASSWORD = "correct horse battery"


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[object]:
    yield from chromium(tmp_path / "profile", 1100, 900)


def element(driver: object, element_id: str) -> Any:
    """The element once the page that has it is loaded: a click that submits a form returns before the next page."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, 10, poll_frequency=0.05).until(expected_conditions.presence_of_element_located((By.ID, element_id)))


def test_an_operator_logs_in_sees_the_next_decision_and_forgets_the_person(tmp_path: Path, models_dir: Path, browser: object) -> None:
    from selenium.webdriver.common.by import By

    shots = Path(os.environ.get("KIOSK_SCREENSHOTS_DIR", tmp_path / "screenshots"))
    shots.mkdir(parents=True, exist_ok=True)
    base = demo_config(tmp_path / "gate", str(models_dir))
    config = replace(base, operator=OperatorConfig(enabled=True, accounts_file=tmp_path / "operators.json"))
    state = screen_state(config)  # the demo's runner feeds the operator's live view through it
    demo = Demo(tmp_path / "gate", str(models_dir), display=state)
    world = demo.world
    page = open_operator_page(config, state, port=0)
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

        code = demo.issuer.rotating_pass(ENROLLED).code_at(demo.now())
        world.camera.present(person_with_code(demo.alice_face, code))
        world.thermometer.subject_arrives(NORMAL_SKIN_C, distance_m=0.08)
        for _ in range(100):
            world.run_for(STEP_S, STEP_S)
            if world.timeline.decisions:
                break
        world.camera.present(empty_scene())
        driver.refresh()  # type: ignore[attr-defined]
        decisions = driver.find_element(By.ID, "decisions").text  # type: ignore[attr-defined]
        passed = "credential-valid, face-match, liveness-ok, temperature-ok" if "liveness" in world.config.gate.checks else "credential-valid, face-match, temperature-ok"
        assert "granted" in decisions and passed in decisions  # the demo requires liveness when its models are there
        assert driver.find_element(By.ID, "live-door").text == "unlocked"  # type: ignore[attr-defined]
        driver.save_screenshot(str(shots / "operator-status.png"))  # type: ignore[attr-defined]

        driver.find_element(By.LINK_TEXT, "People").click()  # type: ignore[attr-defined]
        assert ENROLLED in element(driver, "people").text
        driver.save_screenshot(str(shots / "operator-people.png"))  # type: ignore[attr-defined]
        driver.find_element(By.ID, f"forget-{ENROLLED}").click()  # type: ignore[attr-defined]
        assert element(driver, "done").text == "forgotten"
        assert "Nobody is enrolled." in driver.find_element(By.ID, "people").text  # type: ignore[attr-defined]
        assert world.storage.people.list_people() == [], "the gate's own connection sees the erasure"
    finally:
        page.stop()
        world.runner.shut_down()
        world.storage.close()
