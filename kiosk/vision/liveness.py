"""The liveness verdict of one visit: per-frame evidence fused over the last frames of the tracked face.

Pure: no models, no clock. Each analysed frame gives `FrameEvidence` (the fused MiniFASNet P(real)
and the cheap signals that are switched on); a frame that an enabled signal flags scores 0. Once
`frames` frames of the same face (its box overlapping the previous frame's by `min_iou`) are in,
their mean score decides: live at or above `threshold`. A face that is lost or replaced starts
over, so a live face cannot lend its frames to a photo pushed in front of it.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from kiosk.vision.config import LivenessConfig
from kiosk.vision.detector import Box, box_iou


@dataclass(frozen=True)
class FrameEvidence:
    """What one frame says about the face: `p_real` 0..1 from the models; each signal None when not measured."""

    p_real: float
    moire: float | None = None
    frame_edges: float | None = None


@dataclass(frozen=True)
class LivenessVerdict:
    """`score` is the mean frame score that decided; `detail` the operator's sentence (it goes into the audit)."""

    live: bool
    score: float
    frames: int
    detail: str


def flags(evidence: FrameEvidence, config: LivenessConfig) -> list[str]:
    """The enabled signals that call this frame an attack."""
    flagged = []
    if config.moire and evidence.moire is not None and evidence.moire >= config.moire_limit:
        flagged.append("screen moiré")
    if config.frame_edges and evidence.frame_edges is not None and evidence.frame_edges >= config.frame_edge_limit:
        flagged.append("straight edges around the face")
    return flagged


def frame_score(evidence: FrameEvidence, config: LivenessConfig) -> float:
    """P(real), or 0 when an enabled signal flags the frame."""
    return 0.0 if flags(evidence, config) else evidence.p_real


def fuse(evidence: list[FrameEvidence], config: LivenessConfig) -> LivenessVerdict:
    """The verdict on these frames (all of them: the caller keeps the last `frames`)."""
    scores = [frame_score(item, config) for item in evidence]
    score = sum(scores) / len(scores)
    live = score >= config.threshold
    relation = "≥" if live else "<"
    per_frame = ", ".join(f"{value:.2f}" for value in scores)
    detail = f"mean P(real) {score:.2f} {relation} {config.threshold:.2f} over {len(scores)} frame(s) ({per_frame})"
    counts: dict[str, int] = {}
    for item in evidence:
        for name in flags(item, config):
            counts[name] = counts.get(name, 0) + 1
    if counts:
        detail += "; " + ", ".join(f"{name} in {count} of {len(evidence)}" for name, count in counts.items())
    return LivenessVerdict(live, score, len(scores), ("live: " if live else "presentation attack: ") + detail)


class LivenessTrack:
    """Collects the evidence of the face being followed and gives a verdict once `config.frames` frames are in."""

    def __init__(self, config: LivenessConfig, min_iou: float) -> None:
        self.config = config
        self.min_iou = min_iou
        self._box: Box | None = None
        self._evidence: deque[FrameEvidence] = deque(maxlen=config.frames)

    def add(self, box: Box, evidence: FrameEvidence) -> LivenessVerdict | None:
        """Add one frame of the face in `box`; the verdict once enough frames of this face are in, else None."""
        if self._box is not None and box_iou(box, self._box) < self.min_iou:
            self._evidence.clear()  # another face, or the same one jumped: its earlier frames do not count
        self._box = box
        self._evidence.append(evidence)
        if len(self._evidence) < self.config.frames:
            return None
        return fuse(list(self._evidence), self.config)

    def lose(self) -> None:
        """No face in the frame: start over."""
        self._box = None
        self._evidence.clear()
