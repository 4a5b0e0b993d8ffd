"""Mutant of early_stopping.

A score equal to the best (within min_delta) counts as an improvement (<= and >=).
"""

FAILS = ("equal_is_not_improvement",)
"""Checks that must fail on this mutant (tests/exercise_harness.py asserts it)."""

EDITS = (
    (
        "return score < self.best_score - self.min_delta",
        "return score <= self.best_score - self.min_delta  # BUG: not strict",
    ),
    (
        "return score > self.best_score + self.min_delta",
        "return score >= self.best_score + self.min_delta  # BUG: not strict",
    ),
)
"""(old, new) replacements applied in order to the reference solution."""
