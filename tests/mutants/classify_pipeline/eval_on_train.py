"""Mutant of classify_pipeline.

The Trainer evaluates on the training set: early stopping and the choice of the best
checkpoint then watch a score that only goes up while the model overfits.
"""

FAILS = ("trainer_evaluates_on_validation",)
"""Checks that must fail on this mutant (tests/exercise_harness.py asserts it)."""

EDITS = (
    (
        "eval_dataset=eval_dataset,  # validation, never train (or test)",
        "eval_dataset=train_dataset,  # BUG: early stopping on the training set",
    ),
)
"""(old, new) replacements applied in order to the reference solution."""
