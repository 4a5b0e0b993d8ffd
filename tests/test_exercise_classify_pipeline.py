"""Exercise 5 (classification pipeline): the grader discriminates, and the page's claims hold.

Grading (with tests/test_exercises_contract.py): each classic bug has a mutant, and the check
that catches it says what is wrong and how to fix it. Data: the neutral preamble carries no
sentiment and always pushes a review past the kit model's 128 positions; split copies differ
only in case and whitespace. Claims: the reference agrees with the course's own metrics
(``book.pipeline.metrics``); on the hidden split, pipelines with other sensible settings land
within 0.03 of the reference, and one that cuts the verdict lands far below (slow).
"""

from __future__ import annotations

import math
import re
import runpy
from typing import Any

import numpy as np
import pytest
from exercise_harness import mutant_paths, mutant_source

from autograde.drivers import classify_pipeline as drivers
from autograde.exercise import (
    all_checks,
    call_driver,
    describe_exception,
    judge,
    reference,
    solutions_dir,
)
from autograde.visible.classify_pipeline import PIPELINE, SPLIT_CASE

EXERCISE = "classify_pipeline"
REQUIRED_MUTANTS = {
    "eval_on_train", "auc_from_labels", "leaky_split", "argmax_wrong_axis", "no_best_checkpoint",
    "truncates_verdict",
}


@pytest.fixture(scope="module")
def ref() -> Any:
    return reference(EXERCISE)


def _hidden() -> dict[str, Any]:
    return runpy.run_path(str(solutions_dir() / "hidden" / f"{EXERCISE}.py"))


def _mutant_namespace(mutant: str) -> dict[str, Any]:
    path = next(p for p in mutant_paths(EXERCISE) if p.stem == mutant)
    namespace: dict[str, Any] = {"__name__": f"mutant_{mutant}"}
    exec(compile(mutant_source(EXERCISE, path), str(path), "exec"), namespace)
    return namespace


def _one_check(namespace: dict[str, Any], name: str):
    """One visible check on a namespace, through the same driver and judge as grading."""
    check = next(c for c in all_checks(EXERCISE, include_hidden=False) if c.name == name)
    try:
        output, error = call_driver(EXERCISE, check, namespace), None
    except Exception as exc:
        output, error = None, describe_exception(exc)
    return judge(EXERCISE, check, output, error=error)


def test_the_classic_bugs_have_mutants():
    assert REQUIRED_MUTANTS <= {p.stem for p in mutant_paths(EXERCISE)}
    assert len(mutant_paths(EXERCISE)) >= 6


@pytest.mark.parametrize(("mutant", "check", "phrase"), [
    ("eval_on_train", "trainer_evaluates_on_validation", "eval_dataset is the training set"),
    ("no_best_checkpoint", "trainer_restores_best_checkpoint", "load_best_model_at_end=True"),
    ("greater_is_worse", "trainer_restores_best_checkpoint", "the *worst* checkpoint"),
    ("auc_from_labels", "metrics_binary",
     "AUC computed from predicted labels (the argmax)"),
    ("auc_from_labels", "metrics_binary", "softmax probability of the positive class"),
    ("argmax_wrong_axis", "metrics_argmax_over_classes", "argmax over the wrong axis"),
    ("argmax_wrong_axis", "metrics_binary", "argmax(logits, axis=-1)"),
    ("leaky_split", "split_keeps_copies_together", "split the groups, not the rows"),
    ("case_only_normalisation", "split_keeps_copies_together", "leakage"),
])
def test_failure_message_names_the_mistake_and_the_fix(mutant: str, check: str, phrase: str):
    result = _one_check(_mutant_namespace(mutant), check)
    assert not result.passed
    assert phrase in result.message


def test_hidden_outcome_message_gives_the_gap_not_the_references_values():
    hidden = _hidden()
    test = drivers.review_data(**hidden["PIPELINE"])["test"]
    _within_reference = hidden["_within_reference"]
    truth = [r["label"] for r in test]
    reference_output = {"labels": truth}
    right_on_short = [y if not r["long"] else 1 - y for r, y in zip(test, truth, strict=True)]
    message = _within_reference({"labels": right_on_short}, reference_output)
    assert message is not None
    assert "below the reference pipeline's" in message and "truncation_side = 'left'" in message
    assert "1.00 on the short ones" in message  # the student's own numbers, and only those
    assert _within_reference(reference_output, reference_output) is None


# ---- data --------------------------------------------------------------------------------------


def test_preamble_sentences_carry_no_sentiment_negation_or_contrast():
    from book.data.grammar import CONTRAST_TEMPLATES, INTENSIFIERS, NEGATORS
    from book.data.lexicons import LEXICONS

    phrases = {p for lex in LEXICONS.values() for pol in (1, -1) for p in lex.predicates(pol)}
    phrases |= {*NEGATORS, *INTENSIFIERS, "no", "not", "good", "bad", "great", "love", "hate",
                "recommend", "worth"}
    for template in CONTRAST_TEMPLATES:  # the connectives: "but", "although", "even though"...
        phrases |= {w.strip(" ,;") for w in re.split(r"\{\w+\}", template) if w.strip(" ,;")}
    for sentence in drivers.NEUTRAL_SENTENCES:
        found = [p for p in phrases if re.search(rf"(?<![\w']){re.escape(p.lower())}(?![\w'])",
                                                  sentence.lower())]
        assert not found, (sentence, found)
    assert len(set(drivers.NEUTRAL_SENTENCES)) == len(drivers.NEUTRAL_SENTENCES)


