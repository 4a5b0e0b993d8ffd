"""Text classification from rows to a saved model: the one implementation behind Chapter 6 and
``ftcourse finetune --task classify``.

Each step is a small function so that the chapter can show and run them one at a time and the
command can chain them (:func:`finetune`). What a practitioner would write stays visible:
``TrainingArguments``, ``Trainer``, ``EarlyStoppingCallback``, ``save_pretrained``.

Rows are ``{"text": str, "label": str | int}``. Labels are kept as names (``"positive"``,
``"3"``) in the model's ``config.id2label``, so ``pipeline("text-classification")`` and the
HTTP service answer with names, not class numbers.
"""

from __future__ import annotations

import copy
import itertools
import json
import math
import shutil
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from datasets import Dataset
from transformers import (
    AutoModelForSequenceClassification,
    AutoTokenizer,
    DataCollatorWithPadding,
    EarlyStoppingCallback,
    EvalPrediction,
    PreTrainedTokenizerBase,
    Trainer,
    TrainingArguments,
)
from transformers.trainer_utils import get_last_checkpoint

from book.models import load_sequence_classifier
from book.pipeline.metrics import classification_report, softmax
from book.train import seed_everything

RUN_FILE = "ftcourse.json"
"""What a saved model folder says about itself: task, labels, base model, recipe, data."""


@dataclass
class ClassifyRecipe:
    """The knobs of one classification fine-tune, with defaults that work on the kit model.

    ``lr=None`` runs the LR range test (:func:`lr_range_test`) and takes its suggestion;
    ``max_length=None`` picks the 95th percentile of the training texts' token lengths.
    """

    epochs: int = 30
    lr: float | None = None
    batch_size: int = 16
    patience: int = 6
    """Epochs without a better validation macro-F1 before training stops. Generous, because a
    small model can sit on a plateau for several epochs before it learns the hard cases: on the
    kit's software reviews, negation came late, and with a patience of 4 most runs stopped on
    the plateau (0.86-0.88 test accuracy, against 0.975 with 6)."""
    max_length: int | None = None
    truncation_side: str = "left"
    """Which end to cut when a text is too long. Reviews end with the verdict, so the course
    keeps the end ("left" cuts the beginning); see Chapter 6's pitfall."""
    weight_decay: float = 0.01
    warmup: float = 0.1
    """Share of the steps with a linearly growing learning rate."""
    seed: int = 0


# ---- labels and datasets ---------------------------------------------------------------------


def label_names(rows: Sequence[dict[str, Any]]) -> list[str]:
    """The sorted label names of ``rows`` (integers sort numerically, then become names)."""
    values = {row["label"] for row in rows}
    return [str(v) for v in sorted(values, key=lambda v: (isinstance(v, str), v))]


def to_dataset(rows: Sequence[dict[str, Any]], names: Sequence[str]) -> Dataset:
    """A ``Dataset`` with ``text`` and integer ``label`` (index into ``names``)."""
    index = {name: i for i, name in enumerate(names)}
    unknown = sorted({str(r["label"]) for r in rows} - set(index))
    if unknown:
        raise ValueError(f"labels {unknown} are not among the training labels {list(names)}")
    return Dataset.from_dict({"text": [r["text"] for r in rows],
                              "label": [index[str(r["label"])] for r in rows]})


def token_lengths(tokenizer: PreTrainedTokenizerBase, texts: Sequence[str]) -> np.ndarray:
    """Tokens per text, without truncation."""
    return np.array([len(ids) for ids in tokenizer(list(texts))["input_ids"]])


def choose_max_length(lengths: np.ndarray, limit: int, quantile: float = 0.95) -> int:
    """The ``quantile`` of ``lengths``, at most the model's ``limit`` (its position count)."""
    return int(min(limit, math.ceil(float(np.quantile(lengths, quantile)))))


def tokenize(dataset: Dataset, tokenizer: PreTrainedTokenizerBase, max_length: int) -> Dataset:
    """``input_ids``/``attention_mask`` next to ``label``; no padding (the collator pads)."""
    return dataset.map(
        lambda batch: tokenizer(batch["text"], truncation=True, max_length=max_length),
        batched=True, remove_columns=["text"], desc="tokenizing",
    )


