"""Drivers of the ``classify_pipeline`` exercise: they run next to the student's code.

Every input is rebuilt from a few plain numbers, here in the sandbox and again in the grader
process, where the judges need it (the texts of a split case, the true labels of a test
split): ``split_texts`` and ``review_data`` are public for that reason, and so is the pool of
neutral sentences that makes long reviews. Nothing a judge relies on comes from the sandbox
except what the student's functions returned.

- ``split``, ``split_seeds``, ``split_bad_sizes``: call ``split_without_leakage`` on reviews
  with copies that differ only in case and whitespace;
- ``metrics``, ``metrics_forms``: call ``compute_metrics`` the way ``Trainer`` does;
- ``trainer_setup``: call ``build_trainer`` on the kit classifier and two tiny datasets and
  report how the ``Trainer`` is configured (nothing is trained);
- ``pipeline``: call ``train_and_predict`` on generated reviews, a share of them made long by a
  neutral preamble, and return its predictions.
"""

from __future__ import annotations

import math
import random
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from autograde.spec import PlainData, StudentError

NEUTRAL_SENTENCES: tuple[str, ...] = (
    "I have used it almost every day for about three months now.",
    "A colleague mentioned it to me at the start of last spring.",
    "We are a team of five people and we share a single account.",
    "Before this one I used a different product for roughly two years.",
    "I read some of the other reviews here before writing my own.",
    "This is the first review that I have written on this site.",
    "I am writing this on a Sunday afternoon with a cup of tea.",
    "My brother and I compared our notes over dinner last week.",
    "I tried it at home and at the office on different days.",
    "It took me about an hour to set everything up the first time.",
    "Some background first, so that you know where I am coming from.",
    "I will describe my own situation in a few sentences.",
    "My needs are much the same as those of most other people.",
    "I first heard about it on a podcast that I listen to on Mondays.",
    "Over the holidays I finally had the time to look at it properly.",
    "I kept a small notebook with my observations during the whole month.",
    "Most of what follows is based on the first few weeks.",
    "A friend of mine asked me to write down what I think about it.",
    "I am just someone who spent some time with it.",
    "We talked about it at lunch on Thursday.",
    "My sister works in the same field and she uses it as well.",
    "I made a list of questions before I started.",
    "It rained for most of that month, so I stayed inside a lot.",
    "I usually write these reviews on the train to work.",
)
"""Sentences with no sentiment, no negator, intensifier or contrast word (tested): a preamble
of them changes nothing about a review's label, only where in the text the verdict sits."""
PREAMBLE_SENTENCES = 10
"""Sentences per preamble: even the shortest preamble is longer than the kit model's 128
positions (tested), so cutting the *end* of a long review loses all of the review."""
MODEL_POSITIONS = 128
"""``n_positions`` of the kit classifier: the most tokens it can read."""
SPLITS = ("train", "validation", "test")


# ---- data -------------------------------------------------------------------------------------


def _variant(text: str, kind: int, rng: random.Random) -> str:
    """A copy of ``text`` that differs only in case (kind 0), spacing (1) or both (2)."""
    words = text.split(" ")
    if kind in (0, 2):
        words = [w.upper() if rng.random() < 0.5 else w.lower() for w in words]
        if " ".join(words) == text:  # make sure the case really changed
            words = [w.swapcase() for w in words]
    if kind in (1, 2):
        gaps = [rng.choice(["  ", "\t", " \n", " "]) for _ in words[1:]]
        if gaps:  # at least one gap that a plain " " join would not produce
            gaps[rng.randrange(len(gaps))] = "   "
        joined = words[0] + "".join(g + w for g, w in zip(gaps, words[1:], strict=True))
        return rng.choice(["", " ", "\n"]) + joined + rng.choice([" ", "\n", "  "])
    return " ".join(words)


def split_texts(*, seed: int, n_reviews: int, copies: int, domain: str) -> list[str]:
    """``n_reviews`` generated reviews plus ``copies`` copies of some of them that differ only in
    case and whitespace, shuffled. Generated short reviews also repeat exactly, as in real data.
    """
    from book.data import make_reviews

    reviews = list(make_reviews(n_reviews, domain=domain, seed=seed)["text"])
    rng = random.Random(f"classify_pipeline/split/{domain}/{seed}")
    texts = reviews + [_variant(rng.choice(reviews), k % 3, rng) for k in range(copies)]
    rng.shuffle(texts)
    return texts


