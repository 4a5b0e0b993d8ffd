"""Mutant of early_stopping.

Min_delta is accepted and validated, then never used.
"""

FAILS = ("min_delta_in_min_mode", "min_delta_in_max_mode")
"""Checks that must fail on this mutant (tests/exercise_harness.py asserts it)."""

EDITS = (
    (
        "return score < self.best_score - self.min_delta",
        "return score < self.best_score  # BUG: min_delta ignored",
    ),
    (
        "return score > self.best_score + self.min_delta",
        "return score > self.best_score  # BUG: min_delta ignored",
    ),
)
"""(old, new) replacements applied in order to the reference solution."""
