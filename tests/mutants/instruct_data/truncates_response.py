"""Mutant of instruct_data.

A too-long example is cut from the right, as a tokenizer's truncation does by default: the
response and its EOS are the part that goes, and the example teaches nothing.
"""

FAILS = ("example_truncates_prompt_left", "hidden_example_new_eos_truncated")
"""Checks that must fail on this mutant (tests/exercise_harness.py asserts it)."""

EDITS = (
    (
        "    if overflow > 0:\n"
        '        prompt_ids = prompt_ids[overflow:]  # cut its start: "### Response:" stays\n',
        "",
    ),
    (
        'return {"input_ids": input_ids, "labels": labels}',
        'return {"input_ids": input_ids[:max_length], "labels": labels[:max_length]}  # BUG',
    ),
)
"""(old, new) replacements applied in order to the reference solution."""
