"""Mutant of early_stopping.

Keeps model.state_dict() as the best weights: a live view that follows training.
"""

FAILS = ("restores_best_weights", "restores_best_weights_max_mode", "hidden_restore")
"""Checks that must fail on this mutant (tests/exercise_harness.py asserts it)."""

EDITS = (
    (
        "self.best_weights = copy.deepcopy(model.state_dict())",
        "self.best_weights = model.state_dict()  # BUG: a live view, not a copy",
    ),
)
"""(old, new) replacements applied in order to the reference solution."""
