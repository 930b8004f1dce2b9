"""The `[vision]` config section: models, threads, thresholds, quality limits and the mask policy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from hardware.settings import setting


@dataclass(frozen=True)
class LivenessConfig:
    """The `[vision.liveness]` table: the 'liveness' gate check (README, "Liveness")."""

    threshold: float = setting(
        0.5,
        "mean fused MiniFASNet P(real) over the last `frames` frames at or above which the face counts as live, 0..1;"
        " upstream's real sample scores 1.00, its spoofs 0.31 and 0.003 (README, 'Liveness')",
        min=0,
        max=1,
    )
    frames: int = setting(
        3, "frames of the same tracked face whose scores are averaged before deciding (0.2 s at 15 frames/s)", min=1, max=30
    )
    moire: bool = setting(
        False,
        "also refuse a frame whose face shows a screen's pixel-grid moiré (a sharp high-frequency peak); off: it caught no"
        " attack the models missed on the synthetic set (docs/liveness.md)",
    )
    moire_limit: float = setting(
        14.0, "peak-to-median ratio of the face's high-frequency spectrum at or above which a frame counts as a screen", min=1, max=1000
    )
    frame_edges: bool = setting(
        False,
        "also refuse a frame with long straight edges on several sides of the face (a phone bezel, a sheet's edge); off:"
        " at BPCER <= 5 % it did not lower APCER on the synthetic set (docs/liveness.md)",
    )
    frame_edge_limit: float = setting(
        0.75, "share of the face's four sides with a straight edge at or above which a frame counts as framed, 0..1", min=0, max=1
    )


@dataclass(frozen=True)
class VisionConfig:
    models_dir: str = setting("", "folder with the ONNX models; empty: $KIOSK_MODELS_DIR, else /var/lib/kiosk/models")
    threads: int = setting(1, "onnxruntime intra-op threads per model", min=1, max=8)
    detect_score: float = setting(
        0.5,
        "minimum YuNet face score; masks lower it (at 0.6, 3 of the 100 masked dev photos had no face, at 0.5 one;"
        " no bare one scores below 0.7)",
        min=0.1,
        max=0.99,
    )
    detect_max_side_px: int = setting(
        640,
        "frames larger than this are scaled down for detection (landmarks are mapped back), pixels; 480 and 320"
        " detect faster but lowered TAR on the dev pairs (README, bench vision_detect_size)",
        min=160,
        max=4096,
    )
    detect_coarse_side_px: int = setting(
        320,
        "larger detection frames are first searched at this size, then each face found is looked at again on a crop"
        " at full detection resolution (same landmarks, about half the cost); at or above detect_max_side_px: one pass, pixels",
        min=96,
        max=4096,
    )
    unmasked_threshold: float = setting(
        0.365,
        "cosine at or above which a face matches: FAR 1e-3 over 2.4 million impostor comparisons of the LFW dev"
        " photos (0.364-0.365 tuned on either half of the people, FAR 0.99-1.02e-3 on the other; bench vision_matching);"
        " with plain matching it applies to masked faces too (their impostors reach FAR 1e-3 at 0.347)",
        min=-1,
        max=1,
    )
    masked_threshold: float = setting(
        0.417,
        "with masked_templates only: cosine at or above which a masked face matches (FAR 1e-3, synthetic masks on LFW dev)",
        min=-1,
        max=1,
    )
    masked_templates: bool = setting(
        False,
        "mask-aware matching: enrol synthetic-mask renderings of each bare photo and compare masked probes with them at"
        " masked_threshold. Off: every probe meets the photos alone at unmasked_threshold, as OpenCV's own pipeline does."
        " It gained 1-3 points of TAR at FAR 1e-3 on held-out styles of the same mask renderer, but lost to plain matching"
        " on real masked pairs (0.941 against 0.972 at FAR 1e-2) and on another renderer's masks (README, 'Vision')",
    )
    mirror_templates: bool = setting(
        False,
        "enrol each photo's mirror image beside it: the same TAR on bare LFW dev probes, +0.3 / -0.4 points on held-out"
        " synthetic masks (either half of the people), so off (README, 'Vision')",
    )
    rescue_masked_faces: bool = setting(
        True,
        "when YuNet finds no face, look again where the mask model's own detector sees one, accepting a YuNet score"
        " from 0.2 there (masks lower YuNet's score); one mask-model run more on frames without a face; only where the"
        " mask model runs (mask_policy 'require', the 'mask' check, mask-aware matching) (README, 'Vision')",
    )
    mask_score: float = setting(0.5, "mask probability at or above which a face counts as masked", min=0, max=1)
    mask_int8: bool = setting(
        False,
        "run the mask model's convolutions in int8 (ranges in models/mask_int8_ranges.json), but only where a check at"
        " load finds int8 gives the float verdicts on this CPU (else float, with the reason logged): a third faster with"
        " AVX512-VNNI, no faster with AVX2 alone, whose int8 sums saturate (README, 'Vision'); false: float, the same on every CPU",
    )
    mask_policy: Literal["require", "allow", "ignore"] = setting(
        "allow",
        "'require' a mask (runs the mask model, which must be present), 'allow' faces with or without (the mask model"
        " runs only for mask-aware matching or the 'mask' gate check), or 'ignore' masks",
    )
    min_face_px: int = setting(80, "smallest face box side accepted, pixels", min=16, max=2000)
    max_yaw_deg: float = setting(30.0, "largest head turn (left/right) estimated from landmarks, degrees", min=5, max=90)
    max_roll_deg: float = setting(25.0, "largest head tilt (eye line from horizontal), degrees", min=5, max=90)
    max_pitch_ratio: float = setting(
        0.25, "largest up/down nod: |eyes-to-nose / eyes-to-mouth distance - 0.49|, where 0.49 is frontal", min=0.05, max=1
    )
    min_sharpness: float = setting(25.0, "smallest variance of the Laplacian on the aligned eye region", min=0, max=10000)
    min_brightness: float = setting(40.0, "darkest mean grey level of the aligned face, 0..255", min=0, max=255)
    max_brightness: float = setting(220.0, "brightest mean grey level of the aligned face, 0..255", min=0, max=255)
    unchanged_frame_level: float = setting(
        2.0, "mean grey-level change below which a camera frame is treated as unchanged, 0..255", min=0, max=255
    )
    mask_track_frames: int = setting(
        5,
        "camera frames a tracked face keeps its mask verdict before the mask model runs again; 0 checks every frame",
        min=0,
        max=100,
    )
    track_min_iou: float = setting(
        0.6, "box overlap (IoU) with the box the mask was checked on, at or above which a face counts as the same one", min=0.1, max=1
    )
    liveness: LivenessConfig = setting(LivenessConfig(), "the 'liveness' gate check: MiniFASNet threshold, frames fused, extra signals")

    @property
    def needs_mask_model(self) -> bool:
        """Whether this config uses mask verdicts: a required mask, or mask-aware matching (the 'mask' gate check adds one)."""
        return self.mask_policy == "require" or self.masked_templates

    @property
    def match_thresholds(self) -> tuple[float, float]:
        """(unmasked, masked) thresholds for `Gallery`: the masked one applies only with mask-aware matching."""
        return self.unmasked_threshold, self.masked_threshold if self.masked_templates else self.unmasked_threshold

    def uses_template(self, variant: str) -> bool:
        """Whether a stored template of this variant takes part in matching under this config."""
        photo = variant in ("photo", "photo-mirrored")
        return (photo or self.masked_templates) and (self.mirror_templates or not variant.endswith("-mirrored"))

    def validate(self) -> list[str]:
        if self.min_brightness >= self.max_brightness:
            return [f"min_brightness = {self.min_brightness}: expected less than max_brightness = {self.max_brightness}"]
        return []
