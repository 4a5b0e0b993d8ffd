"""Mutant of early_stopping.

An improvement updates the best score but leaves the counter where it was.
"""

FAILS = ("counter_resets_on_improvement",)
"""Checks that must fail on this mutant (tests/exercise_harness.py asserts it)."""

EDITS = (
    (
        "self.best_score, self.best_epoch, self.counter = score, self._epoch, 0",
        "self.best_score, self.best_epoch = score, self._epoch  # BUG: no reset",
    ),
)
"""(old, new) replacements applied in order to the reference solution."""