def _preamble(rng: random.Random) -> str:
    return " ".join(rng.sample(NEUTRAL_SENTENCES, PREAMBLE_SENTENCES))


def review_data(
    *, seed: int, domain: str, n_train: int, n_val: int, n_test: int, long_share: float,
    test_long_share: float,
) -> dict[str, list[dict[str, Any]]]:
    """Train, validation and test rows ``{"text", "label", "long"}``: generated reviews (no text
    in two splits), a share of each split made long by a neutral preamble before the review.

    The sentiment mix is mostly plain and intensified clauses with some negation: a correct
    pipeline on the kit model gets close to its ceiling, so outcomes compare pipelines, not luck.
    """
    from book.data import make_review_splits

    splits = make_review_splits(
        n_train, n_val, n_test, domain=domain, seed=seed,
        phenomena={"plain": 0.65, "intensifier": 0.35},
    )
    rng = random.Random(f"classify_pipeline/pipeline/{domain}/{seed}")
    data = {}
    for name, share in zip(SPLITS, (long_share, long_share, test_long_share), strict=True):
        split = splits[name]
        rows = [{"text": t, "label": int(y), "long": False}
                for t, y in zip(split["text"], split["label"], strict=True)]
        for i in sorted(rng.sample(range(len(rows)), round(share * len(rows)))):
            rows[i] = {**rows[i], "text": f"{_preamble(rng)} {rows[i]['text']}", "long": True}
        data[name] = rows
    return data


# ---- helpers ----------------------------------------------------------------------------------


def _function(ns: Mapping[str, Any], name: str, signature: str) -> Any:
    fn = ns.get(name)
    if not callable(fn):
        raise StudentError(f"define a function {signature}; it was not found in your notebook")
    return fn


def _quiet() -> None:
    """No progress bars or load reports from transformers in the output (same in both runs)."""
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()


def _index_list(value: Any, what: str, n: int) -> list[int]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence | np.ndarray):
        raise StudentError(f"{what} must be a list of row indices; found {type(value).__name__}")
    out = []
    for v in value:
        if isinstance(v, bool) or not isinstance(v, int | np.integer):
            raise StudentError(f"{what} must hold int indices; found {v!r:.40}")
        if not 0 <= int(v) < n:
            raise StudentError(f"{what} holds {int(v)}, not an index of the {n} texts")
        out.append(int(v))
    return out


# ---- split ------------------------------------------------------------------------------------

SPLIT_SIGNATURE = "split_without_leakage(texts, test_size, seed) -> (train_idx, test_idx)"


def _call_split(ns: Mapping[str, Any], texts: list[str], test_size: float,
                seed: int) -> dict[str, list[int]]:
    fn = _function(ns, "split_without_leakage", SPLIT_SIGNATURE)
    result = fn(list(texts), test_size, seed)
    if not isinstance(result, tuple | list) or len(result) != 2:
        raise StudentError("split_without_leakage must return a tuple (train_idx, test_idx); "
                           f"found {type(result).__name__}")
    return {"train": _index_list(result[0], "train_idx", len(texts)),
            "test": _index_list(result[1], "test_idx", len(texts))}


def split(ns: Mapping[str, Any], *, seed: int, n_reviews: int, copies: int, domain: str,
          test_size: float, split_seed: int) -> PlainData:
    """The two index lists for one case."""
    texts = split_texts(seed=seed, n_reviews=n_reviews, copies=copies, domain=domain)
    return _call_split(ns, texts, test_size, split_seed)


def split_seeds(ns: Mapping[str, Any], *, seed: int, n_reviews: int, copies: int, domain: str,
                test_size: float, split_seeds: list[int]) -> PlainData:
    """The test indices for each seed, then once more for the first seed (determinism)."""
    texts = split_texts(seed=seed, n_reviews=n_reviews, copies=copies, domain=domain)
    runs = [*split_seeds, split_seeds[0]]
    return {"tests": [_call_split(ns, texts, test_size, s)["test"] for s in runs]}


