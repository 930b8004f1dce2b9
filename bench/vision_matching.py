"""Matching variants against each other and the OpenCV baseline, tuned on one half of the dev people and judged on the other.

Variants (README, "Vision"): `plain` (the photo alone, one threshold: what OpenCV's pipeline does),
`mirror` (photo and mirror image, one threshold), `mask-aware` (photo, mirror and six synthetic-mask
renderings for masked probes, a threshold per probe kind: the kiosk's old default), and `opencv`
(cv2.FaceDetectorYN + FaceRecognizerSF alignCrop/feature on the same images). Probes: bare, masked with
a held-out style (evaluation styles), and both sides masked. Thresholds are set at FAR 1e-3 on every
enrolled × probe impostor comparison within one half of the LFW dev people (split by a hash of the name)
and judged on the other half (TAR on its listed same-person pairs, FAR on its impostor comparisons),
both ways round. Real masked photos (../shared/faces-dev/mask-photos, no identities) can only be
impostors: their FAR against every LFW dev photo at each variant's threshold says whether a variant
lets real masks through. Embeddings are cached in $TMPDIR/kiosk-vision-matching.npz.
"""

from __future__ import annotations

import os
import tempfile
import zlib
from pathlib import Path

import numpy as np

from kiosk import models
from kiosk.vision import FacePipeline, VisionConfig
from kiosk.vision.align import align_face
from kiosk.vision.baseline import OpenCVFaces
from kiosk.vision.eval_masks import images_in, on_canvas
from kiosk.vision.evaluate import PAIRS_DETECT_SCORE, central_face, mask_style_for, read_image
from kiosk.vision.metrics import threshold_at_far
from kiosk.vision.pairs import read_pairs
from kiosk.vision.synthetic_mask import ENROLMENT_STYLES, render_mask

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
CACHE = Path(os.environ.get("TMPDIR", tempfile.gettempdir())) / "kiosk-vision-matching.npz"
FAR = 1e-3
CONDITIONS = ("bare", "masked", "both")


def _embed_lfw(pipeline: FacePipeline, opencv: OpenCVFaces, paths: list[Path]) -> dict[str, np.ndarray]:
    """Per image: photo, mirror, 6 synthetic templates (12 with mirrors), two held-out masked probes, their mask verdicts, OpenCV's."""
    n, nan = len(paths), np.full(128, np.nan, np.float32)
    out = {k: np.full((n, 128), np.nan, np.float32) for k in ("photo", "mirror", "probe1", "probe2", "probe1_mirror", "cv_bare", "cv_probe1", "cv_probe2")}
    out["synthetic"] = np.full((n, 2 * len(ENROLMENT_STYLES), 128), np.nan, np.float32)
    out["masked"] = np.zeros((n, 3), bool)  # classifier verdict on bare, probe1, probe2
    for i, path in enumerate(paths):
        image = read_image(path)
        face = central_face(pipeline.detector.detect(image), image.shape)
        if face is None:
            continue
        aligned = align_face(image, face.landmarks)
        out["photo"][i], out["mirror"][i] = pipeline.embedder.embed(aligned), pipeline.embedder.embed(aligned[:, ::-1])
        out["masked"][i, 0] = pipeline.mask_classifier.classify(image, face.box).masked
        out["synthetic"][i] = [t.embedding for t in pipeline.masked_templates(image, face.landmarks)]
        out["cv_bare"][i] = _or(opencv.embed(image), nan)
        for k, shift in ((1, 0), (2, 1)):
            masked_image = render_mask(image, face.landmarks, mask_style_for(path, shift))
            probe = central_face(pipeline.detector.detect(masked_image), masked_image.shape)
            out[f"cv_probe{k}"][i] = _or(opencv.embed(masked_image), nan)
            if probe is None:
                continue
            probe_aligned = align_face(masked_image, probe.landmarks)
            out[f"probe{k}"][i] = pipeline.embedder.embed(probe_aligned)
            if k == 1:
                out["probe1_mirror"][i] = pipeline.embedder.embed(probe_aligned[:, ::-1])
            out["masked"][i, k] = pipeline.mask_classifier.classify(masked_image, probe.box).masked
        if i % 100 == 0:
            print(f"lfw {i}/{n}", flush=True)
    return out


