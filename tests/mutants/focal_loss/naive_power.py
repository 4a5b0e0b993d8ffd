"""Mutant of focal_loss: (1 - p_t) ** gamma without clamping.

For gamma < 1 the derivative gamma (1 - p_t)^(gamma - 1) is infinite at p_t == 1, and the
backward pass multiplies it by log p_t == 0: NaN gradients for perfectly classified examples.
"""

FAILS = ("finite_gradient_gamma_half", "hidden_confident_gamma_quarter")
"""Checks that must fail on this mutant (tests/exercise_harness.py asserts it)."""

EDITS = (
    (
        "one_minus_pt = (-torch.expm1(log_pt)).clamp(min=torch.finfo(log_pt.dtype).tiny)",
        "one_minus_pt = 1 - log_pt.exp()  # BUG: no clamp",
    ),
)
"""(old, new) replacements applied in order to the reference solution."""
