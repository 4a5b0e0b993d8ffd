"""Mutant of lora_layer: the base layer is not frozen.

The optimizer then updates all of W as in full fine-tuning: no memory saved, and the
adapter is no longer a small separate set of weights.
"""

FAILS = ("base_frozen", "trainable_count_matches_peft", "gradients_at_zero_b", "hidden_init_wide")
"""Checks that must fail on this mutant (tests/exercise_harness.py asserts it)."""

EDITS = (
    (
        "        self.base = base\n"
        "        for param in self.base.parameters():\n"
        "            param.requires_grad_(False)\n",
        "        self.base = base  # BUG: weight and bias keep requires_grad=True\n",
    ),
)
"""(old, new) replacements applied in order to the reference solution."""
