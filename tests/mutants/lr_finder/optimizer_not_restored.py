"""Mutant of lr_finder.

Restores the model but not the optimizer (its lr and AdamW moments keep the sweep's).
"""

FAILS = ("restores_optimizer_state", "hidden_restores_state")
"""Checks that must fail on this mutant (tests/exercise_harness.py asserts it)."""

EDITS = (
    (
        "        optimizer.load_state_dict(optimizer_backup)\n",
        "        # BUG: the optimizer is not restored\n",
    ),
)
"""(old, new) replacements applied in order to the reference solution."""
