"""Mutant of lr_finder.

Suggest_lrs uses the whole curve: the noisy start and the blow-up are not ignored.
"""

FAILS = ("trims_first_and_last_points", "trims_before_minimum")
"""Checks that must fail on this mutant (tests/exercise_harness.py asserts it)."""

EDITS = (
    (
        "window = range(skip_start, len(lrs) - skip_end)",
        "window = range(len(lrs))  # BUG: no trimming",
    ),
)
"""(old, new) replacements applied in order to the reference solution."""
