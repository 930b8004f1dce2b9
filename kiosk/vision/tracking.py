"""Following one face across camera frames, so its mask verdict is reused instead of re-checked every frame.

The box must keep overlapping the box the verdict was made on (not just the previous frame's), so a
face that drifts, turns away or is replaced gets a fresh check; recognition (the embedding) still
runs on every analysed frame. hardware.md §5.2 item 8: track rather than re-recognise every frame.
"""

from __future__ import annotations

from kiosk.vision.detector import Box, box_iou
from kiosk.vision.mask import MaskVerdict


class MaskTrack:
    """The mask verdict of the face being followed, valid for `reuse_frames` frames while its box overlaps by `min_iou`."""

    def __init__(self, reuse_frames: int, min_iou: float) -> None:
        self.reuse_frames = reuse_frames
        self.min_iou = min_iou
        self._box: Box | None = None
        self._verdict: MaskVerdict | None = None
        self._reused = 0

    def verdict_for(self, box: Box) -> MaskVerdict | None:
        """The tracked verdict when `box` is still the same face and the verdict is fresh enough; else None (check again)."""
        if self._verdict is None or self._box is None or self._reused >= self.reuse_frames:
            return None
        if box_iou(box, self._box) < self.min_iou:
            return None
        self._reused += 1
        return self._verdict

    def start(self, box: Box, verdict: MaskVerdict) -> None:
        """Follow the face in `box`, just checked with `verdict`."""
        self._box, self._verdict, self._reused = box, verdict, 0

    def lose(self) -> None:
        """The face left the frame: the next face gets a fresh check."""
        self._box, self._verdict = None, None
