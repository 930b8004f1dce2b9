"""Wiegand card frames: H10301 26-bit and the common 34-bit format, most significant bit first.

26-bit (HID H10301): bit 1 is even parity over bits 2-13, bits 2-9 the facility code (0-255),
bits 10-25 the card number (0-65535), bit 26 odd parity over bits 14-25.
34-bit: bit 1 even parity over bits 2-17, bits 2-17 the facility code (0-65535), bits 18-33 the
card number (0-65535), bit 34 odd parity over bits 18-33.
Sources: shared reference hardware.md §3.3 (HID/RF IDeas for 26-bit, Nitgen/Promag for 34-bit).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

FrameBits = Literal[26, 34]
FACILITY_BITS = {26: 8, 34: 16}
CARD_BITS = 16


@dataclass(frozen=True)
class CardNumber:
    """A card as a panel knows it: facility (site) code and card number in a 26- or 34-bit frame."""

    facility: int
    number: int
    bits: FrameBits = 26

    def __post_init__(self) -> None:
        if self.bits not in FACILITY_BITS:
            raise ValueError(f"Wiegand frame of {self.bits} bits: expected 26 or 34")
        facility_max = (1 << FACILITY_BITS[self.bits]) - 1
        if not 0 <= self.facility <= facility_max:
            raise ValueError(f"facility code {self.facility}: expected 0-{facility_max} for a {self.bits}-bit frame")
        if not 0 <= self.number <= (1 << CARD_BITS) - 1:
            raise ValueError(f"card number {self.number}: expected 0-{(1 << CARD_BITS) - 1} for a {self.bits}-bit frame")


def encode(card: CardNumber) -> tuple[bool, ...]:
    """The frame's bits, first-sent first, parity bits included."""
    payload_bits = FACILITY_BITS[card.bits] + CARD_BITS
    payload = (card.facility << CARD_BITS) | card.number
    data = tuple(bool(payload >> (payload_bits - 1 - i) & 1) for i in range(payload_bits))
    half = payload_bits // 2
    even = sum(data[:half]) % 2 == 1  # makes the first half plus this bit even
    odd = sum(data[half:]) % 2 == 0  # makes the second half plus this bit odd
    return (even, *data, odd)


def to_bytes(bits: tuple[bool, ...]) -> bytes:
    """Bits packed most significant first, the last byte padded with zeros (OSDP raw card data)."""
    packed = bytearray((len(bits) + 7) // 8)
    for index, bit in enumerate(bits):
        if bit:
            packed[index // 8] |= 0x80 >> (index % 8)
    return bytes(packed)
