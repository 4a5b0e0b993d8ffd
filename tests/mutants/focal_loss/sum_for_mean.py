"""Mutant of focal_loss: reduction='mean' returns the sum.

The loss (and the effective learning rate) then grows with the batch size.
"""

FAILS = ("gamma0_mean_is_cross_entropy", "mean_is_plain_mean", "hidden_mean_with_alpha")
"""Checks that must fail on this mutant (tests/exercise_harness.py asserts it)."""

EDITS = (
    ("return loss.mean()", "return loss.sum()  # BUG: mean is the sum"),
)
"""(old, new) replacements applied in order to the reference solution."""
