"""Mutant of instruct_data.

The batch is always padded on the right, whatever tokenizer.padding_side says. Right padding
is what the self-check's tokenizer asks for; a tokenizer set up for batched generation pads on
the left, and there the real tokens must end every row.
"""

FAILS = ("hidden_collate_left_new_pad", "hidden_collate_pad_is_eos")
"""Checks that must fail on this mutant (tests/exercise_harness.py asserts it)."""

EDITS = (
    (
        'real = slice(width - n, width) if tokenizer.padding_side == "left" else slice(0, n)',
        "real = slice(0, n)  # BUG: always right",
    ),
)
"""(old, new) replacements applied in order to the reference solution."""