def split_bad_sizes(ns: Mapping[str, Any], *, test_sizes: list[float]) -> PlainData:
    """What each bad ``test_size`` raises: the exception's type name, or None if accepted."""
    fn = _function(ns, "split_without_leakage", SPLIT_SIGNATURE)
    texts = [f"review number {i}" for i in range(10)]
    raised = []
    for size in test_sizes:
        try:
            fn(texts, size, 0)
        except Exception as exc:  # the point is to see what the student raises
            raised.append(type(exc).__name__)
        else:
            raised.append(None)
    return {"raised": raised}


# ---- metrics ----------------------------------------------------------------------------------

METRIC_KEYS = ("accuracy", "macro_f1", "roc_auc")


def _metrics_dict(value: Any) -> dict[str, float]:
    if not isinstance(value, Mapping):
        raise StudentError(f"compute_metrics must return a dict; found {type(value).__name__}")
    missing = [k for k in METRIC_KEYS if k not in value]
    if missing:
        raise StudentError(f"compute_metrics must return the keys {list(METRIC_KEYS)}; "
                           f"missing {missing} (found {sorted(map(str, value))[:8]})")
    out = {}
    for key in METRIC_KEYS:
        try:
            out[key] = float(value[key])
        except (TypeError, ValueError) as exc:
            raise StudentError(f"compute_metrics()[{key!r}] must be a number; found "
                               f"{value[key]!r:.60}") from exc
    return out


def _eval_prediction(logits: list[list[float]], labels: list[int], form: str) -> Any:
    """What ``Trainer`` passes to ``compute_metrics``: float32 logits, int64 labels."""
    from transformers import EvalPrediction

    predictions = np.asarray(logits, dtype=np.float32)
    label_ids = np.asarray(labels, dtype=np.int64)
    if form == "eval_prediction":
        return EvalPrediction(predictions=predictions, label_ids=label_ids)
    if form == "tuple":
        return predictions, label_ids
    if form == "nested":  # models that return more than logits: predictions is a tuple
        extra = np.zeros((len(labels), 3), dtype=np.float32)
        return EvalPrediction(predictions=(predictions, extra), label_ids=label_ids)
    raise ValueError(f"unknown form {form!r}")


WRONG_AXIS = (
    "when it comes from compute_metrics, the predictions were taken over the wrong axis "
    "(axis=0 gives one value per class): take argmax(logits, axis=-1), one prediction per row"
)


def _call(fn: Any, *args: Any) -> Any:
    """Call student code; a length mismatch between labels and predictions gets a diagnosis."""
    try:
        return fn(*args)
    except ValueError as exc:
        if "inconsistent numbers of samples" not in str(exc):
            raise
        raise StudentError(f"your code raised ValueError: {str(exc)[:160]}; {WRONG_AXIS}") from exc


def metrics(ns: Mapping[str, Any], *, logits: list[list[float]], labels: list[int],
            form: str = "eval_prediction") -> PlainData:
    """``compute_metrics`` on one batch of logits."""
    fn = _function(ns, "compute_metrics", "compute_metrics(eval_pred) -> dict")
    return _metrics_dict(_call(fn, _eval_prediction(logits, labels, form)))


def metrics_forms(ns: Mapping[str, Any], *, logits: list[list[float]],
                  labels: list[int]) -> PlainData:
    """The same batch passed in each form ``Trainer`` (or a user) may use."""
    return {form: metrics(ns, logits=logits, labels=labels, form=form)
            for form in ("eval_prediction", "tuple", "nested")}


