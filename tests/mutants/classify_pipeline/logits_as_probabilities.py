"""Mutant of classify_pipeline.

train_and_predict returns the logits as "probabilities": no softmax, so rows do not sum to 1
and cannot be read as the model's confidence (or fed to an AUC next to other models').
"""

FAILS = ("pipeline_learns", "hidden_pipeline_outcome")
"""Checks that must fail on this mutant (tests/exercise_harness.py asserts it)."""

EDITS = (
    (
        "return probabilities.argmax(axis=-1), probabilities",
        "return logits.argmax(axis=-1), logits  # BUG: logits, no softmax",
    ),
)
"""(old, new) replacements applied in order to the reference solution."""
