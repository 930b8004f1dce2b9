"""Enrolled face templates and vectorised 1:N search and 1:1 verification by cosine similarity.

An unmasked probe is compared with a person's photos (and their mirror images) only; a masked probe
with every template, synthetic-mask variants included. Each kind has its own threshold, calibrated on
its own impostor scores (README, "Vision"). With plain matching, the default, the gallery holds the
photos alone and both thresholds are the same (`VisionConfig.match_thresholds`). A score below the
threshold yields `person_id = None`: an unknown face gets a verdict, never the nearest name.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kiosk.vision.embedder import EMBEDDING_SIZE


PHOTO_VARIANTS = ("photo", "photo-mirrored")


@dataclass(frozen=True)
class Template:
    """One stored embedding: `variant` is 'photo' or the synthetic mask style drawn on it, '-mirrored' for a mirror image."""

    embedding: np.ndarray
    masked: bool
    variant: str

    @property
    def is_photo(self) -> bool:
        """True for the enrolment photo itself (masked or not), False for a synthetic-mask variant."""
        return self.variant in PHOTO_VARIANTS


@dataclass(frozen=True)
class Match:
    """The outcome of a search or verification; `person_id` is None when `score` is below `threshold`."""

    person_id: str | None
    score: float
    threshold: float
    masked: bool

    @property
    def matched(self) -> bool:
        return self.person_id is not None


@dataclass(frozen=True)
class _Index:
    embeddings: np.ndarray  # rows × 128, float32
    owners: np.ndarray  # row → index into `people`
    people: tuple[str, ...]


class Gallery:
    def __init__(self, unmasked_threshold: float, masked_threshold: float) -> None:
        self.unmasked_threshold = unmasked_threshold
        self.masked_threshold = masked_threshold
        self._templates: dict[str, list[Template]] = {}
        self._indexes: dict[bool, _Index] = {}

    def __len__(self) -> int:
        return len(self._templates)

    def __contains__(self, person_id: object) -> bool:
        return person_id in self._templates

    def add(self, person_id: str, templates: list[Template]) -> None:
        """Add `templates` to `person_id` (created if new), scaled to unit length. Raises ValueError on a malformed embedding."""
        for template in templates:
            if template.embedding.shape != (EMBEDDING_SIZE,):
                raise ValueError(
                    f"template '{template.variant}' of {person_id!r}: embedding shape {template.embedding.shape} "
                    f"(expected ({EMBEDDING_SIZE},))"
                )
        unit = [Template(_unit(t.embedding), t.masked, t.variant) for t in templates]
        self._templates.setdefault(person_id, []).extend(unit)
        self._indexes.clear()

    def remove(self, person_id: str) -> bool:
        """Forget every template of `person_id`; False when there was none."""
        removed = self._templates.pop(person_id, None) is not None
        self._indexes.clear()
        return removed

    def search(self, embedding: np.ndarray, masked: bool) -> Match:
        """1:N: the best-matching person if their score reaches the threshold for this kind of probe."""
        threshold = self._threshold(masked)
        index = self._index(masked)
        if len(index.owners) == 0:
            return Match(None, -1.0, threshold, masked)
        scores = index.embeddings @ _unit(embedding)
        best = int(np.argmax(scores))
        score = float(scores[best])
        person = index.people[index.owners[best]] if score >= threshold else None
        return Match(person, score, threshold, masked)

    def verify(self, person_id: str, embedding: np.ndarray, masked: bool) -> Match:
        """1:1 against the holder of a credential; an unenrolled `person_id` gives no match and score -1."""
        threshold = self._threshold(masked)
        rows = [t.embedding for t in self._templates.get(person_id, []) if masked or t.is_photo]
        if not rows:
            return Match(None, -1.0, threshold, masked)
        score = float(np.max(np.stack(rows) @ _unit(embedding)))
        return Match(person_id if score >= threshold else None, score, threshold, masked)

    def _threshold(self, masked: bool) -> float:
        return self.masked_threshold if masked else self.unmasked_threshold

    def _index(self, masked: bool) -> _Index:
        if masked not in self._indexes:
            people = tuple(self._templates)
            rows, owners = [], []
            for number, person in enumerate(people):
                for template in self._templates[person]:
                    if masked or template.is_photo:
                        rows.append(template.embedding)
                        owners.append(number)
            embeddings = np.stack(rows).astype(np.float32) if rows else np.zeros((0, EMBEDDING_SIZE), np.float32)
            self._indexes[masked] = _Index(embeddings, np.asarray(owners, dtype=np.int64), people)
        return self._indexes[masked]


def _unit(vector: np.ndarray) -> np.ndarray:
    vector = np.asarray(vector, dtype=np.float32)
    return vector / max(float(np.linalg.norm(vector)), 1e-12)
