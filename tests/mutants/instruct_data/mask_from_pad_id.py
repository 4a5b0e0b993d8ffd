"""Mutant of instruct_data.

The attention mask is computed from the ids (input_ids != pad_token_id). When the pad token is
the EOS token, as it often is for GPT-2, the EOS that ends every example is masked as a pad.
"""

FAILS = ("hidden_collate_pad_is_eos",)
"""Checks that must fail on this mutant (tests/exercise_harness.py asserts it)."""

EDITS = (
    (
        '"attention_mask": attention_mask, "labels": labels}',
        '"attention_mask": (input_ids != tokenizer.pad_token_id).long(),  # BUG: from the ids\n'
        '            "labels": labels}',
    ),
)
"""(old, new) replacements applied in order to the reference solution."""
