"""Mutant of classify_pipeline.

compute_metrics takes the argmax over the rows (axis=0) instead of over the classes: one
"prediction" per class. It fails loudly when rows and classes differ in number, and silently
gives wrong metrics when they are equal.
"""

FAILS = ("metrics_binary", "metrics_trainer_forms", "metrics_multiclass",
         "metrics_argmax_over_classes", "metrics_auc_nan_for_one_class",
         "hidden_metrics_binary", "hidden_metrics_four_classes",
         "trainer_restores_best_checkpoint", "pipeline_learns", "hidden_pipeline_outcome")
"""Checks that must fail on this mutant (tests/exercise_harness.py asserts it)."""

EDITS = (
    (
        "predicted = probs.argmax(axis=-1)  # one prediction per row",
        "predicted = probs.argmax(axis=0)  # BUG: over the rows",
    ),
)
"""(old, new) replacements applied in order to the reference solution."""
