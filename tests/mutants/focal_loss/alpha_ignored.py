"""Mutant of focal_loss: alpha is validated but never applied.

Every example keeps weight 1 whatever alpha says.
"""

FAILS = ("alpha_weights_by_class", "alpha_as_tensor", "hidden_alpha_5_classes")
"""Checks that must fail on this mutant (tests/exercise_harness.py asserts it)."""

EDITS = (
    ("loss = weights[targets.long()] * loss", "# BUG: the weights never multiply the loss"),
)
"""(old, new) replacements applied in order to the reference solution."""
