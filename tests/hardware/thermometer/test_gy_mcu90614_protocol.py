"""GY-MCU90614 frame decoder: the datasheet example, torn frames, noise, corrupt checksums, fuzzed streams."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from hardware.thermometer.gy_mcu90614_protocol import (
    CMD_AUTO_OUTPUT_OFF,
    CMD_AUTO_OUTPUT_ON,
    CMD_BAUD_115200,
    CMD_BAUD_9600,
    CMD_CONTINUOUS,
    CMD_QUERY,
    FrameDecoder,
    SpotSample,
    command,
    encode_frame,
)

DATASHEET_FRAME = bytes.fromhex("5A5A45040C780D19A7")
temperatures = st.integers(-32768, 32767).map(lambda centi: centi / 100)
samples = st.builds(SpotSample, temperatures, temperatures)


def test_datasheet_example_decodes_to_its_temperatures():
    assert FrameDecoder().feed(DATASHEET_FRAME) == [SpotSample(31.92, 33.53)]


def test_encoder_reproduces_the_datasheet_frame():
    assert encode_frame(31.92, 33.53) == DATASHEET_FRAME


def test_commands_carry_the_documented_checksums():
    assert command(CMD_CONTINUOUS) == bytes.fromhex("A545EA")
    assert command(CMD_QUERY) == bytes.fromhex("A515BA")
    assert command(CMD_BAUD_9600) == bytes.fromhex("A5AE53")
    assert command(CMD_BAUD_115200) == bytes.fromhex("A5AF54")
    assert command(CMD_AUTO_OUTPUT_ON) == bytes.fromhex("A551F6")
    assert command(CMD_AUTO_OUTPUT_OFF) == bytes.fromhex("A552F7")


def test_negative_temperatures_are_signed():
    assert FrameDecoder().feed(encode_frame(-40.5, -0.01)) == [SpotSample(-40.5, -0.01)]


def test_torn_frame_is_completed_by_the_next_read():
    decoder = FrameDecoder()
    assert decoder.feed(DATASHEET_FRAME[:5]) == []
    assert decoder.feed(DATASHEET_FRAME[5:]) == [SpotSample(31.92, 33.53)]


def test_noise_before_a_frame_is_skipped_and_counted():
    decoder = FrameDecoder()
    assert decoder.feed(b"\x00\x5a\x13\xff\x5a" + DATASHEET_FRAME) == [SpotSample(31.92, 33.53)]
    assert decoder.discarded_bytes == 5


def test_corrupt_checksum_is_rejected_counted_and_the_next_frame_kept():
    decoder = FrameDecoder()
    corrupt = DATASHEET_FRAME[:-1] + b"\x00"
    good = encode_frame(36.5, 22.0)
    assert decoder.feed(corrupt + good) == [SpotSample(36.5, 22.0)]
    assert decoder.bad_checksums == 1


def test_other_frame_types_are_checked_and_skipped():
    emissivity = bytes((0x5A, 0x5A, 0x25, 0x01, 0x62))
    emissivity += bytes((sum(emissivity) & 0xFF,))
    decoder = FrameDecoder()
    assert decoder.feed(emissivity + DATASHEET_FRAME) == [SpotSample(31.92, 33.53)]
    assert decoder.skipped_frames == 1


@given(st.lists(samples, max_size=20), st.data())
def test_any_frames_in_any_chunking_decode_to_themselves(originals, data):
    stream = b"".join(encode_frame(s.object_c, s.ambient_c) for s in originals)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=10)))
    decoder = FrameDecoder()
    decoded = []
    for start, end in zip([0, *cuts], [*cuts, len(stream)]):
        decoded += decoder.feed(stream[start:end])
    assert decoded == originals


@given(st.binary(max_size=64), st.lists(samples, min_size=1, max_size=5))
def test_garbage_without_a_header_before_frames_loses_nothing(garbage, originals):
    garbage = garbage.replace(b"\x5a", b"")
    stream = garbage + b"".join(encode_frame(s.object_c, s.ambient_c) for s in originals)
    assert FrameDecoder().feed(stream) == originals


@given(st.lists(samples, min_size=1, max_size=8), st.data())
def test_one_corrupted_byte_never_yields_a_wrong_value(originals, data):
    stream = bytearray(b"".join(encode_frame(s.object_c, s.ambient_c) for s in originals))
    position = data.draw(st.integers(0, len(stream) - 1))
    stream[position] ^= data.draw(st.integers(1, 255))
    decoded = FrameDecoder().feed(bytes(stream))
    remaining = iter(originals)
    assert all(sample in remaining for sample in decoded), "decoded samples must be an in-order subset"
    assert len(decoded) >= len(originals) - 2


@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_raise_and_leave_at_most_one_partial_frame(stream):
    decoder = FrameDecoder()
    decoder.feed(stream)
    assert decoder.pending_bytes < 4 + 8 + 1


def test_capture_joined_mid_frame_loses_only_the_torn_frame():
    capture = bytes.fromhex(
        "0D19A7"  # tail of a frame the capture started in
        "5A5A45040C780D19A7"
        "5A5A45040E420D1A74"
        "5A5A4504F9C00D1ADD"
    )
    assert FrameDecoder().feed(capture) == [SpotSample(31.92, 33.53), SpotSample(36.50, 33.54), SpotSample(-16.0, 33.54)]


def test_rs485_variant_with_a_trailing_id_byte_still_decodes():
    """The ZKRT firmware appends an address byte (hardware.md §1.1); it is skipped as noise."""
    stream = b"".join(encode_frame(value, 22.0) + b"\x14" for value in (36.1, 36.2, 36.3))
    assert [s.object_c for s in FrameDecoder().feed(stream)] == [36.1, 36.2, 36.3]
