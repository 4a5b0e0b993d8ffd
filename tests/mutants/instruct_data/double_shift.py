"""Mutant of instruct_data.

The labels are shifted by hand (labels[i] = input_ids[i + 1]). Hugging Face causal LMs shift
the labels themselves, so this shifts twice: the model learns to predict the token after next.
"""

FAILS = ("example_labels_mask_prompt", "example_exact_boundary", "example_truncates_prompt_left",
         "hidden_example_word_tokenizer", "hidden_example_new_eos_truncated")
"""Checks that must fail on this mutant (tests/exercise_harness.py asserts it)."""

EDITS = (
    (
        'return {"input_ids": input_ids, "labels": labels}',
        'return {"input_ids": input_ids, "labels": labels[1:] + [IGNORE_INDEX]}  # BUG: shifted',
    ),
)
"""(old, new) replacements applied in order to the reference solution."""
