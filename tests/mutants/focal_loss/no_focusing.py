"""Mutant of focal_loss: the modulating factor (1 - p_t)^gamma is missing.

What is left is alpha-weighted cross-entropy: easy examples are not down-weighted.
"""

FAILS = ("gamma2_per_example", "gamma_half_per_example", "hidden_gamma_1_5")
"""Checks that must fail on this mutant (tests/exercise_harness.py asserts it)."""

EDITS = (
    ("loss = -(one_minus_pt**gamma) * log_pt", "loss = -log_pt  # BUG: no (1 - p_t) ** gamma"),
)
"""(old, new) replacements applied in order to the reference solution."""
