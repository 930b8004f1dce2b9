from pathlib import Path

import pytest

from kiosk.errors import UsageError
from kiosk.vision.pairs import read_pairs


def test_view1_dev_test_format(tmp_path):
    pairs_file = tmp_path / "pairsDevTest.txt"
    pairs_file.write_text("1\nAna\t1\t2\nAna\t3\tBob_Lee\t12\n")
    pair_list = read_pairs(pairs_file, Path("/img"))
    assert pair_list.folds == 1
    same, different = pair_list.pairs
    assert same.same and same.first == Path("/img/Ana/Ana_0001.jpg") and same.second == Path("/img/Ana/Ana_0002.jpg")
    assert not different.same and different.second == Path("/img/Bob_Lee/Bob_Lee_0012.jpg")


def test_view2_folds(tmp_path):
    pairs_file = tmp_path / "pairs.txt"
    pairs_file.write_text("2\t1\nA\t1\t2\nA\t1\tB\t1\nC\t1\t2\nC\t1\tD\t1\n")
    pair_list = read_pairs(pairs_file, tmp_path)
    assert pair_list.folds == 2 and [p.fold for p in pair_list.pairs] == [0, 0, 1, 1]


def test_bad_lines_and_counts_are_named(tmp_path):
    pairs_file = tmp_path / "pairs.txt"
    pairs_file.write_text("1\nA\tx\t2\n")
    with pytest.raises(UsageError, match=r"line 2 'A x 2': expected 'name i j' or 'name1 i name2 j'"):
        read_pairs(pairs_file, tmp_path)
    pairs_file.write_text("10\t300\nA\t1\t2\n")
    with pytest.raises(UsageError, match=r"1 pairs \(expected 10 folds × 600 = 6000\)"):
        read_pairs(pairs_file, tmp_path)
