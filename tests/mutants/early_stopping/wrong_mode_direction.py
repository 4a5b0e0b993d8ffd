"""Mutant of early_stopping.

Mode='max' is compared like mode='min': lower scores count as better.
"""

FAILS = ("max_mode", "min_delta_in_max_mode", "restores_best_weights_max_mode")
"""Checks that must fail on this mutant (tests/exercise_harness.py asserts it)."""

EDITS = (
    (
        "return score > self.best_score + self.min_delta",
        "return score < self.best_score - self.min_delta  # BUG: wrong direction",
    ),
)
"""(old, new) replacements applied in order to the reference solution."""
