"""``book.imbalance``: resampling keeps or balances exactly what it should, the threshold is
the F1-best one, and the report's numbers are scikit-learn's."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from datasets import Dataset
from sklearn.metrics import f1_score

from book.imbalance import (
    best_f1_threshold,
    minority_report,
    random_oversample,
    random_undersample,
)


def skewed(n_major: int = 19, n_minor: int = 3) -> Dataset:
    """Rows with unique texts, so a row's identity can be followed through resampling."""
    texts = [f"major {i}" for i in range(n_major)] + [f"minor {i}" for i in range(n_minor)]
    return Dataset.from_dict({"text": texts, "label": [0] * n_major + [1] * n_minor})


def test_oversample_balances_by_repeating_minority_rows_and_keeps_every_row():
    data = skewed()
    out = random_oversample(data, seed=0)
    assert Counter(out["label"]) == {0: 19, 1: 19}
    assert set(out["text"]) == set(data["text"])  # nothing lost, nothing invented
    majority = [t for t in out["text"] if t.startswith("major")]
    assert sorted(majority) == sorted(t for t in data["text"] if t.startswith("major"))
    assert min(Counter(t for t in out["text"] if t.startswith("minor")).values()) >= 1


def test_undersample_balances_by_dropping_majority_rows_without_repeats():
    data = skewed()
    out = random_undersample(data, seed=0)
    assert Counter(out["label"]) == {0: 3, 1: 3}
    assert len(set(out["text"])) == len(out)  # drawn without replacement
    assert {t for t in out["text"] if t.startswith("minor")} == {"minor 0", "minor 1", "minor 2"}


def test_resampling_is_seeded_and_shuffled():
    data = skewed()
    first, again = random_oversample(data, seed=3), random_oversample(data, seed=3)
    other = random_oversample(data, seed=4)
    assert first["text"] == again["text"]
    assert first["text"] != other["text"]
    assert first["label"] != sorted(first["label"])  # classes are interleaved, not in blocks
    assert random_undersample(data, seed=3)["text"] != random_undersample(data, seed=4)["text"]


def test_resampling_works_for_three_classes_and_another_label_column():
    data = Dataset.from_dict({"y": [0] * 6 + [1] * 3 + [2] * 1, "x": list(range(10))})
    assert Counter(random_oversample(data, label_column="y")["y"]) == {0: 6, 1: 6, 2: 6}
    assert Counter(random_undersample(data, label_column="y")["y"]) == {0: 1, 1: 1, 2: 1}


def test_resampling_says_what_is_wrong_with_its_input():
    with pytest.raises(ValueError, match="label column 'label'.*found columns"):
        random_oversample(Dataset.from_dict({"y": [0, 1]}))
    with pytest.raises(ValueError, match="non-empty"):
        random_undersample(Dataset.from_dict({"label": []}))


def test_best_threshold_maximizes_minority_f1_over_every_cut():
    rng = np.random.default_rng(0)
    y = (rng.random(300) < 0.1).astype(int)
    scores = np.clip(0.3 * y + rng.normal(0.3, 0.15, 300), 0, 1)
    threshold = best_f1_threshold(y, scores)
    best = f1_score(y, scores >= threshold)
    every_cut = [f1_score(y, scores >= t, zero_division=0) for t in np.unique(scores)]
    assert best == pytest.approx(max(every_cut))
    assert threshold != 0.5  # the point: the best cut is not the default one here


def test_best_threshold_on_separable_scores_lies_between_the_classes():
    y = [0, 0, 0, 0, 1, 1]
    scores = [0.01, 0.02, 0.03, 0.04, 0.2, 0.3]
    assert 0.04 < best_f1_threshold(y, scores) <= 0.2
    # the other class, as "positive", takes the other side
    assert best_f1_threshold(y, [1 - s for s in scores], positive=0) > 0.7


def test_best_threshold_rejects_bad_input():
    with pytest.raises(ValueError, match="at least one example of class 1"):
        best_f1_threshold([0, 0], [0.1, 0.2])
    with pytest.raises(ValueError, match=r"shapes \(2,\) and \(3,\)"):
        best_f1_threshold([0, 1], [0.1, 0.2, 0.3])


def test_minority_report_on_the_always_majority_classifier():
    y = [0] * 95 + [1] * 5
    report = minority_report(y, [0] * 100)
    assert report["accuracy"] == pytest.approx(0.95)
    assert report["minority recall"] == 0.0
    assert report["minority precision"] == 0.0  # never predicted: 0, not a warning
    assert report["minority F1"] == 0.0
    assert report["macro-F1"] == pytest.approx(0.95 / 1.95)  # (F1 of class 0 + 0) / 2


def test_minority_report_counts_by_hand():
    y = [0, 0, 0, 0, 1, 1, 1, 0]
    p = [0, 0, 1, 0, 1, 1, 0, 0]  # TP 2, FP 1, FN 1 for class 1
    report = minority_report(y, p)
    assert report["minority precision"] == pytest.approx(2 / 3)
    assert report["minority recall"] == pytest.approx(2 / 3)
    assert report["minority F1"] == pytest.approx(2 / 3)
    assert report["accuracy"] == pytest.approx(6 / 8)
    swapped = minority_report(y, p, minority=0)  # class 0: TP 4, FP 1, FN 1
    assert swapped["minority precision"] == pytest.approx(4 / 5)
    with pytest.raises(ValueError, match="one length"):
        minority_report([0, 1], [0])
