"""Mutant of classify_pipeline.

ROC AUC computed from the predicted labels (the argmax) instead of the probabilities: the
ranking is thrown away, and for two classes the "AUC" is the balanced accuracy.
"""

FAILS = ("metrics_binary", "metrics_trainer_forms", "metrics_multiclass",
         "hidden_metrics_binary", "hidden_metrics_four_classes")
"""Checks that must fail on this mutant (tests/exercise_harness.py asserts it)."""

EDITS = (
    (
        "roc_auc = roc_auc_score(labels, probs[:, 1])  # scores, never the argmax",
        "roc_auc = roc_auc_score(labels, predicted)  # BUG: hard labels",
    ),
    (
        "roc_auc = roc_auc_score(labels, probs, multi_class=",
        "roc_auc = roc_auc_score(labels, np.eye(len(classes))[predicted], multi_class=",
    ),
)
"""(old, new) replacements applied in order to the reference solution."""
