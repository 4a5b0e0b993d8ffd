"""Mutant of lora_layer: merge() adds B A without the scaling alpha / r.

The merged layer then computes something other than the adapted layer it replaces.
"""

FAILS = ("merged_weight", "merged_matches_layer", "hidden_merge_wide")
"""Checks that must fail on this mutant (tests/exercise_harness.py asserts it)."""

EDITS = (
    (
        "merged.weight.copy_(base.weight + self.scaling * (self.lora_B @ self.lora_A))",
        "merged.weight.copy_(base.weight + self.lora_B @ self.lora_A)  # BUG: no scaling",
    ),
)
"""(old, new) replacements applied in order to the reference solution."""
