"""Mutant of instruct_data.

The pads' labels are the pad id instead of -100: the loss then trains the model to predict pads
after the answer, and short examples weigh as much as their padding.
"""

FAILS = ("collate_pads_labels_ignored", "hidden_collate_left_new_pad", "hidden_collate_pad_is_eos")
"""Checks that must fail on this mutant (tests/exercise_harness.py asserts it)."""

EDITS = (
    (
        "labels = torch.full(shape, IGNORE_INDEX, dtype=torch.long)",
        "labels = torch.full(shape, tokenizer.pad_token_id, dtype=torch.long)  # BUG",
    ),
)
"""(old, new) replacements applied in order to the reference solution."""
