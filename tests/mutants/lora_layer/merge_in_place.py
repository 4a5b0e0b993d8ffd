"""Mutant of lora_layer: merge() adds the update into the base weight in place and returns the base.

The LoRA layer then adds the update a second time in its own forward, and every further
merge() call adds it again.
"""

FAILS = ("merge_repeatable", "hidden_merge_wide")
"""Checks that must fail on this mutant (tests/exercise_harness.py asserts it)."""

EDITS = (
    (
        "        merged.weight.copy_(base.weight + self.scaling * (self.lora_B @ self.lora_A))\n",
        "        base.weight += self.scaling * (self.lora_B @ self.lora_A)  # BUG: in place\n"
        "        merged = base\n",
    ),
)
"""(old, new) replacements applied in order to the reference solution."""
