"""Mutant of early_stopping.

Accepts any mode, patience and min_delta without complaint.
"""

FAILS = ("rejects_unknown_mode", "rejects_negative_patience", "rejects_negative_min_delta")
"""Checks that must fail on this mutant (tests/exercise_harness.py asserts it)."""

EDITS = (
    (
        '        if mode not in ("min", "max"):\n'
        '            raise ValueError(f"mode must be \'min\' or \'max\'; found {mode!r}")\n'
        "        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 0:\n"
        '            raise ValueError(f"patience must be an integer >= 0; found {patience!r}")\n'
        "        if not min_delta >= 0:  # also rejects NaN\n"
        '            raise ValueError(f"min_delta must be >= 0; found {min_delta!r}")\n',
        "        # BUG: arguments are not validated\n",
    ),
)
"""(old, new) replacements applied in order to the reference solution."""
