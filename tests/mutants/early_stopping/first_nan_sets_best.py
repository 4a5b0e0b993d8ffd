"""Mutant of early_stopping.

The very first score becomes the best even when it is NaN; nothing beats NaN after.
"""

FAILS = ("nan_before_first_score",)
"""Checks that must fail on this mutant (tests/exercise_harness.py asserts it)."""

EDITS = (
    (
        "        if not math.isfinite(score):  # NaN (and inf) never improve, whatever the mode\n"
        "            return False\n"
        "        if self.best_score is None:  # the first finite score sets the best\n"
        "            return True\n",
        "        if self.best_score is None:  # BUG: checked before the NaN test\n"
        "            return True\n"
        "        if not math.isfinite(score):\n"
        "            return False\n",
    ),
)
"""(old, new) replacements applied in order to the reference solution."""
