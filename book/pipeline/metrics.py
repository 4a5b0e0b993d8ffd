"""Classification metrics from scores, and a bootstrap for differences between two models.

Why scores and not only labels: ROC AUC asks "does the model rank a random positive above a
random negative?", which needs the model's confidence. Computed from hard labels it collapses
to the mean of the two recalls (balanced accuracy) and hides how well the model ranks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
    roc_auc_score,
)

BOOTSTRAP_SAMPLES = 2000
"""Resamples for confidence intervals: enough for stable 2.5 % / 97.5 % quantiles."""


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax, stable for large logits."""
    z = np.asarray(logits, dtype=np.float64)
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def roc_auc(labels: Sequence[int], probs: np.ndarray) -> float:
    """ROC AUC from class probabilities: binary on the positive class, else one-vs-rest macro.

    NaN when the labels hold a single class (no pair to rank).
    """
    labels = np.asarray(labels)
    probs = np.asarray(probs)
    if len(np.unique(labels)) < 2:
        return float("nan")
    if probs.shape[1] == 2:
        return float(roc_auc_score(labels, probs[:, 1]))
    return float(roc_auc_score(labels, probs, multi_class="ovr", average="macro",
                               labels=list(range(probs.shape[1]))))


def classification_report(
    labels: Sequence[int], probs: np.ndarray, label_names: Sequence[str]
) -> dict:
    """Accuracy, macro-F1, ROC AUC, per-class precision/recall/F1 and the confusion matrix.

    ``probs`` is ``(n, classes)``; predictions are its argmax over classes. The confusion
    matrix has true labels as rows and predictions as columns, in ``label_names`` order.
    """
    labels = np.asarray(labels)
    probs = np.asarray(probs)
    predicted = probs.argmax(axis=-1)
    ids = list(range(len(label_names)))
    precision, recall, f1, support = precision_recall_fscore_support(
        labels, predicted, labels=ids, zero_division=0
    )
    return {
        "accuracy": float(accuracy_score(labels, predicted)),
        "macro_f1": float(f1_score(labels, predicted, labels=ids, average="macro",
                                   zero_division=0)),
        "roc_auc": roc_auc(labels, probs),
        "per_class": {
            name: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
            for name, p, r, f, s in zip(label_names, precision, recall, f1, support, strict=True)
        },
        "confusion": confusion_matrix(labels, predicted, labels=ids).tolist(),
        "labels": list(label_names),
        "n": int(len(labels)),
    }


def bootstrap_difference(
    metric: Callable[[np.ndarray], float],
    n: int,
    *,
    samples: int = BOOTSTRAP_SAMPLES,
    seed: int = 0,
) -> tuple[float, float]:
    """The 95 % percentile interval of ``metric(indices)`` over ``samples`` resamples.

    ``metric`` gets an array of row indices drawn with replacement from ``range(n)`` and
    returns the statistic on those rows (e.g. B's accuracy minus A's on the same rows: a
    *paired* bootstrap, which removes the variation both models share).
    """
    rng = np.random.default_rng(seed)
    values = np.array([metric(rng.integers(0, n, n)) for _ in range(samples)])
    values = values[~np.isnan(values)]
    if values.size == 0:
        return float("nan"), float("nan")
    low, high = np.percentile(values, [2.5, 97.5])
    return float(low), float(high)