def random_logits(seed: int, n: int, classes: int) -> dict[str, list]:
    """Logits that carry some signal about seeded labels (every class present)."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % classes
    rng.shuffle(labels)
    logits = rng.normal(0.0, 1.5, (n, classes))
    logits[np.arange(n), labels] += 1.0
    return {"logits": np.round(logits, 3).tolist(), "labels": labels.tolist()}


# ---- trainer ----------------------------------------------------------------------------------

TRAINER_SIGNATURE = ("build_trainer(model, tokenizer, train_dataset, eval_dataset, output_dir) "
                     "-> Trainer")


def _tiny_datasets(tokenizer: Any) -> tuple[Any, Any]:
    """12 training rows and 6 validation rows, tokenized (different lengths: needs padding)."""
    from datasets import Dataset

    from book.data import make_review_splits

    splits = make_review_splits(12, 6, 0, domain="software", seed=3)

    def encode(split: Any) -> Any:
        encoded = tokenizer(list(split["text"]), truncation=True, max_length=64)
        return Dataset.from_dict({**dict(encoded), "label": list(split["label"])})

    return encode(splits["train"]), encode(splits["validation"])


def _which(dataset: Any, train: Any, val: Any) -> str:
    if dataset is None:
        return "none"
    if dataset is val:
        return "validation"
    if dataset is train:
        return "train"
    try:  # a copy (e.g. after .map) still counts if it holds the same rows
        rows = [list(dataset[i]["input_ids"]) for i in range(len(dataset))]
    except Exception:
        return "other"
    for name, candidate in (("validation", val), ("train", train)):
        if rows == [list(ids) for ids in candidate["input_ids"]]:
            return name
    return "other"


def _strategy(value: Any) -> str:
    return str(getattr(value, "value", value))


def trainer_setup(ns: Mapping[str, Any]) -> PlainData:
    """How the student's ``Trainer`` is configured: datasets, strategies, best-model settings,
    callbacks, metrics keys, whether its collator pads. Nothing is trained."""
    from transformers import EarlyStoppingCallback, EvalPrediction, Trainer

    from book.models import load_sequence_classifier
    from book.train import seed_everything

    _quiet()
    fn = _function(ns, "build_trainer", TRAINER_SIGNATURE)
    seed_everything(0)
    model, tokenizer = load_sequence_classifier("classifier-base", num_labels=2)
    train, val = _tiny_datasets(tokenizer)
    output_dir = tempfile.mkdtemp(prefix="classify-pipeline-")
    try:
        trainer = fn(model, tokenizer, train, val, output_dir)
        if not isinstance(trainer, Trainer):
            raise StudentError(f"build_trainer must return a transformers.Trainer; found "
                               f"{type(trainer).__name__}")
        args = trainer.args
        stoppers = [c for c in trainer.callback_handler.callbacks
                    if isinstance(c, EarlyStoppingCallback)]
        keys: list[str] | str
        if trainer.compute_metrics is None:
            keys = "none"
        else:
            logits = np.array([[2.0, -1.0], [0.5, 1.5], [-1.0, 1.0], [1.0, 0.0]], np.float32)
            try:
                keys = sorted(map(str, trainer.compute_metrics(
                    EvalPrediction(predictions=logits, label_ids=np.array([0, 1, 1, 1])))))
            except Exception as exc:
                keys = f"compute_metrics raised {type(exc).__name__}: {exc}"[:200]
        try:
            batch = trainer.data_collator([train[i] for i in range(4)])
            pads: list[int] | str = [int(d) for d in batch["input_ids"].shape]
        except Exception as exc:
            pads = f"the data collator raised {type(exc).__name__}: {str(exc)[:160]}"
        return {
            "train": _which(trainer.train_dataset, train, val),
            "eval": _which(trainer.eval_dataset, train, val),
            "eval_strategy": _strategy(args.eval_strategy),
            "save_strategy": _strategy(args.save_strategy),
            "eval_steps": args.eval_steps, "save_steps": args.save_steps,
            "load_best_model_at_end": bool(args.load_best_model_at_end),
            "metric_for_best_model": args.metric_for_best_model,
            "greater_is_better": args.greater_is_better,
            "save_total_limit": args.save_total_limit,
            "output_dir": Path(args.output_dir).resolve() == Path(output_dir).resolve(),
            "early_stopping_patience": [int(c.early_stopping_patience) for c in stoppers],
            "metrics_keys": keys,
            "collator": pads,
            "longest_row": max(len(ids) for ids in train["input_ids"][:4]),
        }
    finally:
        shutil.rmtree(output_dir, ignore_errors=True)


# ---- pipeline ---------------------------------------------------------------------------------

PIPELINE_SIGNATURE = ("train_and_predict(train, val, test_texts) -> (labels, probabilities)")


def _predictions(value: Any, n: int, classes: int) -> tuple[list[int], list[list[float]]]:
    """Check the returned predictions and make them plain; the messages say what to fix."""
    if not isinstance(value, tuple | list) or len(value) != 2:
        raise StudentError("train_and_predict must return a tuple (labels, probabilities); "
                           f"found {type(value).__name__}")
    try:
        labels = np.asarray(value[0]).reshape(-1)
        probs = np.asarray(value[1], dtype=np.float64)
    except Exception as exc:
        raise StudentError(
            f"could not read the returned labels/probabilities as arrays: {exc}") from exc
    if labels.shape != (n,):
        raise StudentError(f"labels must hold one prediction per test text ({n}); found shape "
                           f"{labels.shape}")
    if probs.shape != (n, classes):
        raise StudentError(f"probabilities must have shape (number of test texts, classes) = "
                           f"({n}, {classes}); found {probs.shape}")
    if not np.all(np.isfinite(probs)) or probs.min() < 0 or \
            not np.allclose(probs.sum(axis=1), 1.0, atol=1e-3):
        row = int(np.argmax(np.abs(np.nan_to_num(probs.sum(axis=1), nan=9.0) - 1.0)))
        raise StudentError(
            f"probabilities must be softmax probabilities (non-negative, each row summing to "
            f"1); row {row} is {np.round(probs[row], 4).tolist()}: apply a softmax to the logits")
    if not np.issubdtype(labels.dtype, np.integer):
        if not np.all(np.mod(labels, 1) == 0):
            raise StudentError(f"labels must be class ids (ints); found {labels[:3].tolist()}")
        labels = labels.astype(np.int64)
    top = probs.max(axis=1)
    picked = probs[np.arange(n), np.clip(labels, 0, classes - 1)]
    if np.any((labels < 0) | (labels >= classes)) or np.any(picked < top - 1e-6):
        row = int(np.argmax((labels < 0) | (labels >= classes) | (picked < top - 1e-6)))
        raise StudentError(
            f"labels must be the most probable class of each row (argmax over the classes, "
            f"axis=-1); row {row} has label {labels[row]} and probabilities "
            f"{np.round(probs[row], 4).tolist()}")
    return labels.astype(int).tolist(), np.round(probs, 6).tolist()


def pipeline(ns: Mapping[str, Any], *, seed: int, domain: str, n_train: int, n_val: int,
             n_test: int, long_share: float, test_long_share: float) -> PlainData:
    """Train the student's pipeline on generated reviews; return its test predictions."""
    _quiet()
    fn = _function(ns, "train_and_predict", PIPELINE_SIGNATURE)
    data = review_data(seed=seed, domain=domain, n_train=n_train, n_val=n_val, n_test=n_test,
                       long_share=long_share, test_long_share=test_long_share)

    def rows(name: str) -> list[dict[str, Any]]:
        return [{"text": r["text"], "label": r["label"]} for r in data[name]]

    texts = [r["text"] for r in data["test"]]
    found = _call(fn, rows("train"), rows("validation"), texts)
    labels, probs = _predictions(found, len(texts), 2)
    return {"labels": labels, "probabilities": probs}


