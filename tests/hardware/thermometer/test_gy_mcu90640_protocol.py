"""GY-MCU90640 frame decoder: round trips, resynchronisation, corrupt checksums, fuzzed streams."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from hardware.thermometer.gy_mcu90640_protocol import (
    CMD_BAUD,
    CMD_EMISSIVITY,
    CMD_MODE,
    CMD_RATE,
    COLUMNS,
    FRAME_SIZE,
    HEADER,
    MODE_CONTINUOUS,
    MODE_QUERY,
    ROWS,
    FrameDecoder,
    command,
    encode_frame,
)

images = arrays(np.int16, (ROWS, COLUMNS)).map(lambda centi: centi / 100.0)
ambients = st.integers(-32768, 32767).map(lambda centi: centi / 100)


def _image(seed: int = 0) -> np.ndarray:
    return np.round(np.random.default_rng(seed).uniform(20, 37, (ROWS, COLUMNS)), 2)


def test_frame_has_the_documented_layout():
    image = _image()
    frame = encode_frame(image, 23.45)
    assert len(frame) == FRAME_SIZE
    assert frame[:4] == HEADER
    assert int.from_bytes(frame[4:6], "little", signed=True) == round(image[0, 0] * 100)
    assert int.from_bytes(frame[1540:1542], "little", signed=True) == 2345
    words = np.frombuffer(frame[:1542], dtype="<u2")
    assert int.from_bytes(frame[1542:], "little") == int(words.sum()) & 0xFFFF


def test_commands_carry_the_documented_checksums():
    assert command(CMD_MODE, MODE_CONTINUOUS) == bytes.fromhex("A53502DC")
    assert command(CMD_MODE, MODE_QUERY) == bytes.fromhex("A53501DB")
    assert [command(CMD_BAUD, code).hex().upper() for code in (1, 2, 3)] == ["A51501BB", "A51502BC", "A51503BD"]
    assert command(CMD_RATE, 1) == bytes.fromhex("A52501CB")
    assert command(CMD_EMISSIVITY, 98) == bytes.fromhex("A545624C")  # emissivity 0.98


def test_round_trip_keeps_pixels_rows_and_ambient():
    image = _image()
    (sample,) = FrameDecoder().feed(encode_frame(image, 23.45))
    np.testing.assert_array_equal(sample.pixels_c, image)
    assert sample.ambient_c == 23.45
    assert sample.reading(1.5).object_c == image.max()


def test_corrupt_checksum_is_rejected_and_the_next_frame_kept():
    decoder = FrameDecoder()
    bad = bytearray(encode_frame(_image(1), 22.0))
    bad[100] ^= 0x01
    (sample,) = decoder.feed(bytes(bad) + encode_frame(_image(2), 22.5))
    np.testing.assert_array_equal(sample.pixels_c, _image(2))
    assert decoder.bad_checksums == 1


def test_header_split_across_reads_is_found():
    frame = encode_frame(_image(), 22.0)
    decoder = FrameDecoder()
    assert decoder.feed(b"\x01\x02" + frame[:3]) == []
    assert len(decoder.feed(frame[3:])) == 1


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(images, ambients), min_size=1, max_size=3), st.binary(max_size=50), st.data())
def test_frames_after_garbage_in_any_chunking_decode_to_themselves(originals, garbage, data):
    stream = garbage + b"".join(encode_frame(image, ambient) for image, ambient in originals)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=6)))
    decoder = FrameDecoder()
    decoded = []
    for start, end in zip([0, *cuts], [*cuts, len(stream)]):
        decoded += decoder.feed(stream[start:end])
    tail = decoded[-len(originals) :]
    assert len(tail) == len(originals)
    for sample, (image, ambient) in zip(tail, originals):
        np.testing.assert_array_equal(sample.pixels_c, image)
        assert sample.ambient_c == ambient


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=4000))
def test_arbitrary_bytes_never_raise_and_keep_less_than_a_frame(stream):
    decoder = FrameDecoder()
    decoder.feed(stream)
    assert decoder.pending_bytes < FRAME_SIZE
