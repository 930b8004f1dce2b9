from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import pytest

from hardware.clock import ManualClock
from kiosk.storage import Consent, PeopleStore, Storage, StorageConfig, StorageError, TemplateCipher

DAY_S = 86400.0


def consent(clock: ManualClock, days: float = 365) -> Consent:
    return Consent("entry control at the north door", clock.wall(), clock.wall() + days * DAY_S, "reception: J. Doe")


def test_enrolled_templates_load_back_exactly_and_are_encrypted_at_rest(
    storage: Storage, clock: ManualClock, synthetic_templates: Callable
) -> None:
    templates = synthetic_templates(seed=1)
    storage.people.enroll("alice-01", templates, consent(clock))
    loaded = storage.people.load_templates()
    assert [(pid, masked) for pid, _, masked, _ in loaded] == [("alice-01", False), ("alice-01", True), ("alice-01", True)]
    assert [variant for *_, variant in loaded] == [t.variant for t in templates]
    for (_, embedding, _, _), template in zip(loaded, templates):
        assert embedding.dtype == np.float32 and embedding.shape == (128,)
        np.testing.assert_array_equal(embedding, template.embedding)
    blobs = [blob for (blob,) in storage.db.connection.execute("SELECT embedding FROM templates")]
    assert all(template.embedding.tobytes() not in blob for blob, template in zip(blobs, templates))


def test_without_a_key_file_embeddings_are_stored_plain(
    storage_config: StorageConfig, clock: ManualClock, synthetic_templates: Callable
) -> None:
    templates = synthetic_templates(seed=2, count=1)
    with Storage.open(dataclasses.replace(storage_config, embeddings_key_file=None), clock) as storage:
        storage.people.enroll("bob", templates, consent(clock))
        (blob,) = storage.db.connection.execute("SELECT embedding FROM templates").fetchone()
    assert blob == templates[0].embedding.tobytes()


def test_encrypted_templates_need_the_right_key(storage: Storage, clock: ManualClock, synthetic_templates: Callable) -> None:
    storage.people.enroll("alice-01", synthetic_templates(seed=1), consent(clock))
    with pytest.raises(StorageError, match="no key is configured"):
        PeopleStore(storage.db, None, events=storage.events).load_templates()
    with pytest.raises(StorageError, match="does not authenticate"):
        PeopleStore(storage.db, TemplateCipher(b"\xff" * 32), events=storage.events).load_templates()


