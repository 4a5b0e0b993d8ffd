"""Exercise 3 (focal loss): the grader discriminates, and the page's claims hold.

Grading: the reference earns full marks (same outputs on every run), the released stub 0,
each mutant less, caught by the checks it names. Claims: gamma=0 is cross-entropy; the mean
with alpha is the plain mean (not weighted F.cross_entropy's); gradients are finite at
p_t == 1 where the naive power is NaN; the page's Trainer subclass trains on the focal loss
and is not double-counted under gradient accumulation.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from exercise_harness import (
    graded_notebook,
    mutant_paths,
    page,
)

from autograde.drivers.focal_loss import make_batch
from autograde.exercise import reference

EXERCISE = "focal_loss"
MUTANTS = Path(__file__).parent / "mutants" / EXERCISE


@pytest.fixture(scope="module")
def focal_loss():
    return reference(EXERCISE).focal_loss


def test_at_least_six_mutants():
    assert len(mutant_paths(EXERCISE)) >= 6


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_gamma_zero_is_cross_entropy(focal_loss, reduction):
    logits, targets = make_batch(seed=0, n=16, c=5, scale=3.0)
    expected = F.cross_entropy(logits, targets, reduction=reduction)
    torch.testing.assert_close(focal_loss(logits, targets, gamma=0.0, reduction=reduction),
                               expected)


def test_mean_with_alpha_is_plain_mean_not_weighted_cross_entropy(focal_loss):
    logits, targets = make_batch(seed=0, n=16, c=3, scale=3.0)
    alpha = torch.tensor([0.2, 0.3, 0.5])
    per_example = alpha[targets] * F.cross_entropy(logits, targets, reduction="none")
    ours = focal_loss(logits, targets, gamma=0.0, alpha=alpha)
    torch.testing.assert_close(ours, per_example.mean())
    assert not torch.isclose(ours, F.cross_entropy(logits, targets, weight=alpha))


@pytest.mark.parametrize("gamma", [0.0, 0.5, 2.0])
def test_gradient_finite_where_naive_power_is_nan(focal_loss, gamma):
    logits = torch.tensor([[100.0, 0.0, 0.0], [0.0, 100.0, 0.0], [1.0, 2.0, 3.0]],
                          requires_grad=True)
    targets = torch.tensor([0, 1, 2])
    (grad,) = torch.autograd.grad(focal_loss(logits, targets, gamma=gamma), logits)
    assert torch.isfinite(grad).all()
    assert grad[:2].abs().max() < 1e-30  # p_t == 1: nothing left to learn from these rows

    log_pt = F.log_softmax(logits, -1).gather(1, targets[:, None]).squeeze(1)
    naive = (-((1 - log_pt.exp()) ** gamma) * log_pt).mean()
    (naive_grad,) = torch.autograd.grad(naive, logits)
    assert torch.isfinite(naive_grad).all() == (gamma != 0.5)


@pytest.mark.slow
@pytest.mark.parametrize("scaled_flag", [False, None])
def test_page_trainer_trains_on_focal_loss_once_per_accumulated_step(focal_loss, scaled_flag):
    """One optimizer step over 2 accumulated micro-batches logs the mean focal loss of the
    8 examples; without ``loss_is_scaled_for_ga = False`` it would log (and step on) twice it."""
    from transformers import BertConfig, BertForSequenceClassification, TrainingArguments

    source = next(c.source for c in page(EXERCISE).cells if "class FocalLossTrainer" in c.source)
    namespace = {"focal_loss": focal_loss, "Sequence": Sequence}
    exec(source, namespace)
    trainer_class = type("Probe", (namespace["FocalLossTrainer"],),
                         {"loss_is_scaled_for_ga": scaled_flag})

    generator = torch.Generator().manual_seed(0)
    ids, labels = torch.randint(32, (8, 6), generator=generator), torch.randint(3, (8,),
                                                                               generator=generator)
    rows = [{"input_ids": ids[i], "attention_mask": torch.ones(6, dtype=torch.long),
             "labels": labels[i]} for i in range(8)]
    torch.manual_seed(0)
    model = BertForSequenceClassification(BertConfig(
        vocab_size=32, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=32, max_position_embeddings=16, num_labels=3,
        hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
    ))
    alpha = [0.2, 0.3, 0.5]
    with torch.no_grad():
        expected = focal_loss(model(input_ids=ids).logits, labels, alpha=alpha).item()
    with tempfile.TemporaryDirectory() as out:
        args = TrainingArguments(
            output_dir=out, per_device_train_batch_size=4, gradient_accumulation_steps=2,
            max_steps=1, use_cpu=True, report_to=[], save_strategy="no", logging_steps=1,
            seed=0, disable_tqdm=True,
        )
        trainer = trainer_class(model=model, args=args, train_dataset=rows, alpha=alpha)
        trainer.train()
    (logged,) = [entry["loss"] for entry in trainer.state.log_history if "loss" in entry]
    factor = 1 if scaled_flag is False else 2
    assert logged == pytest.approx(factor * expected, rel=1e-4)


@pytest.mark.slow
def test_engine_fails_nan_gradient_mutant_on_the_gradient_checks_only():
    """Through the sandbox, NaN gradients cross the JSON boundary and still fail exactly the
    gradient checks (tests/test_engine_real.py grades the reference and another mutant)."""
    from autograde.engine import References, grade_notebook

    mutant = graded_notebook(EXERCISE, MUTANTS / "naive_power.py")
    results = grade_notebook(mutant, [EXERCISE], References()).results
    assert {r.name for r in results if not r.passed} == {
        "finite_gradient_gamma_half", "hidden_confident_gamma_quarter"
    }
