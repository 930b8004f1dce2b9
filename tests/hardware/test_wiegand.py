"""Wiegand frames as a panel reads them: a decoder written from the spec (not from the encoder) reads the edges.

Both outputs are checked: the simulated one's recorded edges, and the lgpio driver's wave, captured
by a stand-in lgpio module that turns the queued pulses into edges.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from hardware.clock import ManualClock
from hardware.wiegand import GpioWiegandConfig, SimulatedWiegandConfig, WiegandOutput, open_wiegand, pulse_train
from hardware.wiegand.frames import CardNumber, encode, to_bytes

# SIA 26-bit reader interface limits (hardware.md §3.3).
PULSE_MIN_S, PULSE_MAX_S = 20e-6, 100e-6
INTERVAL_MIN_S, INTERVAL_MAX_S = 200e-6, 20e-3


@dataclass(frozen=True)
class Edge:
    line: str
    low: bool
    at: float


def decode(edges: list[Edge]) -> str:
    """The bits a panel reads ('0' = D0 pulse, '1' = D1 pulse); asserts the SIA pulse and interval limits."""
    bits = []
    starts: list[float] = []
    low_since: dict[str, float] = {}
    for edge in edges:
        if edge.low:
            assert not low_since, f"{edge.line} pulled low at {edge.at} while {low_since} is still low"
            low_since[edge.line] = edge.at
            bits.append("1" if edge.line == "D1" else "0")
            starts.append(edge.at)
        else:
            width = edge.at - low_since.pop(edge.line)
            assert PULSE_MIN_S <= width <= PULSE_MAX_S, f"pulse of {width * 1e6:.1f} µs on {edge.line}"
    assert not low_since, f"{low_since} left low at the end of the frame"
    for earlier, later in zip(starts, starts[1:]):
        assert INTERVAL_MIN_S <= later - earlier <= INTERVAL_MAX_S, f"interval of {(later - earlier) * 1e6:.1f} µs"
    return "".join(bits)


def fields(frame: str) -> tuple[int, int]:
    """Facility and card from a 26- or 34-bit frame, after checking both parity bits."""
    payload = frame[1:-1]
    half = len(payload) // 2
    assert (frame[0] + payload[:half]).count("1") % 2 == 0, f"even parity fails in {frame}"
    assert (payload[half:] + frame[-1]).count("1") % 2 == 1, f"odd parity fails in {frame}"
    facility_bits = {26: 8, 34: 16}[len(frame)]
    return int(payload[:facility_bits], 2), int(payload[facility_bits:], 2)


def make_fake_lgpio(clock: ManualClock) -> types.ModuleType:
    """Just the lgpio calls the driver makes; each queued wave becomes edges from the clock's time."""
    lgpio = types.ModuleType("lgpio")
    lgpio.error = type("error", (Exception,), {})
    lgpio.TX_WAVE = 1
    lgpio.edges = []
    lgpio.levels = {}
    lgpio.closed = False

    @dataclass
    class pulse:
        group_bits: int
        group_mask: int
        pulse_delay: int

    lgpio.pulse = pulse

    def gpiochip_open(chip: int) -> int:
        if chip > 4:
            raise lgpio.error("no such chip")
        return chip

    def gpio_get_chip_info(handle: int) -> list:
        return [0, 54, f"gpiochip{handle}", "pinctrl-rp1" if handle == 4 else "rp1-other"]

    def group_claim_output(handle: int, pins: list[int], levels: list[int]) -> int:
        lgpio.chip = handle
        lgpio.pins = pins
        lgpio.levels = dict(zip(("D0", "D1"), levels))
        return 0

    def tx_wave(handle: int, leader: int, pulses: list) -> int:
        at = clock.monotonic()
        for p in pulses:
            for index, line in enumerate(("D0", "D1")):
                level = p.group_bits >> index & 1
                if p.group_mask >> index & 1 and level != lgpio.levels[line]:
                    lgpio.levels[line] = level
                    lgpio.edges.append(Edge(line, low=level == 1, at=at))  # inverting stage: pin high = line low
            at += p.pulse_delay / 1e6
        return 0

    lgpio.gpiochip_open = gpiochip_open
    lgpio.gpio_get_chip_info = gpio_get_chip_info
    lgpio.group_claim_output = group_claim_output
    lgpio.tx_wave = tx_wave
    lgpio.tx_busy = lambda handle, gpio, kind: 0
    lgpio.group_free = lambda handle, gpio: 0
    lgpio.gpiochip_close = lambda handle: setattr(lgpio, "closed", True)
    return lgpio


