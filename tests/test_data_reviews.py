"""book.data review generator: determinism, knobs, schema, split disjointness."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from collections import Counter

import pytest
from datasets import ClassLabel

from book.data import DOMAINS, PHENOMENA, make_review_splits, make_reviews, unlabeled_reviews
from book.data import reviews as reviews_module
from book.data.grammar import CONTRAST_TEMPLATES, INTENSIFIERS, NEGATORS
from book.data.lexicons import LEXICONS

FUNCTION_WORDS = {
    w.strip(",;") for w in " ".join(NEGATORS + INTENSIFIERS + CONTRAST_TEMPLATES).split()
    if "{" not in w
} | {"the", "is", "are", "isn't", "aren't"}


def _digest(texts: list[str]) -> str:
    return hashlib.sha256("\n".join(texts).encode()).hexdigest()


def test_same_seed_same_dataset_other_seed_other_dataset() -> None:
    a = make_reviews(300, seed=3, label_noise=0.1)
    b = make_reviews(300, seed=3, label_noise=0.1)
    c = make_reviews(300, seed=4, label_noise=0.1)
    assert a.to_dict() == b.to_dict()
    assert a["text"] != c["text"]
    assert len(set(a["text"]) & set(c["text"])) < 0.5 * len(set(a["text"]))


def test_determinism_does_not_depend_on_python_hash_seed() -> None:
    """Set iteration order changes with PYTHONHASHSEED; the data must not."""
    code = (
        "import hashlib; from book.data import DOMAINS, make_reviews, unlabeled_reviews; "
        "t = [*make_reviews(200, seed=7)['text'], *unlabeled_reviews(50, DOMAINS)['text']]; "
        "print(hashlib.sha256('\\n'.join(t).encode()).hexdigest())"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout.split()[-1]
    here = [*make_reviews(200, seed=7)["text"], *unlabeled_reviews(50, DOMAINS)["text"]]
    assert out == _digest(here)


def test_schema_columns_and_class_label() -> None:
    ds = make_reviews(20)
    assert ds.column_names == ["text", "label", "phenomenon", "domain", "noisy"]
    assert isinstance(ds.features["label"], ClassLabel)
    assert ds.features["label"].names == ["negative", "positive"]
    assert all(isinstance(t, str) and t.endswith(".") and t[0].isupper() for t in ds["text"])


@pytest.mark.parametrize(("n", "ratio"), [(1000, 0.05), (999, 0.5), (40, 0.0), (37, 1.0)])
def test_positive_ratio_is_exact(n: int, ratio: float) -> None:
    ds = make_reviews(n, positive_ratio=ratio, label_noise=0.2, seed=1)
    assert len(ds) == n
    assert sum(ds["label"]) == round(n * ratio)


def test_label_noise_rate_and_flags() -> None:
    ds = make_reviews(4000, label_noise=0.2, seed=2)
    rate = sum(ds["noisy"]) / len(ds)
    assert abs(rate - 0.2) < 0.03  # binomial sd 0.006: 5 sigma
    assert sum(make_reviews(500, seed=2)["noisy"]) == 0
    # which rows are noisy is checked against the composed label in test_data_signal.py


@pytest.mark.parametrize(
    ("phenomena", "expected"),
    [
        ("contrast", {"contrast": 100}),
        (["plain", "negation"], {"plain": 50, "negation": 50}),
        ({"plain": 1, "negation": 3}, {"plain": 25, "negation": 75}),
        (None, {"plain": 40, "intensifier": 20, "negation": 15, "contrast": 15,
                "contrast_negation": 10}),
    ],
)
def test_phenomena_mix_is_exact(phenomena, expected: dict[str, int]) -> None:
    assert Counter(make_reviews(100, phenomena=phenomena)["phenomenon"]) == expected


def test_phenomena_look_like_their_name() -> None:
    ds = make_reviews(600, phenomena=list(PHENOMENA), seed=5)
    negator = re.compile(r"\b(not|never|hardly|no longer)\b|n't")
    connective = re.compile(
        r", but |, yet |; however, |^(Although|While) |, although |, even though "
    )
    for row in ds:
        text, kind = row["text"], row["phenomenon"]
        assert bool(negator.search(text)) == (kind in ("negation", "contrast_negation")), row
        assert bool(connective.search(text)) == kind.startswith("contrast"), row
        if kind == "intensifier":
            assert re.search(r"\b(" + "|".join(INTENSIFIERS) + r")\b", text), row


def test_domains_have_their_own_vocabulary() -> None:
    def content_words(domain: str) -> set[str]:
        words = {w.strip(".,;").lower() for t in make_reviews(800, domain=domain)["text"]
                 for w in t.split()}
        return words - FUNCTION_WORDS

    vocab = {d: content_words(d) for d in DOMAINS}
    for d in DOMAINS:
        assert set(make_reviews(30, domain=d)["domain"]) == {d}
    for i, a in enumerate(DOMAINS):
        for b in DOMAINS[i + 1:]:
            jaccard = len(vocab[a] & vocab[b]) / len(vocab[a] | vocab[b])
            assert jaccard < 0.1, (a, b, sorted(vocab[a] & vocab[b]))
    assert {"json", "asyncio", "pathlib", "deprecated", "buggy"} <= vocab["software"]


def test_lexicons_are_unambiguous() -> None:
    """A word is never both positive and negative, and no subject or context hides a
    sentiment word, a negator or an intensifier: what makes every label recoverable."""
    for lex in LEXICONS.values():
        pos, neg = lex.predicates(1), lex.predicates(-1)
        assert not pos & neg, lex.name
        meaningful = [*pos, *neg, *NEGATORS, *INTENSIFIERS]
        others = [s.text for a in lex.aspects for s in a.subjects] + list(lex.contexts)
        for phrase in others:
            hidden = [m for m in meaningful if re.search(rf"(?<![\w-]){re.escape(m)}(?![\w-])",
                                                         phrase)]
            assert not hidden, (lex.name, phrase, hidden)
            assert "," not in phrase and ";" not in phrase


def test_splits_are_disjoint_and_train_matches_make_reviews() -> None:
    dd = make_review_splits(600, 200, 400, domain="movie", seed=1, positive_ratio=0.3)
    assert list(dd) == ["train", "validation", "test"]
    assert [len(dd[s]) for s in dd] == [600, 200, 400]
    texts = {s: set(dd[s]["text"]) for s in dd}
    assert not texts["train"] & texts["validation"]
    assert not texts["train"] & texts["test"]
    assert not texts["validation"] & texts["test"]
    assert dd["train"].to_dict() == make_reviews(600, domain="movie", seed=1,
                                                 positive_ratio=0.3).to_dict()
    assert [sum(dd[s]["label"]) for s in dd] == [180, 60, 120]


def test_splits_reject_unknown_knobs() -> None:
    with pytest.raises(TypeError):
        make_review_splits(10, 10, 10, positive_rate=0.5)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"positive_ratio": 1.5}, "positive_ratio must be in"),
        ({"label_noise": 0.7}, "label_noise must be in"),
        ({"domain": "cars"}, "domain must be one of"),
        ({"phenomena": ["sarcasm"]}, "phenomena must be among"),
        ({"phenomena": {"plain": 0}}, "not all 0"),
    ],
)
def test_bad_knobs_say_what_was_expected(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make_reviews(10, **kwargs)


def test_running_out_of_unique_texts_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reviews_module, "MAX_TRIES", 1)  # half of all draws are rejected
    with pytest.raises(ValueError, match="ask for fewer"):
        make_reviews(200)


def test_ten_thousand_reviews_are_fast() -> None:
    import time

    start = time.perf_counter()
    make_reviews(10_000)
    assert time.perf_counter() - start < 5.0  # about 0.3 s on one free core
