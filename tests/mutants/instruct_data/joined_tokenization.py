"""Mutant of instruct_data.

Prompt and response are tokenized as one text, and the prompt's separately counted tokens are
masked. When the template ends with a space, the tokenizer merges it with the response's first
word: the ids differ from the prompt's followed by the response's, and the mask hides the
response's first token.
"""

FAILS = ("example_exact_boundary",)
"""Checks that must fail on this mutant (tests/exercise_harness.py asserts it)."""

EDITS = (
    (
        '    prompt_ids = list(tokenizer(prompt, add_special_tokens=False)["input_ids"])\n'
        '    answer = list(tokenizer(response, add_special_tokens=False)["input_ids"])\n',
        '    ids = list(tokenizer(prompt + response, add_special_tokens=False)["input_ids"])\n'
        '    n_prompt = len(tokenizer(prompt, add_special_tokens=False)["input_ids"])\n'
        "    prompt_ids, answer = ids[:n_prompt], ids[n_prompt:]  # BUG: cut where it may not be\n",
    ),
)
"""(old, new) replacements applied in order to the reference solution."""