@pytest.fixture(params=["simulated", "gpio"])
def output(request: pytest.FixtureRequest, clock: ManualClock, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[WiegandOutput, Callable[[], list[Edge]]]]:
    if request.param == "gpio":
        lgpio = make_fake_lgpio(clock)
        monkeypatch.setitem(sys.modules, "lgpio", lgpio)
        yield open_wiegand(GpioWiegandConfig(), clock), lambda: lgpio.edges
    else:
        simulated = open_wiegand(SimulatedWiegandConfig(), clock)
        yield simulated, lambda: [Edge(e.line, e.low, e.at) for e in simulated.edges]


def test_26_bit_frame_of_facility_123_card_45678_has_known_bits_and_parity(output) -> None:
    wiegand, edges = output
    wiegand.send(encode(CardNumber(123, 45678, 26)))
    frame = decode(edges())
    # 123 = 01111011, 45678 = 1011001001101110; the first 12 data bits hold 9 ones (even bit 1), the last 12 hold 6 (odd bit 1).
    assert frame == "1" + "01111011" + "1011001001101110" + "1"
    assert fields(frame) == (123, 45678)


@pytest.mark.parametrize(
    ("facility", "number", "bits"),
    [(0, 0, 26), (255, 65535, 26), (1, 1, 26), (123, 45678, 34), (65535, 65535, 34), (4660, 1, 34), (0, 0, 34)],
)
def test_frames_decode_to_their_card_with_valid_parity(output, facility: int, number: int, bits: int) -> None:
    wiegand, edges = output
    wiegand.send(encode(CardNumber(facility, number, bits)))
    frame = decode(edges())
    assert len(frame) == bits
    assert fields(frame) == (facility, number)


def test_34_bit_parity_covers_16_bit_halves() -> None:
    frame = "".join("1" if bit else "0" for bit in encode(CardNumber(1, 0, 34)))
    # facility 1 puts a single 1 in the first 16 data bits: even parity bit 1; the card half is all zero: odd bit 1.
    assert frame == "1" + "0" * 15 + "1" + "0" * 16 + "1"


def test_a_frame_sent_during_another_follows_it(clock: ManualClock) -> None:
    wiegand = open_wiegand(SimulatedWiegandConfig(pulse_us=50, interval_us=1000), clock)
    wiegand.send(encode(CardNumber(1, 2, 26)))
    wiegand.send(encode(CardNumber(3, 4, 26)))
    both = [Edge(e.line, e.low, e.at) for e in wiegand.edges]
    frame = decode(both)
    assert fields(frame[:26]) == (1, 2) and fields(frame[26:]) == (3, 4)
    assert both[0].at == 0.0 and both[52].at == pytest.approx(0.026)  # second frame starts one frame later


def test_gpio_driver_finds_the_header_chip_and_idles_both_lines(clock: ManualClock, monkeypatch: pytest.MonkeyPatch) -> None:
    lgpio = make_fake_lgpio(clock)
    monkeypatch.setitem(sys.modules, "lgpio", lgpio)
    wiegand = open_wiegand(GpioWiegandConfig(d0_pin=20, d1_pin=21), clock)
    assert lgpio.chip == 4 and lgpio.pins == [20, 21]
    assert lgpio.levels == {"D0": 0, "D1": 0}  # inverting stage: pins low = lines released high
    wiegand.close()
    assert lgpio.closed


def test_gpio_driver_without_lgpio_says_what_to_install(clock: ManualClock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "lgpio", None)
    with pytest.raises(ImportError, match="wiegand.driver 'gpio' needs the Python module 'lgpio'"):
        open_wiegand(GpioWiegandConfig(), clock)


@pytest.mark.parametrize(("facility", "number", "bits"), [(256, 1, 26), (1, 65536, 26), (65536, 1, 34), (-1, 1, 26)])
def test_card_numbers_outside_the_frame_are_refused(facility: int, number: int, bits: int) -> None:
    with pytest.raises(ValueError, match="expected 0-"):
        CardNumber(facility, number, bits)


def test_pulse_longer_than_its_interval_is_refused() -> None:
    with pytest.raises(ValueError, match="expected a pulse shorter than its interval"):
        pulse_train([True], 300, 200)


def test_frame_bytes_are_packed_most_significant_bit_first() -> None:
    assert to_bytes(encode(CardNumber(123, 45678, 26))) == bytes([0b10111101, 0b11011001, 0b00110111, 0b01000000])
