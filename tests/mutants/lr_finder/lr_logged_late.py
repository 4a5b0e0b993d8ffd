"""Mutant of lr_finder.

Updates the lr after the optimizer step and logs the new value: each loss is paired
with the lr of the *next* step.
"""

FAILS = ("lr_schedule", "suggestions_from_sweep", "hidden_sweep_1")
"""Checks that must fail on this mutant (tests/exercise_harness.py asserts it)."""

EDITS = (
    ("            lrs.append(lr)  # the lr this step used, paired with this step's loss\n", ""),
    (
        "                break  # diverged: relative to the best loss so far, not the first one\n",
        "                lrs.append(lr)\n"
        "                break\n",
    ),
    (
        "            optimizer.step()\n",
        "            optimizer.step()\n"
        "            # BUG: the lr is logged after moving on to the next step's value\n"
        "            lrs.append(start_lr * (end_lr / start_lr) ** ((i + 1) / (num_iters - 1)))\n",
    ),
)
"""(old, new) replacements applied in order to the reference solution."""
