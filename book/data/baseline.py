"""The bag-of-words baseline every fine-tuned model has to beat.

Why it matters: a logistic regression on word counts is fast, strong on sentiment, and
blind to word order. Where it is near chance (contrast sentences whose two orders share
one bag of words) a model that reads order, e.g. a fine-tuned transformer, has room to
show what pre-training bought. Without this number a 90 % accuracy means nothing.
Bigrams (``ngram_range=(1, 2)``) see "not fast" as one feature and partly fix negation,
but a contrast's main clause can sit on either side of its connective, so they stay weak there.
"""

from __future__ import annotations

from collections import defaultdict

from datasets import Dataset
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.pipeline import make_pipeline


def bow_baseline(train: Dataset, test: Dataset, ngram_range: tuple[int, int] = (1, 1)) -> dict:
    """Fit word counts + logistic regression on ``train``; score it on ``test``.

    Returns ``accuracy``, ``macro_f1``, ``accuracy_by_phenomenon`` (each value of the test
    ``phenomenon`` column -> accuracy; empty for data without that column, e.g. from the
    hub) and the ``ngram_range`` used. Deterministic: ``lbfgs`` has no randomness.
    """
    model = make_pipeline(
        CountVectorizer(ngram_range=ngram_range),
        LogisticRegression(max_iter=2000),
    )
    model.fit(list(train["text"]), list(train["label"]))
    predicted = model.predict(list(test["text"]))
    gold = list(test["label"])
    hits: dict[str, list[bool]] = defaultdict(list)
    if "phenomenon" in test.column_names:
        for kind, p, y in zip(test["phenomenon"], predicted, gold, strict=True):
            hits[kind].append(bool(p == y))
    return {
        "accuracy": float(accuracy_score(gold, predicted)),
        "macro_f1": float(f1_score(gold, predicted, average="macro")),
        "accuracy_by_phenomenon": {k: sum(v) / len(v) for k, v in sorted(hits.items())},
        "ngram_range": list(ngram_range),
    }
