"""Mutant of lr_finder.

Backs up model.state_dict() and optimizer.state_dict() without copy.deepcopy: the
backups are live views of the tensors the sweep updates, so nothing is restored.
"""

FAILS = ("restores_model_weights", "restores_optimizer_state", "hidden_restores_state")
"""Checks that must fail on this mutant (tests/exercise_harness.py asserts it)."""

EDITS = (
    (
        "model_backup = copy.deepcopy(model.state_dict())",
        "model_backup = model.state_dict()  # BUG: a live view, not a backup",
    ),
    (
        "optimizer_backup = copy.deepcopy(optimizer.state_dict())",
        "optimizer_backup = optimizer.state_dict()  # BUG: a live view, not a backup",
    ),
)
"""(old, new) replacements applied in order to the reference solution."""
