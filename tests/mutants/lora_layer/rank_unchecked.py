"""Mutant of lora_layer: r is not validated.

r = 0 then fails with ZeroDivisionError in alpha / r, and a negative r with a confusing
error from torch.empty, instead of a ValueError that says what r must be.
"""

FAILS = ("rank_must_be_positive", "hidden_rank_negative")
"""Checks that must fail on this mutant (tests/exercise_harness.py asserts it)."""

EDITS = (
    (
        "        if isinstance(r, bool) or not isinstance(r, int) or r < 1:\n"
        '            raise ValueError(f"r must be an integer >= 1; found {r!r}")\n',
        "        # BUG: r is not validated\n",
    ),
)
"""(old, new) replacements applied in order to the reference solution."""
