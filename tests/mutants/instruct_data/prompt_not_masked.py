"""Mutant of instruct_data.

The prompt is not masked: the labels are a copy of input_ids, so the loss also trains the
model to reproduce the instruction and the input it is given, and the response is a small share
of what it learns from.
"""

FAILS = ("example_labels_mask_prompt", "example_exact_boundary", "example_truncates_prompt_left",
         "hidden_example_word_tokenizer", "hidden_example_new_eos_truncated")
"""Checks that must fail on this mutant (tests/exercise_harness.py asserts it)."""

EDITS = (
    (
        "labels = [IGNORE_INDEX] * len(prompt_ids) + answer  # aligned with input_ids: no shift",
        "labels = prompt_ids + answer  # BUG: the prompt is in the loss",
    ),
)
"""(old, new) replacements applied in order to the reference solution."""
