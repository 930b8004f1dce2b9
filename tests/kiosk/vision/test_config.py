from kiosk.vision import VisionConfig


def test_mask_aware_matching_has_a_threshold_per_probe_kind_and_plain_matching_one():
    aware = VisionConfig(masked_templates=True, unmasked_threshold=0.37, masked_threshold=0.42)
    assert aware.match_thresholds == (0.37, 0.42)
    plain = VisionConfig(masked_templates=False, unmasked_threshold=0.37, masked_threshold=0.42)
    assert plain.match_thresholds == (0.37, 0.37)


def test_stored_templates_take_part_only_when_the_config_makes_them():
    variants = ["photo", "photo-mirrored", "surgical-blue", "surgical-blue-mirrored"]
    assert [VisionConfig(masked_templates=True, mirror_templates=True).uses_template(v) for v in variants] == [True] * 4
    assert [VisionConfig(masked_templates=False, mirror_templates=True).uses_template(v) for v in variants] == [True, True, False, False]
    assert [VisionConfig(masked_templates=True, mirror_templates=False).uses_template(v) for v in variants] == [True, False, True, False]
    assert [VisionConfig(masked_templates=False, mirror_templates=False).uses_template(v) for v in variants] == [True, False, False, False]
