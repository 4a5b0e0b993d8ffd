"""Mutant of classify_pipeline.

The tokenizer keeps its default truncation side ("right"): a long review loses its end, where
the verdict is, in training and in prediction. Short reviews are unaffected, so the overall
score only drops by the share of long reviews.
"""

FAILS = ("pipeline_learns", "hidden_pipeline_outcome")
"""Checks that must fail on this mutant (tests/exercise_harness.py asserts it)."""

EDITS = (
    (
        '    tokenizer.truncation_side = "left"\n',
        "    # BUG: no truncation_side: the tokenizer cuts the end of long reviews\n",
    ),
)
"""(old, new) replacements applied in order to the reference solution."""
