"""Mutant of lora_layer: B initialised like A (random) instead of zeros.

Then B A != 0 from the start: the wrapped model no longer computes what the pre-trained
model did, and fine-tuning starts from a randomly perturbed network.
"""

FAILS = ("init_a_kaiming_b_zero", "unchanged_at_init", "hidden_init_wide")
"""Checks that must fail on this mutant (tests/exercise_harness.py asserts it)."""

EDITS = (
    (
        "nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))\n",
        "nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))\n"
        "        nn.init.kaiming_uniform_(self.lora_B, a=math.sqrt(5))  # BUG\n",
    ),
)
"""(old, new) replacements applied in order to the reference solution."""
