"""Class-imbalance plumbing: random resampling, threshold moving and a minority-class report.

Why a module: the class-imbalance chapter compares several remedies on the same data, and
each comparison needs the same three steps — resample a training set, pick a decision
threshold on validation, and score predictions with the metrics that see the rare class.
Written once here, they are tested once; the remedies themselves (class weights, focal loss,
the ``Trainer`` subclass) stay in the chapter, where they are the lesson.

Random over- and under-sampling follow He & Garcia (2009), "Learning from Imbalanced Data",
IEEE TKDE 21(9), section 3.1: over-sampling repeats minority rows (drawn with replacement),
under-sampling drops majority rows (drawn without replacement). Both apply to the *training*
split only; resampling before the split leaks duplicated rows into the test set.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from datasets import Dataset
from sklearn.metrics import (
    accuracy_score,
    f1_score,
    precision_recall_curve,
    precision_recall_fscore_support,
)


def _labels(dataset: Dataset, label_column: str) -> np.ndarray:
    if label_column not in dataset.column_names:
        raise ValueError(
            f"expected a label column {label_column!r}; found columns {dataset.column_names}"
        )
    labels = np.asarray(dataset[label_column])
    if labels.size == 0:
        raise ValueError("expected a non-empty dataset to resample; found 0 rows")
    return labels


def _resample(dataset: Dataset, per_class: dict[int, int], label_column: str, seed: int,
              replace: bool) -> Dataset:
    """Rows drawn per class (sizes in ``per_class``), shuffled together."""
    labels = _labels(dataset, label_column)
    rng = np.random.default_rng(seed)
    chosen = []
    for cls, size in per_class.items():
        rows = np.flatnonzero(labels == cls)
        # keep every original row once, draw only the extra (or the kept subset) at random
        if replace:
            extra = rng.choice(rows, size=size - rows.size, replace=True)
            chosen.append(np.concatenate([rows, extra]))
        else:
            chosen.append(rng.choice(rows, size=size, replace=False))
    order = np.concatenate(chosen)
    rng.shuffle(order)
    return dataset.select(order.tolist())


def random_oversample(dataset: Dataset, *, label_column: str = "label", seed: int = 0) -> Dataset:
    """Repeat rows of the smaller classes until every class is as large as the largest.

    Every original row is kept; each smaller class gets ``max_count - count`` extra copies of
    its rows, drawn with replacement. No new information: the model sees the same minority
    sentences more often, which is why over-sampling tends to over-fit them.
    """
    labels = _labels(dataset, label_column)
    classes, counts = np.unique(labels, return_counts=True)
    target = int(counts.max())
    return _resample(dataset, {int(c): target for c in classes}, label_column, seed, replace=True)


def random_undersample(dataset: Dataset, *, label_column: str = "label", seed: int = 0) -> Dataset:
    """Keep a random subset of each larger class, as large as the smallest class.

    Rows are drawn without replacement, so no row repeats; the cost is the discarded data
    (with a 95/5 split, nine in ten training rows are thrown away).
    """
    labels = _labels(dataset, label_column)
    classes, counts = np.unique(labels, return_counts=True)
    target = int(counts.min())
    return _resample(dataset, {int(c): target for c in classes}, label_column, seed, replace=False)


def best_f1_threshold(y_true: Sequence[int], scores: Sequence[float], *, positive: int = 1
                      ) -> float:
    """The score threshold that maximizes the F1 of class ``positive`` on these examples.

    Predict ``positive`` when ``score >= threshold``. Call it on a *validation* split and
    apply the result to the test split: chosen on the test split, the threshold has seen
    the answers and the reported F1 is optimistic.
    """
    y = np.asarray(y_true)
    s = np.asarray(scores, dtype=float)
    if y.shape != s.shape or y.ndim != 1:
        raise ValueError(
            f"expected y_true and scores as 1-D arrays of one length; found shapes {y.shape} "
            f"and {s.shape}"
        )
    if not (y == positive).any():
        raise ValueError(f"expected at least one example of class {positive!r}; found none")
    precision, recall, thresholds = precision_recall_curve(y, s, pos_label=positive)
    # the last (precision, recall) pair has no threshold: it is the "predict nothing" end
    p, r = precision[:-1], recall[:-1]
    f1 = np.divide(2 * p * r, p + r, out=np.zeros_like(p), where=(p + r) > 0)
    return float(thresholds[int(np.argmax(f1))])


def minority_report(y_true: Sequence[int], y_pred: Sequence[int], *, minority: int = 1
                    ) -> dict[str, float]:
    """Precision, recall and F1 of the ``minority`` class, macro-F1 and accuracy.

    The row of a comparison table: minority metrics first, because accuracy under imbalance
    mostly measures the majority class. A class that is never predicted gets precision 0
    (``zero_division=0``) instead of a warning.
    """
    y, p = np.asarray(y_true), np.asarray(y_pred)
    if y.shape != p.shape or y.ndim != 1:
        raise ValueError(
            f"expected y_true and y_pred as 1-D arrays of one length; found shapes {y.shape} "
            f"and {p.shape}"
        )
    precision, recall, f1, _ = precision_recall_fscore_support(
        y, p, labels=[minority], zero_division=0
    )
    return {
        "minority precision": float(precision[0]),
        "minority recall": float(recall[0]),
        "minority F1": float(f1[0]),
        "macro-F1": float(f1_score(y, p, average="macro", zero_division=0)),
        "accuracy": float(accuracy_score(y, p)),
    }
