"""Mutant of instruct_data.

normalize removes every punctuation character, not only those at the ends: "the docs: negative"
then matches "the docs negative", and "isn't" becomes "isnt". The structured answers' format is
part of the answer.
"""

FAILS = ("normalize_keeps_inside", "exact_match_pairs", "hidden_normalize", "hidden_exact_match")
"""Checks that must fail on this mutant (tests/exercise_harness.py asserts it)."""

EDITS = (
    (
        "return spaced.strip(PUNCTUATION).strip()",
        'return " ".join(spaced.translate(str.maketrans("", "", PUNCTUATION)).split())  # BUG',
    ),
)
"""(old, new) replacements applied in order to the reference solution."""