def test_even_the_shortest_preamble_fills_the_kit_models_positions():
    """So a right-truncated long review keeps none of the review, whatever max_length <= 128."""
    from transformers import AutoTokenizer

    from book.models import resolve

    tokenizer = AutoTokenizer.from_pretrained(resolve("classifier-base"))
    lengths = {s: len(tokenizer(s)["input_ids"]) for s in drivers.NEUTRAL_SENTENCES}
    shortest = sorted(drivers.NEUTRAL_SENTENCES, key=lengths.get)[:drivers.PREAMBLE_SENTENCES]
    assert len(tokenizer(" ".join(shortest))["input_ids"]) > drivers.MODEL_POSITIONS


def test_review_data_long_share_labels_and_no_shared_text():
    data = drivers.review_data(**PIPELINE)
    assert {k: len(v) for k, v in data.items()} == {"train": 400, "validation": 100, "test": 400}
    assert [sum(r["long"] for r in rows) for rows in data.values()] == [120, 30, 200]

    def review(text: str) -> str:
        for sentence in drivers.NEUTRAL_SENTENCES:
            text = text.replace(sentence + " ", "")
        return text

    reviews = {name: {review(r["text"]) for r in rows} for name, rows in data.items()}
    for rows in data.values():
        for r in rows:
            assert r["text"].startswith(drivers.NEUTRAL_SENTENCES) == r["long"]
            assert r["label"] in (0, 1)
    assert not reviews["train"] & reviews["test"] and not reviews["validation"] & reviews["test"]
    assert drivers.review_data(**PIPELINE) == data


def test_split_copies_differ_only_in_case_and_whitespace():
    from book.data import make_reviews

    case = {k: SPLIT_CASE[k] for k in ("seed", "n_reviews", "copies", "domain")}
    texts = drivers.split_texts(**case)
    originals = set(make_reviews(case["n_reviews"], domain=case["domain"], seed=case["seed"])
                    ["text"])
    copies = [t for t in texts if t not in originals]
    assert len(texts) == 90 and len(copies) == case["copies"]
    keys = {" ".join(t.split()).casefold() for t in originals}
    assert all(" ".join(t.split()).casefold() in keys for t in copies)
    spacing_only = [t for t in copies if " ".join(t.split()) in originals]
    case_only = [t for t in copies if t == " ".join(t.split())]
    assert len(spacing_only) >= 5 and len(case_only) >= 5


# ---- the reference -------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_reference_split_properties_on_random_texts(ref, seed: int):
    rng = np.random.default_rng(seed)
    words = ["Fast", "slow", "the API", "docs", "  ", "\t"]
    texts = [" ".join(rng.choice(words, size=rng.integers(1, 4))) for _ in range(60)]
    size = float(rng.uniform(0.1, 0.9))
    train, test = ref.split_without_leakage(texts, size, seed)
    assert sorted(train + test) == list(range(60)) and train == sorted(train)
    side = {i: i in set(test) for i in range(60)}
    groups: dict[str, set[bool]] = {}
    for i, t in enumerate(texts):
        groups.setdefault(ref.normalize(t), set()).add(side[i])
    assert all(len(s) == 1 for s in groups.values())
    largest = max(sum(ref.normalize(t) == k for t in texts) for k in groups)
    assert abs(len(test) - size * 60) <= largest
    assert ref.split_without_leakage(texts, size, seed) == (train, test)


def test_reference_metrics_agree_with_the_course_pipeline(ref):
    from book.pipeline.metrics import classification_report, softmax

    for seed, classes in ((1, 2), (2, 3), (3, 5)):
        case = drivers.random_logits(seed, 50, classes)
        logits = np.asarray(case["logits"])
        ours = ref.compute_metrics((logits, np.asarray(case["labels"])))
        course = classification_report(case["labels"], softmax(logits),
                                       [str(c) for c in range(classes)])
        for key in ("accuracy", "macro_f1", "roc_auc"):
            assert math.isclose(ours[key], course[key], rel_tol=1e-9), key


def test_metrics_are_nan_free_except_auc_for_one_class(ref):
    found = ref.compute_metrics((np.array([[0.1, 0.9], [2.0, 0.0]]), np.array([1, 1])))
    assert math.isnan(found["roc_auc"]) and found["accuracy"] == 0.5


# ---- outcome claims (train) ----------------------------------------------------------------


def _outcome(namespace: dict[str, Any], kwargs: dict) -> dict[str, float]:
    return drivers.outcome(kwargs, drivers.pipeline(namespace, **kwargs))


@pytest.mark.slow
def test_sensible_settings_land_within_003_of_the_reference_on_the_hidden_split(ref):
    """The page's claim, and why the hidden tolerance of 0.05 is fair: other learning rates
    and a longer max_length, early stopping as the reference does it."""
    hidden = _hidden()
    best = _outcome(vars(ref), hidden["PIPELINE"])["all"]
    source = (solutions_dir() / f"{EXERCISE}.py").read_text()
    for edits in ({"LEARNING_RATE = 1e-3": "LEARNING_RATE = 3e-3"},
                  {"MAX_LENGTH = 64": "MAX_LENGTH = 128", "EPOCHS = 8": "EPOCHS = 12"}):
        variant = source
        for old, new in edits.items():
            variant = variant.replace(old, new)
        namespace: dict[str, Any] = {"__name__": "variant"}
        exec(compile(variant, "variant", "exec"), namespace)
        assert abs(_outcome(namespace, hidden["PIPELINE"])["all"] - best) <= 0.03
    assert 0.03 < hidden["TOLERANCE"]
