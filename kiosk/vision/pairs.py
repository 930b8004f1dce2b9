"""LFW pair lists: View 1 `pairsDevTest.txt` (header `N`) and View 2 `pairs.txt` (header `FOLDS N`).

Lines are `name<TAB>i<TAB>j` (same person) or `name1<TAB>i<TAB>name2<TAB>j` (different people);
images live at `DIR/<name>/<name>_<i:04d>.jpg`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kiosk.errors import UsageError


@dataclass(frozen=True)
class Pair:
    first: Path
    second: Path
    same: bool
    fold: int


@dataclass(frozen=True)
class PairList:
    pairs: list[Pair]
    folds: int  # 1 for View 1, 10 for View 2


def image_path(images_dir: Path, name: str, number: str) -> Path:
    return images_dir / name / f"{name}_{int(number):04d}.jpg"


def read_pairs(path: Path, images_dir: Path) -> PairList:
    """Parse either format; raises UsageError naming the file and line that does not fit."""
    try:
        lines = [line.split() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except OSError as err:
        raise UsageError(f"pairs file {path}: {err.strerror or err}") from err
    if not lines or not all(token.isdigit() for token in lines[0]) or len(lines[0]) not in (1, 2):
        raise UsageError(f"pairs file {path}: line 1 {' '.join(lines[0]) if lines else ''!r}: expected 'N' or 'FOLDS N'")
    folds, per_fold = (1, None) if len(lines[0]) == 1 else (int(lines[0][0]), int(lines[0][1]))
    pairs = []
    for number, fields in enumerate(lines[1:], start=2):
        fold = 0 if per_fold is None else (number - 2) // (2 * per_fold)
        if len(fields) == 3 and fields[1].isdigit() and fields[2].isdigit():
            name = fields[0]
            pairs.append(Pair(image_path(images_dir, name, fields[1]), image_path(images_dir, name, fields[2]), True, fold))
        elif len(fields) == 4 and fields[1].isdigit() and fields[3].isdigit():
            pairs.append(
                Pair(image_path(images_dir, fields[0], fields[1]), image_path(images_dir, fields[2], fields[3]), False, fold)
            )
        else:
            raise UsageError(
                f"pairs file {path}: line {number} {' '.join(fields)!r}: expected 'name i j' or 'name1 i name2 j'"
            )
    if per_fold is not None and len(pairs) != folds * 2 * per_fold:
        raise UsageError(f"pairs file {path}: {len(pairs)} pairs (expected {folds} folds × {2 * per_fold} = {folds * 2 * per_fold})")
    return PairList(pairs, folds)
