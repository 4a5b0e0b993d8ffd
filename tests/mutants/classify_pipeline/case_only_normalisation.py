"""Mutant of classify_pipeline.

The normalisation ignores case but not whitespace: copies that differ in spacing (a double
space, a tab, a trailing newline) count as different reviews and leak across the split.
"""

FAILS = ("split_keeps_copies_together", "hidden_split")
"""Checks that must fail on this mutant (tests/exercise_harness.py asserts it)."""

EDITS = (
    (
        'return " ".join(text.split()).casefold()',
        "return text.casefold()  # BUG: whitespace not normalised",
    ),
)
"""(old, new) replacements applied in order to the reference solution."""