def _embed_real(pipeline: FacePipeline, opencv: OpenCVFaces, folder: Path) -> dict[str, np.ndarray]:
    """Real mask photos on a padded canvas, largest face: embedding, mask verdict, OpenCV's embedding."""
    rows, cv_rows, masked, labels = [], [], [], []
    for label in ("with_mask", "without_mask"):
        for path in images_in(folder / label):
            image = on_canvas(read_image(path))
            faces = pipeline.detector.detect(image)
            cv = opencv.embed(image)
            if not faces:
                rows.append(np.full(128, np.nan, np.float32))
                masked.append(False)
            else:
                face = max(faces, key=lambda f: f.box[2] * f.box[3])
                rows.append(pipeline.embedder.embed(align_face(image, face.landmarks)))
                masked.append(pipeline.mask_classifier.classify(image, face.box).masked)
            cv_rows.append(_or(cv, np.full(128, np.nan, np.float32)))
            labels.append(label == "with_mask")
    return {"real": np.stack(rows), "cv_real": np.stack(cv_rows), "real_masked": np.array(masked), "real_is_masked": np.array(labels)}


def _or(vector: np.ndarray | None, default: np.ndarray) -> np.ndarray:
    return default if vector is None else vector.reshape(-1) / np.linalg.norm(vector)


def _load(pipeline: FacePipeline, opencv: OpenCVFaces, paths: list[Path]) -> dict[str, np.ndarray]:
    if CACHE.exists():
        return dict(np.load(CACHE))
    data = _embed_lfw(pipeline, opencv, paths) | _embed_real(pipeline, opencv, SHARED / "faces-dev" / "mask-photos")
    np.savez(CACHE, **data)
    return data


