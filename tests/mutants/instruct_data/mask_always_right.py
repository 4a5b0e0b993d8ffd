"""Mutant of instruct_data.

The ids and labels are padded on tokenizer.padding_side, but the attention mask always marks
the pads on the right: with left padding the model attends to the pads and ignores the last
real tokens, the answer among them.
"""

FAILS = ("hidden_collate_left_new_pad", "hidden_collate_pad_is_eos")
"""Checks that must fail on this mutant (tests/exercise_harness.py asserts it)."""

EDITS = (
    (
        "attention_mask[row, real] = 1",
        "attention_mask[row, :n] = 1  # BUG: the mask is right-padded",
    ),
)
"""(old, new) replacements applied in order to the reference solution."""
