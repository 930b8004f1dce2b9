"""Small helpers for the words shown to operators."""

from __future__ import annotations


def counted(count: int, noun: str) -> str:
    """`1 template`, `3 templates`: a count with its noun in the right number (English plural by -s)."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
