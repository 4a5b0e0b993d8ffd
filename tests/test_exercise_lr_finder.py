"""Exercise 1 (LR range test): the grader discriminates, and the reference keeps its promises.

Grading: the reference earns full marks (same driver outputs on every run), the released
stub 0, each mutant less, caught by the checks it names, with a message that says what is
wrong. Trust: the initial state the grader rebuilds from a seed is the one the sandbox saw.
Reference: restores everything even when the sweep is interrupted.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest
import torch
from exercise_harness import (
    mutant_check,
    mutant_paths,
)

from autograde.drivers.lr_finder import (
    build,
    initial_state,
    model_fingerprint,
    one_thread,
    optimizer_fingerprint,
)
from autograde.exercise import reference
from autograde.visible.lr_finder import CASE_B, SWEEP_B

EXERCISE = "lr_finder"
REQUIRED_MUTANTS = {
    "no_deepcopy_backup", "optimizer_not_restored", "lr_logged_late", "diverge_vs_first_loss",
    "nan_never_stops", "steep_from_raw_losses",
}


def test_the_classic_bugs_have_mutants():
    assert REQUIRED_MUTANTS <= {p.stem for p in mutant_paths(EXERCISE)}


@pytest.mark.parametrize(("mutant", "check", "phrase"), [
    ("no_deepcopy_backup", "restores_model_weights", "state_dict() returns live tensors"),
    ("optimizer_not_restored", "restores_optimizer_state", "restore the optimizer too"),
    ("lr_logged_late", "lr_schedule", "logged one step late"),
    ("diverge_vs_first_loss", "stops_on_divergence", "compare with the first loss"),
    ("nan_never_stops", "stops_on_nan", "did not stop when the loss became NaN"),
    ("no_bias_correction", "smoothed_losses", "not bias-corrected"),
    ("no_cycling", "cycles_dataloader", "one pass over the dataloader"),
    ("suggest_central_differences", "steep_is_steepest_fall", "not np.gradient's central"),
    ("suggest_untrimmed", "trims_before_minimum", "lrs[27] / 10"),
])
def test_failure_message_says_what_is_wrong(mutant: str, check: str, phrase: str):
    result = mutant_check(EXERCISE, mutant, check)
    assert not result.passed
    assert phrase in result.message


def test_grader_rebuilds_the_initial_state_the_sandbox_saw():
    """Fingerprints from a fresh interpreter (as in the sandbox) equal this process's."""
    code = ("import json; from autograde.drivers.lr_finder import initial_state; "
            f"print(json.dumps(initial_state({CASE_B!r})))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == json.loads(json.dumps(initial_state(CASE_B)))


def test_reference_restores_everything_when_the_sweep_is_interrupted():
    setup = build(CASE_B)
    setup.model.eval()
    before = model_fingerprint(setup.model), optimizer_fingerprint(setup.optimizer)
    calls = 0

    def failing_loss(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        nonlocal calls
        calls += 1
        if calls == 5:
            raise RuntimeError("interrupted")
        return torch.nn.functional.cross_entropy(outputs, targets)

    with pytest.raises(RuntimeError, match="interrupted"), one_thread():
        reference(EXERCISE).find_lr(setup.model, setup.dataloader, setup.optimizer,
                                    loss_fn=failing_loss, **{**SWEEP_B, "num_iters": 10})
    assert (model_fingerprint(setup.model), optimizer_fingerprint(setup.optimizer)) == before
    assert not setup.model.training


def test_reference_schedule_ends_at_end_lr_and_stops_on_divergence():
    setup = build(CASE_B)
    with one_thread():
        result = reference(EXERCISE).find_lr(setup.model, setup.dataloader, setup.optimizer,
                                             loss_fn=setup.loss_fn, **SWEEP_B)
    lrs, losses = result["lrs"], result["losses"]
    n = SWEEP_B["num_iters"]
    ratio = SWEEP_B["end_lr"] / SWEEP_B["start_lr"]
    assert lrs == pytest.approx([SWEEP_B["start_lr"] * ratio ** (i / (n - 1))
                                 for i in range(len(lrs))], rel=1e-12)
    assert len(lrs) < n  # it diverged ...
    assert losses[-1] > 4 * min(losses)  # ... by the rule, at the last point and not before
    assert all(s <= 4 * min(losses[: i + 1]) for i, s in enumerate(losses[:-1]))
    assert all(math.isfinite(s) for s in losses)
