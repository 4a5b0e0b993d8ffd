"""Mutant of instruct_data.

No EOS after the response: the model is never shown where an answer ends, and at inference it
goes on generating until max_new_tokens.
"""

FAILS = ("example_input_ids", "example_exact_boundary", "example_truncates_prompt_left",
         "hidden_example_word_tokenizer", "hidden_example_new_eos_truncated")
"""Checks that must fail on this mutant (tests/exercise_harness.py asserts it)."""

EDITS = (
    (
        "    answer.append(tokenizer.eos_token_id)  # EOS is part of the answer: the model learns"
        " to stop\n",
        "",
    ),
)
"""(old, new) replacements applied in order to the reference solution."""
