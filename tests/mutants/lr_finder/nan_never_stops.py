"""Mutant of lr_finder.

Never checks for a non-finite loss: a NaN poisons the average and the sweep runs on.
"""

FAILS = ("stops_on_nan", "hidden_stops_on_nan")
"""Checks that must fail on this mutant (tests/exercise_harness.py asserts it)."""

EDITS = (
    (
        "            if not math.isfinite(value):\n"
        "                break  # a NaN would poison the running average forever\n",
        "            # BUG: no test for NaN / inf\n",
    ),
)
"""(old, new) replacements applied in order to the reference solution."""
