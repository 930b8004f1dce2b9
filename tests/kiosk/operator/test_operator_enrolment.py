"""Enrolment from an uploaded photo on the operator page: consent required, one face, audited."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import cv2
import pytest

from kiosk.config.schema import KioskConfig
from kiosk.vision import VisionConfig
from tests.kiosk.operator.client import Client
from tests.kiosk.operator.conftest import PASSWORD

Stored = Callable[[], tuple[list[str], list[tuple[str, dict[str, object]]]]]


@pytest.fixture
def operator_config(operator_config: KioskConfig, models_dir: Path) -> KioskConfig:
    return replace(operator_config, vision=VisionConfig(models_dir=str(models_dir)))


def multipart(fields: dict[str, str], photo: bytes | None) -> tuple[dict[str, str], bytes]:
    boundary = "kioskboundary"
    body = b"".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items())
    if photo is not None:
        body += f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; filename="bob.png"\r\nContent-Type: image/png\r\n\r\n'.encode()
        body += photo + b"\r\n"
    return {"Content-Type": f"multipart/form-data; boundary={boundary}"}, body + f"--{boundary}--\r\n".encode()


def photo_png() -> bytes:
    from kiosk.vision.demo_faces import demo_faces

    ok, encoded = cv2.imencode(".png", demo_faces().unknown)
    assert ok
    return encoded.tobytes()


def test_an_uploaded_photo_with_confirmed_consent_enrols_the_person(client: Client, stored: Stored) -> None:
    csrf = client.request("POST", "/api/v1/login", json_body={"name": "ops", "password": PASSWORD}).json()["csrf_token"]
    headers, body = multipart({"consent_given": "yes", "purpose": "entry control at the front door", "valid_days": "30"}, photo_png())
    reply = client.request("POST", "/api/v1/people/holder-bob/enroll", headers={**headers, "X-CSRF-Token": csrf}, body=body)
    assert reply.status == 200, reply.text
    assert reply.json()["enrolled"]
    people = client.get("/api/v1/people").json()["people"]
    bob = next(person for person in people if person["person_id"] == "holder-bob")
    assert bob["consent"]["recorded_by"] == "operator ops" and bob["templates"] > 0
    assert ("operator-change", {"operator": "ops", "action": "people-enroll", "source": "photo", "replaced": False, "templates": bob["templates"]}) in stored()[1]


def test_without_confirmed_consent_or_with_a_name_nobody_is_enrolled(client: Client, stored: Stored) -> None:
    csrf = client.request("POST", "/api/v1/login", json_body={"name": "ops", "password": PASSWORD}).json()["csrf_token"]
    headers, body = multipart({"purpose": "entry control"}, photo_png())
    no_consent = client.request("POST", "/api/v1/people/holder-bob/enroll", headers={**headers, "X-CSRF-Token": csrf}, body=body)
    assert no_consent.status == 400 and "consent is not confirmed" in no_consent.json()["message"]
    headers, body = multipart({"consent_given": "yes"}, photo_png())
    named = client.request("POST", "/api/v1/people/Bob%20Smith/enroll", headers={**headers, "X-CSRF-Token": csrf}, body=body)
    assert named.status == 400 and "never a name" in named.json()["message"]
    headers, body = multipart({"consent_given": "yes"}, b"not an image")
    garbage = client.request("POST", "/api/v1/people/holder-bob/enroll", headers={**headers, "X-CSRF-Token": csrf}, body=body)
    assert garbage.status == 400 and "bob.png" in garbage.json()["message"]
    assert stored()[0] == ["holder-alice"]
