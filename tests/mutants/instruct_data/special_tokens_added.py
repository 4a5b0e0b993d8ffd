"""Mutant of instruct_data.

The prompt and the response are tokenized with the tokenizer's special tokens: a tokenizer
that puts BOS in front of every text (Llama's, many others) then puts one in the middle of the
example, in front of the response. The kit's tokenizer adds none, so only another one shows it.
"""

FAILS = ("hidden_example_word_tokenizer",)
"""Checks that must fail on this mutant (tests/exercise_harness.py asserts it)."""

EDITS = (
    (
        'prompt_ids = list(tokenizer(prompt, add_special_tokens=False)["input_ids"])',
        'prompt_ids = list(tokenizer(prompt)["input_ids"])  # BUG: special tokens added',
    ),
    (
        'answer = list(tokenizer(response, add_special_tokens=False)["input_ids"])',
        'answer = list(tokenizer(response)["input_ids"])  # BUG: special tokens added',
    ),
)
"""(old, new) replacements applied in order to the reference solution."""
