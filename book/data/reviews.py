"""Labeled review generator: short reviews whose sentiment is compositional.

Why generated data: CI and an offline workshop cannot download SST-2 or IMDB, and the
chapters still need labels with real signal. The grammar (:mod:`book.data.grammar`)
computes every label from the sentence, so the numbers a chapter shows mean something:
a bag of words is near-perfect on ``plain`` sentences and near chance on contrasts, where
word order decides, and a pre-trained model has something to add.

Knobs: size, exact class balance, label noise (with a ``noisy`` flag per row), domain and
phenomenon mix. The same arguments give the same dataset on every machine.
"""

from __future__ import annotations

import inspect
import random

from datasets import Dataset, DatasetDict, Features, Value

from book.data.grammar import (
    Phenomena,
    SentenceSampler,
    exact_counts,
    resolve_mix,
    stable_bucket,
)
from book.data.lexicons import lexicon
from book.data.schema import LABEL

LABELED_BUCKET = 0
"""``stable_bucket`` of every labeled sentence (the unlabeled corpus uses the other one)."""
MAX_TRIES = 2000
"""Draws per row before giving up: only hit when asking for more unique texts than exist."""

FEATURES = Features(
    {
        "text": Value("string"),
        "label": LABEL,
        "phenomenon": Value("string"),
        "domain": Value("string"),
        "noisy": Value("bool"),
    }
)


def _check_knobs(n: int, positive_ratio: float, label_noise: float) -> None:
    if not isinstance(n, int) or n < 0:
        raise ValueError(f"n must be a non-negative int; found {n!r}")
    if not 0.0 <= positive_ratio <= 1.0:
        raise ValueError(f"positive_ratio must be in [0, 1]; found {positive_ratio}")
    if not 0.0 <= label_noise <= 0.5:
        raise ValueError(
            f"label_noise must be in [0, 0.5] (beyond 0.5 most labels are inverted); "
            f"found {label_noise}"
        )


def _sample(
    n: int,
    *,
    rng: random.Random,
    positive_ratio: float,
    label_noise: float,
    domain: str,
    phenomena: Phenomena,
    forbidden: frozenset[str],
) -> Dataset:
    """``n`` rows whose texts are not in ``forbidden`` (texts may repeat among the rows).

    The observed ``label`` column has exactly ``round(n * positive_ratio)`` positives. Each
    row is independently ``noisy`` with probability ``label_noise``; its text is then
    generated for the opposite label, so ``label != composed sentiment`` exactly on the
    noisy rows (the clean label is ``label ^ noisy``).
    """
    _check_knobs(n, positive_ratio, label_noise)
    sampler = SentenceSampler(lexicon(domain), rng)
    mix = resolve_mix(phenomena)
    n_pos = round(n * positive_ratio)
    labels = [1] * n_pos + [0] * (n - n_pos)
    kinds = [p for p, k in exact_counts(n, mix).items() for _ in range(k)]
    rng.shuffle(labels)
    rng.shuffle(kinds)
    rows: dict[str, list] = {name: [] for name in FEATURES}
    for label, kind in zip(labels, kinds, strict=True):
        noisy = rng.random() < label_noise
        sentiment = 1 if (label ^ noisy) else -1
        for _ in range(MAX_TRIES):
            text = sampler.sentence(kind, sentiment)
            if stable_bucket(text) == LABELED_BUCKET and text not in forbidden:
                break
        else:
            raise ValueError(
                f"could not find a new {kind!r} review in domain {domain!r} after {MAX_TRIES} "
                f"draws: the grammar has too few distinct sentences for {n} rows; ask for fewer"
            )
        for name, value in zip(FEATURES, (text, label, kind, domain, noisy), strict=True):
            rows[name].append(value)
    return Dataset.from_dict(rows, features=FEATURES)


def _rng(domain: str, seed: int) -> random.Random:
    # A string seed is hashed with SHA-512 by ``random``: stable across runs and machines.
    return random.Random(f"book.data.reviews/{domain}/{seed}")


def make_reviews(
    n: int,
    *,
    positive_ratio: float = 0.5,
    label_noise: float = 0.0,
    domain: str = "software",
    phenomena: Phenomena = None,
    seed: int = 0,
) -> Dataset:
    """``n`` one-sentence reviews with columns text, label, phenomenon, domain, noisy.

    ``positive_ratio`` is exact for the observed ``label`` column (0.05 gives a 95/5
    imbalance, noisy rows included); ``label_noise`` is the probability that a row's label
    contradicts its text (flag ``noisy``, clean label ``label ^ noisy``); ``phenomena`` is
    a name, a list of names (uniform mix) or ``{name: weight}`` over ``grammar.PHENOMENA``,
    ``None`` for ``grammar.DEFAULT_MIX``.
    Texts within one dataset may repeat (short plain sentences do), as in real data.
    """
    return _sample(
        n,
        rng=_rng(domain, seed),
        positive_ratio=positive_ratio,
        label_noise=label_noise,
        domain=domain,
        phenomena=phenomena,
        forbidden=frozenset(),
    )


def make_review_splits(
    n_train: int,
    n_validation: int,
    n_test: int,
    **knobs,
) -> DatasetDict:
    """Train/validation/test splits with no text shared between splits.

    ``knobs`` are those of :func:`make_reviews` and apply to every split (with label noise,
    evaluate on the clean label ``label ^ noisy``). The train split equals
    ``make_reviews(n_train, **knobs)``; later splits reject texts already used, so a test
    score never rewards memorising a training sentence.
    """
    # make_reviews' signature is the single source of the knobs and their defaults
    bound = inspect.signature(make_reviews).bind(0, **knobs)
    bound.apply_defaults()
    knobs = dict(bound.arguments)
    del knobs["n"]
    rng = _rng(knobs["domain"], knobs.pop("seed"))
    used: frozenset[str] = frozenset()
    splits = {}
    for split, n in (("train", n_train), ("validation", n_validation), ("test", n_test)):
        splits[split] = _sample(n, rng=rng, forbidden=used, **knobs)
        used |= set(splits[split]["text"])
    return DatasetDict(splits)
