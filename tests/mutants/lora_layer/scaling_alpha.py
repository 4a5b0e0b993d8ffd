"""Mutant of lora_layer: the update is scaled by alpha instead of alpha / r.

The update's size then grows with r; peft and Hu et al. 2021 scale by alpha / r.
"""

FAILS = (
    "scaling_alpha_over_r",
    "forward_values",
    "forward_matches_peft",
    "merged_weight",
    "hidden_forward_wide",
)
"""Checks that must fail on this mutant (tests/exercise_harness.py asserts it)."""

EDITS = (
    ("self.scaling = alpha / r", "self.scaling = alpha  # BUG: alpha / r"),
)
"""(old, new) replacements applied in order to the reference solution."""
