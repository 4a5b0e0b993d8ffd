"""Mutant of classify_pipeline.

greater_is_better=False with macro-F1: the Trainer counts a falling F1 as an improvement, so
it early-stops on the wrong signal and restores the worst checkpoint.
"""

FAILS = ("trainer_restores_best_checkpoint",)
"""Checks that must fail on this mutant (tests/exercise_harness.py asserts it)."""

EDITS = (
    (
        "greater_is_better=True,",
        "greater_is_better=False,  # BUG: F1 is better when higher",
    ),
)
"""(old, new) replacements applied in order to the reference solution."""
