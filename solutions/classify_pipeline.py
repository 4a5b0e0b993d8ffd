"""Reference solution: the decisive pieces of a text-classification pipeline.

A split that keeps every copy of a review on one side, metrics computed from scores, a
``Trainer`` that early-stops on validation and restores its best checkpoint, and a pipeline that
keeps the end of a long review, where the verdict is.
"""

import random
import tempfile

import numpy as np
from datasets import Dataset
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score
from transformers import (
    DataCollatorWithPadding,
    EarlyStoppingCallback,
    PrinterCallback,
    Trainer,
    TrainingArguments,
)

from book.models import load_sequence_classifier
from book.train import seed_everything

SEED = 0
EPOCHS = 8
LEARNING_RATE = 1e-3
BATCH_SIZE = 16
PATIENCE = 2
MAX_LENGTH = 64
"""Reviews are under 30 tokens: 64 keeps the whole review and some of what precedes it."""


def normalize(text: str) -> str:
    """The key two texts share when they are "the same review": case and spacing ignored."""
    return " ".join(text.split()).casefold()


def split_without_leakage(
    texts: list[str], test_size: float = 0.2, seed: int = 0
) -> tuple[list[int], list[int]]:
    """Split row indices into train and test; copies of a text stay on one side."""
    if not 0 < test_size < 1:
        raise ValueError(f"test_size must be strictly between 0 and 1; found {test_size!r}")
    groups: dict[str, list[int]] = {}
    for i, text in enumerate(texts):
        groups.setdefault(normalize(text), []).append(i)
    # Shuffle the groups, not the rows: a group goes to one side whole. The order before the
    # shuffle (first occurrence) and the seeded Random make the split reproducible.
    keys = list(groups)
    random.Random(seed).shuffle(keys)
    target = test_size * len(texts)
    test: list[int] = []
    for key in keys:
        if len(test) >= target:
            break
        test.extend(groups[key])
    chosen = set(test)
    train = [i for i in range(len(texts)) if i not in chosen]
    return train, sorted(test)


def compute_metrics(eval_pred) -> dict[str, float]:
    """Accuracy, macro-F1 and ROC AUC from logits, as ``Trainer`` calls it."""
    predictions, labels = eval_pred[0], eval_pred[1]
    if isinstance(predictions, tuple):  # some models return more than the logits
        predictions = predictions[0]
    logits = np.asarray(predictions, dtype=np.float64)
    labels = np.asarray(labels).astype(int)
    # Softmax over the classes (the last axis), shifted by the row maximum for stability.
    shifted = logits - logits.max(axis=-1, keepdims=True)
    probs = np.exp(shifted) / np.exp(shifted).sum(axis=-1, keepdims=True)
    predicted = probs.argmax(axis=-1)  # one prediction per row
    classes = list(range(logits.shape[-1]))
    if set(np.unique(labels).tolist()) != set(classes):
        roc_auc = float("nan")  # a class with no example: nothing to rank it against
    elif len(classes) == 2:
        roc_auc = roc_auc_score(labels, probs[:, 1])  # scores, never the argmax
    else:
        roc_auc = roc_auc_score(labels, probs, multi_class="ovr", average="macro",
                                labels=classes)
    return {
        "accuracy": float(accuracy_score(labels, predicted)),
        "macro_f1": float(f1_score(labels, predicted, labels=classes, average="macro",
                                   zero_division=0)),
        "roc_auc": float(roc_auc),
    }


def build_trainer(model, tokenizer, train_dataset, eval_dataset, output_dir: str) -> Trainer:
    """A ``Trainer`` early-stopped on ``eval_dataset`` that restores its best checkpoint."""
    args = TrainingArguments(
        output_dir=output_dir,
        num_train_epochs=EPOCHS,
        learning_rate=LEARNING_RATE,
        per_device_train_batch_size=BATCH_SIZE,
        per_device_eval_batch_size=128,
        weight_decay=0.01,
        warmup_steps=0.1,  # a float below 1 is a share of all steps
        lr_scheduler_type="linear",
        eval_strategy="epoch",
        save_strategy="epoch",  # load_best_model_at_end needs a checkpoint at every evaluation
        save_total_limit=1,  # the best checkpoint is kept as well: at most two on disk
        load_best_model_at_end=True,
        metric_for_best_model="macro_f1",
        greater_is_better=True,
        logging_strategy="no",
        report_to="none",
        use_cpu=True,
        seed=SEED,
        data_seed=SEED,
        disable_tqdm=True,
        dataloader_num_workers=0,
    )
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=train_dataset,
        eval_dataset=eval_dataset,  # validation, never train (or test)
        data_collator=DataCollatorWithPadding(tokenizer),  # pads each batch to its longest row
        compute_metrics=compute_metrics,
        callbacks=[EarlyStoppingCallback(early_stopping_patience=PATIENCE)],
    )
    trainer.remove_callback(PrinterCallback)  # no log lines per epoch
    return trainer


def train_and_predict(
    train: list[dict], val: list[dict], test_texts: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Fine-tune the course's classifier base; predict labels and probabilities for the test."""
    seed_everything(SEED)  # before loading: the new head's random weights depend on it
    num_labels = max(int(row["label"]) for row in [*train, *val]) + 1
    model, tokenizer = load_sequence_classifier("classifier-base", num_labels=num_labels)
    # Reviews end with the verdict: when a text is too long, cut its beginning, not its end.
    tokenizer.truncation_side = "left"

    def encode(texts: list[str], labels: list[int] | None = None) -> Dataset:
        columns = dict(tokenizer(texts, truncation=True, max_length=MAX_LENGTH))
        if labels is not None:
            columns["label"] = labels
        return Dataset.from_dict(columns)

    train_set = encode([r["text"] for r in train], [int(r["label"]) for r in train])
    val_set = encode([r["text"] for r in val], [int(r["label"]) for r in val])
    with tempfile.TemporaryDirectory() as output_dir:  # checkpoints go away with it
        trainer = build_trainer(model, tokenizer, train_set, val_set, output_dir)
        trainer.train()  # ends with the best checkpoint's weights loaded
        logits = trainer.predict(encode(list(test_texts))).predictions
    shifted = logits - logits.max(axis=-1, keepdims=True)
    probabilities = np.exp(shifted) / np.exp(shifted).sum(axis=-1, keepdims=True)
    return probabilities.argmax(axis=-1), probabilities
