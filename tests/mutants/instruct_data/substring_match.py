"""Mutant of instruct_data.

exact_match tests whether the normalized reference occurs in the normalized response: "not
slow" then matches "slow", and a response that lists every class matches them all.
"""

FAILS = ("exact_match_pairs", "hidden_exact_match")
"""Checks that must fail on this mutant (tests/exercise_harness.py asserts it)."""

EDITS = (
    (
        "return normalize(response) == normalize(reference)",
        "return normalize(reference) in normalize(response)  # BUG: contains is not equal",
    ),
)
"""(old, new) replacements applied in order to the reference solution."""
