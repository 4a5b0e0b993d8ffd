"""Mutant of lr_finder.

Measures divergence against the first smoothed loss instead of the best one.
"""

FAILS = ("stops_on_divergence",)
"""Checks that must fail on this mutant (tests/exercise_harness.py asserts it)."""

EDITS = (
    (
        "if smoothed > diverge_factor * best:",
        "if smoothed > diverge_factor * losses[0]:  # BUG: the first loss, not the best",
    ),
)
"""(old, new) replacements applied in order to the reference solution."""
