"""SFace: a 128-d unit-length embedding of an aligned 112×112 face; compare two with a dot product (cosine)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # the session is made by kiosk.vision.session; importing onnxruntime here would load it with the gallery
    import onnxruntime as ort

EMBEDDING_SIZE = 128


class FaceEmbedder:
    def __init__(self, session: ort.InferenceSession) -> None:
        self._session = session
        self._input = session.get_inputs()[0].name

    def embed(self, aligned_bgr: np.ndarray) -> np.ndarray:
        """The L2-normalised float32 (128,) embedding of a 112×112 BGR face (the model wants RGB 0..255)."""
        blob = np.ascontiguousarray(aligned_bgr[:, :, ::-1].transpose(2, 0, 1)[None], dtype=np.float32)
        vector = self._session.run(None, {self._input: blob})[0][0]
        return (vector / np.linalg.norm(vector)).astype(np.float32)
