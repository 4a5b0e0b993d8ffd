"""Exercise 2 (early stopping): the grader discriminates, and the page's claims hold.

Grading: the reference earns full marks (same outputs on every run), the released stub 0,
each mutant less, caught by the checks it names, with a message that says what is wrong.
Claims: ``TrainingArguments`` has no ``early_stopping_patience``; transformers'
``EarlyStoppingCallback`` stops on a metric that improves steadily by less than its
threshold per evaluation, where this exercise's Keras-like rule keeps going.
"""

from __future__ import annotations

import tempfile

import pytest
import torch
from exercise_harness import (
    mutant_check,
    mutant_paths,
)

from autograde.exercise import reference

EXERCISE = "early_stopping"
REQUIRED_MUTANTS = {
    "non_strict_improvement", "counter_not_reset", "min_delta_ignored", "wrong_mode_direction",
    "nan_improves", "live_state_dict",
}
SLOW_GAINS = [1.00, 0.99, 0.98, 0.97, 0.96, 0.95]
"""A loss improving by 0.01 per evaluation, below a threshold of 0.015."""


def test_the_classic_bugs_have_mutants():
    assert REQUIRED_MUTANTS <= {p.stem for p in mutant_paths(EXERCISE)}


@pytest.mark.parametrize(("mutant", "check", "phrase"), [
    ("non_strict_improvement", "equal_is_not_improvement", "Improvement is strict"),
    ("counter_not_reset", "counter_resets_on_improvement", "counter should be 0; yours is 2"),
    ("min_delta_ignored", "min_delta_in_min_mode", "min_delta is an absolute margin"),
    ("wrong_mode_direction", "max_mode", "higher scores are better"),
    ("nan_improves", "nan_is_no_improvement", "A NaN score is never an improvement"),
    ("live_state_dict", "restores_best_weights", "copy.deepcopy(model.state_dict())"),
    ("no_validation", "rejects_unknown_mode", "should raise ValueError; it was accepted"),
])
def test_failure_message_says_what_is_wrong(mutant: str, check: str, phrase: str):
    result = mutant_check(EXERCISE, mutant, check)
    assert not result.passed
    assert phrase in result.message


def test_reference_refuses_restore_without_kept_weights():
    stopper = reference(EXERCISE).EarlyStopping(restore_best_weights=True)
    with pytest.raises(ValueError, match="pass the model"):
        stopper.step(1.0)
    with pytest.raises(RuntimeError, match="no best weights"):
        reference(EXERCISE).EarlyStopping().restore(torch.nn.Linear(1, 1))


def test_keras_like_rule_accumulates_small_gains():
    """0.99 is not 0.015 better than 1.00, but 0.98 is: two small gains add up."""
    stopper = reference(EXERCISE).EarlyStopping(patience=2, min_delta=0.015)
    counters = []
    for score in SLOW_GAINS:
        assert not stopper.step(score)
        counters.append(stopper.counter)
    assert counters == [0, 1, 0, 1, 0, 1]
    assert (stopper.best_score, stopper.best_epoch) == (0.96, 4)


def test_training_arguments_has_no_early_stopping_patience():
    from transformers import TrainingArguments

    with pytest.raises(TypeError, match="early_stopping_patience"):
        TrainingArguments(output_dir=tempfile.mkdtemp(), early_stopping_patience=3)


@pytest.mark.slow
def test_transformers_callback_stops_on_gains_below_its_threshold():
    """The page's scripted run: a real Trainer, the metric fed by compute_metrics."""
    from transformers import (
        BertConfig,
        BertForSequenceClassification,
        EarlyStoppingCallback,
        Trainer,
        TrainingArguments,
    )

    torch.manual_seed(0)
    model = BertForSequenceClassification(BertConfig(
        vocab_size=30, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=32, max_position_embeddings=16, num_labels=2))
    rows = [{"input_ids": torch.arange(1, 13), "labels": torch.tensor(i % 2)} for i in range(8)]
    scores = iter(SLOW_GAINS)
    args = TrainingArguments(
        output_dir=tempfile.mkdtemp(), eval_strategy="epoch", save_strategy="no",
        metric_for_best_model="scripted", greater_is_better=False,
        num_train_epochs=len(SLOW_GAINS), per_device_train_batch_size=8, logging_strategy="no",
        report_to="none", use_cpu=True, disable_tqdm=True,
    )
    trainer = Trainer(
        model=model, args=args, train_dataset=rows, eval_dataset=rows,
        compute_metrics=lambda _: {"scripted": next(scores)},
        callbacks=[EarlyStoppingCallback(early_stopping_patience=2,
                                         early_stopping_threshold=0.015)],
    )
    trainer.train()
    seen = [r["eval_scripted"] for r in trainer.state.log_history if "eval_scripted" in r]
    assert seen == SLOW_GAINS[:3]
