"""Mutant of classify_pipeline.

load_best_model_at_end is off: training ends with the weights of the last epoch, which early
stopping guarantees are `patience` epochs past the best one.
"""

FAILS = ("trainer_restores_best_checkpoint",)
"""Checks that must fail on this mutant (tests/exercise_harness.py asserts it)."""

EDITS = (
    (
        "load_best_model_at_end=True,",
        "load_best_model_at_end=False,  # BUG: keeps the last epoch's weights",
    ),
)
"""(old, new) replacements applied in order to the reference solution."""
