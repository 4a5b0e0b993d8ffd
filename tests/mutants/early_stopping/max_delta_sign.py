"""Mutant of early_stopping.

In mode='max' min_delta is subtracted from the best instead of added.
"""

FAILS = ("min_delta_in_max_mode",)
"""Checks that must fail on this mutant (tests/exercise_harness.py asserts it)."""

EDITS = (
    (
        "return score > self.best_score + self.min_delta",
        "return score > self.best_score - self.min_delta  # BUG: wrong sign",
    ),
)
"""(old, new) replacements applied in order to the reference solution."""
