"""book.train: the helpers every classification chapter relies on."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from datasets import Dataset
from tokenizers import Tokenizer, models, pre_tokenizers
from transformers import EvalPrediction, GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

from book.train import (
    NUM_THREADS,
    accuracy_by_group,
    classification_metrics,
    count_parameters,
    course_training_args,
    seed_everything,
    tokenize_classification,
)


def _word_tokenizer(pad: bool) -> PreTrainedTokenizerFast:
    vocab = {"[UNK]": 0, "good": 1, "bad": 2, "not": 3, "[PAD]": 4}
    core = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    core.pre_tokenizer = pre_tokenizers.Whitespace()
    tok = PreTrainedTokenizerFast(tokenizer_object=core, unk_token="[UNK]")
    if pad:
        tok.pad_token = "[PAD]"
    return tok


def test_count_parameters_counts_tied_weights_once_and_sees_freezing():
    config = GPT2Config(n_layer=1, n_embd=8, n_head=2, vocab_size=50, n_positions=16)
    model = GPT2LMHeadModel(config)
    assert model.lm_head.weight is model.transformer.wte.weight  # tied
    unique = {id(p): p.numel() for p in model.parameters()}
    counts = count_parameters(model)
    assert counts.total == sum(unique.values())
    assert counts.trainable == counts.total and counts.share == 1.0
    model.transformer.h.requires_grad_(False)
    frozen = sum(p.numel() for p in model.transformer.h.parameters())
    assert count_parameters(model).trainable == counts.total - frozen


def test_tokenize_classification_requires_a_pad_token():
    ds = Dataset.from_dict({"text": ["good", "not bad"], "label": [1, 1]})
    with pytest.raises(ValueError, match="pad token"):
        tokenize_classification(ds, _word_tokenizer(pad=False))
    out = tokenize_classification(ds, _word_tokenizer(pad=True), max_length=1)
    assert out["input_ids"] == [[1], [3]]  # truncated to max_length, not padded


def test_classification_metrics_macro_f1_punishes_ignoring_the_minority():
    labels = np.array([0] * 9 + [1])
    always_majority = np.tile([[1.0, 0.0]], (10, 1))
    m = classification_metrics(EvalPrediction(predictions=always_majority, label_ids=labels))
    assert m["accuracy"] == pytest.approx(0.9)
    assert m["f1_macro"] == pytest.approx((18 / 19 + 0.0) / 2)


def test_accuracy_by_group():
    by = accuracy_by_group([1, 0, 1, 1], [1, 1, 1, 0], ["a", "a", "b", "b"])
    assert by == {"a": 0.5, "b": 0.5}
    assert accuracy_by_group([1, 1], [1, 1], ["x", "y"]) == {"x": 1.0, "y": 1.0}


def test_course_training_args_defaults_and_overrides(tmp_path):
    args = course_training_args(tmp_path, learning_rate=0.123, eval_strategy="no")
    assert args.learning_rate == 0.123
    assert args.report_to == []  # "none" -> no external logger
    assert args.save_strategy.value == "no" and args.seed == 0 and args.data_seed == 0
    assert args.eval_strategy.value == "no"
    assert args.disable_tqdm is True


def test_seed_everything_makes_torch_repeatable():
    seed_everything(3)
    a = torch.rand(3)
    seed_everything(3)
    assert torch.equal(a, torch.rand(3))
    assert torch.get_num_threads() == NUM_THREADS
