"""Mutant of classify_pipeline.

The split shuffles rows, not groups of rows with the same normalised text: copies of a
training review land in the test split, and the test score rewards memorising them.
"""

FAILS = ("split_keeps_copies_together", "hidden_split")
"""Checks that must fail on this mutant (tests/exercise_harness.py asserts it)."""

EDITS = (
    (
        "groups.setdefault(normalize(text), []).append(i)",
        "groups.setdefault(str(i), []).append(i)  # BUG: every row is its own group",
    ),
)
"""(old, new) replacements applied in order to the reference solution."""
