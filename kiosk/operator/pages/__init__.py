"""The operator page's routes, one module per page; each page's JSON twin under /api/v1 sits beside it."""

from __future__ import annotations

from datetime import datetime, timezone


def when(epoch_s: float) -> str:
    """A stored time as the pages show it."""
    return datetime.fromtimestamp(epoch_s, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