def load_base(base_model: str, names: Sequence[str], recipe: ClassifyRecipe):
    """``(model, tokenizer)``: the base model with a fresh head whose classes are ``names``."""
    seed_everything(recipe.seed)
    model, tokenizer = load_sequence_classifier(
        base_model, num_labels=len(names),
        id2label=dict(enumerate(names)), label2id={n: i for i, n in enumerate(names)},
    )
    tokenizer.truncation_side = recipe.truncation_side
    return model, tokenizer


# ---- learning rate -------------------------------------------------------------------------------


def lr_range_test(
    model: torch.nn.Module,
    train: Dataset,
    collator: DataCollatorWithPadding,
    *,
    start_lr: float = 1e-5,
    end_lr: float = 1.0,
    steps: int = 200,
    batch_size: int = 64,
    smooth: float = 0.98,
    seed: int = 0,
) -> dict[str, Any]:
    """The LR range test on a *copy* of ``model``: the learning rate grows exponentially from
    ``start_lr`` to ``end_lr`` over ``steps`` AdamW steps; the loss is smoothed with a
    bias-corrected moving average; the sweep stops once the loss is 4x its best.

    Returns ``lrs``, ``losses`` and ``suggestion``: the learning rate of the lowest smoothed
    loss divided by 10 (fastai's ``minimum`` rule: at the minimum the rate is already too hot),
    ignoring the first tenth of the sweep, where a few noisy batches decide the average.
    ``model`` itself is never touched, so nothing needs restoring (the lr_finder exercise
    does the harder in-place version).

    Why a batch of 64 even when training uses 16: each step's loss is then less noisy. On a
    few hundred reviews of a domain the kit model never saw, the curve at 16 was flat within
    its noise and the suggestion varied 20-fold between seeds; at 64 the dip is clear and the
    suggestion stayed within 2.6e-3 to 5.5e-3 over three seeds.
    """
    probe = copy.deepcopy(model).train()
    optimizer = torch.optim.AdamW(probe.parameters(), lr=start_lr, weight_decay=0.0)
    growth = (end_lr / start_lr) ** (1 / (steps - 1))
    loader = torch.utils.data.DataLoader(
        train, batch_size=batch_size, shuffle=True, collate_fn=collator,
        generator=torch.Generator().manual_seed(seed),
    )
    batches = itertools.chain.from_iterable(itertools.repeat(loader))
    lrs, losses, average, best = [], [], 0.0, math.inf
    for step, batch in zip(range(steps), batches, strict=False):
        lr = start_lr * growth**step
        for group in optimizer.param_groups:
            group["lr"] = lr
        loss = probe(**batch).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        average = smooth * average + (1 - smooth) * loss.item()
        smoothed = average / (1 - smooth ** (step + 1))
        if not math.isfinite(smoothed):
            break
        lrs.append(lr)
        losses.append(smoothed)
        best = min(best, smoothed)
        if smoothed > 4 * best:
            break
    skip = min(steps // 10, len(losses) - 1)
    lowest = skip + int(np.argmin(losses[skip:]))
    return {"lrs": lrs, "losses": losses, "suggestion": lrs[lowest] / 10}


# ---- training --------------------------------------------------------------------------------


def compute_metrics(prediction: EvalPrediction) -> dict[str, float]:
    """What ``Trainer`` reports at each evaluation: accuracy, macro-F1 and ROC AUC.

    AUC needs scores, so it is computed from the softmax of the logits, never from the argmax.
    """
    logits = prediction.predictions
    logits = logits[0] if isinstance(logits, tuple) else logits
    report = classification_report(prediction.label_ids, softmax(logits),
                                   [str(i) for i in range(np.asarray(logits).shape[-1])])
    return {key: report[key] for key in ("accuracy", "macro_f1", "roc_auc")}


def training_arguments(recipe: ClassifyRecipe, output_dir: str | Path, lr: float, *,
                       progress: bool = False) -> TrainingArguments:
    """Evaluate and save every epoch, keep the best checkpoint by validation macro-F1."""
    return TrainingArguments(
        output_dir=str(output_dir),
        num_train_epochs=recipe.epochs,
        learning_rate=lr,
        per_device_train_batch_size=recipe.batch_size,
        per_device_eval_batch_size=128,
        weight_decay=recipe.weight_decay,
        warmup_steps=recipe.warmup,  # a float below 1 is a share of all steps
        lr_scheduler_type="linear",
        eval_strategy="epoch",
        save_strategy="epoch",  # load_best_model_at_end needs a checkpoint per evaluation
        save_total_limit=2,  # the best one and the latest one
        load_best_model_at_end=True,
        metric_for_best_model="macro_f1",
        greater_is_better=True,
        logging_strategy="epoch",
        seed=recipe.seed,
        data_seed=recipe.seed,
        use_cpu=not torch.cuda.is_available(),
        report_to="none",
        disable_tqdm=not progress,
        dataloader_num_workers=0,
    )


def build_trainer(model, tokenizer, train: Dataset, validation: Dataset,
                  args: TrainingArguments, patience: int) -> Trainer:
    """``Trainer`` with early stopping on the validation split (never on train or test)."""
    return Trainer(
        model=model,
        args=args,
        train_dataset=train,
        eval_dataset=validation,
        data_collator=DataCollatorWithPadding(tokenizer),
        processing_class=tokenizer,
        compute_metrics=compute_metrics,
        callbacks=[EarlyStoppingCallback(early_stopping_patience=patience)],
    )


# ---- prediction ------------------------------------------------------------------------------


@torch.no_grad()
def predict_proba(model, tokenizer, texts: Sequence[str], max_length: int,
                  batch_size: int = 64) -> np.ndarray:
    """Class probabilities ``(len(texts), classes)`` in ``config.id2label`` order."""
    model.eval()
    chunks = []
    for start in range(0, len(texts), batch_size):
        batch = tokenizer(list(texts[start:start + batch_size]), truncation=True,
                          max_length=max_length, padding=True, return_tensors="pt")
        chunks.append(softmax(model(**batch).logits.float().numpy()))
    return np.concatenate(chunks) if chunks else np.zeros((0, model.config.num_labels))


@torch.no_grad()
def zero_shot_proba(lm, tokenizer, texts: Sequence[str],
                    verbalizers: dict[str, Sequence[str]], batch_size: int = 16) -> np.ndarray:
    """Classify with a causal LM *before* any fine-tuning: score each class's verdicts.

    For every text and class, the log-probability the LM gives each verdict (e.g. "Would
    recommend.") right after the text; a class scores the log of the mean probability of
    its verdicts. The softmax over classes is the zero-shot prediction. Columns follow
    ``verbalizers``' order. All (text, verdict) pairs of ``batch_size`` texts go through the
    model in one right-padded forward pass.
    """
    lm.eval()
    verdicts = [(j, tokenizer(" " + v)["input_ids"])
                for j, options in enumerate(verbalizers.values()) for v in options]
    counts = np.bincount([j for j, _ in verdicts], minlength=len(verbalizers))
    pad = tokenizer.pad_token_id
    scores = np.zeros((len(texts), len(verbalizers)))
    for start in range(0, len(texts), batch_size):
        chunk = list(texts[start:start + batch_size])
        prefixes = tokenizer(chunk)["input_ids"]
        pairs = [(i, j, prefix, target) for i, prefix in enumerate(prefixes)
                 for j, target in verdicts]
        width = max(len(p) + len(t) for _, _, p, t in pairs)
        ids = torch.tensor([p + t + [pad] * (width - len(p) - len(t)) for _, _, p, t in pairs])
        mask = (torch.arange(width)[None, :] < torch.tensor(
            [len(p) + len(t) for _, _, p, t in pairs])[:, None]).long()
        logp = torch.log_softmax(lm(input_ids=ids, attention_mask=mask).logits.float(), -1)
        chunk_scores = np.full((len(chunk), len(verbalizers)), -np.inf)
        for row, (i, j, prefix, target) in enumerate(pairs):
            positions = torch.arange(len(prefix) - 1, len(prefix) + len(target) - 1)
            value = logp[row, positions, torch.tensor(target)].sum().item()
            chunk_scores[i, j] = np.logaddexp(chunk_scores[i, j], value)
        scores[start:start + len(chunk)] = chunk_scores - np.log(counts)
    return softmax(scores)


def predictor(model, tokenizer, max_length: int):
    """``text -> {"label": name, "score": probability}``: what the HTTP service answers."""
    names = model.config.id2label

    def predict(text: str) -> dict[str, Any]:
        probs = predict_proba(model, tokenizer, [text], max_length)[0]
        best = int(probs.argmax())
        return {"label": names[best], "score": float(probs[best])}

    return predict


# ---- saving ---------------------------------------------------------------------------------


def save(model, tokenizer, folder: str | Path, info: dict[str, Any]) -> Path:
    """``save_pretrained`` the model and tokenizer, plus :data:`RUN_FILE` with ``info``."""
    folder = Path(folder)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    (folder / RUN_FILE).write_text(json.dumps(info, indent=2) + "\n")
    return folder


def run_info(folder: str | Path) -> dict[str, Any]:
    """The :data:`RUN_FILE` of a saved model folder (``{}`` if it has none)."""
    path = Path(folder) / RUN_FILE
    return json.loads(path.read_text()) if path.is_file() else {}


def load(folder: str | Path):
    """``(model, tokenizer, max_length)`` of a classifier saved by :func:`save`."""
    folder = Path(folder)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForSequenceClassification.from_pretrained(folder).eval()
    info = run_info(folder)
    tokenizer.truncation_side = info.get("recipe", {}).get("truncation_side", "left")
    max_length = info.get("max_length") or model.config.max_position_embeddings
    return model, tokenizer, int(max_length)


# ---- the whole pipeline ------------------------------------------------------------------------


@dataclass
class FitResult:
    """What :func:`finetune` did: the chosen settings and the validation history."""

    lr: float
    max_length: int
    truncated_share: float
    epochs_run: float
    best_validation: dict[str, float]
    history: list[dict[str, float]] = field(default_factory=list)
    resumed_from: str | None = None
    """The checkpoint training continued from (``--resume``), if any."""


def finetune(
    train_rows: Sequence[dict[str, Any]],
    validation_rows: Sequence[dict[str, Any]],
    base_model: str,
    output_dir: str | Path,
    recipe: ClassifyRecipe,
    *,
    resume: bool = False,
    progress: bool = False,
    extra_info: dict[str, Any] | None = None,
) -> FitResult:
    """Fine-tune ``base_model`` on ``train_rows``, early-stopped on ``validation_rows``, and
    save the best model to ``output_dir`` (checkpoints in ``output_dir/checkpoints``).

    With ``resume``, the learning rate and max length come from the interrupted run's plan
    (``output_dir/plan.json``) and training continues from its last checkpoint.
    """
    output_dir = Path(output_dir)
    checkpoints = output_dir / "checkpoints"
    plan_file = output_dir / "plan.json"
    names = label_names(train_rows)
    model, tokenizer = load_base(base_model, names, recipe)
    train_ds, val_ds = to_dataset(train_rows, names), to_dataset(validation_rows, names)
    lengths = token_lengths(tokenizer, train_ds["text"])
    if resume and plan_file.is_file():
        plan = json.loads(plan_file.read_text())
    else:
        max_length = recipe.max_length or choose_max_length(
            lengths, model.config.max_position_embeddings)
        plan = {"max_length": max_length, "lr": recipe.lr}
    train_tok = tokenize(train_ds, tokenizer, plan["max_length"])
    val_tok = tokenize(val_ds, tokenizer, plan["max_length"])
    if plan["lr"] is None:
        plan["lr"] = lr_range_test(model, train_tok, DataCollatorWithPadding(tokenizer),
                                   seed=recipe.seed)["suggestion"]
    output_dir.mkdir(parents=True, exist_ok=True)
    plan_file.write_text(json.dumps(plan) + "\n")
    seed_everything(recipe.seed)
    args = training_arguments(recipe, checkpoints, plan["lr"], progress=progress)
    trainer = build_trainer(model, tokenizer, train_tok, val_tok, args, recipe.patience)
    last = get_last_checkpoint(checkpoints) if resume and checkpoints.is_dir() else None
    trainer.train(resume_from_checkpoint=last)
    history = [{k: v for k, v in entry.items() if k.startswith("eval_") or k == "epoch"}
               for entry in trainer.state.log_history if "eval_macro_f1" in entry]
    best = max(history, key=lambda h: h["eval_macro_f1"])
    result = FitResult(
        lr=plan["lr"], max_length=plan["max_length"],
        truncated_share=float((lengths > plan["max_length"]).mean()),
        epochs_run=float(trainer.state.epoch or 0), best_validation=best, history=history,
        resumed_from=Path(last).name if last else None,
    )
    save(trainer.model, tokenizer, output_dir, {
        "task": "classify", "base_model": base_model, "labels": names,
        "max_length": plan["max_length"], "recipe": asdict(recipe), **asdict(result),
        **(extra_info or {}),
    })
    return result


def clean_checkpoints(output_dir: str | Path) -> None:
    """Remove the training checkpoints once the best model is saved (they are large)."""
    shutil.rmtree(Path(output_dir) / "checkpoints", ignore_errors=True)

