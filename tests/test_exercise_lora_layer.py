"""Exercise 4 (LoRA layer): the grader discriminates, and the reference agrees with peft.

Grading: the reference earns full marks (same outputs on every run), the released stub 0,
each mutant less, caught by the checks it names. Claims: on the same A and B the reference
computes what peft 0.21 computes (forward on 2-D and 3-D inputs, merged weight vs
``merge_and_unload``, trainable count vs ``get_nb_trainable_parameters``); with B = 0 the
first gradient of A is exactly zero and the second is not.
"""

from __future__ import annotations

import pytest
import torch
from exercise_harness import (
    mutant_paths,
)

from autograde.assign_grade import grade_namespace
from autograde.drivers.lora_layer import make_case
from autograde.exercise import reference
from autograde.visible.lora_layer import peft_lora
from book.lora_math import lora_params

EXERCISE = "lora_layer"
SIZES = [(6, 4, 2, 6.0), (48, 20, 3, 12.0), (16, 16, 1, 32.0)]


@pytest.fixture(scope="module")
def lora_linear():
    return reference(EXERCISE).LoRALinear


def test_at_least_five_mutants():
    assert len(mutant_paths(EXERCISE)) >= 5


def test_init_checks_score_a_layer_whose_forward_is_not_written(lora_linear):
    class InitOnly(lora_linear):
        def forward(self, x):
            raise NotImplementedError()

    results = grade_namespace(EXERCISE, {"LoRALinear": InitOnly}, include_hidden=False)
    failed = {r.name for r in results if not r.passed}
    assert {"base_frozen", "adapter_shapes", "scaling_alpha_over_r"}.isdisjoint(failed)
    assert "unchanged_at_init" in failed and "forward_values" in failed


def _wrapped(lora_linear, seed: int, d: int, k: int, r: int, alpha: float):
    """The reference layer and peft's, on copies of one case's base, with the case's A, B."""
    case = make_case(seed, d, k, r, batch=5)
    ours = lora_linear(make_case(seed, d, k, r, batch=5).base, r, alpha)
    with torch.no_grad():
        ours.lora_A.copy_(case.lora_A)
        ours.lora_B.copy_(case.lora_B)
    peft_model, _ = peft_lora(case, r, alpha)
    return case, ours, peft_model


@pytest.mark.parametrize(("d", "k", "r", "alpha"), SIZES)
def test_reference_matches_peft_forward_merge_and_count(lora_linear, d, k, r, alpha):
    case, ours, peft_model = _wrapped(lora_linear, 7, d, k, r, alpha)
    x3 = torch.randn(2, 3, d, generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        for x in (case.x, x3):
            torch.testing.assert_close(ours(x), peft_model(x))
        merged = ours.merge()
        peft_merged = peft_model.merge_and_unload().proj
    torch.testing.assert_close(merged.weight, peft_merged.weight)
    torch.testing.assert_close(merged.bias, peft_merged.bias)
    trainable = sum(p.numel() for p in ours.parameters() if p.requires_grad)
    assert trainable == lora_params(d, k, r) == r * (d + k)


def test_peft_counts_trainable_parameters_as_r_times_in_plus_out(lora_linear):
    _, _, peft_model = _wrapped(lora_linear, 0, 64, 32, 8, 16.0)
    assert peft_model.get_nb_trainable_parameters()[0] == 8 * (64 + 32)


def test_first_gradient_of_a_is_zero_then_not(lora_linear):
    """The page's claim: B = 0 blocks A's gradient for exactly one step."""
    case = make_case(0, 12, 8, 4, batch=6)
    layer = lora_linear(case.base, 4, 8.0)
    optimizer = torch.optim.SGD([layer.lora_A, layer.lora_B], lr=0.1)
    grad_norms = []
    for _ in range(2):
        optimizer.zero_grad()
        (layer(case.x) * case.probe).sum().backward()
        grad_norms.append((layer.lora_A.grad.norm().item(), layer.lora_B.grad.norm().item()))
        optimizer.step()
    (a1, b1), (a2, b2) = grad_norms
    assert a1 == 0.0 and b1 > 0 and a2 > 0 and b2 > 0


def test_rank_validation(lora_linear):
    base = make_case(0, 4, 3, 1, batch=1).base
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="r must be an integer >= 1"):
            lora_linear(base, bad, 8.0)
