"""Mutant of focal_loss: one scalar alpha for every class.

The paper's alpha=0.25 copied as a scalar: every example gets the same weight, which only
rescales the loss and does nothing for class imbalance.
"""

FAILS = ("alpha_weights_by_class", "alpha_as_tensor", "hidden_alpha_5_classes")
"""Checks that must fail on this mutant (tests/exercise_harness.py asserts it)."""

EDITS = (
    (
        "loss = weights[targets.long()] * loss",
        "loss = weights[0] * loss  # BUG: the first weight, for every class",
    ),
)
"""(old, new) replacements applied in order to the reference solution."""
