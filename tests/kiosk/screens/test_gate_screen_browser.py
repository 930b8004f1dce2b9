"""A visit in the simulated gate followed on the gate screen in a real headless Chromium.

The demo's world (real QR decoding, signature checks, face pipeline and temperature estimator on
simulated devices) runs turn by turn; between turns the browser must show what the gate is at.
Screenshots go to $KIOSK_SCREENSHOTS_DIR when set (docs/screenshots/ for the README), else to tmp.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from hardware.clock import SystemClock
from kiosk.demo.frames import empty_scene, person_with_code
from kiosk.demo.scenario import ENROLLED, NORMAL_SKIN_C, STEP_S, Demo
from kiosk.screens.catalogue import Translator
from kiosk.screens.config import ScreensConfig
from kiosk.screens.gate_app import gate_screen_app
from kiosk.screens.server import ScreenServer
from kiosk.screens.state import GateScreenState
from tests.kiosk.screens.browser import chromium

TURNS_PER_STEP = 100  # ten simulated seconds: longer than any step of a visit takes


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[object]:
    yield from chromium(tmp_path / "profile")


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("KIOSK_SCREENSHOTS_DIR", tmp_path / "screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def visible_text(driver: object, element_id: str) -> str:
    from selenium.webdriver.common.by import By

    element = driver.find_element(By.ID, element_id)  # type: ignore[attr-defined]
    return element.text if element.is_displayed() else ""


def wait_for(driver: object, condition: object, what: str) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 10, poll_frequency=0.05).until(condition, f"the gate screen never showed {what}")


def test_a_visit_is_followed_on_the_gate_screen_from_the_pass_to_the_verdict(
    tmp_path: Path, models_dir: Path, browser: object, screenshots: Path
) -> None:
    # The loop waits for the browser on purpose (stalled_after_s 60 s), and the verdict is held for 30 s so a
    # loaded machine still sees it: its expiry is tested on a manual clock in test_state.py.
    state = GateScreenState(Translator.for_language("en"), 30.0, False, 60.0, SystemClock())
    demo = Demo(tmp_path / "gate", str(models_dir), display=state)
    world = demo.world
    server = ScreenServer(gate_screen_app(state, ScreensConfig()), "127.0.0.1", 0, "gate screen")
    server.start()
    try:
        world.runner.start()
        world.run_for(0.5, STEP_S)
        browser.get(server.url)  # type: ignore[attr-defined]
        wait_for(browser, lambda d: visible_text(d, "step") == "Show your pass", "'Show your pass'")
        browser.save_screenshot(str(screenshots / "gate-screen-1-show-pass.png"))  # type: ignore[attr-defined]

        code = demo.issuer.rotating_pass(ENROLLED).code_at(demo.now())
        world.camera.present(person_with_code(demo.alice_face, code))
        world.thermometer.subject_arrives(NORMAL_SKIN_C, distance_m=0.08)
        seen = []
        for step, label in (("face", "Look at the camera"), ("temperature", "Hold still for the temperature")):
            turn_until(world, lambda: state.view()["step"] == step)
            wait_for(browser, lambda d, label=label: visible_text(d, "step") == label, repr(label))
            seen.append(visible_text(browser, "step"))
            wait_for(browser, lambda d: d.execute_script("return document.getElementById('camera').naturalWidth") > 0, "the camera preview")
            browser.save_screenshot(str(screenshots / f"gate-screen-2-{step}.png"))  # type: ignore[attr-defined]

        turn_until(world, lambda: state.view()["verdict"] is not None)
        wait_for(browser, lambda d: visible_text(d, "verdict-word") == "Granted", "the verdict")
        assert visible_text(browser, "verdict-sentence") == "Access granted. Please enter."
        assert browser.find_element("tag name", "body").get_attribute("data-verdict") == "granted"  # type: ignore[attr-defined]
        browser.save_screenshot(str(screenshots / "gate-screen-3-granted.png"))  # type: ignore[attr-defined]
        assert seen == ["Look at the camera", "Hold still for the temperature"]
        assert world.door.is_unlocked

        # The person has gone in; an operator locks the gate down: the screen says so instead of inviting a pass.
        world.camera.present(empty_scene())
        world.thermometer.subject_leaves()
        world.runner.operator_command("lock-down")
        turn_until(world, lambda: state.view()["notice"] is not None)
        wait_for(browser, lambda d: visible_text(d, "notice-title") == "This entrance is closed.", "'This entrance is closed.'")
        assert (visible_text(browser, "step"), visible_text(browser, "verdict-word")) == ("", ""), "no invitation and no old verdict"
        assert browser.find_element("tag name", "body").get_attribute("data-notice") == "lock-down"  # type: ignore[attr-defined]
        browser.save_screenshot(str(screenshots / "gate-screen-5-closed.png"))  # type: ignore[attr-defined]
        world.runner.operator_command("lift-lock-down")
        turn_until(world, lambda: state.view()["notice"] is None)
        wait_for(browser, lambda d: visible_text(d, "step") == "Show your pass", "'Show your pass' after the lock-down was lifted")
        assert visible_text(browser, "notice-title") == ""
        assert not world.door.is_unlocked

        server.stop()  # the service goes away while "granted" is up
        wait_for(browser, lambda d: visible_text(d, "oos-title") == "Out of service", "'Out of service'")
        assert visible_text(browser, "verdict-word") == ""
        browser.save_screenshot(str(screenshots / "gate-screen-4-out-of-service.png"))  # type: ignore[attr-defined]
    finally:
        server.stop()
        world.runner.shut_down()
        world.storage.close()


def turn_until(world: object, done: object) -> None:
    for _ in range(TURNS_PER_STEP):
        if done():  # type: ignore[operator]
            return
        world.run_for(STEP_S, STEP_S)  # type: ignore[attr-defined]
    raise AssertionError(f"the gate did not get there within {TURNS_PER_STEP} turns")