def test_a_template_moved_to_another_person_fails_authentication(
    storage: Storage, clock: ManualClock, synthetic_templates: Callable
) -> None:
    storage.people.enroll("alice-01", synthetic_templates(seed=1, count=1), consent(clock))
    storage.people.enroll("mallory", synthetic_templates(seed=2, count=1), consent(clock))
    storage.db.connection.execute(
        "UPDATE templates SET (nonce, embedding) = (SELECT nonce, embedding FROM templates WHERE person_id = 'alice-01')"
        " WHERE person_id = 'mallory'"
    )
    with pytest.raises(StorageError, match="does not authenticate"):
        storage.people.load_templates()


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"recorded_by": " "}, "consent recorded_by is empty"),
        ({"purpose": ""}, "consent purpose is empty"),
        ({"expires_at": 0.0}, "before it is given"),
    ],
)
def test_enrolment_without_a_complete_consent_is_refused(
    storage: Storage, clock: ManualClock, synthetic_templates: Callable, change: dict, problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        storage.people.enroll("alice-01", synthetic_templates(seed=1), dataclasses.replace(consent(clock), **change))
    assert storage.people.list_people() == []


def test_enrolment_with_an_expired_consent_is_refused(storage: Storage, clock: ManualClock, synthetic_templates: Callable) -> None:
    given = consent(clock, days=1)
    clock.advance(2 * DAY_S)
    with pytest.raises(ValueError, match="already expired"):
        storage.people.enroll("alice-01", synthetic_templates(seed=1), given)


def test_embeddings_of_the_wrong_shape_are_refused(storage: Storage, clock: ManualClock, synthetic_templates: Callable) -> None:
    bad = dataclasses.replace(synthetic_templates(seed=1, count=1)[0], embedding=np.zeros(512, np.float32))
    with pytest.raises(ValueError, match=r"shape \(512,\) \(expected 128 finite numbers\)"):
        storage.people.enroll("alice-01", [bad], consent(clock))
    with pytest.raises(ValueError, match="no face templates"):
        storage.people.enroll("alice-01", [], consent(clock))


def test_listing_shows_each_person_with_consent_and_template_count(
    storage: Storage, clock: ManualClock, synthetic_templates: Callable
) -> None:
    storage.people.enroll("bob", synthetic_templates(seed=2, count=2), consent(clock, days=30))
    storage.people.enroll("alice-01", synthetic_templates(seed=1), consent(clock))
    people = storage.people.list_people()
    assert [(p.person_id, p.templates) for p in people] == [("alice-01", 3), ("bob", 2)]
    assert people[1].consent == consent(clock, days=30)


def test_enrolling_an_enrolled_id_again_needs_replace(storage: Storage, clock: ManualClock, synthetic_templates: Callable) -> None:
    storage.people.enroll("alice-01", synthetic_templates(seed=1), consent(clock))
    with pytest.raises(ValueError, match="'alice-01' is already enrolled .*--replace"):
        storage.people.enroll("alice-01", synthetic_templates(seed=3, count=1), consent(clock))
    assert len(storage.people.load_templates()) == 3
    storage.people.enroll("alice-01", synthetic_templates(seed=3, count=1), consent(clock), replace=True)
    assert len(storage.people.load_templates()) == 1


@pytest.mark.parametrize("person_id", ["Alice Smith", "alice smith", "Smith, A.", "ALICE", "", "élise-1", "a" * 65, "-x"])
def test_an_id_that_is_not_a_pseudonymous_code_is_refused(storage: Storage, clock: ManualClock, synthetic_templates: Callable,
                                                          person_id: str) -> None:
    with pytest.raises(ValueError, match="expected a pseudonymous code of lowercase letters, digits and dashes"):
        storage.people.enroll(person_id, synthetic_templates(seed=1, count=1), consent(clock))
    assert storage.people.list_people() == []


def test_templates_of_expired_consents_are_not_loaded_for_matching(
    storage: Storage, clock: ManualClock, synthetic_templates: Callable
) -> None:
    storage.people.enroll("alice-01", synthetic_templates(seed=1), consent(clock, days=1))
    storage.people.enroll("bob", synthetic_templates(seed=2, count=1), consent(clock, days=10))
    later = clock.wall() + 2 * DAY_S
    assert {pid for pid, _, _, _ in storage.people.load_templates(now=later)} == {"bob"}


def test_a_renewed_consent_replaces_the_old_one_keeps_the_templates_and_is_audited(
    storage: Storage, clock: ManualClock, synthetic_templates: Callable
) -> None:
    storage.people.enroll("alice-01", synthetic_templates(seed=1), consent(clock, days=10))
    clock.advance(9 * DAY_S)
    renewed = Consent("entry control at both doors", clock.wall(), clock.wall() + 30 * DAY_S, "reception: K. Roe")
    assert storage.people.renew_consent("alice-01", renewed)
    (person,) = storage.people.list_people()
    assert (person.consent, person.templates) == (renewed, len(synthetic_templates(seed=1)))
    record = list(storage.audit.records())[-1]
    assert record.kind == "consent-renewal" and "alice-01" not in record.details


def test_a_renewal_of_nobody_or_already_expired_changes_nothing(storage: Storage, clock: ManualClock, synthetic_templates: Callable) -> None:
    assert not storage.people.renew_consent("bob-02", consent(clock))
    storage.people.enroll("alice-01", synthetic_templates(seed=1), consent(clock))
    past = Consent("entry", clock.wall() - 2 * DAY_S, clock.wall() - DAY_S, "reception")
    with pytest.raises(ValueError, match="would already have expired"):
        storage.people.renew_consent("alice-01", past)
    assert storage.people.list_people()[0].consent == consent(clock)
    assert [record.kind for record in storage.audit.records()].count("consent-renewal") == 0
