"""Mutant of lora_layer: the rank is on the wrong side: A is out x r and B is r x in.

The parameter count is the same, but the shapes disagree with the paper, peft and any
saved adapter, so weights cannot be exchanged.
"""

FAILS = ("adapter_shapes", "forward_values", "forward_matches_peft", "merged_weight")
"""Checks that must fail on this mutant (tests/exercise_harness.py asserts it)."""

EDITS = (
    (
        "torch.empty(r, base.in_features, **factory))",
        "torch.empty(base.out_features, r, **factory))  # BUG: shapes swapped",
    ),
    ("torch.zeros(base.out_features, r, **factory)", "torch.zeros(r, base.in_features, **factory)"),
    (
        "(self.dropout(x) @ self.lora_A.T) @ self.lora_B.T",
        "(self.dropout(x) @ self.lora_B.T) @ self.lora_A.T",
    ),
    ("(self.lora_B @ self.lora_A)", "(self.lora_A @ self.lora_B)"),
)
"""(old, new) replacements applied in order to the reference solution."""
