"""Unlabeled in-domain text: multi-sentence reviews whose sentences agree in polarity.

Why this shape: a language model learns what predicts the next sentence. If every sentence
of a review shares one overall polarity, then predicting the closing "Would recommend." or
"Avoid." after "The docs are clear, but the json module is not reliable." requires computing
the sentiment of the first sentence, negation and contrast included. Pre-training on such
text therefore builds sentiment features that a classifier fine-tuned later can reuse: the
"sentiment neuron" effect (Radford et al. 2017, https://arxiv.org/abs/1704.01444), where an
LM trained only on Amazon reviews had a single unit tracking sentiment.

A review is one to three compositional sentences (the grammar of :mod:`book.data.grammar`),
optionally a reason ("It saved me hours of work."), and usually a verdict at the end;
2 to 5 sentences in all, plus a verdict right after each compositional sentence that does
not end it (see ``SNIPPET_VERDICT_PROBABILITY``). Compositional sentences come from the
other ``stable_bucket`` than labeled reviews, and the random stream is seeded apart, so no
labeled example ever appears verbatim in this text.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from datasets import Dataset, Features, Value

from book.data.grammar import (
    Phenomena,
    SentenceSampler,
    exact_counts,
    resolve_mix,
    stable_bucket,
)
from book.data.lexicons import lexicon
from book.data.reviews import LABELED_BUCKET, MAX_TRIES

MIN_SENTENCES, MAX_SENTENCES = 2, 5
VERDICT_PROBABILITY = 0.9
"""How often the last sentence is a verdict: the tokens a pre-trained LM can only predict by
working out the sentiment of what came before, so the more of them the stronger the signal."""
SNIPPET_VERDICT_PROBABILITY = 1.0
"""How often a compositional sentence that does not end the review is followed at once by a
verdict, as in rating snippets ("The build is slow. Two stars."). A verdict right after one
sentence can only be predicted from *that* sentence's sentiment, which is exactly what a
classifier later reads from the state at a single sentence's last token. Every such sentence
gets one: measured on Chapter 1's learning curve (100 labels, three seeds, reviews half the
pre-training corpus), a verdict after half of them left the pre-trained start 4 points ahead
of random weights, after all of them 6. The knob stays for such experiments."""
REASON_PROBABILITY = 0.4
"""How often a middle sentence is a reason rather than another compositional sentence."""

FEATURES = Features({"text": Value("string"), "domain": Value("string")})


def _compositional(sampler: SentenceSampler, kinds: Sequence[str],
                   weights: Sequence[float], sentiment: int) -> str:
    rng = sampler.rng
    for _ in range(MAX_TRIES):
        text = sampler.sentence(rng.choices(kinds, weights)[0], sentiment)
        if stable_bucket(text) != LABELED_BUCKET:
            return text
    raise RuntimeError(f"no unlabeled-bucket sentence after {MAX_TRIES} draws")  # p = 2**-2000


def _review(sampler: SentenceSampler, kinds: Sequence[str], weights: Sequence[float]) -> str:
    rng, lex = sampler.rng, sampler.lex
    sentiment = rng.choice((1, -1))
    n_sentences = rng.randint(MIN_SENTENCES, MAX_SENTENCES)
    sentences = [_compositional(sampler, kinds, weights, sentiment)]
    for position in range(1, n_sentences):
        last = position == n_sentences - 1
        if last and rng.random() < VERDICT_PROBABILITY:
            sentences.append(rng.choice(lex.verdicts[sentiment]))
        elif rng.random() < REASON_PROBABILITY and (
            (reason := rng.choice(lex.reasons[sentiment])) not in sentences
        ):
            sentences.append(reason)
        else:
            sentences.append(_compositional(sampler, kinds, weights, sentiment))
            if not last and rng.random() < SNIPPET_VERDICT_PROBABILITY:
                sentences.append(rng.choice(lex.verdicts[sentiment]))
    return " ".join(sentences)


def unlabeled_reviews(
    n: int,
    domains: Sequence[str] = ("software",),
    seed: int = 0,
    phenomena: Phenomena = None,
) -> Dataset:
    """``n`` multi-sentence reviews (columns ``text``, ``domain``), domains in equal shares.

    ``phenomena`` sets the mix of compositional sentences as in ``make_reviews``. Rows are
    shuffled across domains; the same arguments give the same corpus.
    """
    if not isinstance(n, int) or n < 0:
        raise ValueError(f"n must be a non-negative int; found {n!r}")
    if isinstance(domains, str) or not domains:
        raise ValueError(f"domains must be a non-empty sequence of names; found {domains!r}")
    rng = random.Random(f"book.data.corpus/{','.join(domains)}/{seed}")
    mix = resolve_mix(phenomena)
    kinds, weights = list(mix), list(mix.values())
    samplers = {d: SentenceSampler(lexicon(d), rng) for d in domains}
    shares = dict.fromkeys(domains, 1.0 / len(set(domains)))
    row_domains = [d for d, k in exact_counts(n, shares).items() for _ in range(k)]
    rng.shuffle(row_domains)
    texts = [_review(samplers[d], kinds, weights) for d in row_domains]
    return Dataset.from_dict({"text": texts, "domain": row_domains}, features=FEATURES)
