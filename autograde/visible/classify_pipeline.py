"""Visible checks of the ``classify_pipeline`` exercise.

Expected values are baked in (the metrics below were worked out with scikit-learn on these very
logits) or are properties the judge verifies on inputs it rebuilds itself from the check's
kwargs (a split keeps copies together; the true labels of a test split). When a value is wrong
the judges test the classic mistakes that would produce it (AUC from the argmax, argmax over the
wrong axis, truncation that cuts the verdict) and name the one that fits, with the fix.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from autograde.drivers.classify_pipeline import outcome, split_texts
from autograde.exercise import close
from autograde.spec import Check, Judge, PlainData

# ---- split ------------------------------------------------------------------------------------

SPLIT_CASE = {"seed": 11, "n_reviews": 60, "copies": 30, "domain": "software",
              "test_size": 0.2, "split_seed": 0}
HALF_CASE = {**SPLIT_CASE, "seed": 12, "test_size": 0.5, "split_seed": 3}
SEEDS_CASE = {"seed": 13, "n_reviews": 50, "copies": 20, "domain": "software",
              "test_size": 0.3, "split_seeds": [0, 1, 2, 3]}
BAD_SIZES = [0.0, 1.0, 1.5, -0.2]

GROUP_HINT = (
    "Group the rows by their normalised text (\" \".join(text.split()).casefold()) and split "
    "the groups, not the rows."
)


def _texts(kwargs: Mapping[str, Any]) -> list[str]:
    return split_texts(seed=kwargs["seed"], n_reviews=kwargs["n_reviews"],
                       copies=kwargs["copies"], domain=kwargs["domain"])


def _groups(texts: list[str]) -> dict[str, list[int]]:
    groups: dict[str, list[int]] = {}
    for i, text in enumerate(texts):
        groups.setdefault(" ".join(text.split()).casefold(), []).append(i)
    return groups


def partition_problem(found: PlainData, n: int) -> str | None:
    train, test = found["train"], found["test"]
    for name, idx in (("train_idx", train), ("test_idx", test)):
        if idx != sorted(idx):
            return f"{name} must be sorted in ascending order"
        if len(set(idx)) != len(idx):
            return f"{name} holds an index twice"
    both = sorted(set(train) & set(test))
    if both:
        return f"index {both[0]} is in both train_idx and test_idx"
    missing = sorted(set(range(n)) - set(train) - set(test))
    if missing:
        return (f"index {missing[0]} is in neither train_idx nor test_idx: every one of the "
                f"{n} rows must be on exactly one side")
    return None


def grouping_problem(found: PlainData, texts: list[str]) -> str | None:
    side = {i: "train" for i in found["train"]} | {i: "test" for i in found["test"]}
    for rows in _groups(texts).values():
        sides = {side.get(i) for i in rows}
        if len(sides) > 1:
            a = next(i for i in rows if side.get(i) == "train")
            b = next(i for i in rows if side.get(i) == "test")
            return (
                f"texts {a} ({texts[a]!r}) and {b} ({texts[b]!r}) are the same review once case "
                f"and whitespace are ignored, but {a} is in train and {b} in test: the test "
                f"score then rewards memorising training texts (leakage). {GROUP_HINT}"
            )
    return None


def size_problem(found: PlainData, texts: list[str], test_size: float) -> str | None:
    n, largest = len(texts), max(len(rows) for rows in _groups(texts).values())
    target = test_size * n
    if abs(len(found["test"]) - target) > largest:
        return (f"the test side holds {len(found['test'])} of {n} rows; test_size={test_size} "
                f"asks for {target:g}, give or take the largest group ({largest} rows)")
    return None


def split_judge(kwargs: Mapping[str, Any], *, groups: bool, size: bool,
                prefix: str = "") -> Judge:
    def judge(found: PlainData, _reference: PlainData | None) -> str | None:
        texts = _texts(kwargs)
        message = partition_problem(found, len(texts))
        if message is None and groups:
            message = grouping_problem(found, texts)
        if message is None and size:
            message = size_problem(found, texts, kwargs["test_size"])
        return message and prefix + message

    return judge


def _seeded(found: PlainData, _reference: PlainData | None) -> str | None:
    tests = found["tests"]
    if tests[0] != tests[-1]:
        return ("the same seed gave two different splits: draw from random.Random(seed) (or "
                "np.random.default_rng(seed)), not from the global random state, and never "
                "iterate over a set of texts (its order changes between runs)")
    if all(t == tests[0] for t in tests[1:-1]):
        return (f"seeds {SEEDS_CASE['split_seeds']} all gave the same test set: shuffle the "
                "groups with a generator seeded by `seed` before you fill the test side")
    return None


def _rejects_bad_sizes(found: PlainData, _reference: PlainData | None) -> str | None:
    for size, raised in zip(BAD_SIZES, found["raised"], strict=True):
        if raised != "ValueError":
            what = f"raised {raised}" if raised else "was accepted"
            return f"test_size={size} should raise ValueError (0 < test_size < 1); it {what}"
    return None


# ---- metrics ----------------------------------------------------------------------------------

BINARY = {
    "logits": [[2.8, 1.4], [-0.3, -1.9], [-0.1, 0.1], [-3.5, 0.5], [-1.9, -0.3], [-0.8, 0.3],
               [0.6, 2.4], [0.6, 2.0], [-0.2, 0.5], [1.4, 0.9]],
    "labels": [0, 0, 0, 1, 1, 1, 1, 0, 0, 1],
}
BINARY_EXPECTED = {"accuracy": 0.6, "macro_f1": 0.5833333333333333, "roc_auc": 0.84}
MULTI = {
    "logits": [[0.2, 0.1, -3.5], [-0.3, -1.9, -0.1], [-0.8, 0.5, 0.6], [1.6, 0.8, 2.0],
               [-1.0, 0.5, 2.4], [0.1, -1.1, -0.4], [0.4, 0.3, -1.5], [0.7, -0.2, 0.8],
               [1.3, 0.5, -1.0], [-0.2, 2.3, 2.2], [-1.9, 2.3, 3.0], [1.2, 1.4, -0.5]],
    "labels": [0, 2, 1, 1, 2, 2, 0, 0, 0, 1, 2, 1],
}
MULTI_EXPECTED = {"accuracy": 0.6666666666666666, "macro_f1": 0.6722222222222222,
                  "roc_auc": 0.8125}
SQUARE = {"logits": [[1.5, -2.0, 1.4], [0.7, 0.2, 0.9], [0.5, 0.4, 1.0]], "labels": [0, 1, 2]}
"""As many rows as classes: argmax over the wrong axis runs, and gives other predictions."""
SQUARE_EXPECTED = {"accuracy": 0.6666666666666666, "macro_f1": 0.5555555555555555,
                   "roc_auc": 0.6666666666666666}
ONE_CLASS = {"logits": [[0.5, 1.0], [2.0, -1.0], [0.0, 0.3], [-0.4, 0.9]], "labels": [1, 1, 1, 1]}
ONE_CLASS_EXPECTED = {"accuracy": 0.75, "macro_f1": 0.42857142857142855, "roc_auc": math.nan}

WHAT = {
    "accuracy": "the share of rows whose argmax over the classes (axis=-1) is the label",
    "macro_f1": ("the unweighted mean of the per-class F1 over the classes 0..C-1 "
                 "(f1_score(..., average='macro'))"),
    "roc_auc": ("from the softmax probabilities: binary on the probability of class 1, "
                "otherwise one-vs-rest, macro-averaged"),
}


def _softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=-1, keepdims=True)
    return np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)


def _scores(case: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    logits = np.asarray(case["logits"], dtype=np.float32).astype(np.float64)
    return logits, np.asarray(case["labels"]), _softmax(logits)


def _auc(labels: np.ndarray, scores: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    if scores.ndim == 1 or scores.shape[1] == 2:
        return float(roc_auc_score(labels, scores if scores.ndim == 1 else scores[:, 1]))
    return float(roc_auc_score(labels, scores, multi_class="ovr", average="macro"))


def _auc_mistakes(case: Mapping[str, Any]) -> list[tuple[float, str]]:
    """What the classic wrong AUCs would be on this case, each with its fix."""
    logits, labels, probs = _scores(case)
    predicted = probs.argmax(axis=-1)
    classes = logits.shape[1]
    mistakes = []
    try:
        hard = np.eye(classes)[predicted]
        mistakes.append((_auc(labels, predicted if classes == 2 else hard),
                         "AUC computed from predicted labels (the argmax): AUC ranks scores, "
                         "and hard labels throw the ranking away. Use the softmax probability "
                         "of the positive class (probs[:, 1]); one-vs-rest on all the "
                         "probabilities for more classes"))
    except ValueError:
        pass
    if classes == 2:
        mistakes.append((_auc(labels, logits[:, 1]),
                         "AUC computed from the raw logit of class 1: a logit alone is not a "
                         "score of the class (softmax compares it with the other logit). "
                         "Apply a softmax and use probs[:, 1]"))
        mistakes.append((_auc(labels, probs.max(axis=-1)),
                         "AUC computed from the probability of the *predicted* class (the "
                         "confidence): rank by the probability of the positive class, "
                         "probs[:, 1]"))
    else:
        from sklearn.metrics import roc_auc_score

        mistakes.append((float(roc_auc_score(np.eye(classes)[labels], probs, average="micro")),
                         "a micro-averaged AUC: average the one-vs-rest AUCs per class "
                         "(average='macro', multi_class='ovr')"))
    return mistakes


def _wrong_axis(case: Mapping[str, Any]) -> dict[str, float] | None:
    """Accuracy and macro-F1 if predictions were ``argmax(axis=0)`` (square cases only)."""
    from sklearn.metrics import accuracy_score, f1_score

    logits, labels, _ = _scores(case)
    if logits.shape[0] != logits.shape[1]:
        return None
    wrong = logits.argmax(axis=0)
    classes = list(range(logits.shape[1]))
    return {"accuracy": float(accuracy_score(labels, wrong)),
            "macro_f1": float(f1_score(labels, wrong, labels=classes, average="macro",
                                       zero_division=0))}


def diagnose_metrics(case: Mapping[str, Any], found: PlainData,
                     expected: Mapping[str, float], *, hidden: bool = False) -> str | None:
    """None if ``found`` matches ``expected``; else which value is wrong and, when one fits,
    the classic mistake that produces it. ``hidden``: say how far off, not the value."""
    def off(key: str) -> str:
        if hidden:
            return (f"{key} differs from the reference's by {abs(found[key] - expected[key]):.3g} "
                    f"on hidden logits")
        return f"{key} should be {expected[key]:.4f}; yours is {found[key]:.4f}"

    for key in ("accuracy", "macro_f1"):
        if not close(found[key], expected[key], rel=1e-6, abs_=1e-9):
            wrong = _wrong_axis(case)
            if wrong is not None and close(found[key], wrong[key], rel=1e-6, abs_=1e-9):
                return (f"{off(key)}: the predictions were taken with argmax over the wrong axis "
                        "(over the rows, axis=0). Take argmax(logits, axis=-1): one prediction "
                        "per row, over its classes")
            return f"{off(key)} ({key} is {WHAT[key]})"
    want, got = expected["roc_auc"], found["roc_auc"]
    if math.isnan(want):
        if math.isnan(got):
            return None
        return (f"roc_auc should be NaN (float('nan')) when the labels hold a single class: "
                f"there is no (positive, negative) pair to rank; yours is {got:.4f}")
    if close(got, want, rel=1e-6, abs_=1e-9):
        return None
    for value, mistake in _auc_mistakes(case):
        if close(got, value, rel=1e-6, abs_=1e-9) and not close(value, want, rel=1e-6):
            return f"{off('roc_auc')}: {mistake}"
    return f"{off('roc_auc')} (roc_auc is {WHAT['roc_auc']})"


def metrics_judge(case: Mapping[str, Any], expected: Mapping[str, float]) -> Judge:
    def judge(found: PlainData, _reference: PlainData | None) -> str | None:
        return diagnose_metrics(case, found, expected)

    return judge


def _forms_judge(found: PlainData, _reference: PlainData | None) -> str | None:
    for form, how in (("eval_prediction", "an EvalPrediction"),
                      ("tuple", "a (logits, labels) tuple"),
                      ("nested", "an EvalPrediction whose predictions are a tuple (logits, ...)")):
        message = diagnose_metrics(BINARY, found[form], BINARY_EXPECTED)
        if message:
            hint = ""
            if form == "nested":
                hint = (" (models that return more than logits make Trainer pass a tuple: "
                        "take predictions[0] when predictions is a tuple)")
            return f"called with {how}{hint}: {message}"
    return None


# ---- trainer ----------------------------------------------------------------------------------


def _evaluates_on_validation(found: PlainData, _reference: PlainData | None) -> str | None:
    if found["eval"] == "train":
        return ("eval_dataset is the training set: early stopping and the best checkpoint are "
                "then chosen on data the model is fitted to, where the score only goes up, so "
                "overfitting is never seen. Pass eval_dataset=eval_dataset (the validation "
                "split)")
    if found["eval"] != "validation":
        return (f"the Trainer's eval_dataset is {found['eval']}: pass the eval_dataset argument "
                "(the validation split), so that each evaluation scores held-out rows")
    if found["train"] != "train":
        return f"the Trainer's train_dataset is {found['train']}: pass train_dataset"
    return None


def _restores_best(found: PlainData, _reference: PlainData | None) -> str | None:
    if not found["load_best_model_at_end"]:
        return ("load_best_model_at_end is False: when training ends, the model keeps the "
                "weights of the last epoch, not those of the best validation macro-F1 (early "
                "stopping ends `patience` epochs after the best one). Set "
                "load_best_model_at_end=True")
    if found["metric_for_best_model"] not in ("macro_f1", "eval_macro_f1"):
        return (f"metric_for_best_model is {found['metric_for_best_model']!r}: keep the "
                "checkpoint with the best validation macro-F1, metric_for_best_model='macro_f1'")
    if found["greater_is_better"] is not True:
        return ("greater_is_better is not True: with macro-F1 (higher is better) the Trainer "
                "would keep and restore the *worst* checkpoint. Set greater_is_better=True")
    keys = found["metrics_keys"]
    if not isinstance(keys, list) or "macro_f1" not in keys:
        return (f"the Trainer's compute_metrics must return 'macro_f1' for "
                f"metric_for_best_model to find it; it gave {keys}. Pass "
                "compute_metrics=compute_metrics")
    return None


def _stops_early(found: PlainData, _reference: PlainData | None) -> str | None:
    if not found["early_stopping_patience"]:
        return ("no EarlyStoppingCallback among the Trainer's callbacks: add "
                "callbacks=[EarlyStoppingCallback(early_stopping_patience=...)]")
    if min(found["early_stopping_patience"]) < 1:
        return "early_stopping_patience must be at least 1"
    if found["eval_strategy"] not in ("epoch", "steps"):
        return (f"eval_strategy is {found['eval_strategy']!r}: early stopping needs an "
                "evaluation every epoch (eval_strategy='epoch') or every N steps")
    if found["save_strategy"] != found["eval_strategy"]:
        return (f"save_strategy ({found['save_strategy']!r}) must match eval_strategy "
                f"({found['eval_strategy']!r}): the best checkpoint can only be restored if "
                "one was saved at every evaluation")
    if found["eval_strategy"] == "steps" and found["eval_steps"] != found["save_steps"]:
        return (f"eval_steps ({found['eval_steps']}) and save_steps ({found['save_steps']}) "
                "must be equal: a checkpoint at every evaluation")
    return None


def _checkpoints(found: PlainData, _reference: PlainData | None) -> str | None:
    if not found["output_dir"]:
        return ("TrainingArguments(output_dir=...) must be the output_dir argument: checkpoints "
                "go to the temporary folder the caller provides, nowhere else")
    limit = found["save_total_limit"]
    if limit is None or not 1 <= limit <= 2:
        return (f"save_total_limit is {limit}: keep at most 2 checkpoints on disk "
                "(save_total_limit=1 still keeps the best one as well); the grader gives your "
                "code 64 MB of scratch space")
    return None


def _pads(found: PlainData, _reference: PlainData | None) -> str | None:
    shape = found["collator"]
    if isinstance(shape, list) and len(shape) == 2 and shape[0] == 4 \
            and shape[1] >= found["longest_row"]:
        return None
    return (f"the Trainer could not batch tokenized rows of different lengths ({shape}): pass "
            "data_collator=DataCollatorWithPadding(tokenizer), which pads each batch to its "
            "longest row")


# ---- pipeline ---------------------------------------------------------------------------------

PIPELINE = {"seed": 1, "domain": "software", "n_train": 400, "n_val": 100, "n_test": 400,
            "long_share": 0.3, "test_long_share": 0.5}
"""What the self-check trains on: generated software reviews, 30 % of train and validation and
half of the test split long (a neutral preamble of 10 sentences before the review)."""
MIN_F1 = 0.9
MIN_F1_LONG = 0.85
TRUNCATION_GAP = 0.15
"""Long reviews scoring this much below short ones point at truncation."""


def truncation_hint(scores: Mapping[str, float]) -> str:
    if scores["short"] - scores["long"] < TRUNCATION_GAP:
        return ("check the learning rate and the number of epochs, and that the best "
                "checkpoint is restored")
    return ("the long reviews score far below the short ones: truncation cuts off the end of "
            "a long review, where the verdict is. Keep the end: set "
            "tokenizer.truncation_side = 'left' before tokenizing (and predicting), with a "
            "max_length of at most 128, the kit model's positions")


def _learns(found: PlainData, _reference: PlainData | None) -> str | None:
    scores = outcome(PIPELINE, found)
    if scores["all"] >= MIN_F1 and scores["long"] >= MIN_F1_LONG:
        return None
    return (f"macro-F1 on the test split is {scores['all']:.3f} (at least {MIN_F1} expected): "
            f"{scores['long']:.3f} on the long reviews, {scores['short']:.3f} on the short ones; "
            + truncation_hint(scores))


# ---- checks -----------------------------------------------------------------------------------


def _check(name: str, part: str, driver: str, kwargs: Mapping[str, Any], judge: Judge,
           description: str, points: float = 1, timeout_s: float = 60.0) -> Check:
    return Check(name=name, part=part, points=points, driver=driver, kwargs=dict(kwargs),
                 judge=judge, description=description, timeout_s=timeout_s)


PIPELINE_TIMEOUT_S = 30.0
"""The time budget of one ``train_and_predict`` call in the sandbox (one CPU thread), data and
model loading included. Measured there on a 2-core machine: the reference 3.5-7 s; the same
pipeline padding every review to 128 tokens for up to 12 epochs (patience 3) 11 s. Two to three
times the reference would fail that reasonable pipeline on a busy grader; 30 s still rejects
one that trains an order of magnitude longer than needed."""

CHECKS = [
    _check("split_is_a_partition", "split", "split", SPLIT_CASE,
           split_judge(SPLIT_CASE, groups=False, size=False),
           "every index on exactly one side, each list sorted"),
    _check("split_keeps_copies_together", "split", "split", SPLIT_CASE,
           split_judge(SPLIT_CASE, groups=True, size=False),
           "texts equal up to case and whitespace land on the same side"),
    _check("split_size_near_test_size", "split", "split", HALF_CASE,
           split_judge(HALF_CASE, groups=False, size=True),
           "the test side holds about test_size of the rows"),
    _check("split_is_seeded", "split", "split_seeds", SEEDS_CASE, _seeded,
           "the same seed gives the same split; other seeds give other splits"),
    _check("split_rejects_bad_test_size", "split", "split_bad_sizes", {"test_sizes": BAD_SIZES},
           _rejects_bad_sizes, "test_size outside (0, 1) raises ValueError"),
    _check("metrics_binary", "metrics", "metrics", BINARY,
           metrics_judge(BINARY, BINARY_EXPECTED),
           "accuracy, macro-F1 and AUC (from probabilities) on 10 binary rows"),
    _check("metrics_trainer_forms", "metrics", "metrics_forms", BINARY, _forms_judge,
           "an EvalPrediction, a (logits, labels) tuple, predictions as a tuple"),
    _check("metrics_multiclass", "metrics", "metrics", MULTI,
           metrics_judge(MULTI, MULTI_EXPECTED),
           "three classes: one-vs-rest macro AUC"),
    _check("metrics_argmax_over_classes", "metrics", "metrics", SQUARE,
           metrics_judge(SQUARE, SQUARE_EXPECTED),
           "as many rows as classes: predictions are the argmax over classes"),
    _check("metrics_auc_nan_for_one_class", "metrics", "metrics", ONE_CLASS,
           metrics_judge(ONE_CLASS, ONE_CLASS_EXPECTED),
           "labels of a single class: roc_auc is NaN, the rest is computed"),
    _check("trainer_evaluates_on_validation", "trainer", "trainer_setup", {},
           _evaluates_on_validation, "trains on train_dataset, evaluates on eval_dataset"),
    _check("trainer_restores_best_checkpoint", "trainer", "trainer_setup", {}, _restores_best,
           "load_best_model_at_end on the best validation macro-F1"),
    _check("trainer_stops_early", "trainer", "trainer_setup", {}, _stops_early,
           "EarlyStoppingCallback; a checkpoint at every evaluation"),
    _check("trainer_checkpoints_in_output_dir", "trainer", "trainer_setup", {}, _checkpoints,
           "checkpoints in output_dir, at most 2 kept"),
    _check("trainer_pads_batches", "trainer", "trainer_setup", {}, _pads,
           "the data collator pads rows of different lengths"),
    _check("pipeline_learns", "pipeline", "pipeline", PIPELINE, _learns,
           "macro-F1 >= 0.9 on generated reviews, >= 0.85 on the long ones",
           points=2, timeout_s=PIPELINE_TIMEOUT_S),
]
