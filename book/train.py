"""Small training helpers that keep chapter code about the idea, not the plumbing.

What lives here is what every classification chapter would otherwise repeat: tokenizing a
``text``/``label`` dataset, the metrics, course-wide ``TrainingArguments`` defaults that keep
runs quiet, CPU-friendly and reproducible, and counting parameters. The lesson itself
(``Trainer``, freezing, unfreezing, LoRA) stays visible in the chapters.
"""

from __future__ import annotations

import random
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from sklearn.metrics import accuracy_score, f1_score
from transformers import EvalPrediction, PreTrainedTokenizerBase, TrainingArguments

SEED = 0
"""The course's default seed: every chapter passes it on so a rebuild gives the same numbers."""

NUM_THREADS = 1
"""CPU threads for chapter runs: fixed, because float sums depend on how work is split. One,
because the kit model is only 64 wide: a second thread adds more synchronisation than work,
and on a busy machine (a CI runner, a laptop in a workshop) it made runs several times slower."""


def seed_everything(seed: int = SEED) -> None:
    """Seed Python, NumPy and torch, and fix the thread count, before anything random happens."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(NUM_THREADS)


@dataclass(frozen=True)
class ParamCount:
    trainable: int
    total: int

    @property
    def share(self) -> float:
        """Trainable fraction of all parameters (0..1)."""
        return self.trainable / self.total if self.total else 0.0


def count_parameters(model: torch.nn.Module) -> ParamCount:
    """Trainable and total parameters, counting shared (tied) tensors once."""
    seen: dict[int, torch.nn.Parameter] = {id(p): p for p in model.parameters()}
    total = sum(p.numel() for p in seen.values())
    trainable = sum(p.numel() for p in seen.values() if p.requires_grad)
    return ParamCount(trainable=trainable, total=total)


def tokenize_classification(dataset: Any, tokenizer: PreTrainedTokenizerBase, max_length: int = 64):
    """Add ``input_ids``/``attention_mask`` to a ``text``/``label`` Dataset or DatasetDict.

    No padding here: ``DataCollatorWithPadding`` pads each batch to its own longest example,
    which is much cheaper than padding everything to ``max_length``.
    """
    if tokenizer.pad_token is None:
        raise ValueError(
            "the tokenizer has no pad token; GPT-2-style models need one for batching "
            "(e.g. tokenizer.pad_token = tokenizer.eos_token, and set model.config.pad_token_id)"
        )

    def encode(batch: dict[str, list]) -> dict[str, list]:
        return tokenizer(batch["text"], truncation=True, max_length=max_length)

    return dataset.map(encode, batched=True, desc="tokenizing")


def classification_metrics(prediction: EvalPrediction) -> dict[str, float]:
    """Accuracy and macro-F1 (the mean of per-class F1: the minority class counts as much)."""
    logits = prediction.predictions[0] if isinstance(prediction.predictions, tuple) else (
        prediction.predictions
    )
    predicted = np.asarray(logits).argmax(axis=-1)
    labels = np.asarray(prediction.label_ids)
    return {
        "accuracy": float(accuracy_score(labels, predicted)),
        "f1_macro": float(f1_score(labels, predicted, average="macro")),
    }


def accuracy_by_group(
    labels: Sequence[int], predictions: Sequence[int], groups: Sequence[str]
) -> dict[str, float]:
    """Accuracy within each group (e.g. each linguistic phenomenon), sorted by group name."""
    labels_a, preds_a, groups_a = np.asarray(labels), np.asarray(predictions), np.asarray(groups)
    return {
        str(g): float((labels_a[groups_a == g] == preds_a[groups_a == g]).mean())
        for g in sorted(set(groups_a.tolist()))
    }


def course_training_args(
    output_dir: str | Path | None = None, **overrides: Any
) -> TrainingArguments:
    """``TrainingArguments`` with the course's defaults; any field can be overridden.

    ``output_dir`` defaults to a fresh temporary folder: chapters write no checkpoints, and
    a page executed by the site build must not leave files next to itself.

    Defaults: CPU unless a GPU is present, seeded, no checkpoints written, no external loggers,
    no progress table (its timings would differ on every site build), evaluation every epoch.
    """
    defaults: dict[str, Any] = dict(
        output_dir=str(output_dir or tempfile.mkdtemp(prefix="ftcourse-")),
        use_cpu=not torch.cuda.is_available(),
        seed=SEED,
        data_seed=SEED,
        report_to="none",
        save_strategy="no",
        eval_strategy="epoch",
        logging_strategy="epoch",
        disable_tqdm=True,
        dataloader_num_workers=0,
        per_device_train_batch_size=32,
        per_device_eval_batch_size=128,
    )
    defaults.update(overrides)
    return TrainingArguments(**defaults)
