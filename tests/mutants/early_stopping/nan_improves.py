"""Mutant of early_stopping.

Tests 'not worse' instead of 'better': every comparison with NaN is False, so a NaN
counts as an improvement.
"""

FAILS = ("nan_is_no_improvement", "nan_in_max_mode")
"""Checks that must fail on this mutant (tests/exercise_harness.py asserts it)."""

EDITS = (
    (
        "        if not math.isfinite(score):  # NaN (and inf) never improve, whatever the mode\n"
        "            return False\n",
        "",
    ),
    (
        "return score < self.best_score - self.min_delta",
        "return not score >= self.best_score - self.min_delta  # BUG: NaN passes",
    ),
    (
        "return score > self.best_score + self.min_delta",
        "return not score <= self.best_score + self.min_delta  # BUG: NaN passes",
    ),
)
"""(old, new) replacements applied in order to the reference solution."""