def macro_f1(labels: Sequence[int], predicted: Sequence[int]) -> float:
    """Macro-F1 over the two classes (grader side, from plain data)."""
    scores = []
    for c in (0, 1):
        tp = sum(1 for y, p in zip(labels, predicted, strict=True) if y == c and p == c)
        fp = sum(1 for y, p in zip(labels, predicted, strict=True) if y != c and p == c)
        fn = sum(1 for y, p in zip(labels, predicted, strict=True) if y == c and p != c)
        scores.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return sum(scores) / len(scores)


def outcome(kwargs: Mapping[str, Any], found: PlainData) -> dict[str, float]:
    """Macro-F1 of ``pipeline``'s predictions: on all test rows, the long ones, the short ones.

    Runs in the grader: the true labels come from ``review_data``, not from the sandbox.
    """
    test = review_data(**kwargs)["test"]
    predicted = found["labels"]
    if len(predicted) != len(test):
        raise ValueError(f"{len(predicted)} predictions for {len(test)} test texts")
    result = {"all": macro_f1([r["label"] for r in test], predicted)}
    for name, long in (("long", True), ("short", False)):
        rows = [(r["label"], p) for r, p in zip(test, predicted, strict=True) if r["long"] is long]
        result[name] = macro_f1([y for y, _ in rows], [p for _, p in rows]) if rows else math.nan
    return result
