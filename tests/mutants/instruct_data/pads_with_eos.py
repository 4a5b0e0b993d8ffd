"""Mutant of instruct_data.

input_ids are padded with the EOS id, though this tokenizer has a pad token of its own: code
that finds the pads by tokenizer.pad_token_id (a GPT-2 classifier looking for each row's last
token, generation stripping pads) no longer finds them.
"""

FAILS = ("collate_pads_input_ids", "hidden_collate_left_new_pad")
"""Checks that must fail on this mutant (tests/exercise_harness.py asserts it)."""

EDITS = (
    (
        "input_ids = torch.full(shape, tokenizer.pad_token_id, dtype=torch.long)",
        "input_ids = torch.full(shape, tokenizer.eos_token_id, dtype=torch.long)  # BUG",
    ),
)
"""(old, new) replacements applied in order to the reference solution."""
