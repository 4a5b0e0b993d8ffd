"""Mutant of lr_finder.

Smooths without bias correction: the first points are pulled towards 0.
"""

FAILS = ("smoothed_losses", "hf_style_batches", "hidden_sweep_1")
"""Checks that must fail on this mutant (tests/exercise_harness.py asserts it)."""

EDITS = (
    ("smoothed = avg / (1 - smooth ** (i + 1))", "smoothed = avg  # BUG: no bias correction"),
)
"""(old, new) replacements applied in order to the reference solution."""
