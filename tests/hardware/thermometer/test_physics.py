"""The simulators' physics: field-of-view fill, reflection, the arriving subject, the rendered face."""

from __future__ import annotations

import numpy as np
import pytest

from hardware.thermometer.optics import blend_radiance, full_fill_distance_m, spot_fill_fraction
from hardware.thermometer.physics import Room, SensorErrors, Subject, array_scene_c, spot_scene_c


def test_forehead_fills_a_narrow_field_of_view_up_close_only():
    full = full_fill_distance_m(10.0, 0.06)
    assert full == pytest.approx(0.343, abs=0.001)
    assert spot_fill_fraction(full * 0.9, 10.0, 0.06) == 1.0
    assert spot_fill_fraction(full * 2, 10.0, 0.06) == pytest.approx(0.25)


def test_fill_fraction_rejects_a_non_positive_distance():
    with pytest.raises(ValueError, match="distance_m = 0"):
        spot_fill_fraction(0.0, 10.0, 0.06)


def test_a_small_forehead_far_away_reads_low():
    near = Subject(site_c=35.0, distance_m=0.2, arrived_at=0.0, approach_s=0.01)
    far = Subject(site_c=35.0, distance_m=0.6, arrived_at=0.0, approach_s=0.01)
    near_c = spot_scene_c(near, 22.0, 1.0, 10.0, 0.06)
    far_c = spot_scene_c(far, 22.0, 1.0, 10.0, 0.06)
    assert near_c == pytest.approx(35.0, abs=0.3)
    assert far_c < near_c - 5


def test_skin_reflects_the_room_so_reads_slightly_low_at_emissivity_098():
    subject = Subject(site_c=35.0, distance_m=0.1, arrived_at=0.0, emissivity=0.98, approach_s=0.01)
    assert 34.6 < spot_scene_c(subject, 22.0, 1.0, 10.0, 0.06) < 34.9


def test_skin_warms_as_the_subject_acclimatises_and_the_reading_rises_on_approach():
    subject = Subject(site_c=35.0, distance_m=0.2, arrived_at=10.0, cold_deficit_c=1.0, recovery_s=100.0, approach_s=0.5)
    assert subject.site_at(10.0) == pytest.approx(34.0)
    assert subject.site_at(110.0) == pytest.approx(35.0 - np.exp(-1))
    assert subject.distance_at(10.0) == subject.approach_from_m
    assert subject.distance_at(10.5) == pytest.approx(0.2)
    assert spot_scene_c(subject, 22.0, 10.1, 10.0, 0.06) < spot_scene_c(subject, 22.0, 10.6, 10.0, 0.06)


def test_blend_of_one_surface_is_that_surface():
    assert blend_radiance([(1.0, 36.6)]) == pytest.approx(36.6)


def test_room_drift_is_a_seeded_random_walk():
    room_a, room_b = Room(22.0, np.random.default_rng(5)), Room(22.0, np.random.default_rng(5))
    path_a = [room_a.ambient_at(t) for t in range(0, 600, 60)]
    path_b = [room_b.ambient_at(t) for t in range(0, 600, 60)]
    assert path_a[0] == 22.0
    assert path_a == path_b
    assert path_a[-1] != 22.0 and abs(path_a[-1] - 22.0) < 2.0


def test_sensor_errors_quantise_to_the_resolution():
    errors = SensorErrors(gain=1.0, offset_c=0.0, noise_c=0.0, resolution_c=0.02)
    assert errors.measure(36.513, 22.0, np.random.default_rng(0)) == pytest.approx(36.52)


def test_die_temperature_coefficient_shifts_readings_with_the_room():
    errors = SensorErrors(noise_c=0.0, resolution_c=0.01, ambient_bias_c=0.0, die_coefficient=0.02)
    rng = np.random.default_rng(0)
    assert errors.measure(36.0, 25.0, rng) == pytest.approx(36.0)
    assert errors.measure(36.0, 15.0, rng) == pytest.approx(35.8)


def test_rendered_face_has_its_hottest_pixels_at_the_canthi_and_room_around_it():
    subject = Subject(site_c=35.5, distance_m=0.25, arrived_at=0.0, approach_s=0.01)
    image = array_scene_c(subject, 21.0, 1.0, (24, 32), (55.0, 35.0))
    assert image.shape == (24, 32)
    assert image[0, 0] == pytest.approx(21.0)
    assert 34.5 < image.max() <= 35.5
    row, column = np.unravel_index(image.argmax(), image.shape)
    assert row < 12  # eyes sit above the face's centre
