"""The bag-of-words baseline every fine-tuned model has to beat.

Why it matters: a logistic regression on word counts is fast, strong on sentiment, and
blind to word order. Where it is near chance (contrast sentences whose two orders share
one bag of words) a model that reads order, e.g. a fine-tuned transformer, has room to
show what pre-training bought. Without this number a 90 % accuracy means nothing.
"""

from __future__ import annotations

from collections import defaultdict

from datasets import Dataset
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.pipeline import make_pipeline

NGRAM_RANGES: dict[str, tuple[int, int]] = {"unigram": (1, 1), "unigram+bigram": (1, 2)}


def bow_baseline(train: Dataset, test: Dataset) -> dict:
    """Fit BoW + logistic regression on ``train``; score ``test`` per n-gram setting.

    Returns ``{setting: {"accuracy", "macro_f1", "by_phenomenon"}}`` for the settings in
    ``NGRAM_RANGES``; ``by_phenomenon`` maps each value of the test ``phenomenon`` column
    to its accuracy and is empty when there is no such column (hub data).
    """
    phenomena = test["phenomenon"] if "phenomenon" in test.column_names else None
    report = {}
    for setting, ngram_range in NGRAM_RANGES.items():
        model = make_pipeline(
            CountVectorizer(ngram_range=ngram_range),
            LogisticRegression(max_iter=2000),
        )
        model.fit(train["text"], train["label"])
        predicted = model.predict(test["text"])
        gold = test["label"]
        by_phenomenon: dict[str, float] = {}
        if phenomena is not None:
            hits: dict[str, list[bool]] = defaultdict(list)
            for kind, p, y in zip(phenomena, predicted, gold, strict=True):
                hits[kind].append(bool(p == y))
            by_phenomenon = {k: sum(v) / len(v) for k, v in sorted(hits.items())}
        report[setting] = {
            "accuracy": float(accuracy_score(gold, predicted)),
            "macro_f1": float(f1_score(gold, predicted, average="macro")),
            "by_phenomenon": by_phenomenon,
        }
    return report