def _scores(data: dict[str, np.ndarray], variant: str, condition: str, enrolled: np.ndarray, probes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(score matrix enrolled × probe, per-probe 'masked' kind) for one variant and probe condition; NaN where no face."""
    if variant == "opencv":
        gallery = data["cv_probe1" if condition == "both" else "cv_bare"][enrolled]
        probe = data["cv_bare" if condition == "bare" else "cv_probe2" if condition == "both" else "cv_probe1"][probes]
        return gallery @ probe.T, np.zeros(len(probes), bool)
    probe_key = {"bare": "photo", "masked": "probe1", "both": "probe2"}[condition]
    probe = data[probe_key][probes]
    kind = data["masked"][probes, {"bare": 0, "masked": 1, "both": 2}[condition]]
    if condition == "both":  # the enrolled side wears another held-out style; its templates are its own photo (and mirror)
        views = [data["probe1"][enrolled]] + ([data["probe1_mirror"][enrolled]] if variant != "plain" else [])
    else:
        views = [data["photo"][enrolled]] + ([data["mirror"][enrolled]] if variant != "plain" else [])
    scores = np.max(np.stack([v @ probe.T for v in views]), axis=0)
    if variant == "mask-aware" and condition != "both":
        enrolled_bare = ~data["masked"][enrolled, 0]
        synthetic = np.max(np.einsum("etd,pd->etp", data["synthetic"][enrolled], probe), axis=1)
        use = enrolled_bare[:, None] & kind[None, :]
        scores = np.where(use, np.maximum(scores, synthetic), scores)
    return scores, kind if variant == "mask-aware" else np.zeros(len(probes), bool)


def _thresholds(scores: np.ndarray, kind: np.ndarray, different: np.ndarray) -> dict[bool, float]:
    """FAR-1e-3 threshold per probe kind (one shared when every probe is of one kind or the variant has one)."""
    result = {}
    for masked in (False, True):
        column = kind == masked if kind.any() and (~kind).any() else np.ones_like(kind)
        impostor = scores[:, column][different[:, column]]
        impostor = impostor[np.isfinite(impostor)]
        result[masked] = threshold_at_far(impostor, FAR) if impostor.size else np.inf
    return result


def run() -> dict:
    images = SHARED / "faces-dev" / "lfw-devtest"
    pipeline = FacePipeline(VisionConfig(detect_score=PAIRS_DETECT_SCORE), SHARED / "models")
    spec = models.load_manifest()
    opencv = OpenCVFaces(models.locate(spec["yunet"], pipeline.models_dir), models.locate(spec["sface"], pipeline.models_dir), PAIRS_DETECT_SCORE)
    pair_list = read_pairs(images / "pairsDevTest.txt", images)
    paths = sorted({p for pair in pair_list.pairs for p in (pair.first, pair.second)})
    index = {p: i for i, p in enumerate(paths)}
    data = _load(pipeline, opencv, paths)
    people = np.array([p.parent.name for p in paths])
    half = np.array([zlib.crc32(name.encode()) % 2 for name in people])
    same_pairs = [(index[p.first], index[p.second]) for p in pair_list.pairs if p.same and p.first in index and p.second in index]
    report: dict = {}
    tuned: dict[tuple[str, str, int], dict[bool, float]] = {}
    for variant in ("plain", "mirror", "mask-aware", "opencv"):
        for condition in CONDITIONS:
            everyone = np.arange(len(paths))
            scores, kind = _scores(data, variant, condition, everyone, everyone)
            different = people[:, None] != people[None, :]
            row = {}
            for tune in (0, 1):
                t_rows, j_rows = half == tune, half != tune
                thresholds = _thresholds(scores[np.ix_(t_rows, t_rows)], kind[t_rows], different[np.ix_(t_rows, t_rows)])
                tuned[variant, condition, tune] = thresholds
                per_probe = np.where(kind, thresholds[True], thresholds[False])
                judged = [(a, b) for a, b in same_pairs if j_rows[a]]
                genuine = np.array([scores[a, b] >= per_probe[b] for a, b in judged])
                impostor_mask = different & j_rows[:, None] & j_rows[None, :]
                accepted = (scores >= per_probe[None, :]) & impostor_mask & np.isfinite(scores)
                row[f"tune_half{tune}"] = {
                    "threshold": round(thresholds[False], 4), "threshold_masked": round(thresholds[True], 4),
                    "tar": round(float(np.mean(genuine)), 4), "far": round(float(accepted.sum() / impostor_mask.sum()), 5),
                }
            report[f"{variant}/{condition}"] = row
            print(variant, condition, row, flush=True)
        for tune in (0, 1):  # a masked probe meets the threshold tuned on masked probes, a bare one the bare-tuned one
            thresholds = {False: tuned[variant, "bare", tune][False], True: tuned[variant, "masked", tune][True]}
            report[f"{variant}/real-photos"] = report.get(f"{variant}/real-photos", {}) | {f"tune_half{tune}": _real_far(data, variant, thresholds)}
        print(variant, "real", report[f"{variant}/real-photos"], flush=True)
    return report


def _real_far(data: dict[str, np.ndarray], variant: str, thresholds: dict[bool, float]) -> dict:
    """FAR of the real mask photos (as probes, none of them in LFW) against every LFW dev photo enrolled, per class."""
    if variant == "opencv":
        probe, kind = data["cv_real"], np.zeros(len(data["cv_real"]), bool)
        scores = data["cv_bare"] @ probe.T
    else:
        probe, kind = data["real"], data["real_masked"] if variant == "mask-aware" else np.zeros(len(data["real"]), bool)
        views = [data["photo"]] + ([data["mirror"]] if variant != "plain" else [])
        scores = np.max(np.stack([v @ probe.T for v in views]), axis=0)
        if variant == "mask-aware":
            synthetic = np.max(np.einsum("etd,pd->etp", data["synthetic"], probe), axis=1)
            scores = np.where((~data["masked"][:, 0])[:, None] & kind[None, :], np.maximum(scores, synthetic), scores)
    per_probe = np.where(kind, thresholds[True], thresholds[False])
    accepted = np.nan_to_num(scores, nan=-1) >= per_probe[None, :]
    result = {}
    for name, column in (("real_masked_far", data["real_is_masked"]), ("real_bare_far", ~data["real_is_masked"])):
        valid = np.isfinite(scores[:, column])
        result[name] = round(float(accepted[:, column][valid].sum() / max(valid.sum(), 1)), 5)
    return result
